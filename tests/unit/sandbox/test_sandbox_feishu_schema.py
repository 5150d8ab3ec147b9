"""Feishu Search v2 schema emulation: create (validate_only), get, patch, delete, the validation rules and their codes,
auth and faults by op, the request log, and the control API (seed, state, reset, config, settings)."""

import copy
import json
import time

import pytest

from client import SandboxControlError
from fixture import run_sandbox
from sandbox_app import load_config
from sbx_api import FeishuApi, http_call

SCHEMAS_PATH = '/open-apis/search/v2/schemas'

# The reference's example create body.
EXAMPLE = {
    'schema_id': 'ticket_schema',
    'properties': [
        {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True,
         'search_options': {'enable_semantic_match': True, 'enable_exact_match': True}},
        {'name': 'priority', 'type': 'tag', 'is_returnable': True, 'is_filterable': True,
         'type_definitions': {'tag': [{'name': 'p0', 'color': 'red', 'text': 'P0'}]}},
        {'name': 'created', 'type': 'timestamp', 'is_sortable': True, 'is_returnable': True,
         'sort_options': {'priority': 0, 'order': 'desc'}},
    ],
    'display': {'card_key': 'search_common_card',
                'fields_mapping': [{'display_field': 'tag1', 'data_field': '${priority}'},
                                   {'display_field': 'summary', 'data_field': '${title}'}]},
}


def example(**top):
    body = copy.deepcopy(EXAMPLE)
    body.update(top)
    return body


def create(feishu, body, validate_only=None, token=None):
    query = '' if validate_only is None else '?validate_only=' + validate_only
    return feishu.call('POST', SCHEMAS_PATH + query, body, token=token)


def get(feishu, schema_id, token=None):
    return feishu.call('GET', '%s/%s' % (SCHEMAS_PATH, schema_id), token=token)


def patch(feishu, schema_id, body, token=None):
    return feishu.call('PATCH', '%s/%s' % (SCHEMAS_PATH, schema_id), body, token=token)


def delete(feishu, schema_id, token=None):
    return feishu.call('DELETE', '%s/%s' % (SCHEMAS_PATH, schema_id), token=token)


def error_of(result):
    """(HTTP status, code, msg) of an error answer, after checking its log id matches X-Tt-Logid."""
    body = result.json
    assert body['error']['log_id'] == result.headers['x-tt-logid']
    return result.status, body['code'], body['msg']


def code_of(result):
    return error_of(result)[:2]


def stored(sandbox):
    return sandbox.state()['feishu']['schemas']


def schema_log(sandbox):
    return [entry for entry in sandbox.requests('feishu') if entry['op'].startswith('feishu.schema.')]


# ----- create, get, rendering ----------------------------------------------------------------------------------

def test_create_answers_and_stores_the_schema(sandbox, feishu):
    result = create(feishu, EXAMPLE)
    assert result.status == 200 and result.headers['x-tt-logid']
    assert result.headers['content-type'] == 'application/json; charset=utf-8'
    assert (result.json['code'], result.json['msg']) == (0, 'success')
    assert result.json['data'] == {'schema': EXAMPLE}
    fetched = get(feishu, 'ticket_schema')
    assert fetched.status == 200 and fetched.json == {'code': 0, 'msg': 'success', 'data': {'schema': EXAMPLE}}
    assert stored(sandbox) == [EXAMPLE]
    [entry] = schema_log(sandbox)[:1]
    assert (entry['op'], entry['write'], entry['method'], entry['path'], entry['status']) == (
        'feishu.schema.create', True, 'POST', SCHEMAS_PATH, 200)
    assert entry['body'] == EXAMPLE


def test_only_the_keys_given_come_back_false_and_empty_ones_included(feishu):
    """Rendering follows the data sources: a key is returned when it was set, whatever its value; nothing is filled in."""
    body = {'schema_id': 'Sparse-1', 'properties': [
        {'desc': '', 'type': 'int', 'name': 'n', 'is_searchable': False, 'is_filterable': False, 'answer_option': {}},
        {'name': 'plain', 'type': 'tinytext'}]}
    schema = create(feishu, body).json['data']['schema']
    assert schema == body
    assert list(schema) == ['schema_id', 'properties']  # no display given, none invented
    assert list(schema['properties'][0]) == ['name', 'type', 'is_searchable', 'is_filterable', 'answer_option', 'desc']
    assert schema['properties'][1] == {'name': 'plain', 'type': 'tinytext'}


def test_accepted_edge_cases(feishu):
    props = [
        {'name': '_title', 'type': 'text', 'is_searchable': True, 'is_returnable': True, 'search_options': {}},
        {'name': '_create_time', 'type': 'timestamp', 'is_sortable': True, 'sort_options': {'priority': 4, 'order': 'asc'}},
        {'name': '_update_time', 'type': 'timestamp'}, {'name': '_item_id', 'type': 'tinytext'},
        {'name': 'a' * 20, 'type': 'double', 'is_sortable': True, 'is_returnable': True,
         'sort_options': {'priority': 1, 'order': 'desc'}},
        {'name': 'owner', 'type': 'text', 'is_returnable': True, 'is_filterable': True,
         'filter_options': {'display_name': 'Owner', 'i18n_display_name': {'zh_cn': '负责人'}, 'option_mode': 'single',
                            'associated_smart_filter': 'from', 'filter_type': 'user', 'enable_client_filter': True,
                            'reference_datasource_id': '7000000000000000001',
                            'predefine_enum_values': [{'name': 'me', 'text': 'Me'}]},
         'type_definitions': {'user_ids': {'id_type': 'open_id'}}, 'answer_option': {'is_searchable': True, 'is_returnable': False},
         'desc': 'who owns it'},
        {'name': 'status', 'type': 'tag', 'is_returnable': True, 'type_definitions': {'tag': [
            {'name': colour, 'color': colour, 'text': colour.title()} for colour in ('red', 'green', 'blue', 'grey', 'yellow')]}},
    ]
    display = {'card_key': 'search_common_card', 'fields_mapping': [
        {'display_field': 'summary', 'data_field': '${_title} by ${owner}: ${%s}' % ('a' * 20)},  # reserved names need no declaration
        {'display_field': 'footer', 'data_field': 'static text'},
        {'display_field': 'icon_url', 'data_field': 'https://example.com/icon.png'},
        {'display_field': 'tag1', 'data_field': '${status}'}, {'display_field': 'tag2', 'data_field': '${status}'},
        {'display_field': 'tag3', 'data_field': '${status} ${status}'}]}
    body = {'schema_id': 'A' + 'b-_9' * 9 + 'z' * 3, 'properties': props, 'display': display}
    assert len(body['schema_id']) == 40
    result = create(feishu, body)
    assert result.status == 200, result
    assert result.json['data']['schema'] == body


def test_fifty_properties_are_allowed_fifty_one_are_1274007(sandbox, feishu):
    props = [{'name': 'f%02d' % index, 'type': 'int'} for index in range(50)]
    assert create(feishu, {'schema_id': 's50', 'properties': props}).status == 200
    status, code, msg = error_of(create(feishu, {'schema_id': 's51', 'properties': props + [{'name': 'f50', 'type': 'int'}]}))
    assert (status, code) == (400, 1274007) and 'at most 50 properties' in msg and 'not 51' in msg
    assert [schema['schema_id'] for schema in stored(sandbox)] == ['s50']


def test_existing_schema_id_is_1270002_and_keeps_the_stored_one(sandbox, feishu):
    create(feishu, EXAMPLE)
    other = {'schema_id': 'ticket_schema', 'properties': [{'name': 'x', 'type': 'int'}]}
    for validate_only in (None, 'true'):
        status, code, msg = error_of(create(feishu, other, validate_only))
        assert (status, code) == (400, 1270002) and msg == 'invalid param: schema already exists: ticket_schema'
    assert stored(sandbox) == [EXAMPLE]


def test_validate_only_validates_and_creates_nothing(sandbox, feishu):
    result = create(feishu, EXAMPLE, 'true')
    assert result.status == 200 and result.json == {'code': 0, 'msg': 'success', 'data': {'schema': EXAMPLE}}
    assert stored(sandbox) == []
    assert code_of(get(feishu, 'ticket_schema')) == (400, 1273004)
    bad = example(properties=[{'name': 'x', 'type': 'int', 'is_searchable': True, 'is_returnable': True}])
    assert code_of(create(feishu, bad, 'true')) == (400, 1274005)
    assert code_of(create(feishu, EXAMPLE, 'yes')) == (400, 1270002)
    assert code_of(create(feishu, EXAMPLE, 'True')) == (400, 1270002)
    assert stored(sandbox) == []
    assert create(feishu, EXAMPLE, 'false').status == 200
    assert stored(sandbox) == [EXAMPLE]
    log = schema_log(sandbox)
    assert [(entry['query'].get('validate_only'), entry['status'], entry['write']) for entry in log] == [
        (['true'], 200, False), (None, 400, False), (['true'], 400, False), (['yes'], 400, True), (['True'], 400, True),
        (['false'], 200, True)]
    assert [entry['op'] for entry in sandbox.writes('feishu')] == ['feishu.schema.create'] * 3


@pytest.mark.parametrize('schema_id', ['1abc', '', 'a' * 41, 'a b', 'a.b', '_a', '-a', 'tické', 'a/b'])
def test_invalid_schema_id_is_1270002(sandbox, feishu, schema_id):
    status, code, msg = error_of(create(feishu, example(schema_id=schema_id)))
    assert (status, code) == (400, 1270002) and 'schema_id' in msg
    assert stored(sandbox) == []


@pytest.mark.parametrize('content_type, body', [
    ('application/json', '{not json'), ('application/json', '["a"]'), ('text/plain', json.dumps(EXAMPLE)), (None, json.dumps(EXAMPLE)),
])
def test_non_json_body_is_1270002(sandbox, feishu, content_type, body):
    headers = {'Authorization': 'Bearer ' + feishu.refresh_token()}
    if content_type:
        headers['Content-Type'] = content_type
    assert code_of(http_call(feishu.base_url, 'POST', SCHEMAS_PATH, body, headers)) == (400, 1270002)
    assert stored(sandbox) == []


# ----- the validation rules, one case each ---------------------------------------------------------------------

def prop_case(prop, *others):
    """A body whose properties are the example's plus these."""
    body = example()
    body['properties'] += [prop] + list(others)
    return body


def with_display(*mappings):
    body = example()
    body['display']['fields_mapping'] = list(mappings)
    return body


TEXT = {'name': 'body', 'type': 'text', 'is_searchable': True, 'is_returnable': True, 'search_options': {'enable_exact_match': True}}
NUMBER = {'name': 'score', 'type': 'int', 'is_sortable': True, 'is_returnable': True, 'sort_options': {'priority': 1, 'order': 'asc'}}
TAG = {'name': 'kind', 'type': 'tag', 'type_definitions': {'tag': [{'name': 'bug', 'color': 'red', 'text': 'Bug'}]}}


def changed(base, **fields):
    prop = copy.deepcopy(base)
    for key, value in fields.items():
        if value is KeyError:
            prop.pop(key, None)
        else:
            prop[key] = value
    return prop


# (label, body, code, text the message must hold)
RULES = [
    # names: characters and length (1274010), reserved (1274001, 1274003), duplicates (1274002)
    ('name 21 chars', prop_case({'name': 'n' * 21, 'type': 'int'}), 1274010, "properties[3] ('%s')" % ('n' * 21)),
    ('name hyphen', prop_case({'name': 'a-b', 'type': 'int'}), 1274010, "properties[3] ('a-b')"),
    ('name dot', prop_case({'name': 'a.b', 'type': 'int'}), 1274010, "('a.b')"),
    ('name space', prop_case({'name': 'a b', 'type': 'int'}), 1274010, "('a b')"),
    ('name leading digit', prop_case({'name': '1a', 'type': 'int'}), 1274010, "('1a')"),
    ('name empty', prop_case({'name': '', 'type': 'int'}), 1274010, "properties[3] ('')"),
    ('name non-ascii', prop_case({'name': 'prioritä', 'type': 'int'}), 1274010, "('prioritä')"),
    ('reserved other', prop_case({'name': '_secret', 'type': 'text'}), 1274001, '_title, _create_time, _update_time, _item_id'),
    ('reserved _id', prop_case({'name': '_id', 'type': 'text'}), 1274001, "('_id')"),
    ('reserved without type', prop_case({'name': '_title'}), 1274003, "properties[3] ('_title')"),
    ('ordinary without type', prop_case({'name': 'plain'}), 1270002, "properties[3] ('plain').type is required"),
    ('duplicate', prop_case({'name': 'title', 'type': 'tinytext'}), 1274002, "properties[3] ('title')"),
    ('duplicate reserved', prop_case({'name': '_item_id', 'type': 'text'}, {'name': '_item_id', 'type': 'text'}), 1274002,
     "properties[4] ('_item_id')"),
    # searchable / sortable
    ('searchable and sortable', prop_case(changed(NUMBER, type='text', is_searchable=True, search_options={})), 1274004,
     "('score')"),
    ('int searchable', prop_case(changed(TEXT, type='int')), 1274005, 'a int field cannot be searchable'),
    ('timestamp searchable', prop_case(changed(TEXT, type='timestamp')), 1274005, 'cannot be searchable'),
    ('text sortable', prop_case(changed(NUMBER, type='text')), 1274005, 'a text field cannot be sortable'),
    ('tinytext sortable', prop_case(changed(NUMBER, type='tinytext')), 1274005, 'cannot be sortable'),
    ('tag searchable', prop_case(changed(TAG, is_searchable=True, is_returnable=True, search_options={})), 1274005,
     'a tag field cannot be searchable'),
    ('tag sortable', prop_case(changed(TAG, is_sortable=True, sort_options={'priority': 0, 'order': 'asc'})), 1274005,
     'a tag field cannot be sortable'),
    ('searchable not returnable', prop_case(changed(TEXT, is_returnable=False)), 1274009, "properties[3] ('body')"),
    ('searchable returnable absent', prop_case(changed(TEXT, is_returnable=KeyError)), 1274009, "('body')"),
    ('sortable without sort_options', prop_case(changed(NUMBER, sort_options=KeyError)), 1270002, 'sort_options is required'),
    ('searchable without search_options', prop_case(changed(TEXT, search_options=KeyError)), 1270002,
     'search_options is required'),
    # tags
    ('tag without definitions', prop_case(changed(TAG, type_definitions=KeyError)), 1274006, "('kind')"),
    ('tag with empty list', prop_case(changed(TAG, type_definitions={'tag': []})), 1274006, "('kind')"),
    ('tag with user_ids only', prop_case(changed(TAG, type_definitions={'user_ids': {'id_type': 'open_id'}})), 1274006,
     "('kind')"),
    ('tag colour', prop_case(changed(TAG, type_definitions={'tag': [{'name': 'x', 'color': 'purple', 'text': 'X'}]})), 1270002,
     'red, green, blue, grey, yellow'),
    ('tag colour case', prop_case(changed(TAG, type_definitions={'tag': [{'name': 'x', 'color': 'Red', 'text': 'X'}]})), 1270002,
     'color'),
    ('tag without name', prop_case(changed(TAG, type_definitions={'tag': [{'color': 'red', 'text': 'X'}]})), 1270002,
     'type_definitions.tag[0].name is required'),
    ('tag named twice', prop_case(changed(TAG, type_definitions={'tag': [
        {'name': 'x', 'color': 'red', 'text': 'X'}, {'name': 'x', 'color': 'blue', 'text': 'Y'}]})), 1270002, 'names a tag twice'),
    ('unknown type_definitions key', prop_case(changed(TAG, type_definitions={'tag': TAG['type_definitions']['tag'], 'enum': []})),
     1270002, 'enum'),
    # sort options
    ('priority 5', prop_case(changed(NUMBER, sort_options={'priority': 5, 'order': 'asc'})), 1270002,
     'priority must be an integer between 0 and 4'),
    ('priority -1', prop_case(changed(NUMBER, sort_options={'priority': -1, 'order': 'asc'})), 1270002, 'priority'),
    ('priority bool', prop_case(changed(NUMBER, sort_options={'priority': True, 'order': 'asc'})), 1270002, 'priority'),
    ('priority string', prop_case(changed(NUMBER, sort_options={'priority': '1', 'order': 'asc'})), 1270002, 'priority'),
    ('order up', prop_case(changed(NUMBER, sort_options={'priority': 0, 'order': 'up'})), 1270002, 'one of: asc, desc'),
    ('order missing', prop_case(changed(NUMBER, sort_options={'priority': 0})), 1270002, 'sort_options.order is required'),
    # types and shapes
    ('type string', prop_case({'name': 'x', 'type': 'string'}), 1270002, 'text, int, tag, timestamp, double, tinytext'),
    ('flag as string', prop_case(changed(TEXT, is_returnable='true')), 1270002, 'is_returnable must be a boolean'),
    ('flag as int', prop_case(changed(NUMBER, is_sortable=1)), 1270002, 'is_sortable must be a boolean'),
    ('null flag', prop_case(changed(TAG, is_filterable=None)), 1270002, 'is_filterable must not be null'),
    ('unknown property key', prop_case(changed(TAG, label='Kind')), 1270002, 'not allowed here: label'),
    ('unknown search option', prop_case(changed(TEXT, search_options={'enable_fuzzy_match': True})), 1270002,
     'enable_fuzzy_match'),
    ('search option not bool', prop_case(changed(TEXT, search_options={'enable_exact_match': 'yes'})), 1270002,
     'enable_exact_match must be a boolean'),
    ('answer_option unknown key', prop_case(changed(TAG, answer_option={'is_filterable': True})), 1270002, 'is_filterable'),
    ('desc not string', prop_case(changed(TAG, desc=3)), 1270002, 'desc must be a string'),
    ('filter_options bad type', prop_case(changed(TAG, filter_options={'enable_client_filter': 'yes'})), 1270002,
     'enable_client_filter must be a boolean'),
    ('filter_options unknown key', prop_case(changed(TAG, filter_options={'colour': 'red'})), 1270002, 'colour'),
    ('enum value without name', prop_case(changed(TAG, filter_options={'predefine_enum_values': [{'text': 'X'}]})), 1270002,
     'predefine_enum_values[0].name is required'),
    ('property not an object', prop_case('title'), 1270002, 'properties[3] must be an object'),
    ('name not a string', prop_case({'name': 7, 'type': 'int'}), 1270002, 'properties[3].name must be a string'),
    ('unknown top-level key', example(owner='me'), 1270002, 'not allowed here: owner'),
    ('no schema_id', {'properties': EXAMPLE['properties']}, 1270002, 'schema_id is required'),
    ('schema_id not a string', example(schema_id=5), 1270002, 'schema_id must be a string'),
    ('no properties', {'schema_id': 'x'}, 1270002, 'properties is required'),
    ('empty properties', {'schema_id': 'x', 'properties': []}, 1270002, 'properties must not be empty'),
    ('properties not a list', example(properties={'name': 'x'}), 1270002, 'properties must be a list'),
    ('null display', example(display=None), 1270002, 'display must not be null'),
    # display
    ('card_key other', example(display={'card_key': 'my_card'}), 1270002, 'card_key must be one of: search_common_card'),
    ('card_key missing', example(display={'fields_mapping': []}), 1270002, 'display.card_key is required'),
    ('display_field title', with_display({'display_field': 'title', 'data_field': '${title}'}), 1270002,
     'summary, footer, icon_url, tag1, tag2, tag3'),
    ('data_field missing', with_display({'display_field': 'summary'}), 1270002, 'data_field is required'),
    ('data_field empty', with_display({'display_field': 'summary', 'data_field': ''}), 1270002, 'non-empty'),
    ('slot mapped twice', with_display({'display_field': 'summary', 'data_field': '${title}'},
                                       {'display_field': 'summary', 'data_field': '${title}'}), 1270002, 'mapped twice'),
    ('tag1 maps text', with_display({'display_field': 'tag1', 'data_field': '${title}'}), 1274008,
     'tag1 maps only tag fields; title is a text field'),
    ('tag3 mixes text', with_display({'display_field': 'tag3', 'data_field': '${priority}${title}'}), 1274008, 'title'),
    ('tag2 literal', with_display({'display_field': 'tag2', 'data_field': 'P0'}), 1274008, 'tag2 maps only tag fields'),
    ('tag1 maps _title', with_display({'display_field': 'tag1', 'data_field': '${_title}'}), 1274008, 'built-in field'),
    ('unknown field', with_display({'display_field': 'summary', 'data_field': 'see ${nothing}'}), 1270002,
     '${nothing}, which is not a property'),
    ('not returnable', dict(prop_case({'name': 'hidden', 'type': 'tinytext'}), display={
        'card_key': 'search_common_card', 'fields_mapping': [{'display_field': 'footer', 'data_field': '${hidden}'}]}),
     1274008, "'${hidden}' uses hidden, which is not returnable"),
    ('tag not returnable', dict(prop_case(TAG), display={
        'card_key': 'search_common_card', 'fields_mapping': [{'display_field': 'tag1', 'data_field': '${kind}'}]}),
     1274008, 'uses kind, which is not returnable'),
]

MESSAGES = {1270002: 'invalid param', 1274001: 'field name is reserved', 1274002: 'duplicate field name',
            1274003: 'reserved field declared without a type', 1274004: 'a field cannot be both searchable and sortable',
            1274005: 'field type does not allow this search or sort setting', 1274006: 'tag field without type_definitions.tag',
            1274007: 'schema limit exceeded', 1274008: 'field invalid for its type', 1274009: 'field search behaviour conflict',
            1274010: 'field name has illegal characters or length'}


@pytest.mark.parametrize('label, body, code, text', RULES, ids=[rule[0] for rule in RULES])
def test_each_rule_answers_its_code_and_creates_nothing(sandbox, feishu, label, body, code, text):
    for validate_only in (None, 'true'):
        status, answered, msg = error_of(create(feishu, body, validate_only))
        assert (status, answered) == (400, code)
        assert msg.startswith(MESSAGES[code] + ': ') and text in msg, msg
    assert stored(sandbox) == []
    assert [entry['write'] for entry in schema_log(sandbox)] == [True, False]


# ----- get -----------------------------------------------------------------------------------------------------

def test_get_missing_is_http_400_code_1273004(sandbox, feishu):
    status, code, msg = error_of(get(feishu, 'no_such_schema'))
    assert (status, code, msg) == (400, 1273004, 'schema not found: no schema no_such_schema')
    assert code_of(get(feishu, '1bad')) == (400, 1270002)
    assert [(entry['op'], entry['write']) for entry in schema_log(sandbox)] == [('feishu.schema.get', False)] * 2


def test_no_list_call_and_unknown_methods_are_plain_404(sandbox, feishu):
    for method, path in (('GET', SCHEMAS_PATH), ('PUT', SCHEMAS_PATH + '/x'), ('POST', SCHEMAS_PATH + '/x'),
                         ('GET', SCHEMAS_PATH + '/x/y')):
        result = feishu.call(method, path, {} if method in ('PUT', 'POST') else None)
        assert (result.status, result.body) == (404, b'404 page not found') and result.headers['x-tt-logid']
    assert {entry['op'] for entry in sandbox.requests('feishu') if entry['op'] != 'feishu.token'} == {'feishu.unknown'}


# ----- patch ---------------------------------------------------------------------------------------------------

@pytest.fixture(name='made')
def made_fixture(sandbox, feishu):
    body = copy.deepcopy(EXAMPLE)
    body['properties'][0]['answer_option'] = {'is_searchable': True, 'is_returnable': True}
    body['properties'][0]['desc'] = 'the title'
    assert create(feishu, body).status == 200
    sandbox.clear_log()
    return body


def test_patch_applies_desc_answer_option_and_display(sandbox, feishu, made):
    display = {'card_key': 'search_common_card', 'fields_mapping': [{'display_field': 'footer', 'data_field': '${created}'}]}
    change = {'display': display, 'properties': [
        {'name': 'priority', 'desc': 'how urgent'},
        {'name': 'title', 'answer_option': {'is_returnable': False}}]}
    result = patch(feishu, 'ticket_schema', change)
    assert result.status == 200 and (result.json['code'], result.json['msg']) == (0, 'success')
    expected = copy.deepcopy(made)
    expected['display'] = display  # replaced whole
    expected['properties'][1]['desc'] = 'how urgent'
    expected['properties'][0]['answer_option'] = {'is_returnable': False}  # replaced whole; desc untouched
    assert result.json['data'] == {'schema': expected}
    assert get(feishu, 'ticket_schema').json['data']['schema'] == expected == stored(sandbox)[0]
    [entry] = schema_log(sandbox)[:1]
    assert (entry['op'], entry['write'], entry['method'], entry['body']) == ('feishu.schema.patch', True, 'PATCH', change)


def test_patch_that_changes_nothing_succeeds(feishu, made):
    result = patch(feishu, 'ticket_schema', {'properties': [{'name': 'title', 'desc': 'the title'}]})
    assert result.status == 200 and result.json['data']['schema'] == made
    assert patch(feishu, 'ticket_schema', {'properties': []}).json['data']['schema'] == made


BAD_PATCHES = [
    ('type', {'properties': [{'name': 'title', 'type': 'tinytext'}]}, 1270002, 'not allowed here: type'),
    ('is_searchable', {'properties': [{'name': 'title', 'is_searchable': False}]}, 1270002, 'is_searchable'),
    ('is_returnable', {'properties': [{'name': 'title', 'desc': 'x', 'is_returnable': True}]}, 1270002, 'is_returnable'),
    ('sort_options', {'properties': [{'name': 'created', 'sort_options': {'priority': 1, 'order': 'asc'}}]}, 1270002,
     'sort_options'),
    ('type_definitions', {'properties': [{'name': 'priority', 'type_definitions': {'tag': []}}]}, 1270002, 'type_definitions'),
    ('unknown property', {'properties': [{'name': 'summary', 'desc': 'x'}]}, 1270002, "the schema has no property 'summary'"),
    ('property twice', {'properties': [{'name': 'title', 'desc': 'a'}, {'name': 'title', 'desc': 'b'}]}, 1270002,
     'patched twice'),
    ('no name', {'properties': [{'desc': 'x'}]}, 1270002, 'properties[0].name is required'),
    ('desc not string', {'properties': [{'name': 'title', 'desc': 1}]}, 1270002, 'desc must be a string'),
    ('answer_option bad', {'properties': [{'name': 'title', 'answer_option': {'is_searchable': 'no'}}]}, 1270002,
     'is_searchable must be a boolean'),
    ('schema_id', {'schema_id': 'other', 'display': EXAMPLE['display']}, 1270002, 'not allowed here: schema_id'),
    ('empty body', {}, 1270002, 'nothing to patch'),
    ('null display', {'display': None}, 1270002, 'display must not be null'),
    ('display tag1 text', {'display': {'card_key': 'search_common_card',
                                       'fields_mapping': [{'display_field': 'tag1', 'data_field': '${title}'}]}}, 1274008,
     'tag1 maps only tag fields'),
    ('display unknown field', {'display': {'card_key': 'search_common_card',
                                           'fields_mapping': [{'display_field': 'summary', 'data_field': '${body}'}]}},
     1270002, 'not a property'),
    ('display card_key', {'display': {'card_key': 'other'}}, 1270002, 'card_key'),
    ('valid then invalid', {'properties': [{'name': 'title', 'desc': 'new'}, {'name': 'nope', 'desc': 'x'}]}, 1270002, 'nope'),
]


@pytest.mark.parametrize('label, body, code, text', BAD_PATCHES, ids=[case[0] for case in BAD_PATCHES])
def test_patch_refusals_change_nothing(sandbox, feishu, made, label, body, code, text):
    status, answered, msg = error_of(patch(feishu, 'ticket_schema', body))
    assert (status, answered) == (400, code) and text in msg, msg
    assert stored(sandbox) == [made]


def test_patch_missing_schema_is_1273004(feishu):
    assert code_of(patch(feishu, 'no_such_schema', {'properties': []})) == (400, 1273004)
    assert code_of(patch(feishu, '9bad', {'properties': []})) == (400, 1270002)


def test_patch_needs_a_json_body(feishu, made):
    headers = {'Authorization': 'Bearer ' + feishu.refresh_token(), 'Content-Type': 'text/plain'}
    result = http_call(feishu.base_url, 'PATCH', SCHEMAS_PATH + '/ticket_schema', '{"properties": []}', headers)
    assert code_of(result) == (400, 1270002)


# ----- delete --------------------------------------------------------------------------------------------------

def test_delete_then_get_is_1273004_and_delete_again_too(sandbox, feishu, made):
    result = delete(feishu, 'ticket_schema')
    assert result.status == 200 and result.json == {'code': 0, 'msg': 'success', 'data': {}}
    assert stored(sandbox) == []
    assert code_of(get(feishu, 'ticket_schema')) == (400, 1273004)
    assert code_of(delete(feishu, 'ticket_schema')) == (400, 1273004)
    assert code_of(delete(feishu, '9lives')) == (400, 1270002)
    assert [(entry['op'], entry['write'], entry['status']) for entry in schema_log(sandbox)] == [
        ('feishu.schema.delete', True, 200), ('feishu.schema.get', False, 400), ('feishu.schema.delete', True, 400),
        ('feishu.schema.delete', True, 400)]
    assert create(feishu, EXAMPLE).status == 200  # the id is free again


def test_delete_when_bound_is_allowed_by_default(sandbox, feishu, made):
    [source] = sandbox.seed_feishu([{'name': 'Tickets', 'schema_id': 'ticket_schema'}])
    assert sandbox.settings()['schema_delete_when_bound'] == 'allow'
    assert delete(feishu, 'ticket_schema').status == 200
    assert stored(sandbox) == []
    assert feishu.get(source['id']).json['data']['data_source']['schema_id'] == 'ticket_schema'  # left stranded


def test_delete_when_bound_refused_by_setting_names_the_data_sources(sandbox, feishu, made):
    sources = sandbox.seed_feishu([{'name': 'Tickets', 'schema_id': 'ticket_schema'}, {'name': 'Other', 'schema_id': 'other'},
                                   {'name': 'Tickets EU', 'schema_id': 'ticket_schema'}])
    assert sandbox.settings(schema_delete_when_bound='refuse')['schema_delete_when_bound'] == 'refuse'
    status, code, msg = error_of(delete(feishu, 'ticket_schema'))
    assert (status, code) == (400, 1270002)
    assert msg == "invalid param: schema ticket_schema is bound to data source(s): %s ('Tickets'), %s ('Tickets EU')" % (
        sources[0]['id'], sources[2]['id'])
    assert stored(sandbox) == [made]
    feishu.delete(sources[0]['id'])
    feishu.delete(sources[2]['id'])
    assert delete(feishu, 'ticket_schema').status == 200  # unbound now
    assert code_of(delete(feishu, 'ticket_schema')) == (400, 1273004)


@pytest.mark.parametrize('value', ['deny', True, None, 1])
def test_schema_delete_when_bound_takes_allow_or_refuse(sandbox, value):
    with pytest.raises(SandboxControlError) as raised:
        sandbox.settings(schema_delete_when_bound=value)
    assert raised.value.status == 400
    assert sandbox.settings()['schema_delete_when_bound'] == 'allow'


# ----- auth, faults, log -----------------------------------------------------------------------------------------

def other_schema():
    return {'schema_id': 'other_schema', 'properties': [{'name': 'x', 'type': 'int'}]}


# op -> (method, path, body): one request of each op that succeeds once ticket_schema exists
REQUESTS = {
    'feishu.schema.create': ('POST', SCHEMAS_PATH, other_schema()),
    'feishu.schema.get': ('GET', SCHEMAS_PATH + '/ticket_schema', None),
    'feishu.schema.patch': ('PATCH', SCHEMAS_PATH + '/ticket_schema', {'properties': [{'name': 'title', 'desc': 'x'}]}),
    'feishu.schema.delete': ('DELETE', SCHEMAS_PATH + '/ticket_schema', None),
}
OPS = sorted(REQUESTS)


def send(feishu, op, token=None):
    method, path, body = REQUESTS[op]
    return feishu.call(method, path, body, token=token)


@pytest.fixture(name='seeded')
def seeded_fixture(sandbox):
    """ticket_schema, seeded through the control API (so no token is issued before the test)."""
    sandbox.seed_feishu_schemas([EXAMPLE])
    return EXAMPLE


@pytest.mark.parametrize('authorization, code', [
    (None, 99991661), ('Bearer ', 99991661), ('token t-x', 99991661), ('bearer t-x', 99991661), ('Bearer t-unknown', 99991663)])
@pytest.mark.parametrize('op', OPS)
def test_every_op_needs_a_live_tenant_token(sandbox, feishu, seeded, op, authorization, code):
    method, path, body = REQUESTS[op]
    headers = {'Content-Type': 'application/json'}
    if authorization is not None:
        headers['Authorization'] = authorization
    status, answered, msg = error_of(http_call(feishu.base_url, method, path, body, headers))
    assert (status, answered) == (400, code)
    assert msg.startswith('Missing access token' if code == 99991661 else 'Invalid access token')
    assert stored(sandbox) == [seeded]
    [entry] = schema_log(sandbox)
    assert (entry['op'], entry['auth_ok'], entry['write']) == (op, False, op != 'feishu.schema.get')


def test_expired_token_is_99991663_on_every_op(sandbox, feishu, seeded):
    sandbox.settings(token_lifetime=1)
    token = feishu.refresh_token()
    assert feishu.fetch_token().json['expire'] == 1
    time.sleep(1.05)
    for op in OPS:
        assert code_of(send(feishu, op, token)) == (400, 99991663), op
    assert stored(sandbox) == [seeded]
    assert [entry['op'] for entry in schema_log(sandbox)] == OPS


@pytest.mark.parametrize('op', OPS)
def test_token_expired_fault_applies_to_schema_ops(sandbox, feishu, seeded, op):
    token = feishu.refresh_token()
    sandbox.inject('token_expired', op=op)
    assert feishu.list().status == 200  # another op: the fault waits
    assert code_of(send(feishu, op, token)) == (400, 99991663)
    assert sandbox.faults()['pending'] == []
    fresh = feishu.refresh_token()
    assert fresh != token and send(feishu, op, fresh).status == 200


@pytest.mark.parametrize('op', OPS)
def test_rate_limit_by_op_short_circuits(sandbox, feishu, seeded, op):
    feishu.refresh_token()
    sandbox.inject('rate_limit', op=op, reset=3)
    assert feishu.list().status == 200 and len(sandbox.faults()['pending']) == 1
    result = send(feishu, op)
    assert code_of(result) == (429, 99991400) and result.headers['x-ogw-ratelimit-reset'] == '3'
    assert stored(sandbox) == [seeded]
    entry = schema_log(sandbox)[-1]
    assert (entry['op'], entry['fault'], entry['status'], entry['write']) == (op, 'rate_limit', 429, op != 'feishu.schema.get')
    assert sandbox.faults()['pending'] == [] and send(feishu, op).status == 200


def test_feishu_code_fault_gives_flagship_only_1270005(sandbox, feishu):
    feishu.refresh_token()
    sandbox.inject('feishu_code', op='feishu.schema.create', code=1270005)
    status, code, msg = error_of(create(feishu, EXAMPLE))
    assert (status, code, msg) == (400, 1270005, 'this feature is only available on the Flagship edition')
    assert stored(sandbox) == []
    assert create(feishu, EXAMPLE).status == 200


def test_http_error_on_delete_keeps_the_schema(sandbox, feishu, seeded):
    feishu.refresh_token()
    sandbox.inject('http_error', op='feishu.schema.delete', status=500)
    assert code_of(delete(feishu, 'ticket_schema')) == (500, 1270001)
    assert stored(sandbox) == [seeded]


def test_act_then_answer_creates_behind_a_gateway_page(sandbox, feishu):
    feishu.refresh_token()
    sandbox.inject('act_then_answer', op='feishu.schema.create', status=504)
    result = create(feishu, EXAMPLE)
    assert result.status == 504 and b'504 Gateway Time-out' in result.body
    assert stored(sandbox) == [EXAMPLE]
    entry = schema_log(sandbox)[0]
    assert (entry['op'], entry['write'], entry['fault']) == ('feishu.schema.create', True, 'act_then_answer')


def test_request_log_filters_by_schema_op(sandbox, feishu):
    feishu.refresh_token()
    create(feishu, EXAMPLE, 'true')
    create(feishu, EXAMPLE)
    get(feishu, 'ticket_schema')
    patch(feishu, 'ticket_schema', {'properties': [{'name': 'title', 'desc': 'x'}]})
    delete(feishu, 'ticket_schema')
    assert [entry['op'] for entry in sandbox.requests(op='feishu.schema.create')] == ['feishu.schema.create'] * 2
    assert [(entry['op'], entry['method']) for entry in sandbox.writes('feishu')] == [
        ('feishu.schema.create', 'POST'), ('feishu.schema.patch', 'PATCH'), ('feishu.schema.delete', 'DELETE')]
    written = http_call(sandbox.base_url, 'GET', '/_sandbox/requests?write=true&platform=feishu').json
    assert [entry['op'] for entry in written] == ['feishu.schema.create', 'feishu.schema.patch', 'feishu.schema.delete']
    assert [entry['query'] for entry in sandbox.requests(op='feishu.schema.create')] == [{'validate_only': ['true']}, {}]


# ----- control API -----------------------------------------------------------------------------------------------

def test_seed_state_and_reset(sandbox, feishu):
    second = {'schema_id': 'second', 'properties': [{'name': 'n', 'type': 'int', 'desc': ''}]}
    created = sandbox.seed_feishu_schemas([EXAMPLE, second])
    assert created == [EXAMPLE, second]
    assert get(feishu, 'second').json['data']['schema'] == second
    assert sandbox.state()['feishu']['schemas'] == [EXAMPLE, second]
    assert [entry['op'] for entry in schema_log(sandbox)] == ['feishu.schema.get']  # seeding is not logged
    sandbox.reset()
    assert sandbox.state()['feishu']['schemas'] == []
    feishu.refresh_token()  # the reset dropped the tokens
    assert code_of(get(feishu, 'second')) == (400, 1273004)


@pytest.mark.parametrize('batch, text', [
    ([EXAMPLE, example(schema_id='bad id')], 'seeded schema 1'),
    ([EXAMPLE, example(properties=[{'name': '_x', 'type': 'int'}])], '(1274001)'),
    ([EXAMPLE, EXAMPLE], 'new and distinct'),
    ([{'schema_id': 'ticket_schema', 'properties': [{'name': 'y', 'type': 'int'}]}], 'new and distinct'),
    ('not a list', 'as a list'),
])
def test_seed_is_validated_and_all_or_nothing(sandbox, batch, text):
    existing = {'schema_id': 'ticket_schema', 'properties': [{'name': 'x', 'type': 'int'}]}
    sandbox.seed_feishu_schemas([existing])
    result = seed_raw(sandbox, {'feishu_schemas': batch, 'feishu': [{'name': 'not seeded either'}]})
    assert result.status == 400 and text in result.json['error']
    state = sandbox.state()
    assert state['feishu']['schemas'] == [existing] and state['feishu']['data_sources'] == []


def seed_raw(sandbox, body):
    return http_call(sandbox.base_url, 'POST', '/_sandbox/seed', body, {'Content-Type': 'application/json'})


def test_seed_body_with_schemas_and_data_sources(sandbox):
    result = seed_raw(sandbox, {'feishu_schemas': [EXAMPLE], 'feishu': [{'name': 'Tickets', 'schema_id': 'ticket_schema'}]})
    assert result.status == 200
    assert result.json['feishu_schemas'] == [EXAMPLE] and result.json['feishu'][0]['schema_id'] == 'ticket_schema'
    refused = seed_raw(sandbox, {'schemas': [EXAMPLE]})
    assert refused.status == 400 and '"feishu_schemas": [...]' in refused.json['error']
    assert [schema['schema_id'] for schema in sandbox.state()['feishu']['schemas']] == ['ticket_schema']


def test_snapshot_round_trip_as_the_harness_does(sandbox, feishu, made):
    """state() -> reset -> seed_feishu_schemas gives the same schemas back (what harness.apply_snapshot needs)."""
    patch(feishu, 'ticket_schema', {'properties': [{'name': 'priority', 'desc': 'urgency'}]})
    create(feishu, other_schema())
    before = sandbox.state()['feishu']['schemas']
    sandbox.reset()
    sandbox.seed_feishu_schemas(before)
    assert sandbox.state()['feishu']['schemas'] == before
    feishu.refresh_token()  # the reset dropped the tokens
    assert get(feishu, 'ticket_schema').json['data']['schema']['properties'][1]['desc'] == 'urgency'


def test_config_seeds_schemas_and_the_setting():
    config = load_config()
    config['feishu']['schemas'] = [EXAMPLE]
    config['feishu']['data_sources'] = [{'name': 'Tickets', 'schema_id': 'ticket_schema'}]
    config['settings']['schema_delete_when_bound'] = 'refuse'
    with run_sandbox(config=config) as client:
        assert client.state()['feishu']['schemas'] == [EXAMPLE]
        assert client.settings()['schema_delete_when_bound'] == 'refuse'
        feishu = FeishuApi(client.base_url, client.credentials())
        assert code_of(delete(feishu, 'ticket_schema')) == (400, 1270002)
        client.settings(schema_delete_when_bound='allow')
        assert delete(feishu, 'ticket_schema').status == 200
        client.reset()
        assert client.state()['feishu']['schemas'] == [EXAMPLE]
        assert client.settings()['schema_delete_when_bound'] == 'refuse'


def test_default_config_has_no_schemas_and_allows_delete_when_bound():
    config = load_config()
    assert config['feishu']['schemas'] == [] and config['settings']['schema_delete_when_bound'] == 'allow'
