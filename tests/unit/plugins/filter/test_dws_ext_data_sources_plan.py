# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The listings and plan filters behind the dws_ext_data_sources role.

The agreement tests run the real module code (signed client, adapter, reconcile, job
waits) for every item against the fake DWS API, and check that an item is in the plan
exactly when that run writes something.
"""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.dsops.cloud.plugins.filter.dws_ext_data_sources_listings import (
    FilterModule as ListingsModule, dws_ext_data_sources_listings as listings)
from ansible_collections.dsops.cloud.plugins.filter.dws_ext_data_sources_plan import (
    FilterModule as PlanModule, dws_ext_data_sources_plan as plan)
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source import DwsExtDataSourceResource, gather
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import ensure
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import HttpTransport
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.dws_fake_api import (
    AK, CLUSTER, MRS_CLUSTER, PROJECT, SK, FakeDws)

__metaclass__ = type

OTHER_CLUSTER = '22222222-3333-4444-5555-666666666666'
PASSWORD = 'Mrs_Password_In_Item_42'
OBS1 = {'id': '66666666-7777-8888-9999-000000000001', 'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS',
        'connect_info': 'gaussdb', 'description': 'Raw events', 'data_source_id': ''}
OBS2 = {'id': '66666666-7777-8888-9999-000000000002', 'name': 'obs_src2', 'type': 'OBS', 'user_name': 'DWSAccessOBS',
        'connect_info': 'gaussdb', 'description': '', 'data_source_id': ''}
MRS1 = {'id': '77777777-7777-8888-9999-000000000001', 'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
        'data_source_id': MRS_CLUSTER, 'connect_info': '', 'description': ''}


def registered(*listings_made):
    """What the role registers when it loops dws_ext_data_source_info over the listings."""
    results = []
    for listing, sources in listings_made:
        wanted = [listing['type']] if listing.get('type') else ['OBS', 'MRS']
        results.append({'item': listing, 'changed': False,
                        'ext_data_sources': [s for s in sources if s['type'] in wanted]})
    return {'results': results, 'changed': False, 'msg': 'All items completed'}


def both_types(*sources, **kwargs):
    return registered(({'cluster_id': kwargs.get('cluster', CLUSTER)}, list(sources)))


def actions(result):
    return [(entry['index'], entry['action']) for entry in result['pending']]


def test_the_filters_are_registered_under_their_documented_names():
    assert PlanModule().filters() == {'dws_ext_data_sources_plan': plan}
    assert ListingsModule().filters() == {'dws_ext_data_sources_listings': listings}


# ----- what to list ------------------------------------------------------------------------------------------------

def test_one_cluster_of_one_type_is_one_listing_of_that_type():
    items = [{'name': 'obs_src%d' % n, 'type': 'OBS'} for n in range(30)]
    assert listings(items, cluster_id=CLUSTER) == [{'cluster_id': CLUSTER, 'type': 'OBS'}]


def test_both_types_are_listed_when_an_item_has_no_type_or_types_differ_or_purging():
    assert listings([{'name': 'x'}], cluster_id=CLUSTER) == [{'cluster_id': CLUSTER}]
    assert listings([{'name': 'x', 'type': 'OBS'}, {'name': 'y', 'type': 'MRS'}], cluster_id=CLUSTER) == \
        [{'cluster_id': CLUSTER}]
    assert listings([{'name': 'x', 'type': 'OBS'}], cluster_id=CLUSTER, purge=True) == [{'cluster_id': CLUSTER}]


def test_each_cluster_is_listed_once_in_the_order_the_items_name_them():
    items = [{'name': 'a', 'type': 'OBS', 'cluster_id': OTHER_CLUSTER}, {'name': 'b', 'type': 'OBS'},
             {'name': 'c', 'type': 'OBS', 'cluster_id': OTHER_CLUSTER}]
    assert listings(items, cluster_id=CLUSTER) == [{'cluster_id': OTHER_CLUSTER, 'type': 'OBS'},
                                                   {'cluster_id': CLUSTER, 'type': 'OBS'}]
    # with purge the role's cluster is listed even when no item names it
    assert listings(items[:1], cluster_id=CLUSTER, purge=True) == [{'cluster_id': OTHER_CLUSTER},
                                                                   {'cluster_id': CLUSTER}]
    assert listings([], cluster_id=CLUSTER) == []


def test_bad_items_are_refused_before_any_listing():
    items = [{'name': 'bad-name!', 'type': 'OBS'}, {'name': 'x', 'type': 'obs'}, {'type': 'OBS'},
             {'name': 'y', 'type': 'OBS', 'agency': 'a', 'user_name': 'mrs_user'}, {'name': 'z', 'region': 'cn'}]
    with pytest.raises(AnsibleFilterError) as caught:
        listings(items, cluster_id=CLUSTER)
    message = str(caught.value)
    assert message.startswith('5 problem(s) in dws_ext_data_sources (5 item(s)); nothing was changed')
    assert "item 0 ('bad-name!'): name 'bad-name!' is not valid" in message
    assert "item 1 ('x'): value of type must be one of: OBS, MRS, got: obs" in message
    assert 'item 2: one of the following is required: name, id' in message
    assert "item 3 ('y'): parameters are mutually exclusive: agency|user_name" in message
    assert "item 4 ('z'): unsupported option region." in message


def test_an_item_without_cluster_needs_the_role_cluster():
    with pytest.raises(AnsibleFilterError, match='cluster_id is missing: give it in the item, or set '
                                                 'dws_ext_data_sources_cluster_id'):
        listings([{'name': 'x', 'type': 'OBS'}], cluster_id='')


# ----- the plan ------------------------------------------------------------------------------------------------------

def test_items_already_as_desired_need_no_module_call():
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb',
              'description': 'Raw events'},
             {'name': 'mrs_src1', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user',
              'user_password': PASSWORD, 'reboot': True}]
    result = plan(items, both_types(OBS1, OBS2, MRS1), cluster_id=CLUSTER)
    assert result['pending'] == []
    assert result['counts'] == {'unchanged': 2}
    assert result['listed'] == 3


def test_an_agency_change_is_one_update_with_the_matched_id_and_type():
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'}, {'name': 'obs_src2', 'type': 'OBS'}]
    result = plan(items, registered(({'cluster_id': CLUSTER, 'type': 'OBS'}, [OBS1, OBS2])), cluster_id=CLUSTER)
    assert actions(result) == [(0, 'update')]
    assert result['pending'][0]['options'] == {'cluster_id': CLUSTER, 'id': OBS1['id'], 'type': 'OBS',
                                               'name': 'obs_src1', 'agency': 'DWSAccessOBS2'}
    assert result['pending'][0]['label'] == "update 'obs_src1' (id %s): user_name" % OBS1['id']


def test_a_new_data_source_is_created_and_the_password_never_enters_the_plan():
    items = [{'name': 'mrs_new', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user',
              'user_password': PASSWORD, 'cluster_id': CLUSTER}]
    result = plan(items, both_types(OBS1))
    assert actions(result) == [(0, 'create')]
    assert result['pending'][0]['options'] == {'cluster_id': CLUSTER, 'name': 'mrs_new', 'type': 'MRS',
                                               'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user'}
    assert PASSWORD not in json.dumps(result)


def test_a_create_the_module_would_refuse_fails_the_plan():
    items = [{'name': 'mrs_new', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user'}]
    with pytest.raises(AnsibleFilterError, match="these options are required: user_password"):
        plan(items, both_types(), cluster_id=CLUSTER)
    with pytest.raises(AnsibleFilterError, match="type is required to create data source 'nowhere'"):
        plan([{'name': 'nowhere'}], both_types(), cluster_id=CLUSTER)


def test_create_only_differences_fail_unless_recreate_is_asked_for():
    item = {'name': 'obs_src1', 'type': 'OBS', 'connect_info': 'analytics', 'agency': 'DWSAccessOBS'}
    with pytest.raises(AnsibleFilterError) as caught:
        plan([item], both_types(OBS1), cluster_id=CLUSTER)
    assert "connect_info: current 'gaussdb', desired 'analytics'" in str(caught.value)
    result = plan([dict(item, recreate=True)], both_types(OBS1), cluster_id=CLUSTER)
    assert actions(result) == [(0, 'recreate')]
    assert result['pending'][0]['options']['recreate'] is True
    assert 'connect_info' in result['pending'][0]['label']


def test_absent_items_and_purge():
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS'}, {'name': 'mrs_src1', 'state': 'absent'}]
    result = plan(items, both_types(OBS1, OBS2, MRS1), cluster_id=CLUSTER, purge=True)
    assert actions(result) == [(1, 'delete'), (None, 'delete')]
    assert result['pending'][0]['options'] == {'cluster_id': CLUSTER, 'id': MRS1['id'], 'type': 'MRS',
                                               'name': 'mrs_src1', 'state': 'absent'}
    assert result['pending'][1]['options'] == {'cluster_id': CLUSTER, 'id': OBS2['id'], 'type': 'OBS',
                                               'state': 'absent'}
    assert result['pending'][1]['label'] == "delete 'obs_src2' (id %s): not in the list (purge)" % OBS2['id']


def test_a_cluster_listed_for_one_type_only_is_never_purged():
    result = plan([{'name': 'obs_src1', 'type': 'OBS'}],
                  registered(({'cluster_id': CLUSTER, 'type': 'OBS'}, [OBS1, OBS2])), cluster_id=CLUSTER, purge=True)
    assert result['pending'] == []


def test_an_empty_list_never_purges_unless_explicitly_allowed():
    with pytest.raises(AnsibleFilterError, match='dws_ext_data_sources_purge_empty'):
        plan([], both_types(OBS1), cluster_id=CLUSTER, purge=True)
    result = plan([], both_types(OBS1, MRS1), cluster_id=CLUSTER, purge=True, purge_empty=True)
    assert [entry['options']['id'] for entry in result['pending']] == [OBS1['id'], MRS1['id']]


def test_several_clusters_are_named_in_labels_and_kept_apart():
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'Other_agency'},
             {'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb',
              'cluster_id': OTHER_CLUSTER}]
    current = registered(({'cluster_id': CLUSTER, 'type': 'OBS'}, [OBS1]),
                         ({'cluster_id': OTHER_CLUSTER, 'type': 'OBS'}, []))
    result = plan(items, current, cluster_id=CLUSTER)
    assert actions(result) == [(0, 'update'), (1, 'create')]
    assert result['pending'][1]['label'] == "create 'obs_src1' in cluster %s" % OTHER_CLUSTER
    assert result['pending'][1]['options']['cluster_id'] == OTHER_CLUSTER


def test_two_items_for_one_data_source_are_refused():
    with pytest.raises(AnsibleFilterError, match=r"item 0 \('obs_src1'\) and item 1 \('%s'\) both manage"
                                                 % OBS1['id']):
        plan([{'name': 'obs_src1', 'type': 'OBS'}, {'id': OBS1['id'], 'type': 'OBS'}], both_types(OBS1),
             cluster_id=CLUSTER)


def test_items_must_match_the_listings_made():
    with pytest.raises(AnsibleFilterError, match='the MRS data sources of cluster %s were not listed' % CLUSTER):
        plan([{'name': 'mrs_src1', 'type': 'MRS'}], registered(({'cluster_id': CLUSTER, 'type': 'OBS'}, [OBS1])),
             cluster_id=CLUSTER)
    with pytest.raises(AnsibleFilterError, match='a listing of current data sources failed: denied'):
        plan([{'name': 'x', 'type': 'OBS'}], {'results': [{'failed': True, 'msg': 'denied'}]}, cluster_id=CLUSTER)


# ----- a data source in the middle of a job -----------------------------------------------------------------------
# Issue 11: the old filter replayed the module against snapshot clients and raised
# AttributeError: 'DwsSnapshot' object has no attribute 'poll' for a source left UPDATING by wait: false.

BUSY_STATUSES = [('CREATING', 'CREATING'), ('UPDATING', 'UPDATING'), ('DELETING', 'DELETING'),
                 ('100', 'CREATING'), ('500', 'UPDATING'), ('401', 'DELETING')]


@pytest.mark.parametrize('status, name', BUSY_STATUSES, ids=[status for status, dummy in BUSY_STATUSES])
def test_a_data_source_in_the_middle_of_a_job_is_pending_as_busy_with_a_label_naming_the_status(status, name):
    busy = dict(OBS1, configure_status=status, status='AVAILABLE')
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'}, {'name': 'obs_src2', 'type': 'OBS'}]
    result = plan(items, registered(({'cluster_id': CLUSTER, 'type': 'OBS'}, [busy, OBS2])), cluster_id=CLUSTER)
    assert actions(result) == [(0, 'busy')]
    entry = result['pending'][0]
    assert entry['label'].startswith("busy 'obs_src1' (id %s): " % OBS1['id'])
    assert 'is %s: a job is running on it' % name in entry['label']
    # the module gets the item's options and the matched source: it waits for the job, then decides
    assert entry['options'] == {'cluster_id': CLUSTER, 'id': OBS1['id'], 'type': 'OBS', 'name': 'obs_src1',
                                'agency': 'DWSAccessOBS2'}
    assert result['counts'] == {'busy': 1, 'unchanged': 1}
    assert result['summary'] == [entry['label']]


@pytest.mark.parametrize('item', [
    {'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS'},
    {'name': 'obs_src1'},
    {'name': 'obs_src1', 'type': 'OBS', 'connect_info': 'other_db'},
    {'name': 'obs_src1', 'type': 'OBS', 'connect_info': 'other_db', 'recreate': True},
    {'id': OBS1['id'], 'state': 'absent'},
], ids=['as desired', 'without type', 'create-only difference', 'recreate', 'absent'])
def test_a_busy_data_source_is_busy_whatever_the_item_asks_and_never_an_exception(item):
    for status in ('CREATING', 'UPDATING', 'DELETING'):
        busy = dict(OBS1, configure_status=status)
        result = plan([item], both_types(busy, MRS1), cluster_id=CLUSTER)
        assert actions(result) == [(0, 'busy')], status
        assert status in result['pending'][0]['label']


def test_a_busy_data_source_next_to_others_leaves_their_plan_alone():
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
             {'name': 'obs_src2', 'type': 'OBS', 'agency': 'DWSAccessOBS3'},
             {'name': 'mrs_src1', 'state': 'absent'}]
    result = plan(items, both_types(dict(OBS1, configure_status='UPDATING'), OBS2, MRS1), cluster_id=CLUSTER)
    assert actions(result) == [(0, 'busy'), (1, 'update'), (2, 'delete')]


def test_a_busy_listing_from_the_info_module_is_planned_busy_not_replayed():
    """The listing as dws_ext_data_source_info returns it for a source left UPDATING by wait: false."""
    fake = FakeDws([OBS1, MRS1])
    first = module_params({'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2', 'wait': False})
    ensure(DwsExtDataSourceResource(client_for(fake, first), first), 'present')
    listed = gather(client_for(fake, first), {'cluster_id': CLUSTER, 'type': None, 'name': None, 'id': None})
    assert [s['configure_status'] for s in listed if s['name'] == 'obs_src1'] == ['UPDATING']
    fake.log[:] = []
    result = plan([{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS3'}],
                  registered(({'cluster_id': CLUSTER}, listed)), cluster_id=CLUSTER)
    assert actions(result) == [(0, 'busy')] and 'UPDATING' in result['pending'][0]['label']
    assert fake.log == []  # the filter makes no request


# ----- agreement with the module ---------------------------------------------------------------------------------

AGREEMENT_ITEMS = [
    {'name': 'obs_src1', 'type': 'OBS'},
    {'name': 'obs_src1'},
    {'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb'},
    {'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
    {'name': 'obs_src1', 'type': 'OBS', 'reboot': True},
    {'name': 'obs_src1', 'type': 'OBS', 'description': 'Raw events'},
    {'name': 'obs_src1', 'type': 'OBS', 'connect_info': 'other_db', 'recreate': True},
    {'id': OBS1['id'], 'type': 'OBS', 'agency': 'DWSAccessOBS'},
    {'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user', 'user_password': PASSWORD},
    {'name': 'mrs_src1', 'state': 'absent'},
    {'name': 'gone_src', 'type': 'OBS', 'state': 'absent'},
    {'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb'},
]


def module_params(item):
    params = {'access_key': AK, 'secret_key': SK, 'security_token': None, 'auth_token': None, 'project_id': PROJECT,
              'region': None, 'endpoint': 'http://fake-dws', 'validate_certs': True, 'timeout': 30, 'retries': 0,
              'cluster_id': CLUSTER, 'state': 'present', 'name': None, 'id': None, 'type': None, 'agency': None,
              'connect_info': None, 'mrs_cluster_id': None, 'user_name': None, 'user_password': None,
              'description': None, 'reboot': False, 'recreate': False, 'wait': True, 'wait_timeout': 60}
    params.update(item)
    return params


def client_for(fake, params):
    sleeps = []
    return build_client(params, transport=HttpTransport(session=fake), sleep=sleeps.append,
                        clock=lambda: sum(sleeps))


@pytest.mark.parametrize('item', AGREEMENT_ITEMS, ids=[repr(i) for i in AGREEMENT_ITEMS])
def test_an_item_is_pending_exactly_when_the_module_writes(item):
    fake = FakeDws([OBS1, MRS1])
    params = module_params(item)
    listed = gather(client_for(fake, params), {'cluster_id': CLUSTER, 'type': None, 'name': None, 'id': None})
    current = registered(({'cluster_id': CLUSTER}, listed))
    pending = plan([item], current, cluster_id=CLUSTER)['pending']

    fake.log[:] = []
    adapter = DwsExtDataSourceResource(client_for(fake, params), params)
    result = ensure(adapter, params['state'], allow_recreate=params['recreate'])
    assert bool(pending) == bool(fake.writes()) == result['changed']
