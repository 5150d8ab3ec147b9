# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Feishu search data sources: the plan step and the apply step, each on its own.

Planning runs with ``client=None`` against listed objects, as the role filter does; applying
runs against FakeFeishu (only the network is fake), from a plan made the same way.
"""

from __future__ import absolute_import, division, print_function

import copy

import pytest

from ansible_collections.dsops.cloud.plugins.module_utils.core import lifecycle, reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ConflictError, InputError
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import Outcome
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source import (
    CONFLICT_HINT, FeishuDataSourceResource, resource_argument_spec)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_data_source import (
    DS_ID, EXISTING, client_for, options)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    COLLECTION, FakeFeishu, error)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

OTHER = {'id': '7300000000000000002', 'name': 'Wiki', 'state': 0, 'template': 'search_common_card'}


def listing():
    return [dict(copy.deepcopy(EXISTING), template='search_common_card'), copy.deepcopy(OTHER)]


def found(listed, given):
    """The listed object the options name, by id or else by name (as the role filter matches them)."""
    if given.get('id'):
        return next((obj for obj in listed if obj['id'] == given['id']), None)
    return next((obj for obj in listed if obj['name'] == given.get('name')), None)


def plan_for(**given):
    """The module's plan step with no client, against the listing: any request would raise."""
    p = options(**given)
    resource = FeishuDataSourceResource(None, p)
    return lifecycle.plan(resource, found(listing(), p), p['state'])


# ----- plan, with client=None -------------------------------------------------------------------------------------

def test_only_the_differing_fields_are_in_the_payload():
    decided = plan_for(name='Tickets', online=False, description='All tickets', schema_id='ticket_schema',
                       i18n_name={'zh_cn': '工单', 'en_us': None, 'ja_jp': None})
    assert decided.action == reconcile.UPDATE
    assert decided.payload == {'description': 'All tickets'}
    assert decided.changes == {'description': {'before': 'Helpdesk tickets', 'after': 'All tickets'}}
    assert decided.conflicts == {}


def test_a_listed_data_source_as_desired_plans_nothing():
    decided = plan_for(id=DS_ID, name='Tickets', online=False, connect_type='default')
    assert decided.action == reconcile.NONE and decided.payload == {}


def test_a_new_locale_is_merged_and_the_other_locales_are_kept():
    decided = plan_for(name='Tickets', i18n_name={'en_us': 'Tickets', 'zh_cn': None, 'ja_jp': None})
    assert decided.action == reconcile.UPDATE
    assert decided.payload == {'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'}}
    # a locale given with its current value is no change
    assert plan_for(name='Tickets', i18n_name={'zh_cn': '工单', 'en_us': None, 'ja_jp': None}).action == \
        reconcile.NONE


def test_a_missing_name_plans_a_create_of_the_given_fields():
    decided = plan_for(name='Manuals', online=True, schema_id='manual_schema')
    assert decided.action == reconcile.CREATE
    assert decided.payload == {'name': 'Manuals', 'state': 0, 'schema_id': 'manual_schema'}


def test_an_id_not_in_the_listing_is_refused_for_present():
    with pytest.raises(InputError, match='7300000000000000042 does not exist'):
        plan_for(id='7300000000000000042', name='Tickets')


def test_an_id_not_in_the_listing_is_already_absent():
    assert plan_for(id='7300000000000000042', state='absent').action == reconcile.NONE


def test_absent_with_an_id_whose_name_differs_is_refused():
    with pytest.raises(InputError, match="id %s is named 'Tickets', not 'Wiki'; nothing was deleted" % DS_ID):
        plan_for(id=DS_ID, name='Wiki', state='absent')
    assert plan_for(id=DS_ID, name='Tickets', state='absent').action == reconcile.DELETE


@pytest.mark.parametrize('given, conflicts', [
    (dict(schema_id='other_schema'), {'schema_id': {'current': 'ticket_schema', 'desired': 'other_schema'}}),
    (dict(connect_type='callback', description='too'), {'connect_type': {'current': 0, 'desired': 1}}),
    (dict(data_source_app_id='cli_other'), {'app_id': {'current': None, 'desired': 'cli_other'}}),
])
def test_a_create_only_difference_is_a_conflict(given, conflicts):
    with pytest.raises(ConflictError) as caught:
        plan_for(name='Tickets', **given)
    assert caught.value.conflicts == conflicts
    assert caught.value.hint == CONFLICT_HINT


def test_feishu_never_recreates():
    """No option asks for it: the module and the role filter plan without allow_recreate."""
    assert 'recreate' not in resource_argument_spec()
    with pytest.raises(ConflictError):
        plan_for(name='Tickets', schema_id='other_schema')
    assert 'delete the data source (state=absent) and create it again' in CONFLICT_HINT


def test_the_plan_never_touches_the_listing():
    listed = listing()
    before = copy.deepcopy(listed)
    p = options(name='Tickets', i18n_name={'en_us': 'Tickets', 'zh_cn': None, 'ja_jp': None}, description='x')
    lifecycle.plan(FeishuDataSourceResource(None, p), found(listed, p), 'present')
    assert listed == before


# ----- apply, against FakeFeishu ----------------------------------------------------------------------------------

def planned(fake, **given):
    """(adapter with a client, current as read, the plan); the fake's log emptied afterwards."""
    p = options(**given)
    adapter = FeishuDataSourceResource(client_for(fake), p)
    current = adapter.read()
    decided = lifecycle.plan(adapter, current, p['state'])
    fake.log[:] = []
    return adapter, current, decided


def existing_fake():
    return FakeFeishu([dict(EXISTING)])


def test_apply_of_an_update_is_one_patch_with_exactly_the_payload():
    fake = existing_fake()
    adapter, current, decided = planned(fake, id=DS_ID, description='All tickets',
                                        i18n_name={'en_us': 'Tickets', 'zh_cn': None, 'ja_jp': None})
    outcome = lifecycle.apply(adapter, decided, current)
    assert isinstance(outcome, Outcome)
    assert [(w.method, w.path, w.body) for w in fake.writes] == [
        ('PATCH', COLLECTION + '/' + DS_ID, decided.payload)]
    assert decided.payload == {'description': 'All tickets', 'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'}}
    assert outcome.wrote is True and outcome.job is None and outcome.warnings == []
    assert outcome.obj['description'] == 'All tickets' and outcome.obj['i18n_name'] == {'zh_cn': '工单',
                                                                                        'en_us': 'Tickets'}


def test_apply_of_a_patch_answered_no_change_wrote_nothing():
    fake = existing_fake()
    adapter, current, decided = planned(fake, id=DS_ID, description='All tickets')
    fake.fail('PATCH', COLLECTION + '/', error(400, 1271003, 'no change'))
    outcome = lifecycle.apply(adapter, decided, current)
    assert [w.method for w in fake.writes] == ['PATCH']
    assert outcome.wrote is False and outcome.obj == current
    result = lifecycle.result_of(adapter, decided, outcome, True)
    assert result['changed'] is False and diff_of(result)['before'] == diff_of(result)['after']


def test_apply_of_a_delete_of_a_missing_id_wrote_nothing():
    fake = existing_fake()
    adapter, current, decided = planned(fake, id=DS_ID, state='absent')
    assert decided.action == reconcile.DELETE
    fake.data_sources.clear()  # removed by someone else since the read
    outcome = lifecycle.apply(adapter, decided, current)
    assert [(w.method, w.path) for w in fake.writes] == [('DELETE', COLLECTION + '/' + DS_ID)]
    assert outcome.wrote is False and outcome.obj is None
    assert lifecycle.result_of(adapter, decided, outcome, False) == {'changed': False, 'data_source': {}}


def test_apply_of_a_delete_deletes():
    fake = existing_fake()
    adapter, current, decided = planned(fake, id=DS_ID, state='absent')
    outcome = lifecycle.apply(adapter, decided, current)
    assert [w.method for w in fake.writes] == ['DELETE'] and fake.data_sources == {}
    assert outcome.wrote is True and outcome.obj is None


def test_apply_of_a_create_is_one_post_and_returns_the_created_object():
    fake = existing_fake()
    adapter, current, decided = planned(fake, name='Manuals', online=True, description='How-tos')
    assert current is None and decided.action == reconcile.CREATE
    outcome = lifecycle.apply(adapter, decided, current)
    assert [(w.method, w.path, w.body) for w in fake.writes] == [
        ('POST', COLLECTION, {'name': 'Manuals', 'state': 0, 'description': 'How-tos'})]
    created = [obj for obj in fake.data_sources.values() if obj['name'] == 'Manuals']
    assert len(created) == 1
    assert outcome.wrote is True and outcome.obj == created[0]


def test_apply_of_nothing_to_do_sends_nothing():
    fake = existing_fake()
    adapter, current, decided = planned(fake, id=DS_ID, name='Tickets')
    outcome = lifecycle.apply(adapter, decided, current)
    assert fake.log == [] and outcome.wrote is False and outcome.obj == current


def test_a_plan_made_without_a_client_is_the_one_the_module_applies():
    fake = existing_fake()
    adapter, current, decided = planned(fake, name='Tickets', description='All tickets')
    offline = lifecycle.plan(FeishuDataSourceResource(None, adapter.params), current, 'present')
    assert (offline.action, offline.payload) == (decided.action, decided.payload)
    lifecycle.apply(adapter, offline, current)
    assert [w.body for w in fake.writes] == [{'description': 'All tickets'}]
