# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The feishu_search_schema module end to end, with only requests.Session faked."""

from __future__ import absolute_import, division, print_function

import copy
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dsops.cloud.plugins.module_utils.core import retry, transport
from ansible_collections.dsops.cloud.plugins.modules import feishu_search_schema as module_under_test
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    APP_ID, APP_SECRET, COLLECTION, SCHEMAS, FakeFeishu, error)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

SID = 'ticket_schema'
DS_ID = '7300000000000000001'
PROPERTIES = [
    {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True,
     'search_options': {'enable_exact_match': True}, 'desc': 'Title'},
    {'name': 'priority', 'type': 'tag', 'is_returnable': True,
     'type_definitions': {'tag': [{'name': 'p0', 'color': 'red', 'text': 'P0'}]}},
    {'name': 'created', 'type': 'timestamp', 'is_sortable': True, 'sort_options': {'priority': 0, 'order': 'desc'}},
]
DISPLAY = {'fields_mapping': [{'display_field': 'summary', 'data_field': '${title}'},
                              {'display_field': 'tag1', 'data_field': '${priority}'}]}


class NoSleep:
    @staticmethod
    def sleep(seconds):
        return None


@pytest.fixture
def fake(monkeypatch):
    server = FakeFeishu([{'id': DS_ID, 'name': 'Tickets', 'schema_id': 'other_schema'}])
    monkeypatch.setattr(transport.requests, 'Session', lambda: server)
    monkeypatch.setattr(retry, 'time', NoSleep)
    for name in ('FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_TENANT_ACCESS_TOKEN', 'FEISHU_BASE_URL'):
        monkeypatch.delenv(name, raising=False)
    return server


def run_module(capsys, args, check_mode=False, diff=False):
    args = dict(args)
    args.update(app_id=APP_ID, app_secret=APP_SECRET, base_url='http://fake')
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            module_under_test.main()
    output = capsys.readouterr().out
    return info.value.code, json.loads(output), output


def declared(**changes):
    args = {'schema_id': SID, 'properties': copy.deepcopy(PROPERTIES), 'display': copy.deepcopy(DISPLAY)}
    args.update(changes)
    return args


def schema_requests(fake):
    return [(s.method, s.path) for s in fake.log if s.path.startswith('/open-apis/search/')]


def test_create_then_rerun_with_zero_writes(fake, capsys):
    rc, result, dummy = run_module(capsys, declared())
    assert rc == 0 and result['changed'] is True
    assert result['schema']['schema_id'] == SID and 'diff' not in result
    assert [w.method for w in fake.writes] == ['POST']
    assert fake.writes[0].body['display'] == dict(DISPLAY, card_key='search_common_card')

    fake.log[:] = []
    rc, result, dummy = run_module(capsys, declared(properties=list(reversed(PROPERTIES))))
    assert rc == 0 and result['changed'] is False
    assert schema_requests(fake) == [('GET', SCHEMAS + '/' + SID)]


def test_check_mode_and_diff_mode_in_option_names(fake, capsys):
    fake.seed_schema(dict(declared(), display=dict(DISPLAY, card_key='search_common_card')))
    args = declared(properties=copy.deepcopy(PROPERTIES))
    args['properties'][0]['desc'] = 'Ticket title'
    rc, result, dummy = run_module(capsys, args, check_mode=True, diff=True)
    assert rc == 0 and result['changed'] is True
    assert diff_of(result)['before']['properties'][2] == dict(PROPERTIES[0], search_options={'enable_exact_match': True})
    assert diff_of(result)['after']['properties'][2]['desc'] == 'Ticket title'
    assert result['schema']['properties'][0]['desc'] == 'Ticket title'
    assert fake.writes == [] and fake.schemas[SID]['properties'][0]['desc'] == 'Title'


@pytest.mark.parametrize('changes, words', [
    ({'schema_id': 'bad id'}, "schema_id 'bad id' must start with a letter"),
    ({'properties': [{'name': 'n', 'type': 'int', 'is_sortable': True,
                      'sort_options': {'priority': 9, 'order': 'asc'}}], 'display': None},
     "properties[0] ('n'): sort_options.priority must be between 0 and 4; got 9"),
    ({'properties': [{'name': 'n', 'type': 'string'}]}, 'value of type must be one of'),
    ({'properties': [{'name': 'n', 'type': 'tag', 'type_definitions': {'tag': [
        {'name': 'a', 'color': 'purple', 'text': 'A'}]}}]}, 'value of color must be one of'),
    ({'display': {'fields_mapping': [{'display_field': 'header', 'data_field': '${title}'}]}},
     'value of display_field must be one of'),
    ({'properties': [{'name': 'n', 'type': 'int', 'colour': 'red'}]}, 'colour'),
    ({'properties': None}, 'properties is required with state=present'),
    ({'properties': 'title'}, 'properties must be a list of dictionaries'),
    ({'properties': [{'name': 'n', 'type': 'int', 'sort_options': True}]}, 'sort_options must be a dictionary'),
])
def test_invalid_options_fail_cleanly_before_any_request(fake, capsys, changes, words):
    rc, result, output = run_module(capsys, declared(**changes))
    assert rc == 1 and words in result['msg'], result['msg']
    assert 'Traceback' not in output and fake.log == []


def test_properties_are_required_with_state_present(fake, capsys):
    rc, result, dummy = run_module(capsys, {'schema_id': SID})
    assert rc == 1 and 'state is present but all of the following are missing: properties' in result['msg']
    rc, result, dummy = run_module(capsys, {'schema_id': SID, 'state': 'absent'})
    assert rc == 0 and result['changed'] is False
    assert schema_requests(fake) == [('GET', SCHEMAS + '/' + SID)]


def test_every_broken_rule_is_listed_in_problems(fake, capsys):
    props = [{'name': 'a', 'type': 'int', 'is_searchable': True}, {'name': 'a', 'type': 'tag'}]
    rc, result, dummy = run_module(capsys, declared(properties=props, display=None))
    assert rc == 1 and result['msg'].startswith('3 problem(s) in the schema options; nothing was sent')
    assert len(result['problems']) == 3 and fake.log == []


def test_a_type_change_fails_naming_property_and_field_with_zero_writes(fake, capsys):
    fake.seed_schema(declared())
    props = copy.deepcopy(PROPERTIES)
    props[1] = {'name': 'priority', 'type': 'text', 'is_returnable': True}
    rc, result, output = run_module(capsys, declared(properties=props, display=None))
    assert rc == 1 and "properties.priority.type: current 'tag', desired 'text'" in result['msg']
    assert result['conflicts']['properties.priority.type'] == {'current': 'tag', 'desired': 'text'}
    assert 'set recreate=true' in result['msg']
    assert fake.writes == [] and 'Traceback' not in output


def test_recreate_and_absent_while_bound_are_refused_naming_the_data_source(fake, capsys):
    fake.seed_schema(declared())
    fake.seed({'id': '7300000000000000009', 'name': 'Helpdesk', 'schema_id': SID})
    props = copy.deepcopy(PROPERTIES)
    props[2]['is_returnable'] = True
    for args in (declared(properties=props, recreate=True), {'schema_id': SID, 'state': 'absent'}):
        rc, result, dummy = run_module(capsys, args)
        assert rc == 1 and "'Helpdesk' (id 7300000000000000009)" in result['msg'] and 'Tickets' not in result['msg']
        assert result['bound_data_sources'] == [{'id': '7300000000000000009', 'name': 'Helpdesk'}]
    assert fake.writes == []


def test_absent_twice(fake, capsys):
    fake.seed_schema(declared())
    rc, result, dummy = run_module(capsys, {'schema_id': SID, 'state': 'absent'}, diff=True)
    assert rc == 0 and result['changed'] is True and diff_of(result)['after'] == {}
    rc, result, dummy = run_module(capsys, {'schema_id': SID, 'state': 'absent'})
    assert rc == 0 and result['changed'] is False and result['schema'] == {}
    assert [w.method for w in fake.writes] == ['DELETE']


def test_a_server_refusal_is_one_clean_message_with_code_log_id_and_hint(fake, capsys):
    fake.fail('POST', SCHEMAS, error(400, 1274008, 'field name invalid for type', log_id='LOG-8'))
    rc, result, output = run_module(capsys, declared())
    assert rc == 1
    assert '1274008' in result['msg'] and '[log id: LOG-8]' in result['msg']
    assert 'A property name is not valid for its type' in result['msg']
    assert result['error']['code'] == 1274008 and result['error']['log_id'] == 'LOG-8'
    assert 'Traceback' not in output and 'exception' not in result


def test_secrets_never_reach_the_output(fake, capsys):
    def echo(sent):
        return error(400, 1270002, 'rejected %s (secret %s)' % (sent.headers['Authorization'], APP_SECRET))
    fake.fail('GET', SCHEMAS, response=echo)
    rc, result, output = run_module(capsys, declared())
    assert rc == 1 and fake.tokens and all(token not in output for token in fake.tokens)
    assert APP_SECRET not in output
    assert not fake.requests_to(path_prefix=COLLECTION)
