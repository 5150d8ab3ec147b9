"""Server-side verification of Huawei Cloud SDK-HMAC-SHA256 signatures.

Written from section 6.1 of the DWS API reference.  Everything here is a pure
function: the caller passes the request parts, the known credentials and the
current time, so the unit tests can replay the SDK vectors with their old dates.
"""

import calendar
import collections
import datetime
import hashlib
import hmac
import re
from urllib.parse import quote, unquote, unquote_plus

ALGORITHM = 'SDK-HMAC-SHA256'
DATE_FORMAT = '%Y%m%dT%H%M%SZ'
MAX_CLOCK_SKEW_SECONDS = 15 * 60
DATE_HEADER = 'x-sdk-date'
SECURITY_TOKEN_HEADER = 'x-security-token'
CONTENT_SHA256_HEADER = 'x-sdk-content-sha256'

# The SDK writes ", " between the parts; the gateway is assumed to accept any
# whitespace after the commas, but nothing else.
_AUTHORIZATION_RE = re.compile(
    r'^SDK-HMAC-SHA256 Access=(?P<access>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-fA-F]+)$'
)

Credential = collections.namedtuple('Credential', ['secret_key', 'security_token'])
ParsedAuthorization = collections.namedtuple('ParsedAuthorization', ['access_key', 'signed_headers', 'signature'])
VerifyResult = collections.namedtuple('VerifyResult', ['ok', 'access_key', 'reason'])


def percent_encode(text):
    """Encode everything except A-Z a-z 0-9 - _ . ~ as UTF-8 %XX (uppercase hex)."""
    return quote(text, safe='')


def canonical_uri(raw_path):
    """Decode the path, re-encode each segment, and add the signing-only trailing slash."""
    segments = unquote(raw_path or '/').split('/')
    uri = '/'.join(percent_encode(segment) for segment in segments)
    if not uri.endswith('/'):
        uri += '/'
    return uri


def query_pairs(raw_query):
    """Split a raw query string into decoded (name, value) pairs, keeping empty values.

    A literal "+" is read as a space, as form-style servers do; the SDK itself
    never sends one (it percent-encodes every reserved character).
    """
    pairs = []
    for part in (raw_query or '').split('&'):
        if not part:
            continue
        name, sep, value = part.partition('=')
        pairs.append((unquote_plus(name), unquote_plus(value) if sep else ''))
    return pairs


def canonical_query(raw_query):
    """Sort the decoded pairs by name then value and re-encode them."""
    pairs = sorted(query_pairs(raw_query))
    return '&'.join('%s=%s' % (percent_encode(name), percent_encode(value)) for name, value in pairs)


def lowercase_headers(headers):
    """Map lowercase header name -> first value seen (accepts a dict or a list of pairs)."""
    items = headers.items() if hasattr(headers, 'items') else headers
    lowered = {}
    for name, value in items:
        lowered.setdefault(name.lower(), value)
    return lowered


def canonical_headers(lowered_headers, signed_headers):
    """One "name:value\\n" line per signed header, values trimmed, in the listed order."""
    return ''.join('%s:%s\n' % (name, lowered_headers[name].strip()) for name in signed_headers)


def payload_hash(lowered_headers, body):
    """SHA-256 of the body bytes, unless the client declared an unsigned payload."""
    declared = lowered_headers.get(CONTENT_SHA256_HEADER)
    if declared:
        return declared
    return hashlib.sha256(body or b'').hexdigest()


def canonical_request(method, raw_path, raw_query, lowered_headers, signed_headers, body):
    """The six-part canonical request of reference step 6."""
    return '\n'.join([
        method.upper(),
        canonical_uri(raw_path),
        canonical_query(raw_query),
        canonical_headers(lowered_headers, signed_headers),
        ';'.join(signed_headers),
        payload_hash(lowered_headers, body),
    ])


def string_to_sign(sdk_date, canonical):
    """Reference step 7."""
    digest = hashlib.sha256(canonical.encode('utf-8')).hexdigest()
    return '%s\n%s\n%s' % (ALGORITHM, sdk_date, digest)


def compute_signature(secret_key, text_to_sign):
    """Reference step 8: plain HMAC-SHA256 keyed with the SK, no key derivation."""
    return hmac.new(secret_key.encode('utf-8'), text_to_sign.encode('utf-8'), hashlib.sha256).hexdigest()


def parse_authorization(value):
    """Parse the Authorization header, or return None when it is not SDK-HMAC-SHA256."""
    match = _AUTHORIZATION_RE.match((value or '').strip())
    if not match:
        return None
    signed = match.group('signed').lower().split(';')
    return ParsedAuthorization(match.group('access'), signed, match.group('signature').lower())


def parse_sdk_date(value):
    """Parse an X-Sdk-Date value into a UTC epoch (int), or None if malformed."""
    try:
        parsed = datetime.datetime.strptime(value.strip(), DATE_FORMAT)
    except (AttributeError, ValueError):
        return None
    return calendar.timegm(parsed.timetuple())


def to_epoch(now):
    """Accept the current time as an epoch number or a datetime (naive means UTC)."""
    if isinstance(now, datetime.datetime):
        if now.tzinfo is None:
            return calendar.timegm(now.timetuple())
        return now.timestamp()
    return float(now)


def _fail(access_key, reason):
    return VerifyResult(False, access_key, reason)


def _check_security_token(parsed, lowered, credential):
    """Temporary credentials must carry their security token, signed and matching."""
    if credential.security_token is None:
        return None
    token = lowered.get(SECURITY_TOKEN_HEADER)
    if token is None:
        return 'missing X-Security-Token for a temporary access key'
    if SECURITY_TOKEN_HEADER not in parsed.signed_headers:
        return 'X-Security-Token must be one of the signed headers'
    if not hmac.compare_digest(token.strip(), credential.security_token):
        return 'the security token does not match the temporary access key'
    return None


def _check_date(lowered, now_epoch):
    """X-Sdk-Date must parse and be within 15 minutes of server time."""
    sdk_epoch = parse_sdk_date(lowered[DATE_HEADER])
    if sdk_epoch is None:
        return 'X-Sdk-Date is not in the format YYYYMMDDTHHMMSSZ'
    if abs(now_epoch - sdk_epoch) > MAX_CLOCK_SKEW_SECONDS:
        return 'X-Sdk-Date is more than 15 minutes away from the server time'
    return None


def verify_request(method, raw_path, raw_query, headers, body, credentials, now):
    """Verify an SDK-HMAC-SHA256 signed request.

    headers: dict or list of (name, value); credentials: dict access key -> Credential;
    now: epoch seconds or datetime.  Returns VerifyResult(ok, access_key, reason).
    """
    lowered = lowercase_headers(headers)
    parsed = parse_authorization(lowered.get('authorization'))
    if parsed is None:
        return _fail(None, 'the Authorization header is not a valid SDK-HMAC-SHA256 header')
    credential = credentials.get(parsed.access_key)
    if credential is None:
        return _fail(parsed.access_key, 'unknown access key')
    if DATE_HEADER not in parsed.signed_headers:
        return _fail(parsed.access_key, 'X-Sdk-Date must be one of the signed headers')
    # The token check comes first: for a temporary key a missing token is the most useful message.
    problem = _check_security_token(parsed, lowered, credential)
    if problem:
        return _fail(parsed.access_key, problem)
    missing = [name for name in parsed.signed_headers if name not in lowered]
    if missing:
        return _fail(parsed.access_key, 'signed header %s is not present in the request' % missing[0])
    problem = _check_date(lowered, to_epoch(now))
    if problem:
        return _fail(parsed.access_key, problem)
    canonical = canonical_request(method, raw_path, raw_query, lowered, parsed.signed_headers, body)
    expected = compute_signature(credential.secret_key, string_to_sign(lowered[DATE_HEADER].strip(), canonical))
    if not hmac.compare_digest(expected, parsed.signature):
        return _fail(parsed.access_key, 'verify aksk signature fail')
    return VerifyResult(True, parsed.access_key, '')
