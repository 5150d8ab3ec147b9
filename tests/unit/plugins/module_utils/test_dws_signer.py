# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import hashlib
import json
import os

import pytest

from ansible_collections.dsops.cloud.plugins.module_utils.dws import signer as dws_signer

__metaclass__ = type

VECTORS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'dws-signing-vectors.json')
with open(VECTORS_FILE) as handle:
    VECTORS = json.load(handle)

URL = 'https://dws.cn-north-4.myhuaweicloud.com/v1.0/p/clusters/c/ext-data-sources'


def test_the_fixture_holds_the_reference_vectors():
    assert [v['name'] for v in VECTORS] == ['huawei_doc_example', 'list_obs', 'create_mrs', 'update_agency']


@pytest.mark.parametrize('vector', VECTORS, ids=[v['name'] for v in VECTORS])
def test_each_vector_is_reproduced_byte_for_byte(vector):
    signed = dws_signer.sign(vector['method'], vector['url'], vector['headers'], vector['body'].encode('utf-8'),
                             vector['ak'], vector['sk'], sdk_date=vector['date'])
    assert signed.canonical_request == vector['canonical_request']
    assert signed.string_to_sign == vector['string_to_sign']
    assert signed.signed_headers == vector['signed_headers']
    assert signed.authorization == vector['authorization']
    assert signed.headers['X-Sdk-Date'] == vector['date']


def test_the_published_huawei_example_signature():
    vector = VECTORS[0]
    signed = dws_signer.sign(vector['method'], vector['url'], vector['headers'], b'', vector['ak'], vector['sk'],
                             sdk_date=vector['date'])
    assert signed.authorization.endswith('Signature=' + vector['expected_signature_from_huawei_docs'])


def test_the_signer_adds_host_and_date_but_never_changes_the_given_headers():
    headers = {'Content-Type': 'application/json'}
    signed = dws_signer.sign('GET', 'http://127.0.0.1:8443/v1.0/x', headers, None, 'AK', 'SK', sdk_date='20240101T000000Z')
    assert headers == {'Content-Type': 'application/json'}
    assert signed.headers['Host'] == '127.0.0.1:8443'
    assert 'host:127.0.0.1:8443\n' in signed.canonical_request
    assert set(signed.headers) == {'Host', 'X-Sdk-Date', 'Authorization'}


def test_an_existing_date_header_wins_over_the_fixed_date():
    signed = dws_signer.sign('GET', URL, {'X-Sdk-Date': '20200202T020202Z'}, b'', 'AK', 'SK', sdk_date='20240101T000000Z')
    assert 'X-Sdk-Date' not in signed.headers
    assert signed.string_to_sign.split('\n')[1] == '20200202T020202Z'


def test_the_current_utc_time_is_used_without_a_date():
    signed = dws_signer.sign('GET', URL, {}, b'', 'AK', 'SK')
    date = signed.headers['X-Sdk-Date']
    assert len(date) == 16 and date[8] == 'T' and date.endswith('Z')


def test_a_security_token_header_is_signed():
    headers = {'Content-Type': 'application/json;charset=UTF-8', 'X-Security-Token': 'tok'}
    signed = dws_signer.sign('GET', URL, headers, b'', 'AK', 'SK', sdk_date='20240101T000000Z')
    assert signed.signed_headers == 'content-type;host;x-sdk-date;x-security-token'
    assert 'x-security-token:tok\n' in signed.canonical_request


def test_headers_with_underscores_are_not_signed_and_values_are_trimmed():
    headers = {'X_Custom': 'a', 'X-Other': '  spaced value  '}
    signed = dws_signer.sign('GET', URL, headers, b'', 'AK', 'SK', sdk_date='20240101T000000Z')
    assert 'x_custom' not in signed.signed_headers
    assert 'x-other:spaced value\n' in signed.canonical_request


def test_a_non_json_body_is_declared_unsigned():
    signed = dws_signer.sign('POST', URL, {'Content-Type': 'text/plain'}, b'abc', 'AK', 'SK', sdk_date='20240101T000000Z')
    assert signed.headers['X-Sdk-Content-Sha256'] == 'UNSIGNED-PAYLOAD'
    assert signed.canonical_request.endswith('\nUNSIGNED-PAYLOAD')


def test_the_payload_hash_is_over_the_exact_body_bytes():
    body = b'{"a": 1}'
    signed = dws_signer.sign('POST', URL, {'Content-Type': 'application/json'}, body, 'AK', 'SK',
                             sdk_date='20240101T000000Z')
    assert signed.canonical_request.endswith('\n' + hashlib.sha256(body).hexdigest())


def test_canonical_uri_encodes_segments_and_adds_the_signing_slash():
    assert dws_signer.canonical_uri('/v1.0/a b/c%2Fd') == '/v1.0/a%20b/c/d/'
    assert dws_signer.canonical_uri('/already/') == '/already/'
    assert dws_signer.canonical_uri('') == '/'
    assert dws_signer.canonical_uri('/x~y_z.-') == '/x~y_z.-/'


def test_canonical_query_sorts_by_name_then_value_and_encodes():
    assert dws_signer.canonical_query('b=2&a=z&a=Y&c=') == 'a=Y&a=z&b=2&c='
    assert dws_signer.canonical_query('q=a%20b') == 'q=a%20b'
    assert dws_signer.canonical_query('') == ''


def test_query_pairs_render_booleans_and_unicode():
    assert dws_signer.canonical_query_from_pairs([('type', 'OBS'), ('all', True)]) == 'all=true&type=OBS'
    assert dws_signer.canonical_query_from_pairs([('n', u'\u00e9')]) == 'n=%C3%A9'
