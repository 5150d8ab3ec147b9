# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport and retry policy shared by the platform clients.

The transport sends one request and reports what happened; it never retries and
never interprets business codes.  ``RetryPolicy`` decides what is repeated: only
errors the caller marks transient, and, for writes that are not idempotent, only
errors that prove the server did not act on the request.
"""

from __future__ import absolute_import, division, print_function

import json
import re
import traceback

from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import InputError, TransportError

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # the module reports missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

__metaclass__ = type

USER_AGENT = 'dsops.cloud-ansible-collection/0.2.0'
# No answer of either API comes near this; a larger one is refused before it fills the memory.
MAX_BODY_BYTES = 16 * 1024 * 1024
MASK = '********'


class SecretMask:
    """The secrets of one run, in every form text can show them, and a mask for text.

    A secret echoed inside JSON or a Python repr is escaped (a quote, a backslash, a
    non-ASCII character), and Ansible masks only the exact values it was given; so each
    form is registered.  ``sink`` is where the module edge collects them (no_log values).
    """

    MIN_LENGTH = 4  # shorter values would mask ordinary words everywhere

    def __init__(self, sink=None, values=()):
        self.sink = sink or (lambda value: None)
        self.forms = set()
        for value in values:
            self.register(value)

    def __call__(self, value):
        self.register(value)

    def register(self, value):
        if value is None or not isinstance(value, (str, bytes, int, float)) or isinstance(value, bool):
            return
        for form in secret_forms(value):
            if len(form) >= self.MIN_LENGTH and form not in self.forms:
                self.forms.add(form)
                self.sink(form)

    def mask(self, text):
        """``text`` with every registered form replaced, longest first (a form may hold another)."""
        for form in sorted(self.forms, key=len, reverse=True):
            if form in text:
                text = text.replace(form, MASK)
        return text


def secret_forms(value):
    """A secret as it is, and as JSON (both ASCII and not) and repr() write it inside a string."""
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    text = str(value)
    forms = set([text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1], repr(text)[1:-1]])
    return [form for form in forms if form]


def as_secret_mask(register_secret):
    """The SecretMask behind a module's registrar, or one that feeds a plain callback (tests)."""
    if isinstance(register_secret, SecretMask):
        return register_secret
    return SecretMask(sink=register_secret)


def url_credentials(url):
    """The user-info part of a URL and its password, the forms a URL-embedded credential shows in."""
    if not isinstance(url, str):
        return []
    match = URL_USERINFO_RE.match(url)
    if not match:
        return []
    userinfo = match.group(2)
    return [part for part in (userinfo, userinfo.partition(':')[2]) if part]


class HttpResponse:
    """What came back: status, headers (case-insensitive), raw body and parsed JSON."""

    def __init__(self, status, headers, body, mask=None):
        self.status = status
        self.headers = dict((k.lower(), v) for k, v in (headers or {}).items())
        self.body = body or b''
        self.json = self._parse_json(self.body)
        self.mask = mask or (lambda text: text)

    @staticmethod
    def _parse_json(body):
        if not body:
            return None
        try:
            # utf-8-sig: a byte order mark before the JSON is tolerated, as browsers do
            return json.loads(body.decode('utf-8-sig'))
        except (ValueError, UnicodeDecodeError):
            return None

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def snippet(self, limit=200):
        """A short printable excerpt of a body that was not the JSON we expected.

        Masked before it is cut: a cut inside a secret would leave a part that no
        masking recognises.
        """
        text = self.mask(self.body.decode('utf-8', 'replace'))
        return ' '.join(text.split())[:limit]


def _keep_our_authorization(prepared):
    """An auth hook that changes nothing.

    Given no auth, requests would take credentials from ~/.netrc (or $NETRC) or from the
    URL and replace the Authorization header the clients built (Bearer token, signature).
    Proxy settings from the environment are still honoured (AWX sets them).
    """
    return prepared


class HttpTransport:
    """Sends single requests with ``requests``; turns network failures into TransportError."""

    def __init__(self, timeout=30, validate_certs=True, session=None, mask=None, max_body=MAX_BODY_BYTES):
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.session = session or requests.Session()
        self.mask = mask
        self.max_body = max_body

    def send(self, method, url, path, headers=None, body=None):
        """Send ``body`` (bytes or None) and return an HttpResponse.

        ``path`` is only used in error messages, so that a full URL with a query
        never ends up in output.
        """
        send_headers = {'User-Agent': USER_AGENT}
        send_headers.update(headers or {})
        try:
            resp = self.session.request(method, url, headers=send_headers, data=body,
                                        timeout=self.timeout, verify=self.validate_certs,
                                        allow_redirects=False, auth=_keep_our_authorization, stream=True)
            content = self._read_body(resp, method, path)
        except requests.exceptions.ConnectTimeout:
            raise TransportError('Timed out after %ss connecting for %s %s.' % (self.timeout, method, path),
                                 method=method, path=path, maybe_processed=False,
                                 hint='Check the endpoint address and network access.')
        except requests.exceptions.SSLError as exc:
            # not transient: a certificate that fails now fails on every retry
            raise TransportError('TLS error on %s %s: %s' % (method, path, _tls_reason(exc)),
                                 method=method, path=path, maybe_processed=False, transient=False,
                                 hint='Fix the certificate chain, or set validate_certs=false for a trusted test endpoint.')
        except requests.exceptions.Timeout:
            raise TransportError('No response within %ss for %s %s.' % (self.timeout, method, path),
                                 method=method, path=path, maybe_processed=True,
                                 hint='Raise the timeout option if the service is slow.')
        except requests.exceptions.ConnectionError as exc:
            raise TransportError('Connection failed for %s %s: %s' % (method, path, _first_line(exc)),
                                 method=method, path=path, maybe_processed=_may_have_been_sent(exc),
                                 hint='Check the endpoint address and network access.')
        except requests.exceptions.InvalidHeader:
            # its text quotes the header value, which may be a credential: never shown
            raise InputError('A request header for %s %s holds a character HTTP does not allow; check the '
                             'credentials and ids for line breaks or spaces.' % (method, path))
        except requests.exceptions.RequestException as exc:
            raise TransportError('HTTP request failed for %s %s: %s' % (method, path, _first_line(exc)),
                                 method=method, path=path, maybe_processed=True)
        except (UnicodeError, ValueError):
            # http.client refuses non-Latin-1 header values; the text would quote the value
            raise InputError('A request header or the URL for %s %s holds a character that cannot be sent '
                             '(non-ASCII?); check the credentials, ids and the endpoint.' % (method, path))
        return HttpResponse(resp.status_code, resp.headers, content, mask=self.mask)

    def _read_body(self, resp, method, path):
        """The body, read in a stream and refused past ``max_body`` bytes."""
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > self.max_body:
                    raise TransportError('The answer to %s %s is larger than %d MB; it was not read further.'
                                         % (method, path, self.max_body // (1024 * 1024)),
                                         method=method, path=path, maybe_processed=True, transient=False,
                                         hint='Check the endpoint: no answer of this API is that large.')
                chunks.append(chunk)
        finally:
            resp.close()
        return b''.join(chunks)


# What an HTTP header value may carry in a credential: visible ASCII, no spaces.
HEADER_SAFE_RE = re.compile(r'^[\x21-\x7e]+\Z')
# The user-info of a URL runs to the LAST '@' before the path, as urlsplit reads it: a password may hold '@'.
URL_USERINFO_RE = re.compile(r'^\s*([a-z][a-z0-9+.-]*://)([^/?#]*)@', re.IGNORECASE)


def clean_credential(option, value):
    """``value`` without surrounding whitespace, or InputError; never None for a given value.

    A key or token read from a file or a secret store often ends in a line break.  Left
    in, it would reach a request header, where ``requests`` refuses it with an error that
    quotes the value, escaped, so Ansible's no_log masking would not recognise it.
    Messages here name the option, never the value.
    """
    if value is None:
        return None
    cleaned = str(value).strip()
    if not cleaned:
        raise InputError('%s must not be empty.' % option)
    if not HEADER_SAFE_RE.match(cleaned):
        raise InputError('%s holds a character that cannot be sent (a space, a line break, a control or non-ASCII '
                         'character); the value is not shown. Copy it again from its source.' % option)
    return cleaned


def clean_credentials(params, options):
    """{option: cleaned value or None} for the credential ``options`` of module ``params``.

    An empty value counts as not set: an AWX credential renders every blank optional
    field as an empty environment variable.
    """
    return dict((option, clean_credential(option, params.get(option) or None)) for option in options)


def check_base_url(option, url, example):
    """An http(s) URL with a host, or InputError (before any request is built from it)."""
    problem = None
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ('http', 'https') or not parts.hostname:
            problem = 'it must be an http:// or https:// URL with a host'
        elif parts.port is not None and not 0 < parts.port < 65536:
            problem = 'its port is out of range'
    except ValueError as exc:
        problem = 'it cannot be parsed (%s)' % exc
    if problem is None and not HEADER_SAFE_RE.match(url):
        problem = 'it holds spaces, line breaks or non-ASCII characters'
    if problem is None and URL_USERINFO_RE.match(url):
        # requests would send them as Basic auth instead of ours, and DWS would sign them into Host
        problem = ('it holds a user name or password ("user:password@"), which the API does not use; give the '
                   'credentials in their own options')
    if problem:
        shown = URL_USERINFO_RE.sub(r'\1********@', url)  # a password in the URL is never shown
        raise InputError('%s %r is not usable: %s; for example %s.' % (option, shown, problem, example))


# Sane bounds for the connection options: beyond them a value is a typo (and a timeout of 9.2e9
# seconds overflows the socket layer).
TIMEOUT_MAX = 3600
RETRIES_MAX = 100


def check_range(option, value, low, high, unit=''):
    """InputError unless ``value`` (None: not given) lies in [low, high]."""
    if value is None:
        return
    if not low <= value <= high:
        unit = ' ' + unit if unit else ''
        raise InputError('%s must be between %s and %s%s; got %s.' % (option, low, high, unit, value))


def check_connection_ranges(params):
    check_range('timeout', params.get('timeout'), 1, TIMEOUT_MAX, 'seconds')
    check_range('retries', params.get('retries'), 0, RETRIES_MAX)


CERT_REASON_RE = re.compile(r'certificate verify failed[^\'"()]*')


def _tls_reason(exc):
    """The verification failure itself, which requests buries behind a long retry summary."""
    match = CERT_REASON_RE.search(str(exc))
    return match.group(0).strip() if match else _first_line(exc)


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else exc.__class__.__name__


def _may_have_been_sent(exc):
    """A refused or unresolvable connection never reached the server; anything else might have."""
    text = str(exc).lower()
    never_sent = ('connection refused', 'name or service not known', 'nodename nor servname',
                  'failed to resolve', 'no route to host', 'network is unreachable',
                  'temporary failure in name resolution')
    return not any(marker in text for marker in never_sent)
