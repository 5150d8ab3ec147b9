"""The sandbox's SDK-HMAC-SHA256 verifier against the official SDK's vectors, and tampering."""

import json
import os
from urllib.parse import urlsplit

import pytest

import dws_signing
from sbx_signer import sign

# A copy of the shared reference file, so CI needs nothing outside the repository.
VECTORS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'dws-signing-vectors.json')
with open(VECTORS_PATH, encoding='utf-8') as vectors_file:
    VECTORS = json.load(vectors_file)
VECTOR_IDS = [vector['name'] for vector in VECTORS]


def vector_request(vector):
    """(method, path, query, headers, body) exactly as the SDK sent the vector's request."""
    parts = urlsplit(vector['url'])
    headers = dict(vector['headers'], Host=parts.netloc)
    headers['X-Sdk-Date'] = vector['date']
    headers['Authorization'] = vector['authorization']
    return vector['method'], parts.path, parts.query, headers, vector['body'].encode('utf-8')


def verify(vector, method, path, query, headers, body, now=None):
    credentials = {vector['ak']: dws_signing.Credential(vector['sk'], None)}
    when = dws_signing.parse_sdk_date(vector['date']) if now is None else now
    return dws_signing.verify_request(method, path, query, headers, body, credentials, when)


def change_one_char(text, index=-1):
    """Replace one character with a different one of the same kind."""
    char = text[index]
    replacement = {'0': '1', 'f': 'e', 'F': 'E'}.get(char, '0' if char.isdigit() else ('a' if char != 'a' else 'b'))
    position = index % len(text)
    return text[:position] + replacement + text[position + 1:]


@pytest.mark.parametrize('vector', VECTORS, ids=VECTOR_IDS)
def test_verifier_accepts_sdk_vector(vector):
    result = verify(vector, *vector_request(vector))
    assert result == (True, vector['ak'], '')


@pytest.mark.parametrize('vector', VECTORS, ids=VECTOR_IDS)
def test_canonical_request_and_string_to_sign_match_sdk(vector):
    method, path, query, headers, body = vector_request(vector)
    lowered = dws_signing.lowercase_headers(headers)
    canonical = dws_signing.canonical_request(method, path, query, lowered, vector['signed_headers'].split(';'), body)
    assert canonical == vector['canonical_request']
    assert dws_signing.string_to_sign(vector['date'], canonical) == vector['string_to_sign']


@pytest.mark.parametrize('vector', VECTORS, ids=VECTOR_IDS)
def test_test_signer_reproduces_sdk_vector(vector):
    headers = sign(vector['method'], vector['url'], vector['headers'], vector['body'], vector['ak'], vector['sk'], vector['date'])
    assert headers['Authorization'] == vector['authorization']


def tamper_signature(method, path, query, headers, body):
    headers['Authorization'] = change_one_char(headers['Authorization'])
    return method, path, query, headers, body


def tamper_body(method, path, query, headers, body):
    return method, path, query, headers, (body[:-1] + b'X') if body else b'X'


def tamper_signed_header(method, path, query, headers, body):
    headers['Content-Type'] = change_one_char(headers['Content-Type'])
    return method, path, query, headers, body


def tamper_path(method, path, query, headers, body):
    return method, change_one_char(path), query, headers, body


def tamper_query(method, path, query, headers, body):
    return method, path, change_one_char(query) if query else 'a', headers, body


def tamper_date(method, path, query, headers, body):
    headers['X-Sdk-Date'] = change_one_char(headers['X-Sdk-Date'], -2)
    return method, path, query, headers, body


TAMPERS = [tamper_signature, tamper_body, tamper_signed_header, tamper_path, tamper_query, tamper_date]


@pytest.mark.parametrize('tamper', TAMPERS, ids=[tamper.__name__ for tamper in TAMPERS])
@pytest.mark.parametrize('vector', VECTORS, ids=VECTOR_IDS)
def test_verifier_rejects_one_byte_change(vector, tamper):
    result = verify(vector, *tamper(*vector_request(vector)))
    assert not result.ok
    assert result.reason == 'verify aksk signature fail'


@pytest.mark.parametrize('offset, accepted', [(900, True), (-900, True), (901, False), (-901, False), (3600, False)])
def test_date_must_be_within_fifteen_minutes(offset, accepted):
    vector = VECTORS[1]
    result = verify(vector, *vector_request(vector), now=dws_signing.parse_sdk_date(vector['date']) + offset)
    assert result.ok is accepted
    if not accepted:
        assert '15 minutes' in result.reason


def test_now_may_be_a_datetime():
    vector = VECTORS[0]
    moment = dws_signing.datetime.datetime.strptime(vector['date'], '%Y%m%dT%H%M%SZ')
    assert verify(vector, *vector_request(vector), now=moment).ok


def test_unknown_access_key_is_rejected():
    vector = VECTORS[1]
    method, path, query, headers, body = vector_request(vector)
    result = dws_signing.verify_request(method, path, query, headers, body, {}, dws_signing.parse_sdk_date(vector['date']))
    assert (result.ok, result.reason) == (False, 'unknown access key')


def test_unsigned_date_header_is_rejected():
    vector = VECTORS[1]
    method, path, query, headers, body = vector_request(vector)
    headers['Authorization'] = headers['Authorization'].replace(';x-sdk-date', '')
    result = verify(vector, method, path, query, headers, body)
    assert not result.ok and 'X-Sdk-Date must be one of the signed headers' in result.reason


def test_missing_signed_header_is_rejected():
    vector = VECTORS[1]
    method, path, query, headers, body = vector_request(vector)
    del headers['X-Project-Id']
    result = verify(vector, method, path, query, headers, body)
    assert not result.ok and 'x-project-id' in result.reason


@pytest.mark.parametrize('value', ['', 'Basic abc', 'SDK-HMAC-SHA256 Access=AK', 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=xyz'])
def test_malformed_authorization_is_rejected(value):
    vector = VECTORS[1]
    method, path, query, headers, body = vector_request(vector)
    headers['Authorization'] = value
    result = verify(vector, method, path, query, headers, body)
    assert not result.ok and 'not a valid SDK-HMAC-SHA256 header' in result.reason


TEMP = dws_signing.Credential('TempSecret000000000000000000000000000000', 'security-token-value')


def temp_request(security_token='security-token-value', signed_token=True):
    url = 'http://127.0.0.1:8000/v1.0/p/clusters/c/ext-data-sources?type=OBS'
    headers = {'Content-Type': 'application/json'}
    if signed_token:
        headers = sign('GET', url, headers, b'', 'TEMPAK', TEMP.secret_key, '20240101T000000Z', security_token)
    else:
        headers = sign('GET', url, headers, b'', 'TEMPAK', TEMP.secret_key, '20240101T000000Z')
        if security_token is not None:
            headers['X-Security-Token'] = security_token
    return dws_signing.verify_request('GET', '/v1.0/p/clusters/c/ext-data-sources', 'type=OBS', headers, b'',
                                      {'TEMPAK': TEMP}, dws_signing.parse_sdk_date('20240101T000000Z'))


def test_temporary_credentials_with_signed_token_are_accepted():
    assert temp_request().ok


@pytest.mark.parametrize('kwargs, reason', [
    ({'security_token': None, 'signed_token': False}, 'missing X-Security-Token'),
    ({'signed_token': False}, 'X-Security-Token must be one of the signed headers'),
    ({'security_token': 'another-token'}, 'does not match'),
])
def test_temporary_credentials_need_their_security_token(kwargs, reason):
    result = temp_request(**kwargs)
    assert not result.ok and reason in result.reason


@pytest.mark.parametrize('path, expected', [
    ('/v1/a b/c', '/v1/a%20b/c/'),
    ('/v1/a%20b/c/', '/v1/a%20b/c/'),
    ('/v1/%E4%B8%AD', '/v1/%E4%B8%AD/'),
    ('/v1/x:y@z', '/v1/x%3Ay%40z/'),
    ('', '/'),
])
def test_canonical_uri_decodes_then_encodes_each_segment(path, expected):
    assert dws_signing.canonical_uri(path) == expected


def test_canonical_query_sorts_and_encodes():
    assert dws_signing.canonical_query('b=2&a=z&a=Y&c=&d') == 'a=Y&a=z&b=2&c=&d='
    assert dws_signing.canonical_query('k=a%2Fb%20c') == 'k=a%2Fb%20c'


def test_test_signer_and_verifier_agree_on_awkward_requests():
    url = 'http://127.0.0.1:9/v1.0/p q/%E4%B8%AD/x?z=1&b=a%2Fb&b=A&empty='
    body = '{"k": "\u4e2d"}'.encode('utf-8')
    headers = sign('POST', url, {'Content-Type': 'application/json', 'X-Project-Id': 'p'}, body, 'AK', 'SK', '20240101T000000Z')
    parts = urlsplit(url)
    result = dws_signing.verify_request('POST', parts.path, parts.query, headers, body, {'AK': dws_signing.Credential('SK', None)},
                                        dws_signing.parse_sdk_date('20240101T000000Z'))
    assert result.ok, result.reason
