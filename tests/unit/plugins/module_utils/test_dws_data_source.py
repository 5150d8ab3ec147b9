# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import pytest
import requests

from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source import (
    DwsExtDataSourceResource, gather, sanitize_data_source)
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import (
    ApiError, ConflictError, DsopsError, InputError, JobError)
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import ensure
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import HttpTransport

from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.dws_fake_api import AK, CLUSTER, MRS_CLUSTER, PROJECT, SK, FakeDws, transport_error
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

OBS_ID = '66666666-7777-8888-9999-000000000000'
MRS_ID = '77777777-7777-8888-9999-000000000000'
PASSWORD = 'Mrs_Secret_123'


def obs_source(**kw):
    item = {'id': OBS_ID, 'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb',
            'description': 'demo'}
    item.update(kw)
    return item


def mrs_source(**kw):
    item = {'id': MRS_ID, 'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user', 'data_source_id': MRS_CLUSTER,
            'description': ''}
    item.update(kw)
    return item


def params(**kw):
    base = {'access_key': AK, 'secret_key': SK, 'security_token': None, 'auth_token': None, 'project_id': PROJECT,
            'region': 'cn-north-4', 'endpoint': None, 'validate_certs': True, 'timeout': 30, 'retries': 3,
            'cluster_id': CLUSTER, 'state': 'present', 'name': None, 'id': None, 'type': None, 'agency': None,
            'connect_info': None, 'mrs_cluster_id': None, 'user_name': None, 'user_password': None,
            'description': None, 'reboot': False, 'recreate': False, 'wait': True, 'wait_timeout': 1800}
    base.update(kw)
    return base


def obs_params(**kw):
    values = dict(name='obs_src1', type='OBS', agency='DWSAccessOBS', connect_info='gaussdb', description='demo')
    values.update(kw)
    return params(**values)


def mrs_params(**kw):
    values = dict(name='mrs_src1', type='MRS', mrs_cluster_id=MRS_CLUSTER, user_name='mrs_user',
                  user_password=PASSWORD)
    values.update(kw)
    return params(**values)


def run(fake, p, check_mode=False, diff=False):
    sleeps = []
    client = build_client(p, transport=HttpTransport(session=fake), sleep=sleeps.append, clock=lambda: sum(sleeps))
    adapter = DwsExtDataSourceResource(client, p)
    return ensure(adapter, p['state'], check_mode=check_mode, want_diff=diff, allow_recreate=p['recreate'])


def methods(fake):
    return [(e['method'], e['path'].rsplit('/', 1)[-1] if e['method'] != 'GET' or '/job/' in e['path'] else 'list')
            for e in fake.log]


# ----- create ----------------------------------------------------------------------------------------------

def test_create_obs_posts_the_documented_body_waits_for_the_job_and_rereads():
    fake = FakeDws()
    result = run(fake, obs_params())
    assert result['changed'] is True
    post = fake.writes()[0]
    assert post['body'] == {'type': 'OBS', 'data_source_name': 'obs_src1', 'user_name': 'DWSAccessOBS',
                            'connect_info': 'gaussdb', 'description': 'demo'}
    assert result['job']['status'] == 'SUCCESS'
    assert result['ext_data_source']['configure_status'] == 'ACTIVE'
    assert result['ext_data_source']['user_name'] == 'DWSAccessOBS'
    assert all(e['auth_ok'] for e in fake.log)
    assert [e['method'] for e in fake.log] == ['GET', 'POST', 'GET', 'GET', 'GET']  # list, post, 2 polls, re-list


def test_create_mrs_sends_the_password_but_never_returns_it():
    fake = FakeDws()
    result = run(fake, mrs_params(), diff=True)
    assert fake.writes()[0]['body'] == {'type': 'MRS', 'data_source_name': 'mrs_src1', 'data_source_id': MRS_CLUSTER,
                                        'user_name': 'mrs_user', 'user_pwd': PASSWORD}
    assert result['changed'] is True
    assert PASSWORD not in repr(result)
    assert diff_of(result)['before'] == {}
    # in the module's option names: the MRS cluster is mrs_cluster_id, and the password never shows
    assert diff_of(result)['after'] == {'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
                                        'mrs_cluster_id': MRS_CLUSTER}


def test_reboot_is_sent_on_create_only_when_true():
    fake = FakeDws()
    run(fake, obs_params(reboot=True))
    assert fake.writes()[0]['body']['reboot'] is True


@pytest.mark.parametrize('missing, message', [
    (dict(agency=None), 'agency'), (dict(connect_info=None), 'connect_info'), (dict(name=None, id=None), 'name'),
])
def test_creating_obs_needs_its_fields(missing, message):
    fake = FakeDws()
    p = obs_params(**missing)
    if p['name'] is None:
        p['id'] = None
    with pytest.raises(InputError, match=message):
        run(fake, p)
    assert fake.writes() == []


def test_creating_mrs_needs_the_password():
    fake = FakeDws()
    with pytest.raises(InputError, match='required: user_password'):
        run(fake, mrs_params(user_password=None))
    assert fake.writes() == []


def test_creating_without_type_is_refused_after_looking_in_both_types():
    fake = FakeDws()
    with pytest.raises(InputError, match='type is required'):
        run(fake, obs_params(type=None))
    assert [e['query'] for e in fake.log] == ['type=OBS', 'type=MRS', 'type=LAKE_FORMATION']


# ----- idempotency and updates -----------------------------------------------------------------------------

def test_an_equal_source_is_one_list_request_and_no_write():
    fake = FakeDws([obs_source()])
    result = run(fake, obs_params())
    assert result['changed'] is False
    assert len(fake.log) == 1 and fake.log[0]['query'] == 'type=OBS'
    assert result['ext_data_source']['id'] == OBS_ID
    assert 'job' not in result


def test_an_equal_mrs_source_ignores_the_password():
    fake = FakeDws([mrs_source()])
    result = run(fake, mrs_params(user_password='a different one'))
    assert result['changed'] is False and fake.writes() == []


def test_statuses_sent_as_codes_are_understood():
    fake = FakeDws([obs_source()], status_format='code')
    result = run(fake, obs_params())
    assert result['changed'] is False
    assert result['ext_data_source']['configure_status'] == '200'  # returned as the API sent it
    fake = FakeDws(status_format='code')
    result = run(fake, obs_params())
    assert result['changed'] is True and result['ext_data_source']['configure_status'] == '200'


def test_an_agency_change_is_one_put_with_the_reconfigure_body():
    fake = FakeDws([obs_source()])
    result = run(fake, obs_params(agency='NewAgency'), diff=True)
    assert result['changed'] is True
    writes = fake.writes()
    assert len(writes) == 1 and writes[0]['method'] == 'PUT' and writes[0]['path'].endswith('/' + OBS_ID)
    assert writes[0]['body'] == {'reconfigure': {'reboot': False, 'agency': 'NewAgency'}}
    assert result['ext_data_source']['user_name'] == 'NewAgency'
    # the OBS agency is 'user_name' to the API and 'agency' to the user: the diff speaks the user's language
    assert diff_of(result) == {'before': {'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS',
                                          'connect_info': 'gaussdb', 'description': 'demo'},
                               'after': {'name': 'obs_src1', 'type': 'OBS', 'agency': 'NewAgency',
                                         'connect_info': 'gaussdb', 'description': 'demo'}}
    assert result['diff']['before_header'] == "DWS external data source 'obs_src1' (id %s)" % OBS_ID
    assert result['job']['status'] == 'SUCCESS'


def test_reboot_true_goes_with_an_agency_change():
    fake = FakeDws([obs_source()])
    run(fake, obs_params(agency='NewAgency', reboot=True))
    assert fake.writes()[0]['body'] == {'reconfigure': {'reboot': True, 'agency': 'NewAgency'}}


def test_reboot_alone_changes_nothing():
    fake = FakeDws([obs_source()])
    result = run(fake, obs_params(reboot=True))
    assert result['changed'] is False and fake.writes() == []


def test_only_given_options_are_compared():
    fake = FakeDws([obs_source(description='something else')])
    result = run(fake, params(name='obs_src1', type='OBS'))
    assert result['changed'] is False and len(fake.log) == 1


def test_found_by_id_without_type_stops_at_the_first_listing():
    fake = FakeDws([obs_source()])
    result = run(fake, params(id=OBS_ID, agency='DWSAccessOBS'))
    assert result['changed'] is False
    assert [e['query'] for e in fake.log] == ['type=OBS']


def test_found_by_name_without_type_lists_both_and_uses_the_found_type():
    fake = FakeDws([mrs_source()])
    result = run(fake, params(name='mrs_src1', user_name='mrs_user'))
    assert result['changed'] is False
    assert [e['query'] for e in fake.log] == ['type=OBS', 'type=MRS', 'type=LAKE_FORMATION']


def test_options_of_the_other_type_are_refused_once_the_type_is_known():
    fake = FakeDws([mrs_source()])
    with pytest.raises(InputError, match='agency .*only apply to OBS.* MRS'):
        run(fake, params(name='mrs_src1', agency='abcde'))
    assert fake.writes() == []


def test_the_same_name_in_both_types_is_ambiguous_without_type():
    fake = FakeDws([obs_source(name='twin'), mrs_source(name='twin')])
    with pytest.raises(DsopsError, match='2 data sources named .twin.'):
        run(fake, params(name='twin'))


def test_an_unknown_id_with_state_present_is_an_error():
    fake = FakeDws()
    with pytest.raises(InputError, match='No OBS data source with id'):
        run(fake, obs_params(id='99999999-0000-0000-0000-000000000000'))
    assert fake.writes() == []


def test_a_source_whose_creation_failed_is_reported():
    fake = FakeDws([obs_source(configure_status='FAILED', status='CREATE_FAILED', fail_reason='no agency')])
    with pytest.raises(DsopsError, match='creation failed .*no agency.*state=absent'):
        run(fake, obs_params())


# ----- check mode ------------------------------------------------------------------------------------------

def test_check_mode_create_predicts_and_only_lists():
    fake = FakeDws()
    result = run(fake, mrs_params(), check_mode=True, diff=True)
    assert result['changed'] is True
    assert [e['method'] for e in fake.log] == ['GET']
    assert result['ext_data_source'] == {'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
                                         'data_source_id': MRS_CLUSTER}
    assert 'job' not in result


def test_check_mode_update_predicts_the_new_agency_without_writing():
    fake = FakeDws([obs_source()])
    result = run(fake, obs_params(agency='NewAgency'), check_mode=True)
    assert result['changed'] is True and fake.writes() == []
    assert result['ext_data_source']['user_name'] == 'NewAgency'
    assert fake.sources[OBS_ID]['user_name'] == 'DWSAccessOBS'


def test_check_mode_delete_writes_nothing():
    fake = FakeDws([obs_source()])
    result = run(fake, obs_params(state='absent'), check_mode=True)
    assert result['changed'] is True and fake.writes() == [] and result['ext_data_source'] == {}


def test_check_mode_still_validates_a_create():
    fake = FakeDws()
    with pytest.raises(InputError, match='user_password'):
        run(fake, mrs_params(user_password=None), check_mode=True)


# ----- create-only conflicts and recreate ------------------------------------------------------------------

def test_a_create_only_difference_fails_naming_each_field_and_writes_nothing():
    fake = FakeDws([obs_source()])
    with pytest.raises(ConflictError) as info:
        run(fake, obs_params(connect_info='analytics', description='other'))
    text = str(info.value)
    assert "connect_info: current 'gaussdb', desired 'analytics'" in text
    assert "description: current 'demo', desired 'other'" in text
    assert 'recreate=true' in text
    assert info.value.conflicts['connect_info'] == {'current': 'gaussdb', 'desired': 'analytics'}
    assert fake.writes() == []


def test_mrs_user_name_is_create_only():
    fake = FakeDws([mrs_source()])
    with pytest.raises(ConflictError, match="user_name: current 'mrs_user', desired 'other_user'"):
        run(fake, mrs_params(user_name='other_user'))
    assert fake.writes() == []


def test_recreate_deletes_waits_and_creates_with_the_desired_values():
    fake = FakeDws([obs_source()])
    result = run(fake, obs_params(connect_info='analytics', agency='NewAgency', recreate=True), diff=True)
    assert result['changed'] is True
    writes = fake.writes()
    assert [w['method'] for w in writes] == ['DELETE', 'POST']
    assert writes[1]['body'] == {'type': 'OBS', 'data_source_name': 'obs_src1', 'user_name': 'NewAgency',
                                 'connect_info': 'analytics', 'description': 'demo'}
    # the POST came after the delete job finished
    post_index = fake.log.index(writes[1])
    assert fake.calls(kind='job') and fake.log[post_index - 1]['path'].find('/job/') > 0
    assert result['ext_data_source']['connect_info'] == 'analytics'
    assert result['ext_data_source']['id'] != OBS_ID
    assert diff_of(result)['before']['connect_info'] == 'gaussdb'
    assert diff_of(result)['after']['connect_info'] == 'analytics'
    # the before header names the deleted source, the after header the new one; the text says it was re-created
    new_id = result['ext_data_source']['id']
    assert result['diff']['before_header'] == "DWS external data source 'obs_src1' (id %s)" % OBS_ID
    assert result['diff']['after_header'] == "DWS external data source 'obs_src1' (id %s)" % new_id
    assert result['diff']['after'].endswith('\n# deleted and created again (recreate)\n')


def test_recreate_waits_for_the_delete_even_with_wait_false():
    fake = FakeDws([obs_source()])
    result = run(fake, obs_params(connect_info='analytics', recreate=True, wait=False))
    assert [w['method'] for w in fake.writes()] == ['DELETE', 'POST']
    assert result['job'] == {'job_id': list(fake.jobs)[-1]}  # the create job, not waited for


def test_recreate_of_mrs_needs_the_password_before_deleting():
    fake = FakeDws([mrs_source()])
    with pytest.raises(InputError, match='user_password'):
        run(fake, mrs_params(description='new', user_password=None, recreate=True))
    assert fake.writes() == []


def test_recreate_of_mrs_carries_the_password():
    fake = FakeDws([mrs_source()])
    run(fake, mrs_params(description='new', recreate=True))
    assert fake.writes()[1]['body']['user_pwd'] == PASSWORD


# ----- delete ----------------------------------------------------------------------------------------------

def test_absent_deletes_and_waits_then_absent_again_is_unchanged():
    fake = FakeDws([obs_source()])
    result = run(fake, params(name='obs_src1', type='OBS', state='absent'), diff=True)
    assert result['changed'] is True and result['ext_data_source'] == {}
    assert [w['method'] for w in fake.writes()] == ['DELETE']
    assert result['job']['status'] == 'SUCCESS'
    assert diff_of(result)['after'] == {} and diff_of(result)['before']['name'] == 'obs_src1'
    assert fake.sources == {}
    again = run(fake, params(name='obs_src1', type='OBS', state='absent'))
    assert again['changed'] is False and len(fake.writes()) == 1


def test_a_source_gone_between_read_and_delete_is_absent_and_unchanged():
    fake = FakeDws([obs_source()])

    fake.inject('DELETE', None, status=403, body={'error_code': 'DWS.0015', 'error_msg': 'not found'},
                effect=fake.sources.clear)  # removed by someone else
    result = run(fake, params(id=OBS_ID, type='OBS', state='absent'), diff=True)
    assert result['changed'] is False and result['ext_data_source'] == {} and 'job' not in result
    assert diff_of(result)['before'] == diff_of(result)['after']


def test_not_found_after_an_ambiguous_delete_counts_as_this_runs_delete():
    """The first DELETE was carried out but its answer lost; the listing still showed the source (lag)."""
    fake = FakeDws([obs_source()])
    fake.inject('DELETE', None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'})
    fake.inject('DELETE', None, status=404, body={'error_code': 'DWS.0015', 'error_msg': 'not found'},
                effect=fake.sources.clear)
    result = run(fake, params(id=OBS_ID, type='OBS', state='absent'))
    assert result['changed'] is True and [w['method'] for w in fake.writes()] == ['DELETE', 'DELETE']


def test_recreate_reports_the_create_even_when_the_delete_found_nothing():
    fake = FakeDws([obs_source()])
    fake.inject('DELETE', None, status=403, body={'error_code': 'DWS.0015', 'error_msg': 'not found'},
                effect=fake.sources.clear)
    result = run(fake, obs_params(connect_info='analytics', recreate=True), diff=True)
    assert result['changed'] is True and [w['method'] for w in fake.writes()] == ['DELETE', 'POST']
    assert diff_of(result)['after']['connect_info'] == 'analytics'


def test_a_trailing_line_break_is_no_valid_name_or_id():
    with pytest.raises(InputError, match='is not valid'):
        run(FakeDws(), obs_params(name='obs_src1\n'))
    with pytest.raises(InputError, match='is not valid'):
        run(FakeDws(), params(id=OBS_ID + '\n', type='OBS', state='absent'))


def test_dws_0015_on_a_delete_of_a_source_still_listed_is_a_permission_failure():
    """DWS.0015 is 'not found or no permission': it must not pass for a done delete."""
    fake = FakeDws([obs_source()])
    fake.inject('DELETE', None, status=403, body={'error_code': 'DWS.0015', 'error_msg': 'no permission'})
    with pytest.raises(DsopsError, match='still listed.*nothing was deleted') as failure:
        run(fake, params(id=OBS_ID, type='OBS', state='absent'))
    assert 'IAM' in failure.value.hint
    assert OBS_ID in fake.sources


def test_absent_by_id_refuses_when_the_name_does_not_match():
    fake = FakeDws([obs_source()])
    with pytest.raises(InputError, match="named 'obs_src1', not 'other'; nothing was deleted"):
        run(fake, params(id=OBS_ID, name='other', type='OBS', state='absent'))
    assert fake.writes() == [] and OBS_ID in fake.sources


def test_deleted_entries_in_the_listing_count_as_absent():
    fake = FakeDws([obs_source(configure_status='400', status='400')])
    assert run(fake, params(name='obs_src1', type='OBS', state='absent'))['changed'] is False


# ----- jobs ------------------------------------------------------------------------------------------------

def test_wait_false_returns_the_job_id_at_once():
    fake = FakeDws()
    result = run(fake, obs_params(wait=False))
    assert result['changed'] is True
    job_id = list(fake.jobs)[0]
    assert result['job'] == {'job_id': job_id}
    assert fake.calls(kind='job') == []
    assert result['ext_data_source']['id'] == fake.by_name('obs_src1')[0]['id']


def test_a_failed_job_fails_with_its_details():
    fake = FakeDws([obs_source()])
    fake.job_outcome, fake.job_failed = 'FAIL', ('DWS.5555', 'agency missing')
    with pytest.raises(JobError) as info:
        run(fake, obs_params(agency='NewAgency'))
    assert 'DWS.5555' in str(info.value) and 'agency missing' in str(info.value)
    assert info.value.fail_kwargs()['job']['job_id'] == list(fake.jobs)[0]


def test_a_hanging_job_times_out_with_its_id():
    fake = FakeDws(job_polls=10 ** 6)
    with pytest.raises(JobError) as info:
        run(fake, obs_params(wait_timeout=5))
    assert list(fake.jobs)[0] in str(info.value) and 'RUNNING' in str(info.value)


# ----- ambiguous writes ------------------------------------------------------------------------------------

def test_a_503_on_create_is_never_sent_again_and_fails_saying_it_may_still_land():
    fake = FakeDws()
    fake.inject('POST', None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'unavailable'})
    with pytest.raises(DsopsError) as info:
        run(fake, obs_params())
    assert [w['method'] for w in fake.writes()] == ['POST']
    assert len([e for e in fake.log if e['method'] == 'GET']) > 2  # the name was looked up over the settle window
    failure = info.value.fail_kwargs()
    assert failure['changed'] is True and failure['written'] == {'outcome': 'unknown'}
    assert "create of DWS external data source 'obs_src1'" in failure['msg'] and 'adopts it' in failure['msg']


def test_a_lost_create_response_is_not_repeated_and_the_source_is_awaited():
    fake = FakeDws()
    fake.inject('POST', None, exc=transport_error(), apply=True)
    fake.settle_on_list = True
    result = run(fake, obs_params())
    assert [w['method'] for w in fake.writes()] == ['POST']
    assert len(fake.by_name('obs_src1')) == 1
    # no job id: the listing is polled until the source leaves CREATING
    assert fake.calls(kind='job') == []
    assert result['changed'] is True and 'job' not in result
    assert result['ext_data_source']['configure_status'] == 'ACTIVE'


def test_a_lost_put_response_that_took_effect_is_not_repeated():
    fake = FakeDws([obs_source()])
    fake.job_polls = 0
    fake.settle_on_list = True
    fake.inject('PUT', None, status=502, body={'error_code': 'DWS.9999', 'error_msg': 'bad gateway'}, apply=True)
    result = run(fake, obs_params(agency='NewAgency'))
    assert [w['method'] for w in fake.writes()] == ['PUT']
    assert result['changed'] is True
    assert result['ext_data_source']['user_name'] == 'NewAgency'


def test_a_lost_put_response_that_did_not_take_effect_is_repeated():
    fake = FakeDws([obs_source()])
    fake.inject('PUT', None, status=504, body={'error_code': 'DWS.9999', 'error_msg': 'gateway timeout'})
    result = run(fake, obs_params(agency='NewAgency'))
    assert [w['method'] for w in fake.writes()] == ['PUT', 'PUT']
    assert result['ext_data_source']['user_name'] == 'NewAgency'


def test_a_lost_delete_response_is_not_repeated_when_the_source_is_deleting():
    fake = FakeDws([obs_source()])
    fake.inject('DELETE', None, exc=transport_error(), apply=True)
    with pytest.raises(JobError, match='did not settle'):
        run(fake, params(name='obs_src1', type='OBS', state='absent', wait_timeout=3))
    assert [w['method'] for w in fake.writes()] == ['DELETE']


def test_a_lost_delete_response_is_repeated_when_the_source_is_still_there():
    fake = FakeDws([obs_source()])
    fake.inject('DELETE', None, exc=transport_error())
    result = run(fake, params(name='obs_src1', type='OBS', state='absent'))
    assert [w['method'] for w in fake.writes()] == ['DELETE', 'DELETE']
    assert result['changed'] is True and fake.sources == {}


BUSY_REFUSALS = [(409, 'DWS.0011', 'busy'), (403, 'DWS.7023', 'Cluster status is not allowed to operation')]


@pytest.mark.parametrize('status, code, message', BUSY_REFUSALS)
def test_a_busy_refusal_of_a_put_once_is_retried(status, code, message):
    fake = FakeDws([obs_source()])
    fake.inject('PUT', None, status=status, body={'error_code': code, 'error_msg': message})
    result = run(fake, obs_params(agency='NewAgency'))
    assert result['changed'] is True
    assert [w['method'] for w in fake.writes()] == ['PUT', 'PUT']
    assert fake.sources[OBS_ID]['user_name'] == 'NewAgency'


@pytest.mark.parametrize('status, code, message', BUSY_REFUSALS)
def test_a_busy_refusal_of_a_create_or_delete_is_retried_with_one_write_taking_effect(status, code, message):
    fake = FakeDws()
    fake.inject('POST', None, status=status, body={'error_code': code, 'error_msg': message})
    run(fake, obs_params())
    fake.inject('DELETE', None, status=status, body={'error_code': code, 'error_msg': message})
    result = run(fake, obs_params(state='absent'))
    assert [w['method'] for w in fake.writes()] == ['POST', 'POST', 'DELETE', 'DELETE']
    assert [e['status'] for e in fake.writes()] == [status, 200, status, 200]
    assert result['changed'] is True and fake.sources == {}


def test_a_cluster_that_stays_busy_fails_naming_the_code_and_the_hint():
    fake = FakeDws([obs_source()])
    fake.inject('DELETE', None, count=10, status=403,
                body={'error_code': 'DWS.7023', 'error_msg': 'Cluster status is not allowed to operation'})
    with pytest.raises(ApiError, match='DWS.7023.*not allowed.*busy'):
        run(fake, obs_params(state='absent', retries=2))
    assert len(fake.writes()) == 3


def test_an_auth_failure_makes_no_write():
    fake = FakeDws()
    with pytest.raises(ApiError, match='APIGW.0301'):
        run(fake, obs_params(secret_key='not-the-secret'))
    assert fake.writes() == []


# ----- input validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize('override, message', [
    (dict(name='bad-name'), 'name .* is not valid'),
    (dict(name='x' * 65), 'name .* is not valid'),
    (dict(agency='ab'), 'agency .* 3 to 20'),
    (dict(agency='a' * 21), 'agency .* 3 to 20'),
    (dict(description='a=b'), 'must not contain'),
    (dict(description='x' * 257), 'at most 256'),
    (dict(user_name='mrs_user'), 'user_name only apply to MRS'),
    (dict(wait_timeout=0), 'wait_timeout'),
    (dict(cluster_id=' '), 'cluster_id must not be empty'),
    (dict(endpoint=None, region=None), 'region'),
    (dict(retries=-1), 'retries'),
    (dict(timeout=0), 'timeout'),
    (dict(access_key=None), 'together'),
    (dict(auth_token='tok'), 'not both'),
])
def test_bad_input_fails_before_any_request(override, message):
    fake = FakeDws()
    with pytest.raises(InputError, match=message):
        run(fake, obs_params(**override))
    assert fake.log == []


def test_sanitize_removes_passwords():
    assert sanitize_data_source({'name': 'a', 'user_pwd': 'x', 'password': 'y'}) == {'name': 'a'}
    assert sanitize_data_source(None) == {}


# ----- info --------------------------------------------------------------------------------------------------

def info(fake, **kw):
    p = params(**kw)
    client = build_client(p, transport=HttpTransport(session=fake))
    return {'changed': False, 'ext_data_sources': gather(client, p)}  # what dws_ext_data_source_info returns


def test_info_lists_both_types_without_type():
    fake = FakeDws([obs_source(), mrs_source()])
    result = info(fake)
    assert result['changed'] is False
    assert sorted(s['name'] for s in result['ext_data_sources']) == ['mrs_src1', 'obs_src1']
    assert [e['query'] for e in fake.log] == ['type=OBS', 'type=MRS', 'type=LAKE_FORMATION']


def test_info_with_type_and_name_is_one_request():
    fake = FakeDws([obs_source(), obs_source(id='x2', name='other')])
    result = info(fake, type='OBS', name='other')
    assert [s['id'] for s in result['ext_data_sources']] == ['x2']
    assert len(fake.log) == 1 and fake.writes() == []


def test_info_by_id_and_name_must_match_both():
    fake = FakeDws([obs_source()])
    assert info(fake, id=OBS_ID, name='nope')['ext_data_sources'] == []
    assert len(info(fake, id=OBS_ID.upper())['ext_data_sources']) == 1


# ----- issue 10 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('override, words', [
    (dict(wait_timeout=0), 'wait_timeout must be between 1 and 86400 seconds; got 0.'),
    (dict(wait_timeout=86401), 'wait_timeout must be between 1 and 86400 seconds; got 86401.'),
    (dict(timeout=0), 'timeout must be between 1 and 3600 seconds; got 0.'),
    (dict(timeout=3601), 'timeout must be between 1 and 3600 seconds; got 3601.'),
    (dict(timeout=9200000000), 'timeout must be between 1 and 3600 seconds; got 9200000000.'),
    (dict(retries=-1), 'retries must be between 0 and 100; got -1.'),
    (dict(retries=101), 'retries must be between 0 and 100; got 101.'),
])
def test_out_of_range_numbers_fail_clearly_before_any_request(override, words):
    fake = FakeDws()
    with pytest.raises(InputError) as failure:
        run(fake, obs_params(**override))
    assert str(failure.value) == words
    assert fake.log == []


def test_build_client_refuses_a_huge_timeout_before_building_a_transport():
    with pytest.raises(InputError, match='timeout must be between 1 and 3600 seconds'):
        build_client(obs_params(timeout=9200000000))


def test_the_bounds_themselves_are_accepted():
    fake = FakeDws([obs_source()])
    assert run(fake, obs_params(wait_timeout=86400, timeout=3600, retries=100))['changed'] is False


def test_an_endpoint_with_user_info_is_refused_before_any_request():
    fake = FakeDws()
    with pytest.raises(InputError) as failure:
        run(fake, obs_params(endpoint='https://dwsadmin:hunter22@dws.cn-north-4.myhuaweicloud.com'))
    assert str(failure.value).startswith('endpoint ') and 'hunter22' not in str(failure.value)
    assert fake.log == []


@pytest.mark.parametrize('recreate', [False, True])
def test_a_listed_source_with_an_empty_type_is_neither_a_conflict_nor_a_recreate(recreate):
    fake = FakeDws([obs_source()])
    fake.type_reported = False
    result = run(fake, obs_params(recreate=recreate), diff=True)
    assert result['changed'] is False and fake.writes() == []
    assert result['ext_data_source']['type'] == 'OBS'
    assert diff_of(result)['before'] == diff_of(result)['after']


def test_a_listing_answered_200_without_data_sources_is_no_empty_cluster():
    """Read as empty, it would make absent a no-op and present a duplicate create."""
    for state in ('present', 'absent'):
        fake = FakeDws([obs_source()])
        fake.inject('GET', None, status=200, body={'error_code': 'DWS.0001', 'error_msg': 'x'})
        with pytest.raises(ApiError, match='data_sources'):
            run(fake, obs_params(state=state))
        assert fake.writes() == []


def test_an_unknown_job_status_is_waited_out_and_warned_about():
    fake = FakeDws()
    fake.job_statuses = ['QUEUED', 'SUCCESS']
    result = run(fake, obs_params())
    assert result['changed'] is True and result['job']['status'] == 'SUCCESS'
    assert len(result['warnings']) == 1 and "'QUEUED'" in result['warnings'][0]


def test_a_canceled_job_fails_at_its_first_poll():
    fake = FakeDws([obs_source()], job_polls=0)
    fake.job_outcome = 'CANCELED'
    with pytest.raises(JobError, match='ended with status CANCELED') as failure:
        run(fake, obs_params(agency='NewAgency'))
    assert len(fake.calls(kind='job')) == 1
    assert failure.value.fail_kwargs()['changed'] is True  # the PUT was accepted


# ----- update: another actor, lost answers with reboot (point 1) -----------------------------------------------

def busy_with_the_same_change(fake):
    """DWS.0011 because another run is applying this very agency (it is applied by the time we look)."""
    fake.inject('PUT', None, status=409, body={'error_code': 'DWS.0011', 'error_msg': 'in progress'},
                effect=lambda: fake.sources[OBS_ID].update(user_name='NewAgency'))


@pytest.mark.parametrize('reboot', [False, True])
def test_a_busy_put_while_another_run_applies_the_same_agency_is_not_sent_again(reboot):
    fake = FakeDws([obs_source()])
    busy_with_the_same_change(fake)
    result = run(fake, obs_params(agency='NewAgency', reboot=reboot))
    assert [w['method'] for w in fake.writes()] == ['PUT']
    assert result['changed'] is False and result['ext_data_source']['user_name'] == 'NewAgency'
    assert fake.log[-1]['method'] == 'GET' and fake.log[-1]['path'].endswith('ext-data-sources')  # re-read


def test_a_busy_put_whose_source_still_differs_after_the_other_run_is_sent_again():
    fake = FakeDws([obs_source()])
    fake.inject('PUT', None, status=409, body={'error_code': 'DWS.0011', 'error_msg': 'in progress'},
                effect=lambda: fake.sources[OBS_ID].update(user_name='ThirdAgency'))
    result = run(fake, obs_params(agency='NewAgency'))
    assert [w['method'] for w in fake.writes()] == ['PUT', 'PUT'] and result['changed'] is True
    assert fake.sources[OBS_ID]['user_name'] == 'NewAgency'


def land_on_the_second_look(fake):
    """The backend applies the PUT a while after its gateway gave up: the first re-read misses it."""
    original, lists = fake._list, []

    def listing(ds_type):
        lists.append(1)
        if len(lists) == 3:  # 1: find, 2: first look after the lost answer, 3: second look
            fake.sources[OBS_ID].update(user_name='NewAgency')
        return original(ds_type)
    fake._list = listing


@pytest.mark.parametrize('lost', ['503 applied, UPDATING', 'timeout applied, UPDATING', 'timeout, lands late'])
def test_an_ambiguous_reboot_put_that_took_is_never_sent_again(lost):
    fake = FakeDws([obs_source()])
    fake.settle_on_list = True
    fake.job_polls = 1  # the first look finds the source UPDATING, still with its old agency
    if lost.startswith('503'):
        fake.inject('PUT', None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'}, apply=True)
    elif lost.endswith('UPDATING'):
        fake.inject('PUT', None, exc=requests.exceptions.ReadTimeout('read timed out'), apply=True)
    else:
        fake.inject('PUT', None, exc=requests.exceptions.ReadTimeout('read timed out'))
        land_on_the_second_look(fake)
    result = run(fake, obs_params(agency='NewAgency', reboot=True))
    assert [w['method'] for w in fake.writes()] == ['PUT']  # a cluster reboots once
    assert fake.writes()[0]['body'] == {'reconfigure': {'reboot': True, 'agency': 'NewAgency'}}
    assert result['changed'] is True
    assert result['ext_data_source']['user_name'] == 'NewAgency'
    assert result['ext_data_source']['configure_status'] == 'ACTIVE'  # waited until it settled


def test_an_ambiguous_reboot_put_that_never_shows_fails_as_unconfirmed_and_is_not_sent_again():
    fake = FakeDws([obs_source()])
    fake.inject('PUT', None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'})
    with pytest.raises(DsopsError) as failure:
        run(fake, obs_params(agency='NewAgency', reboot=True))
    assert [w['method'] for w in fake.writes()] == ['PUT']
    looks = [e for e in fake.log[fake.log.index(fake.writes()[0]):] if e['method'] == 'GET']
    assert len(looks) > 2  # looked again and again over the settle window
    result = failure.value.fail_kwargs()
    assert result['changed'] is True and result['written'] == {'outcome': 'unknown'}
    assert 'may have been carried out' in result['msg'] and 'DWS.0005' in result['msg']
    assert 'reboot true' in result['msg'] and 'never sent twice' in result['msg']
    assert fake.sources[OBS_ID]['user_name'] == 'DWSAccessOBS'


# ----- a failure after a write (point 3) -----------------------------------------------------------------------

def test_a_job_poll_answering_404_after_an_accepted_create_reports_changed_and_what_was_written():
    fake = FakeDws()
    fake.inject('GET', '/job/', count=10, status=404, body={'error_code': 'DWS.0015', 'error_msg': 'no such job'})
    with pytest.raises(ApiError, match='DWS.0015') as failure:
        run(fake, obs_params())
    created = fake.by_name('obs_src1')[0]
    result = failure.value.fail_kwargs()
    assert result['changed'] is True
    assert result['written'] == {'id': created['id'], 'job_id': list(fake.jobs)[0]}
    assert [w['method'] for w in fake.writes()] == ['POST']


def test_a_refused_create_after_the_recreate_deleted_reports_the_delete():
    fake = FakeDws([obs_source()])
    fake.inject('POST', None, status=400, body={'error_code': 'DWS.0001', 'error_msg': 'bad connect_info'})
    with pytest.raises(ApiError, match='DWS.0001') as failure:
        run(fake, obs_params(connect_info='analytics', recreate=True))
    result = failure.value.fail_kwargs()
    assert result['changed'] is True and result['written'] == {'deleted': OBS_ID}
    assert fake.sources == {}


def test_a_failure_before_any_write_is_not_changed():
    fake = FakeDws([obs_source()])
    fake.inject('PUT', None, status=400, body={'error_code': 'DWS.0001', 'error_msg': 'bad agency'})
    with pytest.raises(ApiError) as failure:
        run(fake, obs_params(agency='NewAgency'))
    assert 'changed' not in failure.value.fail_kwargs()


# ----- update_password (point 17) ------------------------------------------------------------------------------

NEW_PASSWORD = 'Rotated_Secret_456'


def test_on_create_never_sends_a_password_to_an_existing_source_and_warns_once():
    fake = FakeDws([mrs_source()])
    result = run(fake, mrs_params(user_password=NEW_PASSWORD, update_password='on_create'))
    assert result['changed'] is False and fake.writes() == []
    assert len(result['warnings']) == 1
    warning = result['warnings'][0]
    assert 'mrs_src1' in warning and 'update_password=always' in warning and 'recreate=true' in warning
    assert NEW_PASSWORD not in repr(result)


def test_on_create_is_the_default_and_a_new_source_gets_the_password_without_a_warning():
    fake = FakeDws()
    result = run(fake, mrs_params(user_password=NEW_PASSWORD))
    assert fake.writes()[0]['body']['user_pwd'] == NEW_PASSWORD
    assert 'warnings' not in result


def test_always_without_recreate_is_refused_before_any_request():
    fake = FakeDws([mrs_source()])
    with pytest.raises(InputError, match='update_password=always .*recreate=true'):
        run(fake, mrs_params(user_password=NEW_PASSWORD, update_password='always'))
    assert fake.log == []


def test_always_with_recreate_recreates_the_mrs_source_with_the_password_on_every_run():
    fake = FakeDws([mrs_source()])
    p = mrs_params(user_password=NEW_PASSWORD, update_password='always', recreate=True)
    for run_number in (1, 2):
        result = run(fake, p)
        assert result['changed'] is True and 'warnings' not in result
        writes = fake.writes()
        assert [w['method'] for w in writes] == ['DELETE', 'POST'] * run_number
        assert writes[-1]['body'] == {'type': 'MRS', 'data_source_name': 'mrs_src1', 'data_source_id': MRS_CLUSTER,
                                      'user_name': 'mrs_user', 'user_pwd': NEW_PASSWORD}
        assert len(fake.by_name('mrs_src1')) == 1 and NEW_PASSWORD not in repr(result)


def test_always_leaves_an_obs_source_alone():
    fake = FakeDws([obs_source()])
    result = run(fake, obs_params(update_password='always', recreate=True))
    assert result['changed'] is False and fake.writes() == []


def failing_look_after(fake, method):
    """The write is carried out but its answer lost (503); the look that follows is refused (403)."""
    fake.inject(method, None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'}, apply=True,
                effect=lambda: fake.inject('GET', None, status=403,
                                           body={'error_code': 'DWS.0020', 'error_msg': 'restricted'}))


@pytest.mark.parametrize('write', ['create', 'reboot PUT'])
def test_a_look_that_fails_after_an_ambiguous_write_still_reports_changed(write):
    if write == 'create':
        fake, p = FakeDws(), obs_params()
        failing_look_after(fake, 'POST')
    else:
        fake, p = FakeDws([obs_source()]), obs_params(agency='NewAgency', reboot=True)
        failing_look_after(fake, 'PUT')
    with pytest.raises(ApiError, match='DWS.0020') as failure:
        run(fake, p)
    assert len(fake.writes()) == 1 and fake.jobs  # the write was carried out
    assert failure.value.fail_kwargs().get('changed') is True


def test_a_put_whose_answer_was_lost_then_refused_busy_still_counts_as_written():
    """The first PUT's answer is lost and the look misses it; the repeat meets DWS.0011 because that PUT did land."""
    fake = FakeDws([obs_source()])
    fake.inject('PUT', None, status=502, body={'error_code': 'DWS.0005', 'error_msg': 'bad gateway'})
    fake.inject('PUT', None, status=409, body={'error_code': 'DWS.0011', 'error_msg': 'in progress'},
                effect=lambda: fake.sources[OBS_ID].update(user_name='NewAgency'))
    result = run(fake, obs_params(agency='NewAgency'))
    assert [w['method'] for w in fake.writes()] == ['PUT', 'PUT']
    assert result['changed'] is True and result['ext_data_source']['user_name'] == 'NewAgency'


@pytest.mark.parametrize('configure_status, status, names', [
    ('200', '200', ('ACTIVE', 'AVAILABLE')),
    ('ACTIVE', 'AVAILABLE', ('ACTIVE', 'AVAILABLE')),
    ('600', '303', ('PENDING_REBOOT', 'CREATE_FAILED')),
    ('401', '304', ('DELETING', 'DELETING')),
])
def test_returned_sources_name_their_status_codes_and_keep_the_api_fields(configure_status, status, names):
    clean = sanitize_data_source(obs_source(configure_status=configure_status, status=status, user_pwd='x'))
    assert (clean['configure_status'], clean['status']) == (configure_status, status)
    assert (clean['configure_status_name'], clean['status_name']) == names
    assert 'user_pwd' not in clean


# ----- LAKE_FORMATION: listed, found and deleted, never created (reference 11.5) --------------------------------

def lake_source(**kw):
    item = {'id': '88888888-7777-8888-9999-000000000000', 'name': 'lake_src1', 'type': 'LAKE_FORMATION',
            'description': 'catalog'}
    item.update(kw)
    return item


def test_a_lake_formation_source_is_found_without_type_and_deleted():
    fake = FakeDws([lake_source()])
    result = run(fake, params(name='lake_src1', state='absent'))
    assert result['changed'] is True and fake.sources == {}
    assert [w['method'] for w in fake.writes()] == ['DELETE']


def test_creating_a_lake_formation_source_is_refused_before_any_write():
    fake = FakeDws()
    with pytest.raises(InputError, match='LAKE_FORMATION data source .lake_src1. cannot be created.*not documented'):
        run(fake, params(name='lake_src1', type='LAKE_FORMATION'))
    assert fake.writes() == []


def test_an_existing_lake_formation_source_is_left_as_it_is_and_refuses_other_types_options():
    fake = FakeDws([lake_source()])
    result = run(fake, params(name='lake_src1', type='LAKE_FORMATION', description='catalog'))
    assert result['changed'] is False and fake.writes() == []
    with pytest.raises(InputError, match='agency, connect_info only apply to OBS data sources, but this one is '
                                         'LAKE_FORMATION'):
        run(fake, params(name='lake_src1', agency='abcde', connect_info='db'))
