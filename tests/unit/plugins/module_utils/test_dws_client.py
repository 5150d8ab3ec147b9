# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import json

import pytest
import requests

from ansible_collections.dsops.cloud.plugins.module_utils.dws import client as dws_client
from ansible_collections.dsops.cloud.plugins.module_utils.dws.client import (
    DwsClient, check_auth, configure_status, run_status)
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import resolve_endpoint, resolve_iam_endpoint
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import (
    ApiError, DsopsError, InputError, JobError, TransportError)
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import HttpTransport
from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import RetryPolicy

from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.dws_fake_api import (
    AK, AUTH_TOKEN, CLUSTER, PROJECT, SECURITY_TOKEN, SK, FakeDws, transport_error)

__metaclass__ = type

ENDPOINT = 'https://dws.cn-north-4.myhuaweicloud.com'
LIST_PATH = '/v1.0/%s/clusters/%s/ext-data-sources' % (PROJECT, CLUSTER)


class Clock:
    """A fake monotonic clock advanced by the fake sleep."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def make_client(fake, retries=3, **auth):
    clock = Clock()
    secrets = []
    if not auth:
        auth = {'access_key': AK, 'secret_key': SK}
    retry = RetryPolicy(retries=retries, base_delay=0.5, max_delay=4.0, sleep=clock.sleep, rand=lambda: 1.0)
    client = DwsClient(HttpTransport(session=fake), ENDPOINT, PROJECT, retry=retry, register_secret=secrets.append,
                       sleep=clock.sleep, clock=clock, **auth)
    client.test_clock, client.test_secrets = clock, secrets
    return client


# ----- endpoints and credentials ---------------------------------------------------------------------------

@pytest.mark.parametrize('region, expected', [
    ('cn-north-4', 'https://dws.cn-north-4.myhuaweicloud.com'),
    ('ap-southeast-3', 'https://dws.ap-southeast-3.myhuaweicloud.com'),
    ('eu-west-101', 'https://dws.eu-west-101.myhuaweicloud.eu'),
    ('cn-south-4', 'https://dws.cn-south-4.myhuaweicloud.cn'),
    ('cn-north-12', 'https://dws.cn-north-12.myhuaweicloud.cn'),
    ('cn-east-4', 'https://dws.cn-east-4.myhuaweicloud.cn'),
    ('tr-west-1', 'https://dws.tr-west-1.myhuaweicloud.cn'),
    ('ap-southeast-4', 'https://dws.ap-southeast-4.myhuaweicloud.cn'),
])
def test_regional_endpoints_follow_the_sdk_table(region, expected):
    assert resolve_endpoint(None, region) == expected


def test_an_explicit_endpoint_wins_and_may_be_plain_http():
    assert resolve_endpoint('http://127.0.0.1:9000/', 'cn-north-4') == 'http://127.0.0.1:9000'


def test_no_endpoint_and_no_region_is_an_input_error():
    with pytest.raises(InputError, match='region .*HW_REGION_NAME.* or endpoint'):
        resolve_endpoint(None, None)
    with pytest.raises(InputError, match='http'):
        resolve_endpoint('dws.example.com', None)


@pytest.mark.parametrize('kwargs, message', [
    ({}, 'No credentials'),
    ({'access_key': 'a'}, 'together'),
    ({'secret_key': 's'}, 'together'),
    ({'access_key': 'a', 'secret_key': 's', 'auth_token': 't'}, 'not both'),
    ({'security_token': 'x', 'auth_token': 't'}, 'not both'),
])
def test_exactly_one_authentication_method(kwargs, message):
    with pytest.raises(InputError, match=message):
        check_auth(**kwargs)


def test_valid_authentication_methods():
    check_auth(access_key='a', secret_key='s')
    check_auth(access_key='a', secret_key='s', security_token='t')
    check_auth(auth_token='t')


# ----- headers and signing ---------------------------------------------------------------------------------

def test_every_call_is_signed_with_json_content_type_and_project_header():
    fake = FakeDws()
    client = make_client(fake)
    client.list_data_sources(CLUSTER, 'OBS')
    entry = fake.log[0]
    assert entry['auth_ok'] is True
    assert entry['url'] == ENDPOINT + LIST_PATH + '?type=OBS'
    assert entry['headers']['Content-Type'] == 'application/json;charset=UTF-8'
    assert entry['headers']['X-Project-Id'] == PROJECT
    assert entry['headers']['Authorization'].startswith(
        'SDK-HMAC-SHA256 Access=%s, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=' % AK)
    # the signature value is registered for masking, and so is the secret key
    assert entry['headers']['Authorization'] in client.test_secrets
    assert SK in client.test_secrets


def test_a_write_body_is_serialised_once_like_the_sdk_and_the_signature_covers_it():
    fake = FakeDws()
    client = make_client(fake)
    client.create_data_source(CLUSTER, {'type': 'OBS', 'data_source_name': 'n1', 'user_name': 'agency1',
                                        'connect_info': 'db'})
    post = fake.writes()[0]
    assert post['auth_ok'] is True
    assert post['body'] == {'type': 'OBS', 'data_source_name': 'n1', 'user_name': 'agency1', 'connect_info': 'db'}


def test_temporary_credentials_send_a_signed_security_token():
    fake = FakeDws(security_token=SECURITY_TOKEN)
    client = make_client(fake, access_key=AK, secret_key=SK, security_token=SECURITY_TOKEN)
    client.list_data_sources(CLUSTER, 'MRS')
    entry = fake.log[0]
    assert entry['auth_ok'] is True
    assert entry['headers']['X-Security-Token'] == SECURITY_TOKEN
    assert 'x-security-token' in entry['headers']['Authorization']
    assert SECURITY_TOKEN in client.test_secrets


def test_an_iam_token_is_sent_without_a_signature():
    fake = FakeDws(auth_token=AUTH_TOKEN)
    client = make_client(fake, auth_token=AUTH_TOKEN)
    client.list_data_sources(CLUSTER, 'OBS')
    entry = fake.log[0]
    assert entry['auth_ok'] is True
    assert entry['headers']['X-Auth-Token'] == AUTH_TOKEN
    assert 'Authorization' not in entry['headers'] and 'X-Sdk-Date' not in entry['headers']
    assert AUTH_TOKEN in client.test_secrets


# ----- errors ----------------------------------------------------------------------------------------------

def test_a_bad_secret_key_fails_with_code_request_id_and_a_credentials_hint_but_no_secret():
    fake = FakeDws()
    client = make_client(fake, access_key=AK, secret_key='wrong-secret-key-123')
    with pytest.raises(ApiError) as info:
        client.list_data_sources(CLUSTER, 'OBS')
    text = str(info.value)
    assert 'APIGW.0301' in text and '(HTTP 401)' in text and 'verify aksk signature fail' in text
    assert '15 minutes' in text and 'HW_SECRET_KEY' in text and 'security_token' in text
    assert info.value.request_id
    assert 'wrong-secret-key-123' not in text and 'Signature=' not in text
    assert len(fake.log) == 1  # authentication failures are not retried


def test_a_rejected_iam_token_hint_speaks_of_tokens():
    fake = FakeDws(auth_token='another')
    client = make_client(fake, auth_token=AUTH_TOKEN)
    with pytest.raises(ApiError, match='IAM token .* expires after 24 hours'):
        client.list_data_sources(CLUSTER, 'OBS')


@pytest.mark.parametrize('body, code, message', [
    ({'error_code': 'DWS.0001', 'error_msg': 'bad'}, 'DWS.0001', 'bad'),
    ({'errorCode': 'DWS.0005', 'errorMsg': 'boom'}, 'DWS.0005', 'boom'),
    ({'externalMessage': 'x', 'errCode': 'DWS.3027', 'error_code': 'DWS.3027', 'error_msg': 'gone'}, 'DWS.3027', 'gone'),
    ({'code': 'X.1', 'message': 'plain'}, 'X.1', 'plain'),
    ({'error': {'code': 'APIGW.0101', 'message': 'nested'}}, 'APIGW.0101', 'nested'),
])
def test_error_bodies_are_decoded_in_the_sdk_order(body, code, message):
    fake = FakeDws()
    fake.inject('GET', 'ext-data-sources', status=400, body=body, headers={'X-Request-Id': 'req-42'})
    with pytest.raises(ApiError) as info:
        make_client(fake).list_data_sources(CLUSTER, 'OBS')
    assert info.value.code == code and info.value.api_message == message
    assert info.value.request_id == 'req-42'
    assert info.value.details()['error']['path'] == LIST_PATH


def test_a_non_json_error_shows_a_snippet():
    fake = FakeDws()
    fake.inject('GET', None, count=10, status=502, raw=b'<html>502 Bad Gateway</html>')
    with pytest.raises(ApiError, match='502 Bad Gateway'):
        make_client(fake, retries=1).list_data_sources(CLUSTER, 'OBS')
    assert len(fake.log) == 2


def test_reads_retry_5xx_429_and_connection_errors_with_backoff():
    fake = FakeDws()
    fake.inject('GET', None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'})
    fake.inject('GET', None, status=429, body={'error_code': 'APIGW.0308', 'error_msg': 'slow down'},
                headers={'Retry-After': '2'})
    fake.inject('GET', None, exc=transport_error())
    client = make_client(fake)
    assert client.list_data_sources(CLUSTER, 'OBS') == []
    assert len(fake.log) == 4
    # 0.5 * 2**0, then Retry-After 2 (+ jitter 0.5), then 0.5 * 2**2
    assert client.test_clock.sleeps == [0.5, 2.5, 2.0]


def test_the_retry_budget_is_capped():
    fake = FakeDws()
    fake.inject('GET', None, count=10, status=500, body={'error_code': 'DWS.9999', 'error_msg': 'x'})
    with pytest.raises(ApiError, match='DWS.9999'):
        make_client(fake, retries=2).list_data_sources(CLUSTER, 'OBS')
    assert len(fake.log) == 3


def test_a_concurrent_operation_refusal_is_retried_even_for_a_create():
    fake = FakeDws()
    fake.inject('POST', None, status=409, body={'error_code': 'DWS.0011', 'error_msg': 'in progress'})
    client = make_client(fake)
    response = client.create_data_source(CLUSTER, {'type': 'OBS', 'data_source_name': 'n1', 'user_name': 'abc',
                                                   'connect_info': 'db'})
    assert response['job_id']
    assert [e['method'] for e in fake.log] == ['POST', 'POST']


def test_dws_0011_that_never_clears_names_the_code():
    fake = FakeDws()
    fake.inject('DELETE', None, count=10, status=409, body={'error_code': 'DWS.0011', 'error_msg': 'in progress'})
    fake.seed({'id': 'x1', 'name': 'n', 'type': 'OBS', 'user_name': 'abc'})
    with pytest.raises(ApiError, match='DWS.0011.*in progress.*Another operation'):
        make_client(fake, retries=2).delete_data_source(CLUSTER, 'x1')
    assert len(fake.log) == 3


def test_an_ambiguous_write_failure_without_recheck_is_not_repeated():
    fake = FakeDws()
    fake.inject('POST', None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'})
    with pytest.raises(ApiError, match='DWS.0005'):
        make_client(fake).create_data_source(CLUSTER, {'type': 'OBS'})
    assert len(fake.log) == 1


def test_an_ambiguous_create_is_never_sent_again_and_fails_as_unconfirmed():
    fake = FakeDws()
    fake.inject('POST', None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'})
    checks = []
    client = make_client(fake)
    with pytest.raises(DsopsError) as info:
        client.create_data_source(CLUSTER, {'type': 'OBS', 'data_source_name': 'n1', 'user_name': 'abc',
                                            'connect_info': 'db'},
                                  recheck=lambda: checks.append(1), what='The create of n1', hint='re-run later')
    assert [e['method'] for e in fake.log] == ['POST']  # never twice
    assert len(checks) > 1  # looked again and again over the settle window
    assert info.value.written == {'outcome': 'unknown'}
    assert info.value.fail_kwargs()['changed'] is True
    text = str(info.value)
    assert 'The create of n1 may have been carried out' in text and 'DWS.0005' in text and 're-run later' in text


def test_an_ambiguous_create_that_shows_late_is_adopted_without_a_second_post():
    fake = FakeDws()
    fake.inject('POST', None, status=502, body={'error_code': 'DWS.0005', 'error_msg': 'bad gateway'})
    checks = []

    def recheck():
        checks.append(1)
        return {'id': 'late'} if len(checks) == 3 else None

    response = make_client(fake).create_data_source(CLUSTER, {'type': 'OBS', 'data_source_name': 'n1'},
                                                    recheck=recheck)
    assert response == {'id': 'late'} and len(checks) == 3
    assert [e['method'] for e in fake.log] == ['POST']


@pytest.mark.parametrize('reboot,posts', [(False, 2), (True, 1)])
def test_an_ambiguous_reconfigure_is_sent_again_only_without_reboot(reboot, posts):
    fake = FakeDws()
    client = make_client(fake)
    ds_id = client.create_data_source(CLUSTER, {'type': 'OBS', 'data_source_name': 'n1', 'user_name': 'abc',
                                                'connect_info': 'db'})['id']
    fake.job_polls = 0
    fake.inject('PUT', None, status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'})

    def call():
        return client.reconfigure_data_source(CLUSTER, ds_id, {'reboot': reboot, 'agency': 'new_agency'},
                                              recheck=lambda: None)

    if reboot:
        with pytest.raises(DsopsError, match='may have been carried out'):
            call()
    else:
        assert call()['job_id']
    assert [e['method'] for e in fake.log if e['method'] == 'PUT'] == ['PUT'] * posts


def test_an_ambiguous_write_that_took_effect_is_not_repeated():
    fake = FakeDws()
    fake.inject('POST', None, exc=transport_error(), apply=True)
    client = make_client(fake)
    response = client.create_data_source(CLUSTER, {'type': 'OBS', 'data_source_name': 'n1', 'user_name': 'abc',
                                                   'connect_info': 'db'},
                                         recheck=lambda: {'id': 'found'})
    assert response == {'id': 'found'}
    assert [e['method'] for e in fake.log] == ['POST']
    assert len(fake.by_name('n1')) == 1


def test_a_malformed_success_body_is_a_transient_error():
    fake = FakeDws()
    fake.inject('GET', None, status=200, raw=b'<html>gateway</html>')
    client = make_client(fake)
    assert client.list_data_sources(CLUSTER, 'OBS') == []
    assert len(fake.log) == 2


def test_delete_of_a_missing_data_source_is_reported_as_not_found():
    fake = FakeDws()
    with pytest.raises(ApiError) as missing:  # the resource decides what 'already gone' means
        make_client(fake).delete_data_source(CLUSTER, '99999999-0000-0000-0000-000000000000')
    assert dws_client.is_not_found(missing.value) and missing.value.written is None
    fake.inject('DELETE', None, status=404, body={'error_code': 'DWS.0047', 'error_msg': 'cluster gone'})
    with pytest.raises(ApiError) as missing:
        make_client(fake).delete_data_source(CLUSTER, 'x')
    assert dws_client.is_not_found(missing.value)


def test_other_errors_on_delete_are_raised():
    fake = FakeDws()
    fake.inject('DELETE', None, status=403, body={'error_code': 'DWS.0020', 'error_msg': 'restricted'})
    with pytest.raises(ApiError, match='DWS.0020'):
        make_client(fake).delete_data_source(CLUSTER, 'x')


def test_a_transport_error_on_a_read_is_raised_after_the_budget():
    fake = FakeDws()
    fake.inject('GET', None, count=5, exc=transport_error())
    with pytest.raises(TransportError):
        make_client(fake, retries=1).list_data_sources(CLUSTER, 'OBS')


# ----- statuses --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [('200', 'ACTIVE'), ('ACTIVE', 'ACTIVE'), ('active', 'ACTIVE'),
                                             (' 401 ', 'DELETING'), (None, ''), ('600', 'PENDING_REBOOT')])
def test_configure_status_accepts_codes_and_names(value, expected):
    assert configure_status({'configure_status': value}) == expected


@pytest.mark.parametrize('value, expected', [('200', 'AVAILABLE'), ('AVAILABLE', 'AVAILABLE'), ('303', 'CREATE_FAILED'),
                                             ('400', 'DELETED'), ('920', 'STARTING')])
def test_run_status_accepts_codes_and_names(value, expected):
    assert run_status({'status': value}) == expected


# ----- jobs ------------------------------------------------------------------------------------------------

def start_job(fake, client):
    return client.create_data_source(CLUSTER, {'type': 'OBS', 'data_source_name': 'n1', 'user_name': 'abc',
                                               'connect_info': 'db'})['job_id']


def test_job_polling_starts_quickly_and_backs_off_to_a_cap():
    fake = FakeDws(job_polls=12)
    client = make_client(fake)
    job, warnings = client.wait_for_job(start_job(fake, client), 1800)
    assert job['status'] == 'SUCCESS' and warnings == []
    assert client.test_clock.sleeps[:4] == [1.0, 1.5, 2.25, 3.375]
    assert max(client.test_clock.sleeps) == 15.0
    assert len(fake.calls(kind='job')) == 13


def test_a_failed_job_reports_code_detail_and_id():
    fake = FakeDws()
    fake.job_outcome, fake.job_failed = 'FAIL', ('DWS.5555', 'agency not found')
    client = make_client(fake)
    job_id = start_job(fake, client)
    with pytest.raises(JobError) as info:
        client.wait_for_job(job_id, 60)
    text = str(info.value)
    assert job_id in text and 'FAIL' in text and 'DWS.5555' in text and 'agency not found' in text
    assert info.value.job['job_id'] == job_id and info.value.job['failed_code'] == 'DWS.5555'


@pytest.mark.parametrize('outcome', ['ERROR', 'STOP'])
def test_error_and_stop_are_terminal_failures(outcome):
    fake = FakeDws()
    fake.job_outcome = outcome
    client = make_client(fake)
    with pytest.raises(JobError, match='ended with status %s' % outcome):
        client.wait_for_job(start_job(fake, client), 60)
    assert len(fake.calls(kind='job')) == 2


def test_a_job_that_never_ends_times_out_with_its_id_and_last_status():
    fake = FakeDws(job_polls=10 ** 6)
    client = make_client(fake)
    job_id = start_job(fake, client)
    with pytest.raises(JobError) as info:
        client.wait_for_job(job_id, 10)
    text = str(info.value)
    assert job_id in text and 'last status: RUNNING' in text and 'within 10 seconds' in text
    assert info.value.job['status'] == 'RUNNING'
    assert client.test_clock.now == pytest.approx(10.0)
    assert sum(client.test_clock.sleeps) == pytest.approx(10.0)


def test_job_polls_retry_transient_errors():
    fake = FakeDws()
    client = make_client(fake)
    job_id = start_job(fake, client)
    fake.inject('GET', '/job/', status=503, body={'error_code': 'DWS.0005', 'error_msg': 'busy'})
    assert client.wait_for_job(job_id, 60)[0]['status'] == 'SUCCESS'


def test_the_module_utils_has_no_ansible_module_dependency():
    source = open(dws_client.__file__).read()
    assert 'AnsibleModule' not in source and 'ansible.module_utils.basic' not in source


def test_json_serialisation_matches_the_sdk_separators():
    assert DwsClient._serialise({'reconfigure': {'reboot': False, 'agency': 'a'}}) == \
        json.dumps({'reconfigure': {'reboot': False, 'agency': 'a'}}).encode('utf-8')
    assert DwsClient._serialise(None) is None


# ----- issue 10: credentials in the endpoint, bounded and honest reading, auth refusal, job statuses ------------

def test_an_endpoint_with_user_info_is_refused_without_showing_it():
    with pytest.raises(InputError) as failure:
        resolve_endpoint('https://dwsadmin:hunter22@dws.example.com', 'cn-north-4')
    text = str(failure.value)
    assert text.startswith('endpoint ') and 'user name or password' in text
    assert 'hunter22' not in text and 'dwsadmin' not in text


def test_a_certificate_error_is_one_request_however_many_retries():
    fake = FakeDws()
    fake.inject('GET', None, count=10, exc=requests.exceptions.SSLError('certificate verify failed'))
    client = make_client(fake, retries=5)
    with pytest.raises(TransportError) as failure:
        client.list_data_sources(CLUSTER, 'OBS')
    assert failure.value.transient is False and 'validate_certs' in str(failure.value)
    assert len(fake.log) == 1 and client.test_clock.sleeps == []


def test_an_oversized_answer_is_one_request_however_many_retries():
    fake = FakeDws()
    fake.inject('GET', None, count=10, status=200, raw=b'{"data_sources": [' + b' ' * (3 * 1024 * 1024) + b']}')
    client = make_client(fake, retries=5)
    client.transport.max_body = 1024 * 1024
    with pytest.raises(TransportError, match='larger than 1 MB'):
        client.list_data_sources(CLUSTER, 'OBS')
    assert len(fake.log) == 1


def test_a_listing_after_a_byte_order_mark_is_read():
    fake = FakeDws()
    body = b'\xef\xbb\xbf' + json.dumps({'data_sources': [{'id': 'x1', 'name': 'n1', 'type': 'OBS'}]}).encode()
    fake.inject('GET', None, status=200, raw=body)
    client = make_client(fake, retries=0)
    assert client.list_data_sources(CLUSTER, 'OBS') == [{'id': 'x1', 'name': 'n1', 'type': 'OBS'}]
    assert len(fake.log) == 1


@pytest.mark.parametrize('body', [{'error_code': 'DWS.0001', 'error_msg': 'x'}, {}, {'data_sources': None},
                                  {'data_sources': {'id': 'x1'}}])
def test_a_200_listing_without_a_data_sources_list_is_an_error_not_an_empty_cluster(body):
    fake = FakeDws()
    fake.inject('GET', None, status=200, body=body)
    with pytest.raises(ApiError, match='no data_sources list') as failure:
        make_client(fake).list_data_sources(CLUSTER, 'OBS')
    if body.get('error_code'):
        assert 'DWS.0001' in str(failure.value) and failure.value.code == 'DWS.0001'
    assert len(fake.log) == 1


def test_a_listed_item_with_an_empty_type_has_the_type_of_the_listing():
    fake = FakeDws()
    fake.seed({'id': 'x1', 'name': 'n1', 'type': 'OBS', 'user_name': 'abc'})
    fake.type_reported = False
    assert fake._render(fake.sources['x1'])['type'] == ''  # what the fake lists
    items = make_client(fake).list_data_sources(CLUSTER, 'OBS')
    assert [(item['id'], item['type']) for item in items] == [('x1', 'OBS')]
    fake.inject('GET', None, status=200, body={'data_sources': [{'id': 'x2', 'name': 'n2', 'type': None},
                                                                {'id': 'x3', 'name': 'n3'}, 'not an item']})
    items = make_client(fake).list_data_sources(CLUSTER, 'MRS')
    assert [(item['id'], item['type']) for item in items] == [('x2', 'MRS'), ('x3', 'MRS')]


def test_after_an_authentication_failure_nothing_more_is_sent():
    fake = FakeDws()
    client = make_client(fake, access_key=AK, secret_key='wrong-secret-key-123')
    with pytest.raises(ApiError) as first:
        client.list_data_sources(CLUSTER, 'OBS')
    assert first.value.http_status == 401 and len(fake.log) == 1
    for call in (lambda: client.list_data_sources(CLUSTER, 'MRS'),
                 lambda: client.create_data_source(CLUSTER, {'type': 'OBS', 'data_source_name': 'n1'}),
                 lambda: client.delete_data_source(CLUSTER, 'x1'),
                 lambda: client.get_job('j1')):
        with pytest.raises(ApiError) as again:
            call()
        assert again.value is first.value
    assert len(fake.log) == 1  # five failed signatures lock the key: no second one


def test_an_apigw_0301_code_without_401_also_stops_the_client():
    fake = FakeDws()
    fake.inject('GET', None, status=403, body={'error_code': 'APIGW.0301', 'error_msg': 'Incorrect IAM authentication'})
    client = make_client(fake)
    with pytest.raises(ApiError, match='APIGW.0301'):
        client.list_data_sources(CLUSTER, 'OBS')
    with pytest.raises(ApiError, match='APIGW.0301'):
        client.list_data_sources(CLUSTER, 'OBS')
    assert len(fake.log) == 1


def test_other_refusals_do_not_stop_the_client():
    fake = FakeDws()
    fake.inject('GET', None, status=403, body={'error_code': 'DWS.0020', 'error_msg': 'restricted'})
    client = make_client(fake)
    with pytest.raises(ApiError, match='DWS.0020'):
        client.list_data_sources(CLUSTER, 'OBS')
    assert client.list_data_sources(CLUSTER, 'OBS') == [] and len(fake.log) == 2


@pytest.mark.parametrize('status, phase', [
    ('SUCCESS', 'done'),
    ('FAIL', 'failed'), ('FAILED', 'failed'), ('STOP', 'failed'), ('ERROR', 'failed'), ('CANCELED', 'failed'),
    ('CANCELLED', 'failed'),
    ('INIT', 'going'), ('WAITING', 'going'), ('RUNNING', 'going'), ('DELAY_SCHEDULED', 'going'),
    ('QUEUED', 'unknown'), ('', 'unknown'),
])
def test_every_job_status_has_a_phase(status, phase):
    assert dws_client.job_phase(status) == phase


@pytest.mark.parametrize('outcome', ['FAILED', 'CANCELED', 'CANCELLED', 'PARTIAL_ERROR'])
def test_a_failing_status_fails_at_the_first_poll(outcome):
    fake = FakeDws(job_polls=0)
    fake.job_outcome, fake.job_failed = outcome, ('DWS.5555', 'stopped by the user')
    client = make_client(fake)
    with pytest.raises(JobError) as failure:
        client.wait_for_job(start_job(fake, client), 1800)
    assert 'ended with status %s' % outcome in str(failure.value) and 'DWS.5555' in str(failure.value)
    assert len(fake.calls(kind='job')) == 1 and client.test_clock.now == 1.0


def test_an_unknown_status_counts_as_running_and_is_named_in_a_warning():
    fake = FakeDws()
    fake.job_statuses = ['QUEUED', 'QUEUED', 'SUCCESS']
    client = make_client(fake)
    job_id = start_job(fake, client)
    job, warnings = client.wait_for_job(job_id, 1800)
    assert job['status'] == 'SUCCESS' and len(fake.calls(kind='job')) == 3
    assert len(warnings) == 1 and job_id in warnings[0] and "'QUEUED'" in warnings[0]


def test_an_unknown_status_until_the_timeout_is_named_with_the_last_status_and_progress():
    fake = FakeDws()
    fake.job_statuses = ['RUNNING', 'QUEUED', 'PENDING_X']
    client = make_client(fake)
    job_id = start_job(fake, client)
    with pytest.raises(JobError) as failure:
        client.wait_for_job(job_id, 30)
    text = str(failure.value)
    assert 'within 30 seconds (last status: PENDING_X, progress: 50%' in text
    assert "unknown statuses seen: 'QUEUED', 'PENDING_X'" in text
    warnings = failure.value.fail_kwargs()['warnings']
    assert len(warnings) == 2 and "'QUEUED'" in warnings[0] and "'PENDING_X'" in warnings[1]
    assert client.test_clock.now == pytest.approx(30.0)


def test_a_job_reporting_an_empty_status_is_not_called_not_polled():
    fake = FakeDws()
    fake.job_statuses = ['']
    client = make_client(fake)
    with pytest.raises(JobError) as failure:
        client.wait_for_job(start_job(fake, client), 10)
    assert len(fake.calls(kind='job')) > 1
    assert 'not polled' not in str(failure.value)


# ----- the project id, found from the region (reference 11.1) ------------------------------------------------

def discovering_client(fake, **kw):
    clock = Clock()
    options = dict(access_key=AK, secret_key=SK, region='cn-north-4', iam_endpoint='https://iam.example.test')
    options.update(kw)
    return DwsClient(HttpTransport(session=fake), ENDPOINT, None, retry=RetryPolicy(retries=1, sleep=clock.sleep),
                     sleep=clock.sleep, clock=clock, **options)


def test_without_project_id_one_signed_iam_call_finds_it_once_per_run():
    fake = FakeDws()
    client = discovering_client(fake)
    client.list_data_sources(CLUSTER, 'OBS')
    client.list_data_sources(CLUSTER, 'MRS')
    assert [(e['method'], e['url'].split('?')[0]) for e in fake.log] == [
        ('GET', 'https://iam.example.test/v3/projects'), ('GET', ENDPOINT + LIST_PATH), ('GET', ENDPOINT + LIST_PATH)]
    iam = fake.log[0]
    assert iam['query'] == 'name=cn-north-4' and iam['auth_ok'] is True
    assert 'X-Project-Id' not in iam['headers'] and iam['body'] is None
    assert fake.log[1]['headers']['X-Project-Id'] == PROJECT


def test_a_temporary_key_signs_the_iam_call_with_its_security_token():
    fake = FakeDws(security_token=SECURITY_TOKEN)
    discovering_client(fake, security_token=SECURITY_TOKEN).list_data_sources(CLUSTER, 'OBS')
    assert fake.log[0]['headers']['X-Security-Token'] == SECURITY_TOKEN and fake.log[0]['auth_ok'] is True


@pytest.mark.parametrize('projects, message', [
    ([], "IAM knows no project named 'cn-north-4'.*Set project_id"),
    ([{'id': 'a' * 32, 'name': 'cn-north-4'}, {'id': 'b' * 32, 'name': 'cn-north-4'}],
     "IAM lists 2 projects named 'cn-north-4' \\(ids a{32}, b{32}\\); set project_id"),
])
def test_no_project_or_several_fail_before_any_dws_call(projects, message):
    fake = FakeDws()
    fake.projects = projects
    with pytest.raises(InputError, match=message):
        discovering_client(fake).list_data_sources(CLUSTER, 'OBS')
    assert len(fake.log) == 1


@pytest.mark.parametrize('options, message', [
    (dict(auth_token=AUTH_TOKEN, access_key=None, secret_key=None), 'required with an IAM token'),
    (dict(region=None), 'or region \\(HW_REGION_NAME\\) to find it'),
])
def test_without_project_id_and_no_way_to_find_it_nothing_is_sent(options, message):
    fake = FakeDws()
    with pytest.raises(InputError, match=message):
        discovering_client(fake, **options)
    assert fake.log == []


@pytest.mark.parametrize('iam_endpoint, region, expected', [
    (None, 'cn-north-4', 'https://iam.cn-north-4.myhuaweicloud.com'),
    (None, 'EU-WEST-101', 'https://iam.eu-west-101.myhuaweicloud.eu'),
    ('', None, 'https://iam.myhuaweicloud.com'),
    (' https://iam.example.test/ ', 'cn-north-4', 'https://iam.example.test'),
])
def test_the_iam_endpoint_is_the_option_else_the_regions_else_the_global_one(iam_endpoint, region, expected):
    assert resolve_iam_endpoint(iam_endpoint, region) == expected


def test_a_mistyped_iam_endpoint_is_refused_before_any_request():
    with pytest.raises(InputError, match='iam_endpoint'):
        resolve_iam_endpoint('iam.example.test', 'cn-north-4')


def test_with_a_project_id_the_iam_settings_are_neither_used_nor_checked():
    from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client
    params = {'access_key': AK, 'secret_key': SK, 'project_id': PROJECT, 'endpoint': ENDPOINT, 'region': 'eu_west',
              'iam_endpoint': 'iam.example.test', 'timeout': 30, 'retries': 1}
    client = build_client(params, transport=HttpTransport(session=FakeDws()))
    assert client.project_id == PROJECT and client.region is None
    with pytest.raises(InputError, match='iam_endpoint'):
        build_client(dict(params, project_id=None, region='cn-north-4'), transport=HttpTransport(session=FakeDws()))
