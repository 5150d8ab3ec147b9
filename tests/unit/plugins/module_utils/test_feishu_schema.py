# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Feishu Search schemas: the client calls, the local checks, plan and apply through the shared lifecycle.

Options pass through the module's own argument spec (as AnsibleModule hands them over); only the network is
fake (FakeFeishu, which answers schemas with empty values left out).
"""

from __future__ import absolute_import, division, print_function

import copy

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.dsops.cloud.plugins.module_utils.core import lifecycle, reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ApiError, ConflictError, DsopsError, ProblemsFound
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.schema import (
    CONFLICT_HINT, FeishuSchemaResource, SchemaInUse, gather, resource_argument_spec)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_data_source import client_for
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    COLLECTION, SCHEMAS, FakeFeishu, error, ok, read_timeout)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

SID = 'ticket_schema'
PATH = SCHEMAS + '/' + SID
DS_ID = '7300000000000000001'

TITLE = {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True,
         'search_options': {'enable_semantic_match': True, 'enable_exact_match': True}, 'desc': 'Title'}
PRIORITY = {'name': 'priority', 'type': 'tag', 'is_returnable': True, 'is_filterable': True,
            'type_definitions': {'tag': [{'name': 'p0', 'color': 'red', 'text': 'P0'}]},
            'filter_options': {'display_name': 'Priority', 'filter_type': 'predefine_enum',
                               'predefine_enum_values': [{'name': 'p0', 'text': 'P0'}]}}
CREATED = {'name': 'created', 'type': 'timestamp', 'is_sortable': True, 'is_returnable': True,
           'sort_options': {'priority': 0, 'order': 'desc'}, 'answer_option': {'is_returnable': True}}
DISPLAY = {'fields_mapping': [{'display_field': 'tag1', 'data_field': '${priority}'},
                              {'display_field': 'summary', 'data_field': '${title}'}]}


def params(**given):
    """Module params as AnsibleModule hands them over: validated by the argument spec, defaults filled in."""
    given.setdefault('schema_id', SID)
    if given.get('state', 'present') == 'present':
        given.setdefault('properties', copy.deepcopy([TITLE, PRIORITY, CREATED]))
        given.setdefault('display', copy.deepcopy(DISPLAY))
    result = ArgumentSpecValidator(resource_argument_spec()).validate(given)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def api_schema():
    """The schema as the task above creates it (the body of its POST)."""
    return {'schema_id': SID, 'properties': [dict(p) for p in copy.deepcopy([TITLE, PRIORITY, CREATED])],
            'display': {'card_key': 'search_common_card', 'fields_mapping': copy.deepcopy(DISPLAY['fields_mapping'])}}


def run(fake, check_mode=False, diff=True, **given):
    p = params(**given)
    resource = FeishuSchemaResource(client_for(fake), p)
    return lifecycle.ensure(resource, p['state'], check_mode=check_mode, want_diff=diff, allow_recreate=p['recreate'])


def existing(**extra):
    return FakeFeishu(data_sources=extra.pop('data_sources', None), schemas=[api_schema()])


def writes(fake):
    return [(w.method, w.path + ('?' + '&'.join('%s=%s' % i for i in sorted(w.query.items())) if w.query else ''),
             w.body) for w in fake.writes]


def with_property(name, **changes):
    props = copy.deepcopy([TITLE, PRIORITY, CREATED])
    for prop in props:
        if prop['name'] == name:
            prop.update(changes)
            for key in [k for k, v in changes.items() if v is None]:
                del prop[key]
    return props


# ----- client ---------------------------------------------------------------------------------------------

def test_get_schema_reads_1273004_as_absent_and_raises_other_errors():
    fake = FakeFeishu(schemas=[api_schema()])
    client = client_for(fake)
    assert client.get_schema('nope') is None
    assert client.get_schema(SID)['schema_id'] == SID
    fake.fail('GET', SCHEMAS, error(400, 1270005, 'flagship only'))
    with pytest.raises(ApiError) as caught:
        client.get_schema(SID)
    assert caught.value.code == 1270005


def test_schema_ids_are_quoted_in_the_path():
    fake = FakeFeishu()
    assert client_for(fake).get_schema('a/../b') is None
    assert fake.log[-1].path == SCHEMAS + '/a%2F..%2Fb'


@pytest.mark.parametrize('code, words', [
    (1274004, 'cannot be both searchable and sortable'),
    (1274006, 'type_definitions.tag'),
    (1274009, 'searchable property must also be returnable'),
    (1273004, 'check schema_id'),
])
def test_server_refusals_carry_code_log_id_and_the_reference_hint(code, words):
    fake = FakeFeishu()
    fake.fail('POST', SCHEMAS, error(400, code, 'refused', log_id='LOG-7'))
    with pytest.raises(ApiError) as caught:
        client_for(fake).create_schema({'schema_id': SID})
    text = str(caught.value)
    assert str(code) in text and '[log id: LOG-7]' in text and words in text


def test_validate_schema_sends_validate_only_and_creates_nothing():
    fake = FakeFeishu()
    assert client_for(fake).validate_schema(api_schema()) is True
    assert writes(fake) == [('POST', SCHEMAS + '?validate_only=true', api_schema())]
    assert fake.schemas == {}


# ----- local checks ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('schema_id, words', [
    ('1tickets', 'must start with a letter'),
    ('tick ets', 'must start with a letter'),
    ('tickets\n', 'must start with a letter'),
    ('t' * 41, 'has 41 characters; at most 40'),
])
def test_a_bad_schema_id_fails_before_any_request(schema_id, words):
    fake = FakeFeishu()
    with pytest.raises(ProblemsFound, match=words):
        run(fake, schema_id=schema_id)
    assert fake.log == []


@pytest.mark.parametrize('prop, words', [
    ({'name': 'a' * 21, 'type': 'int'}, "('%s'): the name has 21 characters; at most 20" % ('a' * 21)),
    ({'name': '_secret', 'type': 'text'}, "('_secret'): names starting with \"_\" are reserved; only _title"),
    ({'name': 'x', 'type': 'text', 'is_searchable': True, 'is_sortable': True, 'is_returnable': True,
      'search_options': {'enable_exact_match': True}}, "('x'): a property cannot be both searchable and sortable"),
    ({'name': 'x', 'type': 'int', 'is_searchable': True, 'is_returnable': True},
     "('x'): only text and tinytext properties can be searchable; this one is int"),
    ({'name': 'x', 'type': 'tinytext', 'is_sortable': True, 'sort_options': {'priority': 0, 'order': 'asc'}},
     "('x'): only int, double and timestamp properties can be sortable; this one is tinytext"),
    ({'name': 'x', 'type': 'tag', 'is_sortable': True, 'type_definitions': {'tag': [
        {'name': 'a', 'color': 'red', 'text': 'A'}]}}, "('x'): a tag property can be neither searchable nor sortable"),
    ({'name': 'x', 'type': 'tag'}, "('x'): a tag property needs type_definitions.tag"),
    ({'name': 'x', 'type': 'double', 'is_sortable': True}, "('x'): a sortable property needs sort_options"),
    ({'name': 'x', 'type': 'text', 'is_searchable': True, 'is_returnable': True},
     "('x'): a searchable property needs search_options"),
    ({'name': 'x', 'type': 'text', 'is_searchable': True, 'search_options': {'enable_exact_match': True}},
     "('x'): a searchable property must be returnable too"),
    ({'name': 'x', 'type': 'int', 'is_sortable': True, 'sort_options': {'priority': 5, 'order': 'asc'}},
     "('x'): sort_options.priority must be between 0 and 4; got 5"),
])
def test_each_documented_rule_names_the_property_and_sends_nothing(prop, words):
    fake = FakeFeishu()
    with pytest.raises(ProblemsFound) as caught:
        run(fake, properties=[dict(TITLE), prop], display=None)
    problems = caught.value.problems
    assert any(words in problem for problem in problems), problems
    assert all(problem.startswith('properties[1] ') for problem in problems)
    assert len(problems) == (2 if prop.get('is_searchable') and prop.get('is_sortable') else 1), problems
    assert fake.log == []


@pytest.mark.parametrize('mapping, words', [
    ({'display_field': 'tag2', 'data_field': '${title}'}, "(tag2): tag1, tag2 and tag3 may show only tag properties; "
                                                          "${title} is of type text"),
    ({'display_field': 'footer', 'data_field': 'by ${owner}'}, '(footer): ${owner} names no declared property'),
    ({'display_field': 'footer', 'data_field': '${title} ${hidden}'},
     '(footer): ${hidden} names a property that is not returnable'),
    ({'display_field': 'footer', 'data_field': '${title} ${prio'},
     '(footer): the data_field \'${title} ${prio\' opens a "${" that no "}" closes'),
    ({'display_field': 'summary', 'data_field': ''}, '(summary): data_field must not be empty'),
    ({'display_field': 'tag3', 'data_field': 'P0'}, '(tag3): tag1, tag2 and tag3 show tag properties; name one'),
    ({'display_field': 'tag1', 'data_field': '${_title}'}, '(tag1): tag1, tag2 and tag3 may show only tag '
                                                           'properties; ${_title} is a reserved field'),
])
def test_display_rules_name_the_mapping(mapping, words):
    props = [dict(TITLE), dict(PRIORITY), {'name': 'hidden', 'type': 'int'}]
    given = params(properties=props, display={'fields_mapping': [mapping]})
    with pytest.raises(ProblemsFound) as caught:
        FeishuSchemaResource(None, given)
    problems = caught.value.problems
    assert len(problems) == 1 and problems[0].startswith('display.fields_mapping[0] ' + words), problems


def test_reserved_fields_may_be_shown_without_being_declared():
    given = params(display={'fields_mapping': [{'display_field': 'footer', 'data_field': '${_create_time}'}]})
    assert FeishuSchemaResource(None, given).schema_id == SID


def test_a_null_card_key_is_the_default():
    fake = FakeFeishu()
    run(fake, display={'card_key': None, 'fields_mapping': DISPLAY['fields_mapping']})
    assert fake.writes[0].body['display'] == api_schema()['display']


def test_every_violation_is_reported_at_once():
    props = [{'name': 'a', 'type': 'int', 'is_searchable': True, 'is_returnable': True},
             {'name': 'a', 'type': 'tag'},
             {'name': '_x', 'type': 'text'}]
    with pytest.raises(ProblemsFound) as caught:
        FeishuSchemaResource(None, params(schema_id='9', properties=props,
                                          display={'fields_mapping': [{'display_field': 'tag1',
                                                                       'data_field': '${b}'}]}))
    problems = caught.value.problems
    assert len(problems) == 6, problems
    assert str(caught.value).startswith('6 problem(s) in the schema options; nothing was sent:\n  - schema_id ')
    assert caught.value.details() == {'problems': problems}
    assert any('declared more than once (first at properties[0])' in p for p in problems)


def test_state_absent_ignores_the_properties():
    resource = FeishuSchemaResource(None, params(state='absent', properties=[{'name': '_bad', 'type': 'tag'}]))
    assert resource.declared == {}


# ----- present ------------------------------------------------------------------------------------------------

def test_create_posts_every_option_given_once():
    fake = FakeFeishu()
    result = run(fake)
    assert result['changed'] is True
    assert writes(fake) == [('POST', SCHEMAS, api_schema())]
    assert result['schema']['schema_id'] == SID and SID in fake.schemas
    assert diff_of(result)['before'] == {}
    after = diff_of(result)['after']
    assert [p['name'] for p in after['properties']] == ['created', 'priority', 'title']  # sorted in the diff
    assert after['properties'][2] == dict(TITLE, search_options=TITLE['search_options'])


def test_a_rerun_and_a_reordered_rerun_write_nothing():
    fake = FakeFeishu()
    run(fake)
    fake.log[:] = []
    assert run(fake)['changed'] is False
    reordered = [dict(CREATED), dict(TITLE), dict(PRIORITY)]
    display = {'fields_mapping': list(reversed(DISPLAY['fields_mapping']))}
    result = run(fake, properties=reordered, display=display)
    assert result['changed'] is False and fake.writes == []
    assert [(s.method, s.path) for s in fake.log if s.path.startswith(SCHEMAS)] == [('GET', PATH)] * 2
    assert diff_of(result)['before'] == diff_of(result)['after']


def test_false_and_empty_values_left_out_of_answers_read_as_unset():
    """The fake leaves out false, 0 and empty values, as Feishu may (UNCONFIRMED); explicit ones compare equal."""
    props = with_property('created', is_filterable=False, desc='', sort_options={'priority': 0, 'order': 'desc'})
    props[0]['search_options'] = dict(TITLE['search_options'], enable_prefix_match=False)
    fake = existing()
    assert run(fake, properties=props)['changed'] is False and fake.writes == []


def test_desc_and_display_changes_are_one_patch_holding_only_them():
    fake = existing()
    display = {'fields_mapping': [{'display_field': 'summary', 'data_field': '${title} ${created}'}]}
    result = run(fake, properties=with_property('title', desc='Ticket title'), display=display)
    assert result['changed'] is True
    assert writes(fake) == [('PATCH', PATH, {
        'display': {'card_key': 'search_common_card', 'fields_mapping': display['fields_mapping']},
        'properties': [{'name': 'title', 'desc': 'Ticket title'}]})]
    assert result['schema']['properties'][0]['desc'] == 'Ticket title'
    before, after = diff_of(result)['before'], diff_of(result)['after']
    assert before['properties'][2]['desc'] == 'Title' and after['properties'][2]['desc'] == 'Ticket title'
    assert after['display']['fields_mapping'] == display['fields_mapping']


def test_answer_option_keeps_the_flags_not_given_and_is_sent_whole():
    fake = existing()
    run(fake, properties=with_property('created', answer_option={'is_searchable': True}))
    assert writes(fake) == [('PATCH', PATH, {'properties': [
        {'name': 'created', 'answer_option': {'is_searchable': True, 'is_returnable': True}}]})]


def test_desc_and_answer_option_not_given_are_not_compared():
    fake = existing()
    assert run(fake, properties=with_property('title', desc=None))['changed'] is False
    assert run(fake, properties=with_property('created', answer_option=None))['changed'] is False
    assert run(fake, display=None)['changed'] is False
    assert fake.writes == []


@pytest.mark.parametrize('name, changes, conflict', [
    ('priority', {'type': 'text', 'type_definitions': None, 'filter_options': None},
     "properties.priority.type: current 'tag', desired 'text'"),
    ('title', {'is_returnable': True, 'is_filterable': True}, 'properties.title.is_filterable: current False, '
                                                              'desired True'),
    ('created', {'sort_options': {'priority': 1, 'order': 'desc'}},
     "properties.created.sort_options: current {'priority': 0, 'order': 'desc'}, desired {'priority': 1, "
     "'order': 'desc'}"),
    ('title', {'search_options': {'enable_camel_match': True}}, 'properties.title.search_options: current '),
    ('priority', {'filter_options': None}, 'properties.priority.filter_options: current {'),
    ('priority', {'type_definitions': {'tag': [{'name': 'p0', 'color': 'blue', 'text': 'P0'}]}},
     'properties.priority.type_definitions: current '),
])
def test_a_create_only_difference_fails_naming_property_and_field_with_zero_writes(name, changes, conflict):
    fake = existing()
    with pytest.raises(ConflictError) as caught:
        run(fake, properties=with_property(name, **changes), display=None)
    assert conflict in str(caught.value), str(caught.value)
    assert "Cannot change create-only field(s) of Feishu search schema 'ticket_schema' in place" in str(caught.value)
    assert caught.value.hint == CONFLICT_HINT
    assert fake.writes == [] and not fake.requests_to(path_prefix=COLLECTION)


def test_an_added_and_a_removed_property_are_named():
    fake = existing()
    props = [dict(TITLE), dict(PRIORITY), {'name': 'owner', 'type': 'tinytext', 'is_returnable': True}]
    with pytest.raises(ConflictError) as caught:
        run(fake, properties=props, display=None)
    conflicts = caught.value.conflicts
    assert conflicts['properties.owner'] == {'current': 'not declared',
                                             'desired': {'type': 'tinytext', 'is_returnable': True}}
    assert conflicts['properties.created'] == {
        'current': {'type': 'timestamp', 'is_sortable': True, 'is_returnable': True,
                    'sort_options': {'priority': 0, 'order': 'desc'}, 'answer_option': {'is_returnable': True}},
        'desired': 'not declared'}
    assert sorted(conflicts) == ['properties.created', 'properties.owner']
    assert fake.writes == []


def test_the_conflict_check_does_not_need_a_client():
    decided_current = api_schema()
    resource = FeishuSchemaResource(None, params(properties=with_property('title', type='tinytext')))
    with pytest.raises(ConflictError):
        lifecycle.plan(resource, decided_current, 'present')
    assert lifecycle.plan(FeishuSchemaResource(None, params()), decided_current, 'present').action == reconcile.NONE


# ----- recreate and absent ----------------------------------------------------------------------------------

def test_recreate_of_an_unbound_schema_validates_then_deletes_then_posts():
    fake = existing(data_sources=[{'id': DS_ID, 'name': 'Tickets', 'schema_id': 'other_schema'}])
    props = with_property('priority', type='text', type_definitions=None, filter_options=None)
    summary = {'fields_mapping': [{'display_field': 'summary', 'data_field': '${title}'}]}
    result = run(fake, properties=props, display=summary, recreate=True)
    assert result['changed'] is True
    body = {'schema_id': SID, 'properties': [dict(TITLE), {'name': 'priority', 'type': 'text', 'is_returnable': True,
                                                           'is_filterable': True}, dict(CREATED)],
            'display': {'card_key': 'search_common_card',
                        'fields_mapping': [{'display_field': 'summary', 'data_field': '${title}'}]}}
    dry_run = dict(body, schema_id='dryrun_' + SID)  # the schema_id in use would be refused
    assert writes(fake) == [('POST', SCHEMAS + '?validate_only=true', dry_run), ('DELETE', PATH, None),
                            ('POST', SCHEMAS, body)]
    assert fake.schemas[SID] == body
    assert diff_of(result)['after']['properties'][1] == {'name': 'priority', 'type': 'text', 'is_returnable': True,
                                                         'is_filterable': True}


def test_recreate_carries_over_what_the_task_does_not_declare():
    fake = existing()
    props = with_property('title', desc=None, is_filterable=True)
    run(fake, properties=props, display=None, recreate=True)
    created = fake.writes[-1].body
    assert created['display'] == api_schema()['display']
    assert created['properties'][0]['desc'] == 'Title' and created['properties'][0]['is_filterable'] is True


def test_recreate_without_a_create_only_difference_is_an_update():
    fake = existing()
    run(fake, properties=with_property('title', desc='New'), recreate=True)
    assert [w.method for w in fake.writes] == ['PATCH']
    assert not fake.requests_to(path_prefix=COLLECTION)


@pytest.mark.parametrize('check_mode', [False, True])
def test_recreate_of_a_bound_schema_is_refused_naming_the_data_source(check_mode):
    fake = existing(data_sources=[{'id': DS_ID, 'name': 'Tickets', 'schema_id': SID},
                                  {'id': '7300000000000000002', 'name': 'Wiki', 'schema_id': 'other'}])
    with pytest.raises(SchemaInUse) as caught:
        run(fake, properties=with_property('title', is_filterable=True), recreate=True, check_mode=check_mode)
    text = str(caught.value)
    assert "Cannot re-create Feishu search schema 'ticket_schema'" in text
    assert "properties.title.is_filterable: current False, desired True" in text
    assert "bound to 1 data source(s): 'Tickets' (id %s)" % DS_ID in text and 'Wiki' not in text
    assert caught.value.details()['bound_data_sources'] == [{'id': DS_ID, 'name': 'Tickets'}]
    assert fake.writes == []


@pytest.mark.parametrize('check_mode', [False, True])
def test_absent_while_bound_is_refused_naming_the_data_sources(check_mode):
    fake = existing(data_sources=[{'id': DS_ID, 'name': 'Tickets', 'schema_id': SID}])
    with pytest.raises(SchemaInUse) as caught:
        run(fake, state='absent', check_mode=check_mode)
    assert "is bound to 1 data source(s): 'Tickets' (id %s). It was not deleted" % DS_ID in str(caught.value)
    assert caught.value.details() == {'bound_data_sources': [{'id': DS_ID, 'name': 'Tickets'}]}
    assert fake.writes == [] and SID in fake.schemas


def test_absent_twice_the_second_run_reads_only_the_schema():
    fake = existing()
    first = run(fake, state='absent')
    assert first['changed'] is True and first['schema'] == {}
    assert diff_of(first)['before']['schema_id'] == SID and diff_of(first)['after'] == {}
    fake.log[:] = []
    second = run(fake, state='absent')
    assert second['changed'] is False
    assert [(s.method, s.path) for s in fake.log if s.path.startswith('/open-apis/search')] == [('GET', PATH)]


def test_a_delete_that_finds_the_schema_gone_wrote_nothing():
    fake = existing()
    fake.fail('DELETE', SCHEMAS, error(400, 1273004, 'schema not exist'))
    assert run(fake, state='absent')['changed'] is False


def test_a_definition_feishu_refuses_in_the_dry_run_never_costs_the_old_schema():
    fake = existing()
    fake.fail('POST', SCHEMAS, error(400, 1274007, 'too many fields', log_id='LOG-DRY'))
    with pytest.raises(ApiError) as caught:
        run(fake, properties=with_property('title', is_filterable=True), recreate=True)
    assert '1274007' in str(caught.value) and 'so the schema was not deleted' in caught.value.hint
    assert 'platform limit' in caught.value.hint
    assert [w.method for w in fake.writes] == ['POST'] and SID in fake.schemas
    assert caught.value.written is None


def test_a_create_refused_after_the_delete_of_a_recreate_says_what_was_written():
    fake = existing()

    def refuse_the_real_create(sent):
        if sent.query.get('validate_only') == 'true':
            return fake._handle(sent)
        return error(400, 1274007, 'too many fields', log_id='LOG-CREATE')
    fake.fail('POST', SCHEMAS, response=refuse_the_real_create, count=2)
    with pytest.raises(ApiError) as caught:
        run(fake, properties=with_property('title', is_filterable=True), recreate=True)
    assert caught.value.written == {'deleted': SID} and caught.value.fail_kwargs()['changed'] is True
    assert [w.method for w in fake.writes] == ['POST', 'DELETE', 'POST'] and SID not in fake.schemas


# ----- check mode ---------------------------------------------------------------------------------------------

def test_check_mode_predicts_a_create_with_reads_only():
    fake = FakeFeishu()
    result = run(fake, check_mode=True)
    assert result['changed'] is True and result['schema'] == api_schema()
    assert fake.writes == [] and fake.schemas == {}


def test_check_mode_predicts_an_update_and_a_recreate_with_reads_only():
    fake = existing()
    result = run(fake, check_mode=True, properties=with_property('title', desc='New'))
    assert result['changed'] is True and result['schema']['properties'][0]['desc'] == 'New'
    result = run(fake, check_mode=True, properties=with_property('title', is_filterable=True), recreate=True)
    assert result['changed'] is True and result['schema']['properties'][0]['is_filterable'] is True
    result = run(fake, check_mode=True, state='absent')
    assert result['changed'] is True and result['schema'] == {}
    assert fake.writes == [] and fake.schemas[SID] == api_schema()


# ----- lost answers -----------------------------------------------------------------------------------------

def test_a_create_whose_answer_was_lost_is_found_and_adopted_never_sent_twice():
    fake = FakeFeishu()
    fake.fail('POST', SCHEMAS + '$', exception=read_timeout(), apply=True)
    result = run(fake)
    assert result['changed'] is True and result['schema']['schema_id'] == SID
    assert [w.method for w in fake.writes] == ['POST']


def test_a_create_whose_answer_was_lost_and_that_did_not_happen_fails_unconfirmed():
    fake = FakeFeishu()
    fake.fail('POST', SCHEMAS + '$', exception=read_timeout())
    with pytest.raises(DsopsError) as caught:
        run(fake)
    assert 'may have been carried out' in str(caught.value) and caught.value.written == {'outcome': 'unknown'}
    assert [w.method for w in fake.writes] == ['POST']


def test_a_patch_whose_answer_was_lost_is_rechecked_before_it_is_sent_again():
    fake = existing()
    fake.fail('PATCH', SCHEMAS, exception=read_timeout(), apply=True)
    result = run(fake, properties=with_property('title', desc='New'))
    assert result['changed'] is True and result['schema']['properties'][0]['desc'] == 'New'
    assert [w.method for w in fake.writes] == ['PATCH']


def test_values_feishu_reports_differently_after_a_patch_fail_with_written():
    fake = existing()
    fake.fail('PATCH', SCHEMAS, response=lambda sent: ok({'schema': api_schema()}))  # accepted, nothing changed
    with pytest.raises(DsopsError) as caught:
        run(fake, properties=with_property('title', desc='New'))
    assert 'reports other values afterwards' in str(caught.value)
    assert "properties.title.desc: sent 'New', now 'Title'" in str(caught.value)
    assert caught.value.written == {'schema_id': SID}


# ----- info -------------------------------------------------------------------------------------------------

def test_gather_by_id_reads_each_id_once_and_leaves_missing_ones_out():
    fake = existing()
    schemas, warnings = gather(client_for(fake), {'schema_id': [SID, 'missing', SID]})
    assert [s['schema_id'] for s in schemas] == [SID] and warnings == []
    assert schemas[0]['data_sources'] == []  # none bound; found from the one listing
    assert [s.path for s in fake.log if s.path.startswith(SCHEMAS)] == [PATH, SCHEMAS + '/missing']
    assert len(fake.requests_to('GET', COLLECTION)) == 1


def test_gather_without_id_finds_the_bound_schemas_through_one_listing():
    fake = existing(data_sources=[{'id': DS_ID, 'name': 'Tickets', 'schema_id': SID},
                                  {'id': '7300000000000000002', 'name': 'Old', 'schema_id': 'gone_schema'},
                                  {'id': '7300000000000000003', 'name': 'Wiki', 'schema_id': SID},
                                  {'id': '7300000000000000004', 'name': 'Plain'},
                                  {'id': '7300000000000000005', 'name': 'Odd', 'schema_id': 'not an id'}])
    schemas, warnings = gather(client_for(fake), {'schema_id': None})
    assert [s['schema_id'] for s in schemas] == [SID]
    assert schemas[0]['data_sources'] == [{'id': DS_ID, 'name': 'Tickets'},
                                          {'id': '7300000000000000003', 'name': 'Wiki'}]
    assert warnings == ["Data source(s) 'Old' (id 7300000000000000002) are bound to schema 'gone_schema', which "
                        "does not exist.", "Data source(s) 'Odd' (id 7300000000000000005) are bound to 'not an id', "
                        "which is not a valid schema_id."]
    assert len(fake.requests_to('GET', COLLECTION)) == 1
    assert [s.path for s in fake.log if s.path.startswith(SCHEMAS)] == [PATH, SCHEMAS + '/gone_schema']


def test_gather_checks_the_ids_before_any_request():
    fake = FakeFeishu()
    with pytest.raises(ProblemsFound, match="schema_id '../x' must start with a letter"):
        gather(client_for(fake), {'schema_id': ['../x']})
    assert fake.log == []
