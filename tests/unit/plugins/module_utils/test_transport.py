# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import base64
import json
import os

import pytest
import requests
import yaml

from ansible_collections.dsops.cloud.plugins.module_utils.core import transport
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ApiError, InputError, TransportError
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import (
    HttpResponse, HttpTransport, check_base_url, clean_credential)
from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import RetryPolicy

__metaclass__ = type


def flaky(errors, result='ok'):
    """An attempt function that raises each of ``errors`` once, then returns ``result``."""
    pending = list(errors)
    calls = []

    def attempt():
        calls.append(1)
        if pending:
            raise pending.pop(0)
        return result
    attempt.calls = calls
    return attempt


def policy(retries=5):
    sleeps = []
    p = RetryPolicy(retries=retries, base_delay=1.0, max_delay=8.0, sleep=sleeps.append, rand=lambda: 1.0)
    p.sleeps = sleeps
    return p


def transient(maybe_processed=True, retry_after=None):
    return ApiError('Feishu', 'busy', http_status=500, code=1270001, transient=True,
                    maybe_processed=maybe_processed, retry_after=retry_after)


def test_transient_errors_are_retried_with_capped_exponential_backoff():
    p = policy()
    attempt = flaky([transient()] * 5)
    assert p.call(attempt) == 'ok'
    assert len(attempt.calls) == 6
    assert p.sleeps == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_budget_exhausted_reraises_the_last_error():
    p = policy(retries=2)
    attempt = flaky([transient()] * 3)
    with pytest.raises(ApiError):
        p.call(attempt)
    assert len(attempt.calls) == 3


def test_permanent_errors_are_not_retried():
    p = policy()
    attempt = flaky([ApiError('Feishu', 'bad', http_status=400, code=1270002)])
    with pytest.raises(ApiError):
        p.call(attempt)
    assert len(attempt.calls) == 1


def test_non_idempotent_write_is_retried_only_when_the_server_cannot_have_acted():
    p = policy()
    attempt = flaky([transient(maybe_processed=False), transient(maybe_processed=True)])
    with pytest.raises(ApiError):
        p.call(attempt, idempotent=False)
    assert len(attempt.calls) == 2


def test_server_given_wait_is_honoured_and_capped():
    p = policy()
    p.call(flaky([transient(retry_after=3), transient(retry_after=600)]))
    assert p.sleeps == [4.0, 8.0]


def test_an_ambiguous_write_is_looked_for_before_it_is_sent_again():
    p = policy()
    send = flaky([transient(), TransportError('timed out')], result='created')
    looks = []

    def recheck():
        looks.append(1)
        return None  # not there: the write did not happen

    assert p.call_write(send, recheck, request_timeout=5) == 'created'
    assert len(send.calls) == 3 and len(looks) == 2
    # a 5xx answer gets the usual backoff; a timeout gets at least as long as the request had
    assert p.sleeps == [1.0, 5.0]


def test_a_write_found_by_the_look_is_adopted_not_repeated():
    p = policy()
    send = flaky([TransportError('timed out')], result='created twice')
    assert p.call_write(send, lambda: 'found', request_timeout=2) == 'found'
    assert len(send.calls) == 1


@pytest.mark.parametrize('error', [ApiError('DWS', 'bad', http_status=400, code='DWS.0001'),
                                   transient(maybe_processed=False)])
def test_call_write_never_looks_after_a_failure_the_server_did_not_act_on(error):
    p = policy()
    looks = []
    with pytest.raises(ApiError):
        p.call_write(flaky([error]), lambda: looks.append(1), request_timeout=2)
    assert looks == [] and p.sleeps == []


def test_call_write_gives_up_after_the_retry_budget():
    p = policy(retries=2)
    send = flaky([transient()] * 5)
    with pytest.raises(ApiError):
        p.call_write(send, lambda: None)
    assert len(send.calls) == 3


def test_transport_errors_are_transient():
    p = policy()
    assert p.call(flaky([TransportError('reset', maybe_processed=False)])) == 'ok'


def test_response_tolerates_non_json_bodies():
    resp = HttpResponse(502, {'Content-Type': 'text/html', 'X-Tt-Logid': 'abc'}, b'<html>\n<b>Bad gateway</b></html>')
    assert resp.json is None
    assert resp.header('x-tt-logid') == 'abc'
    assert resp.snippet() == '<html> <b>Bad gateway</b></html>'


# ----- input that must never reach a request, or be quoted back ---------------------------------------------

SECRET = 't-secret-value-123'


@pytest.mark.parametrize('given', [SECRET + '\n', '  ' + SECRET + '\r\n', '\t' + SECRET])
def test_a_credential_loses_surrounding_whitespace(given):
    assert clean_credential('tenant_access_token', given) == SECRET


@pytest.mark.parametrize('given', ['t-sec ret', 't-sec\nret', 't-sec\x00ret', 't-s\u00e9cret', '\u201ct-secret'])
def test_a_credential_with_an_unsendable_character_fails_without_showing_it(given):
    with pytest.raises(InputError) as failure:
        clean_credential('app_secret', given)
    assert 'app_secret holds a character' in str(failure.value)
    assert given.strip() not in str(failure.value)


def test_an_empty_credential_fails():
    with pytest.raises(InputError, match='auth_token must not be empty'):
        clean_credential('auth_token', ' \n')


@pytest.mark.parametrize('url', ['https://[bad', 'ftp://example.com', 'https://', 'https://exa mple.com',
                                 'https://example.com:99999', 'example.com'])
def test_an_unusable_base_url_is_refused_before_any_request(url):
    with pytest.raises(InputError, match='endpoint .* is not usable'):
        check_base_url('endpoint', url, 'https://dws.cn-north-4.myhuaweicloud.com')


@pytest.mark.parametrize('value', ['Bearer ' + SECRET + '\n', 'Bearer \u201c' + SECRET])
def test_a_header_requests_refuses_never_shows_its_value_and_is_not_retried(value):
    """Real requests and http.client, nothing listening: they refuse the header before connecting."""
    http = HttpTransport(timeout=2)
    with pytest.raises(InputError) as failure:
        http.send('GET', 'http://127.0.0.1:9/x', '/x', headers={'Authorization': value})
    assert SECRET not in str(failure.value) and not getattr(failure.value, 'transient', False)


def test_a_password_in_an_unusable_url_is_never_shown():
    with pytest.raises(InputError) as failure:
        check_base_url('endpoint', 'https://user:hunter2@example.com:99999', 'https://example.com')
    assert 'hunter2' not in str(failure.value) and 'https://********@example.com:99999' in str(failure.value)


# ----- secrets in every form text can show them (issue 10, point 6) ------------------------------------------
# New names are read from the module inside each test, so that a test of a missing feature fails on its own.

ODD_SECRET = 'pa"ss\\w\u00e9rd-42'


def test_a_secret_is_registered_in_its_raw_json_and_repr_forms_and_each_form_feeds_the_sink_once():
    fed = []
    secrets = transport.SecretMask(sink=fed.append)
    secrets(ODD_SECRET)
    secrets.register(ODD_SECRET)  # again: nothing new
    expected = {ODD_SECRET,
                'pa\\"ss\\\\w\\u00e9rd-42',   # json.dumps (ensure_ascii=True)
                'pa\\"ss\\\\w\u00e9rd-42',    # json.dumps(ensure_ascii=False)
                'pa"ss\\\\w\u00e9rd-42'}      # repr()
    assert expected == {json.dumps(ODD_SECRET)[1:-1], json.dumps(ODD_SECRET, ensure_ascii=False)[1:-1],
                        repr(ODD_SECRET)[1:-1], ODD_SECRET}
    assert sorted(fed) == sorted(expected) and secrets.forms == expected


@pytest.mark.parametrize('echo', [
    lambda s: json.dumps({'error_msg': 'bad password %s' % s}),
    lambda s: json.dumps({'error_msg': 'bad password %s' % s}, ensure_ascii=False),
    lambda s: repr({'error_msg': 'bad password %s' % s}),
    lambda s: 'bad password %s' % s,
])
def test_every_escaped_form_of_a_secret_is_masked(echo):
    secrets = transport.SecretMask(values=[ODD_SECRET])
    masked = secrets.mask(echo(ODD_SECRET))
    assert 'bad password ********' in masked
    assert 'rd-42' not in masked and 'pa' not in masked.replace('password', '')


def test_forms_shorter_than_four_characters_are_ignored_one_by_one():
    fed = []
    secrets = transport.SecretMask(sink=fed.append)
    secrets('abc')        # every form is 3 long: nothing registered, ordinary words stay readable
    secrets(None)
    secrets({'pw': 'a dict is no secret value'})
    secrets(True)
    assert fed == [] and secrets.mask('abc abcd') == 'abc abcd'
    secrets('a"b')        # 3 long as it is, 4 long once JSON escapes the quote
    assert fed == ['a\\"b']
    secrets(12345)        # a number is masked as text
    assert '12345' in fed and secrets.mask('id 12345') == 'id ********'


def test_mask_replaces_the_longest_form_first():
    secrets = transport.SecretMask(values=['abcd', 'abcdefgh'])
    assert secrets.mask('x abcdefgh y abcd z') == 'x ******** y ******** z'  # not '********efgh'


# ----- masked before cut (point 7) ---------------------------------------------------------------------------

TOKEN_42 = 't-g1044ghJ7HVUOZQ3QYWXZAB5CDEFGHIJKLMNOPQR'


def test_a_snippet_is_masked_before_it_is_cut_so_no_prefix_of_a_token_shows():
    assert len(TOKEN_42) == 42
    body = ('<html><p>' + 'y' * 181 + TOKEN_42 + '</p></html>').encode('utf-8')
    assert body.index(TOKEN_42.encode()) < 200 < body.index(TOKEN_42.encode()) + 42  # it straddles the cut
    secrets = transport.SecretMask(values=[TOKEN_42])
    snippet = transport.HttpResponse(502, {}, body, mask=secrets.mask).snippet()
    assert len(snippet) <= 200 and '********' in snippet
    assert TOKEN_42[:20] not in snippet and TOKEN_42[:6] not in snippet


# ----- credentials in the endpoint URL (point 4) -------------------------------------------------------------

@pytest.mark.parametrize('url', ['https://admin:hunter22@open.feishu.cn', 'https://admin@open.feishu.cn/',
                                 'http://admin:hunter22@127.0.0.1:9000'])
def test_a_url_with_user_info_is_refused_naming_the_option_never_the_value(url):
    with pytest.raises(InputError) as failure:
        check_base_url('base_url', url, 'https://open.feishu.cn')
    text = str(failure.value)
    assert text.startswith('base_url ') and 'user name or password' in text
    assert 'hunter22' not in text and 'admin' not in text and '********@' in text


# ----- netrc never replaces our Authorization (point 5) ------------------------------------------------------

@pytest.fixture
def netrc_everywhere(tmp_path, monkeypatch):
    path = tmp_path / 'netrc'
    path.write_text('machine 127.0.0.1 login mlogin password mpass\ndefault login x password y\n')
    os.chmod(str(path), 0o600)
    monkeypatch.setenv('NETRC', str(path))
    for name in ('NO_PROXY', 'no_proxy', 'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY',
                 'all_proxy', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.mark.parametrize('url, netrc_basic', [
    ('http://127.0.0.1:9/x', 'mlogin:mpass'),
    ('https://dws.example.test/v1.0/p', 'x:y'),
])
def test_our_auth_hook_keeps_our_authorization_where_netrc_would_replace_it(netrc_everywhere, url, netrc_basic):
    session = requests.Session()
    plain = session.prepare_request(requests.Request('GET', url, headers={'Authorization': 'Bearer ours'}))
    # the mechanism: without an auth of our own, requests takes the netrc entry (machine or default)
    assert plain.headers['Authorization'] == 'Basic ' + base64.b64encode(netrc_basic.encode()).decode()
    ours = session.prepare_request(requests.Request('GET', url, headers={'Authorization': 'Bearer ours'},
                                                    auth=transport._keep_our_authorization))
    assert ours.headers['Authorization'] == 'Bearer ours'


class RecordingSession(object):
    """A session that records what send() asked of it and answers 200 {}."""

    def __init__(self, response=None):
        self.calls = []
        self.response = response

    def request(self, method, url, **kwargs):
        self.calls.append(kwargs)
        return self.response or StreamedResponse(b'{}')


class StreamedResponse(object):
    def __init__(self, content, chunk=1024 * 1024, status=200):
        self.status_code = status
        self.headers = {'Content-Type': 'application/json'}
        self.content = content  # what a transport that does not stream would read
        self.chunk = chunk
        self.yielded = 0
        self.closed = False

    def iter_content(self, chunk_size=1):
        for start in range(0, len(self.content), self.chunk):
            self.yielded += 1
            yield self.content[start:start + self.chunk]

    def close(self):
        self.closed = True


def test_send_passes_our_auth_hook_and_streams():
    session = RecordingSession()
    response = HttpTransport(session=session).send('GET', 'https://h.example/x', '/x',
                                                   headers={'Authorization': 'Bearer ours'})
    assert response.json == {}
    kwargs = session.calls[0]
    assert kwargs['auth'] is transport._keep_our_authorization and kwargs['stream'] is True
    assert kwargs['headers']['Authorization'] == 'Bearer ours' and kwargs['allow_redirects'] is False


class CapturingSession(requests.Session):
    """A real requests.Session (netrc, proxies from the environment) that captures instead of sending."""

    def __init__(self):
        super(CapturingSession, self).__init__()
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append((request, kwargs))
        response = requests.Response()
        response.status_code = 200
        response._content, response._content_consumed = b'{"ok": true}', True
        response.request = request
        return response


def test_a_real_session_with_netrc_and_a_proxy_sends_our_header_through_the_proxy(netrc_everywhere, monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.example:3128')
    session = CapturingSession()
    response = HttpTransport(session=session).send('GET', 'https://dws.example.test/v1.0/p', '/v1.0/p',
                                                   headers={'Authorization': 'Bearer ours'})
    assert response.json == {'ok': True}
    request, kwargs = session.sent[0]
    assert request.headers['Authorization'] == 'Bearer ours'  # not netrc's default entry
    assert kwargs['proxies'].get('https') == 'http://proxy.example:3128'  # AWX's proxy settings still count


# ----- bounded reading (point 10) ----------------------------------------------------------------------------

def test_the_default_body_cap_is_16_mb():
    assert HttpTransport(session=RecordingSession()).max_body == 16 * 1024 * 1024


def test_an_answer_larger_than_the_cap_is_refused_read_no_further_and_closed():
    oversized = StreamedResponse(b'x' * (5 * 1024 * 1024))
    http = HttpTransport(session=RecordingSession(oversized))
    http.max_body = 2 * 1024 * 1024
    with pytest.raises(TransportError) as failure:
        http.send('GET', 'https://h.example/x', '/x')
    assert 'GET /x is larger than 2 MB' in str(failure.value)
    assert failure.value.transient is False
    assert oversized.closed is True and oversized.yielded == 3  # stopped at the first chunk past the cap


def test_an_answer_at_the_cap_is_read():
    exact = StreamedResponse(b'{"a": "' + b'x' * (2 * 1024 * 1024 - 10) + b'"}')
    http = HttpTransport(session=RecordingSession(exact))
    http.max_body = 2 * 1024 * 1024
    assert len(http.send('GET', 'https://h.example/x', '/x').json['a']) == 2 * 1024 * 1024 - 10
    assert exact.closed is True


# ----- certificate errors are not transient (point 14) -------------------------------------------------------

class RaisingSession(object):
    def __init__(self, exc):
        self.exc = exc
        self.calls = 0

    def request(self, method, url, **kwargs):
        self.calls += 1
        raise self.exc


def test_a_certificate_error_is_not_transient_and_keeps_its_hint():
    session = RaisingSession(requests.exceptions.SSLError('certificate verify failed: self signed certificate'))
    with pytest.raises(TransportError) as failure:
        HttpTransport(session=session).send('GET', 'https://h.example/x', '/x')
    assert failure.value.transient is False and failure.value.maybe_processed is False
    assert 'certificate verify failed' in str(failure.value) and 'validate_certs=false' in str(failure.value)
    p = policy(retries=5)
    with pytest.raises(TransportError):
        p.call(lambda: HttpTransport(session=session).send('GET', 'https://h.example/x', '/x'))
    assert session.calls == 2 and p.sleeps == []  # one more send, no retry


# ----- ranges (point 15) -------------------------------------------------------------------------------------

@pytest.mark.parametrize('given, words', [
    ({'timeout': 0}, 'timeout must be between 1 and 3600 seconds; got 0.'),
    ({'timeout': 3601}, 'timeout must be between 1 and 3600 seconds; got 3601.'),
    ({'timeout': 9200000000}, 'timeout must be between 1 and 3600 seconds; got 9200000000.'),
    ({'retries': -1}, 'retries must be between 0 and 100; got -1.'),
    ({'retries': 101}, 'retries must be between 0 and 100; got 101.'),
])
def test_connection_options_out_of_range_are_refused_clearly(given, words):
    with pytest.raises(InputError) as failure:
        transport.check_connection_ranges(given)
    assert str(failure.value) == words


def test_connection_options_at_the_bounds_or_unset_are_accepted():
    transport.check_connection_ranges({'timeout': 1, 'retries': 0})
    transport.check_connection_ranges({'timeout': 3600, 'retries': 100})
    transport.check_connection_ranges({})
    transport.check_range('wait_timeout', None, 1, 86400)
    with pytest.raises(InputError, match='^wait_timeout must be between 1 and 86400 seconds; got 86401.$'):
        transport.check_range('wait_timeout', 86401, 1, 86400, 'seconds')


# ----- odd answers (point 13) --------------------------------------------------------------------------------

def test_json_after_a_utf8_byte_order_mark_parses():
    resp = HttpResponse(200, {}, b'\xef\xbb\xbf{"code": 0, "name": "\xe5\xb7\xa5\xe5\x8d\x95"}')
    assert resp.json == {'code': 0, 'name': '\u5de5\u5355'}


@pytest.mark.parametrize('url, hidden', [
    ('https://bob:s3cr@tPass99@icons.example.com/x.png', ['s3cr@tPass99', 'bob:s3cr@tPass99']),
    ('  https://bob:pw-with-space-before@host/x', ['pw-with-space-before']),
])
def test_url_credentials_run_to_the_last_at_sign_and_tolerate_leading_space(url, hidden):
    from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import url_credentials
    found = url_credentials(url)
    assert all(part in found for part in hidden), found


def test_the_user_agent_names_the_version_in_galaxy_yml():
    """The platforms' logs show which release sent a request: the constant follows every version bump."""
    galaxy = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'galaxy.yml')
    with open(galaxy) as handle:
        version = yaml.safe_load(handle)['version']
    assert transport.USER_AGENT == 'dsops.cloud-ansible-collection/%s' % version
