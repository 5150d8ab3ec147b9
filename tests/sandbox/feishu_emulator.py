"""Emulation of Feishu/Lark tenant_access_token issuance and Search v2 data sources."""

import base64
import copy
import re
import secrets
import time

from sandbox_http import is_strict_int, json_response, text_response

TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal'
COLLECTION_PATH = '/open-apis/search/v2/data_sources'
ITEM_PATH_RE = re.compile(r'^/open-apis/search/v2/data_sources/(?P<ds_id>[^/]+)$')
DECIMAL_ID_RE = re.compile(r'^[0-9]{1,20}$')

# Writable fields of the DataSource object and the type each must have.
FIELD_TYPES = {
    'name': 'string', 'state': 'state', 'description': 'string', 'icon_url': 'string', 'template': 'string',
    'searchable_fields': 'string_list', 'i18n_name': 'i18n', 'i18n_description': 'i18n', 'schema_id': 'string',
    'app_id': 'string', 'connect_type': 'connect_type', 'connector_param': 'connector_param', 'enable_answer': 'bool',
}
PATCH_FIELDS = ('name', 'state', 'description', 'icon_url', 'i18n_name', 'i18n_description', 'connector_param', 'enable_answer')
READ_ONLY_FIELDS = ('id', 'create_time', 'update_time', 'is_exceed_quota')
FIELD_ORDER = ('id', 'name', 'state', 'description', 'create_time', 'update_time', 'is_exceed_quota', 'icon_url', 'template',
               'searchable_fields', 'i18n_name', 'i18n_description', 'schema_id', 'app_id', 'connect_type', 'connector_param',
               'enable_answer')
BASIC_VIEW_FIELDS = ('id', 'name', 'state')
I18N_KEYS = ('zh_cn', 'en_us', 'ja_jp')
CONNECTOR_PARAM_KEYS = ('callback_user_id_type', 'callback_endpoint')
DEFAULT_TEMPLATE = 'search_common_card'
DEFAULT_PAGE_SIZE = 10
# A token with at least this much life left is handed out again instead of a new one.
TOKEN_REUSE_MIN_SECONDS = 30 * 60

# code -> (HTTP status, message), from the PATCH page's error table and the platform codes.
ERRORS = {
    10003: (400, 'invalid param'),
    10014: (400, 'app secret invalid'),
    1270001: (500, 'internal error'),
    1270002: (400, 'invalid param'),
    1270003: (500, 'call failed'),
    1270004: (400, 'data source not found'),
    1270005: (400, 'this feature is only available on the Flagship edition'),
    1271003: (400, 'no change'),
    1272001: (401, 'no permission on this data source'),
    1272002: (500, 'auth failed'),
    99991400: (429, 'request trigger frequency limit'),
    99991661: (400, 'Missing access token for authorization. Please make a request with token attached.'),
    99991663: (400, 'Invalid access token for authorization. Please make a request with token attached.'),
}


class FeishuError(Exception):
    """An API error: HTTP status, Feishu code and message."""

    def __init__(self, code, detail=None, status=None):
        default_status, default_msg = ERRORS.get(code, (400, 'error'))
        msg = '%s: %s' % (default_msg, detail) if detail else default_msg
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status or default_status


def invalid(detail):
    return FeishuError(1270002, detail)


def _type_problem(kind, value):
    """Why `value` is not of field type `kind`, or None if it is."""
    if kind in ('string', 'bool'):
        expected = str if kind == 'string' else bool
        return None if isinstance(value, expected) else 'must be a %s' % ('string' if kind == 'string' else 'boolean')
    if kind in ('state', 'connect_type'):
        return None if is_strict_int(value) and value in (0, 1) else 'must be 0 or 1'
    if kind == 'string_list':
        return None if isinstance(value, list) and all(isinstance(item, str) for item in value) else 'must be a list of strings'
    if kind == 'i18n':
        return _object_problem(value, {key: str for key in I18N_KEYS})
    return _connector_param_problem(value)


def _object_problem(value, key_types):
    if not isinstance(value, dict):
        return 'must be an object'
    unknown = sorted(set(value) - set(key_types))
    if unknown:
        return 'has unknown key(s): %s' % ', '.join(unknown)
    wrong = sorted(key for key, item in value.items() if not isinstance(item, key_types[key]))
    if wrong:
        return 'has a value of the wrong type for: %s' % ', '.join(wrong)
    return None


def _connector_param_problem(value):
    problem = _object_problem(value, {'callback_user_id_type': int, 'callback_endpoint': str})
    if problem:
        return problem
    user_id_type = value.get('callback_user_id_type')
    if user_id_type is not None and (not is_strict_int(user_id_type) or user_id_type not in (0, 1, 2, 3)):
        return 'callback_user_id_type must be 0, 1, 2 or 3'
    return None


def validate_fields(body, allowed):
    """Reject unknown keys, nulls and wrong types (all 1270002)."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise invalid('field(s) not allowed here: %s' % ', '.join(unknown))
    for key, value in body.items():
        if value is None:
            raise invalid('%s must not be null' % key)
        problem = _type_problem(FIELD_TYPES[key], value)
        if problem:
            raise invalid('%s %s' % (key, problem))
    if 'name' in body and not body['name'].strip():
        raise invalid('name must not be empty')


class FeishuEmulator:
    """State and handlers for /open-apis/... (token and search/v2/data_sources)."""

    platform = 'feishu'
    # The bodies of the oversized and echo faults (sandbox_faults builds them).
    OVERSIZED_ENVELOPE = ('{"code":0,"msg":"success","data":{"has_more":false,"page_token":"","items":[],"padding":"', '"}}')

    @staticmethod
    def echo_payload(message):
        return {'code': 1270002, 'msg': message}

    def __init__(self, config, settings):
        self.settings = settings
        self.load(config, time.time())

    # ----- state -----------------------------------------------------------------------------------------------

    def load(self, config, now):
        feishu = config.get('feishu', {})
        self.apps = {app['app_id']: app['app_secret'] for app in feishu.get('apps', [])}
        self.tokens = {}          # token -> {'app_id', 'expires_at'}
        self.current_token = {}   # app_id -> newest token
        self.data_sources = {}    # id -> record; dicts keep insertion order, which is the list order
        self.next_seq = 1
        # Page tokens embed this salt so tokens from another run (or forged ones) are rejected.
        self.page_salt = secrets.token_hex(4)
        self.seed(feishu.get('data_sources', []), now)

    def seed(self, items, now):
        """Insert data sources directly; all or nothing, ValueError on bad input."""
        prepared = [self._prepare_seed(item) for item in items]
        ids = [ds_id for ds_id, dummy, dummy2 in prepared if ds_id]
        if len(ids) != len(set(ids)) or any(ds_id in self.data_sources for ds_id in ids):
            raise ValueError('seeded ids must be new and distinct')
        created = []
        for ds_id, fields, times in prepared:
            record = self._insert(ds_id or self._new_id(), fields, now)
            record.update(times)
            created.append(self.render(record))
        return created

    @staticmethod
    def _prepare_seed(item):
        """Validate one seeded data source: (id or None, writable fields, timestamps)."""
        if not isinstance(item, dict):
            raise ValueError('each seeded Feishu data source must be an object')
        fields = {key: value for key, value in item.items() if key not in READ_ONLY_FIELDS}
        try:
            validate_fields(fields, FIELD_TYPES)
        except FeishuError as error:
            raise ValueError(error.msg) from error
        if not fields.get('name'):
            raise ValueError('each seeded Feishu data source needs a name')
        ds_id = str(item['id']) if item.get('id') else None
        if ds_id is not None and not DECIMAL_ID_RE.match(ds_id):
            raise ValueError('seeded id %s is not a decimal string' % ds_id)
        return ds_id, fields, {key: str(item[key]) for key in ('create_time', 'update_time') if key in item}

    def _new_id(self):
        """19-digit decimal ids, above 2**53 like the real ones, so clients must keep them as strings."""
        while True:
            candidate = str(7 * 10 ** 18 + secrets.randbelow(2 * 10 ** 18))
            if candidate not in self.data_sources:
                return candidate

    def _insert(self, ds_id, fields, now):
        stamp = str(int(now))
        record = {'id': ds_id, 'state': 1, 'template': DEFAULT_TEMPLATE,
                  'create_time': stamp, 'update_time': stamp, 'is_exceed_quota': False}
        record.update(copy.deepcopy(fields))
        record['_seq'] = self.next_seq
        self.next_seq += 1
        self.data_sources[ds_id] = record
        return record

    @staticmethod
    def render(record, basic=False):
        fields = BASIC_VIEW_FIELDS if basic else FIELD_ORDER
        return {key: copy.deepcopy(record[key]) for key in fields if key in record}

    def expire_all_tokens(self, now):
        for token in self.tokens.values():
            token['expires_at'] = min(token['expires_at'], now)

    def snapshot(self, now):
        return {
            'data_sources': [self.render(record) for record in self.data_sources.values()],
            'tokens': [{'token': token, 'app_id': info['app_id'], 'expires_in': round(info['expires_at'] - now, 3)}
                       for token, info in self.tokens.items()],
        }

    # ----- HTTP surface ----------------------------------------------------------------------------------------

    @staticmethod
    def new_trace_id():
        return time.strftime('%Y%m%d%H%M%S', time.gmtime()) + secrets.token_hex(9).upper()

    @staticmethod
    def route(method, path):
        if path == TOKEN_PATH:
            return ('feishu.token', {}) if method == 'POST' else ('feishu.unknown', {})
        if path == COLLECTION_PATH:
            ops = {'POST': 'feishu.create', 'GET': 'feishu.list'}
            return ops.get(method, 'feishu.unknown'), {}
        match = ITEM_PATH_RE.match(path)
        if match:
            ops = {'GET': 'feishu.get', 'PATCH': 'feishu.patch', 'DELETE': 'feishu.delete'}
            return ops.get(method, 'feishu.unknown'), match.groupdict()
        return 'feishu.unknown', {}

    def authenticate(self, call):
        """Token call: are the app credentials right?  Others: is the Bearer token live?"""
        if call.op == 'feishu.token':
            ok, body = call.request.json_body()
            valid = ok and isinstance(body, dict) and self.apps.get(body.get('app_id')) == body.get('app_secret')
            return bool(valid), ''
        header = (call.request.header('Authorization') or '').strip()
        scheme, dummy, token = header.partition(' ')
        if scheme != 'Bearer' or not token.strip():
            return False, FeishuError(99991661)
        info = self.tokens.get(token.strip())
        if info is None or info['expires_at'] <= call.now:
            return False, FeishuError(99991663)
        return True, ''

    def auth_error(self, call, reason):
        if call.op == 'feishu.token':
            return None  # the token handler reports bad app credentials itself
        return self.error_response(call, reason)

    @staticmethod
    def not_found_route(call):
        return text_response(404, '404 page not found')

    def error_response(self, call, error, headers=None):
        body = {'code': error.code, 'msg': error.msg, 'error': {'log_id': call.trace_id}}
        return json_response(error.status, body, headers, content_type='application/json; charset=utf-8')

    @staticmethod
    def stamp(call, response):
        if not response.has_header('X-Tt-Logid'):
            response.add_header('X-Tt-Logid', call.trace_id)
        return response

    def fault_response(self, call, fault):
        params = fault.params
        if fault.kind == 'rate_limit':
            headers = [('x-ogw-ratelimit-limit', params['limit']), ('x-ogw-ratelimit-reset', params['reset'])]
            return self.error_response(call, FeishuError(99991400), headers)
        if fault.kind == 'http_error':
            code = params['code'] if params['code'] is not None else 1270001
            error = FeishuError(code, status=params['status'])
        else:
            error = FeishuError(params['code'], status=params['status'])
        if params.get('msg'):
            error.msg = params['msg']
        return self.error_response(call, error)

    def handle(self, call, claim_job_fault):
        handler = {
            'feishu.token': self._token, 'feishu.create': self._create, 'feishu.get': self._get,
            'feishu.list': self._list, 'feishu.patch': self._patch, 'feishu.delete': self._delete,
        }[call.op]
        try:
            return handler(call)
        except FeishuError as error:
            return self.error_response(call, error)

    # ----- handlers --------------------------------------------------------------------------------------------

    def _token(self, call):
        ok, body = call.request.json_body()
        if not ok or not isinstance(body, dict) or not all(isinstance(body.get(key), str) for key in ('app_id', 'app_secret')):
            raise FeishuError(10003, 'app_id and app_secret are required strings', status=400)
        if self.apps.get(body['app_id']) != body['app_secret']:
            raise FeishuError(10014, status=400)
        token, expire = self._issue_token(body['app_id'], call.now)
        return json_response(200, {'code': 0, 'msg': 'ok', 'tenant_access_token': token, 'expire': expire},
                             content_type='application/json; charset=utf-8')

    def _issue_token(self, app_id, now):
        """Hand back the current token while it has >= 30 min left, else mint a new one."""
        current = self.tokens.get(self.current_token.get(app_id))
        if current is not None and current['expires_at'] - now >= TOKEN_REUSE_MIN_SECONDS:
            return self.current_token[app_id], int(current['expires_at'] - now)
        lifetime = int(self.settings['token_lifetime'])
        token = 't-' + secrets.token_hex(20)
        self.tokens[token] = {'app_id': app_id, 'expires_at': now + lifetime}
        self.current_token[app_id] = token
        return token, lifetime

    @staticmethod
    def _json_object(request):
        content_type = (request.header('Content-Type') or '').lower()
        if 'application/json' not in content_type:
            raise invalid('Content-Type must be application/json')
        ok, body = request.json_body()
        if not ok or not isinstance(body, dict):
            raise invalid('the request body must be a JSON object')
        return body

    def _record(self, call):
        ds_id = call.params['ds_id']
        if not DECIMAL_ID_RE.match(ds_id):
            raise invalid('data_source_id must be a decimal string')
        record = self.data_sources.get(ds_id)
        if record is None:
            raise FeishuError(1270004)
        return record

    @staticmethod
    def _ok(data):
        return json_response(200, {'code': 0, 'msg': 'success', 'data': data}, content_type='application/json; charset=utf-8')

    def _create(self, call):
        body = self._json_object(call.request)
        validate_fields(body, FIELD_TYPES)
        if 'name' not in body:
            raise invalid('name is required')
        record = self._insert(self._new_id(), body, call.now)
        return self._ok({'data_source': self.render(record)})

    def _get(self, call):
        return self._ok({'data_source': self.render(self._record(call))})

    def _patch(self, call):
        record = self._record(call)
        body = self._json_object(call.request)
        validate_fields(body, PATCH_FIELDS)
        # Nested objects are replaced whole: the harsher of the two possible real semantics.
        updated = dict(record)
        updated.update(copy.deepcopy(body))
        if updated == record:
            raise FeishuError(1271003, 'the data source already has these values')
        updated['update_time'] = str(int(call.now))
        self.data_sources[record['id']] = updated
        return self._ok({'data_source': self.render(updated)})

    def _delete(self, call):
        record = self._record(call)
        del self.data_sources[record['id']]
        return self._ok({})

    def _list(self, call):
        query = call.request.query
        return self._list_answer(query, query.get('page_token', [''])[0])

    def first_page(self, call, endless_token=None):
        """The first page for this call's page_size and view, whatever page_token it carries.

        For the endless_pages fault: with endless_token the answer claims more items follow behind that token,
        and a token it handed out (once the fault is spent) starts the walk again instead of failing.
        """
        try:
            return self._list_answer(call.request.query, '', endless_token)
        except FeishuError as error:
            return self.error_response(call, error)

    def _list_answer(self, query, page_token, endless_token=None):
        basic = self._view(query)
        page_size = self._page_size(query)
        after = self._decode_page_token(page_token)
        remaining = [record for record in self.data_sources.values() if record['_seq'] > after]
        page = remaining[:page_size]
        has_more = len(remaining) > page_size
        next_token = self._encode_page_token(page[-1]['_seq']) if has_more else ''
        return self._ok({
            'items': [self.render(record, basic) for record in page],
            'has_more': has_more or endless_token is not None,
            'page_token': endless_token or next_token,
        })

    @staticmethod
    def _view(query):
        view = query.get('view', ['0'])[0]
        if view not in ('0', '1'):
            raise invalid('view must be 0 or 1')
        return view == '1'

    def _page_size(self, query):
        raw = query.get('page_size', [str(DEFAULT_PAGE_SIZE)])[0]
        maximum = int(self.settings['max_page_size'])
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise invalid('page_size must be an integer between 1 and %d' % maximum)
        return int(raw)

    def _encode_page_token(self, seq):
        raw = ('%s:%d' % (self.page_salt, seq)).encode('ascii')
        return base64.urlsafe_b64encode(raw).decode('ascii').rstrip('=')

    def _decode_page_token(self, token):
        """The sequence number after which the page starts; 0 for the first page."""
        if not token:
            return 0
        try:
            raw = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4)).decode('ascii')
            salt, seq = raw.split(':')
            if salt == self.page_salt:
                return int(seq)
        except (ValueError, UnicodeDecodeError):
            pass
        raise invalid('page_token is not valid')
