# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core.resource_set through both platforms' catalogs, against the in-memory fakes (only the network is fake).

What is checked is what went over the wire (the fakes' logs) and what the run returns.
"""

from __future__ import absolute_import, division, print_function

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import DsopsError, InputError
from ansible_collections.dsops.cloud.plugins.module_utils.core.resource_set import SetFailure, reconcile_set
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import HttpTransport
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client as build_dws_client
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source_set import (
    DwsDataSourceCatalog, item_argument_spec as dws_item_spec, types_needed)
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source_set import (
    FeishuDataSourceCatalog, item_argument_spec as feishu_item_spec)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.dws_fake_api import (
    MRS_CLUSTER, FakeDws, FakeResponse)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_dws_data_source import (
    mrs_source, obs_source, params as dws_params)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_data_source import client_for
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    COLLECTION, FakeFeishu, error)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

TICKETS = {'id': '7300000000000000001', 'name': 'Tickets', 'state': 1, 'description': 'Helpdesk',
           'i18n_name': {'zh_cn': '工单'}, 'connect_type': 1,
           'connector_param': {'callback_endpoint': 'https://cb.example.com/x', 'callback_user_id_type': 2}}
WIKI = {'id': '7300000000000000002', 'name': 'Wiki', 'state': 0}
OLD = {'id': '7300000000000000003', 'name': 'Old', 'state': 1}


def items(spec, *given):
    """Config items as AnsibleModule would pass them: validated, unset options as None."""
    result = ArgumentSpecValidator({'config': dict(type='list', elements='dict', options=spec)}).validate(
        {'config': list(given)})
    assert not result.error_messages, result.error_messages
    return result.validated_parameters['config']


def feishu(*given):
    return items(feishu_item_spec(), *given)


def feishu_run(fake, given, state='merged', **kwargs):
    return reconcile_set(FeishuDataSourceCatalog(client_for(fake)), feishu(*given), state, **kwargs)


def feishu_fake():
    return FakeFeishu([dict(TICKETS), dict(WIKI), dict(OLD)])


def writes(fake):
    return [(sent.method, sent.path.rsplit('/', 1)[-1]) for sent in fake.writes]


def actions(result):
    return [(entry['name'], entry['action']) for entry in result['results']]


# ----- Feishu --------------------------------------------------------------------------------------------

def test_merged_writes_only_what_the_items_change_and_reads_once():
    fake = feishu_fake()
    result = feishu_run(fake, [{'name': 'Tickets', 'online': True}, {'name': 'Wiki'}, {'name': 'New', 'description': 'd'}])
    assert writes(fake) == [('PATCH', TICKETS['id']), ('POST', 'data_sources')]
    assert [sent.body for sent in fake.writes] == [{'state': 0}, {'name': 'New', 'description': 'd'}]
    assert len(fake.requests_to('GET')) == 1 and len(fake.token_calls) == 1
    assert actions(result) == [('Tickets', 'updated'), ('Wiki', 'unchanged'), ('New', 'created')]
    assert result['changed'] is True
    assert result['results'][0]['changes'] == {'online': {'before': False, 'after': True}}
    assert OLD['id'] in fake.data_sources  # merged leaves what no item names


def test_overridden_deletes_the_unlisted_last():
    fake = feishu_fake()
    result = feishu_run(fake, [{'name': 'Wiki'}, {'name': 'Tickets', 'description': 'All'}, {'name': 'New'}],
                        state='overridden')
    assert writes(fake) == [('PATCH', TICKETS['id']), ('POST', 'data_sources'), ('DELETE', OLD['id'])]
    assert actions(result)[-1] == ('Old', 'deleted') and 'index' not in result['results'][-1]
    assert [obj['name'] for obj in result['data_sources']] == ['Tickets', 'Wiki', 'New']
    assert [item['name'] for item in result['after']] == ['Tickets', 'Wiki', 'New']


def test_a_failed_create_stops_the_run_before_any_delete():
    fake = feishu_fake()
    fake.fail('POST', COLLECTION + '$', error(400, 1270005, 'flagship only'), count=10)
    with pytest.raises(SetFailure) as failure:
        feishu_run(fake, [{'name': 'Tickets', 'online': True}, {'name': 'Helpdesk'}, {'name': 'Wiki'}],
                   state='overridden')
    assert writes(fake) == [('PATCH', TICKETS['id']), ('POST', 'data_sources')]
    assert OLD['id'] in fake.data_sources
    error_result = failure.value.fail_kwargs()
    assert error_result['msg'].startswith("config[1] ('Helpdesk') failed, so the run stopped there: Feishu API error 1270005")
    assert error_result['changed'] is True and error_result['error']['code'] == 1270005
    assert [(r['name'], r['action']) for r in error_result['results']] == [
        ('Tickets', 'updated'), ('Helpdesk', 'failed'), ('Wiki', 'unchanged'), ('Old', 'skipped')]
    # what the create aimed at, with the defaults Feishu applies
    assert error_result['results'][1]['changes'] == {'name': {'before': None, 'after': 'Helpdesk'},
                                                     'online': {'before': None, 'after': False},
                                                     'template': {'before': None, 'after': 'search_common_card'}}


def test_a_failure_on_the_first_write_reports_nothing_changed():
    fake = feishu_fake()
    fake.fail('PATCH', COLLECTION + '/', error(400, 1270005, 'flagship only'), count=10)
    with pytest.raises(SetFailure) as failure:
        feishu_run(fake, [{'name': 'Tickets', 'online': True}])
    assert 'changed' not in failure.value.fail_kwargs()


def test_every_problem_is_reported_before_anything_is_written():
    fake = feishu_fake()
    fake.seed({'name': 'Twin'})
    fake.seed({'name': 'Twin'})
    given = [{'name': 'Tickets', 'online': True},                 # fine on its own
             {'name': 'Tickets', 'description': 'again'},         # the same data source twice
             {'name': 'Twin'},                                    # ambiguous
             {'id': '7399999999999999999'},                       # unknown id
             {'name': 'Wiki', 'schema_id': 'other'},              # create-only conflict
             {'name': 'Fresh'}, {'name': 'Fresh'}]                # one new name twice
    with pytest.raises(InputError) as failure:
        feishu_run(fake, given)
    assert fake.writes == []
    problems = failure.value.fail_kwargs()['problems']
    assert failure.value.fail_kwargs()['msg'].startswith('5 problem(s) in config (7 item(s)); nothing was written')
    assert [p.split(':')[0] for p in problems] == [
        "config[1] ('Tickets')", "config[2] ('Twin')", "config[3] ('7399999999999999999')", "config[4] ('Wiki')",
        "config[6] ('Fresh')"]
    assert "config[0] ('Tickets') also manages 'Tickets'" in problems[0]
    assert 'schema_id: current unset, desired' in problems[3]


def test_items_failing_their_own_checks_are_refused_before_any_request():
    fake = feishu_fake()
    with pytest.raises(InputError) as failure:
        feishu_run(fake, [{'name': 'Tickets', 'online': True}, {'online': True}, {'id': '12ab'}])
    assert fake.log == []
    problems = failure.value.fail_kwargs()['problems']
    assert [p.split(':')[0] for p in problems] == ['config[1]', "config[2] ('12ab')"]
    assert 'give id or name' in problems[0] and 'string of digits' in problems[1]


def test_deleted_deletes_by_id_or_name_and_a_missing_item_is_already_absent():
    fake = feishu_fake()
    result = feishu_run(fake, [{'id': OLD['id']}, {'name': 'Wiki'}, {'name': 'Gone'}], state='deleted')
    assert writes(fake) == [('DELETE', OLD['id']), ('DELETE', WIKI['id'])]
    assert actions(result) == [('Old', 'deleted'), ('Wiki', 'deleted'), ('Gone', 'unchanged')]
    again = feishu_run(fake, [{'id': OLD['id']}, {'name': 'Wiki'}], state='deleted')
    assert again['changed'] is False and len(fake.writes) == 2


@pytest.mark.parametrize('state', ['deleted', 'overridden'])
def test_an_empty_config_never_means_delete_everything(state):
    fake = feishu_fake()
    with pytest.raises(InputError, match='config is empty'):
        feishu_run(fake, [], state=state)
    assert fake.log == []


def test_overridden_with_an_empty_config_deletes_all_only_when_allowed():
    fake = feishu_fake()
    result = feishu_run(fake, [], state='overridden', allow_delete_all=True)
    assert [method for method, dummy in writes(fake)] == ['DELETE'] * 3 and result['after'] == []


def test_check_mode_predicts_without_writing():
    fake = feishu_fake()
    result = feishu_run(fake, [{'name': 'Tickets', 'online': True}, {'name': 'New'}], state='overridden',
                        check_mode=True, want_diff=True)
    assert fake.writes == [] and result['changed'] is True
    assert actions(result) == [('Tickets', 'updated'), ('New', 'created'), ('Wiki', 'deleted'), ('Old', 'deleted')]
    assert [item['name'] for item in diff_of(result)['after']] == ['Tickets', 'New']
    assert diff_of(result)['after'][0]['online'] is True and diff_of(result)['before'] == result['before']
    assert result['diff']['before_header'] == 'the Feishu data sources (config)'


def test_gathered_round_trips_with_no_write():
    fake = feishu_fake()
    gathered = feishu_run(fake, [], state='gathered')['gathered']
    assert gathered[0] == {'id': TICKETS['id'], 'name': 'Tickets', 'online': False, 'description': 'Helpdesk',
                           'i18n_name': {'zh_cn': '工单'}, 'template': 'search_common_card', 'connect_type': 'callback',
                           'connector_param': {'callback_endpoint': 'https://cb.example.com/x',
                                               'callback_user_id_type': 'open_id'}}
    for state in ('merged', 'overridden'):
        result = feishu_run(fake, gathered, state=state)
        assert result['changed'] is False and fake.writes == []
        assert set(entry['action'] for entry in result['results']) == {'unchanged'}


def test_gathered_takes_no_config():
    with pytest.raises(InputError, match='gathered'):
        feishu_run(feishu_fake(), [{'name': 'Tickets'}], state='gathered')


# ----- DWS -----------------------------------------------------------------------------------------------

def dws(*given):
    return items(dws_item_spec(), *given)


def dws_run(fake, given, state='merged', check_mode=False, **run_options):
    sleeps = []
    run_params = dws_params(**run_options)
    client = build_dws_client(run_params, transport=HttpTransport(session=fake), sleep=sleeps.append,
                              clock=lambda: sum(sleeps))
    return reconcile_set(DwsDataSourceCatalog(client, run_params), dws(*given), state, check_mode=check_mode)


def test_dws_merged_lists_only_the_types_given_and_writes_one_after_another():
    fake = FakeDws([obs_source(), mrs_source()])
    result = dws_run(fake, [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'OtherAgency'},
                            {'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'db'}])
    calls = ['job' if '/job/' in entry['path'] else entry['method'] for entry in fake.log]
    # one OBS listing, the PUT and its job polls, the POST and its job polls, one OBS listing for the result
    assert calls == ['GET', 'PUT', 'job', 'job', 'POST', 'job', 'job', 'GET']
    assert all('type=OBS' in entry['url'] for entry in fake.log if entry['method'] == 'GET' and '/job/' not in entry['path'])
    assert actions(result) == [('obs_src1', 'updated'), ('obs_new', 'created')]
    assert [obj['name'] for obj in result['ext_data_sources']] == ['obs_src1', 'obs_new']


def test_dws_types_needed():
    assert types_needed([{'type': 'OBS'}], 'merged') == ['OBS']
    assert types_needed([{'type': 'OBS'}, {'name': 'x'}], 'merged') == ['OBS', 'MRS', 'LAKE_FORMATION']
    assert types_needed([{'type': 'MRS'}], 'overridden') == ['OBS', 'MRS', 'LAKE_FORMATION']
    assert types_needed([], 'gathered') == ['OBS', 'MRS', 'LAKE_FORMATION']


def test_dws_gathered_has_no_password_and_round_trips():
    fake = FakeDws([obs_source(), mrs_source(user_pwd='Secret_Mrs_1')])
    gathered = dws_run(fake, [], state='gathered')['gathered']
    assert gathered == [
        {'id': obs_source()['id'], 'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS',
         'connect_info': 'gaussdb', 'description': 'demo'},
        {'id': mrs_source()['id'], 'name': 'mrs_src1', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER,
         'user_name': 'mrs_user'}]
    for state in ('merged', 'overridden'):
        result = dws_run(fake, gathered, state=state)
        assert result['changed'] is False and fake.writes() == []


def test_dws_create_only_difference_fails_unless_the_item_sets_recreate():
    fake = FakeDws([obs_source()])
    with pytest.raises(InputError) as failure:
        dws_run(fake, [{'name': 'obs_src1', 'type': 'OBS', 'connect_info': 'other'}])
    assert "config[0] ('obs_src1')" in str(failure.value) and 'connect_info' in str(failure.value)
    assert fake.writes() == []
    result = dws_run(fake, [{'name': 'obs_src1', 'type': 'OBS', 'connect_info': 'other', 'recreate': True}])
    assert [entry['method'] for entry in fake.writes()] == ['DELETE', 'POST']
    assert actions(result) == [('obs_src1', 'recreated')]


def test_dws_a_busy_source_is_waited_for_before_it_is_planned():
    fake = FakeDws([obs_source()])
    dws_run(fake, [{'name': 'obs_src1', 'agency': 'SecondAgency'}], wait=False)  # leaves a job running
    assert fake.sources[obs_source()['id']]['configure_status'] == 'UPDATING'
    fake.settle_on_list = True  # the job moves on while the module looks at the listing
    result = dws_run(fake, [{'name': 'obs_src1', 'agency': 'SecondAgency'}])
    assert result['changed'] is False and len(fake.writes()) == 1


def test_dws_check_mode_reads_only():
    fake = FakeDws([obs_source(), mrs_source()])
    result = dws_run(fake, [{'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'db'}],
                     state='overridden', check_mode=True)
    assert fake.writes() == [] and set(entry['method'] for entry in fake.log) == {'GET'}
    assert actions(result) == [('obs_new', 'created'), ('obs_src1', 'deleted'), ('mrs_src1', 'deleted')]


def test_dws_a_job_failing_part_way_stops_the_run():
    fake = FakeDws([obs_source(), mrs_source()])
    fake.job_outcome = 'FAIL'
    fake.job_failed = ('DWS.5000', 'agency not found')
    with pytest.raises(DsopsError) as failure:
        dws_run(fake, [{'name': 'obs_src1', 'agency': 'OtherAgency'}, {'name': 'mrs_src1'}], state='overridden')
    result = failure.value.fail_kwargs()
    assert [entry['method'] for entry in fake.writes()] == ['PUT']
    assert [(r['name'], r['action']) for r in result['results']] == [('obs_src1', 'failed'), ('mrs_src1', 'unchanged')]
    assert result['changed'] is True and result['written']['job_id']


def test_a_gathered_url_with_masked_credentials_round_trips_without_overwriting_them():
    fake = FakeFeishu([dict(TICKETS, icon_url='https://bot:S3cretPw@icons.example.com/t.png',
                            connector_param={'callback_endpoint': 'https://bot:S3cretPw@cb.example.com/x',
                                             'callback_user_id_type': 2})])
    gathered = feishu_run(fake, [], state='gathered')['gathered']
    assert 'S3cretPw' not in repr(gathered) and '********@' in gathered[0]['icon_url']
    result = feishu_run(fake, gathered, state='overridden')
    assert result['changed'] is False and fake.writes == []


def test_a_masked_url_that_matches_nothing_is_refused_before_any_write():
    fake = FakeFeishu([dict(TICKETS, icon_url='https://bot:S3cretPw@icons.example.com/t.png')])
    with pytest.raises(InputError, match=r'icon_url holds \*+ in place of the credentials'):
        feishu_run(fake, [{'name': 'Tickets', 'icon_url': 'https://bot:********@other.example.com/t.png'}])
    assert fake.writes == []


def test_deleting_by_id_items_already_gone_claims_nothing_and_changes_nothing():
    fake = feishu_fake()
    given = [{'id': '7399999999999999998'}, {'id': '7399999999999999999'}]
    result = feishu_run(fake, given, state='deleted')
    assert result['changed'] is False and fake.writes == []
    assert [entry['action'] for entry in result['results']] == ['unchanged', 'unchanged']


def test_dws_an_unlisted_source_whose_name_breaks_the_create_rules_is_still_deleted_and_round_trips():
    lake = {'id': '88888888-7777-8888-9999-000000000000', 'name': 'lf-src', 'type': 'LAKE_FORMATION'}
    fake = FakeDws([obs_source(), lake])
    gathered = dws_run(fake, [], state='gathered')['gathered']
    assert dws_run(fake, gathered, state='overridden')['changed'] is False and fake.writes() == []
    result = dws_run(fake, [{'name': 'obs_src1'}], state='overridden')
    assert [entry['method'] for entry in fake.writes()] == ['DELETE']
    assert actions(result) == [('obs_src1', 'unchanged'), ('lf-src', 'deleted')]


def test_dws_a_failed_look_after_the_writes_keeps_changed_and_warns():
    fake = FakeDws([obs_source()])
    list_as_usual = fake._list

    def listing(ds_type):  # refused once a write was made: the look after the writes fails
        if fake.writes():
            return FakeResponse(403, {'error_code': 'DWS.0015', 'error_msg': 'no permission'})
        return list_as_usual(ds_type)

    fake._list = listing
    result = dws_run(fake, [{'name': 'obs_src1', 'agency': 'OtherAgency'}])
    assert result['changed'] is True and [entry['method'] for entry in fake.writes()] == ['PUT']
    assert any('could not be read again after the writes' in w for w in result['warnings'])
    assert result['after'][0]['agency'] == 'OtherAgency'


def test_a_masked_value_written_shows_in_changes_and_the_diff_without_its_value():
    fake = FakeFeishu([dict(TICKETS, icon_url='https://robot:old-pass@icons.example.com/t.png')])
    result = feishu_run(fake, [{'name': 'Tickets', 'icon_url': 'https://robot:new-pass@icons.example.com/t.png'}],
                        want_diff=True)
    assert writes(fake) == [('PATCH', TICKETS['id'])] and result['changed'] is True
    assert result['results'][0]['changes'] == {'icon_url': {'before': '(not shown)', 'after': '(not shown)'}}
    assert diff_of(result)['before'] == diff_of(result)['after']
    assert result['diff']['after'].endswith("\n# config[0] 'Tickets': icon_url changed (not shown)\n")
    assert 'old-pass' not in repr(result) and 'new-pass' not in repr(result)
