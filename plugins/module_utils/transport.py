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
import random
import re
import time
import traceback

from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.dsops.cloud.plugins.module_utils.errors import ApiError, InputError, TransportError

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # the module reports missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

__metaclass__ = type

USER_AGENT = 'dsops.cloud-ansible-collection/0.1.0'


class HttpResponse:
    """What came back: status, headers (case-insensitive), raw body and parsed JSON."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = dict((k.lower(), v) for k, v in (headers or {}).items())
        self.body = body or b''
        self.json = self._parse_json(self.body)

    @staticmethod
    def _parse_json(body):
        if not body:
            return None
        try:
            return json.loads(body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            return None

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def snippet(self, limit=200):
        """A short printable excerpt of a body that was not the JSON we expected."""
        text = self.body[:limit].decode('utf-8', 'replace')
        return ' '.join(text.split())


class HttpTransport:
    """Sends single requests with ``requests``; turns network failures into TransportError."""

    def __init__(self, timeout=30, validate_certs=True, session=None):
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.session = session or requests.Session()

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
                                        allow_redirects=False)
        except requests.exceptions.ConnectTimeout:
            raise TransportError('Timed out after %ss connecting for %s %s.' % (self.timeout, method, path),
                                 method=method, path=path, maybe_processed=False,
                                 hint='Check the endpoint address and network access.')
        except requests.exceptions.SSLError as exc:
            raise TransportError('TLS error on %s %s: %s' % (method, path, _first_line(exc)),
                                 method=method, path=path, maybe_processed=False,
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
        return HttpResponse(resp.status_code, resp.headers, resp.content)


# What an HTTP header value may carry in a credential: visible ASCII, no spaces.
HEADER_SAFE_RE = re.compile(r'^[\x21-\x7e]+\Z')
URL_USERINFO_RE = re.compile(r'^([a-z][a-z0-9+.-]*://)[^/@]*@', re.IGNORECASE)


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
    if problem:
        shown = URL_USERINFO_RE.sub(r'\1********@', url)  # a password in the URL is never shown
        raise InputError('%s %r is not usable: %s; for example %s.' % (option, shown, problem, example))


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


class RetryPolicy:
    """Capped exponential backoff with full jitter.

    ``retries`` is the number of repeats after the first attempt.  A server-given
    wait (``retry_after`` on the error, e.g. Feishu's x-ogw-ratelimit-reset) is
    honoured, capped at ``max_delay``.
    """

    def __init__(self, retries=5, base_delay=0.5, max_delay=30.0, sleep=None, rand=None):
        self.retries = max(0, int(retries))
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep or time.sleep
        self.rand = rand or random.random
        self.attempts = 0
        self.retried = []

    def delay_for(self, attempt, error):
        server_wait = getattr(error, 'retry_after', None)
        if server_wait is not None:
            # a little jitter above the server's figure spreads parallel forks
            return min(self.max_delay, float(server_wait) + self.rand() * self.base_delay)
        ceiling = min(self.max_delay, self.base_delay * (2 ** attempt))
        return self.rand() * ceiling

    def call(self, attempt_fn, idempotent=True):
        """Run ``attempt_fn`` until it succeeds, fails permanently or the budget is spent."""
        attempt = 0
        while True:
            self.attempts += 1
            try:
                return attempt_fn()
            except (TransportError, ApiError) as error:
                if attempt >= self.retries or not self.is_retryable(error, idempotent):
                    raise
                self.retried.append(_describe(error))
                self.sleep(self.delay_for(attempt, error))
                attempt += 1

    def call_write(self, send, recheck, request_timeout=0):
        """Run the write ``send()``; after an ambiguous failure, wait and look before sending it again.

        ``send`` retries what provably did not reach the server itself.  After a failure
        that may have been acted on (5xx, timeout, reset), ``recheck()`` looks: it returns
        the write's result (the write took effect) or None (it did not: send again),
        within the ``retries`` budget.
        """
        looks = 0
        while True:
            try:
                return send()
            except (ApiError, TransportError) as error:
                if not is_ambiguous(error) or looks >= self.retries:
                    raise
                self.sleep(self.settle_delay(looks, error, request_timeout))
                looks += 1
            found = recheck()
            if found is not None:
                return found

    def settle_delay(self, attempt, error, request_timeout):
        """How long to wait before looking for the result of an ambiguous write.

        A server that answered (5xx) is done with the request, so the usual backoff
        will do.  Without an answer (timeout, dropped connection) the request may still
        be in progress: it gets as long again as it already had (the request timeout),
        so a merely slow write is found by the look instead of being sent twice.
        """
        wait = self.delay_for(attempt, error)
        if isinstance(error, TransportError):
            wait = max(wait, float(request_timeout or 0))
        return wait

    @staticmethod
    def is_retryable(error, idempotent):
        if not getattr(error, 'transient', False):
            return False
        return idempotent or not getattr(error, 'maybe_processed', True)


def is_ambiguous(error):
    """A transient failure after which a write may or may not have happened."""
    return getattr(error, 'transient', False) and getattr(error, 'maybe_processed', True)


def _describe(error):
    code = getattr(error, 'code', None)
    status = getattr(error, 'http_status', None)
    if code or status:
        return '%s/%s' % (status, code)
    return error.__class__.__name__
