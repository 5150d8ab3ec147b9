"""Emulation of Feishu/Lark tenant_access_token issuance, Search v2 data sources and Search v2 schemas."""

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
SCHEMA_COLLECTION_PATH = '/open-apis/search/v2/schemas'
SCHEMA_ITEM_PATH_RE = re.compile(r'^/open-apis/search/v2/schemas/(?P<schema_id>[^/]+)$')

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
    1273004: (400, 'schema not found'),
    # Schema validation (the create page's error table; English wording is the sandbox's).
    1274001: (400, 'field name is reserved'),
    1274002: (400, 'duplicate field name'),
    1274003: (400, 'reserved field declared without a type'),
    1274004: (400, 'a field cannot be both searchable and sortable'),
    1274005: (400, 'field type does not allow this search or sort setting'),
    1274006: (400, 'tag field without type_definitions.tag'),
    1274007: (400, 'schema limit exceeded'),
    1274008: (400, 'field invalid for its type'),
    1274009: (400, 'field search behaviour conflict'),
    1274010: (400, 'field name has illegal characters or length'),
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


# ----- Search v2 schemas ---------------------------------------------------------------------------------------------
# shared/reference/feishu-search-schema-api.md; what it leaves open is the sandbox's choice (README, Sandbox choices).

SCHEMA_ID_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_-]*$')
SCHEMA_ID_MAX_LENGTH = 40
# Property names: letters, digits and "_", not starting with a digit, 1 to 20 characters (1274010); the character set
# is the sandbox's choice (the reference says only "illegal characters or length").
PROPERTY_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
PROPERTY_NAME_MAX_LENGTH = 20
RESERVED_PROPERTY_NAMES = ('_title', '_create_time', '_update_time', '_item_id')
PROPERTY_TYPES = ('text', 'int', 'tag', 'timestamp', 'double', 'tinytext')
SEARCHABLE_TYPES = ('text', 'tinytext')
SORTABLE_TYPES = ('int', 'double', 'timestamp')
TAG_COLORS = ('red', 'green', 'blue', 'grey', 'yellow')
DISPLAY_FIELDS = ('summary', 'footer', 'icon_url', 'tag1', 'tag2', 'tag3')
TAG_DISPLAY_FIELDS = ('tag1', 'tag2', 'tag3')
CARD_KEYS = ('search_common_card',)
SORT_ORDERS = ('asc', 'desc')
MAX_SORT_PRIORITY = 4
# The sandbox's limit (1274007): the reference names the code ("number of fields etc.") but no number.
MAX_SCHEMA_PROPERTIES = 50
SEARCH_OPTION_KEYS = ('enable_semantic_match', 'enable_exact_match', 'enable_prefix_match', 'enable_number_suffix_match',
                      'enable_camel_match')
PROPERTY_FIELDS = ('name', 'type', 'is_searchable', 'is_sortable', 'is_returnable', 'is_filterable', 'sort_options',
                   'search_options', 'filter_options', 'type_definitions', 'answer_option', 'desc')
SCHEMA_FIELDS = ('schema_id', 'properties', 'display')
PATCH_SCHEMA_FIELDS = ('display', 'properties')
PATCH_PROPERTY_FIELDS = ('name', 'desc', 'answer_option')
TEMPLATE_REFERENCE_RE = re.compile(r'\$\{([^{}]*)\}')
SCHEMA_DELETE_WHEN_BOUND = ('allow', 'refuse')


def _path(where, key):
    return '%s.%s' % (where, key) if where else key


def _is(what, test):
    """A checker: check(value, where) raises 1270002 unless test(value)."""
    def check(value, where):
        if not test(value):
            raise invalid('%s must be %s' % (where, what))
    return check


def _choice(*choices):
    return _is('one of: %s' % ', '.join(choices), lambda value: isinstance(value, str) and value in choices)


def _int_between(low, high):
    return _is('an integer between %d and %d' % (low, high), lambda value: is_strict_int(value) and low <= value <= high)


def _object(spec, required=()):
    """A checker for an object whose keys are spec's (key -> checker), with no nulls and the required keys present."""
    def check(value, where):
        if not isinstance(value, dict):
            raise invalid('%s must be an object' % (where or 'the request body'))
        unknown = sorted(set(value) - set(spec))
        if unknown:
            raise invalid('%sfield(s) not allowed here: %s' % ('%s: ' % where if where else '', ', '.join(unknown)))
        for key in required:
            if key not in value:
                raise invalid('%s is required' % _path(where, key))
        for key, item in value.items():
            if item is None:
                raise invalid('%s must not be null' % _path(where, key))
            spec[key](item, _path(where, key))
    return check


def _list_of(check_item):
    def check(value, where):
        if not isinstance(value, list):
            raise invalid('%s must be a list' % where)
        for index, item in enumerate(value):
            check_item(item, '%s[%d]' % (where, index))
    return check


STRING = _is('a string', lambda value: isinstance(value, str))
NON_EMPTY_STRING = _is('a non-empty string', lambda value: isinstance(value, str) and bool(value.strip()))
BOOLEAN = _is('a boolean', lambda value: isinstance(value, bool))
I18N_TEXT = _object({key: STRING for key in I18N_KEYS})
ANSWER_OPTION = _object({'is_searchable': BOOLEAN, 'is_returnable': BOOLEAN})
PROPERTY_CHECK = _object({
    'name': STRING, 'type': _choice(*PROPERTY_TYPES),
    'is_searchable': BOOLEAN, 'is_sortable': BOOLEAN, 'is_returnable': BOOLEAN, 'is_filterable': BOOLEAN,
    'sort_options': _object({'priority': _int_between(0, MAX_SORT_PRIORITY), 'order': _choice(*SORT_ORDERS)},
                            required=('priority', 'order')),
    'search_options': _object({key: BOOLEAN for key in SEARCH_OPTION_KEYS}),
    # The value sets of these strings are unconfirmed: any string passes.
    'filter_options': _object({
        'display_name': STRING, 'i18n_display_name': I18N_TEXT, 'option_mode': STRING, 'associated_smart_filter': STRING,
        'filter_type': STRING, 'enable_client_filter': BOOLEAN, 'reference_datasource_id': STRING,
        'predefine_enum_values': _list_of(_object({'name': NON_EMPTY_STRING, 'text': STRING}, required=('name', 'text'))),
    }),
    'type_definitions': _object({
        'tag': _list_of(_object({'name': NON_EMPTY_STRING, 'color': _choice(*TAG_COLORS), 'text': STRING},
                                required=('name', 'color', 'text'))),
        'user_ids': _object({'id_type': NON_EMPTY_STRING}, required=('id_type',)),
    }),
    'answer_option': ANSWER_OPTION,
    'desc': STRING,
}, required=('name',))
DISPLAY_CHECK = _object({
    'card_key': _choice(*CARD_KEYS),
    'fields_mapping': _list_of(_object({'display_field': _choice(*DISPLAY_FIELDS), 'data_field': NON_EMPTY_STRING},
                                       required=('display_field', 'data_field'))),
}, required=('card_key',))
SCHEMA_CHECK = _object({'schema_id': STRING, 'properties': _list_of(PROPERTY_CHECK), 'display': DISPLAY_CHECK},
                       required=('schema_id', 'properties'))
PATCH_SCHEMA_CHECK = _object({
    'display': DISPLAY_CHECK,
    'properties': _list_of(_object({'name': STRING, 'desc': STRING, 'answer_option': ANSWER_OPTION}, required=('name',))),
})


def _label(index, prop):
    return "properties[%d] ('%s')" % (index, prop['name'])


def check_schema_id(schema_id):
    """1270002 unless schema_id follows the documented pattern and length."""
    if not SCHEMA_ID_RE.match(schema_id) or len(schema_id) > SCHEMA_ID_MAX_LENGTH:
        raise invalid('schema_id %r must match ^[a-zA-Z][a-zA-Z0-9-_]*$ and have at most %d characters'
                      % (schema_id, SCHEMA_ID_MAX_LENGTH))


def _check_property_names(properties):
    """Names (1274010, 1274001), types of reserved names (1274003), duplicates (1274002), the count (1274007)."""
    seen = set()
    for index, prop in enumerate(properties):
        name, label = prop['name'], _label(index, prop)
        if not PROPERTY_NAME_RE.match(name) or len(name) > PROPERTY_NAME_MAX_LENGTH:
            raise FeishuError(1274010, '%s: a name has 1 to %d letters, digits or "_" and does not start with a digit'
                              % (label, PROPERTY_NAME_MAX_LENGTH))
        if name.startswith('_') and name not in RESERVED_PROPERTY_NAMES:
            raise FeishuError(1274001, '%s: names starting with "_" are reserved; only %s may be declared'
                              % (label, ', '.join(RESERVED_PROPERTY_NAMES)))
        if 'type' not in prop:
            if name in RESERVED_PROPERTY_NAMES:
                raise FeishuError(1274003, '%s: a reserved field needs a type' % label)
            raise invalid('%s.type is required' % label)
        if name in seen:
            raise FeishuError(1274002, '%s: the name is declared twice' % label)
        seen.add(name)
    if len(properties) > MAX_SCHEMA_PROPERTIES:
        raise FeishuError(1274007, 'a schema has at most %d properties (the sandbox\'s limit), not %d'
                          % (MAX_SCHEMA_PROPERTIES, len(properties)))


def _check_property_rules(index, prop):
    """Searchable/sortable rules (1274004, 1274005, 1274009), tag definitions (1274006), required options (1270002)."""
    label, kind = _label(index, prop), prop['type']
    searchable, sortable = prop.get('is_searchable', False), prop.get('is_sortable', False)
    if searchable and sortable:
        raise FeishuError(1274004, label)
    if searchable and kind not in SEARCHABLE_TYPES:
        raise FeishuError(1274005, '%s: a %s field cannot be searchable (only %s)' % (label, kind, ', '.join(SEARCHABLE_TYPES)))
    if sortable and kind not in SORTABLE_TYPES:
        raise FeishuError(1274005, '%s: a %s field cannot be sortable (only %s)' % (label, kind, ', '.join(SORTABLE_TYPES)))
    if searchable and not prop.get('is_returnable', False):
        raise FeishuError(1274009, '%s: a searchable field must be returnable' % label)
    if kind == 'tag' and not prop.get('type_definitions', {}).get('tag'):
        raise FeishuError(1274006, '%s: a tag field needs a non-empty type_definitions.tag' % label)
    if sortable and 'sort_options' not in prop:
        raise invalid('%s: sort_options is required when is_sortable is true' % label)
    if searchable and 'search_options' not in prop:
        raise invalid('%s: search_options is required when is_searchable is true' % label)
    tag_names = [tag['name'] for tag in prop.get('type_definitions', {}).get('tag', [])]
    if len(tag_names) != len(set(tag_names)):
        raise invalid('%s: type_definitions.tag names a tag twice' % label)


def check_display(display, properties):
    """The card mapping against the properties: each data_field template ${name} must name a property (1270002; the
    reserved names need not be declared), returnable (1274008); tag1..tag3 map only tag fields (1274008)."""
    by_name = {prop['name']: prop for prop in properties}
    mapped = set()
    for index, mapping in enumerate(display.get('fields_mapping', [])):
        where = 'display.fields_mapping[%d]' % index
        slot, template = mapping['display_field'], mapping['data_field']
        if slot in mapped:
            raise invalid('%s: display_field %s is mapped twice' % (where, slot))
        mapped.add(slot)
        names = TEMPLATE_REFERENCE_RE.findall(template)
        if slot in TAG_DISPLAY_FIELDS and not names:
            raise FeishuError(1274008, '%s: %s maps only tag fields, as ${name}, not %r' % (where, slot, template))
        for name in names:
            prop = by_name.get(name)
            if prop is None and name not in RESERVED_PROPERTY_NAMES:
                raise invalid('%s: data_field %r names ${%s}, which is not a property' % (where, template, name))
            if slot in TAG_DISPLAY_FIELDS and (prop is None or prop['type'] != 'tag'):
                raise FeishuError(1274008, '%s: %s maps only tag fields; %s is %s' % (
                    where, slot, name, 'a %s field' % prop['type'] if prop else 'a built-in field'))
            if prop is not None and not prop.get('is_returnable', False):
                raise FeishuError(1274008, '%s: data_field %r uses %s, which is not returnable' % (where, template, name))


def validate_schema(body):
    """Check a Schema create body; return a stored copy, or raise the first problem as a FeishuError.

    Order: shapes and types of every key (1270002), schema_id, names (1274010, 1274001, 1274003, 1274002), the count
    (1274007), each property's rules in order, then the display.
    """
    SCHEMA_CHECK(body, '')
    check_schema_id(body['schema_id'])
    properties = body['properties']
    if not properties:
        raise invalid('properties must not be empty')
    _check_property_names(properties)
    for index, prop in enumerate(properties):
        _check_property_rules(index, prop)
    if 'display' in body:
        check_display(body['display'], properties)
    return copy.deepcopy(body)


def render_schema(schema):
    """The schema as the API answers it: keys in the SDK's order, and only those the caller set (as for data sources)."""
    rendered = {'schema_id': schema['schema_id'],
                'properties': [{key: copy.deepcopy(prop[key]) for key in PROPERTY_FIELDS if key in prop}
                               for prop in schema['properties']]}
    if 'display' in schema:
        rendered['display'] = copy.deepcopy(schema['display'])
    return rendered


def is_validate_only(query):
    """True when a schema create is a dry run (?validate_only=true)."""
    return query.get('validate_only', [''])[0] == 'true'


class FeishuEmulator:
    """State and handlers for /open-apis/... (token, search/v2/data_sources and search/v2/schemas)."""

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
        self.schemas = {}         # schema_id -> stored Schema; insertion order is creation order
        self.seed_schemas(feishu.get('schemas', []))
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

    def seed_schemas(self, items):
        """Insert schemas directly, validated as a create is; all or nothing, ValueError on bad input."""
        if not isinstance(items, list):
            raise ValueError('Feishu schemas must be seeded as a list')
        prepared = []
        for index, item in enumerate(items):
            try:
                prepared.append(validate_schema(item))
            except FeishuError as error:
                raise ValueError('seeded schema %d: %s (%d)' % (index, error.msg, error.code)) from error
        ids = [schema['schema_id'] for schema in prepared]
        if len(ids) != len(set(ids)) or any(schema_id in self.schemas for schema_id in ids):
            raise ValueError('seeded schema ids must be new and distinct')
        for schema in prepared:
            self.schemas[schema['schema_id']] = schema
        return [render_schema(schema) for schema in prepared]

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
            'schemas': [render_schema(schema) for schema in self.schemas.values()],
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
        if path == SCHEMA_COLLECTION_PATH:
            # There is no list call: only POST is routed.
            return ('feishu.schema.create', {}) if method == 'POST' else ('feishu.unknown', {})
        match = SCHEMA_ITEM_PATH_RE.match(path)
        if match:
            ops = {'GET': 'feishu.schema.get', 'PATCH': 'feishu.schema.patch', 'DELETE': 'feishu.schema.delete'}
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
            'feishu.schema.create': self._schema_create, 'feishu.schema.get': self._schema_get,
            'feishu.schema.patch': self._schema_patch, 'feishu.schema.delete': self._schema_delete,
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

    # ----- schema handlers -------------------------------------------------------------------------------------

    def _schema(self, call):
        schema_id = call.params['schema_id']
        check_schema_id(schema_id)
        schema = self.schemas.get(schema_id)
        if schema is None:
            raise FeishuError(1273004, 'no schema %s' % schema_id)
        return schema

    def _schema_create(self, call):
        raw = call.request.query.get('validate_only', ['false'])[0]
        if raw not in ('true', 'false'):
            raise invalid('validate_only must be true or false')
        body = self._json_object(call.request)
        schema = validate_schema(body)
        if schema['schema_id'] in self.schemas:
            raise invalid('schema already exists: %s' % schema['schema_id'])
        if raw == 'false':
            self.schemas[schema['schema_id']] = schema
        return self._ok({'schema': render_schema(schema)})

    def _schema_get(self, call):
        return self._ok({'schema': render_schema(self._schema(call))})

    def _schema_patch(self, call):
        """Only display (replaced whole) and, per property named, desc and answer_option (replaced whole)."""
        schema = self._schema(call)
        body = self._json_object(call.request)
        PATCH_SCHEMA_CHECK(body, '')
        if not body:
            raise invalid('nothing to patch: give display and/or properties')
        updated = copy.deepcopy(schema)
        by_name = {prop['name']: prop for prop in updated['properties']}
        patched = set()
        for index, change in enumerate(body.get('properties', [])):
            name = change['name']
            if name not in by_name:
                raise invalid('properties[%d]: the schema has no property %r' % (index, name))
            if name in patched:
                raise invalid('properties[%d]: property %r is patched twice' % (index, name))
            patched.add(name)
            by_name[name].update(copy.deepcopy({key: value for key, value in change.items() if key != 'name'}))
        if 'display' in body:
            updated['display'] = copy.deepcopy(body['display'])
            check_display(updated['display'], updated['properties'])
        self.schemas[schema['schema_id']] = updated
        return self._ok({'schema': render_schema(updated)})

    def _schema_delete(self, call):
        schema = self._schema(call)
        bound = [record for record in self.data_sources.values() if record.get('schema_id') == schema['schema_id']]
        if bound and self.settings['schema_delete_when_bound'] == 'refuse':
            names = ', '.join("%s ('%s')" % (record['id'], record.get('name', '')) for record in bound)
            raise invalid('schema %s is bound to data source(s): %s' % (schema['schema_id'], names))
        del self.schemas[schema['schema_id']]
        return self._ok({})

    # ----- data-source listing ----------------------------------------------------------------------------------

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
