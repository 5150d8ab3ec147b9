# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end in-process: argument spec, env fallbacks, masking, exit/fail.

HTTP is faked at the transport boundary (``requests.Session``); everything else is real.
"""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dsops.cloud.plugins.module_utils.core import transport
from ansible_collections.dsops.cloud.plugins.modules import dws_ext_data_source

from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.dws_fake_api import (
    AK, AUTH_TOKEN, CLUSTER, MRS_CLUSTER, PROJECT, SECURITY_TOKEN, SK, FakeDws)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

OBS_ID = '66666666-7777-8888-9999-000000000000'
PASSWORD = 'Mrs_Secret_123'
ENV = {'HW_ACCESS_KEY': AK, 'HW_SECRET_KEY': SK, 'HW_PROJECT_ID': PROJECT,
       'HW_DWS_ENDPOINT': 'https://dws.example.test'}
CLEARED = ('HW_ACCESS_KEY', 'HUAWEICLOUD_SDK_AK', 'HW_SECRET_KEY', 'HUAWEICLOUD_SDK_SK', 'HW_SECURITY_TOKEN',
           'HW_AUTH_TOKEN', 'HW_PROJECT_ID', 'HW_REGION_NAME', 'HW_DWS_ENDPOINT')


@pytest.fixture
def fake(monkeypatch):
    api = FakeDws([{'id': OBS_ID, 'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS',
                    'connect_info': 'gaussdb', 'description': 'demo'}])
    monkeypatch.setattr(transport.requests, 'Session', lambda: api)
    monkeypatch.setattr('time.sleep', lambda seconds: None)
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return api


def run_module(args, capsys, check_mode=False, diff=False):
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            dws_ext_data_source.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result['_rc'] = exit_info.value.code
    result['_raw'] = out
    return result


OBS = {'cluster_id': CLUSTER, 'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb'}


def test_credentials_and_endpoint_come_from_the_environment(fake, capsys):
    result = run_module(OBS, capsys)
    assert result['_rc'] == 0 and result['changed'] is False
    assert fake.log[0]['url'].startswith('https://dws.example.test/v1.0/%s/' % PROJECT)
    assert fake.log[0]['auth_ok'] is True


def test_the_huaweicloud_sdk_variable_names_also_work(fake, capsys, monkeypatch):
    monkeypatch.delenv('HW_ACCESS_KEY')
    monkeypatch.delenv('HW_SECRET_KEY')
    monkeypatch.setenv('HUAWEICLOUD_SDK_AK', AK)
    monkeypatch.setenv('HUAWEICLOUD_SDK_SK', SK)
    assert run_module(OBS, capsys)['changed'] is False


@pytest.mark.parametrize('region', ['eu-west-101', 'EU-West-101'])
def test_region_builds_the_default_endpoint(fake, capsys, monkeypatch, region):
    monkeypatch.delenv('HW_DWS_ENDPOINT')
    monkeypatch.setenv('HW_REGION_NAME', region)
    run_module(OBS, capsys)
    assert fake.log[0]['url'].startswith('https://dws.eu-west-101.myhuaweicloud.eu/')


@pytest.mark.parametrize('variable,value,words', [
    ('HW_DWS_ENDPOINT', 'https://[bad', 'endpoint'),
    ('HW_REGION_NAME', 'cn north 4', 'region'),
    ('HW_PROJECT_ID', '\u201c' + PROJECT, 'project_id'),
    ('HW_SECRET_KEY', SK + ' x', 'secret_key holds a character'),
])
def test_unusable_connection_values_fail_cleanly_before_any_request(fake, capsys, monkeypatch, variable, value, words):
    if variable == 'HW_REGION_NAME':
        monkeypatch.delenv('HW_DWS_ENDPOINT')
    monkeypatch.setenv(variable, value)
    result = run_module(OBS, capsys)
    assert result['_rc'] == 1 and words in result['msg'] and 'exception' not in result
    assert fake.log == [] and SK not in json.dumps(result)


def test_blank_optional_credentials_from_an_awx_credential_mean_unset(fake, capsys, monkeypatch):
    """AWX renders a blank optional credential field as an empty environment variable."""
    monkeypatch.setenv('HW_SECURITY_TOKEN', '')
    monkeypatch.setenv('HW_AUTH_TOKEN', '')
    result = run_module(OBS, capsys)
    assert result['_rc'] == 0 and fake.log[0]['auth_ok'] is True


def test_a_secret_key_with_a_trailing_line_break_still_signs_right(fake, capsys, monkeypatch):
    monkeypatch.setenv('HW_SECRET_KEY', SK + '\n')
    result = run_module(OBS, capsys)
    assert result['_rc'] == 0 and fake.log[0]['auth_ok'] is True


@pytest.mark.parametrize('option,value', [('cluster_id', '../other?x=1'), ('id', 'a#b')])
def test_ids_that_would_change_the_url_are_refused(fake, capsys, option, value):
    result = run_module(dict(OBS, **{option: value}), capsys)
    assert result['_rc'] == 1 and ('%s %r is not valid' % (option, value)) in result['msg']
    assert fake.log == []


def test_agency_change_with_diff(fake, capsys):
    result = run_module(dict(OBS, agency='NewAgency'), capsys, diff=True)
    assert result['changed'] is True
    assert [w['body'] for w in fake.writes()] == [{'reconfigure': {'reboot': False, 'agency': 'NewAgency'}}]
    assert diff_of(result)['before']['agency'] == 'DWSAccessOBS'
    assert diff_of(result)['after']['agency'] == 'NewAgency'
    assert result['job']['status'] == 'SUCCESS'
    assert result['ext_data_source']['user_name'] == 'NewAgency'


def test_no_diff_key_without_diff_mode(fake, capsys):
    assert 'diff' not in run_module(dict(OBS, agency='NewAgency'), capsys)


def test_check_mode_reads_only(fake, capsys):
    result = run_module(dict(OBS, agency='NewAgency'), capsys, check_mode=True, diff=True)
    assert result['changed'] is True and fake.writes() == []
    assert result['ext_data_source']['user_name'] == 'NewAgency'


def test_create_only_conflict_is_one_clean_failure(fake, capsys):
    result = run_module(dict(OBS, connect_info='analytics'), capsys)
    assert result['_rc'] == 1 and result['failed'] is True
    assert "connect_info: current 'gaussdb', desired 'analytics'" in result['msg']
    assert result['conflicts']['connect_info'] == {'current': 'gaussdb', 'desired': 'analytics'}
    assert 'exception' not in result and fake.writes() == []


def test_database_is_an_alias_of_connect_info(fake, capsys):
    args = dict(OBS)
    del args['connect_info']
    args['database'] = 'gaussdb'
    assert run_module(args, capsys)['changed'] is False


def test_the_mrs_password_is_masked_everywhere(fake, capsys):
    echoed = {'error_code': 'DWS.5003', 'error_msg': 'password %s is too weak' % PASSWORD}
    fake.inject('POST', None, status=400, body=echoed)
    args = {'cluster_id': CLUSTER, 'name': 'mrs_src1', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER,
            'user_name': 'mrs_user', 'user_password': PASSWORD}
    result = run_module(args, capsys)
    assert result['_rc'] == 1 and 'DWS.5003' in result['msg']
    assert PASSWORD not in result['_raw']
    assert fake.writes()[0]['body']['user_pwd'] == PASSWORD


def test_signatures_and_keys_are_masked_even_if_the_api_echoes_them(fake, capsys, monkeypatch):
    class Echo(object):
        """Answers with an error that quotes the request's Authorization header."""

        def request(self, method, url, headers=None, **kwargs):
            response = fake.request(method, url, headers=headers, **kwargs)
            response.status_code = 400
            response.content = json.dumps({'error_code': 'DWS.0001', 'error_msg': 'bad header %s; sk %s'
                                           % (headers['Authorization'], SK)}).encode('utf-8')
            return response

    echo = Echo()
    monkeypatch.setattr(transport.requests, 'Session', lambda: echo)
    result = run_module(OBS, capsys)
    assert result['_rc'] == 1
    signature = fake.log[0]['headers']['Authorization']
    assert signature not in result['_raw'] and SK not in result['_raw']
    assert '********' in result['msg']


def test_bad_secret_key_message(fake, capsys, monkeypatch):
    monkeypatch.setenv('HW_SECRET_KEY', 'definitely-wrong-secret')
    result = run_module(OBS, capsys)
    assert result['_rc'] == 1
    assert 'APIGW.0301' in result['msg'] and 'clock' in result['msg'] and 'request id' in result['msg']
    assert result['error']['code'] == 'APIGW.0301' and result['error']['request_id']
    assert 'definitely-wrong-secret' not in result['_raw']


def test_security_token_from_the_environment(fake, capsys, monkeypatch):
    fake.credentials[AK] = fake.credentials[AK]._replace(security_token=SECURITY_TOKEN)
    monkeypatch.setenv('HW_SECURITY_TOKEN', SECURITY_TOKEN)
    result = run_module(OBS, capsys)
    assert result['_rc'] == 0 and fake.log[0]['auth_ok'] is True
    assert SECURITY_TOKEN not in result['_raw']


def test_auth_token_alone(fake, capsys, monkeypatch):
    fake.auth_token = AUTH_TOKEN
    monkeypatch.delenv('HW_ACCESS_KEY')
    monkeypatch.delenv('HW_SECRET_KEY')
    result = run_module(dict(OBS, auth_token=AUTH_TOKEN), capsys)
    assert result['_rc'] == 0 and fake.log[0]['headers']['X-Auth-Token'] == AUTH_TOKEN


def test_auth_token_and_access_keys_together_are_refused(fake, capsys):
    result = run_module(dict(OBS, auth_token=AUTH_TOKEN), capsys)
    assert result['_rc'] == 1 and 'not both' in result['msg'] and fake.log == []


def test_missing_project_id_is_reported_by_the_argument_spec(fake, capsys, monkeypatch):
    monkeypatch.delenv('HW_PROJECT_ID')
    result = run_module(OBS, capsys)
    assert result['_rc'] == 1 and 'project_id' in result['msg']


def test_name_or_id_is_required(fake, capsys):
    result = run_module({'cluster_id': CLUSTER, 'type': 'OBS'}, capsys)
    assert result['_rc'] == 1 and 'name, id' in result['msg']


def test_obs_and_mrs_options_are_mutually_exclusive(fake, capsys):
    result = run_module(dict(OBS, user_password='x12345'), capsys)
    assert result['_rc'] == 1 and 'mutually exclusive' in result['msg']
    assert 'x12345' not in result['_raw']


def test_absent_then_absent_again(fake, capsys):
    args = {'cluster_id': CLUSTER, 'name': 'obs_src1', 'type': 'OBS', 'state': 'absent'}
    first = run_module(args, capsys)
    assert first['changed'] is True and first['ext_data_source'] == {} and first['job']['status'] == 'SUCCESS'
    second = run_module(args, capsys)
    assert second['changed'] is False and 'job' not in second
    assert [w['method'] for w in fake.writes()] == ['DELETE']


def test_a_failed_job_result_carries_the_job(fake, capsys):
    fake.job_outcome, fake.job_failed = 'FAIL', ('DWS.5555', 'agency missing')
    result = run_module(dict(OBS, agency='NewAgency'), capsys)
    assert result['_rc'] == 1
    assert 'DWS.5555' in result['msg'] and 'agency missing' in result['msg']
    assert result['job']['job_id'] in result['msg'] and result['job']['status'] == 'FAIL'


def test_wait_false(fake, capsys):
    result = run_module(dict(OBS, agency='NewAgency', wait=False), capsys)
    assert result['changed'] is True and set(result['job']) == {'job_id'}
    assert fake.calls(kind='job') == []


# ----- issue 10 ----------------------------------------------------------------------------------------------

MRS = {'cluster_id': CLUSTER, 'name': 'mrs_src1', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER,
       'user_name': 'mrs_user'}


@pytest.mark.parametrize('value', [{'pw': 'In-a-dict-secret-1'}, ['In-a-list-secret-1'], {}])
def test_a_password_given_as_a_dict_or_a_list_is_refused_without_showing_it(fake, capsys, value):
    """Point 16: AnsibleModule would send the Python text form ("{'pw': ...}") as the password."""
    result = run_module(dict(MRS, user_password=value), capsys)
    assert result['_rc'] == 1
    assert 'user_password must be a string (a number is fine); got a %s' % (
        'dictionary' if isinstance(value, dict) else 'list') in result['msg']
    assert 'secret-1' not in result['_raw'] and fake.log == []


def test_a_password_given_as_a_number_is_sent_as_text(fake, capsys):
    result = run_module(dict(MRS, user_password=12345678), capsys)
    assert result['_rc'] == 0 and result['changed'] is True
    assert fake.writes()[0]['body']['user_pwd'] == '12345678'
    assert '12345678' not in result['_raw']


def test_an_escaped_echo_of_a_password_is_masked(fake, capsys):
    """Point 6: an error that echoes the request body shows the password JSON-escaped."""
    password = 'Mrs"Pa\\ss\u00e9-42'
    echoed = 'cannot parse body %s' % json.dumps({'user_pwd': password})
    fake.inject('POST', None, status=400, body={'error_code': 'DWS.0001', 'error_msg': echoed})
    result = run_module(dict(MRS, user_password=password), capsys)
    assert result['_rc'] == 1 and 'DWS.0001' in result['msg'] and 'cannot parse body' in result['msg']
    assert fake.writes()[0]['body']['user_pwd'] == password
    for form in (password, json.dumps(password)[1:-1], json.dumps(password, ensure_ascii=False)[1:-1]):
        assert form not in result['msg'] and form not in result['_raw']
    assert 'ss\\u00e9-42' not in result['_raw'] and 'Pa\\\\ss' not in result['msg']


def test_a_non_json_error_page_is_masked_before_it_is_cut(fake, capsys):
    """Point 7: the secret key straddles the 200th character of a gateway page."""
    page = ('<html><body>' + 'y' * 180 + SK + '</body></html>').encode('utf-8')
    fake.inject('GET', None, count=10, status=502, raw=page, headers={'Content-Type': 'text/html'})
    result = run_module(dict(OBS, retries=0), capsys)
    assert result['_rc'] == 1 and 'yyyy' in result['msg']
    assert SK[:8] not in result['_raw']


def test_an_endpoint_with_credentials_is_refused_and_never_shown(fake, capsys, monkeypatch):
    monkeypatch.setenv('HW_DWS_ENDPOINT', 'https://dwsadmin:hunter22@dws.example.test')
    result = run_module(OBS, capsys)
    assert result['_rc'] == 1 and result['msg'].startswith('endpoint ')
    assert 'hunter22' not in result['_raw'] and fake.log == []


@pytest.mark.parametrize('option, value, words', [
    ('timeout', 9200000000, 'timeout must be between 1 and 3600 seconds'),
    ('wait_timeout', 86401, 'wait_timeout must be between 1 and 86400 seconds'),
    ('retries', 101, 'retries must be between 0 and 100'),
])
def test_numbers_out_of_range_fail_cleanly_before_any_request(fake, capsys, option, value, words):
    result = run_module(dict(OBS, **{option: value}), capsys)
    assert result['_rc'] == 1 and words in result['msg'] and fake.log == []


def test_a_password_for_an_existing_mrs_source_warns_once_and_is_not_sent(fake, capsys):
    fake.seed({'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user', 'data_source_id': MRS_CLUSTER})
    result = run_module(dict(MRS, user_password=PASSWORD), capsys)
    assert result['_rc'] == 0 and result['changed'] is False and fake.writes() == []
    assert len(result['warnings']) == 1 and 'mrs_src1' in json.dumps(result['warnings'][0])  # str, or a 2.19 summary
    assert PASSWORD not in result['_raw']


def test_update_password_always_recreates_and_reports_changed_every_run(fake, capsys):
    fake.seed({'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user', 'data_source_id': MRS_CLUSTER})
    args = dict(MRS, user_password=PASSWORD, update_password='always', recreate=True)
    assert run_module(args, capsys)['changed'] is True
    assert run_module(args, capsys)['changed'] is True
    assert [w['method'] for w in fake.writes()] == ['DELETE', 'POST', 'DELETE', 'POST']
    assert all(w['body']['user_pwd'] == PASSWORD for w in fake.writes() if w['method'] == 'POST')


def test_a_password_given_as_a_boolean_is_refused(fake, capsys):
    result = run_module(dict(MRS, user_password=True), capsys)
    assert result['_rc'] == 1 and 'user_password must be a string' in result['msg']
    assert fake.writes() == []
