# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The feishu_search_data_source_info module end to end, with only requests.Session faked."""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dsops.cloud.plugins.module_utils.core import transport
from ansible_collections.dsops.cloud.plugins.modules import feishu_search_data_source_info as module_under_test
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    APP_ID, APP_SECRET, COLLECTION, FakeFeishu, error)

__metaclass__ = type


@pytest.fixture
def fake(monkeypatch):
    items = [{'id': str(7300000000000000000 + i), 'name': 'Wiki' if i % 40 == 0 else 'ds-%d' % i}
             for i in range(1, 121)]
    server = FakeFeishu(items)
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


def test_all_data_sources_from_every_page(fake, capsys):
    rc, result = run_module(capsys)
    assert rc == 0 and result['changed'] is False
    assert len(result['data_sources']) == 120
    assert len(fake.requests_to('GET')) == 3 and fake.writes == []


def test_by_exact_name_in_check_mode(fake, capsys):
    rc, result = run_module(capsys, check_mode=True, name='Wiki')
    assert rc == 0
    assert [d['id'] for d in result['data_sources']] == ['7300000000000000040', '7300000000000000080',
                                                         '7300000000000000120']


def test_by_id_one_get_and_full_object(fake, capsys):
    rc, result = run_module(capsys, id='7300000000000000007')
    assert rc == 0
    assert result['data_sources'][0]['name'] == 'ds-7'
    assert result['data_sources'][0]['template'] == 'search_common_card'
    assert [(s.method, s.path) for s in fake.requests_to()] == [('GET', COLLECTION + '/7300000000000000007')]


def test_unknown_id_gives_an_empty_list(fake, capsys):
    rc, result = run_module(capsys, id='7300000000000009999')
    assert rc == 0 and result['data_sources'] == []


def test_missing_scope_fails_with_the_hint(fake, capsys):
    fake.fail('GET', COLLECTION, error(400, 99991672, 'Access denied. One of the following scopes is required'))
    rc, result = run_module(capsys)
    assert rc == 1
    assert '99991672' in result['msg'] and 'search:data_source' in result['msg']
