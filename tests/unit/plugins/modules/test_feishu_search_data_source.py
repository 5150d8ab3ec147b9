# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The feishu_search_data_source module end to end, with only requests.Session faked."""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dsops.cloud.plugins.module_utils.core import transport
from ansible_collections.dsops.cloud.plugins.module_utils.core import retry
from ansible_collections.dsops.cloud.plugins.modules import feishu_search_data_source as module_under_test
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    APP_ID, APP_SECRET, COLLECTION, FakeFeishu, error)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

DS_ID = '7300000000000000001'


class NoSleep:
    @staticmethod
    def sleep(seconds):
        return None


@pytest.fixture
def fake(monkeypatch):
    server = FakeFeishu([{'id': DS_ID, 'name': 'Tickets', 'state': 1, 'i18n_name': {'zh_cn': '工单'}}])
    monkeypatch.setattr(transport.requests, 'Session', lambda: server)
    monkeypatch.setattr(retry, 'time', NoSleep)
    for name in ('FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_TENANT_ACCESS_TOKEN', 'FEISHU_BASE_URL'):
        monkeypatch.delenv(name, raising=False)
    return server


def run_module(capsys, args, check_mode=False, diff=False):
    args = dict(args)
    args.setdefault('base_url', 'http://fake')
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            module_under_test.main()
    output = capsys.readouterr().out
    return info.value.code, json.loads(output), output


def creds(**args):
    values = {'app_id': APP_ID, 'app_secret': APP_SECRET}
    values.update(args)
    return values


def test_create_then_nothing_to_do(fake, capsys):
    rc, result, dummy = run_module(capsys, creds(name='Wiki', online=True))
    assert rc == 0 and result['changed'] is True
    new_id = result['data_source']['id']
    assert isinstance(new_id, str) and fake.data_sources[new_id]['state'] == 0
    assert 'diff' not in result

    fake.log[:] = []
    rc, result, dummy = run_module(capsys, creds(name='Wiki', online=True))
    assert rc == 0 and result['changed'] is False
    assert fake.writes == []


def test_check_mode_and_diff_mode(fake, capsys):
    rc, result, dummy = run_module(capsys, creds(id=DS_ID, description='new'), check_mode=True, diff=True)
    assert rc == 0 and result['changed'] is True
    assert diff_of(result) == {'before': {'description': ''}, 'after': {'description': 'new'}}
    assert result['data_source']['description'] == 'new'
    assert fake.writes == []


def test_data_source_id_alias_and_i18n_merge(fake, capsys):
    rc, result, dummy = run_module(capsys, creds(data_source_id=DS_ID, i18n_name={'en_us': 'Tickets'}))
    assert rc == 0 and result['changed'] is True
    assert [w.body for w in fake.writes] == [{'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'}}]


def test_absent_twice(fake, capsys):
    assert run_module(capsys, creds(id=DS_ID, state='absent'))[1]['changed'] is True
    assert run_module(capsys, creds(id=DS_ID, state='absent'))[1]['changed'] is False
    assert [w.method for w in fake.writes] == ['DELETE']


def test_credentials_from_the_environment(fake, capsys, monkeypatch):
    monkeypatch.setenv('FEISHU_APP_ID', APP_ID)
    monkeypatch.setenv('FEISHU_APP_SECRET', APP_SECRET)
    monkeypatch.setenv('FEISHU_BASE_URL', 'http://fake')
    with patch_module_args({'id': DS_ID}):
        with pytest.raises(SystemExit) as info:
            module_under_test.main()
    result = json.loads(capsys.readouterr().out)
    assert info.value.code == 0 and result['data_source']['name'] == 'Tickets'


def test_a_token_with_a_trailing_line_break_from_the_environment_works(fake, capsys, monkeypatch):
    """Secret files and stores often end a value with a line break; it must not reach the header."""
    fake.tokens.add('t-from-a-file-0001')
    monkeypatch.setenv('FEISHU_TENANT_ACCESS_TOKEN', 't-from-a-file-0001\n')
    rc, result, dummy = run_module(capsys, {'id': DS_ID})
    assert rc == 0 and result['data_source']['name'] == 'Tickets'
    assert fake.token_calls == []


@pytest.mark.parametrize('blank', ['FEISHU_TENANT_ACCESS_TOKEN', 'FEISHU_APP_ID', 'FEISHU_APP_SECRET'])
def test_a_blank_credential_variable_counts_as_not_set(fake, capsys, monkeypatch, blank):
    """AWX injects an empty string for a credential field left blank (the guide promises: empty = not set)."""
    fake.tokens.add('t-given-0001')
    if blank == 'FEISHU_TENANT_ACCESS_TOKEN':
        args = {'id': DS_ID, 'app_id': APP_ID, 'app_secret': APP_SECRET}
    else:
        args = {'id': DS_ID, 'tenant_access_token': 't-given-0001'}
    monkeypatch.setenv(blank, '')
    rc, result, dummy = run_module(capsys, args)
    assert rc == 0 and result['data_source']['name'] == 'Tickets', result


def test_a_token_with_a_line_break_inside_fails_without_showing_it(fake, capsys):
    rc, result, output = run_module(capsys, {'id': DS_ID, 'tenant_access_token': 't-broken\nsecret-0001'})
    assert rc == 1 and 'tenant_access_token holds a character that cannot be sent' in result['msg']
    assert 'secret-0001' not in output and 't-broken' not in output and fake.log == []


@pytest.mark.parametrize('args,words', [
    ({'name': 'x', 'tenant_access_token': 't-abc', 'app_id': APP_ID, 'app_secret': APP_SECRET}, 'not both'),
    ({'name': 'x', 'app_id': APP_ID}, 'must be given together'),
    ({'name': 'x'}, 'No credentials: give app_id and app_secret'),
    ({'app_id': APP_ID, 'app_secret': APP_SECRET}, 'one of the following is required: id, name'),
    ({'app_id': APP_ID, 'app_secret': APP_SECRET, 'name': 'x', 'connect_type': 'push'}, 'connect_type'),
    ({'app_id': APP_ID, 'app_secret': APP_SECRET, 'id': 'abc'}, 'string of digits'),
])
def test_invalid_options_fail_before_any_request(fake, capsys, args, words):
    rc, result, dummy = run_module(capsys, args)
    assert rc == 1 and result['failed'] is True
    assert words in result['msg']
    assert fake.log == []


def test_api_failure_is_one_clean_message_with_code_and_log_id(fake, capsys):
    fake.fail('PATCH', COLLECTION + '/', error(400, 1270005, 'only on the Flagship edition', log_id='LOG-42'))
    rc, result, output = run_module(capsys, creds(id=DS_ID, online=True))
    assert rc == 1
    assert '1270005' in result['msg'] and '[log id: LOG-42]' in result['msg'] and 'Flagship edition' in result['msg']
    assert result['error']['code'] == 1270005 and result['error']['log_id'] == 'LOG-42'
    assert 'Traceback' not in output and 'exception' not in result


def test_create_only_conflict_fails_with_the_conflicts(fake, capsys):
    rc, result, dummy = run_module(capsys, creds(id=DS_ID, template='other_card'))
    assert rc == 1
    assert "template: current 'search_common_card', desired 'other_card'" in result['msg']
    assert result['conflicts'] == {'template': {'current': 'search_common_card', 'desired': 'other_card'}}
    assert fake.writes == []


def test_secrets_never_reach_the_output_even_when_the_api_echoes_them(fake, capsys):
    def echo_credentials(sent):
        # a misbehaving gateway that quotes the Authorization header back in its error message
        return error(400, 1270002, 'rejected %s (app secret %s)' % (sent.headers['Authorization'], APP_SECRET))
    fake.fail('GET', COLLECTION + '/', response=echo_credentials)
    rc, result, output = run_module(capsys, creds(id=DS_ID))
    assert rc == 1 and '1270002' in result['msg']
    assert fake.tokens and all(token not in output for token in fake.tokens)
    assert APP_SECRET not in output


# ----- issue 10 ----------------------------------------------------------------------------------------------

def test_credentials_inside_url_options_are_masked_in_the_whole_result_invocation_too(fake, capsys):
    """Point 8: icon_url and callback_endpoint are not no_log options, but their user:password@ is a secret."""
    rc, result, output = run_module(capsys, creds(
        name='Wiki', icon_url='https://iconuser:pw1234@icons.example/x.png',
        connector_param={'callback_endpoint': 'https://cbuser:cb-pass-99@cb.example/hook'}), diff=True)
    assert rc == 0 and result['changed'] is True
    created = fake.writes[0].body
    assert created['icon_url'] == 'https://iconuser:pw1234@icons.example/x.png'  # sent as given
    assert created['connector_param']['callback_endpoint'] == 'https://cbuser:cb-pass-99@cb.example/hook'
    assert 'pw1234' not in output and 'cb-pass-99' not in output
    assert result['invocation']['module_args']['icon_url'] != 'https://iconuser:pw1234@icons.example/x.png'


def test_a_base_url_with_credentials_is_refused_and_never_shown(fake, capsys):
    rc, result, output = run_module(capsys, creds(id=DS_ID, base_url='https://larkadmin:hunter22@open.feishu.cn'))
    assert rc == 1 and result['msg'].startswith('base_url ') and 'user name or password' in result['msg']
    assert 'hunter22' not in output and fake.log == []


@pytest.mark.parametrize('value', [{'pw': 'In-a-dict-secret-1'}, ['In-a-list-secret-1']])
def test_a_secret_given_as_a_dict_or_a_list_is_refused_without_showing_it(fake, capsys, value):
    rc, result, output = run_module(capsys, creds(id=DS_ID, app_secret=value))
    assert rc == 1 and 'app_secret must be a string' in result['msg'] and 'not shown' in result['msg']
    assert 'secret-1' not in output and fake.log == []


@pytest.mark.parametrize('timeout', [3601, 9200000000])
def test_a_huge_timeout_fails_cleanly(fake, capsys, timeout):
    rc, result, output = run_module(capsys, creds(id=DS_ID, timeout=timeout))
    assert rc == 1 and 'timeout must be between 1 and 3600 seconds' in result['msg']
    assert 'Traceback' not in output and fake.log == []
