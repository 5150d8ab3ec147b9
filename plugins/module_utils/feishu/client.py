# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client for the Feishu / Lark Open Platform: token, Search v2 data source and schema calls, errors.

It knows HTTP, Feishu's authentication, endpoints and error codes, and nothing of
Ansible: it takes plain values, a ``RetryPolicy`` and a callback that registers
runtime secrets (the tenant access token) so the module can mask them in output.

Facts follow ``feishu-search-data-source-api.md`` and ``feishu-search-schema-api.md`` (the
team's API references); the places where they are unconfirmed are tolerant and say so.
"""

from __future__ import absolute_import, division, print_function

import json

from ansible.module_utils.six.moves.urllib.parse import quote, urlencode

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ApiError

__metaclass__ = type

PLATFORM = 'Feishu'
DEFAULT_BASE_URL = 'https://open.feishu.cn'
TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal'
DATA_SOURCES_PATH = '/open-apis/search/v2/data_sources'
SCHEMAS_PATH = '/open-apis/search/v2/schemas'
JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

# The reference's safe maximum for the list call (no documented limit; a third-party
# client refuses larger values, and so does the sandbox).
MAX_PAGE_SIZE = 50
VIEW_FULL = 0
# 50,000 data sources: far beyond any tenant; a listing that goes on longer is broken, not big.
MAX_PAGES = 1000

RATE_LIMIT_CODE = 99991400
# Codes after which a fresh tenant_access_token may succeed: the SDKs' token-invalid sets
# (99991665 and 99991666 are UNCONFIRMED "variants" in the reference; renewing once is
# harmless if they mean something else).  99991661, a missing or malformed Authorization
# header, is deliberately not here: a new token cannot fix it.
TOKEN_INVALID_CODES = frozenset([99991663, 99991664, 99991665, 99991666, 99991668, 99991671])
# The server failed while handling the request; it may or may not have acted on it.
SERVER_FAULT_CODES = frozenset([1270001, 1270003])
BAD_PARAMETER_CODE = 1270002
NOT_FOUND_CODE = 1270004
NO_CHANGE_CODE = 1271003
# "schema not found" on get, patch and delete: HTTP 400, not 404 (reference, get page).
SCHEMA_NOT_FOUND_CODE = 1273004
SCOPE_MISSING_CODE = 99991672
# Answers of the token endpoint to wrong or missing app credentials.
APP_CREDENTIAL_CODES = frozenset([10003, 10014])

# The reference gives both 1274004 and 1274005 for these rules without saying which is which.
SEARCH_SORT_HINT = ('A property cannot be both searchable and sortable; only text and tinytext properties may be '
                    'searchable, only int, double and timestamp ones sortable, and tag properties neither.')

HINTS = {
    1270004: 'The data source does not exist; check the id.',
    1270005: 'Search data sources need the Feishu Flagship edition (旗舰版) on this tenant; upgrade the '
             'tenant or use one that has it.',
    1272001: 'The app has no permission on this data source: it can manage only data sources it created or '
             'was granted access to.',
    1272002: 'Feishu could not authorise the call; check that the app is installed in this tenant.',
    SCHEMA_NOT_FOUND_CODE: 'The schema does not exist; check schema_id.',
    # The schema validation failures (1274001..1274010): the rules as the reference states them.
    1274001: 'Property names starting with "_" are reserved: only _title, _create_time, _update_time and '
             '_item_id may be declared.',
    1274002: 'Two properties have the same name; give each property a name of its own.',
    1274003: 'A reserved property (_title, _create_time, _update_time, _item_id) was declared without a type.',
    1274004: SEARCH_SORT_HINT,
    1274005: SEARCH_SORT_HINT,
    1274006: 'A tag property needs type_definitions.tag, the list of its tag values (name, color, text).',
    1274007: 'The schema exceeds a platform limit (for example the number of properties).',
    1274008: 'A property name is not valid for its type.',
    1274009: 'The search settings of a property conflict: a searchable property must also be returnable '
             '(is_searchable and is_returnable both true).',
    1274010: 'A name holds illegal characters or is too long: schema_id has at most 40 characters and matches '
             '^[a-zA-Z][a-zA-Z0-9-_]*$; a property name has at most 20 characters.',
    RATE_LIMIT_CODE: 'Feishu rate-limited the app; raise the retries option or run fewer tasks in parallel.',
    99991661: 'The request carried no usable Authorization header; check tenant_access_token.',
    SCOPE_MISSING_CODE: 'Add the scope search:data_source to the app in the Feishu developer console and '
                        'publish a new version of the app.',
}
APP_CREDENTIAL_HINT = 'Check app_id and app_secret (or FEISHU_APP_ID / FEISHU_APP_SECRET) and base_url.'
GIVEN_TOKEN_HINT = ('The tenant_access_token given to the module is invalid or expired and cannot be renewed '
                    'by the module; pass a fresh token, or give app_id and app_secret instead.')


class FeishuApiError(ApiError):
    """An ApiError that names Feishu's trace id as it does: the log id."""

    def __init__(self, message, **kwargs):
        self.field_violations = kwargs.pop('field_violations', None) or []
        super(FeishuApiError, self).__init__(PLATFORM, message, **kwargs)

    @property
    def log_id(self):
        return self.request_id

    def summary(self):
        text = super(FeishuApiError, self).summary()
        # ApiError says "request id"; Feishu's documents and support call it the log id.
        return text.replace('[request id: ', '[log id: ', 1)

    def details(self):
        details = super(FeishuApiError, self).details()
        details['error']['log_id'] = self.request_id
        if self.field_violations:
            details['error']['field_violations'] = self.field_violations
        return details


def _header_log_id(response):
    return response.header('X-Tt-Logid') or response.header('X-Request-Id')


def _body_error(payload):
    error = payload.get('error') if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else {}


def _retry_after(response):
    """Seconds to wait from x-ogw-ratelimit-reset (Feishu), else a standard Retry-After."""
    for name in ('x-ogw-ratelimit-reset', 'Retry-After'):
        value = response.header(name)
        if value in (None, ''):
            continue
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return None


def _hint_for(code, body_error):
    if code == BAD_PARAMETER_CODE:
        violations = _describe_violations(body_error.get('field_violations'))
        if violations:
            return 'Feishu rejected: %s.' % violations
        return 'A field value was rejected; check the option values against the Feishu documentation.'
    if code in APP_CREDENTIAL_CODES:
        return APP_CREDENTIAL_HINT
    return HINTS.get(code)


def _describe_violations(violations):
    parts = []
    for item in violations or []:
        if not isinstance(item, dict):
            continue
        field = item.get('field') or '?'
        description = item.get('description') or 'invalid'
        parts.append('%s: %s' % (field, description))
    return '; '.join(parts)


def decode_error(response, method, path):
    """Return a FeishuApiError for an unsuccessful response, or None for a success.

    Feishu often answers errors with a non-200 status and a JSON body holding
    ``code``/``msg``; gateways in front of it may answer with HTML.  Both are
    handled: the body's ``code`` decides when there is one, the HTTP status otherwise.
    """
    payload = response.json
    status = response.status
    log_id = _header_log_id(response)
    if not isinstance(payload, dict):
        return _non_json_error(response, method, path, log_id)

    code = business_code(payload.get('code'))
    ok_status = 200 <= status < 300
    if ok_status and code in (0, None):
        return None

    body_error = _body_error(payload)
    log_id = log_id or body_error.get('log_id')
    message = payload.get('msg') or body_error.get('message') or 'HTTP %s' % status
    rate_limited = status == 429 or code == RATE_LIMIT_CODE
    server_fault = code in SERVER_FAULT_CODES or status >= 500
    kwargs = dict(http_status=status, code=code, request_id=log_id, method=method, path=path,
                  hint=_hint_for(code, body_error), field_violations=body_error.get('field_violations'))
    if rate_limited:
        # refused before processing, so even a create may simply be sent again
        kwargs.update(transient=True, maybe_processed=False, retry_after=_retry_after(response))
    elif server_fault:
        kwargs.update(transient=True, maybe_processed=True)
    else:
        # A 4xx business code is a refusal: the call had no effect (after a token error it
        # may be repeated with a new token).
        kwargs.update(transient=False, maybe_processed=False)
    return FeishuApiError(message, **kwargs)


def business_code(value):
    """The ``code`` of an answer as a number when it is one: the docs show "0" as a string too."""
    if isinstance(value, str) and value.strip().lstrip('-').isdigit():
        return int(value.strip())
    return value


def _non_json_error(response, method, path, log_id):
    status = response.status
    snippet = response.snippet() or 'empty body'
    message = 'HTTP %s with a response that is not Feishu JSON: %s' % (status, snippet)
    rate_limited = status == 429
    # A 2xx gateway page or a 5xx is a fault of something in between: worth another try for
    # calls that can be repeated.  A 4xx page usually means a wrong base_url.
    transient = rate_limited or status >= 500 or 200 <= status < 300
    hint = None if transient else 'Check base_url: this answer does not come from the Feishu / Lark Open Platform.'
    return FeishuApiError(message, http_status=status, request_id=log_id, method=method, path=path,
                          transient=transient, maybe_processed=not rate_limited,
                          retry_after=_retry_after(response) if rate_limited else None, hint=hint)


def normalise_data_source(obj):
    """The API object with its id as a string.

    The reference says ids are strings on the wire; the Python SDK declares them int.
    Python's json parses any integer exactly, so a numeric id (were one ever sent) is
    converted without loss.  Ids are never used as numbers.
    """
    if not isinstance(obj, dict):
        return obj
    result = dict(obj)
    if result.get('id') is not None and not isinstance(result['id'], str):
        result['id'] = str(result['id'])
    return result


class FeishuClient:
    """Authenticated calls to the Feishu Open Platform for one module run.

    Exactly one of ``tenant_access_token`` and (``app_id``, ``app_secret``) is used.
    With app credentials one token is fetched per client (one per module run) and
    fetched again once if a call reports it invalid or expired.
    """

    def __init__(self, transport, retry_policy, base_url=DEFAULT_BASE_URL, app_id=None, app_secret=None,
                 tenant_access_token=None, register_secret=None):
        self.transport = transport
        self.retry = retry_policy
        self.base_url = base_url.rstrip('/')
        self.app_id = app_id
        self.app_secret = app_secret
        self.given_token = tenant_access_token
        self.register_secret = register_secret or (lambda value: None)
        self.token = None
        if app_secret:
            self.register_secret(app_secret)
        if tenant_access_token:
            self._remember_token(tenant_access_token)

    # ----- authentication ----------------------------------------------------------------------

    @property
    def can_renew_token(self):
        return not self.given_token

    def _remember_token(self, token):
        # registered before first use, so no output of this run can show it
        self.register_secret(token)
        self.register_secret('Bearer %s' % token)
        self.token = token

    def _current_token(self):
        if self.token is None:
            self._fetch_token()
        return self.token

    def _fetch_token(self):
        """POST the app credentials for a tenant_access_token (top-level fields, no ``data``)."""
        body = {'app_id': self.app_id, 'app_secret': self.app_secret}
        # Asking for a token twice is harmless, so every transient failure may be repeated.
        payload = self.retry.call(lambda: self._exchange('POST', TOKEN_PATH, body=body), idempotent=True)
        token = payload.get('tenant_access_token') if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise FeishuApiError('the token response carries no tenant_access_token', method='POST',
                                 path=TOKEN_PATH, hint=APP_CREDENTIAL_HINT)
        self._remember_token(token)
        return token

    # ----- one HTTP exchange -------------------------------------------------------------------

    def _exchange(self, method, path, query=None, body=None, token=None):
        """Send once; return the decoded JSON body or raise FeishuApiError / TransportError."""
        url = self.base_url + path
        if query:
            url += '?' + urlencode(sorted(query.items()))
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(',', ':')).encode('utf-8')
            headers['Content-Type'] = JSON_CONTENT_TYPE
        if token is not None:
            headers['Authorization'] = 'Bearer %s' % token
        response = self.transport.send(method, url, path, headers=headers, body=data)
        error = decode_error(response, method, path)
        if error is not None:
            raise error
        return response.json

    def call(self, method, path, query=None, body=None, idempotent=True):
        """An authenticated call with retries; returns the response's ``data`` object.

        A token reported invalid is replaced once and the call repeated once: the
        rejection happened at authentication, so even a create had no effect.  A write
        is passed with ``idempotent=False``: only what provably did not reach Feishu is
        repeated here; after a lost answer the resource looks first (RetryPolicy.call_write).
        """
        try:
            return self._call_with_retries(method, path, query, body, idempotent)
        except ApiError as error:
            if error.code not in TOKEN_INVALID_CODES:
                raise
            if not self.can_renew_token:
                error.hint = GIVEN_TOKEN_HINT
                raise
        self._fetch_token()
        return self._call_with_retries(method, path, query, body, idempotent)

    def _call_with_retries(self, method, path, query, body, idempotent):
        # The token is fetched outside the attempt so its own retries do not multiply with these.
        token = self._current_token()
        payload = self.retry.call(lambda: self._exchange(method, path, query=query, body=body, token=token),
                                  idempotent=idempotent)
        data = payload.get('data') if isinstance(payload, dict) else None
        return data if isinstance(data, dict) else {}

    # ----- Search v2 data sources --------------------------------------------------------------

    @staticmethod
    def _item_path(data_source_id):
        return '%s/%s' % (DATA_SOURCES_PATH, data_source_id)

    def get_data_source(self, data_source_id):
        """The data source, or None when Feishu reports it missing (1270004).

        UNCONFIRMED: the reference infers 1270004 for GET from the PATCH error table.
        """
        try:
            data = self.call('GET', self._item_path(data_source_id))
        except ApiError as error:
            if error.code == NOT_FOUND_CODE:
                return None
            raise
        return self._data_source_from(data, 'GET', self._item_path(data_source_id))

    def list_data_sources(self):
        """Every data source, full view, walking all pages with the largest safe page size.

        An item that a later page repeats is counted once; a listing that never ends
        (a page_token seen before, or more than MAX_PAGES pages) is an error.
        """
        items, seen_ids, seen_tokens = [], set(), set()
        page_token = None
        for dummy in range(MAX_PAGES):
            query = {'page_size': MAX_PAGE_SIZE, 'view': VIEW_FULL}
            if page_token:
                query['page_token'] = page_token
            data = self.call('GET', DATA_SOURCES_PATH, query=query)
            for item in data.get('items') or []:
                if isinstance(item, dict):
                    item = normalise_data_source(item)
                    if item.get('id') is None or item['id'] not in seen_ids:
                        seen_ids.add(item.get('id'))
                        items.append(item)
            if not data.get('has_more'):
                return items
            page_token = self._next_page_token(data, seen_tokens)
        raise FeishuApiError('the list of data sources did not end after %d pages (%d distinct data sources so far)'
                             % (MAX_PAGES, len(items)), method='GET', path=DATA_SOURCES_PATH,
                             hint='Feishu keeps answering has_more=true; retry later, and report the log id if it '
                                  'persists.')

    @staticmethod
    def _next_page_token(data, seen_tokens):
        # The documented field is page_token; the Node SDK iterator also reads next_page_token.
        page_token = data.get('page_token') or data.get('next_page_token')
        if not page_token:
            raise FeishuApiError('the list of data sources reports more pages but gives no page_token',
                                 method='GET', path=DATA_SOURCES_PATH)
        if page_token in seen_tokens:
            raise FeishuApiError('the list of data sources gives a page_token it gave before, so it would never '
                                 'end', method='GET', path=DATA_SOURCES_PATH)
        seen_tokens.add(page_token)
        return page_token

    def create_data_source(self, fields):
        """POST a new data source and return it.

        Not idempotent: the retry policy repeats it only when the server cannot have
        acted (rate limit, refused connection).  Ambiguous failures reach the caller,
        which must look before creating again.
        """
        data = self.call('POST', DATA_SOURCES_PATH, body=fields, idempotent=False)
        if not isinstance(data.get('data_source'), dict):
            # accepted, but the answer does not say what was created: as uncertain as a lost answer
            raise FeishuApiError('the create was answered as a success without data.data_source', method='POST',
                                 path=DATA_SOURCES_PATH, transient=True, maybe_processed=True)
        return normalise_data_source(data['data_source'])

    def patch_data_source(self, data_source_id, fields):
        """PATCH ``fields`` and return the updated object; "no change" is raised (1271003).

        Sent once: after a lost answer the resource re-reads before it sends it again.
        """
        data = self.call('PATCH', self._item_path(data_source_id), body=fields, idempotent=False)
        if isinstance(data.get('data_source'), dict):
            return normalise_data_source(data['data_source'])
        # The SDK and the PATCH page both document data.data_source; read back if it is missing.
        return self.get_data_source(data_source_id)

    def delete_data_source(self, data_source_id):
        """DELETE once; "not found" is raised (1270004, UNCONFIRMED for DELETE)."""
        self.call('DELETE', self._item_path(data_source_id), idempotent=False)
        return True

    @staticmethod
    def _data_source_from(data, method, path):
        obj = data.get('data_source')
        if not isinstance(obj, dict):
            raise FeishuApiError('the response carries no data.data_source', method=method, path=path)
        return normalise_data_source(obj)

    # ----- Search v2 schemas -----------------------------------------------------------------------

    @staticmethod
    def _schema_path(schema_id):
        # quoted: an id read from a data source (the info module) is not checked against the pattern
        return '%s/%s' % (SCHEMAS_PATH, quote(str(schema_id), safe=''))

    def get_schema(self, schema_id):
        """The schema, or None when Feishu reports it missing (1273004)."""
        path = self._schema_path(schema_id)
        try:
            data = self.call('GET', path)
        except ApiError as error:
            if error.code == SCHEMA_NOT_FOUND_CODE:
                return None
            raise
        return self._schema_from(data, 'GET', path)

    def create_schema(self, schema):
        """POST a new schema and return it.

        Not idempotent: repeated here only when the server cannot have acted; after a lost
        answer the resource looks for the schema before anything else.
        """
        data = self.call('POST', SCHEMAS_PATH, body=schema, idempotent=False)
        if not isinstance(data.get('schema'), dict):
            # accepted, but the answer does not say what was created: as uncertain as a lost answer
            raise FeishuApiError('the create was answered as a success without data.schema', method='POST',
                                 path=SCHEMAS_PATH, transient=True, maybe_processed=True)
        return data['schema']

    def validate_schema(self, schema):
        """POST the schema with validate_only=true: Feishu checks it and creates nothing.

        A dry run changes nothing, so it is repeated after transient faults like a read.
        What the answer holds beyond the code is not documented, so it is not used.
        """
        self.call('POST', SCHEMAS_PATH, query={'validate_only': 'true'}, body=schema, idempotent=True)
        return True

    def patch_schema(self, schema_id, body):
        """PATCH ``display`` and the properties' ``desc``/``answer_option``; return the schema.

        Sent once: after a lost answer the resource re-reads before it sends it again.
        """
        path = self._schema_path(schema_id)
        data = self.call('PATCH', path, body=body, idempotent=False)
        if isinstance(data.get('schema'), dict):
            return data['schema']
        # the reference documents data.schema; read back if it is missing
        return self.get_schema(schema_id)

    def delete_schema(self, schema_id):
        """DELETE once; "not found" (1273004) is raised."""
        self.call('DELETE', self._schema_path(schema_id), idempotent=False)
        return True

    @staticmethod
    def _schema_from(data, method, path):
        obj = data.get('schema')
        if not isinstance(obj, dict):
            raise FeishuApiError('the response carries no data.schema', method=method, path=path)
        return obj
