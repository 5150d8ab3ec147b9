# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Feishu data source adapter run through the shared lifecycle (resource.ensure).

Only the network is fake (a requests session); the client, the adapter and the
reconcile core are the real ones.
"""

from __future__ import absolute_import, division, print_function

import pytest

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ConflictError, DsopsError, InputError
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.client import FeishuClient
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source import (
    FeishuDataSourceResource, desired_fields, gather, sanitize_data_source)
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import ensure
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import HttpTransport
from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import RetryPolicy
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    APP_ID, APP_SECRET, COLLECTION, FakeFeishu, FakeResponse, error, read_timeout)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

DS_ID = '7300000000000000001'
EXISTING = {
    'id': DS_ID, 'name': 'Tickets', 'state': 1, 'description': 'Helpdesk tickets',
    'i18n_name': {'zh_cn': '工单'}, 'schema_id': 'ticket_schema', 'connect_type': 0,
}
OPTION_NAMES = ('state', 'id', 'name', 'online', 'description', 'icon_url', 'i18n_name', 'i18n_description',
                'enable_answer', 'connector_param', 'template', 'schema_id', 'searchable_fields', 'connect_type',
                'data_source_app_id')


def options(**given):
    """Module params as AnsibleModule would hand them over: every option present, unset ones None."""
    values = dict((name, None) for name in OPTION_NAMES)
    values['state'] = 'present'
    values.update(given)
    return values


def client_for(fake, retries=3):
    policy = RetryPolicy(retries=retries, sleep=lambda seconds: None, rand=lambda: 0.0)
    return FeishuClient(HttpTransport(session=fake), policy, base_url='http://fake', app_id=APP_ID,
                        app_secret=APP_SECRET)


def run(fake, check_mode=False, diff=True, **given):
    adapter = FeishuDataSourceResource(client_for(fake), options(**given))
    return ensure(adapter, adapter.params.get('state') or 'present', check_mode=check_mode, want_diff=diff)


def existing_fake(**extra):
    item = dict(EXISTING)
    item.update(extra)
    return FakeFeishu([item])


# ----- option mapping --------------------------------------------------------------------------------

def test_options_map_to_api_fields_and_unset_options_are_left_out():
    desired = desired_fields(options(
        name='T', online=True, data_source_app_id='cli_x', connect_type='callback', searchable_fields=['a'],
        i18n_name={'zh_cn': None, 'en_us': 'T', 'ja_jp': None},
        connector_param={'callback_endpoint': 'https://cb.example', 'callback_user_id_type': 'union_id'}))
    assert desired == {'name': 'T', 'state': 0, 'app_id': 'cli_x', 'connect_type': 1, 'searchable_fields': ['a'],
                       'i18n_name': {'en_us': 'T'},
                       'connector_param': {'callback_endpoint': 'https://cb.example', 'callback_user_id_type': 3}}
    assert desired_fields(options(online=False, connect_type='default')) == {'state': 1, 'connect_type': 0}
    assert desired_fields(options(i18n_name={'zh_cn': None, 'en_us': None, 'ja_jp': None})) == {}


@pytest.mark.parametrize('given,words', [
    ({'id': '73e5'}, 'string of digits'),
    ({'id': '-1'}, 'string of digits'),
    ({'name': '  '}, 'name must not be empty'),
    ({'name': 'T', 'connector_param': {'callback_endpoint': 'ftp://x', 'callback_user_id_type': None}},
     'callback_endpoint'),
    ({'name': 'T', 'searchable_fields': ['a', '']}, 'searchable_fields'),
])
def test_bad_options_fail_before_any_request(given, words):
    fake = FakeFeishu()
    with pytest.raises(InputError, match=words):
        run(fake, **given)
    assert fake.log == []


# ----- present -----------------------------------------------------------------------------------------

def test_create_when_absent_sends_every_given_field_once():
    fake = FakeFeishu()
    i18n_name = {'zh_cn': '工单', 'en_us': None, 'ja_jp': None}
    result = run(fake, name='Tickets', online=True, description='d', i18n_name=i18n_name)
    assert result['changed'] is True
    assert [w.method for w in fake.writes] == ['POST']
    assert fake.writes[0].body == {'name': 'Tickets', 'state': 0, 'description': 'd', 'i18n_name': {'zh_cn': '工单'}}
    assert result['data_source']['id'] in fake.data_sources
    assert diff_of(result) == {'before': {}, 'after': {'name': 'Tickets', 'online': True, 'description': 'd',
                                                       'i18n_name': {'zh_cn': '工单'}}}
    # YAML text with the Chinese as it is: ansible-core prints a text diff line by line, unescaped
    assert result['diff']['before'] == '' and '  zh_cn: 工单\n' in result['diff']['after']
    assert result['diff']['after_header'] == "Feishu data source 'Tickets' (id %s)" % result['data_source']['id']


def test_same_options_again_write_nothing():
    fake = existing_fake()
    result = run(fake, name='Tickets', online=False, description='Helpdesk tickets', schema_id='ticket_schema',
                 connect_type='default', i18n_name={'zh_cn': '工单', 'en_us': None, 'ja_jp': None})
    assert result['changed'] is False
    assert fake.writes == []
    assert result['data_source']['id'] == DS_ID
    assert diff_of(result)['before'] == diff_of(result)['after']


def test_a_changed_field_is_patched_alone():
    fake = existing_fake()
    result = run(fake, name='Tickets', description='New text', online=False)
    assert result['changed'] is True
    assert [(w.method, w.path, w.body) for w in fake.writes] == [
        ('PATCH', COLLECTION + '/' + DS_ID, {'description': 'New text'})]
    assert result['data_source']['description'] == 'New text'
    assert diff_of(result) == {'before': {'name': 'Tickets', 'online': False, 'description': 'Helpdesk tickets'},
                               'after': {'name': 'Tickets', 'online': False, 'description': 'New text'}}


def test_a_new_locale_keeps_the_others_by_sending_the_merged_object():
    fake = existing_fake()
    result = run(fake, id=DS_ID, i18n_name={'en_us': 'Tickets', 'zh_cn': None, 'ja_jp': None})
    assert fake.writes[0].body == {'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'}}
    assert fake.data_sources[DS_ID]['i18n_name'] == {'zh_cn': '工单', 'en_us': 'Tickets'}
    assert result['changed'] is True


def test_connector_param_keys_not_given_are_kept():
    fake = existing_fake(connector_param={'callback_endpoint': 'https://a.example', 'callback_user_id_type': 2})
    run(fake, id=DS_ID, connector_param={'callback_endpoint': 'https://b.example', 'callback_user_id_type': None})
    assert fake.writes[0].body == {'connector_param': {'callback_endpoint': 'https://b.example',
                                                       'callback_user_id_type': 2}}


def test_steady_state_by_id_costs_one_token_call_and_one_get():
    fake = existing_fake()
    result = run(fake, id=DS_ID, name='Tickets', description='Helpdesk tickets')
    assert result['changed'] is False
    assert [(s.method, s.path) for s in fake.log] == [('POST', '/open-apis/auth/v3/tenant_access_token/internal'),
                                                      ('GET', COLLECTION + '/' + DS_ID)]


def test_lookup_by_name_lists_every_page_and_matches_exactly():
    items = [{'id': str(7300000000000000100 + i), 'name': 'other-%d' % i} for i in range(60)]
    items.append({'id': '7300000000000000999', 'name': 'Tickets'})
    items.append({'id': '7300000000000000998', 'name': 'tickets'})
    fake = FakeFeishu(items)
    result = run(fake, name='Tickets')
    assert result['data_source']['id'] == '7300000000000000999'
    assert len(fake.requests_to('GET')) == 2
    assert fake.writes == []


def test_two_data_sources_with_the_name_fail_naming_both_ids():
    fake = FakeFeishu([{'id': '11', 'name': 'Tickets'}, {'id': '12', 'name': 'Tickets'}])
    with pytest.raises(InputError, match=r'ids 11, 12'):
        run(fake, name='Tickets', description='x')
    assert fake.writes == []


def test_an_unknown_id_fails_cleanly_for_present():
    fake = FakeFeishu()
    with pytest.raises(InputError, match='7300000000000000042 does not exist'):
        run(fake, id='7300000000000000042', name='Tickets')
    assert fake.writes == []


def test_a_create_only_difference_fails_naming_field_current_and_desired_and_writes_nothing():
    fake = existing_fake()
    with pytest.raises(ConflictError) as info:
        run(fake, id=DS_ID, description='changed too', schema_id='other_schema', connect_type='callback')
    text = str(info.value)
    assert "schema_id: current 'ticket_schema', desired 'other_schema'" in text
    assert 'connect_type: current 0, desired 1' in text
    assert info.value.conflicts['schema_id'] == {'current': 'ticket_schema', 'desired': 'other_schema'}
    assert fake.writes == []


def test_a_create_only_field_unset_on_the_server_is_also_a_conflict():
    fake = existing_fake()
    with pytest.raises(ConflictError, match="app_id: current unset, desired 'cli_other'"):
        run(fake, id=DS_ID, data_source_app_id='cli_other')


def test_patch_answered_no_change_is_reported_unchanged():
    fake = existing_fake()
    fake.fail('PATCH', COLLECTION + '/', error(400, 1271003, 'no change'))
    result = run(fake, id=DS_ID, description='other')
    assert result['changed'] is False
    assert diff_of(result)['after'] == diff_of(result)['before']
    assert result['data_source']['description'] == 'Helpdesk tickets'


def test_values_that_do_not_stick_fail_verify_after_write():
    fake = existing_fake()
    stale = dict(EXISTING)
    fake.fail('PATCH', COLLECTION + '/', FakeResponse(200, {'code': 0, 'data': {'data_source': stale}}))
    with pytest.raises(DsopsError, match="description: sent 'other', now 'Helpdesk tickets'"):
        run(fake, id=DS_ID, description='other')


def test_token_expiry_mid_run_is_survived():
    fake = existing_fake()
    fake.fail('PATCH', COLLECTION + '/', error(400, 99991663, 'Invalid access token'))
    result = run(fake, id=DS_ID, description='other')
    assert result['changed'] is True
    assert len(fake.token_calls) == 2
    assert len(fake.requests_to('PATCH')) == 2


# ----- never a blind second create -------------------------------------------------------------------------

def test_a_create_whose_answer_was_lost_is_adopted_not_repeated():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', exception=read_timeout(), apply=True)
    result = run(fake, name='Tickets', online=True)
    assert [w.method for w in fake.writes] == ['POST']
    assert len(fake.data_sources) == 1
    assert result['changed'] is True and result['data_source']['name'] == 'Tickets'


def test_without_an_answer_the_look_up_waits_as_long_as_the_timeout_first():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', exception=read_timeout(), apply=True)
    adapter = FeishuDataSourceResource(client_for(fake), options(name='Tickets'))
    adapter.client.transport.timeout = 7
    waits = []
    adapter.client.retry.sleep = waits.append
    ensure(adapter, 'present')
    assert waits == [0.5]  # the backend had the whole timeout; the settle window looks at once, then backs off
    assert [s.method for s in fake.log[-2:]] == ['POST', 'GET']


def test_a_create_answered_by_a_server_error_is_never_sent_again():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', error(500, 1270001, 'internal error'))
    with pytest.raises(DsopsError) as info:
        run(fake, name='Tickets')
    assert [w.method for w in fake.writes] == ['POST']
    looks = [s for s in fake.log[fake.log.index(fake.writes[0]):] if s.method == 'GET']
    assert len(looks) > 2, 'the name is looked up again and again over the settle window'
    failure = info.value.fail_kwargs()
    assert failure['changed'] is True and '1270001' in failure['msg'] and 'adopts it' in failure['msg']
    assert fake.data_sources == {}


def test_a_create_that_lands_after_the_first_look_is_adopted():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', error(504, 1270001, 'gateway timeout'))
    lists = []
    original = fake.request

    def request(method, url, **kwargs):
        if method == 'GET':
            lists.append(1)
            if len(lists) == 3:  # the backend finishes between the second and the third look
                fake.seed({'name': 'Tickets'})
        return original(method, url, **kwargs)

    fake.request = request
    result = run(fake, name='Tickets')
    assert [w.method for w in fake.writes] == ['POST'] and len(fake.data_sources) == 1
    assert result['changed'] is True and result['data_source']['name'] == 'Tickets'


def test_a_create_answered_success_without_data_is_looked_up_not_repeated():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', FakeResponse(200, {'code': 0, 'msg': 'success'}), apply=True)
    result = run(fake, name='Tickets')
    assert [w.method for w in fake.writes] == ['POST'] and len(fake.data_sources) == 1
    assert result['changed'] is True and result['data_source']['id']


def test_an_adopted_create_that_differs_is_patched():
    fake = FakeFeishu()

    # the server created it without the description, then failed to answer
    fake.fail('POST', COLLECTION + '$', exception=read_timeout(), effect=lambda: fake.seed({'name': 'Tickets'}))
    result = run(fake, name='Tickets', description='d')
    assert [w.method for w in fake.writes] == ['POST', 'PATCH']
    assert fake.writes[1].body == {'description': 'd'}
    assert result['data_source']['description'] == 'd'


def test_a_persistent_server_error_on_create_is_one_post():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', error(500, 1270003, 'call failed'), count=99)
    with pytest.raises(DsopsError, match='1270003'):
        run(fake, name='Tickets')
    assert len(fake.requests_to('POST')) == 1
    assert fake.data_sources == {}


# ----- check mode -------------------------------------------------------------------------------------------

def test_check_mode_predicts_an_update_with_reads_only():
    fake = existing_fake()
    result = run(fake, check_mode=True, id=DS_ID, online=True)
    assert result['changed'] is True
    assert fake.writes == []
    assert result['data_source']['state'] == 0 and result['data_source']['id'] == DS_ID
    assert diff_of(result) == {'before': {'online': False}, 'after': {'online': True}}


def test_check_mode_predicts_a_create_with_the_server_defaults():
    fake = FakeFeishu()
    result = run(fake, check_mode=True, name='Tickets')
    assert result['changed'] is True and fake.writes == []
    assert result['data_source'] == {'name': 'Tickets', 'state': 1, 'template': 'search_common_card'}


def test_check_mode_delete_writes_nothing():
    fake = existing_fake()
    result = run(fake, check_mode=True, id=DS_ID, state='absent')
    assert result['changed'] is True and result['data_source'] == {}
    assert fake.writes == [] and DS_ID in fake.data_sources


# ----- absent -----------------------------------------------------------------------------------------------

def test_absent_deletes_then_is_already_absent():
    fake = existing_fake()
    result = run(fake, name='Tickets', state='absent')
    assert result['changed'] is True and result['data_source'] == {}
    assert diff_of(result)['after'] == {} and diff_of(result)['before']['name'] == 'Tickets'
    assert [(w.method, w.path) for w in fake.writes] == [('DELETE', COLLECTION + '/' + DS_ID)]
    again = run(fake, name='Tickets', state='absent')
    assert again['changed'] is False and len(fake.writes) == 1


def test_absent_with_an_unknown_id_is_already_absent():
    fake = FakeFeishu()
    assert run(fake, id='7300000000000000042', state='absent')['changed'] is False
    assert fake.writes == []


def test_a_delete_answered_not_found_is_absent_and_unchanged():
    """Someone else removed it between the read and the DELETE: nothing was written by this run."""
    fake = existing_fake()
    fake.fail('DELETE', COLLECTION + '/', error(400, 1270004, 'data source not found'))
    result = run(fake, id=DS_ID, state='absent')
    assert result['changed'] is False and result['data_source'] == {}
    assert diff_of(result)['before'] == diff_of(result)['after']


def test_a_delete_whose_answer_is_lost_is_looked_up_and_counts_as_this_runs_delete():
    fake = existing_fake()
    fake.fail('DELETE', COLLECTION + '/', error(500, 1270001, 'internal error'), apply=True)
    result = run(fake, id=DS_ID, state='absent')
    assert result['changed'] is True and DS_ID not in fake.data_sources
    assert [w.method for w in fake.writes] == ['DELETE']  # the look found it gone: not sent again
    assert [s.method for s in fake.log[-2:]] == ['DELETE', 'GET']


def test_a_delete_refused_by_a_server_error_is_sent_again_after_looking():
    fake = existing_fake()
    fake.fail('DELETE', COLLECTION + '/', error(500, 1270001, 'internal error'))
    result = run(fake, id=DS_ID, state='absent')
    assert result['changed'] is True and DS_ID not in fake.data_sources
    assert [s.method for s in fake.log[-3:]] == ['DELETE', 'GET', 'DELETE']


def test_a_patch_whose_answer_is_lost_is_looked_up_not_repeated():
    fake = existing_fake()
    fake.fail('PATCH', COLLECTION + '/', exception=read_timeout(), apply=True)
    result = run(fake, id=DS_ID, description='New')
    assert result['changed'] is True and result['data_source']['description'] == 'New'
    assert [w.method for w in fake.writes] == ['PATCH']
    assert [s.method for s in fake.log[-2:]] == ['PATCH', 'GET']


def test_absent_by_id_refuses_when_the_name_does_not_match():
    fake = existing_fake()
    with pytest.raises(InputError, match="named 'Tickets', not 'Wiki'"):
        run(fake, id=DS_ID, name='Wiki', state='absent')
    assert fake.writes == []


# ----- output -----------------------------------------------------------------------------------------------

def test_credentials_in_urls_are_masked_in_the_result_and_the_diff():
    fake = existing_fake(connector_param={'callback_endpoint': 'https://user:pw@cb.example/x', 'callback_user_id_type': 1})
    result = run(fake, id=DS_ID, icon_url='https://bot:hunter2@img.example/i.png')
    assert result['data_source']['icon_url'] == 'https://********@img.example/i.png'
    assert result['data_source']['connector_param']['callback_endpoint'] == 'https://********@cb.example/x'
    assert 'hunter2' not in repr(result)
    assert sanitize_data_source({'id': 5}) == {'id': '5'}


# ----- info ---------------------------------------------------------------------------------------------------

def info_options(**given):
    values = {'id': None, 'name': None}
    values.update(given)
    return values


def test_gather_by_id_by_name_or_all():
    fake = FakeFeishu([dict(EXISTING), {'id': '7300000000000000002', 'name': 'Wiki'},
                       {'id': '7300000000000000003', 'name': 'Wiki'}])
    client = client_for(fake)
    assert [d['id'] for d in gather(client, info_options(id=DS_ID))] == [DS_ID]
    wikis = gather(client, info_options(name='Wiki'))
    assert [d['id'] for d in wikis] == ['7300000000000000002', '7300000000000000003']
    assert len(gather(client, info_options())) == 3
    assert gather(client, info_options(id='7300000000000000042')) == []
    assert gather(client, info_options(id=DS_ID, name='Wiki')) == []
    assert fake.writes == []


# ----- values Feishu may leave out of its answers ------------------------------------------------------------

@pytest.mark.parametrize('option,value', [('description', ''), ('icon_url', ''), ('enable_answer', False)])
def test_an_empty_value_matches_a_data_source_that_lacks_the_key(option, value):
    fake = existing_fake()
    for key in ('description', 'icon_url', 'enable_answer'):
        fake.data_sources[DS_ID].pop(key, None)
    result = run(fake, id=DS_ID, **{option: value})
    assert result['changed'] is False and fake.writes == []


def test_a_patch_answered_without_the_emptied_key_counts_as_written():
    fake = existing_fake(description='Helpdesk tickets')

    def answer_without_empty_strings(sent):
        fake.data_sources[DS_ID]['description'] = ''
        obj = dict((k, v) for k, v in fake.data_sources[DS_ID].items() if v != '')
        return FakeResponse(200, {'code': 0, 'msg': 'success', 'data': {'data_source': obj}})
    fake.fail('PATCH', COLLECTION + '/', answer_without_empty_strings)
    result = run(fake, id=DS_ID, description='')
    assert result['changed'] is True
    assert [w.body for w in fake.writes] == [{'description': ''}]


def test_an_ambiguous_create_that_lands_next_to_another_runs_create_reports_changed():
    fake = FakeFeishu()
    fake.fail('POST', COLLECTION + '$', error(504, 1270001, 'gateway timeout'), apply=True,
              effect=lambda: fake.seed({'name': 'Tickets'}))  # another run created the same name meanwhile
    with pytest.raises(DsopsError, match='2 data sources with that name now exist') as failure:
        run(fake, name='Tickets')
    assert [w.method for w in fake.writes] == ['POST'] and len(fake.data_sources) == 2
    assert failure.value.fail_kwargs().get('changed') is True


def land_after_the_first_look(fake, change):
    """The backend applies a write a while after its gateway gave up: the module's first look misses it."""
    original, seen = fake.request, []

    def request(method, url, **kwargs):
        answer = original(method, url, **kwargs)
        seen.append(method)
        if method == 'GET' and seen.count('GET') == 2 and len(seen) > 2:  # the look after the failed write
            change()
        return answer
    fake.request = request


def test_a_patch_that_lands_after_the_look_still_counts_as_written():
    fake = existing_fake()
    fake.fail('PATCH', COLLECTION + '/', error(504, 1270001, 'gateway timeout'))
    land_after_the_first_look(fake, lambda: fake.data_sources[DS_ID].update(description='New'))
    result = run(fake, id=DS_ID, description='New')
    assert [w.method for w in fake.writes] == ['PATCH', 'PATCH']  # the repeat is answered 1271003
    assert result['changed'] is True and result['data_source']['description'] == 'New'


def test_a_delete_that_lands_after_the_look_still_counts_as_written():
    fake = existing_fake()
    fake.fail('DELETE', COLLECTION + '/', error(504, 1270001, 'gateway timeout'))
    land_after_the_first_look(fake, lambda: fake.data_sources.pop(DS_ID))
    result = run(fake, id=DS_ID, state='absent')
    assert [w.method for w in fake.writes] == ['DELETE', 'DELETE']  # the repeat is answered 1270004
    assert result['changed'] is True


def test_a_lost_answer_with_no_retries_left_fails_as_possibly_written():
    fake = existing_fake()
    fake.fail('PATCH', COLLECTION + '/', exception=read_timeout(), apply=True)
    adapter = FeishuDataSourceResource(client_for(fake, retries=0), options(id=DS_ID, description='New'))
    with pytest.raises(DsopsError) as info:
        ensure(adapter, 'present')
    failure = info.value.fail_kwargs()
    assert failure['changed'] is True and failure['written'] == {'outcome': 'unknown'}
    assert [w.method for w in fake.writes] == ['PATCH']


def test_a_rotated_url_credential_is_written_and_noted_in_the_diff_without_its_value():
    fake = existing_fake(icon_url='https://robot:old-pass@icons.example.com/t.png')
    result = run(fake, id=DS_ID, icon_url='https://robot:new-pass@icons.example.com/t.png')
    assert result['changed'] is True and [w.method for w in fake.writes] == ['PATCH']
    # both sides show the masked URL: the note keeps a write from printing as no diff
    assert diff_of(result)['before'] == diff_of(result)['after']
    assert result['diff']['after'].endswith('\n# icon_url: changed (not shown)\n')
    assert 'old-pass' not in repr(result) and 'new-pass' not in repr(result)
