"""LAKE_FORMATION data sources (issue 13): seeded, listed and deleted; created never."""

import pytest

from client import SandboxControlError
from fixture import run_sandbox
from sandbox_app import load_config
from sbx_api import DwsApi, obs_body

LAKE = {'name': 'lake_src', 'type': 'LAKE_FORMATION', 'description': 'catalog of the lake'}
OBS = {'name': 'obs_src', 'type': 'OBS', 'user_name': 'DWSAccessOBS', 'connect_info': 'db'}


def test_a_seeded_source_is_active_with_no_agency_or_mrs_fields(sandbox, dws):
    [lake] = sandbox.seed_dws(dws.project_id, dws.cluster_id, [dict(LAKE, connect_info='lf_instance_1')])
    assert {key: lake[key] for key in ('type', 'name', 'description', 'connect_info', 'user_name', 'data_source_id', 'version')} == {
        'type': 'LAKE_FORMATION', 'name': 'lake_src', 'description': 'catalog of the lake', 'connect_info': 'lf_instance_1',
        'user_name': '', 'data_source_id': '', 'version': ''}
    assert (lake['configure_status'], lake['status'], lake['fail_reason']) == ('ACTIVE', 'AVAILABLE', '')
    assert dws.find(lake['id']) == lake


def test_listed_by_its_type_and_without_type_only(sandbox, dws):
    lake, obs = sandbox.seed_dws(dws.project_id, dws.cluster_id, [LAKE, OBS])
    by_type = dws.list(ds_type='LAKE_FORMATION').json
    assert (by_type['type'], by_type['count'], by_type['data_sources']) == ('LAKE_FORMATION', 1, [lake])
    assert [item['id'] for item in dws.list().json['data_sources']] == [lake['id'], obs['id']]
    assert [item['id'] for item in dws.list(ds_type='OBS').json['data_sources']] == [obs['id']]
    assert dws.list(ds_type='MRS').json['count'] == 0


def test_deleted_with_a_job(sandbox, dws):
    sandbox.settings(job_duration=0.3)
    [lake] = sandbox.seed_dws(dws.project_id, dws.cluster_id, [LAKE])
    deleted = dws.delete(lake['id'])
    assert deleted.status == 200 and set(deleted.json) == {'job_id'}
    listed = dws.list(ds_type='LAKE_FORMATION').json['data_sources']
    assert [(item['configure_status'], item['status']) for item in listed] == [('DELETING', 'DELETING')]
    job = dws.wait_job(deleted.json['job_id'])
    assert (job['status'], job['job_name']) == ('SUCCESS', 'deleteExtDataSourceJob')
    assert dws.list(ds_type='LAKE_FORMATION').json['count'] == 0
    assert [(entry['op'], entry['write'], entry['status']) for entry in sandbox.writes('dws')] == [('dws.delete', True, 200)]


def test_a_stopped_delete_keeps_it(sandbox, dws):
    [lake] = sandbox.seed_dws(dws.project_id, dws.cluster_id, [LAKE])
    sandbox.inject('job_stop')
    assert dws.wait_job(dws.delete(lake['id']).json['job_id'])['status'] == 'STOP'
    assert dws.find(lake['id']) == lake


def test_creating_one_is_still_refused(sandbox, dws):
    refused = dws.create({'type': 'LAKE_FORMATION', 'data_source_name': 'lake_src', 'description': 'x'})
    assert (refused.status, refused.json['error_code']) == (400, 'DWS.0001') and 'LAKE_FORMATION' in refused.json['error_msg']
    assert dws.list().json['count'] == 0 and sandbox.state()['dws']['jobs'] == []


def test_an_agency_cannot_be_set_on_it(sandbox, dws):
    [lake] = sandbox.seed_dws(dws.project_id, dws.cluster_id, [LAKE])
    refused = dws.update(lake['id'], {'reconfigure': {'agency': 'SomeAgency'}})
    assert (refused.status, refused.json['error_code']) == (400, 'DWS.0001')
    assert dws.find(lake['id']) == lake


def test_status_codes_apply_to_it(sandbox, dws):
    sandbox.settings(status_format='code')
    [lake] = sandbox.seed_dws(dws.project_id, dws.cluster_id, [LAKE])
    assert (lake['configure_status'], lake['status']) == ('200', '200')


@pytest.mark.parametrize('item', [
    dict(LAKE, user_name='DWSAccessOBS'), dict(LAKE, data_source_id='aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'),
    dict(LAKE, user_pwd='Secret_123'), dict(LAKE, name='lake-src'), dict(LAKE, name=''), dict(LAKE, type='lake_formation'),
    dict(LAKE, type='HIVE'),
])
def test_invalid_seeds_are_refused_whole(sandbox, dws, item):
    with pytest.raises(SandboxControlError) as raised:
        sandbox.seed_dws(dws.project_id, dws.cluster_id, [OBS, item])
    assert raised.value.status == 400
    assert dws.list().json['count'] == 0


def test_the_config_seeds_it():
    config = load_config()
    project_id = next(iter(config['dws']['projects']))
    cluster_id = config['dws']['projects'][project_id]['clusters'][0]
    config['dws']['data_sources'] = [dict(LAKE, project_id=project_id, cluster_id=cluster_id, id='12345678-aaaa-bbbb-cccc-1234567890ab')]
    with run_sandbox(('--job-duration', '0'), config=config) as client:
        dws = DwsApi(client.base_url, client.credentials())
        [listed] = dws.list(ds_type='LAKE_FORMATION').json['data_sources']
        assert (listed['id'], listed['name'], listed['type']) == ('12345678-aaaa-bbbb-cccc-1234567890ab', 'lake_src', 'LAKE_FORMATION')
        assert dws.wait_job(dws.delete(listed['id']).json['job_id'])['status'] == 'SUCCESS'
        assert dws.create(obs_body()).status == 200 and dws.list(ds_type='LAKE_FORMATION').json['count'] == 0
        client.reset()
        assert [item['name'] for item in dws.list().json['data_sources']] == ['lake_src']
