"""A tiny SDK-HMAC-SHA256 signer used only by the sandbox's own tests.

It is written separately from tests/sandbox/dws_signing.py (the server's
verifier) so each checks the other; both are also checked against the vectors
that the official SDK produced.
"""

import datetime
import hashlib
import hmac
from urllib.parse import parse_qsl, quote, unquote, urlsplit


def _encode(text):
    return quote(text, safe='')


def sdk_date(moment=None):
    """X-Sdk-Date for `moment` (an aware datetime; now by default)."""
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime('%Y%m%dT%H%M%SZ')


def sign(method, url, headers, body, access_key, secret_key, date=None, security_token=None):
    """Return a copy of `headers` with Host, X-Sdk-Date, X-Security-Token and Authorization added.

    Like the SDK, it signs every header whose name has no underscore.
    """
    parts = urlsplit(url)
    body = body.encode('utf-8') if isinstance(body, str) else (body or b'')
    signed_request = dict(headers)
    signed_request.setdefault('Host', parts.netloc)
    signed_request['X-Sdk-Date'] = date or sdk_date()
    if security_token is not None:
        signed_request['X-Security-Token'] = security_token
    values = {name.lower(): value.strip() for name, value in signed_request.items() if '_' not in name}
    signed = sorted(values)
    path = '/'.join(_encode(unquote(segment)) for segment in parts.path.split('/'))
    path = path if path.endswith('/') else path + '/'
    query = '&'.join('%s=%s' % (_encode(name), _encode(value))
                     for name, value in sorted(parse_qsl(parts.query, keep_blank_values=True)))
    canonical = '\n'.join([
        method.upper(), path, query, ''.join('%s:%s\n' % (name, values[name]) for name in signed),
        ';'.join(signed), hashlib.sha256(body).hexdigest(),
    ])
    to_sign = 'SDK-HMAC-SHA256\n%s\n%s' % (signed_request['X-Sdk-Date'], hashlib.sha256(canonical.encode('utf-8')).hexdigest())
    signature = hmac.new(secret_key.encode('utf-8'), to_sign.encode('utf-8'), hashlib.sha256).hexdigest()
    signed_request['Authorization'] = 'SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s' % (
        access_key, ';'.join(signed), signature)
    return signed_request
