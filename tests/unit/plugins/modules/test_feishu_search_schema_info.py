# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The feishu_search_schema_info module end to end, with only requests.Session faked."""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dsops.cloud.plugins.module_utils.core import transport
from ansible_collections.dsops.cloud.plugins.modules import feishu_search_schema_info as module_under_test
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    APP_ID, APP_SECRET, COLLECTION, SCHEMAS, FakeFeishu, error)

__metaclass__ = type


def schema(schema_id):
    return {'schema_id': schema_id, 'properties': [{'name': 'title', 'type': 'text', 'is_returnable': True}],
            'display': {'card_key': 'search_common_card'}}


@pytest.fixture
def fake(monkeypatch):
    # 60 data sources (two pages), bound to two schemas, one of which is gone
    items = [{'id': str(7300000000000000000 + i), 'name': 'ds-%d' % i,
              'schema_id': 'ticket_schema' if i % 2 else ('gone_schema' if i == 58 else None)} for i in range(1, 61)]
    server = FakeFeishu([dict((k, v) for k, v in item.items() if v is not None) for item in items],
                        schemas=[schema('ticket_schema'), schema('manual_schema')])
    monkeypatch.setattr(transport.requests, 'Session', lambda: server)
    for name in ('FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_TENANT_ACCESS_TOKEN', 'FEISHU_BASE_URL'):
        monkeypatch.delenv(name, raising=False)
    return server


def run_module(capsys, check_mode=False, **args):
    args.update(app_id=APP_ID, app_secret=APP_SECRET, base_url='http://fake')
    if check_mode:
        args['_ansible_check_mode'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            module_under_test.main()
    return info.value.code, json.loads(capsys.readouterr().out)


def test_one_id_is_one_get(fake, capsys):
    rc, result = run_module(capsys, schema_id='manual_schema')
    assert rc == 0 and result['changed'] is False
    assert result['schemas'] == [dict(schema('manual_schema'), data_sources=[])]
    assert [(s.method, s.path) for s in fake.log if s.path.startswith('/open-apis/search')][-1] == (
        'GET', SCHEMAS + '/manual_schema')
    assert len(fake.requests_to('GET', COLLECTION)) == 2  # the listing (two pages) names the bound data sources


def test_a_list_of_ids_in_check_mode_missing_ones_left_out(fake, capsys):
    rc, result = run_module(capsys, check_mode=True, schema_id=['manual_schema', 'nope', 'ticket_schema'])
    assert rc == 0 and [s['schema_id'] for s in result['schemas']] == ['manual_schema', 'ticket_schema']
    assert fake.writes == []


def test_neither_id_nor_bound_fails_before_any_request(fake, capsys):
    rc, result = run_module(capsys)
    assert rc == 1 and 'Give schema_id' in result['msg'] and fake.log == []


def test_bound_gives_the_schemas_with_their_data_sources(fake, capsys):
    rc, result = run_module(capsys, bound=True)
    assert rc == 0 and [s['schema_id'] for s in result['schemas']] == ['ticket_schema']
    bound = result['schemas'][0]['data_sources']
    assert len(bound) == 30 and bound[0] == {'id': '7300000000000000001', 'name': 'ds-1'}
    warning = ("Data source(s) 'ds-58' (id 7300000000000000058) are bound to schema 'gone_schema', which does not "
               "exist.")
    # a str, or a 2.19 summary; ansible-core may carry other tests' warnings over within one process
    assert any(warning in json.dumps(item) for item in result['warnings'])
    assert len(fake.requests_to('GET', COLLECTION)) == 2  # one listing, two pages
    assert [s.path for s in fake.log if s.path.startswith(SCHEMAS)] == [SCHEMAS + '/ticket_schema',
                                                                        SCHEMAS + '/gone_schema']


def test_a_bad_id_fails_before_any_request(fake, capsys):
    rc, result = run_module(capsys, schema_id=['ok_schema', '-bad'])
    assert rc == 1 and "schema_id '-bad' must start with a letter" in result['msg']
    assert result['problems'] and fake.log == []


def test_missing_scope_fails_with_the_hint(fake, capsys):
    fake.fail('GET', SCHEMAS, error(400, 99991672, 'Access denied. One of the following scopes is required'))
    rc, result = run_module(capsys, schema_id='ticket_schema')
    assert rc == 1 and '99991672' in result['msg'] and 'search:data_source' in result['msg']
