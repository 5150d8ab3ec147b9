# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import pytest

from ansible_collections.dsops.cloud.plugins.module_utils.errors import ApiError, InputError, TransportError
from ansible_collections.dsops.cloud.plugins.module_utils.transport import (
    HttpResponse, HttpTransport, RetryPolicy, check_base_url, clean_credential)

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
