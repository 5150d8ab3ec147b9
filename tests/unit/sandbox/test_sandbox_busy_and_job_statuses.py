"""The cluster_busy (DWS.7023) and job_statuses fault kinds (issue 13)."""

import time

import pytest

from client import SandboxControlError
from sbx_api import http_call, obs_body

BUSY_BODY = {'error_code': 'DWS.7023', 'error_msg': 'Cluster status is not allowed to operation'}
OBS_SEED = {'name': 'src', 'type': 'OBS', 'user_name': 'OldAgency', 'connect_info': 'db', 'description': 'seeded'}


def seed_one(sandbox, dws, **fields):
    [seeded] = sandbox.seed_dws(dws.project_id, dws.cluster_id, [dict(OBS_SEED, **fields)])
    return seeded


def dws_sources(sandbox, dws):
    return sandbox.state()['dws']['projects'][dws.project_id][dws.cluster_id]['data_sources']


def statuses_seen(dws, job_id, timeout=10.0):
    """Poll the job until it ends; return the distinct statuses it reported, in order, and the last job record."""
    seen, deadline = [], time.monotonic() + timeout
    while True:
        job = dws.job(job_id).json
        if not seen or seen[-1] != job['status']:
            seen.append(job['status'])
        if job['status'] in ('SUCCESS', 'FAIL', 'STOP') or time.monotonic() > deadline:
            return seen, job
        time.sleep(0.02)


# ----- cluster_busy -----------------------------------------------------------------------------------------------

def test_cluster_busy_refuses_a_put_without_effect(sandbox, dws):
    seeded = seed_one(sandbox, dws)
    sandbox.inject('cluster_busy', op='dws.update')
    refused = dws.update(seeded['id'], {'reconfigure': {'agency': 'NewAgency'}})
    assert (refused.status, refused.json) == (403, BUSY_BODY)
    assert sandbox.state()['dws']['jobs'] == [] and dws.find(seeded['id'])['configure_status'] == 'ACTIVE'
    retried = dws.update(seeded['id'], {'reconfigure': {'agency': 'NewAgency'}})
    assert retried.status == 200 and dws.wait_job(retried.json['job_id'])['status'] == 'SUCCESS'
    assert dws.find(seeded['id'])['user_name'] == 'NewAgency'
    writes = sandbox.writes('dws')
    assert [(entry['op'], entry['status'], entry['fault']) for entry in writes] == [
        ('dws.update', 403, 'cluster_busy'), ('dws.update', 200, None)]
    assert sandbox.faults()['retired'][0]['kind'] == 'cluster_busy'


def test_cluster_busy_matches_method_and_path_and_counts(sandbox, dws, creds):
    seeded = seed_one(sandbox, dws)
    other_cluster = creds['dws']['cluster_ids'][1]
    sandbox.inject('cluster_busy', count=2, method='DELETE', path=dws.cluster_id, msg='resizing')
    assert dws.list().status == 200  # a GET: not matched
    created = dws.create(obs_body('elsewhere'), cluster_id=other_cluster)  # another cluster's path: not matched
    assert created.status == 200 and dws.wait_job(created.json['job_id'])['status'] == 'SUCCESS'
    for dummy in range(2):
        refused = dws.delete(seeded['id'])
        assert (refused.status, refused.json) == (403, {'error_code': 'DWS.7023', 'error_msg': 'resizing'})
    assert dws.find(seeded['id']) is not None
    deleted = dws.delete(seeded['id'])
    assert deleted.status == 200 and dws.wait_job(deleted.json['job_id'])['status'] == 'SUCCESS'
    assert dws.find(seeded['id']) is None
    assert [entry['fault'] for entry in sandbox.requests('dws') if entry['op'] == 'dws.delete'] == ['cluster_busy', 'cluster_busy', None]


def test_cluster_busy_answers_before_authentication(sandbox, dws):
    sandbox.inject('cluster_busy')
    result = http_call(sandbox.base_url, 'GET', dws.sources_path())  # unsigned
    assert (result.status, result.json) == (403, BUSY_BODY) and result.headers['x-request-id']
    [entry] = sandbox.requests()
    assert (entry['fault'], entry['auth_ok'], entry['status']) == ('cluster_busy', False, 403)


@pytest.mark.parametrize('spec', [{'platform': 'feishu'}, {'error_code': 'DWS.0011'}, {'msg': 7}])
def test_cluster_busy_spec_checks(sandbox, spec):
    with pytest.raises(SandboxControlError) as raised:
        sandbox.inject('cluster_busy', **spec)
    assert raised.value.status == 400


# ----- job_statuses -----------------------------------------------------------------------------------------------

def test_a_create_goes_through_each_status_then_succeeds(sandbox, dws):
    sandbox.inject('job_statuses', statuses=['INIT', 'WAITING', 'DELAY_SCHEDULED', 'SUCCESS'], step=0.3)
    created = dws.create(obs_body('queued'))
    job = dws.job(created.json['job_id']).json
    assert (job['status'], job['progress'], job['end_time'], job['failed_code']) == ('INIT', '0%', '', '')
    source = dws.find(created.json['id'])
    assert (source['configure_status'], source['status']) == ('CREATING', 'CREATING')
    assert dws.create(obs_body('other')).json['error_code'] == 'DWS.0011'  # the running job holds the cluster
    seen, final = statuses_seen(dws, created.json['job_id'])
    assert seen == ['INIT', 'WAITING', 'DELAY_SCHEDULED', 'SUCCESS']
    assert (final['progress'], final['failed_code'], final['failed_detail']) == ('100%', '', '') and final['end_time']
    source = dws.find(created.json['id'])
    assert (source['configure_status'], source['status']) == ('ACTIVE', 'AVAILABLE')


def test_progress_follows_the_position_in_the_sequence(sandbox, dws):
    sandbox.inject('job_statuses', statuses=['INIT', 'WAITING', 'RUNNING', 'RUNNING', 'SUCCESS'], step=0.25)
    job_id = dws.create(obs_body()).json['job_id']
    progress = []
    while True:
        job = dws.job(job_id).json
        if not progress or progress[-1] != (job['status'], job['progress']):
            progress.append((job['status'], job['progress']))
        if job['status'] == 'SUCCESS':
            break
        time.sleep(0.02)
    assert progress == [('INIT', '0%'), ('WAITING', '20%'), ('RUNNING', '40%'), ('RUNNING', '60%'), ('SUCCESS', '100%')]


def test_a_stop_at_the_end_leaves_an_update_undone(sandbox, dws):
    seeded = seed_one(sandbox, dws)
    sandbox.inject('job_statuses', statuses=['INIT', 'RUNNING', 'STOP'], step=0.2)
    job_id = dws.update(seeded['id'], {'reconfigure': {'agency': 'NewAgency'}}).json['job_id']
    assert dws.find(seeded['id'])['configure_status'] == 'UPDATING'
    seen, final = statuses_seen(dws, job_id)
    assert seen == ['INIT', 'RUNNING', 'STOP']
    assert (final['failed_code'], final['failed_detail']) == ('DWS.5555', 'sandbox: the job ended in STOP')
    source = dws.find(seeded['id'])
    assert (source['user_name'], source['configure_status'], source['status']) == ('OldAgency', 'ACTIVE', 'AVAILABLE')


def test_a_fail_at_the_end_of_a_create_fills_the_failure(sandbox, dws):
    sandbox.inject('job_statuses', statuses=['WAITING', 'FAIL'], step=0.1, failed_code='CreateELBTask-fail:DWS.0114',
                   failed_detail='no quota')
    created = dws.create(obs_body()).json
    seen, final = statuses_seen(dws, created['job_id'])
    assert seen == ['WAITING', 'FAIL'] and (final['failed_code'], final['failed_detail']) == ('CreateELBTask-fail:DWS.0114', 'no quota')
    source = dws.find(created['id'])
    assert (source['configure_status'], source['status'], source['fail_reason']) == ('FAILED', 'CREATE_FAILED', 'no quota')


def test_a_delete_runs_its_statuses_then_removes_the_source(sandbox, dws):
    seeded = seed_one(sandbox, dws)
    sandbox.inject('job_statuses', statuses=['DELAY_SCHEDULED', 'SUCCESS'], step=0.2)
    job_id = dws.delete(seeded['id']).json['job_id']
    assert dws.find(seeded['id'])['configure_status'] == 'DELETING'
    assert statuses_seen(dws, job_id)[0] == ['DELAY_SCHEDULED', 'SUCCESS']
    assert dws.find(seeded['id']) is None


def test_the_default_step_spreads_the_statuses_over_job_duration(sandbox, dws):
    sandbox.settings(job_duration=60)
    sandbox.inject('job_statuses', statuses=['WAITING', 'RUNNING', 'SUCCESS'])
    job = dws.create(obs_body()).json
    time.sleep(0.2)
    assert dws.job(job['job_id']).json['status'] == 'WAITING'  # 30 s per status
    assert sandbox.faults()['retired'][0]['params']['step'] is None
    sandbox.reset()
    sandbox.settings(job_duration=0)
    sandbox.inject('job_statuses', statuses=['WAITING', 'RUNNING', 'SUCCESS'])  # job_duration 0: the last status at once
    created = dws.create(obs_body()).json
    assert dws.job(created['job_id']).json['status'] == 'SUCCESS'
    assert dws.find(created['id'])['configure_status'] == 'ACTIVE'


def test_a_last_status_that_does_not_end_the_job_is_kept(sandbox, dws):
    sandbox.inject('job_statuses', statuses=['INIT', 'RUNNING'], step=0)
    created = dws.create(obs_body()).json
    time.sleep(0.1)
    job = dws.job(created['job_id']).json
    assert (job['status'], job['end_time'], job['progress']) == ('RUNNING', '', '50%')
    assert dws.find(created['id'])['configure_status'] == 'CREATING'
    assert dws.create(obs_body('other')).status == 409


def test_job_statuses_fire_on_count_jobs(sandbox, dws, creds):
    sandbox.inject('job_statuses', count=2, statuses=['WAITING', 'STOP'], step=0)
    jobs = [dws.create(obs_body('src'), cluster_id=cluster).json['job_id'] for cluster in creds['dws']['cluster_ids']]
    third = dws.create(obs_body('third')).json['job_id']
    assert [dws.job(job_id).json['status'] for job_id in jobs + [third]] == ['STOP', 'STOP', 'SUCCESS']
    assert sandbox.faults()['retired'][0]['fired'] == 2


@pytest.mark.parametrize('spec', [
    {}, {'statuses': []}, {'statuses': 'SUCCESS'}, {'statuses': ['INIT', 7]}, {'statuses': ['INIT', '']},
    {'statuses': ['SUCCESS', 'RUNNING']}, {'statuses': ['STOP', 'SUCCESS']}, {'statuses': ['RUNNING'] * 101},
    {'statuses': ['SUCCESS'], 'step': -1}, {'statuses': ['SUCCESS'], 'step': True}, {'statuses': ['SUCCESS'], 'hold': 1},
    {'statuses': ['SUCCESS'], 'platform': 'feishu'},
])
def test_job_statuses_spec_checks(sandbox, spec):
    with pytest.raises(SandboxControlError) as raised:
        sandbox.inject('job_statuses', **spec)
    assert raised.value.status == 400
    assert sandbox.faults()['pending'] == []
