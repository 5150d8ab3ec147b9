# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dws_ext_data_source and _info through real ansible-playbook runs against the sandbox.

Every test asserts on what the module returned AND on the sandbox's request log
(what actually went over the wire, and whether the sandbox accepted each signature).
"""

from __future__ import absolute_import, division, print_function

import pytest

from harness import diff_of

__metaclass__ = type

TASK = 'Manage DWS data source'
INFO_TASK = 'Read DWS data sources'
PLAYBOOK = 'dws_ext_data_source'
INFO_PLAYBOOK = 'dws_ext_data_source_info'
PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
MRS_CLUSTER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
MRS_PASSWORD = 'Mrs_Password_Never_Shown_42'
OBS = {'dws_cluster_id': CLUSTER, 'dws_name': 'obs_src1', 'dws_type': 'OBS', 'dws_agency': 'DWSAccessOBS',
       'dws_connect_info': 'gaussdb', 'dws_description': 'Raw event files'}
MRS = {'dws_cluster_id': CLUSTER, 'dws_name': 'mrs_src1', 'dws_type': 'MRS', 'dws_mrs_cluster_id': MRS_CLUSTER,
       'dws_user_name': 'mrs_user', 'dws_password_from_env': True}
# The password travels in the environment: extra vars are echoed by ansible-playbook at -vvvv.
MRS_ENV = {'DWS_MRS_PASSWORD': MRS_PASSWORD}


# ----- helpers ---------------------------------------------------------------------------------------------

def dws_log(sandbox):
    return sandbox.requests('dws')


def ops(entries):
    return [entry['op'] for entry in entries]


def data_sources(sandbox):
    return sandbox.state()['dws']['projects'][PROJECT][CLUSTER]['data_sources']


def seed_obs(sandbox, **fields):
    item = {'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb',
            'description': 'Raw event files'}
    item.update(fields)
    return sandbox.seed_dws(PROJECT, CLUSTER, [item])[0]


def seed_mrs(sandbox, **fields):
    item = {'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user', 'data_source_id': MRS_CLUSTER}
    item.update(fields)
    return sandbox.seed_dws(PROJECT, CLUSTER, [item])[0]


def run_ok(run_playbook, extra_vars, **kwargs):
    run = run_playbook(PLAYBOOK, extra_vars, **kwargs)
    assert run.rc == 0, run.output
    return run.task(TASK)


def task_status(run, name):
    for entry in reversed(run.results):
        if entry['task'] == name:
            return entry['status']
    raise KeyError(name)


def run_failing(run_playbook, extra_vars, task=TASK, playbook=PLAYBOOK, **kwargs):
    """Run a task expected to fail (ignore_errors keeps the play going) and return its result."""
    run = run_playbook(playbook, dict(extra_vars, expect_failure=True), **kwargs)
    # ansible-core 2.19 keeps 'failed' out of the recorded result; the callback status carries it
    assert task_status(run, task) == 'failed', run.output
    result = run.task(task)
    assert 'Traceback' not in run.output
    assert result.get('exception') in (None, '(traceback unavailable)')  # fail_json, not a crash
    return result, run


def assert_all_signatures_accepted(sandbox):
    log = dws_log(sandbox)
    assert log and all(entry['auth_ok'] for entry in log), [(e['op'], e['auth_ok']) for e in log]


def assert_one_list_and_nothing_else(sandbox, ds_type):
    log = dws_log(sandbox)
    assert ops(log) == ['dws.list'], ops(log)
    assert log[0]['query'] == {'type': [ds_type]}


def all_secrets(sandbox, sandbox_env):
    dws = sandbox.credentials()['dws']
    temporary = dws.get('temporary') or {}
    return [s for s in list(getattr(sandbox_env, 'secrets', [])) + [
        dws['secret_key'], temporary.get('secret_key'), temporary.get('security_token'), dws.get('iam_token'),
        MRS_PASSWORD] if s]


# ----- create, converge, idempotency -----------------------------------------------------------------------

def test_create_obs_waits_for_the_job_then_the_same_task_is_one_list_and_no_write(sandbox, run_playbook):
    created = run_ok(run_playbook, OBS)
    assert created['changed'] is True
    writes = sandbox.writes('dws')
    assert [(w['method'], w['body']) for w in writes] == [('POST', {
        'type': 'OBS', 'data_source_name': 'obs_src1', 'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb',
        'description': 'Raw event files'})]
    assert 'dws.job' in ops(dws_log(sandbox))  # the job was polled ...
    assert created['job']['status'] == 'SUCCESS'  # ... until it succeeded
    assert created['ext_data_source']['configure_status'] == 'ACTIVE'
    assert created['ext_data_source']['status'] == 'AVAILABLE'
    assert [d['id'] for d in data_sources(sandbox)] == [created['ext_data_source']['id']]
    assert_all_signatures_accepted(sandbox)

    sandbox.clear_log()
    again = run_ok(run_playbook, OBS)
    assert again['changed'] is False and 'job' not in again
    assert again['ext_data_source']['id'] == created['ext_data_source']['id']
    assert_one_list_and_nothing_else(sandbox, 'OBS')


def test_create_mrs_sends_the_password_then_the_same_task_writes_nothing(sandbox, run_playbook):
    created = run_ok(run_playbook, MRS, diff=True, env=MRS_ENV)
    assert created['changed'] is True and created['job']['status'] == 'SUCCESS'
    writes = sandbox.writes('dws')
    assert [(w['method'], w['body']) for w in writes] == [('POST', {
        'type': 'MRS', 'data_source_name': 'mrs_src1', 'data_source_id': MRS_CLUSTER, 'user_name': 'mrs_user',
        'user_pwd': '<redacted>'})]
    assert diff_of(created) == {'before': {}, 'after': {'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
                                                        'mrs_cluster_id': MRS_CLUSTER}}
    assert 'user_pwd' not in created['ext_data_source']
    assert created['ext_data_source']['version'] == 'MRS 3.1.0'
    assert_all_signatures_accepted(sandbox)

    sandbox.clear_log()
    again = run_ok(run_playbook, MRS, env=MRS_ENV)
    assert again['changed'] is False
    assert_one_list_and_nothing_else(sandbox, 'MRS')


def test_statuses_as_numeric_codes_are_understood(sandbox, run_playbook):
    sandbox.settings(status_format='code')
    created = run_ok(run_playbook, OBS)
    assert created['changed'] is True and created['ext_data_source']['configure_status'] == '200'
    sandbox.clear_log()
    assert run_ok(run_playbook, OBS)['changed'] is False
    assert_one_list_and_nothing_else(sandbox, 'OBS')


def test_without_type_every_type_is_listed_and_the_found_type_is_used(sandbox, run_playbook):
    seed_mrs(sandbox)
    result = run_ok(run_playbook, {'dws_cluster_id': CLUSTER, 'dws_name': 'mrs_src1', 'dws_user_name': 'mrs_user'})
    assert result['changed'] is False and result['ext_data_source']['type'] == 'MRS'
    assert [e['query'] for e in dws_log(sandbox)] == [{'type': ['OBS']}, {'type': ['MRS']},
                                                      {'type': ['LAKE_FORMATION']}]


# ----- updates ---------------------------------------------------------------------------------------------

def test_an_agency_change_is_exactly_one_put_with_the_reconfigure_body(sandbox, run_playbook):
    seeded = seed_obs(sandbox)
    result = run_ok(run_playbook, dict(OBS, dws_agency='DWSAccessOBS2'), diff=True)
    assert result['changed'] is True
    writes = sandbox.writes('dws')
    assert [(w['method'], w['path'], w['body']) for w in writes] == [
        ('PUT', '/v1.0/%s/clusters/%s/ext-data-sources/%s' % (PROJECT, CLUSTER, seeded['id']),
         {'reconfigure': {'reboot': False, 'agency': 'DWSAccessOBS2'}})]
    assert result['ext_data_source']['user_name'] == 'DWSAccessOBS2'
    assert result['job']['status'] == 'SUCCESS'
    assert diff_of(result)['before']['agency'] == 'DWSAccessOBS'
    assert diff_of(result)['after']['agency'] == 'DWSAccessOBS2'
    assert data_sources(sandbox)[0]['user_name'] == 'DWSAccessOBS2'
    assert_all_signatures_accepted(sandbox)


def test_reboot_true_on_an_unchanged_source_changes_nothing_and_writes_nothing(sandbox, run_playbook):
    seed_obs(sandbox)
    result = run_ok(run_playbook, dict(OBS, dws_reboot=True))
    assert result['changed'] is False
    assert_one_list_and_nothing_else(sandbox, 'OBS')


def test_reboot_true_goes_with_an_agency_change(sandbox, run_playbook):
    seed_obs(sandbox)
    run_ok(run_playbook, dict(OBS, dws_agency='DWSAccessOBS2', dws_reboot=True))
    assert [w['body'] for w in sandbox.writes('dws')] == [{'reconfigure': {'reboot': True, 'agency': 'DWSAccessOBS2'}}]
    assert sandbox.state()['dws']['projects'][PROJECT][CLUSTER]['reboots'] == 1


def test_check_mode_on_a_change_reports_it_with_a_diff_and_writes_nothing(sandbox, run_playbook):
    seed_obs(sandbox)
    result = run_ok(run_playbook, dict(OBS, dws_agency='DWSAccessOBS2'), check=True, diff=True)
    assert result['changed'] is True
    assert diff_of(result)['after']['agency'] == 'DWSAccessOBS2'
    assert result['ext_data_source']['user_name'] == 'DWSAccessOBS2'
    assert sandbox.writes('dws') == []
    assert_one_list_and_nothing_else(sandbox, 'OBS')
    assert data_sources(sandbox)[0]['user_name'] == 'DWSAccessOBS'


def test_check_mode_on_a_create_writes_nothing(sandbox, run_playbook):
    result = run_ok(run_playbook, MRS, check=True, env=MRS_ENV)
    assert result['changed'] is True and result['ext_data_source']['name'] == 'mrs_src1'
    assert sandbox.writes('dws') == [] and data_sources(sandbox) == []


# ----- create-only fields ----------------------------------------------------------------------------------

def test_a_create_only_change_fails_clearly_and_writes_nothing(sandbox, run_playbook):
    seed_obs(sandbox)
    result, dummy = run_failing(run_playbook, dict(OBS, dws_connect_info='analytics', dws_description='Other'))
    assert "connect_info: current 'gaussdb', desired 'analytics'" in result['msg']
    assert "description: current 'Raw event files', desired 'Other'" in result['msg']
    assert 'recreate=true' in result['msg']
    assert result['conflicts']['connect_info'] == {'current': 'gaussdb', 'desired': 'analytics'}
    assert sandbox.writes('dws') == []


def test_recreate_deletes_then_posts(sandbox, run_playbook):
    seeded = seed_obs(sandbox)
    result = run_ok(run_playbook, dict(OBS, dws_connect_info='analytics', dws_recreate=True), diff=True)
    assert result['changed'] is True
    writes = sandbox.writes('dws')
    assert [(w['op'], w['status']) for w in writes] == [('dws.delete', 200), ('dws.create', 200)]
    assert writes[0]['path'].endswith('/' + seeded['id'])
    assert writes[1]['body']['connect_info'] == 'analytics'
    remaining = data_sources(sandbox)
    assert len(remaining) == 1 and remaining[0]['connect_info'] == 'analytics' and remaining[0]['id'] != seeded['id']
    assert result['ext_data_source']['id'] == remaining[0]['id']
    assert diff_of(result)['before']['connect_info'] == 'gaussdb'
    assert diff_of(result)['after']['connect_info'] == 'analytics'


def test_recreate_of_mrs_without_the_password_fails_before_deleting(sandbox, run_playbook):
    seed_mrs(sandbox)
    extra = dict(MRS, dws_description='new', dws_recreate=True)
    del extra['dws_password_from_env']
    result, dummy = run_failing(run_playbook, extra)
    assert 'user_password' in result['msg']
    assert sandbox.writes('dws') == [] and len(data_sources(sandbox)) == 1


# ----- delete ----------------------------------------------------------------------------------------------

def test_absent_deletes_with_a_job_then_absent_again_changes_nothing(sandbox, run_playbook):
    seeded = seed_obs(sandbox)
    absent = {'dws_cluster_id': CLUSTER, 'dws_name': 'obs_src1', 'dws_type': 'OBS', 'dws_state': 'absent'}
    deleted = run_ok(run_playbook, absent, diff=True)
    assert deleted['changed'] is True and deleted['ext_data_source'] == {}
    assert deleted['job']['status'] == 'SUCCESS' and diff_of(deleted)['after'] == {}
    assert [(w['method'], w['path']) for w in sandbox.writes('dws')] == [
        ('DELETE', '/v1.0/%s/clusters/%s/ext-data-sources/%s' % (PROJECT, CLUSTER, seeded['id']))]
    assert 'dws.job' in ops(dws_log(sandbox)) and data_sources(sandbox) == []

    sandbox.clear_log()
    again = run_ok(run_playbook, absent)
    assert again['changed'] is False and 'job' not in again
    assert_one_list_and_nothing_else(sandbox, 'OBS')


def test_wait_false_returns_the_job_id_at_once(sandbox, run_playbook):
    result = run_ok(run_playbook, dict(OBS, dws_wait=False))
    assert result['changed'] is True and list(result['job']) == ['job_id']
    assert len(result['job']['job_id']) == 32
    assert 'dws.job' not in ops(dws_log(sandbox))
    assert result['job']['job_id'] in [job['job_id'] for job in sandbox.state()['dws']['jobs']]


# ----- jobs that go wrong ----------------------------------------------------------------------------------

def test_a_failing_job_fails_with_its_code_detail_and_id(sandbox, run_playbook):
    sandbox.inject('job_fail', failed_code='DWS.5555', failed_detail='agency lacks OBS rights')
    result, dummy = run_failing(run_playbook, OBS)
    job_id = sandbox.state()['dws']['jobs'][0]['job_id']
    assert 'DWS.5555' in result['msg'] and 'agency lacks OBS rights' in result['msg'] and job_id in result['msg']
    assert result['job']['job_id'] == job_id and result['job']['status'] == 'FAIL'

    # the failed source is reported, not silently accepted
    again, dummy = run_failing(run_playbook, OBS)
    assert 'creation failed' in again['msg'] and 'state=absent' in again['msg']
    assert len(sandbox.writes('dws')) == 1


def test_a_stopped_job_is_a_failure(sandbox, run_playbook):
    seed_obs(sandbox)
    sandbox.inject('job_stop')
    result, dummy = run_failing(run_playbook, dict(OBS, dws_agency='DWSAccessOBS2'))
    assert 'ended with status STOP' in result['msg'] and result['job']['status'] == 'STOP'


def test_a_job_that_never_ends_times_out_with_its_id_and_last_status(sandbox, run_playbook):
    sandbox.inject('job_hang')
    result, dummy = run_failing(run_playbook, dict(OBS, dws_wait_timeout=3))
    job_id = sandbox.state()['dws']['jobs'][0]['job_id']
    assert job_id in result['msg'] and 'within 3 seconds' in result['msg']
    assert 'last status: RUNNING' in result['msg']
    assert result['job']['job_id'] == job_id and result['job']['status'] == 'RUNNING'
    polls = [e for e in dws_log(sandbox) if e['op'] == 'dws.job']
    assert 2 <= len(polls) <= 4  # 1 s, 1.5 s, then the rest of the 3 s


# ----- transient faults ------------------------------------------------------------------------------------

def test_a_concurrent_operation_once_is_retried(sandbox, run_playbook):
    sandbox.inject('dws_conflict', op='dws.create')
    result = run_ok(run_playbook, OBS)
    assert result['changed'] is True
    assert [(w['op'], w['status'], w['fault']) for w in sandbox.writes('dws')] == [
        ('dws.create', 409, 'dws_conflict'), ('dws.create', 200, None)]
    assert len(data_sources(sandbox)) == 1


def assert_unconfirmed_create_then_a_rerun_creates(sandbox, run_playbook, extra_vars):
    """A create whose answer was lost is never sent twice: the task fails as unconfirmed; a re-run converges."""
    result, dummy = run_failing(run_playbook, extra_vars)
    log = ops(dws_log(sandbox))
    assert log[:2] == ['dws.list', 'dws.create'] and log.count('dws.create') == 1
    assert set(log[2:]) == {'dws.list'} and len(log[2:]) > 2  # looked again and again, never re-sent
    assert 'may have been carried out' in result['msg'] and result['changed'] is True
    assert data_sources(sandbox) == []
    sandbox.clear_log()
    again = run_ok(run_playbook, extra_vars)
    assert again['changed'] is True and [w['op'] for w in sandbox.writes('dws')] == ['dws.create']
    assert len(data_sources(sandbox)) == 1


def test_a_503_once_on_create_is_looked_up_never_repeated(sandbox, run_playbook):
    sandbox.inject('http_error', platform='dws', op='dws.create', status=503)
    assert_unconfirmed_create_then_a_rerun_creates(sandbox, run_playbook, dict(OBS, dws_timeout=3))


def test_a_503_once_on_a_read_is_retried(sandbox, run_playbook):
    seed_obs(sandbox)
    sandbox.inject('http_error', platform='dws', op='dws.list', status=503)
    result = run_ok(run_playbook, OBS)
    assert result['changed'] is False
    assert [e['status'] for e in dws_log(sandbox)] == [503, 200]


def test_dws_0015_on_delete_is_a_clean_failure_while_the_source_is_still_listed(sandbox, run_playbook):
    """DWS.0015 means "not found or no permission": with the data source still there, it is no success."""
    seed_obs(sandbox)
    sandbox.inject('http_error', platform='dws', op='dws.delete', status=403, error_code='DWS.0015',
                   msg='The resource does not exist or you have no permission')
    absent = {'dws_cluster_id': CLUSTER, 'dws_name': 'obs_src1', 'dws_type': 'OBS', 'dws_state': 'absent'}
    result, dummy = run_failing(run_playbook, absent)
    assert 'still listed' in result['msg'] and 'nothing was deleted' in result['msg'] and 'IAM' in result['msg']
    assert [e['op'] for e in dws_log(sandbox)] == ['dws.list', 'dws.delete', 'dws.list']
    assert len(data_sources(sandbox)) == 1


def test_a_dropped_create_is_rechecked_and_not_duplicated(sandbox, run_playbook):
    sandbox.inject('drop', platform='dws', op='dws.create')
    # the module looks for as long as its timeout (at least 5 s): keep that short
    assert_unconfirmed_create_then_a_rerun_creates(sandbox, run_playbook, dict(OBS, dws_timeout=3))


def test_rate_limit_and_malformed_answers_are_retried(sandbox, run_playbook):
    seed_obs(sandbox)
    sandbox.inject('rate_limit', platform='dws', op='dws.list', retry_after=1)
    sandbox.inject('malformed', platform='dws', op='dws.list')
    result = run_ok(run_playbook, OBS)
    assert result['changed'] is False
    assert [(e['status'], e['fault']) for e in dws_log(sandbox)] == [(429, 'rate_limit'), (200, 'malformed'),
                                                                     (200, None)]


def test_a_persistent_5xx_ends_with_code_and_request_id(sandbox, run_playbook):
    sandbox.inject('http_error', count=10, platform='dws', op='dws.list', status=500, error_code='DWS.9999',
                   msg='Internal error')
    result, dummy = run_failing(run_playbook, dict(OBS, dws_retries=2))
    assert 'DWS.9999' in result['msg'] and '(HTTP 500)' in result['msg'] and 'request id' in result['msg']
    assert result['error']['request_id'] and result['error']['code'] == 'DWS.9999'
    assert len(dws_log(sandbox)) == 3


# ----- credentials -----------------------------------------------------------------------------------------

def test_a_bad_secret_key_fails_with_a_credentials_and_clock_hint(sandbox, run_playbook):
    wrong = 'ThisIsNotTheSandboxSecretKey0000000000'
    result, run = run_failing(run_playbook, OBS, env={'HW_SECRET_KEY': wrong})
    assert 'APIGW.0301' in result['msg'] and '(HTTP 401)' in result['msg']
    assert 'secret_key' in result['msg'] and '15 minutes' in result['msg'] and 'request id' in result['msg']
    assert result['error']['request_id']
    assert [e['auth_ok'] for e in dws_log(sandbox)] == [False]
    assert sandbox.writes('dws') == []
    assert wrong not in run.output


def test_temporary_credentials_with_a_security_token(sandbox, run_playbook):
    temporary = sandbox.credentials()['dws']['temporary']
    env = {'HW_ACCESS_KEY': temporary['access_key'], 'HW_SECRET_KEY': temporary['secret_key'],
           'HW_SECURITY_TOKEN': temporary['security_token']}
    run = run_playbook(PLAYBOOK, OBS, env=env)
    assert run.rc == 0, run.output
    assert run.task(TASK)['changed'] is True
    assert_all_signatures_accepted(sandbox)


def test_an_iam_token_instead_of_aksk(sandbox, run_playbook):
    env = {'HW_ACCESS_KEY': None, 'HW_SECRET_KEY': None, 'HW_AUTH_TOKEN': sandbox.credentials()['dws']['iam_token']}
    run = run_playbook(PLAYBOOK, OBS, env=env)
    assert run.rc == 0, run.output
    assert_all_signatures_accepted(sandbox)
    assert all(e['headers'].get('X-Auth-Token') == '<redacted>' and 'Authorization' not in e['headers']
               for e in dws_log(sandbox))


def test_aksk_and_token_together_are_refused_before_any_request(sandbox, run_playbook):
    env = {'HW_AUTH_TOKEN': sandbox.credentials()['dws']['iam_token']}
    result, dummy = run_failing(run_playbook, OBS, env=env)
    assert 'not both' in result['msg'] and dws_log(sandbox) == []


@pytest.mark.parametrize('auth', ['permanent', 'temporary', 'token'])
def test_no_secret_in_output_at_vvvv(sandbox, sandbox_env, run_playbook, auth):
    creds = sandbox.credentials()['dws']
    env = dict(MRS_ENV)
    if auth == 'temporary':
        temporary = creds['temporary']
        env.update({'HW_ACCESS_KEY': temporary['access_key'], 'HW_SECRET_KEY': temporary['secret_key'],
                    'HW_SECURITY_TOKEN': temporary['security_token']})
    elif auth == 'token':
        env.update({'HW_ACCESS_KEY': None, 'HW_SECRET_KEY': None, 'HW_AUTH_TOKEN': creds['iam_token']})
    # an API that echoes the password in its error: the module must still mask it
    sandbox.inject('http_error', op='dws.create', status=400, error_code='DWS.5003',
                   msg='user_pwd %s does not match the MRS user' % MRS_PASSWORD)
    failed, failing = run_failing(run_playbook, MRS, verbosity=4, env=env)
    assert 'DWS.5003' in failed['msg'] and '********' in failed['msg']
    created = run_playbook(PLAYBOOK, MRS, verbosity=4, diff=True, env=env)
    assert created.rc == 0, created.output
    assert_all_signatures_accepted(sandbox)
    secrets = all_secrets(sandbox, sandbox_env)
    for run in (failing, created):
        assert 'ESTABLISH LOCAL CONNECTION' in run.output  # really -vvvv
        leaked = [s for s in secrets if s in run.output or s in repr(run.results)]
        assert leaked == []


# ----- info ------------------------------------------------------------------------------------------------

def test_info_lists_one_type_with_one_request(sandbox, run_playbook):
    seed_obs(sandbox)
    seed_mrs(sandbox)
    run = run_playbook(INFO_PLAYBOOK, {'dws_cluster_id': CLUSTER, 'dws_type': 'OBS'})
    assert run.rc == 0, run.output
    found = run.task(INFO_TASK)
    assert found['changed'] is False
    assert [d['name'] for d in found['ext_data_sources']] == ['obs_src1']
    assert_one_list_and_nothing_else(sandbox, 'OBS')


def test_info_without_type_lists_every_type_and_filters_by_name(sandbox, run_playbook):
    seed_obs(sandbox)
    mrs = seed_mrs(sandbox)
    run = run_playbook(INFO_PLAYBOOK, {'dws_cluster_id': CLUSTER, 'dws_name': 'mrs_src1'}, check=True)
    assert run.rc == 0, run.output
    assert [d['id'] for d in run.task(INFO_TASK)['ext_data_sources']] == [mrs['id']]
    assert [e['query'] for e in dws_log(sandbox)] == [{'type': [t]} for t in ('OBS', 'MRS', 'LAKE_FORMATION')]
    assert ops(dws_log(sandbox)) == ['dws.list'] * 3 and sandbox.writes('dws') == []


def test_lifecycle_with_module_defaults(sandbox, run_playbook):
    run = run_playbook('dws_lifecycle', {'dws_cluster_id': CLUSTER, 'dws_mrs_cluster_id': MRS_CLUSTER},
                       env=MRS_ENV)
    assert run.rc == 0, run.output
    assert [w['op'] for w in sandbox.writes('dws')] == ['dws.create', 'dws.create', 'dws.update', 'dws.delete',
                                                        'dws.delete']
    assert data_sources(sandbox) == []
    assert_all_signatures_accepted(sandbox)
