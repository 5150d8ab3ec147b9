# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Huawei Cloud API signing, algorithm SDK-HMAC-SHA256 (AK/SK).

A pure implementation of section 6.1 of the DWS API reference, which is the
behaviour of ``huaweicloudsdkcore.signer.signer.Signer.sign``.  Nothing here does
I/O: the caller passes the final method, URL, headers and body bytes and gets back
the headers to add.  The caller must send exactly the bytes and headers it signed.
"""

from __future__ import absolute_import, division, print_function

import hashlib
import hmac
import time
from urllib.parse import quote, unquote, urlsplit

__metaclass__ = type

ALGORITHM = 'SDK-HMAC-SHA256'
DATE_FORMAT = '%Y%m%dT%H%M%SZ'
DATE_HEADER = 'X-Sdk-Date'
CONTENT_SHA256_HEADER = 'X-Sdk-Content-Sha256'
UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'


class SignedRequest:
    """The headers to add, plus the intermediate strings (for tests and debugging)."""

    def __init__(self, headers, canonical_request, string_to_sign, signed_headers):
        self.headers = headers
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign
        self.signed_headers = signed_headers

    @property
    def authorization(self):
        return self.headers['Authorization']


def percent_encode(text):
    """UTF-8 %XX encoding of everything except A-Z a-z 0-9 - _ . ~ (uppercase hex).

    '~' is listed explicitly because Python 3.6 still escaped it by default.
    """
    return quote(text, safe='~')


def canonical_uri(path):
    """Decode the path, encode each segment, and end it with '/' (for signing only)."""
    segments = unquote(path or '/').split('/')
    uri = '/'.join(percent_encode(segment) for segment in segments)
    if not uri.endswith('/'):
        uri += '/'
    return uri


def query_pairs(query):
    """Decoded (name, value) pairs of a raw query string; an empty value stays ''."""
    pairs = []
    for part in (query or '').split('&'):
        if not part:
            continue
        name, dummy, value = part.partition('=')
        pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query_from_pairs(pairs):
    """Pairs sorted by name then value (code-point order), encoded, joined with '&'.

    The client also sends this exact string as the URL query, so what is sent and
    what is signed cannot drift apart.
    """
    return '&'.join('%s=%s' % (percent_encode(str(name)), percent_encode(_query_value(value)))
                    for name, value in sorted((str(n), _query_value(v)) for n, v in pairs))


def _query_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return '' if value is None else str(value)


def canonical_query(query):
    return canonical_query_from_pairs(query_pairs(query))


def signed_header_names(headers):
    """Lowercased header names, excluding any containing '_', in byte order."""
    return sorted(name.lower() for name in headers if '_' not in name)


def canonical_headers(headers, names):
    """'name:value\\n' for each signed header; values trimmed at both ends only."""
    lowered = dict((name.lower(), str(value).strip()) for name, value in headers.items())
    return ''.join('%s:%s\n' % (name, lowered[name]) for name in names)


def payload_hash(headers, body):
    declared = _header(headers, CONTENT_SHA256_HEADER)
    if declared:
        return declared
    if body is None:
        body = b''
    if not isinstance(body, bytes):
        body = body.encode('utf-8')
    return hashlib.sha256(body).hexdigest()


def build_canonical_request(method, url, headers, body):
    parts = urlsplit(url)
    names = signed_header_names(headers)
    return '\n'.join([
        method.upper(),
        canonical_uri(parts.path),
        canonical_query(parts.query),
        canonical_headers(headers, names),
        ';'.join(names),
        payload_hash(headers, body),
    ]), names


def build_string_to_sign(sdk_date, canonical_request):
    digest = hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()
    return '%s\n%s\n%s' % (ALGORITHM, sdk_date, digest)


def signature(secret_key, string_to_sign):
    """Plain HMAC-SHA256 keyed with the SK: this algorithm has no key derivation."""
    return hmac.new(secret_key.encode('utf-8'), string_to_sign.encode('utf-8'), hashlib.sha256).hexdigest()


def format_date(epoch=None):
    """X-Sdk-Date for an epoch (default now), always UTC."""
    return time.strftime(DATE_FORMAT, time.gmtime(epoch))


def _header(headers, name):
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def sign(method, url, headers, body, access_key, secret_key, sdk_date=None):
    """Sign one request and return a SignedRequest.

    ``headers`` are the headers that will be sent (they are not modified); the
    result's ``headers`` holds what to add: X-Sdk-Date (unless present), Host
    (unless present), X-Sdk-Content-Sha256 for non-JSON bodies, and Authorization.
    ``sdk_date`` fixes the date (a 'YYYYMMDDTHHMMSSZ' string); an X-Sdk-Date
    header already in ``headers`` wins, as in the SDK.
    """
    all_headers = dict(headers)
    added = {}
    content_type = _header(all_headers, 'Content-Type')
    if content_type is not None and not content_type.startswith(('application/json', 'application/bson')):
        added[CONTENT_SHA256_HEADER] = UNSIGNED_PAYLOAD
    date = _header(all_headers, DATE_HEADER)
    if date is None:
        date = sdk_date or format_date()
        added[DATE_HEADER] = date
    if _header(all_headers, 'Host') is None:
        added['Host'] = urlsplit(url).netloc
    all_headers.update(added)

    canonical, names = build_canonical_request(method, url, all_headers, body)
    to_sign = build_string_to_sign(date.strip(), canonical)
    added['Authorization'] = '%s Access=%s, SignedHeaders=%s, Signature=%s' % (
        ALGORITHM, access_key, ';'.join(names), signature(secret_key, to_sign))
    return SignedRequest(added, canonical, to_sign, ';'.join(names))
