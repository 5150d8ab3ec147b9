# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""feishu_search_schema and feishu_search_schema_info through real ansible-playbook runs against the sandbox.

Every test asserts on what the module returned AND on the sandbox's request log (what went over the
wire: ops, bodies, counts).  The harness audits every run for secrets (app secret, tenant tokens,
Authorization headers) and records it for the check-mode replay.
"""

from __future__ import absolute_import, division, print_function

import copy
import re

import pytest

from harness import diff_of

__metaclass__ = type

TASK = 'Manage schema'
INFO_TASK = 'Read schemas'
PLAYBOOK = 'feishu_search_schema'
INFO_PLAYBOOK = 'feishu_search_schema_info'
SID = 'ticket_schema'
SCHEMAS = '/open-apis/search/v2/schemas'
SCHEMA_PATH = '%s/%s' % (SCHEMAS, SID)
DATA_SOURCES = '/open-apis/search/v2/data_sources'
TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal'
CARD = 'search_common_card'
CONFLICT_HINT = 'Hint: Only display and the desc and answer_option of a property can change in place.'
IN_USE_HINT = 'Hint: Delete those data sources first'

# The schema most tests start from (seeded straight into the sandbox).
TITLE = {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True,
         'search_options': {'enable_semantic_match': True, 'enable_exact_match': True}, 'desc': 'Ticket title'}
PRIORITY = {'name': 'priority', 'type': 'tag', 'is_returnable': True, 'is_filterable': True,
            'type_definitions': {'tag': [{'name': 'p0', 'color': 'red', 'text': 'P0'},
                                         {'name': 'p1', 'color': 'yellow', 'text': 'P1'}]},
            'answer_option': {'is_searchable': True, 'is_returnable': False}}
CREATED = {'name': 'created', 'type': 'timestamp', 'is_sortable': True, 'is_returnable': True,
           'sort_options': {'priority': 0, 'order': 'desc'}, 'desc': 'Created at'}
PROPERTIES = [TITLE, PRIORITY, CREATED]
DISPLAY = {'card_key': CARD, 'fields_mapping': [{'display_field': 'summary', 'data_field': '${title}'},
                                                {'display_field': 'tag1', 'data_field': '${priority}'}]}
SEEDED = {'schema_id': SID, 'properties': PROPERTIES, 'display': DISPLAY}

# A create with every option the module has (true values, since false and empty ones are left out of the body).
EVERY_OPTION = [
    {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True, 'is_filterable': True,
     'search_options': {'enable_semantic_match': True, 'enable_exact_match': True, 'enable_prefix_match': True,
                        'enable_number_suffix_match': True, 'enable_camel_match': True},
     'filter_options': {'display_name': 'Title', 'i18n_display_name': {'zh_cn': '标题', 'en_us': 'Title',
                                                                       'ja_jp': 'タイトル'},
                        'option_mode': 'single', 'associated_smart_filter': 'from', 'filter_type': 'searchable',
                        'enable_client_filter': True, 'reference_datasource_id': '7100000000000000001'},
     'answer_option': {'is_searchable': True, 'is_returnable': True}, 'desc': 'Ticket title'},
    {'name': 'priority', 'type': 'tag', 'is_returnable': True, 'is_filterable': True,
     'filter_options': {'display_name': 'Priority', 'option_mode': 'multiple', 'filter_type': 'predefine_enum',
                        'predefine_enum_values': [{'name': 'p0', 'text': 'P0'}, {'name': 'p1', 'text': 'P1'}]},
     'type_definitions': {'tag': [{'name': 'p0', 'color': 'red', 'text': 'P0'},
                                  {'name': 'p1', 'color': 'green', 'text': 'P1'}]}},
    {'name': 'owner', 'type': 'tinytext', 'is_returnable': True,
     'type_definitions': {'user_ids': {'id_type': 'open_id'}}, 'desc': 'Owner'},
    {'name': 'created', 'type': 'timestamp', 'is_sortable': True, 'is_returnable': True,
     'sort_options': {'priority': 1, 'order': 'asc'}},
    {'name': 'score', 'type': 'double', 'is_sortable': True, 'sort_options': {'priority': 4, 'order': 'desc'}},
    {'name': 'views', 'type': 'int', 'is_returnable': True},
    {'name': '_title', 'type': 'text', 'is_returnable': True},
]
EVERY_DISPLAY = {'fields_mapping': [
    {'display_field': 'summary', 'data_field': '${title}'},
    {'display_field': 'footer', 'data_field': '${owner} ${created}'},
    {'display_field': 'icon_url', 'data_field': '${_item_id}'},  # a reserved field: exists without being declared
    {'display_field': 'tag1', 'data_field': '${priority}'}]}


# ----- helpers ----------------------------------------------------------------------------------------------------

def ops(entries):
    return [entry['op'] for entry in entries]


def feishu_log(sandbox):
    return sandbox.requests('feishu')


def writes(sandbox):
    return sandbox.writes('feishu')


def schemas(sandbox):
    return sandbox.state()['feishu']['schemas']


def seed(sandbox, schema=None):
    return sandbox.seed_feishu_schemas([copy.deepcopy(schema or SEEDED)])[0]


def props(*changes):
    """PROPERTIES (deep copies) with each (index, changes) applied; a change to None removes the key."""
    result = copy.deepcopy(PROPERTIES)
    for index, change in changes:
        for key, value in change.items():
            if value is None:
                result[index].pop(key, None)
            else:
                result[index][key] = value
    return result


def args(properties=None, display=None, **extra):
    extra_vars = {'schema_id': SID, 'schema_properties': PROPERTIES if properties is None else properties}
    if display is not None:
        extra_vars['schema_display'] = display
    extra_vars.update(('schema_%s' % key, value) for key, value in extra.items())
    return extra_vars


def run_ok(run_playbook, extra_vars, task=TASK, playbook=PLAYBOOK, **kwargs):
    run = run_playbook(playbook, extra_vars, **kwargs)
    assert run.rc == 0, run.output[-3000:]
    return run.task(task)


def run_failing(run_playbook, extra_vars, task=TASK, playbook=PLAYBOOK, **kwargs):
    run = run_playbook(playbook, dict(extra_vars, expect_failure=True), **kwargs)
    assert (task, 'failed') in run.statuses(), run.output[-3000:]
    result = run.task(task)
    # a clean failure: one message from the module, no Python traceback
    assert result['msg'] and 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    assert result.get('exception') in (None, '(traceback unavailable)'), result.get('exception')
    return result


def request_line(entry):
    return (entry['method'], entry['path'], entry['query'])


# ----- reading and creating -------------------------------------------------------------------------------------

def test_create_is_one_post_of_every_option_and_a_rerun_is_one_get(sandbox, run_playbook):
    wanted = args(EVERY_OPTION, EVERY_DISPLAY)
    created = run_ok(run_playbook, wanted)
    assert created['changed'] is True
    log = feishu_log(sandbox)
    assert [request_line(e) for e in log] == [('POST', TOKEN_PATH, {}), ('GET', SCHEMA_PATH, {}), ('POST', SCHEMAS, {})]
    assert log[1]['status'] == 400  # 1273004: the schema does not exist yet
    assert ops(writes(sandbox)) == ['feishu.schema.create']
    body = writes(sandbox)[0]['body']
    # every option given, in the task's order of properties; card_key defaulted
    assert body == {'schema_id': SID, 'properties': EVERY_OPTION, 'display': dict(EVERY_DISPLAY, card_key=CARD)}
    assert schemas(sandbox) == [body] and created['schema'] == body

    sandbox.clear_log()
    again = run_ok(run_playbook, wanted)
    assert again['changed'] is False and again['schema'] == body
    assert [request_line(e) for e in feishu_log(sandbox)] == [('POST', TOKEN_PATH, {}), ('GET', SCHEMA_PATH, {})]

    # the properties and the card's mapping in another order: still nothing to do
    sandbox.clear_log()
    reordered = args(list(reversed(EVERY_OPTION)),
                     {'fields_mapping': list(reversed(EVERY_DISPLAY['fields_mapping'])), 'card_key': CARD})
    again = run_ok(run_playbook, reordered, diff=True)
    assert again['changed'] is False and diff_of(again)['before'] == diff_of(again)['after']
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get']
    assert schemas(sandbox) == [body]


def test_a_missing_schema_is_absent_without_a_listing(sandbox, run_playbook):
    sandbox.seed_feishu([{'name': 'Tickets', 'schema_id': SID}])  # bound, but there is nothing to delete
    result = run_ok(run_playbook, {'schema_id': SID, 'schema_state': 'absent'}, diff=True)
    assert result['changed'] is False and result['schema'] == {}
    assert diff_of(result) == {'before': {}, 'after': {}}
    log = feishu_log(sandbox)
    assert [request_line(e) for e in log] == [('POST', TOKEN_PATH, {}), ('GET', SCHEMA_PATH, {})]
    assert log[1]['status'] == 400 and writes(sandbox) == []


def test_only_1273004_means_absent_another_refusal_of_the_read_fails_without_a_write(sandbox, run_playbook):
    sandbox.inject('feishu_code', op='feishu.schema.get', code=1270002, status=400, msg='invalid parameter')
    result = run_failing(run_playbook, args())
    assert result['changed'] is False
    assert (result['error']['code'], result['error']['method'], result['error']['path']) == (1270002, 'GET',
                                                                                             SCHEMA_PATH)
    assert [(e['op'], e['fault']) for e in feishu_log(sandbox)] == [('feishu.token', None),
                                                                    ('feishu.schema.get', 'feishu_code')]
    assert schemas(sandbox) == []


# ----- what changes in place ------------------------------------------------------------------------------------

NEW_DISPLAY = {'fields_mapping': [{'display_field': 'summary', 'data_field': '${title} ${created}'},
                                  {'display_field': 'tag2', 'data_field': '${priority}'}]}


def test_display_desc_and_answer_option_are_one_patch_of_only_what_differs(sandbox, run_playbook):
    seed(sandbox)
    # title: a new desc; priority: one answer flag (the other keeps its value); created: its desc as it is
    wanted = props((0, {'desc': 'Title of the ticket'}), (1, {'answer_option': {'is_returnable': True}}))
    wanted = [wanted[2], wanted[0], wanted[1]]  # the order never counts
    result = run_ok(run_playbook, args(wanted, NEW_DISPLAY), diff=True)
    assert result['changed'] is True
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get', 'feishu.schema.patch']
    patch = writes(sandbox)
    assert [(w['method'], w['path']) for w in patch] == [('PATCH', SCHEMA_PATH)]
    assert patch[0]['body'] == {
        'display': dict(NEW_DISPLAY, card_key=CARD),
        'properties': [{'name': 'title', 'desc': 'Title of the ticket'},
                       {'name': 'priority', 'answer_option': {'is_searchable': True, 'is_returnable': True}}]}
    stored = schemas(sandbox)[0]
    assert result['schema'] == stored
    assert stored['properties'][0]['desc'] == 'Title of the ticket'
    assert stored['display'] == dict(NEW_DISPLAY, card_key=CARD)
    # the diff: option names, properties sorted by name, false and empty values left out
    before, after = diff_of(result)['before'], diff_of(result)['after']
    assert [p['name'] for p in before['properties']] == ['created', 'priority', 'title']
    assert before['properties'][1]['answer_option'] == {'is_searchable': True}
    assert after['properties'][1]['answer_option'] == {'is_searchable': True, 'is_returnable': True}
    assert (before['properties'][2]['desc'], after['properties'][2]['desc']) == ('Ticket title', 'Title of the ticket')
    assert before['display'] == DISPLAY and after['display'] == dict(NEW_DISPLAY, card_key=CARD)
    assert before['properties'][0] == after['properties'][0] == dict(CREATED)

    sandbox.clear_log()
    again = run_ok(run_playbook, args(wanted, NEW_DISPLAY))
    assert again['changed'] is False and writes(sandbox) == []
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get']


@pytest.mark.parametrize('case', ['desc', 'answer_option', 'display'])
def test_a_single_in_place_change_patches_only_that(sandbox, run_playbook, case):
    seed(sandbox)
    properties, display = copy.deepcopy(PROPERTIES), copy.deepcopy(DISPLAY)
    if case == 'desc':
        properties[2]['desc'] = 'When the ticket was opened'
        body = {'properties': [{'name': 'created', 'desc': 'When the ticket was opened'}]}
    elif case == 'answer_option':
        properties[1]['answer_option'] = {'is_searchable': False, 'is_returnable': True}
        body = {'properties': [{'name': 'priority', 'answer_option': {'is_searchable': False,
                                                                      'is_returnable': True}}]}
    else:
        display = NEW_DISPLAY
        body = {'display': dict(NEW_DISPLAY, card_key=CARD)}
    result = run_ok(run_playbook, args(properties, display))
    assert result['changed'] is True
    assert [(w['op'], w['body']) for w in writes(sandbox)] == [('feishu.schema.patch', body)]
    assert result['schema'] == schemas(sandbox)[0]


def test_desc_answer_option_and_display_left_out_are_not_compared(sandbox, run_playbook):
    seed(sandbox)
    bare = props((0, {'desc': None}), (1, {'answer_option': None}), (2, {'desc': None}))
    result = run_ok(run_playbook, args(bare), diff=True)
    assert result['changed'] is False and result['schema'] == schemas(sandbox)[0]
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get']
    assert 'display' not in diff_of(result)['before'] and 'desc' not in diff_of(result)['before']['properties'][2]


# ----- create-only differences ----------------------------------------------------------------------------------

CREATE_ONLY_CASES = {
    'type': (props((0, {'type': 'tinytext'})), 'properties.title.type', 'text', 'tinytext'),
    'is_filterable': (props((1, {'is_filterable': False})), 'properties.priority.is_filterable', True, False),
    'is_returnable': (props((2, {'is_returnable': False})), 'properties.created.is_returnable', True, False),
    'sort_options': (props((2, {'sort_options': {'priority': 2, 'order': 'desc'}})), 'properties.created.sort_options',
                     {'priority': 0, 'order': 'desc'}, {'priority': 2, 'order': 'desc'}),
    'search_options': (props((0, {'search_options': {'enable_exact_match': True}})),
                       'properties.title.search_options',
                       {'enable_semantic_match': True, 'enable_exact_match': True}, {'enable_exact_match': True}),
    'filter_options': (props((1, {'filter_options': {'display_name': 'Priority'}})),
                       'properties.priority.filter_options', {}, {'display_name': 'Priority'}),
    'type_definitions': (props((1, {'type_definitions': {'tag': PRIORITY['type_definitions']['tag'][:1]}})),
                         'properties.priority.type_definitions', PRIORITY['type_definitions'],
                         {'tag': PRIORITY['type_definitions']['tag'][:1]}),
    'added': (PROPERTIES + [{'name': 'owner', 'type': 'tinytext', 'is_returnable': True}], 'properties.owner',
              'not declared', {'type': 'tinytext', 'is_returnable': True}),
    'removed': (PROPERTIES[:2], 'properties.created', dict((k, v) for k, v in CREATED.items() if k != 'name'),
                'not declared'),
}


@pytest.mark.parametrize('case', sorted(CREATE_ONLY_CASES))
def test_a_create_only_difference_fails_naming_property_field_and_values_and_writes_nothing(
        sandbox, run_playbook, case):
    seed(sandbox)
    properties, key, current, desired = CREATE_ONLY_CASES[case]
    result = run_failing(run_playbook, args(properties))
    assert result['changed'] is False
    assert result['conflicts'] == {key: {'current': current, 'desired': desired}}
    assert '%s: current %r, desired %r' % (key, current, desired) in result['msg'], result['msg']
    assert 'Nothing was changed' in result['msg'] and CONFLICT_HINT in result['msg']
    assert 'recreate=true' in result['msg']
    # one read, no listing, no write
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get']
    assert schemas(sandbox) == [SEEDED]


def test_every_create_only_difference_is_named_at_once_and_an_in_place_one_is_not_written(sandbox, run_playbook):
    seed(sandbox)
    wanted = props((0, {'type': 'tinytext', 'desc': 'New title'}),
                   (2, {'sort_options': {'priority': 0, 'order': 'asc'}}))
    wanted = wanted[:1] + wanted[2:] + [{'name': 'owner', 'type': 'int'}]  # priority removed, owner added
    display = {'fields_mapping': [{'display_field': 'summary', 'data_field': '${title}'}]}  # differs too
    result = run_failing(run_playbook, args(wanted, display))
    assert sorted(result['conflicts']) == ['properties.created.sort_options', 'properties.owner',
                                           'properties.priority', 'properties.title.type']
    for key in result['conflicts']:
        assert key + ': current ' in result['msg']
    assert 'desc' not in str(sorted(result['conflicts'])) and 'display' not in result['conflicts']
    assert writes(sandbox) == [] and schemas(sandbox) == [SEEDED]


# ----- recreate ---------------------------------------------------------------------------------------------------

def test_recreate_of_an_unbound_schema_lists_then_deletes_then_posts_carrying_over_what_it_does_not_declare(
        sandbox, run_playbook):
    seed(sandbox)
    sandbox.seed_feishu([{'name': 'Wiki', 'schema_id': 'wiki_schema'}, {'name': 'Plain'}])  # none bound to it
    # created becomes an int; the task declares neither display nor title's desc nor created's desc
    wanted = props((0, {'desc': None}), (2, {'type': 'int', 'desc': None}))
    result = run_ok(run_playbook, args(wanted, recreate=True))
    assert result['changed'] is True
    log = feishu_log(sandbox)
    assert [(e['op'], e['method'], e['path'], e['query']) for e in log] == [
        ('feishu.token', 'POST', TOKEN_PATH, {}),
        ('feishu.schema.get', 'GET', SCHEMA_PATH, {}),
        ('feishu.list', 'GET', DATA_SOURCES, {'page_size': ['50'], 'view': ['0']}),
        ('feishu.schema.create', 'POST', SCHEMAS, {'validate_only': ['true']}),  # Feishu's dry run, no write
        ('feishu.schema.delete', 'DELETE', SCHEMA_PATH, {}),
        ('feishu.schema.create', 'POST', SCHEMAS, {}),
    ]
    assert [e['write'] for e in log] == [False, False, False, False, True, True]
    expected = copy.deepcopy(SEEDED)
    expected['properties'][2]['type'] = 'int'
    expected['properties'][1]['answer_option'] = {'is_searchable': True}  # a false flag is left out
    assert log[-1]['body'] == expected  # display and both descs carried over
    assert log[3]['body'] == dict(expected, schema_id='dryrun_' + SID)
    assert schemas(sandbox) == [expected] and result['schema'] == expected

    sandbox.clear_log()
    again = run_ok(run_playbook, args(wanted, recreate=True))
    assert again['changed'] is False
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get']  # nothing to do: no listing either


def test_recreate_while_bound_is_refused_naming_the_data_sources_and_writes_nothing(sandbox, run_playbook):
    seed(sandbox)
    bound = sandbox.seed_feishu([{'name': 'Tickets', 'schema_id': SID}, {'name': 'Wiki', 'schema_id': 'wiki_schema'},
                                 {'name': 'Archive', 'schema_id': SID}])
    result = run_failing(run_playbook, args(props((0, {'type': 'tinytext'})), recreate=True))
    assert result['changed'] is False
    assert result['bound_data_sources'] == [{'id': bound[0]['id'], 'name': 'Tickets'},
                                            {'id': bound[2]['id'], 'name': 'Archive'}]
    msg = result['msg']
    assert "Cannot re-create Feishu search schema 'ticket_schema'" in msg
    assert "properties.title.type: current 'text', desired 'tinytext'" in msg
    assert "'Tickets' (id %s), 'Archive' (id %s)" % (bound[0]['id'], bound[2]['id']) in msg and 'Wiki' not in msg
    assert 'Nothing was changed' in msg and IN_USE_HINT in msg
    assert result['conflicts'] == {'properties.title.type': {'current': 'text', 'desired': 'tinytext'}}
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get', 'feishu.list']
    assert schemas(sandbox) == [SEEDED]


def test_recreate_refused_by_the_dry_run_keeps_the_old_schema(sandbox, run_playbook):
    seed(sandbox)
    many = PROPERTIES + [{'name': 'f%02d' % i, 'type': 'int'} for i in range(48)]  # 51: over the platform's limit
    result = run_failing(run_playbook, args(many, recreate=True))
    assert result['changed'] is False and result['error']['code'] == 1274007
    assert 'Feishu API error 1274007 (HTTP 400)' in result['msg']
    assert 'so the schema was not deleted' in result['msg']
    log = feishu_log(sandbox)
    assert ops(log) == ['feishu.token', 'feishu.schema.get', 'feishu.list', 'feishu.schema.create']
    assert log[-1]['query'] == {'validate_only': ['true']} and log[-1]['status'] == 400
    assert writes(sandbox) == [] and schemas(sandbox) == [SEEDED]


def test_a_recreate_whose_delete_answer_is_lost_looks_then_creates_once(sandbox, run_playbook):
    seed(sandbox)
    sandbox.inject('act_then_answer', op='feishu.schema.delete', status=502)  # deleted, but the answer is lost
    result = run_ok(run_playbook, args(props((2, {'type': 'int'})), DISPLAY, recreate=True))
    assert result['changed'] is True and 'written' not in result
    log = feishu_log(sandbox)
    assert [(e['op'], e['status'], e['fault']) for e in log] == [
        ('feishu.token', 200, None), ('feishu.schema.get', 200, None), ('feishu.list', 200, None),
        ('feishu.schema.create', 200, None),  # the dry run
        ('feishu.schema.delete', 502, 'act_then_answer'),
        ('feishu.schema.get', 400, None),  # the look: gone, so the delete is not sent again
        ('feishu.schema.create', 200, None)]
    assert [p['type'] for p in schemas(sandbox)[0]['properties']] == ['text', 'tag', 'int']


def test_a_recreate_whose_create_is_refused_after_the_delete_reports_the_delete(sandbox, run_playbook):
    seed(sandbox)
    # the dry run passes (a fault that only delays it uses it up), then Feishu refuses the real create
    sandbox.inject('slow', op='feishu.schema.create', delay=0.1)
    sandbox.inject('feishu_code', op='feishu.schema.create', code=1274007, msg='too many fields')
    result = run_failing(run_playbook, args(props((2, {'type': 'int'})), DISPLAY, recreate=True))
    # the old schema is gone: 'written' says so, and the task counts as a change
    assert result['changed'] is True and result['written'] == {'deleted': SID}
    assert result['error']['code'] == 1274007 and 'too many fields' in result['msg']
    assert [(e['op'], e['fault']) for e in writes(sandbox)] == [('feishu.schema.delete', None),
                                                                ('feishu.schema.create', 'feishu_code')]
    assert schemas(sandbox) == []


def test_a_recreate_that_fails_after_the_delete_says_in_its_message_that_the_schema_is_gone(sandbox, run_playbook):
    seed(sandbox)
    sandbox.inject('slow', op='feishu.schema.create', delay=0.1)
    sandbox.inject('feishu_code', op='feishu.schema.create', code=1274007, msg='too many fields')
    result = run_failing(run_playbook, args(props((2, {'type': 'int'})), DISPLAY, recreate=True))
    assert result['written'] == {'deleted': SID} and schemas(sandbox) == []
    assert "Schema %r was deleted to be re-created, so it does not exist until a create succeeds" % SID \
        in result['msg'] and '1274007' in result['msg'], result['msg']


def test_a_recreate_diff_shows_what_is_carried_over_on_both_sides(sandbox, run_playbook):
    seed(sandbox)
    wanted = props((0, {'desc': None}), (2, {'type': 'int'}))
    result = run_ok(run_playbook, args(wanted, recreate=True), check=True, diff=True)
    before, after = diff_of(result)['before'], diff_of(result)['after']
    # display and title's desc are not changed by the re-create (they are carried over): both sides must agree
    assert before.get('display') == after.get('display')
    assert before['properties'][2].get('desc') == after['properties'][2].get('desc')


# ----- state=absent -------------------------------------------------------------------------------------------------

def test_absent_lists_then_deletes_and_absent_again_is_one_get(sandbox, run_playbook):
    seed(sandbox)
    sandbox.seed_feishu([{'name': 'Wiki', 'schema_id': 'wiki_schema'}])
    result = run_ok(run_playbook, {'schema_id': SID, 'schema_state': 'absent'}, diff=True)
    assert result['changed'] is True and result['schema'] == {}
    assert diff_of(result)['after'] == {} and diff_of(result)['before']['schema_id'] == SID
    assert [p['name'] for p in diff_of(result)['before']['properties']] == ['created', 'priority', 'title']
    assert [(e['op'], e['method'], e['path']) for e in feishu_log(sandbox)] == [
        ('feishu.token', 'POST', TOKEN_PATH), ('feishu.schema.get', 'GET', SCHEMA_PATH),
        ('feishu.list', 'GET', DATA_SOURCES), ('feishu.schema.delete', 'DELETE', SCHEMA_PATH)]
    assert schemas(sandbox) == []

    sandbox.clear_log()
    again = run_ok(run_playbook, {'schema_id': SID, 'schema_state': 'absent'})
    assert again['changed'] is False and again['schema'] == {}
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get']


def test_absent_while_bound_is_refused_naming_them_although_feishu_would_delete_it(sandbox, run_playbook):
    assert sandbox.settings()['schema_delete_when_bound'] == 'allow'  # the refusal must come from the module
    seed(sandbox)
    bound = sandbox.seed_feishu([{'name': 'Tickets', 'schema_id': SID}])[0]
    result = run_failing(run_playbook, {'schema_id': SID, 'schema_state': 'absent'})
    assert result['changed'] is False and result['bound_data_sources'] == [{'id': bound['id'], 'name': 'Tickets'}]
    assert ("Feishu search schema 'ticket_schema' is bound to 1 data source(s): 'Tickets' (id %s). It was not deleted"
            % bound['id']) in result['msg']
    assert IN_USE_HINT in result['msg']
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.schema.get', 'feishu.list']
    assert schemas(sandbox) == [SEEDED]


# ----- local validation: nothing is sent ----------------------------------------------------------------------------

def rule(name, kind, **flags):
    prop = {'name': name, 'type': kind}
    prop.update(flags)
    return prop


SEARCH = {'enable_exact_match': True}
SORT = {'priority': 0, 'order': 'asc'}
TAGS = {'tag': [{'name': 'p0', 'color': 'red', 'text': 'P0'}]}
LOCAL_CASES = {
    'searchable and sortable': (
        {'schema_properties': [rule('n', 'int', is_searchable=True, is_sortable=True, sort_options=SORT)]},
        ["properties[0] ('n'): a property cannot be both searchable and sortable (is_searchable and is_sortable are "
         "both true).",
         "properties[0] ('n'): only text and tinytext properties can be searchable; this one is int."]),
    'searchable non-text': (
        {'schema_properties': [rule('n', 'double', is_searchable=True, is_returnable=True, search_options=SEARCH)]},
        ["properties[0] ('n'): only text and tinytext properties can be searchable; this one is double."]),
    'sortable non-numeric': (
        {'schema_properties': [rule('n', 'tinytext', is_sortable=True, sort_options=SORT)]},
        ["properties[0] ('n'): only int, double and timestamp properties can be sortable; this one is tinytext."]),
    'tag without type_definitions.tag': (
        {'schema_properties': [rule('level', 'tag', is_returnable=True, type_definitions={'user_ids': {
            'id_type': 'open_id'}})]},
        ["properties[0] ('level'): a tag property needs type_definitions.tag, the list of its tag values."]),
    'reserved _ name': (
        {'schema_properties': [rule('title', 'text'), rule('_owner', 'text')]},
        ["properties[1] ('_owner'): names starting with \"_\" are reserved; only _title, _create_time, _update_time, "
         "_item_id may be declared."]),
    'duplicate names': (
        {'schema_properties': [rule('title', 'text'), rule('size', 'int'), rule('title', 'tinytext')]},
        ["properties[2] ('title'): the name is declared more than once (first at properties[0]); property names must "
         "be unique."]),
    'tag1 mapping a non-tag': (
        {'schema_properties': [rule('title', 'text', is_returnable=True)],
         'schema_display': {'fields_mapping': [{'display_field': 'tag1', 'data_field': '${title}'}]}},
        ["display.fields_mapping[0] (tag1): tag1, tag2 and tag3 may show only tag properties; ${title} is of type "
         "text."]),
    'data_field of a non-returnable property': (
        {'schema_properties': [rule('title', 'text', is_returnable=True), rule('size', 'int')],
         'schema_display': {'fields_mapping': [{'display_field': 'footer', 'data_field': '${title} ${size}'}]}},
        ["display.fields_mapping[0] (footer): ${size} names a property that is not returnable; a property shown on "
         "the card needs is_returnable: true."]),
    'data_field of an undeclared property': (
        {'schema_properties': [rule('title', 'text', is_returnable=True)],
         'schema_display': {'fields_mapping': [{'display_field': 'summary', 'data_field': '${titel}'}]}},
        ['display.fields_mapping[0] (summary): ${titel} names no declared property.']),
    'schema_id pattern': (
        {'schema_id': '1st-schema', 'schema_properties': [rule('title', 'text')]},
        ["schema_id '1st-schema' must start with a letter and hold only letters, digits, \"-\" and \"_\" (pattern "
         "^[a-zA-Z][a-zA-Z0-9-_]*$)."]),
    'schema_id length': (
        {'schema_id': 's' * 41, 'schema_state': 'absent'},
        ["schema_id '%s' has 41 characters; at most 40 are allowed." % ('s' * 41)]),
}


@pytest.mark.parametrize('case', sorted(LOCAL_CASES))
def test_a_rule_broken_locally_fails_naming_property_and_rule_with_zero_requests(sandbox, run_playbook, case):
    extra_vars, problems = LOCAL_CASES[case]
    extra_vars = dict({'schema_id': SID}, **extra_vars)
    result = run_failing(run_playbook, extra_vars)
    assert result['changed'] is False
    assert result['problems'] == problems
    assert result['msg'] == '%d problem(s) in the schema options; nothing was sent:\n  - %s' % (
        len(problems), '\n  - '.join(problems))
    assert sandbox.requests() == []  # not even the token


def test_every_broken_rule_is_reported_at_once(sandbox, run_playbook):
    properties = [rule('a', 'int', is_searchable=True), rule('a', 'tag'), rule('_x', 'text', is_sortable=True),
                  rule('s', 'text', is_searchable=True)]
    display = {'fields_mapping': [{'display_field': 'tag3', 'data_field': '${s}'}]}
    result = run_failing(run_playbook, {'schema_id': 'bad id', 'schema_properties': properties,
                                        'schema_display': display})
    assert result['msg'].startswith('%d problem(s) in the schema options; nothing was sent' % len(result['problems']))
    labels = [re.match(r"^(schema_id|properties\[\d\] \('[^']*'\)|display\.fields_mapping\[\d\] \(\w+\))",
                       problem).group(1) for problem in result['problems']]
    assert labels == ['schema_id', "properties[0] ('a')", "properties[1] ('a')", "properties[1] ('a')",
                      "properties[2] ('_x')", "properties[2] ('_x')", "properties[3] ('s')", "properties[3] ('s')",
                      'display.fields_mapping[0] (tag3)', 'display.fields_mapping[0] (tag3)'], result['problems']
    assert sandbox.requests() == []


# ----- what the server still refuses --------------------------------------------------------------------------------

SERVER_CASES = {
    # more than 50 properties: no local check counts them
    'limit': ([{'name': 'f%02d' % i, 'type': 'int'} for i in range(51)], None, 1274007,
              'at most 50 properties', 'The schema exceeds a platform limit'),
    # a '-' in a property name: the local checks look at the length and the leading '_' only
    'name characters': ([{'name': 'due-date', 'type': 'timestamp'}], None, 1274010, "properties[0] ('due-date')",
                        'A name holds illegal characters or is too long'),
    # what Feishu may refuse that the sandbox does not: an injected answer
    'injected': (PROPERTIES, {'kind': 'feishu_code', 'op': 'feishu.schema.create', 'code': 1274007,
                              'msg': 'too many fields'}, 1274007, 'too many fields',
                 'The schema exceeds a platform limit'),
}


@pytest.mark.parametrize('case', sorted(SERVER_CASES))
def test_a_server_refusal_is_reported_with_code_message_log_id_and_hint(sandbox, run_playbook, case):
    properties, fault, code, words, hint = SERVER_CASES[case]
    if fault:
        sandbox.inject(**fault)
    result = run_failing(run_playbook, args(properties))
    error = result['error']
    assert result['changed'] is False and 'written' not in result
    assert (error['code'], error['http_status'], error['method'], error['path']) == (code, 400, 'POST', SCHEMAS)
    assert words in error['message'] and re.match(r'^[0-9A-F]{32}$', error['log_id']), error
    assert result['msg'] == 'Feishu API error %d (HTTP 400) on POST %s: %s [log id: %s] Hint: %s' % (
        code, SCHEMAS, error['message'], error['log_id'], result['msg'].split(' Hint: ', 1)[1])
    assert result['msg'].split(' Hint: ', 1)[1].startswith(hint)
    log = feishu_log(sandbox)
    assert ops(log) == ['feishu.token', 'feishu.schema.get', 'feishu.schema.create']  # refused once, never resent
    assert log[-1]['status'] == 400 and log[-1]['fault'] == (fault or {}).get('kind')
    assert schemas(sandbox) == []


# ----- check mode and diff mode ---------------------------------------------------------------------------------------

CHECK_CASES = {
    # case: (seed the schema?, extra vars, ops of the check-mode run)
    'create': (False, args(PROPERTIES, DISPLAY), ['feishu.token', 'feishu.schema.get']),
    'update': (True, args(props((0, {'desc': 'New title'})), NEW_DISPLAY), ['feishu.token', 'feishu.schema.get']),
    'recreate': (True, args(props((2, {'type': 'double'})), DISPLAY, recreate=True),
                 ['feishu.token', 'feishu.schema.get', 'feishu.list']),
    'absent': (True, {'schema_id': SID, 'schema_state': 'absent'},
               ['feishu.token', 'feishu.schema.get', 'feishu.list']),
}


@pytest.mark.parametrize('case', sorted(CHECK_CASES))
def test_check_mode_sends_only_reads_and_predicts_the_real_run(sandbox, run_playbook, case):
    seeded, extra_vars, read_ops = CHECK_CASES[case]
    if seeded:
        seed(sandbox)
    before = schemas(sandbox)
    predicted = run_ok(run_playbook, extra_vars, check=True, diff=True)
    assert predicted['changed'] is True
    assert ops(feishu_log(sandbox)) == read_ops
    assert writes(sandbox) == [] and schemas(sandbox) == before

    sandbox.clear_log()
    real = run_ok(run_playbook, extra_vars, diff=True)
    assert real['changed'] is True and writes(sandbox)
    # the prediction: the schema Feishu holds after the real run, and the same diff
    assert predicted['schema'] == real['schema'] == (schemas(sandbox) or [{}])[0]
    assert diff_of(predicted) == diff_of(real)
    assert diff_of(real)['before'] != diff_of(real)['after']


# ----- feishu_search_schema_info ------------------------------------------------------------------------------

WIKI = {'schema_id': 'wiki_schema', 'properties': [{'name': 'body', 'type': 'text'}]}


def test_info_by_schema_id_is_one_listing_and_one_get_per_distinct_id(sandbox, run_playbook):
    seed(sandbox)
    seed(sandbox, WIKI)
    tickets = sandbox.seed_feishu([{'name': 'Tickets', 'schema_id': SID}, {'name': 'Other', 'schema_id': 'other'}])[0]
    result = run_ok(run_playbook, {'schema_id': ['wiki_schema', 'nope', SID, 'wiki_schema']}, task=INFO_TASK,
                    playbook=INFO_PLAYBOOK)
    assert result['changed'] is False and 'warnings' not in result  # 'nope' is missing but nothing names it
    # in the order asked, a missing one left out, each with the data sources bound to it
    assert result['schemas'] == [dict(WIKI, data_sources=[]),
                                 dict(SEEDED, data_sources=[{'id': tickets['id'], 'name': 'Tickets'}])]
    assert [(e['op'], e['path'], e['status']) for e in feishu_log(sandbox)] == [
        ('feishu.token', TOKEN_PATH, 200), ('feishu.list', DATA_SOURCES, 200),
        ('feishu.schema.get', SCHEMAS + '/wiki_schema', 200), ('feishu.schema.get', SCHEMAS + '/nope', 400),
        ('feishu.schema.get', SCHEMA_PATH, 200)]

    sandbox.clear_log()
    one = run_ok(run_playbook, {'schema_id': SID}, task=INFO_TASK, playbook=INFO_PLAYBOOK, check=True)
    assert one['schemas'] == result['schemas'][1:]
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.list', 'feishu.schema.get']


def test_info_bound_reads_each_schema_the_data_sources_are_bound_to_once(sandbox, run_playbook):
    seed(sandbox)
    seed(sandbox, WIKI)
    seed(sandbox, dict(WIKI, schema_id='unused_schema'))
    # 55 data sources (two pages of 50): 52 on ticket_schema, one on wiki_schema, one on a missing schema, one unbound
    sources = sandbox.seed_feishu([{'name': 'wiki', 'schema_id': 'wiki_schema'}]
                                  + [{'name': 'tickets-%02d' % i, 'schema_id': SID} for i in range(52)]
                                  + [{'name': 'orphan', 'schema_id': 'gone_schema'}, {'name': 'plain'}])
    result = run_ok(run_playbook, {'schema_bound': True}, task=INFO_TASK, playbook=INFO_PLAYBOOK)
    assert result['changed'] is False
    assert [s['schema_id'] for s in result['schemas']] == ['wiki_schema', SID]  # in the order of the listing
    assert result['schemas'][0] == dict(WIKI, data_sources=[{'id': sources[0]['id'], 'name': 'wiki'}])
    assert result['schemas'][1]['data_sources'] == [{'id': s['id'], 'name': s['name']} for s in sources[1:53]]
    assert dict((k, v) for k, v in result['schemas'][1].items() if k != 'data_sources') == SEEDED
    assert result['warnings'] == ["Data source(s) 'orphan' (id %s) are bound to schema 'gone_schema', which does "
                                  "not exist." % sources[53]['id']]
    # one listing (every page), then one GET per distinct schema_id
    assert [(e['op'], e['path']) for e in feishu_log(sandbox)] == [
        ('feishu.token', TOKEN_PATH), ('feishu.list', DATA_SOURCES), ('feishu.list', DATA_SOURCES),
        ('feishu.schema.get', SCHEMAS + '/wiki_schema'), ('feishu.schema.get', SCHEMA_PATH),
        ('feishu.schema.get', SCHEMAS + '/gone_schema')]


def test_info_needs_schema_id_or_bound_and_sends_nothing_without(sandbox, run_playbook):
    result = run_failing(run_playbook, {}, task=INFO_TASK, playbook=INFO_PLAYBOOK)
    assert result['msg'].startswith('Give schema_id (one id or a list), or bound=true')
    both = run_failing(run_playbook, {'schema_id': SID, 'schema_bound': True}, task=INFO_TASK, playbook=INFO_PLAYBOOK)
    assert 'mutually exclusive' in both['msg'] and 'schema_id' in both['msg'] and 'bound' in both['msg']
    assert sandbox.requests() == []


def test_info_with_an_invalid_schema_id_fails_with_zero_requests(sandbox, run_playbook):
    result = run_failing(run_playbook, {'schema_id': [SID, 'bad/id']}, task=INFO_TASK, playbook=INFO_PLAYBOOK)
    assert result['problems'] == ["schema_id 'bad/id' must start with a letter and hold only letters, digits, \"-\" "
                                  "and \"_\" (pattern ^[a-zA-Z][a-zA-Z0-9-_]*$)."]
    assert sandbox.requests() == []
