"""DWS ext-data-sources emulation: validation, job lifecycle, conflicts, auth."""

import datetime
import re

import pytest

from sbx_api import DwsApi, http_call, mrs_body, obs_body
from sbx_signer import sdk_date

UUID_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
JOB_RE = re.compile(r'^[0-9a-f]{32}$')
EXT_FIELDS = {'id', 'name', 'type', 'connect_info', 'user_name', 'version', 'configure_status', 'status', 'data_source_id',
              'created', 'updated', 'data_source_updated', 'extend_properties', 'description', 'fail_reason'}
JOB_FIELDS = {'job_id', 'job_name', 'begin_time', 'end_time', 'status', 'failed_code', 'failed_detail', 'progress'}


def error_of(result):
    return result.status, result.json['error_code']


def create_active(dws, body=None, cluster_id=None):
    """Create a data source and wait for its job; return its id."""
    created = dws.create(body or obs_body(), cluster_id)
    assert created.status == 200, created
    assert dws.wait_job(created.json['job_id'])['status'] == 'SUCCESS'
    return created.json['id']


def test_empty_listing_has_documented_shape(dws):
    result = dws.list()
    assert result.status == 200
    assert JOB_RE.match(result.headers['x-request-id'])
    assert result.json == {'data_sources': [], 'project_id': dws.project_id, 'cluster_id': dws.cluster_id, 'type': '', 'count': 0}


def test_create_changes_state_only_when_job_succeeds(sandbox, dws):
    sandbox.settings(job_duration=0.4)
    created = dws.create(obs_body())
    assert created.status == 200 and set(created.json) == {'id', 'job_id'}
    assert UUID_RE.match(created.json['id']) and JOB_RE.match(created.json['job_id'])
    pending = dws.find(created.json['id'])
    assert (pending['configure_status'], pending['status']) == ('CREATING', 'CREATING')
    job = dws.job(created.json['job_id']).json
    assert set(job) == JOB_FIELDS
    assert job['status'] in ('INIT', 'RUNNING') and job['progress'].endswith('%') and job['end_time'] == ''
    final = dws.wait_job(created.json['job_id'])
    assert (final['status'], final['progress'], final['failed_code']) == ('SUCCESS', '100%', '')
    assert final['end_time']
    source = dws.find(created.json['id'])
    assert set(source) == EXT_FIELDS
    assert (source['configure_status'], source['status']) == ('ACTIVE', 'AVAILABLE')
    assert (source['name'], source['type'], source['user_name'], source['connect_info']) == ('obs_src1', 'OBS', 'DWSAccessOBS', 'gaussdb')
    assert source['description'] == 'demo' and source['extend_properties'] == {} and source['fail_reason'] == ''


def test_mrs_password_is_never_returned_or_logged(sandbox, dws, creds):
    mrs_id = creds['dws']['mrs_cluster_ids'][0]
    ds_id = create_active(dws, mrs_body(mrs_id))
    source = dws.find(ds_id)
    assert 'user_pwd' not in source and source['data_source_id'] == mrs_id and source['version']
    assert 'Secret_123' not in str(sandbox.state()) and 'Secret_123' not in str(sandbox.requests())
    assert sandbox.writes('dws')[0]['body']['user_pwd'] == '<redacted>'


INVALID_CREATES = [
    ('not an object', ['a'], 'DWS.0001'),
    ('unknown key', obs_body(agency='x'), 'DWS.0001'),
    ('missing type', {'data_source_name': 'a', 'user_name': 'abc', 'connect_info': 'db'}, 'DWS.0001'),
    ('bad type', obs_body(type='HDFS'), 'DWS.0001'),
    ('lake formation', obs_body(type='LAKE_FORMATION'), 'DWS.0001'),
    ('name too long', obs_body(name='n' * 65), 'DWS.0001'),
    ('name bad char', obs_body(name='obs-src'), 'DWS.0001'),
    ('name empty', obs_body(name=''), 'DWS.0001'),
    ('user_name missing', obs_body(user_name=None), 'DWS.0001'),
    ('user_name short', obs_body(user_name='ab'), 'DWS.0001'),
    ('user_name long', obs_body(user_name='u' * 21), 'DWS.0001'),
    ('user_name bad char', obs_body(user_name='bad.user'), 'DWS.0001'),
    ('obs without connect_info', obs_body(connect_info=None), 'DWS.0001'),
    ('description too long', obs_body(description='d' * 257), 'DWS.0001'),
    ('description bad char', obs_body(description='a=b'), 'DWS.0001'),
    ('reboot not bool', obs_body(reboot='true'), 'DWS.0001'),
    ('name not string', obs_body(name=12), 'DWS.0001'),
    ('mrs without cluster', mrs_body(None), 'DWS.0001'),
    ('mrs unknown cluster', mrs_body('99999999-bbbb-cccc-dddd-eeeeeeeeeeee'), 'DWS.0001'),
    ('mrs without password', mrs_body('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', user_pwd=None), 'DWS.0001'),
]


@pytest.mark.parametrize('label, body, code', INVALID_CREATES, ids=[case[0] for case in INVALID_CREATES])
def test_invalid_create_is_rejected_without_effect(dws, label, body, code):
    if isinstance(body, dict):
        body = {key: value for key, value in body.items() if value is not None}
    result = dws.create(body)
    assert error_of(result) == (400, code)
    assert result.json['error_msg'] and 'request_id' not in result.json
    assert dws.list().json['count'] == 0


@pytest.mark.parametrize('body, code', [('', 'DWS.0006'), ('{not json', 'DWS.0001')])
def test_empty_or_non_json_body(dws, body, code):
    assert error_of(dws.create(body)) == (400, code)


def test_description_boundaries_are_accepted(dws):
    assert dws.create(obs_body(name='n' * 64, user_name='u' * 20, description='d' * 256)).status == 200


def test_duplicate_name_in_cluster_is_dws_5001(dws, creds):
    create_active(dws)
    assert error_of(dws.create(obs_body(user_name='other_agency'))) == (400, 'DWS.5001')
    # The same name is fine in another cluster.
    assert dws.create(obs_body(), cluster_id=creds['dws']['cluster_ids'][1]).status == 200


def test_cluster_and_project_checks(dws):
    assert error_of(dws.list(cluster_id='99999999-2222-3333-4444-555555555555')) == (404, 'DWS.0047')
    assert error_of(dws.list(cluster_id='not-a-uuid')) == (400, 'DWS.0001')
    other_project = DwsApi(dws.base_url, {'dws': dict(dws.creds, project_id='f' * 32)})
    assert other_project.list(cluster_id=dws.cluster_id).status == 404
    mismatch = dws.call('GET', dws.sources_path(), extra_headers={'X-Project-Id': 'f' * 32})
    assert error_of(mismatch) == (400, 'DWS.0001')


def test_type_filter(sandbox, dws, creds):
    mrs_id = creds['dws']['mrs_cluster_ids'][0]
    sandbox.seed_dws(dws.project_id, dws.cluster_id, [
        {'name': 'obs_a', 'type': 'OBS', 'user_name': 'agency_a', 'connect_info': 'db'},
        {'name': 'mrs_a', 'type': 'MRS', 'user_name': 'mrs_user', 'data_source_id': mrs_id},
    ])
    obs = dws.list(ds_type='OBS').json
    assert (obs['type'], obs['count'], [item['name'] for item in obs['data_sources']]) == ('OBS', 1, ['obs_a'])
    assert [item['name'] for item in dws.list(ds_type='MRS').json['data_sources']] == ['mrs_a']
    assert dws.list().json['count'] == 2
    assert dws.list(ds_type='LAKE_FORMATION').json['count'] == 0
    assert error_of(dws.list(ds_type='obs')) == (400, 'DWS.0001')


def test_update_agency_applies_only_on_success(sandbox, dws):
    ds_id = create_active(dws)
    sandbox.settings(job_duration=0.4)
    result = dws.update(ds_id, {'reconfigure': {'reboot': False, 'agency': 'NewAgency'}})
    assert result.status == 200 and set(result.json) == {'job_id', 'data_source_id'} and result.json['data_source_id'] == ds_id
    during = dws.find(ds_id)
    assert (during['configure_status'], during['user_name']) == ('UPDATING', 'DWSAccessOBS')
    assert dws.wait_job(result.json['job_id'])['status'] == 'SUCCESS'
    after = dws.find(ds_id)
    assert (after['configure_status'], after['status'], after['user_name']) == ('ACTIVE', 'AVAILABLE', 'NewAgency')


def test_reboot_only_update_counts_a_reboot(sandbox, dws):
    ds_id = create_active(dws)
    assert dws.wait_job(dws.update(ds_id, {'reconfigure': {'reboot': True}}).json['job_id'])['status'] == 'SUCCESS'
    assert sandbox.state()['dws']['projects'][dws.project_id][dws.cluster_id]['reboots'] == 1


@pytest.mark.parametrize('body', [
    {'reconfigure': {}},
    {'reconfigure': {'user_name': 'NewAgency'}},
    {'reconfigure': {'agency': 'x'}},
    {'reconfigure': {'reboot': 'yes'}},
    {'reconfigure': {'agency': 'NewAgency'}, 'extra': 1},
    {'agency': 'NewAgency'},
    {'reconfigure': ['agency']},
])
def test_invalid_update_is_rejected(dws, body):
    ds_id = create_active(dws)
    assert error_of(dws.update(ds_id, body)) == (400, 'DWS.0001')
    assert dws.find(ds_id)['user_name'] == 'DWSAccessOBS'


def test_agency_on_mrs_source_is_rejected(dws, creds):
    ds_id = create_active(dws, mrs_body(creds['dws']['mrs_cluster_ids'][0]))
    assert error_of(dws.update(ds_id, {'reconfigure': {'agency': 'NewAgency'}})) == (400, 'DWS.0001')
    assert dws.update(ds_id, {'reconfigure': {'reboot': False}}).status == 200


def test_delete_removes_only_on_success(sandbox, dws):
    ds_id = create_active(dws)
    sandbox.settings(job_duration=0.4)
    result = dws.delete(ds_id)
    assert result.status == 200 and set(result.json) == {'job_id'}
    during = dws.find(ds_id)
    assert (during['configure_status'], during['status']) == ('DELETING', 'DELETING')
    assert dws.wait_job(result.json['job_id'])['status'] == 'SUCCESS'
    assert dws.find(ds_id) is None


def test_unknown_data_source_on_put_and_delete(dws):
    missing = '66666666-7777-8888-9999-000000000000'
    assert error_of(dws.delete(missing)) == (404, 'DWS.0015')
    assert error_of(dws.update(missing, {'reconfigure': {'reboot': False}})) == (404, 'DWS.0015')
    assert error_of(dws.delete('nope')) == (400, 'DWS.0001')


def test_writes_conflict_while_a_job_is_in_flight(sandbox, dws, creds):
    sandbox.settings(job_duration=0.4)
    first = dws.create(obs_body('first'))
    assert error_of(dws.create(obs_body('second'))) == (409, 'DWS.0011')
    assert error_of(dws.delete(first.json['id'])) == (409, 'DWS.0011')
    # Reads still work, and another cluster is independent.
    assert dws.list().status == 200
    assert dws.create(obs_body('other'), cluster_id=creds['dws']['cluster_ids'][1]).status == 200
    dws.wait_job(first.json['job_id'])
    assert dws.create(obs_body('second')).status == 200


def test_failed_create_job_leaves_failed_source(sandbox, dws):
    sandbox.inject('job_fail', failed_code='DWS.5555', failed_detail='agency has no OBS permission')
    created = dws.create(obs_body())
    job = dws.wait_job(created.json['job_id'])
    assert (job['status'], job['failed_code'], job['failed_detail']) == ('FAIL', 'DWS.5555', 'agency has no OBS permission')
    source = dws.find(created.json['id'])
    assert (source['configure_status'], source['status'], source['fail_reason']) == ('FAILED', 'CREATE_FAILED', 'agency has no OBS permission')
    # A failed source can be deleted.
    assert dws.wait_job(dws.delete(created.json['id']).json['job_id'])['status'] == 'SUCCESS'


@pytest.mark.parametrize('kind, status', [('job_fail', 'FAIL'), ('job_stop', 'STOP')])
def test_failed_update_and_delete_restore_old_values(sandbox, dws, kind, status):
    ds_id = create_active(dws)
    before = dws.find(ds_id)
    sandbox.inject(kind, count=2)
    assert dws.wait_job(dws.update(ds_id, {'reconfigure': {'agency': 'NewAgency'}}).json['job_id'])['status'] == status
    assert dws.find(ds_id) == before
    assert dws.wait_job(dws.delete(ds_id).json['job_id'])['status'] == status
    assert dws.find(ds_id) == before


def test_hanging_job_blocks_the_cluster(sandbox, dws):
    sandbox.inject('job_hang')
    created = dws.create(obs_body())
    for dummy in range(3):
        job = dws.job(created.json['job_id']).json
        assert job['status'] == 'RUNNING' and job['end_time'] == ''
    assert dws.find(created.json['id'])['configure_status'] == 'CREATING'
    assert error_of(dws.create(obs_body('another'))) == (409, 'DWS.0011')


def test_status_format_code(sandbox, dws):
    ds_id = create_active(dws)
    sandbox.settings(status_format='code')
    source = dws.find(ds_id)
    assert (source['configure_status'], source['status']) == ('200', '200')


def test_job_lookup_errors(dws):
    assert error_of(dws.job('0' * 32)) == (404, 'DWS.0015')
    assert error_of(dws.job('not-a-job')) == (400, 'DWS.0001')


def test_unknown_dws_route_is_gateway_404(dws):
    result = dws.call('GET', '/v1.0/%s/clusters' % dws.project_id)
    assert error_of(result) == (404, 'APIGW.0101') and result.json['request_id'] == result.headers['x-request-id']


def test_token_and_temporary_key_auth(dws, creds):
    assert DwsApi(dws.base_url, creds, auth='token').list().status == 200
    assert DwsApi(dws.base_url, creds, auth='temporary').list().status == 200


def auth_failure(result):
    assert result.status == 401
    body = result.json
    assert body['error_code'] == 'APIGW.0301' and body['request_id'] == result.headers['x-request-id']
    assert body['error_msg'].startswith('Incorrect IAM authentication information: ')
    return body['error_msg']


def test_auth_failures_are_distinguished(sandbox, dws, creds):
    path = dws.sources_path()
    headers = dws.headers_for('GET', path, b'')
    tampered = dict(headers, Authorization=headers['Authorization'][:-1] + ('0' if headers['Authorization'][-1] != '0' else '1'))
    stale_date = sdk_date(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20))
    unknown_ak = dict(headers, Authorization=headers['Authorization'].replace(creds['dws']['access_key'], 'UNKNOWNAK0000000000'))
    temp = DwsApi(dws.base_url, creds, auth='temporary').headers_for('GET', path, b'')
    without_token = {name: value for name, value in temp.items() if name != 'X-Security-Token'}
    messages = [
        auth_failure(http_call(dws.base_url, 'GET', path, headers=tampered)),
        auth_failure(dws.call('GET', path, date=stale_date)),
        auth_failure(http_call(dws.base_url, 'GET', path, headers=unknown_ak)),
        auth_failure(http_call(dws.base_url, 'GET', path, headers=without_token)),
        auth_failure(http_call(dws.base_url, 'GET', path, headers={'X-Auth-Token': 'wrong'})),
        auth_failure(http_call(dws.base_url, 'GET', path)),
    ]
    assert 'signature' in messages[0] and '15 minutes' in messages[1] and 'unknown access key' in messages[2]
    assert 'X-Security-Token' in messages[3] and 'X-Auth-Token' in messages[4]
    assert len(set(messages)) == len(messages)
    assert [entry['auth_ok'] for entry in sandbox.requests('dws')] == [False] * len(messages)
