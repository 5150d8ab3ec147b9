# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan filter behind the feishu_search_data_sources role.

The agreement tests run the real module code (client, adapter, reconcile) for every item
against the fake Feishu API, and check that an item is in the plan exactly when that run
writes something.
"""

from __future__ import absolute_import, division, print_function

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.dsops.cloud.plugins.filter.feishu_search_data_sources_plan import (
    FilterModule, feishu_search_data_sources_plan as plan)
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.client import FeishuClient
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source import (
    FeishuDataSourceResource, gather)
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import ensure
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import HttpTransport
from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import RetryPolicy
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    APP_ID, APP_SECRET, FakeFeishu)

__metaclass__ = type

TICKETS = {'id': '7300000000000000001', 'name': 'Tickets', 'state': 0, 'description': 'Helpdesk tickets',
           'template': 'search_common_card', 'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'},
           'schema_id': 'ticket_schema'}
WIKI = {'id': '7300000000000000002', 'name': 'Wiki', 'state': 1, 'template': 'search_common_card'}
OLD = {'id': '7300000000000000003', 'name': 'Old', 'state': 1, 'template': 'search_common_card'}
CURRENT = [TICKETS, WIKI, OLD]


def actions(result):
    return [(entry['index'], entry['action']) for entry in result['pending']]


def test_the_filter_is_registered_under_its_documented_name():
    assert FilterModule().filters() == {'feishu_search_data_sources_plan': plan}


# ----- steady state and single changes ----------------------------------------------------------------------

def test_items_already_as_desired_need_no_module_call():
    items = [{'name': 'Tickets', 'online': True, 'description': 'Helpdesk tickets', 'i18n_name': {'en_us': 'Tickets'}},
             {'id': '7300000000000000002', 'name': 'Wiki', 'online': False}]
    result = plan(items, CURRENT)
    assert result['pending'] == []
    assert [entry['index'] for entry in result['unchanged']] == [0, 1]
    assert result['counts'] == {'unchanged': 2}
    assert result['listed'] == 3


def test_one_differing_field_is_one_update_with_the_matched_id():
    items = [{'name': 'Tickets', 'description': 'All tickets'}, {'name': 'Wiki'}]
    result = plan(items, CURRENT)
    assert actions(result) == [(0, 'update')]
    entry = result['pending'][0]
    # only what the item sets, plus the id so the module reads one object instead of listing
    assert entry['options'] == {'id': '7300000000000000001', 'name': 'Tickets', 'description': 'All tickets'}
    assert entry['label'] == "update 'Tickets' (id 7300000000000000001): description"
    assert result['summary'] == [entry['label']]


def test_options_are_converted_like_the_module_converts_them():
    # 'yes' is a bool to the module: online=yes against an online data source is no change
    assert plan([{'name': 'Tickets', 'online': 'yes'}], CURRENT)['pending'] == []
    result = plan([{'name': 'Wiki', 'online': 'yes'}], CURRENT)
    assert result['pending'][0]['options'] == {'id': WIKI['id'], 'name': 'Wiki', 'online': True}


def test_a_locale_not_mentioned_keeps_its_value_as_in_the_module():
    # i18n_name merges: zh_cn alone equal to the current one is no change
    assert plan([{'name': 'Tickets', 'i18n_name': {'zh_cn': '工单'}}], CURRENT)['pending'] == []
    result = plan([{'name': 'Tickets', 'i18n_name': {'ja_jp': 'チケット'}}], CURRENT)
    assert result['pending'][0]['options']['i18n_name'] == {'ja_jp': 'チケット'}
    assert 'i18n_name' in result['pending'][0]['label']


def test_a_missing_data_source_is_created_with_only_the_options_given():
    result = plan([{'name': 'Manuals', 'online': False, 'connector_param': {'callback_endpoint': None}}], CURRENT)
    assert actions(result) == [(0, 'create')]
    assert result['pending'][0]['options'] == {'name': 'Manuals', 'online': False, 'connector_param': {}}
    assert result['pending'][0]['label'] == "create 'Manuals'"


def test_absent_items_delete_what_exists_and_ignore_what_does_not():
    result = plan([{'name': 'Old', 'state': 'absent'}, {'name': 'Never', 'state': 'absent'}], CURRENT)
    assert actions(result) == [(0, 'delete')]
    assert result['pending'][0]['options'] == {'id': OLD['id'], 'name': 'Old', 'state': 'absent'}
    assert [entry['index'] for entry in result['unchanged']] == [1]


def test_the_registered_info_result_is_accepted_as_current():
    assert plan([{'name': 'Wiki'}], {'changed': False, 'data_sources': CURRENT})['pending'] == []
    # the listing was skipped (empty list, no purge): nothing to compare with
    assert plan([], {'skipped': True})['pending'] == []


# ----- purge ----------------------------------------------------------------------------------------------------

def test_purge_deletes_only_what_no_item_matches():
    items = [{'name': 'Tickets'}, {'name': 'Wiki', 'state': 'absent'}]
    result = plan(items, CURRENT, purge=True)
    assert actions(result) == [(1, 'delete'), (None, 'delete')]
    purged = result['pending'][1]
    # the name goes along so the module refuses if the id meanwhile names another data source
    assert purged['options'] == {'id': OLD['id'], 'name': 'Old', 'state': 'absent'}
    assert purged['label'] == "delete 'Old' (id 7300000000000000003): not in the list (purge)"


def test_purge_is_off_by_default():
    assert plan([{'name': 'Tickets'}], CURRENT)['pending'] == []


def test_an_empty_list_never_purges_unless_explicitly_allowed():
    with pytest.raises(AnsibleFilterError, match='feishu_search_data_sources_purge_empty'):
        plan([], CURRENT, purge=True)
    result = plan([], CURRENT, purge=True, purge_empty=True)
    assert [entry['options']['id'] for entry in result['pending']] == [TICKETS['id'], WIKI['id'], OLD['id']]


# ----- refusals: every problem at once, before anything is written -------------------------------------------------

def test_invalid_items_are_all_reported_by_position_and_name():
    items = [{'name': 'Tickets', 'colour': 'red'}, {'online': True}, {'name': 'Wiki', 'connect_type': 'push'},
             {'name': 'Tickets', 'app_secret': 'x'}, 'Wiki']
    with pytest.raises(AnsibleFilterError) as caught:
        plan(items, CURRENT)
    message = str(caught.value)
    assert message.startswith('5 problem(s) in feishu_search_data_sources (5 item(s)); nothing was changed')
    assert "item 0 ('Tickets'): unsupported option colour. Supported parameters include: connect_type" in message
    assert 'item 1: one of the following is required: id, name' in message
    assert "item 2 ('Wiki'): value of connect_type must be one of: default, callback, got: push" in message
    # connection options belong to the role's connection variable, not to items
    assert "item 3 ('Tickets'): unsupported option app_secret." in message
    assert 'item 4: must be a dictionary of module options, got str' in message


def test_the_module_input_checks_apply():
    with pytest.raises(AnsibleFilterError, match=r'item 0 \(\'73x\'\): id must be a Feishu data source id'):
        plan([{'id': '73x'}], CURRENT)


def test_a_create_only_difference_fails_the_plan_with_the_module_message():
    with pytest.raises(AnsibleFilterError) as caught:
        plan([{'name': 'Tickets', 'schema_id': 'other_schema'}, {'name': 'Wiki', 'description': 'x'}], CURRENT)
    assert ("Cannot change create-only field(s) of Feishu data source 'Tickets' (id 7300000000000000001) in place: "
            "schema_id: current 'ticket_schema', desired 'other_schema'") in str(caught.value)


def test_an_unknown_id_fails_as_in_the_module():
    with pytest.raises(AnsibleFilterError, match='id 7399999999999999999 does not exist'):
        plan([{'id': '7399999999999999999', 'name': 'Ghost'}], CURRENT)


def test_an_ambiguous_name_fails_as_in_the_module():
    twins = CURRENT + [dict(WIKI, id='7300000000000000009')]
    with pytest.raises(AnsibleFilterError, match="2 Feishu data sources are named 'Wiki'"):
        plan([{'name': 'Wiki'}], twins)


def test_two_items_for_one_data_source_are_refused():
    with pytest.raises(AnsibleFilterError) as caught:
        plan([{'name': 'Wiki'}, {'id': WIKI['id'], 'description': 'x'}], CURRENT)
    assert "item 0 ('Wiki') and item 1 ('7300000000000000002') both manage data source 'Wiki'" in str(caught.value)
    with pytest.raises(AnsibleFilterError, match="both manage the new data source 'New'"):
        plan([{'name': 'New'}, {'name': 'New', 'online': True}], CURRENT)


def test_a_failed_listing_or_a_wrong_current_is_refused():
    with pytest.raises(AnsibleFilterError, match='listing of current data sources failed: boom'):
        plan([{'name': 'Wiki'}], {'failed': True, 'msg': 'boom'})
    with pytest.raises(AnsibleFilterError, match='current must be the data_sources list'):
        plan([{'name': 'Wiki'}], 'Wiki')
    with pytest.raises(AnsibleFilterError, match='must be a list of dictionaries'):
        plan({'name': 'Wiki'}, CURRENT)


# ----- agreement with the module -------------------------------------------------------------------------------------

AGREEMENT_ITEMS = [
    {'name': 'Tickets'},
    {'name': 'Tickets', 'online': True, 'description': 'Helpdesk tickets'},
    {'name': 'Tickets', 'online': False},
    {'name': 'Tickets', 'i18n_name': {'zh_cn': '工单'}},
    {'name': 'Tickets', 'i18n_name': {'zh_cn': '工单单'}},
    {'name': 'Tickets', 'i18n_description': {'en_us': 'Search tickets'}},
    {'name': 'Tickets', 'enable_answer': False},
    {'name': 'Tickets', 'template': 'search_common_card', 'schema_id': 'ticket_schema'},
    {'id': '7300000000000000001', 'name': 'Tickets'},
    {'id': '7300000000000000001', 'name': 'Tickets renamed'},
    {'name': 'Wiki', 'online': False},
    {'name': 'Wiki', 'icon_url': 'https://example.com/wiki.png'},
    {'name': 'Wiki', 'state': 'absent'},
    {'name': 'Nothing here', 'state': 'absent'},
    {'name': 'Manuals', 'online': True},
]


def module_params(item):
    params = dict((name, None) for name in (
        'id', 'name', 'online', 'description', 'icon_url', 'i18n_name', 'i18n_description', 'enable_answer',
        'connector_param', 'template', 'schema_id', 'searchable_fields', 'connect_type', 'data_source_app_id'))
    params['state'] = 'present'
    params.update(item)
    return params


def client_for(fake):
    policy = RetryPolicy(retries=0, sleep=lambda seconds: None, rand=lambda: 0.0)
    return FeishuClient(HttpTransport(session=fake), policy, base_url='http://fake', app_id=APP_ID,
                        app_secret=APP_SECRET)


@pytest.mark.parametrize('item', AGREEMENT_ITEMS, ids=[repr(i) for i in AGREEMENT_ITEMS])
def test_an_item_is_pending_exactly_when_the_module_writes(item):
    fake = FakeFeishu([TICKETS, WIKI])
    listing = gather(client_for(fake), {'id': None, 'name': None})
    pending = plan([item], listing)['pending']

    fake.log[:] = []
    adapter = FeishuDataSourceResource(client_for(fake), module_params(item))
    result = ensure(adapter, adapter.params.get('state') or 'present')
    assert bool(pending) == bool(fake.writes) == result['changed']
