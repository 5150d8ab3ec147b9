# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 13 through real ansible-playbook runs against the sandbox: what real Huawei Cloud users meet.

* the project id found from the region (one signed IAM call per run), and the clean failures around it;
* DWS.7023 (a busy cluster) and DWS.0011 refused on any call, retried, each write made once;
* every documented job status: INIT, WAITING, DELAY_SCHEDULED still running, STOP failing at once;
* status codes named (configure_status_name, status_name);
* LAKE_FORMATION sources listed, found, gathered and deleted, never created;
* the documented limits on name, agency and description checked before any request.

Every test asserts on what the modules returned and on the sandbox's request log (IAM and DWS).
"""

from __future__ import absolute_import, division, print_function

import pytest

from harness import diff_of

__metaclass__ = type

TASK, INFO_TASK, LIST_TASK = 'Manage DWS data source', 'Read DWS data sources', 'Manage data sources'
PLAYBOOK, INFO_PLAYBOOK, LIST_PLAYBOOK = 'dws_ext_data_source', 'dws_ext_data_source_info', 'dws_ext_data_sources'
TASK_OF = {PLAYBOOK: TASK, INFO_PLAYBOOK: INFO_TASK, LIST_PLAYBOOK: LIST_TASK}
PROJECT = '0123456789abcdef0123456789abcdef'
OTHER_PROJECT = 'fedcba9876543210fedcba9876543210'
REGION = 'cn-north-4'
CLUSTER = '11111111-2222-3333-4444-555555555555'
MRS_CLUSTER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
ALL_TYPES = ['OBS', 'MRS', 'LAKE_FORMATION']
COLLECTION = '/v1.0/%s/clusters/%s/ext-data-sources' % (PROJECT, CLUSTER)

# The sandbox serves IAM on its DWS port. Templated when the play runs (not when the test is written), so the
# check-mode replay, against another sandbox, finds that sandbox's IAM.
SANDBOX_IAM = "{{ lookup('ansible.builtin.env', 'HW_DWS_ENDPOINT') }}"
NO_PROJECT = {'HW_PROJECT_ID': None}
# how a run points the modules at IAM: the option iam_endpoint, or the SDK's variable HUAWEICLOUD_SDK_IAM_ENDPOINT
IAM_BY = {'option': {'dws_iam_endpoint': SANDBOX_IAM},
          'env': {'dws_environment': {'HUAWEICLOUD_SDK_IAM_ENDPOINT': SANDBOX_IAM}}}

OBS_CREATE = {'dws_cluster_id': CLUSTER, 'dws_name': 'obs_new', 'dws_type': 'OBS', 'dws_agency': 'DWSAccessOBS',
              'dws_connect_info': 'gaussdb', 'dws_description': 'Raw events'}
OBS_SEED = {'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb'}
AGENCY_CHANGE = {'dws_cluster_id': CLUSTER, 'dws_name': 'obs_src1', 'dws_type': 'OBS', 'dws_agency': 'DWSAccessOBS2'}
OBS_ABSENT = {'dws_cluster_id': CLUSTER, 'dws_name': 'obs_src1', 'dws_type': 'OBS', 'dws_state': 'absent'}
MRS_SEED = {'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user', 'data_source_id': MRS_CLUSTER}
LF_SEED = {'name': 'lf_src1', 'type': 'LAKE_FORMATION', 'description': 'Lake catalog'}
LIST_ITEMS = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
              {'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb'}]


# ----- helpers ---------------------------------------------------------------------------------------------

def run_task(run_playbook, playbook, extra_vars, failing=False, **kwargs):
    """One run of a playbook's task, which must succeed (or fail cleanly, with ``failing``): its result."""
    run = run_playbook(playbook, dict(extra_vars, expect_failure=failing), **kwargs)
    task = TASK_OF[playbook]
    assert [s for t, s in run.statuses() if t == task] == ['failed' if failing else 'ok'], run.output[-3000:]
    result = run.task(task)
    assert 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    if failing:
        assert result['msg'] and result.get('exception') in (None, '(traceback unavailable)'), result
    return result


def ops(entries):
    return [entry['op'] for entry in entries]


def header(entry, name):
    for key, value in entry['headers'].items():
        if key.lower() == name.lower():
            return value
    return None


def seed(sandbox, *items, **kwargs):
    """Seed ACTIVE data sources in CLUSTER, quick jobs; the log starts empty. Returns them by name."""
    sandbox.settings(job_duration=kwargs.get('job_duration', 0.2))
    seeded = sandbox.seed_dws(PROJECT, CLUSTER, list(items)) if items else []
    sandbox.clear_log()
    return dict((item['name'], item) for item in seeded)


def sources(sandbox):
    sandbox.wait_idle(timeout=30)
    return dict((s['name'], s) for s in sandbox.state()['dws']['projects'][PROJECT][CLUSTER]['data_sources'])


def writes(sandbox):
    return [(w['op'], w['status'], w['fault']) for w in sandbox.writes('dws')]


def listed_types(entries):
    return [e['query']['type'][0] for e in entries if e['op'] == 'dws.list']


def assert_one_iam_call_then_dws_under(sandbox, project):
    """The run's first request is the one signed IAM call; every later one is a DWS call in ``project``."""
    log = sandbox.requests()
    assert ops(log).count('iam.projects') == 1 and log[0]['op'] == 'iam.projects', ops(log)
    iam = log[0]
    assert (iam['platform'], iam['method'], iam['path']) == ('iam', 'GET', '/v3/projects')
    assert iam['query'] == {'name': [REGION]}
    assert iam['auth_ok'] and iam['status'] == 200 and not iam['write']
    assert header(iam, 'Authorization') == '<redacted>' and header(iam, 'X-Project-Id') is None
    later = log[1:]
    assert later and set(e['platform'] for e in later) == {'dws'}, ops(later)
    for entry in later:
        assert entry['path'].startswith('/v1.0/%s/' % project), entry['path']
        assert header(entry, 'X-Project-Id') == project
    return later


def seconds_in(entry, start):
    return entry['time'] - start['time']


def polled_statuses(sandbox, statuses, step):
    """The status each job poll was answered (the job reports statuses[i] from i * step s after its write)."""
    log = sandbox.requests('dws')
    write = [e for e in log if e['write'] and e['status'] == 200][0]
    polls = [e for e in log if e['op'] == 'dws.job']
    return [statuses[min(len(statuses) - 1, int(seconds_in(poll, write) / step))] for poll in polls]


# ----- 1. the project id from the region -------------------------------------------------------------------

@pytest.mark.parametrize('iam_by', sorted(IAM_BY))
def test_aksk_and_region_find_the_project_with_one_iam_call_then_create_under_it(sandbox, run_playbook, iam_by):
    seed(sandbox)
    result = run_task(run_playbook, PLAYBOOK, dict(OBS_CREATE, **IAM_BY[iam_by]), env=NO_PROJECT)
    assert result['changed'] is True and result['job']['status'] == 'SUCCESS'
    dws = assert_one_iam_call_then_dws_under(sandbox, PROJECT)
    assert ops(dws)[:2] == ['dws.list', 'dws.create'] and 'dws.job' in ops(dws)  # one IAM call for every call
    assert all(e['auth_ok'] for e in dws)
    assert sources(sandbox)['obs_new']['id'] == result['ext_data_source']['id']


@pytest.mark.parametrize('iam_by', sorted(IAM_BY))
def test_the_info_module_finds_the_project_the_same_way(sandbox, run_playbook, iam_by):
    seeded = seed(sandbox, OBS_SEED, MRS_SEED)
    result = run_task(run_playbook, INFO_PLAYBOOK, dict({'dws_cluster_id': CLUSTER}, **IAM_BY[iam_by]),
                      env=NO_PROJECT)
    assert sorted(d['id'] for d in result['ext_data_sources']) == sorted(s['id'] for s in seeded.values())
    dws = assert_one_iam_call_then_dws_under(sandbox, PROJECT)
    assert listed_types(dws) == ALL_TYPES and ops(dws) == ['dws.list'] * 3


@pytest.mark.parametrize('iam_by', sorted(IAM_BY))
def test_the_list_module_asks_iam_once_for_a_run_of_several_writes(sandbox, run_playbook, iam_by):
    seed(sandbox, OBS_SEED, dict(OBS_SEED, name='obs_stale'))
    extra_vars = dict({'ds_config': LIST_ITEMS, 'ds_state': 'overridden'}, **IAM_BY[iam_by])
    result = run_task(run_playbook, LIST_PLAYBOOK, extra_vars, env=NO_PROJECT)
    assert [(r['name'], r['action']) for r in result['results']] == [
        ('obs_src1', 'updated'), ('obs_new', 'created'), ('obs_stale', 'deleted')]
    dws = assert_one_iam_call_then_dws_under(sandbox, PROJECT)
    assert [op for op in ops(dws) if op != 'dws.job' and op != 'dws.list'] == ['dws.update', 'dws.create',
                                                                               'dws.delete']
    assert sorted(sources(sandbox)) == ['obs_new', 'obs_src1']


def test_the_project_iam_names_is_the_one_every_dws_call_uses(sandbox, run_playbook):
    """IAM answers another project id: the DWS calls go there (the sandbox knows no such project: 404)."""
    seed(sandbox, OBS_SEED)
    sandbox.settings(iam_projects={REGION: [OTHER_PROJECT]})
    result = run_task(run_playbook, PLAYBOOK, dict(AGENCY_CHANGE, **IAM_BY['option']), failing=True,
                      env=NO_PROJECT)
    dws = assert_one_iam_call_then_dws_under(sandbox, OTHER_PROJECT)
    assert ops(dws) == ['dws.list'] and dws[0]['status'] == 404
    assert 'DWS.0015' in result['msg'] and sandbox.writes() == []
    assert sources(sandbox)['obs_src1']['user_name'] == 'DWSAccessOBS'


@pytest.mark.parametrize('answer', ['none', 'several'])
@pytest.mark.parametrize('playbook', [PLAYBOOK, LIST_PLAYBOOK])
def test_zero_or_several_projects_fail_cleanly_after_the_iam_call_alone(sandbox, run_playbook, playbook, answer):
    seed(sandbox, OBS_SEED)
    ids = {'none': [], 'several': [PROJECT, OTHER_PROJECT]}[answer]
    sandbox.settings(iam_projects={REGION: ids})
    extra_vars = AGENCY_CHANGE if playbook == PLAYBOOK else {'ds_config': LIST_ITEMS}
    result = run_task(run_playbook, playbook, dict(extra_vars, **IAM_BY['option']), failing=True, env=NO_PROJECT)
    assert [(e['op'], e['status'], e['auth_ok']) for e in sandbox.requests()] == [('iam.projects', 200, True)]
    assert 'project_id' in result['msg'] and 'HW_PROJECT_ID' in result['msg']
    if answer == 'none':
        assert "'%s'" % REGION in result['msg'] and 'region' in result['msg']
    else:
        assert PROJECT in result['msg'] and OTHER_PROJECT in result['msg'] and '2 projects' in result['msg']
    assert result.get('changed') is False and 'written' not in result
    assert sources(sandbox)['obs_src1']['user_name'] == 'DWSAccessOBS'


@pytest.mark.parametrize('playbook', [PLAYBOOK, INFO_PLAYBOOK, LIST_PLAYBOOK])
def test_an_iam_token_without_project_id_fails_before_any_request(sandbox, run_playbook, playbook):
    token = sandbox.credentials()['dws']['iam_token']
    env = dict(NO_PROJECT, HW_ACCESS_KEY=None, HW_SECRET_KEY=None, HW_AUTH_TOKEN=token)
    extra_vars = {PLAYBOOK: OBS_CREATE, INFO_PLAYBOOK: {'dws_cluster_id': CLUSTER},
                  LIST_PLAYBOOK: {'ds_config': LIST_ITEMS}}[playbook]
    result = run_task(run_playbook, playbook, dict(extra_vars, **IAM_BY['option']), failing=True, env=env)
    assert sandbox.requests() == []  # IAM included: a token cannot sign the projects call
    assert 'project_id (HW_PROJECT_ID) is required with an IAM token' in result['msg']


def test_a_temporary_aksk_signs_the_iam_call_with_its_security_token(sandbox, run_playbook):
    seed(sandbox)
    temporary = sandbox.credentials()['dws']['temporary']
    env = dict(NO_PROJECT, HW_ACCESS_KEY=temporary['access_key'], HW_SECRET_KEY=temporary['secret_key'],
               HW_SECURITY_TOKEN=temporary['security_token'])
    result = run_task(run_playbook, PLAYBOOK, dict(OBS_CREATE, **IAM_BY['option']), env=env)
    assert result['changed'] is True
    dws = assert_one_iam_call_then_dws_under(sandbox, PROJECT)
    # the sandbox accepts a temporary key's signature only with its X-Security-Token sent, signed and matching
    for entry in sandbox.requests('iam') + dws:
        assert entry['auth_ok'] and header(entry, 'X-Security-Token') == '<redacted>', entry['op']
    assert temporary['security_token'] in sandbox.issued_secrets()


def test_a_refused_signature_at_iam_stops_the_run_after_that_one_call(sandbox, run_playbook):
    """After a refused signature nothing more is sent: 5 failures lock the access key for 5 minutes."""
    wrong = 'NotTheSandboxSecretKey00000000000000000'
    result = run_task(run_playbook, PLAYBOOK, dict(OBS_CREATE, **IAM_BY['option']), failing=True,
                      env=dict(NO_PROJECT, HW_SECRET_KEY=wrong))
    assert [(e['op'], e['status'], e['auth_ok']) for e in sandbox.requests()] == [('iam.projects', 401, False)]
    assert 'APIGW.0301' in result['msg'] and '(HTTP 401)' in result['msg'] and 'secret_key' in result['msg']


def test_a_transient_iam_error_is_retried(sandbox, run_playbook):
    seed(sandbox, OBS_SEED)
    sandbox.inject('http_error', platform='iam', status=503, count=1)
    result = run_task(run_playbook, PLAYBOOK, dict(AGENCY_CHANGE, **IAM_BY['option']), env=NO_PROJECT)
    assert result['changed'] is True
    assert [(e['status'], e['fault']) for e in sandbox.requests('iam')] == [(503, 'http_error'), (200, None)]
    assert [w[0] for w in writes(sandbox)] == ['dws.update']


# ----- 2. a busy cluster: DWS.7023 and DWS.0011 are refusals, retried on every call --------------------------

def test_dws_7023_on_a_put_is_survived_after_a_reread_with_exactly_one_successful_put(sandbox, run_playbook):
    seeded = seed(sandbox, OBS_SEED)
    sandbox.inject('cluster_busy', op='dws.update', count=1)
    result = run_task(run_playbook, PLAYBOOK, AGENCY_CHANGE)
    assert result['changed'] is True and result['ext_data_source']['user_name'] == 'DWSAccessOBS2'
    assert writes(sandbox) == [('dws.update', 403, 'cluster_busy'), ('dws.update', 200, None)]
    log = sandbox.requests('dws')
    puts = [n for n, e in enumerate(log) if e['op'] == 'dws.update']
    assert [e['op'] for e in log[puts[0] + 1:puts[1]]] == ['dws.list']  # the source is read again before the resend
    assert all(w['path'] == '%s/%s' % (COLLECTION, seeded['obs_src1']['id']) for w in sandbox.writes('dws'))
    assert sources(sandbox)['obs_src1']['user_name'] == 'DWSAccessOBS2'
    assert len(sandbox.state()['dws']['jobs']) == 1


def test_dws_0011_on_a_delete_is_survived_with_exactly_one_successful_delete(sandbox, run_playbook):
    seed(sandbox, OBS_SEED)
    sandbox.inject('dws_conflict', op='dws.delete', count=1)
    result = run_task(run_playbook, PLAYBOOK, OBS_ABSENT)
    assert result['changed'] is True and result['job']['status'] == 'SUCCESS'
    assert writes(sandbox) == [('dws.delete', 409, 'dws_conflict'), ('dws.delete', 200, None)]
    assert sources(sandbox) == {} and len(sandbox.state()['dws']['jobs']) == 1


@pytest.mark.parametrize('op', ['dws.list', 'dws.create', 'dws.job'])
def test_dws_7023_on_any_other_call_is_retried(sandbox, run_playbook, op):
    seed(sandbox)
    sandbox.inject('cluster_busy', op=op, count=2)
    result = run_task(run_playbook, PLAYBOOK, OBS_CREATE)
    assert result['changed'] is True and result['job']['status'] == 'SUCCESS'
    refused = [e for e in sandbox.requests('dws') if e['fault']]
    assert [(e['op'], e['status']) for e in refused] == [(op, 403)] * 2
    assert [w[:2] for w in writes(sandbox) if w[2] is None] == [('dws.create', 200)]
    assert list(sources(sandbox)) == ['obs_new']


def test_dws_7023_on_a_delete_is_retried_with_exactly_one_successful_delete(sandbox, run_playbook):
    seed(sandbox, OBS_SEED)
    sandbox.inject('cluster_busy', op='dws.delete', count=2)
    result = run_task(run_playbook, PLAYBOOK, OBS_ABSENT)
    assert result['changed'] is True and result['job']['status'] == 'SUCCESS'
    assert writes(sandbox) == [('dws.delete', 403, 'cluster_busy')] * 2 + [('dws.delete', 200, None)]
    assert sources(sandbox) == {} and len(sandbox.state()['dws']['jobs']) == 1


def test_a_busy_cluster_for_longer_than_the_retries_fails_cleanly_naming_dws_7023(sandbox, run_playbook):
    seed(sandbox, OBS_SEED)
    sandbox.inject('cluster_busy', op='dws.update', count=20)
    result = run_task(run_playbook, PLAYBOOK, dict(AGENCY_CHANGE, dws_retries=2), failing=True)
    assert 'DWS.7023' in result['msg'] and '(HTTP 403)' in result['msg'] and 'busy' in result['msg']
    assert writes(sandbox) == [('dws.update', 403, 'cluster_busy')] * 3  # 1 + 2 retries, each after a re-read
    assert result.get('changed') is False and sources(sandbox)['obs_src1']['user_name'] == 'DWSAccessOBS'


def test_the_list_module_survives_dws_7023_on_a_put_and_dws_0011_on_a_delete(sandbox, run_playbook):
    seeded = seed(sandbox, OBS_SEED, dict(OBS_SEED, name='obs_b'), dict(OBS_SEED, name='obs_stale'))
    sandbox.inject('cluster_busy', op='dws.update', path=seeded['obs_b']['id'], count=1)
    sandbox.inject('dws_conflict', op='dws.delete', count=1)
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
             {'name': 'obs_b', 'type': 'OBS', 'agency': 'DWSAccessOBS2'}]
    result = run_task(run_playbook, LIST_PLAYBOOK, {'ds_config': items, 'ds_state': 'overridden'})
    assert [(r['name'], r['action']) for r in result['results']] == [
        ('obs_src1', 'updated'), ('obs_b', 'updated'), ('obs_stale', 'deleted')]
    made = [(w['op'], w['path'].rsplit('/', 1)[1], w['status']) for w in sandbox.writes('dws')]
    assert made == [('dws.update', seeded['obs_src1']['id'], 200),
                    ('dws.update', seeded['obs_b']['id'], 403), ('dws.update', seeded['obs_b']['id'], 200),
                    ('dws.delete', seeded['obs_stale']['id'], 409), ('dws.delete', seeded['obs_stale']['id'], 200)]
    now = sources(sandbox)
    assert sorted(now) == ['obs_b', 'obs_src1'] and set(s['user_name'] for s in now.values()) == {'DWSAccessOBS2'}
    assert len(sandbox.state()['dws']['jobs']) == 3  # one job per write that was accepted


# ----- 3. job statuses ---------------------------------------------------------------------------------------

RUNNING_THEN_SUCCESS = ['INIT', 'WAITING', 'DELAY_SCHEDULED', 'SUCCESS']


def test_a_job_going_init_waiting_delay_scheduled_success_succeeds_without_warnings(sandbox, run_playbook):
    seed(sandbox)
    step = 2.0  # longer than the first poll intervals (1 s, then x1.5): each status is seen by a poll
    sandbox.inject('job_statuses', statuses=RUNNING_THEN_SUCCESS, step=step)
    result = run_task(run_playbook, PLAYBOOK, OBS_CREATE)
    assert result['changed'] is True and result['job']['status'] == 'SUCCESS' and result['job']['progress'] == '100%'
    assert 'warnings' not in result  # every status is documented: none is "unknown"
    seen = polled_statuses(sandbox, RUNNING_THEN_SUCCESS, step)
    assert sorted(set(seen), key=RUNNING_THEN_SUCCESS.index) == RUNNING_THEN_SUCCESS, seen
    assert seen[-1] == 'SUCCESS' and seen.count('SUCCESS') == 1  # polled until done, no further
    assert sources(sandbox)['obs_new']['configure_status'] == 'ACTIVE'
    assert result['ext_data_source']['id'] == sources(sandbox)['obs_new']['id']


def test_a_stopped_job_fails_at_once_naming_stop_with_its_code_and_detail(sandbox, run_playbook):
    seed(sandbox, OBS_SEED)
    step = 1.5
    statuses = ['INIT', 'RUNNING', 'STOP']
    sandbox.inject('job_statuses', statuses=statuses, step=step, failed_code='DWS.9321',
                   failed_detail='stopped by the cluster operator')
    # a wait_timeout far beyond the job: the task must end when STOP shows, not wait it out
    result = run_task(run_playbook, PLAYBOOK, dict(AGENCY_CHANGE, dws_wait_timeout=600), failing=True)
    job = sandbox.state()['dws']['jobs'][0]
    assert 'ended with status STOP' in result['msg'] and job['job_id'] in result['msg']
    assert 'DWS.9321' in result['msg'] and 'stopped by the cluster operator' in result['msg']
    assert (result['job']['status'], result['job']['failed_code'], result['job']['failed_detail']) == (
        'STOP', 'DWS.9321', 'stopped by the cluster operator')
    seen = polled_statuses(sandbox, statuses, step)
    assert seen[-1] == 'STOP' and 'STOP' not in seen[:-1], seen  # the first poll that saw STOP was the last
    assert result['changed'] is True and result['written']['job_id'] == job['job_id']
    assert [w[0] for w in writes(sandbox)] == ['dws.update']  # never re-sent
    assert sources(sandbox)['obs_src1']['user_name'] == 'DWSAccessOBS'  # the stopped job restored it


def test_a_job_still_running_at_the_timeout_names_its_last_status_and_progress(sandbox, run_playbook):
    seed(sandbox, OBS_SEED)
    sandbox.inject('job_statuses', statuses=['INIT', 'DELAY_SCHEDULED'], step=0.5)  # then DELAY_SCHEDULED for ever
    result = run_task(run_playbook, PLAYBOOK, dict(AGENCY_CHANGE, dws_wait_timeout=3), failing=True)
    assert 'did not finish within 3 seconds' in result['msg']
    assert 'last status: DELAY_SCHEDULED, progress: 50%' in result['msg'], result['msg']
    assert 'unknown statuses' not in result['msg'] and 'warnings' not in result
    assert result['job']['status'] == 'DELAY_SCHEDULED' and result['changed'] is True


def test_the_list_module_stops_at_a_stopped_job_and_writes_nothing_after_it(sandbox, run_playbook):
    seeded = seed(sandbox, OBS_SEED, dict(OBS_SEED, name='obs_b'), dict(OBS_SEED, name='obs_stale'))
    sandbox.inject('job_stop', path=seeded['obs_src1']['id'])
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
             {'name': 'obs_b', 'type': 'OBS', 'agency': 'DWSAccessOBS2'}]
    result = run_task(run_playbook, LIST_PLAYBOOK, {'ds_config': items, 'ds_state': 'overridden'}, failing=True)
    assert result['msg'].startswith("config[0] ('obs_src1') failed, so the run stopped there: ")
    assert 'ended with status STOP' in result['msg'] and result['job']['status'] == 'STOP'
    assert [(r['name'], r['action']) for r in result['results']] == [
        ('obs_src1', 'failed'), ('obs_b', 'skipped'), ('obs_stale', 'skipped')]
    assert [w[0] for w in writes(sandbox)] == ['dws.update']
    assert sorted(sources(sandbox)) == ['obs_b', 'obs_src1', 'obs_stale']


# ----- 4. readable statuses ----------------------------------------------------------------------------------

@pytest.mark.parametrize('status_format', ['name', 'code'])
def test_every_returned_source_names_its_status_codes_and_keeps_the_api_values(sandbox, run_playbook,
                                                                               status_format):
    seed(sandbox, OBS_SEED, MRS_SEED, LF_SEED)
    sandbox.settings(status_format=status_format)
    wire = {'name': ('ACTIVE', 'AVAILABLE'), 'code': ('200', '200')}[status_format]

    def assert_named(obj):
        assert (obj['configure_status'], obj['status']) == wire, obj  # the API's own values, unchanged
        assert (obj['configure_status_name'], obj['status_name']) == ('ACTIVE', 'AVAILABLE'), obj

    found = run_task(run_playbook, INFO_PLAYBOOK, {'dws_cluster_id': CLUSTER})['ext_data_sources']
    assert sorted(d['name'] for d in found) == ['lf_src1', 'mrs_src1', 'obs_src1']
    for obj in found:
        assert_named(obj)
    single = run_task(run_playbook, PLAYBOOK, {'dws_cluster_id': CLUSTER, 'dws_name': 'obs_src1', 'dws_type': 'OBS'})
    assert single['changed'] is False
    assert_named(single['ext_data_source'])
    listed = run_task(run_playbook, LIST_PLAYBOOK, {'ds_config': [{'name': 'mrs_src1', 'type': 'MRS'}]})
    for obj in listed['ext_data_sources']:
        assert_named(obj)
    assert sandbox.writes() == []


def test_a_failed_create_is_named_failed_and_create_failed(sandbox, run_playbook):
    seed(sandbox)
    sandbox.settings(status_format='code')
    sandbox.inject('job_fail', failed_code='DWS.5555', failed_detail='agency lacks OBS rights')
    run_task(run_playbook, PLAYBOOK, OBS_CREATE, failing=True)
    found = run_task(run_playbook, INFO_PLAYBOOK, {'dws_cluster_id': CLUSTER, 'dws_type': 'OBS'})['ext_data_sources']
    assert [(d['configure_status'], d['configure_status_name'], d['status'], d['status_name']) for d in found] == [
        ('300', 'FAILED', '303', 'CREATE_FAILED')]


# ----- 5. LAKE_FORMATION -------------------------------------------------------------------------------------

def test_info_lists_lake_formation_sources_with_and_without_type(sandbox, run_playbook):
    seeded = seed(sandbox, OBS_SEED, LF_SEED)
    every = run_task(run_playbook, INFO_PLAYBOOK, {'dws_cluster_id': CLUSTER})['ext_data_sources']
    assert [(d['name'], d['type']) for d in every] == [('obs_src1', 'OBS'), ('lf_src1', 'LAKE_FORMATION')]
    assert listed_types(sandbox.requests('dws')) == ALL_TYPES
    lake = [d for d in every if d['type'] == 'LAKE_FORMATION'][0]
    assert lake['id'] == seeded['lf_src1']['id'] and lake['description'] == 'Lake catalog'
    sandbox.clear_log()
    typed = run_task(run_playbook, INFO_PLAYBOOK, {'dws_cluster_id': CLUSTER, 'dws_type': 'LAKE_FORMATION'})
    assert [d['id'] for d in typed['ext_data_sources']] == [seeded['lf_src1']['id']]
    assert [e['query'] for e in sandbox.requests('dws')] == [{'type': ['LAKE_FORMATION']}]


def test_a_lake_formation_source_is_found_by_name_without_type_and_left_alone(sandbox, run_playbook):
    seeded = seed(sandbox, LF_SEED)
    result = run_task(run_playbook, PLAYBOOK, {'dws_cluster_id': CLUSTER, 'dws_name': 'lf_src1'})
    assert result['changed'] is False and result['ext_data_source']['id'] == seeded['lf_src1']['id']
    assert result['ext_data_source']['type'] == 'LAKE_FORMATION'
    assert listed_types(sandbox.requests('dws')) == ALL_TYPES and sandbox.writes() == []


@pytest.mark.parametrize('with_type', [True, False])
def test_the_single_module_deletes_a_lake_formation_source(sandbox, run_playbook, with_type):
    seeded = seed(sandbox, OBS_SEED, LF_SEED)
    absent = {'dws_cluster_id': CLUSTER, 'dws_name': 'lf_src1', 'dws_state': 'absent'}
    if with_type:
        absent['dws_type'] = 'LAKE_FORMATION'
    result = run_task(run_playbook, PLAYBOOK, absent, diff=True)
    assert result['changed'] is True and result['job']['status'] == 'SUCCESS'
    assert diff_of(result)['before']['type'] == 'LAKE_FORMATION' and diff_of(result)['after'] == {}
    assert [(w['method'], w['path'], w['status']) for w in sandbox.writes('dws')] == [
        ('DELETE', '%s/%s' % (COLLECTION, seeded['lf_src1']['id']), 200)]
    assert listed_types(sandbox.requests('dws'))[:3 if not with_type else 1] == (
        ALL_TYPES if not with_type else ['LAKE_FORMATION'])
    assert list(sources(sandbox)) == ['obs_src1']
    sandbox.clear_log()
    again = run_task(run_playbook, PLAYBOOK, absent)
    assert again['changed'] is False and sandbox.writes() == []


def test_creating_a_lake_formation_source_is_refused_with_no_write(sandbox, run_playbook):
    seed(sandbox, LF_SEED)
    result = run_task(run_playbook, PLAYBOOK, {'dws_cluster_id': CLUSTER, 'dws_name': 'lf_new',
                                               'dws_type': 'LAKE_FORMATION', 'dws_description': 'New lake'},
                      failing=True)
    assert "LAKE_FORMATION data source 'lf_new' cannot be created" in result['msg']
    assert 'not documented' in result['msg'] and 'Nothing was written' in result['msg']
    # the one listing that shows no such source exists, then the refusal: no write was attempted
    assert [(e['op'], e['query']) for e in sandbox.requests()] == [('dws.list', {'type': ['LAKE_FORMATION']})]
    assert list(sources(sandbox)) == ['lf_src1']


def test_the_list_module_deletes_an_unlisted_lake_formation_source_in_overridden(sandbox, run_playbook):
    seeded = seed(sandbox, OBS_SEED, LF_SEED)
    items = [{'name': 'obs_src1', 'type': 'OBS'}]
    result = run_task(run_playbook, LIST_PLAYBOOK, {'ds_config': items, 'ds_state': 'overridden'})
    assert [(r['name'], r['action'], r.get('index')) for r in result['results']] == [
        ('obs_src1', 'unchanged', 0), ('lf_src1', 'deleted', None)]
    assert [(w['op'], w['path']) for w in sandbox.writes('dws')] == [
        ('dws.delete', '%s/%s' % (COLLECTION, seeded['lf_src1']['id']))]
    assert listed_types(sandbox.requests('dws')) == ALL_TYPES + ALL_TYPES
    assert list(sources(sandbox)) == ['obs_src1'] and [i['name'] for i in result['after']] == ['obs_src1']


def test_the_list_module_deletes_a_lake_formation_item_in_deleted(sandbox, run_playbook):
    seeded = seed(sandbox, OBS_SEED, LF_SEED)
    items = [{'name': 'lf_src1', 'type': 'LAKE_FORMATION'}]
    result = run_task(run_playbook, LIST_PLAYBOOK, {'ds_config': items, 'ds_state': 'deleted'})
    assert [(r['name'], r['id'], r['action']) for r in result['results']] == [
        ('lf_src1', seeded['lf_src1']['id'], 'deleted')]
    assert listed_types(sandbox.requests('dws')) == ['LAKE_FORMATION', 'LAKE_FORMATION']  # its type only
    assert [w['op'] for w in sandbox.writes('dws')] == ['dws.delete'] and list(sources(sandbox)) == ['obs_src1']


@pytest.mark.parametrize('state', ['merged', 'overridden'])
def test_a_lake_formation_source_is_gathered_and_its_round_trip_changes_nothing(sandbox, run_playbook, state):
    seeded = seed(sandbox, OBS_SEED, LF_SEED)
    gathered = run_task(run_playbook, LIST_PLAYBOOK, {'ds_state': 'gathered'})['gathered']
    assert gathered[1] == {'id': seeded['lf_src1']['id'], 'name': 'lf_src1', 'type': 'LAKE_FORMATION',
                           'description': 'Lake catalog'}
    assert [g['name'] for g in gathered] == ['obs_src1', 'lf_src1']
    sandbox.clear_log()
    result = run_task(run_playbook, LIST_PLAYBOOK, {'ds_config': gathered, 'ds_state': state})
    assert result['changed'] is False and [r['action'] for r in result['results']] == ['unchanged'] * 2
    # merged lists the types its items give, overridden every type; no write, so no listing after
    assert listed_types(sandbox.requests('dws')) == (['OBS', 'LAKE_FORMATION'] if state == 'merged' else ALL_TYPES)
    assert sandbox.writes() == []


def test_the_list_module_refuses_an_item_that_would_create_a_lake_formation_source(sandbox, run_playbook):
    seed(sandbox, OBS_SEED)
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
             {'name': 'lf_new', 'type': 'LAKE_FORMATION', 'description': 'New lake'}]
    result = run_task(run_playbook, LIST_PLAYBOOK, {'ds_config': items}, failing=True)
    assert result['msg'].startswith('1 problem(s) in config (2 item(s)); nothing was written:')
    assert result['problems'] == [
        "config[1] ('lf_new'): LAKE_FORMATION data source 'lf_new' cannot be created by this collection: the API "
        "lists this type, but its create fields are not documented. Create it in the console; the modules can read "
        "and delete it. Nothing was written."]
    assert sandbox.writes() == [] and set(ops(sandbox.requests())) == {'dws.list'}
    assert sources(sandbox)['obs_src1']['user_name'] == 'DWSAccessOBS'


# ----- 6. the documented limits, checked before any request --------------------------------------------------

# case -> (option, value, words of the message)
INVALID = {
    'name of 65 characters': ('name', 'n' * 65, 'use 1 to 64 letters, digits or underscores'),
    'name with a hyphen': ('name', 'obs-src', 'use 1 to 64 letters, digits or underscores'),
    'name with a space': ('name', 'obs src', 'use 1 to 64 letters, digits or underscores'),
    'name with an accent': ('name', 'obs_\u00e9t\u00e9', 'use 1 to 64 letters, digits or underscores'),
    'agency of 2 characters': ('agency', 'ab', 'use 3 to 20 letters, digits or underscores'),
    'agency of 21 characters': ('agency', 'a' * 21, 'use 3 to 20 letters, digits or underscores'),
    'description of 257 characters': ('description', 'd' * 257, 'description is 257 characters long; at most 256'),
}
for _char in "!<>'=&":
    INVALID['description with %s' % _char] = ('description', 'Raw %s events' % _char,
                                              'description must not contain the characters ! < > \' = & (found %s)'
                                              % _char)


@pytest.mark.parametrize('case', sorted(INVALID))
def test_the_single_module_refuses_an_invalid_value_before_any_request(sandbox, run_playbook, case):
    """Without a project id, not even the IAM call is made."""
    option, value, words = INVALID[case]
    extra_vars = dict(OBS_CREATE, **IAM_BY['option'])
    extra_vars['dws_%s' % option] = value
    result = run_task(run_playbook, PLAYBOOK, extra_vars, failing=True, env=NO_PROJECT)
    assert words in result['msg'], result['msg']
    assert result['msg'].startswith(option), result['msg']  # the option is named first
    assert sandbox.requests() == []


@pytest.mark.parametrize('case', sorted(INVALID))
def test_the_list_module_refuses_an_invalid_item_before_any_request(sandbox, run_playbook, case):
    option, value, words = INVALID[case]
    item = {'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb'}
    item[option] = value
    result = run_task(run_playbook, LIST_PLAYBOOK, dict({'ds_config': [item]}, **IAM_BY['option']), failing=True,
                      env=NO_PROJECT)
    label = "config[0] ('%s')" % item['name']
    assert result['problems'] == [result['problems'][0]] and result['problems'][0].startswith(label + ': ' + option)
    assert words in result['problems'][0]
    assert sandbox.requests() == []


def test_an_mrs_user_name_is_held_to_the_same_limit(sandbox, run_playbook):
    extra_vars = {'dws_cluster_id': CLUSTER, 'dws_name': 'mrs_new', 'dws_type': 'MRS',
                  'dws_mrs_cluster_id': MRS_CLUSTER, 'dws_user_name': 'mr'}
    result = run_task(run_playbook, PLAYBOOK, extra_vars, failing=True)
    assert "user_name 'mr' is not valid: use 3 to 20 letters" in result['msg'] and sandbox.requests() == []


@pytest.mark.parametrize('state', ['merged', 'overridden'])
def test_one_invalid_item_among_valid_ones_stops_the_list_before_any_request(sandbox, run_playbook, state):
    seed(sandbox, OBS_SEED)
    items = [{'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
             {'name': 'obs-bad', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb'}]
    result = run_task(run_playbook, LIST_PLAYBOOK, {'ds_config': items, 'ds_state': state}, failing=True)
    assert result['problems'] == ["config[1] ('obs-bad'): name 'obs-bad' is not valid: use 1 to 64 letters, digits "
                                  "or underscores."]
    assert sandbox.requests() == []  # not even the listing the valid item would be planned against
    assert sources(sandbox)['obs_src1']['user_name'] == 'DWSAccessOBS'
