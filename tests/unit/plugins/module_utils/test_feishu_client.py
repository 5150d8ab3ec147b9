# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FeishuClient: token handling, error decoding, retries and pagination.

HTTP is faked at the requests-session boundary (see test_feishu_fake_api.py).
"""

from __future__ import absolute_import, division, print_function

import json

import pytest
import requests

from ansible_collections.dsops.cloud.plugins.module_utils.feishu import client as feishu_client
from ansible_collections.dsops.cloud.plugins.module_utils.feishu import connection as feishu_connection
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ApiError, InputError, TransportError
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.client import FeishuClient, decode_error
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import HttpResponse, HttpTransport
from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import RetryPolicy
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    APP_ID, APP_SECRET, COLLECTION, TOKEN_PATH, FakeFeishu, FakeResponse, error, gateway_page, read_timeout)

__metaclass__ = type

ITEM = COLLECTION + '/'


def make_client(fake, retries=5, token=None):
    sleeps, secrets = [], []
    policy = RetryPolicy(retries=retries, base_delay=1.0, max_delay=30.0, sleep=sleeps.append, rand=lambda: 0.0)
    creds = {'tenant_access_token': token} if token else {'app_id': APP_ID, 'app_secret': APP_SECRET}
    client = FeishuClient(HttpTransport(session=fake), policy, base_url='http://fake/', register_secret=secrets.append,
                          **creds)
    client.sleeps, client.secrets = sleeps, secrets
    return client


def many(count, start=1):
    return [{'id': str(7300000000000000000 + i), 'name': 'ds-%d' % i} for i in range(start, start + count)]


# ----- token ---------------------------------------------------------------------------------------

def test_one_token_request_per_client_and_the_token_is_registered_as_a_secret():
    fake = FakeFeishu(many(1))
    client = make_client(fake)
    client.get_data_source('7300000000000000001')
    client.list_data_sources()
    assert len(fake.token_calls) == 1
    assert fake.token_calls[0].body == {'app_id': APP_ID, 'app_secret': APP_SECRET}
    token = 't-unit-token-0001'
    assert client.secrets == [APP_SECRET, token, 'Bearer ' + token]
    assert all(s.headers['Authorization'] == 'Bearer ' + token for s in fake.requests_to())


def test_expired_token_is_renewed_once_and_the_call_repeated():
    fake = FakeFeishu(many(1))
    client = make_client(fake)
    client.get_data_source('7300000000000000001')
    fake.expire_tokens()
    assert client.get_data_source('7300000000000000001')['name'] == 'ds-1'
    assert len(fake.token_calls) == 2
    assert [s.method for s in fake.requests_to()] == ['GET', 'GET', 'GET']
    assert 't-unit-token-0002' in client.secrets


@pytest.mark.parametrize('code', [99991663, 99991664, 99991665, 99991666, 99991668, 99991671])
def test_every_token_invalid_code_triggers_one_renewal(code):
    fake = FakeFeishu(many(1))
    fake.fail('GET', ITEM, error(401, code, 'token invalid'))
    assert make_client(fake).get_data_source('7300000000000000001')['name'] == 'ds-1'
    assert len(fake.token_calls) == 2


def test_a_token_rejected_again_after_renewal_fails_without_a_third_token():
    fake = FakeFeishu(many(1))
    fake.fail('GET', ITEM, error(400, 99991663, 'Invalid access token'), count=2)
    with pytest.raises(ApiError) as info:
        make_client(fake).get_data_source('7300000000000000001')
    assert info.value.code == 99991663
    assert len(fake.token_calls) == 2


def test_a_missing_or_malformed_token_99991661_is_not_treated_as_expiry():
    fake = FakeFeishu(many(1))
    fake.fail('GET', ITEM, error(400, 99991661, 'Missing access token'))
    with pytest.raises(ApiError) as info:
        make_client(fake).get_data_source('7300000000000000001')
    assert info.value.code == 99991661
    assert len(fake.token_calls) == 1


def test_a_given_token_is_used_as_is_and_cannot_be_renewed():
    fake = FakeFeishu(many(1))
    fake.tokens.add('t-given-by-user')
    client = make_client(fake, token='t-given-by-user')
    assert client.get_data_source('7300000000000000001')['name'] == 'ds-1'
    assert fake.token_calls == []
    assert client.secrets == ['t-given-by-user', 'Bearer t-given-by-user']
    fake.expire_tokens()
    with pytest.raises(ApiError) as info:
        client.get_data_source('7300000000000000001')
    assert info.value.hint == feishu_client.GIVEN_TOKEN_HINT
    assert fake.token_calls == []


def test_wrong_app_credentials_fail_with_a_hint_and_never_show_the_secret():
    fake = FakeFeishu()
    client = make_client(fake)
    client.app_secret = 'wrong-secret-value'
    with pytest.raises(ApiError) as info:
        client.list_data_sources()
    assert info.value.code == 10014
    assert 'app_secret' in str(info.value)
    assert 'wrong-secret-value' not in str(info.value) and 'wrong-secret-value' not in repr(info.value.fail_kwargs())
    assert fake.requests_to() == []


def test_a_token_response_without_token_fails_cleanly():
    fake = FakeFeishu()
    fake.fail('POST', TOKEN_PATH, FakeResponse(200, {'code': 0, 'msg': 'ok'}))
    with pytest.raises(ApiError, match='no tenant_access_token'):
        make_client(fake).list_data_sources()


# ----- retries -------------------------------------------------------------------------------------

def test_rate_limit_waits_for_x_ogw_ratelimit_reset_then_succeeds():
    fake = FakeFeishu(many(1))
    fake.fail('GET', ITEM, error(429, 99991400, 'request trigger frequency limit',
                                 headers={'x-ogw-ratelimit-reset': '3', 'x-ogw-ratelimit-limit': '50'}), count=2)
    client = make_client(fake)
    assert client.get_data_source('7300000000000000001')['name'] == 'ds-1'
    assert client.sleeps == [3.0, 3.0]


def test_rate_limit_code_on_http_400_is_also_transient():
    fake = FakeFeishu(many(1))
    fake.fail('GET', ITEM, error(400, 99991400, 'request trigger frequency limit'))
    client = make_client(fake)
    assert client.get_data_source('7300000000000000001')['name'] == 'ds-1'
    assert len(client.sleeps) == 1


@pytest.mark.parametrize('response', [error(500, 1270001, 'internal error'), error(500, 1270003, 'call failed'),
                                      error(503, 1272002, 'busy'), gateway_page(502)])
def test_server_faults_are_retried_for_reads(response):
    fake = FakeFeishu(many(1))
    fake.fail('GET', ITEM, response, count=2)
    assert make_client(fake).get_data_source('7300000000000000001')['name'] == 'ds-1'
    assert len(fake.requests_to('GET')) == 3


def test_backoff_is_exponential_and_capped():
    fake = FakeFeishu()
    fake.fail('GET', COLLECTION, error(500, 1270001, 'internal error'), count=99)
    client = make_client(fake, retries=6)
    client.retry.rand = lambda: 1.0
    with pytest.raises(ApiError):
        client.list_data_sources()
    assert client.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]


def test_a_persistent_server_error_fails_after_the_budget_with_code_and_log_id():
    fake = FakeFeishu()
    fake.fail('GET', COLLECTION, error(500, 1270001, 'internal error', log_id='202401011200LOGID'), count=99)
    with pytest.raises(ApiError) as info:
        make_client(fake, retries=2).list_data_sources()
    text = str(info.value)
    assert '1270001' in text and 'internal error' in text and '[log id: 202401011200LOGID]' in text
    assert info.value.fail_kwargs()['error']['log_id'] == '202401011200LOGID'
    assert len(fake.requests_to('GET')) == 3


def test_connection_errors_and_timeouts_are_retried():
    fake = FakeFeishu(many(1))
    fake.fail('GET', ITEM, exception=requests.exceptions.ConnectionError('Connection refused'))
    fake.fail('GET', ITEM, exception=read_timeout())
    assert make_client(fake).get_data_source('7300000000000000001')['name'] == 'ds-1'
    assert len(fake.requests_to('GET')) == 3


def test_a_create_is_repeated_after_a_rate_limit_but_not_after_a_server_error():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', error(429, 99991400, 'limit', headers={'x-ogw-ratelimit-reset': '1'}))
    client = make_client(fake)
    assert client.create_data_source({'name': 'A'})['name'] == 'A'
    assert len(fake.requests_to('POST')) == 2

    fake.fail('POST', COLLECTION + '$', error(500, 1270001, 'internal error'))
    with pytest.raises(ApiError) as info:
        client.create_data_source({'name': 'B'})
    assert info.value.transient and info.value.maybe_processed
    assert len(fake.requests_to('POST')) == 3


# ----- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize('code,words', [
    (1270005, 'Flagship edition'),
    (99991672, 'search:data_source'),
    (1272001, 'no permission'),
])
def test_known_codes_carry_a_hint(code, words):
    fake = FakeFeishu()
    fake.fail('GET', COLLECTION, error(400, code, 'refused'))
    with pytest.raises(ApiError) as info:
        make_client(fake).list_data_sources()
    assert words in str(info.value)
    assert len(fake.requests_to('GET')) == 1


def test_bad_parameter_hint_lists_the_field_violations():
    resp = HttpResponse(400, {'X-Tt-Logid': 'L1'}, (
        b'{"code":1270002,"msg":"invalid param","error":{"field_violations":'
        b'[{"field":"icon_url","value":"x","description":"must be a URL"}]}}'))
    err = decode_error(resp, 'PATCH', ITEM + '1')
    assert 'icon_url: must be a URL' in str(err)
    assert err.fail_kwargs()['error']['field_violations'][0]['field'] == 'icon_url'
    assert not err.transient


def test_log_id_comes_from_x_tt_logid_then_x_request_id_then_the_body():
    body = b'{"code":1270002,"msg":"m","error":{"log_id":"from-body"}}'
    assert decode_error(HttpResponse(400, {'X-Tt-Logid': 'tt', 'X-Request-Id': 'rq'}, body), 'GET', '/p').log_id == 'tt'
    assert decode_error(HttpResponse(400, {'X-Request-Id': 'rq'}, body), 'GET', '/p').log_id == 'rq'
    assert decode_error(HttpResponse(400, {}, body), 'GET', '/p').log_id == 'from-body'


def test_a_non_json_4xx_points_at_base_url():
    err = decode_error(HttpResponse(404, {}, b'404 page not found'), 'GET', COLLECTION)
    assert not err.transient
    assert 'HTTP 404' in str(err) and '404 page not found' in str(err) and 'base_url' in str(err)


def test_a_non_json_gateway_page_is_transient_and_quoted_briefly():
    err = decode_error(HttpResponse(502, {}, b'<html>\n<h1>502 Bad Gateway</h1>\n</html>' + b'x' * 500), 'GET', '/p')
    assert err.transient and err.maybe_processed
    assert '<html> <h1>502 Bad Gateway</h1>' in str(err)
    assert len(str(err)) < 400


def test_success_is_code_zero():
    assert decode_error(HttpResponse(200, {}, b'{"code":0,"msg":"ok","data":{}}'), 'GET', '/p') is None
    assert decode_error(HttpResponse(200, {}, b'{"code":1270002,"msg":"bad"}'), 'GET', '/p').code == 1270002


# ----- data source calls ---------------------------------------------------------------------------

def test_list_walks_every_page_with_page_size_50_and_the_full_view():
    fake = FakeFeishu(many(120))
    items = make_client(fake).list_data_sources()
    assert [i['name'] for i in items] == ['ds-%d' % i for i in range(1, 121)]
    lists = fake.requests_to('GET')
    assert len(lists) == 3
    assert all(s.query['page_size'] == '50' and s.query['view'] == '0' for s in lists)
    assert 'page_token' not in lists[0].query and lists[1].query['page_token'] == 'p50'


def test_list_tolerates_next_page_token_and_stops_when_paging_does_not_advance():
    fake = FakeFeishu()
    stuck = FakeResponse(200, {'code': 0, 'data': {'items': [], 'has_more': True, 'next_page_token': 'again'}})
    fake.fail('GET', COLLECTION, stuck, count=2)
    with pytest.raises(ApiError, match='gives a page_token it gave before'):
        make_client(fake).list_data_sources()
    assert fake.requests_to('GET')[1].query['page_token'] == 'again'


def test_a_list_that_never_ends_stops_at_the_page_cap(monkeypatch):
    fake = FakeFeishu([{'id': '1', 'name': 'A'}])
    pages = iter(range(10 ** 6))
    monkeypatch.setattr(feishu_client, 'MAX_PAGES', 7)
    original = fake.request

    def request(method, url, **kwargs):
        answer = original(method, url.split('&page_token')[0].split('?page_token')[0], **kwargs)
        if method == 'GET':
            body = json.loads(answer.content)
            body['data'].update(has_more=True, page_token='fresh-%d' % next(pages))
            answer.content = json.dumps(body).encode('utf-8')
        return answer

    fake.request = request
    with pytest.raises(ApiError, match='did not end after 7 pages [(]1 distinct data sources so far[)]'):
        make_client(fake).list_data_sources()
    assert len(fake.requests_to('GET')) == 7


def test_an_item_repeated_across_pages_is_counted_once():
    fake = FakeFeishu()
    item = {'id': '7300000000000000001', 'name': 'Tickets'}
    first_page = {'items': [item], 'has_more': True, 'page_token': 'p2'}
    fake.fail('GET', COLLECTION, FakeResponse(200, {'code': 0, 'data': first_page}))
    fake.fail('GET', COLLECTION, FakeResponse(200, {'code': 0, 'data': {'items': [item], 'has_more': False}}))
    assert make_client(fake).list_data_sources() == [item]


@pytest.mark.parametrize('code', ['0', 0])
def test_a_string_code_zero_is_success(code):
    fake = FakeFeishu()
    fake.fail('GET', ITEM, FakeResponse(200, {'code': code, 'data': {'data_source': {'id': '1', 'name': 'n'}}}))
    assert make_client(fake).get_data_source('1') == {'id': '1', 'name': 'n'}


def test_a_byte_order_mark_before_the_json_is_tolerated():
    fake = FakeFeishu()
    body = b'\xef\xbb\xbf' + json.dumps({'code': 0, 'data': {'data_source': {'id': '1', 'name': 'n'}}}).encode()
    fake.fail('GET', ITEM, FakeResponse(200, raw=body))
    assert make_client(fake).get_data_source('1')['name'] == 'n'


def test_ids_stay_exact_strings_even_when_sent_as_numbers():
    fake = FakeFeishu()
    big = 7300000000000000123
    fake.fail('GET', ITEM, FakeResponse(200, {'code': 0, 'data': {'data_source': {'id': big, 'name': 'n'}}}))
    obj = make_client(fake).get_data_source(str(big))
    assert obj['id'] == '7300000000000000123'


def test_get_and_delete_of_a_missing_id_report_absence():
    client = make_client(FakeFeishu())
    assert client.get_data_source('42') is None
    with pytest.raises(ApiError) as missing:  # the resource decides what 'already gone' means
        client.delete_data_source('42')
    assert missing.value.code == 1270004


def test_patch_answered_no_change_is_raised_for_the_resource_to_read():
    fake = FakeFeishu([{'id': '1', 'name': 'A'}])
    with pytest.raises(ApiError) as unchanged:
        make_client(fake).patch_data_source('1', {'name': 'A'})
    assert unchanged.value.code == 1271003 and unchanged.value.written is None


def test_a_patch_whose_answer_is_lost_is_not_repeated_by_the_client():
    fake = FakeFeishu([{'id': '1', 'name': 'A'}])
    # the resource re-reads before any repeat (RetryPolicy.call_write); the client sends it once
    fake.fail('PATCH', ITEM, exception=read_timeout(), apply=True)
    with pytest.raises(TransportError):
        make_client(fake).patch_data_source('1', {'name': 'B'})
    assert [s.method for s in fake.requests_to()] == ['PATCH']


def test_patch_without_data_source_in_the_answer_reads_back():
    fake = FakeFeishu([{'id': '1', 'name': 'A'}])
    fake.fail('PATCH', ITEM, FakeResponse(200, {'code': 0, 'data': {}}), apply=True)
    assert make_client(fake).patch_data_source('1', {'name': 'B'})['name'] == 'B'


def test_request_bodies_are_utf8_json_with_content_type():
    fake = FakeFeishu()
    make_client(fake).create_data_source({'name': '工单'})
    post = fake.requests_to('POST')[0]
    assert post.body == {'name': '工单'}
    assert post.headers['Content-Type'] == 'application/json; charset=utf-8'


def test_a_transport_error_outlasting_the_budget_is_raised():
    fake = FakeFeishu()
    fake.fail('GET', COLLECTION, exception=requests.exceptions.ConnectionError('Connection refused'), count=9)
    with pytest.raises(TransportError):
        make_client(fake, retries=1).list_data_sources()


# ----- options -------------------------------------------------------------------------------------

def params(**overrides):
    values = dict(app_id=APP_ID, app_secret=APP_SECRET, tenant_access_token=None, base_url='https://open.feishu.cn',
                  validate_certs=True, timeout=30, retries=5)
    values.update(overrides)
    return values


@pytest.mark.parametrize('bad,words', [
    ({'base_url': 'open.feishu.cn'}, 'base_url'),
    ({'timeout': 0}, 'timeout'),
    ({'retries': -1}, 'retries'),
    ({'app_id': '  '}, 'app_id must not be empty'),
])
def test_connection_options_are_checked_before_any_request(bad, words):
    with pytest.raises(InputError, match=words):
        feishu_connection.build_client(params(**bad), lambda value: None, session=FakeFeishu())


def test_client_from_params_uses_the_options():
    client = feishu_connection.build_client(params(base_url='https://open.larksuite.com/', retries=2, timeout=7),
                                            lambda value: None, session=FakeFeishu())
    assert client.base_url == 'https://open.larksuite.com'
    assert client.retry.retries == 2 and client.transport.timeout == 7


# ----- issue 10 ----------------------------------------------------------------------------------------------

def test_a_create_answered_success_without_data_is_ambiguous_and_not_repeated():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', FakeResponse(200, {'code': 0, 'msg': 'success'}), apply=True)
    with pytest.raises(ApiError) as failure:
        make_client(fake).create_data_source({'name': 'A'})
    assert failure.value.transient is True and failure.value.maybe_processed is True
    assert 'success without data.data_source' in str(failure.value)
    assert len(fake.requests_to('POST')) == 1


@pytest.mark.parametrize('body', [b'{"code":"0","msg":"ok","data":{}}', b'{"code":" 0 ","data":{}}'])
def test_decode_error_reads_a_string_code_zero_as_success(body):
    assert decode_error(HttpResponse(200, {}, body), 'GET', '/p') is None


def test_decode_error_reads_a_string_code_as_its_number():
    err = decode_error(HttpResponse(400, {}, b'{"code":"99991663","msg":"Invalid access token"}'), 'GET', '/p')
    assert err.code == 99991663
    assert decode_error(HttpResponse(200, {}, b'{"code":"1270002","msg":"bad"}'), 'GET', '/p').code == 1270002
    assert decode_error(HttpResponse(400, {}, b'{"code":"E1","msg":"odd"}'), 'GET', '/p').code == 'E1'


def test_a_string_token_invalid_code_renews_the_token_once():
    fake = FakeFeishu(many(1))
    fake.fail('GET', ITEM, FakeResponse(400, {'code': '99991663', 'msg': 'Invalid access token'}))
    assert make_client(fake).get_data_source('7300000000000000001')['name'] == 'ds-1'
    assert len(fake.token_calls) == 2 and len(fake.requests_to('GET')) == 2


def test_a_certificate_error_is_one_request_however_many_retries():
    fake = FakeFeishu(many(1))
    fake.fail('GET', COLLECTION, exception=requests.exceptions.SSLError('certificate verify failed'), count=10)
    client = make_client(fake, retries=5)
    with pytest.raises(TransportError) as failure:
        client.list_data_sources()
    assert failure.value.transient is False and 'validate_certs=false' in str(failure.value)
    assert len(fake.requests_to('GET')) == 1 and client.sleeps == []


def test_a_base_url_with_user_info_is_refused_naming_the_option_never_the_value():
    fake = FakeFeishu()
    with pytest.raises(InputError) as failure:
        feishu_connection.build_client(params(base_url='https://larkadmin:hunter22@open.feishu.cn'),
                                       lambda value: None, session=fake)
    text = str(failure.value)
    assert text.startswith('base_url ') and 'user name or password' in text
    assert 'hunter22' not in text and 'larkadmin' not in text
    assert fake.log == []
    with pytest.raises(InputError, match='^base_url '):
        feishu_connection.validate_connection(params(base_url='https://larkadmin@open.feishu.cn'))


@pytest.mark.parametrize('bad, words', [
    ({'timeout': 0}, 'timeout must be between 1 and 3600 seconds; got 0.'),
    ({'timeout': 3601}, 'timeout must be between 1 and 3600 seconds; got 3601.'),
    ({'timeout': 9200000000}, 'timeout must be between 1 and 3600 seconds; got 9200000000.'),
    ({'retries': -1}, 'retries must be between 0 and 100; got -1.'),
    ({'retries': 101}, 'retries must be between 0 and 100; got 101.'),
])
def test_out_of_range_connection_options_are_refused_before_any_request(bad, words):
    fake = FakeFeishu()
    with pytest.raises(InputError) as failure:
        feishu_connection.build_client(params(**bad), lambda value: None, session=fake)
    assert str(failure.value) == words and fake.log == []


def test_client_from_params_masks_error_snippets_with_the_registered_secrets():
    """The transport's snippet is masked by the same secrets the client registers (cut after masking)."""
    fake = FakeFeishu()
    seen = []
    client = feishu_connection.build_client(params(retries=0), seen.append, session=fake)
    page = b'<html>' + b'y' * 190 + APP_SECRET.encode() + b'</html>'
    fake.fail('POST', TOKEN_PATH, FakeResponse(404, raw=page, headers={'Content-Type': 'text/html'}))
    with pytest.raises(ApiError) as failure:
        client.list_data_sources()
    assert APP_SECRET in seen
    assert APP_SECRET[:4] not in str(failure.value) and 'yyyy****' in str(failure.value)
