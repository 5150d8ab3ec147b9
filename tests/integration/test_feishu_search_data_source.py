# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""feishu_search_data_source and _info through real ansible-playbook runs against the sandbox.

Every test asserts on what the module returned AND on the sandbox's request log
(what actually went over the wire).
"""

from __future__ import absolute_import, division, print_function

import json
import re
from urllib.request import ProxyHandler, Request, build_opener

import pytest

from harness import diff_of

__metaclass__ = type

TASK = 'Manage data source'
INFO_TASK = 'Read data sources'
PLAYBOOK = 'feishu_search_data_source'
INFO_PLAYBOOK = 'feishu_search_data_source_info'
TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal'
COLLECTION = '/open-apis/search/v2/data_sources'
ITEM_PATTERN = r'^/open-apis/search/v2/data_sources/[0-9]+$'
COLLECTION_PATTERN = r'^/open-apis/search/v2/data_sources$'
UNKNOWN_ID = '7999999999999999999'


def ops(entries):
    return [entry['op'] for entry in entries]


def feishu_log(sandbox):
    return sandbox.requests('feishu')


def seed_one(sandbox, **fields):
    item = {'name': 'Tickets', 'description': 'Helpdesk tickets', 'state': 1, 'i18n_name': {'zh_cn': '工单'},
            'schema_id': 'ticket_schema'}
    item.update(fields)
    return sandbox.seed_feishu([item])[0]


def data_sources(sandbox):
    return sandbox.state()['feishu']['data_sources']


def run_ok(run_playbook, extra_vars, **kwargs):
    run = run_playbook(PLAYBOOK, extra_vars, **kwargs)
    assert run.rc == 0, run.output
    return run.task(TASK)


def run_failing(run_playbook, extra_vars, **kwargs):
    extra_vars = dict(extra_vars, expect_failure=True)
    run = run_playbook(PLAYBOOK, extra_vars, **kwargs)
    assert (TASK, 'failed') in run.statuses(), run.output
    result = run.task(TASK)
    # a clean failure: one message from the module, no Python traceback
    assert result['msg'] and 'Traceback' not in run.output and 'Traceback' not in str(result.get('exception'))
    return result, run


# ----- reconcile: create, converge, patch one field, check mode, delete -----------------------------------------

def test_create_then_rerun_writes_nothing_then_one_field_is_one_patch(sandbox, run_playbook):
    wanted = {'ds_name': 'Tickets', 'ds_description': 'Helpdesk tickets', 'ds_online': True,
              'ds_i18n_name': {'zh_cn': '工单'}, 'ds_schema_id': 'ticket_schema'}
    created = run_ok(run_playbook, wanted)
    assert created['changed'] is True
    writes = sandbox.writes('feishu')
    assert ops(writes) == ['feishu.create']
    assert writes[0]['body'] == {'name': 'Tickets', 'description': 'Helpdesk tickets', 'state': 0,
                                 'i18n_name': {'zh_cn': '工单'}, 'schema_id': 'ticket_schema'}
    ds_id = created['data_source']['id']
    assert re.match(r'^[0-9]{19}$', ds_id) and [d['id'] for d in data_sources(sandbox)] == [ds_id]

    sandbox.clear_log()
    again = run_ok(run_playbook, wanted)
    assert again['changed'] is False and again['data_source']['id'] == ds_id
    assert sandbox.writes('feishu') == []

    sandbox.clear_log()
    changed = run_ok(run_playbook, dict(wanted, ds_description='All helpdesk tickets'))
    assert changed['changed'] is True
    writes = sandbox.writes('feishu')
    assert [(w['method'], w['path'], w['body']) for w in writes] == [
        ('PATCH', '%s/%s' % (COLLECTION, ds_id), {'description': 'All helpdesk tickets'})]
    assert changed['data_source']['description'] == 'All helpdesk tickets'


def test_check_mode_on_a_change_reports_it_with_a_diff_and_writes_nothing(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    result = run_ok(run_playbook, {'ds_id': seeded['id'], 'ds_online': True, 'ds_description': 'New'},
                    check=True, diff=True)
    assert result['changed'] is True
    assert diff_of(result) == {'before': {'online': False, 'description': 'Helpdesk tickets'},
                               'after': {'online': True, 'description': 'New'}}
    assert result['data_source']['state'] == 0 and result['data_source']['id'] == seeded['id']
    assert sandbox.writes('feishu') == []
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.get']
    assert data_sources(sandbox)[0]['state'] == 1


def test_check_mode_on_a_create_predicts_it_and_writes_nothing(sandbox, run_playbook):
    result = run_ok(run_playbook, {'ds_name': 'Wiki', 'ds_online': True}, check=True, diff=True)
    assert result['changed'] is True
    assert diff_of(result) == {'before': {}, 'after': {'name': 'Wiki', 'online': True}}
    assert result['data_source'] == {'name': 'Wiki', 'state': 0, 'template': 'search_common_card'}
    assert sandbox.writes('feishu') == [] and data_sources(sandbox) == []


def test_absent_deletes_then_absent_again_changes_nothing(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    deleted = run_ok(run_playbook, {'ds_name': 'Tickets', 'ds_state': 'absent'}, diff=True)
    assert deleted['changed'] is True and deleted['data_source'] == {}
    assert diff_of(deleted)['after'] == {} and diff_of(deleted)['before']['name'] == 'Tickets'
    assert [(w['method'], w['path']) for w in sandbox.writes('feishu')] == [
        ('DELETE', '%s/%s' % (COLLECTION, seeded['id']))]
    assert data_sources(sandbox) == []

    sandbox.clear_log()
    again = run_ok(run_playbook, {'ds_id': seeded['id'], 'ds_state': 'absent'})
    assert again['changed'] is False
    assert sandbox.writes('feishu') == []


def test_a_new_locale_keeps_the_existing_ones(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    result = run_ok(run_playbook, {'ds_id': seeded['id'], 'ds_i18n_name': {'en_us': 'Tickets'}})
    assert result['changed'] is True
    patch = sandbox.writes('feishu')
    assert [w['body'] for w in patch] == [{'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'}}]
    assert data_sources(sandbox)[0]['i18n_name'] == {'zh_cn': '工单', 'en_us': 'Tickets'}


def test_steady_state_with_a_known_id_is_one_token_call_and_one_get(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    result = run_ok(run_playbook, {'ds_id': seeded['id'], 'ds_name': 'Tickets', 'ds_online': False,
                                   'ds_description': 'Helpdesk tickets', 'ds_i18n_name': {'zh_cn': '工单'},
                                   'ds_schema_id': 'ticket_schema'})
    assert result['changed'] is False
    assert [(e['method'], e['path']) for e in feishu_log(sandbox)] == [
        ('POST', TOKEN_PATH), ('GET', '%s/%s' % (COLLECTION, seeded['id']))]


def test_lookup_by_name_reads_every_page_with_page_size_50(sandbox, run_playbook):
    sandbox.seed_feishu([{'name': 'filler-%03d' % i} for i in range(110)] + [{'name': 'Tickets'}])
    result = run_ok(run_playbook, {'ds_name': 'Tickets'})
    assert result['changed'] is False and result['data_source']['name'] == 'Tickets'
    lists = [e for e in feishu_log(sandbox) if e['op'] == 'feishu.list']
    assert len(lists) == 3
    assert all(e['query']['page_size'] == ['50'] and e['query']['view'] == ['0'] for e in lists)


def test_two_data_sources_with_the_name_fail_naming_their_ids(sandbox, run_playbook):
    first, second = sandbox.seed_feishu([{'name': 'Tickets'}, {'name': 'Tickets'}])
    result, dummy = run_failing(run_playbook, {'ds_name': 'Tickets', 'ds_description': 'x'})
    assert first['id'] in result['msg'] and second['id'] in result['msg']
    assert sandbox.writes('feishu') == []


def test_a_create_only_difference_fails_naming_current_and_desired_and_writes_nothing(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    result, dummy = run_failing(run_playbook, {'ds_id': seeded['id'], 'ds_description': 'also changed',
                                               'ds_schema_id': 'other_schema', 'ds_connect_type': 'callback'})
    assert "schema_id: current 'ticket_schema', desired 'other_schema'" in result['msg']
    assert 'connect_type: current unset, desired 1' in result['msg']
    assert result['conflicts']['schema_id'] == {'current': 'ticket_schema', 'desired': 'other_schema'}
    assert sandbox.writes('feishu') == []


def test_an_unknown_id_fails_cleanly(sandbox, run_playbook):
    result, dummy = run_failing(run_playbook, {'ds_id': UNKNOWN_ID, 'ds_name': 'Tickets'})
    assert '%s does not exist' % UNKNOWN_ID in result['msg']
    assert sandbox.writes('feishu') == []


def test_an_id_that_is_not_digits_fails_before_any_request(sandbox, run_playbook):
    result, dummy = run_failing(run_playbook, {'ds_id': '73e18', 'ds_name': 'Tickets'})
    assert 'string of digits' in result['msg']
    assert feishu_log(sandbox) == []


# ----- faults -----------------------------------------------------------------------------------------------------

def test_token_expiry_mid_run_is_survived_with_one_new_token(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    sandbox.inject('token_expired', method='PATCH')
    result = run_ok(run_playbook, {'ds_id': seeded['id'], 'ds_online': True})
    assert result['changed'] is True
    assert ops(feishu_log(sandbox)) == ['feishu.token', 'feishu.get', 'feishu.patch', 'feishu.token', 'feishu.patch']
    assert data_sources(sandbox)[0]['state'] == 0


def test_a_rate_limit_burst_is_waited_out(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    sandbox.inject('rate_limit', platform='feishu', count=3, method='GET', path=ITEM_PATTERN, reset=1)
    result = run_ok(run_playbook, {'ds_id': seeded['id'], 'ds_online': True})
    assert result['changed'] is True
    log = feishu_log(sandbox)
    assert [(e['op'], e['status']) for e in log if e['op'] == 'feishu.get'] == [
        ('feishu.get', 429), ('feishu.get', 429), ('feishu.get', 429), ('feishu.get', 200)]
    # the module waited at least the server's reset time between the attempts
    gets = [e['time'] for e in log if e['op'] == 'feishu.get']
    assert gets[-1] - gets[0] >= 3 * 1.0


def test_a_server_error_on_a_patch_is_retried(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    sandbox.inject('http_error', platform='feishu', method='PATCH', status=500)
    result = run_ok(run_playbook, {'ds_id': seeded['id'], 'ds_description': 'New'})
    assert result['changed'] is True
    assert [(w['op'], w['status']) for w in sandbox.writes('feishu')] == [('feishu.patch', 500), ('feishu.patch', 200)]


def assert_unconfirmed_create_then_a_rerun_creates(sandbox, run_playbook, extra_vars):
    """A create whose answer was lost is never sent twice: the task fails as unconfirmed; a re-run converges."""
    result, dummy = run_failing(run_playbook, extra_vars)
    log = ops(feishu_log(sandbox))
    assert log[:3] == ['feishu.token', 'feishu.list', 'feishu.create'] and log.count('feishu.create') == 1
    assert set(log[3:]) == {'feishu.list'} and len(log[3:]) > 2  # looked again and again, never re-sent
    assert 'may have been carried out' in result['msg'] and result['changed'] is True
    assert data_sources(sandbox) == []
    sandbox.clear_log()
    again = run_ok(run_playbook, extra_vars)
    assert again['changed'] is True and ops(sandbox.writes('feishu')) == ['feishu.create']
    assert [d['name'] for d in data_sources(sandbox)] == ['Tickets']


def test_a_server_error_on_a_create_is_looked_up_never_repeated(sandbox, run_playbook):
    sandbox.inject('http_error', platform='feishu', method='POST', path=COLLECTION_PATTERN, status=500)
    assert_unconfirmed_create_then_a_rerun_creates(sandbox, run_playbook, {'ds_name': 'Tickets', 'feishu_timeout': 2})


def test_a_create_whose_answer_is_lost_is_adopted_not_duplicated(sandbox, run_playbook):
    # the sandbox holds the create for 1.5 s, past the module's 1 s timeout, then carries it out
    sandbox.inject('slow', platform='feishu', method='POST', path=COLLECTION_PATTERN, delay=1.5)
    result = run_ok(run_playbook, {'ds_name': 'Tickets', 'ds_description': 'd', 'feishu_timeout': 1})
    assert result['changed'] is True
    assert ops(sandbox.writes('feishu')) == ['feishu.create']
    assert [d['name'] for d in data_sources(sandbox)] == ['Tickets']
    assert result['data_source']['id'] == data_sources(sandbox)[0]['id']


def test_a_dropped_connection_on_a_create_does_not_duplicate(sandbox, run_playbook):
    # dropped without being carried out: the module cannot know, so it looks, and never sends it again
    sandbox.inject('drop', platform='feishu', method='POST', path=COLLECTION_PATTERN)
    assert_unconfirmed_create_then_a_rerun_creates(sandbox, run_playbook, {'ds_name': 'Tickets', 'feishu_timeout': 2})


def test_a_persistent_server_error_fails_cleanly_with_code_and_log_id(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    sandbox.inject('http_error', platform='feishu', count=50, method='GET', status=500)
    result, dummy = run_failing(run_playbook, {'ds_id': seeded['id'], 'ds_online': True, 'feishu_retries': 2})
    assert '1270001' in result['msg'] and 'HTTP 500' in result['msg']
    log_id = result['error']['log_id']
    assert log_id and '[log id: %s]' % log_id in result['msg']
    assert result['error']['code'] == 1270001
    assert len([e for e in feishu_log(sandbox) if e['op'] == 'feishu.get']) == 3
    assert sandbox.writes('feishu') == []


def test_a_gateway_page_is_retried_then_reported_briefly(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    sandbox.inject('malformed', platform='feishu', count=50, method='GET', status=502)
    result, dummy = run_failing(run_playbook, {'ds_id': seeded['id'], 'feishu_retries': 1})
    assert 'HTTP 502' in result['msg'] and '502 Bad Gateway' in result['msg']
    assert len(result['msg']) < 600


def test_flagship_edition_error_carries_the_hint(sandbox, run_playbook):
    sandbox.inject('feishu_code', method='POST', path=COLLECTION_PATTERN, code=1270005)
    result, dummy = run_failing(run_playbook, {'ds_name': 'Tickets'})
    assert '1270005' in result['msg'] and 'Flagship edition' in result['msg']
    assert data_sources(sandbox) == []


def test_a_no_change_answer_to_a_patch_counts_as_unchanged(sandbox, run_playbook):
    seeded = seed_one(sandbox)
    sandbox.inject('feishu_code', method='PATCH', code=1271003)
    result = run_ok(run_playbook, {'ds_id': seeded['id'], 'ds_description': 'New'})
    assert result['changed'] is False
    assert ops(sandbox.writes('feishu')) == ['feishu.patch']


def test_wrong_app_secret_fails_with_a_hint_and_without_the_secret(sandbox, run_playbook):
    result, run = run_failing(run_playbook, {'ds_name': 'Tickets'},
                              env={'FEISHU_APP_SECRET': 'wrong-secret-for-this-test'})
    assert '10014' in result['msg'] and 'app_secret' in result['msg']
    assert 'wrong-secret-for-this-test' not in run.output


# ----- a token given by the user ---------------------------------------------------------------------------------

def fetch_token(sandbox):
    feishu = sandbox.credentials()['feishu']
    body = json.dumps({'app_id': feishu['app_id'], 'app_secret': feishu['app_secret']}).encode('utf-8')
    request = Request(sandbox.base_url + TOKEN_PATH, data=body, method='POST',
                      headers={'Content-Type': 'application/json; charset=utf-8'})
    with build_opener(ProxyHandler({})).open(request, timeout=10) as response:
        return json.loads(response.read().decode('utf-8'))['tenant_access_token']


def test_a_given_tenant_access_token_is_used_without_token_calls(sandbox, run_playbook):
    token = fetch_token(sandbox)
    sandbox.clear_log()
    # the way AWX injects a credential: the environment, not extra vars (which -vvvv prints)
    token_only = {'FEISHU_APP_ID': None, 'FEISHU_APP_SECRET': None, 'FEISHU_TENANT_ACCESS_TOKEN': token}
    result = run_ok(run_playbook, {'ds_name': 'Tickets'}, env=token_only)
    assert result['changed'] is True
    assert 'feishu.token' not in ops(feishu_log(sandbox))

    sandbox.inject('token_expired', method='GET')
    result, run = run_failing(run_playbook, {'ds_name': 'Tickets'}, env=token_only, verbosity=4)
    assert '99991663' in result['msg'] and 'cannot be renewed' in result['msg']
    assert ops(feishu_log(sandbox)).count('feishu.token') == 0
    assert token not in run.output


def test_app_credentials_and_a_token_together_are_refused(sandbox, run_playbook):
    result, dummy = run_failing(run_playbook, {'ds_name': 'Tickets'}, env={'FEISHU_TENANT_ACCESS_TOKEN': 't-abcdef'})
    assert 'not both' in result['msg'] and 't-abcdef' not in result['msg']
    assert feishu_log(sandbox) == []


# ----- the info module ------------------------------------------------------------------------------------------

def test_info_reads_every_page_and_filters(sandbox, run_playbook):
    seeded = sandbox.seed_feishu([{'name': 'filler-%03d' % i} for i in range(60)] + [{'name': 'Wiki'}] * 2)
    everything = run_playbook(INFO_PLAYBOOK, check=True)
    assert everything.rc == 0, everything.output
    assert len(everything.task(INFO_TASK)['data_sources']) == 62
    assert everything.task(INFO_TASK)['changed'] is False

    by_name = run_playbook(INFO_PLAYBOOK, {'ds_name': 'Wiki'}).task(INFO_TASK)
    assert [d['id'] for d in by_name['data_sources']] == [s['id'] for s in seeded[-2:]]

    by_id = run_playbook(INFO_PLAYBOOK, {'ds_id': seeded[0]['id']}).task(INFO_TASK)
    assert by_id['data_sources'] == [seeded[0]]

    unknown = run_playbook(INFO_PLAYBOOK, {'ds_id': UNKNOWN_ID}).task(INFO_TASK)
    assert unknown['data_sources'] == []
    assert sandbox.writes('feishu') == []


def test_the_lifecycle_playbook_passes_its_own_assertions(sandbox, run_playbook):
    run = run_playbook('feishu_lifecycle')
    assert run.rc == 0, run.output
    assert run.task('Check what the play saw').get('failed') is not True
    assert ops(sandbox.writes('feishu')) == ['feishu.create', 'feishu.patch', 'feishu.delete']
    assert data_sources(sandbox) == []


# ----- no secret at -vvvv -----------------------------------------------------------------------------------------

def leaked(output, sandbox, sandbox_env):
    secrets = list(sandbox_env.secrets)
    secrets += [token['token'] for token in sandbox.state()['feishu']['tokens']]
    assert secrets, 'nothing to look for'
    return [secret for secret in secrets if secret in output]


@pytest.mark.parametrize('playbook,extra_vars,check', [
    (PLAYBOOK, {'ds_name': 'Tickets', 'ds_online': True}, False),
    (PLAYBOOK, {'ds_name': 'Tickets', 'ds_online': False}, True),
    (PLAYBOOK, {'ds_id': UNKNOWN_ID, 'ds_name': 'Tickets', 'expect_failure': True}, False),
    (INFO_PLAYBOOK, {}, False),
    ('feishu_lifecycle', {}, False),
])
def test_no_secret_or_token_is_printed_at_vvvv(sandbox, sandbox_env, run_playbook, playbook, extra_vars, check):
    seed_one(sandbox)
    sandbox.inject('token_expired', method='GET')  # two tokens in the run, both must stay hidden
    run = run_playbook(playbook, extra_vars, check=check, diff=True, verbosity=4)
    assert run.results, run.output
    assert 'feishu.token' in ops(feishu_log(sandbox))
    assert leaked(run.output, sandbox, sandbox_env) == []


# ----- a data source bound to a schema declared in the same play --------------------------------------------------

def test_check_mode_of_a_data_source_bound_to_a_schema_not_created_yet_predicts_both(sandbox, run_playbook):
    extra_vars = {'schema_id': 'play_schema', 'ds_name': 'Play tickets'}
    run = run_playbook('feishu_schema_then_data_source', extra_vars, check=True)
    assert run.rc == 0, run.output
    assert run.task('Declare the schema')['changed'] is True
    bound = run.task('Declare the data source bound to it')
    assert bound['changed'] is True and bound['data_source']['schema_id'] == 'play_schema'
    assert sandbox.writes('feishu') == [] and sandbox.state()['feishu']['schemas'] == []
    run = run_playbook('feishu_schema_then_data_source', extra_vars)
    assert run.rc == 0, run.output
    assert [w['op'] for w in sandbox.writes('feishu')] == ['feishu.schema.create', 'feishu.create']
    assert data_sources(sandbox)[0]['schema_id'] == 'play_schema'
