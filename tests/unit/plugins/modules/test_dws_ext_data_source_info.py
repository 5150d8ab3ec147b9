# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dsops.cloud.plugins.module_utils.core import transport
from ansible_collections.dsops.cloud.plugins.modules import dws_ext_data_source_info

from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.dws_fake_api import AK, CLUSTER, MRS_CLUSTER, PROJECT, SK, FakeDws

__metaclass__ = type


@pytest.fixture
def fake(monkeypatch):
    api = FakeDws([
        {'id': '66666666-7777-8888-9999-000000000000', 'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS',
         'connect_info': 'gaussdb'},
        {'id': '77777777-7777-8888-9999-000000000000', 'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
         'data_source_id': MRS_CLUSTER, 'user_pwd': 'should-never-be-returned'},
    ])
    monkeypatch.setattr(transport.requests, 'Session', lambda: api)
    for name, value in {'HW_ACCESS_KEY': AK, 'HW_SECRET_KEY': SK, 'HW_PROJECT_ID': PROJECT,
                        'HW_REGION_NAME': 'cn-north-4'}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv('HW_DWS_ENDPOINT', raising=False)
    monkeypatch.delenv('HW_AUTH_TOKEN', raising=False)
    return api


def run_module(args, capsys, check_mode=False):
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            dws_ext_data_source_info.main()
    result = json.loads(capsys.readouterr().out)
    result['_rc'] = exit_info.value.code
    return result


def test_lists_both_types(fake, capsys):
    result = run_module({'cluster_id': CLUSTER}, capsys)
    assert result['_rc'] == 0 and result['changed'] is False
    assert sorted(s['name'] for s in result['ext_data_sources']) == ['mrs_src1', 'obs_src1']
    assert [e['query'] for e in fake.log] == ['type=OBS', 'type=MRS', 'type=LAKE_FORMATION']
    assert fake.log[0]['url'].startswith('https://dws.cn-north-4.myhuaweicloud.com/')


def test_never_returns_a_password(fake, capsys):
    result = run_module({'cluster_id': CLUSTER, 'type': 'MRS'}, capsys)
    assert result['ext_data_sources'][0]['name'] == 'mrs_src1'
    assert 'user_pwd' not in result['ext_data_sources'][0]


def test_one_type_and_name_in_check_mode(fake, capsys):
    result = run_module({'cluster_id': CLUSTER, 'type': 'OBS', 'name': 'obs_src1'}, capsys, check_mode=True)
    assert [s['user_name'] for s in result['ext_data_sources']] == ['DWSAccessOBS']
    assert len(fake.log) == 1 and fake.writes() == []


def test_no_match_is_an_empty_list(fake, capsys):
    assert run_module({'cluster_id': CLUSTER, 'name': 'nothing'}, capsys)['ext_data_sources'] == []


def test_invalid_name_fails_before_any_request(fake, capsys):
    result = run_module({'cluster_id': CLUSTER, 'name': 'bad name'}, capsys)
    assert result['_rc'] == 1 and 'not valid' in result['msg'] and fake.log == []


def test_api_errors_are_clean_failures(fake, capsys):
    fake.inject('GET', None, status=404, body={'error_code': 'DWS.0047', 'error_msg': 'The cluster does not exist.'})
    result = run_module({'cluster_id': CLUSTER, 'type': 'OBS'}, capsys)
    assert result['_rc'] == 1 and 'DWS.0047' in result['msg'] and result['error']['http_status'] == 404
