# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

from ansible_collections.dsops.cloud.plugins.module_utils.core import reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.reconcile import Field

__metaclass__ = type

FIELDS = [
    Field('name'),
    Field('state'),
    Field('description'),
    Field('i18n_name', merge_dict=True),
    Field('template', create_only=True),
    Field('password', compared=False),
]

CURRENT = {
    'name': 'Tickets',
    'state': 1,
    'description': 'old',
    'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'},
    'template': 'search_common_card',
}


def test_absent_object_is_created_with_every_desired_field():
    plan = reconcile.plan_present(FIELDS, {'name': 'T', 'state': 0, 'password': 'pw', 'description': None}, None)
    assert plan.action == reconcile.CREATE
    assert plan.payload == {'name': 'T', 'state': 0, 'password': 'pw'}
    assert plan.diff() == {'before': {}, 'after': {'name': 'T', 'state': 0}}


def test_equal_object_needs_nothing_and_unset_options_are_not_compared():
    plan = reconcile.plan_present(FIELDS, {'name': 'Tickets', 'description': None, 'password': 'x'}, CURRENT)
    assert plan.action == reconcile.NONE
    assert not plan.changed
    assert plan.payload == {}


def test_update_payload_holds_only_the_differing_fields():
    plan = reconcile.plan_present(FIELDS, {'name': 'Tickets', 'state': 0, 'description': 'old'}, CURRENT)
    assert plan.action == reconcile.UPDATE
    assert plan.payload == {'state': 0}
    assert plan.changes == {'state': {'before': 1, 'after': 0}}
    assert plan.diff() == {'before': {'name': 'Tickets', 'state': 1, 'description': 'old'},
                           'after': {'name': 'Tickets', 'state': 0, 'description': 'old'}}


def test_merge_dict_keeps_unmentioned_keys_and_sends_the_whole_object():
    plan = reconcile.plan_present(FIELDS, {'i18n_name': {'en_us': 'Tix', 'ja_jp': None}}, CURRENT)
    assert plan.payload == {'i18n_name': {'zh_cn': '工单', 'en_us': 'Tix'}}


def test_merge_dict_with_same_values_is_unchanged():
    plan = reconcile.plan_present(FIELDS, {'i18n_name': {'en_us': 'Tickets'}}, CURRENT)
    assert plan.action == reconcile.NONE


def test_create_only_difference_is_a_conflict_not_an_update():
    plan = reconcile.plan_present(FIELDS, {'template': 'other', 'state': 0}, CURRENT)
    assert plan.conflicts == {'template': {'current': 'search_common_card', 'desired': 'other'}}
    assert 'template' not in plan.payload
    assert reconcile.describe_conflicts(plan.conflicts) == "template: current 'search_common_card', desired 'other'"


def test_recreate_carries_over_unmentioned_fields():
    plan = reconcile.plan_present(FIELDS, {'template': 'other', 'password': 'pw'}, CURRENT, allow_recreate=True)
    assert plan.action == reconcile.RECREATE
    assert plan.payload['description'] == 'old'
    assert plan.payload['template'] == 'other'
    assert plan.payload['password'] == 'pw'
    assert 'password' not in plan.after


def test_booleans_never_equal_integers():
    assert not reconcile.values_equal(1, True)
    assert not reconcile.values_equal(False, 0)
    assert reconcile.values_equal({'a': 1, 'b': None}, {'a': 1})


def test_absent_plans():
    assert reconcile.plan_absent(FIELDS, None).action == reconcile.NONE
    plan = reconcile.plan_absent(FIELDS, CURRENT)
    assert plan.action == reconcile.DELETE
    assert plan.diff()['after'] == {}
    assert plan.diff()['before']['name'] == 'Tickets'


def test_force_recreate_recreates_an_equal_object_with_the_write_only_value():
    """update_password=always: nothing compared differs, yet the object is re-created to apply the password."""
    desired = {'name': 'Tickets', 'password': 'new-pw'}
    assert reconcile.plan_present(FIELDS, desired, CURRENT).action == reconcile.NONE
    plan = reconcile.plan_present(FIELDS, desired, CURRENT, force_recreate=True)
    assert plan.action == reconcile.RECREATE and plan.changed
    assert plan.payload['password'] == 'new-pw' and plan.payload['template'] == 'search_common_card'
    assert plan.conflicts == {}


def test_force_recreate_of_a_missing_object_is_a_plain_create():
    plan = reconcile.plan_present(FIELDS, {'name': 'T', 'password': 'pw'}, None, force_recreate=True)
    assert plan.action == reconcile.CREATE
