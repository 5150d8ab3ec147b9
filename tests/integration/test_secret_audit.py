# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secret audit itself: it finds planted secrets, and the suite feeds it every kind of secret.

Every ``run_playbook`` call of the suite runs at -vvvv and is searched (output, recorded results, diffs)
for the sandbox's credentials, the secrets given through the environment, and every token, Authorization
value, signature and password the sandbox saw during the run.  These tests show that the search would
catch a leak, and, at the end of a full run, that each kind of secret the issue lists was looked for.
"""

from __future__ import absolute_import, division, print_function

import json

import pytest
import yaml
from urllib.request import ProxyHandler, Request, build_opener
from ansible.module_utils.six.moves.urllib.parse import quote

import harness
from harness import PlaybookRun, PlaybookRunner, SandboxEnv, SecretLeak, audited_kinds, diff_of

__metaclass__ = type

# This module is also a pytest plugin: it orders its last test and prints the per-kind figures.
pytest_plugins = [__name__]

# The kinds of secret the issue lists, as harness.secret_kind names them: every run looks for all of them ...
REQUIRED_KINDS = ('Feishu app secret', 'Feishu tenant token', 'Feishu Authorization header', 'DWS secret key',
                  'DWS security token', 'DWS IAM auth token', 'DWS Authorization header', 'DWS request signature',
                  'MRS password')
# ... and the suite's runs must really send each of them (a secret key signs and is never sent: its signatures are).
EXERCISED_KINDS = tuple(kind for kind in REQUIRED_KINDS if kind != 'DWS secret key')
LAST = 'test_every_kind_of_secret_was_looked_for'
MRS_PASSWORD = 'Planted_Mrs_Password_77'


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The kind check runs after every other test (the check-mode replay included)."""
    last = [item for item in items if getattr(item, 'name', '') == LAST]
    items[:] = [item for item in items if item not in last] + last


def pytest_terminal_summary(terminalreporter):
    kinds, exercised = audited_kinds(), audited_kinds('exercised')
    if kinds:
        terminalreporter.write_line('secret audit by kind (distinct values looked for / sent in a run): ' + ', '.join(
            '%s %d/%d' % (kind, kinds[kind], exercised.get(kind, 0)) for kind in sorted(kinds)))


@pytest.fixture
def quiet_audit_stats():
    """Planted leaks must not count in the session's audit figures."""
    saved = dict(harness.AUDIT_STATS)
    saved['secrets'] = set(saved['secrets'])
    saved['kinds'] = dict(saved['kinds'])
    saved['exercised'] = dict(saved['exercised'])
    yield
    harness.AUDIT_STATS.clear()
    harness.AUDIT_STATS.update(saved)


def test_a_secret_planted_anywhere_is_found(quiet_audit_stats):
    secret, unicode_secret = 'pl4nted-S3cret-value', 'pässwörd-"quoted"-secret'
    clean = PlaybookRun(0, 'ok: [localhost]', [], '{"task": "x"}')
    assert clean.leaked([secret, unicode_secret]) == []
    in_output = PlaybookRun(0, 'ok: [localhost] => {"msg": "%s"}' % secret, [], '')
    in_results = PlaybookRun(0, '', [], json.dumps({'result': {'diff': {'after': {'x': unicode_secret}}}}))
    ascii_json = PlaybookRun(0, json.dumps({'msg': unicode_secret}), [], '')
    assert in_output.leaked([secret, unicode_secret]) == [secret]
    assert in_results.leaked([secret, unicode_secret]) == [unicode_secret]  # found although JSON-escaped
    assert ascii_json.leaked([unicode_secret]) == [unicode_secret]

    runner = PlaybookRunner(SandboxEnv({}, [secret]), '/nonexistent')
    runs = harness.AUDIT_STATS['runs']
    with pytest.raises(SecretLeak, match='1 secret'):
        runner.audit(in_output, 'planted', None)
    # a secret given through the environment is looked for too
    with pytest.raises(SecretLeak):
        runner.audit(in_results, 'planted', {'DWS_MRS_PASSWORD': unicode_secret})
    runner.audit(clean, 'clean', {'DWS_MRS_PASSWORD': unicode_secret})
    assert harness.AUDIT_STATS['runs'] == runs + 3


@pytest.mark.parametrize('form', ['json', 'repr', 'url', 'truncated'])
def test_a_secret_in_an_escaped_url_embedded_or_truncated_form_is_found(form, quiet_audit_stats):
    """The forms issue 10 found unmasked: an echo that escapes it, a URL that embeds it, an excerpt that cuts it."""
    secret = 'Pl4nted"back\\slash-é-secret-0042'
    shown = {
        'json': json.dumps({'msg': 'echo: %s' % secret}),  # ensure_ascii: \" \\ \u00e9
        'repr': 'error: %r' % {'pw': secret},
        'url': 'GET https://robot:%s@icons.example.com/x.png' % quote(secret, safe=''),
        'truncated': 'gateway page: ...Authorization: Bearer %s' % secret[:20],
    }[form]
    assert secret not in shown  # the raw value is not there: only the other form can be found
    assert PlaybookRun(0, shown, [], '').leaked([secret]) == [secret]
    runner = PlaybookRunner(SandboxEnv({}, [secret]), '/nonexistent')
    with pytest.raises(SecretLeak, match='1 secret'):
        runner.audit(PlaybookRun(0, '', [], shown), 'planted %s' % form, None)


def test_a_real_playbook_that_prints_secrets_is_caught(sandbox, sandbox_env, run_playbook, tmp_path,
                                                       quiet_audit_stats):
    """Secrets from the environment and a token minted during the run, printed by a careless playbook."""
    playbook = tmp_path / 'careless.yml'
    playbook.write_text(yaml.safe_dump([{
        'name': 'A careless playbook', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'Get a tenant token by hand', 'no_log': True, 'register': 'token', 'ansible.builtin.uri': {
                'url': "{{ lookup('ansible.builtin.env', 'FEISHU_BASE_URL') }}"
                       "/open-apis/auth/v3/tenant_access_token/internal",
                'method': 'POST', 'body_format': 'json', 'body': {
                    'app_id': "{{ lookup('ansible.builtin.env', 'FEISHU_APP_ID') }}",
                    'app_secret': "{{ lookup('ansible.builtin.env', 'FEISHU_APP_SECRET') }}"}}},
            {'name': 'Print the token', 'ansible.builtin.debug': {'msg': '{{ token.json.tenant_access_token }}'}},
            {'name': 'Print credentials', 'ansible.builtin.debug': {'msg': [
                "{{ lookup('ansible.builtin.env', 'HW_SECRET_KEY') }}",
                "{{ lookup('ansible.builtin.env', 'DWS_MRS_PASSWORD') }}"]}},
        ]}]))
    with pytest.raises(SecretLeak) as caught:
        run_playbook(str(playbook), env={'DWS_MRS_PASSWORD': MRS_PASSWORD}, record=False)
    assert '3 secret(s) leaked' in str(caught.value)
    tokens = [t['token'] for t in sandbox.state()['feishu']['tokens']]
    assert len(tokens) == 1 and tokens[0] in sandbox.issued_secrets()  # the minted token was looked for
    assert sandbox.credentials()['feishu']['app_secret'] not in str(caught.value)  # the report names no secret


# ----- the list modules: the same secrets, in a list -------------------------------------------------------------
# Each run below goes through run_playbook at -vvvv, whose audit fails it on any secret it finds (in every form
# secret_forms lists); the *_PASSWORD / *_SECRET variables tell the audit what else must never show.

LIST_TASK = 'Manage data sources'
MRS_CLUSTER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
ODD_PASSWORD = 'Lst"pw\\back-é-%&=42'  # quotes, a backslash, an accent, URL-encoded characters
MRS_ITEM = {'name': 'mrs_new', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user',
            'user_password': "{{ lookup('ansible.builtin.env', 'DWS_MRS_PASSWORD') }}"}


def list_task(run, failed=False):
    status = [s for t, s in run.statuses() if t == LIST_TASK]
    assert status == ['failed' if failed else 'ok'], run.output[-3000:]
    result = run.task(LIST_TASK)
    assert 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    return result


def test_an_mrs_password_in_a_list_never_shows_even_when_the_api_echoes_it(sandbox, run_playbook):
    sandbox.settings(job_duration=0.2)
    sandbox.seed_dws(PROJECT, CLUSTER, [{'name': 'obs_a', 'type': 'OBS', 'user_name': 'DWSAccessOBS',
                                         'connect_info': 'gaussdb'}])
    env = {'DWS_MRS_PASSWORD': ODD_PASSWORD}
    items = [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS2'}, MRS_ITEM]
    # the gateway answers the create with the request echoed: headers (the signature) and the body (user_pwd)
    sandbox.inject('echo', op='dws.create', format='json')
    failed = list_task(run_playbook('dws_ext_data_sources', {'ds_config': items, 'ds_state': 'overridden',
                                                             'expect_failure': True}, diff=True, env=env),
                       failed=True)
    assert failed['msg'].startswith("config[1] ('mrs_new') failed, so the run stopped there: ")
    assert '********' in failed['msg'] and 'DWS.0001' in failed['msg']
    assert [r['action'] for r in failed['results']] == ['updated', 'failed']
    assert ODD_PASSWORD in sandbox.issued_secrets()  # it was sent: the audit had something to find

    # the create again, then check mode, diff mode and gathered: the password is in none of their outputs
    for state, check in (('merged', False), ('overridden', True), ('gathered', False)):
        run = run_playbook('dws_ext_data_sources', {'ds_config': items if state != 'gathered' else [],
                                                    'ds_state': state}, diff=True, check=check, env=env)
        result = list_task(run)
        assert ODD_PASSWORD not in str(result)
    assert [w['body'].get('user_pwd') for w in sandbox.writes('dws') if w['op'] == 'dws.create'] == ['<redacted>'] * 2
    assert 'user_password' not in str(result['gathered']) and 'mrs_user' in str(result['gathered'])


def test_the_feishu_app_secret_and_token_never_show_when_the_api_echoes_them_part_way(sandbox, run_playbook):
    seeded = sandbox.seed_feishu([{'name': 'Alpha'}, {'name': 'Beta'}])
    items = [{'name': 'Alpha', 'description': 'one'}, {'name': 'Beta', 'description': 'two'}]
    # the second write is answered with an echo of its headers: the Authorization header carries the tenant token
    sandbox.inject('echo', op='feishu.patch', path=seeded[1]['id'], format='json', status=400)
    extra_vars = {'ds_config': items, 'expect_failure': True}
    failed = list_task(run_playbook('feishu_search_data_sources', extra_vars), failed=True)
    assert failed['msg'].startswith("config[1] ('Beta') failed, so the run stopped there: ")
    assert '********' in failed['msg'] and '********' in failed['results'][1]['error']
    # the token call echoed: its body holds the app secret
    sandbox.reset()
    sandbox.inject('echo', op='feishu.token', format='json', status=400)
    failed = list_task(run_playbook('feishu_search_data_sources', {'ds_state': 'gathered', 'expect_failure': True}),
                       failed=True)
    assert '********' in failed['msg'] and 'app_secret' in failed['msg']  # the echoed body, its secret masked
    assert [(e['op'], e['fault']) for e in sandbox.requests('feishu')] == [('feishu.token', 'echo')]


def test_credentials_inside_urls_of_list_items_never_show_even_when_gathered(sandbox, run_playbook):
    password = 'UrlPw-in-a-List-9'
    env = {'DS_ICON_URL': 'https://robot:%s@icons.example.com/t.png' % password,
           'DS_HOOK_URL': 'https://hook:%s@hooks.example.com/cb' % password, 'LIST_URL_SECRET': password}
    items = [{'name': 'Wiki', 'icon_url': "{{ lookup('ansible.builtin.env', 'DS_ICON_URL') }}",
              'connector_param': {'callback_endpoint': "{{ lookup('ansible.builtin.env', 'DS_HOOK_URL') }}"}}]
    created = list_task(run_playbook('feishu_search_data_sources', {'ds_config': items}, diff=True, env=env))
    assert created['results'][0]['action'] == 'created'
    assert created['after'][0]['icon_url'] == 'https://********@icons.example.com/t.png'
    assert diff_of(created)['after'][0]['connector_param']['callback_endpoint'] == \
        'https://********@hooks.example.com/cb'
    stored = sandbox.state()['feishu']['data_sources'][0]
    assert stored['icon_url'] == env['DS_ICON_URL']  # the real URL went to Feishu
    # a URL secret that only the API holds (not an option of the run) is masked by the sanitiser
    run = run_playbook('feishu_search_data_sources', {'ds_state': 'gathered'}, env={'LIST_URL_SECRET': password})
    gathered = list_task(run)['gathered']
    assert gathered[0]['connector_param']['callback_endpoint'] == 'https://********@hooks.example.com/cb'
    assert gathered[0]['icon_url'] == 'https://********@icons.example.com/t.png'


# ----- the IAM call that finds the project id (issue 13) -----------------------------------------------------
# A module without a project id signs GET /v3/projects with the same AK/SK (and a temporary key's security
# token): a failing IAM answer that echoes the request must not show the secret key, the signature or the token.

# The sandbox serves IAM on its DWS port; templated when the play runs, so a replay finds its own sandbox's IAM.
SANDBOX_IAM = "{{ lookup('ansible.builtin.env', 'HW_DWS_ENDPOINT') }}"
IAM_CASES = {
    'dws_ext_data_source': ('Manage DWS data source', 'json', {
        'dws_cluster_id': CLUSTER, 'dws_name': 'obs_new', 'dws_type': 'OBS', 'dws_agency': 'DWSAccessOBS',
        'dws_connect_info': 'gaussdb', 'dws_iam_endpoint': SANDBOX_IAM}),
    'dws_ext_data_sources': (LIST_TASK, 'html', {
        'ds_config': [{'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb'}],
        'dws_iam_endpoint': SANDBOX_IAM}),
}


@pytest.mark.parametrize('auth', ['permanent', 'temporary'])
@pytest.mark.parametrize('playbook', sorted(IAM_CASES))
def test_an_iam_call_echoed_into_its_error_shows_no_key_signature_or_token(
        sandbox, sandbox_env, run_playbook, playbook, auth):
    creds = sandbox.credentials()['dws']
    env = {'HW_PROJECT_ID': None}
    if auth == 'temporary':
        temporary = creds['temporary']
        env.update(HW_ACCESS_KEY=temporary['access_key'], HW_SECRET_KEY=temporary['secret_key'],
                   HW_SECURITY_TOKEN=temporary['security_token'])
    task, echo_format, extra_vars = IAM_CASES[playbook]
    # IAM answers with the request echoed into the error: every header as sent, the Authorization included
    sandbox.inject('echo', platform='iam', format=echo_format, status=400, count=20)
    run = run_playbook(playbook, dict(extra_vars, expect_failure=True), env=env)  # audited at -vvvv
    assert [s for t, s in run.statuses() if t == task] == ['failed'], run.output[-3000:]
    result = run.task(task)
    assert 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    assert [(e['op'], e['fault']) for e in sandbox.requests()] == [('iam.projects', 'echo')]  # no DWS call after it
    msg = result['msg']
    if echo_format == 'json':  # the whole echo is quoted, the signed headers masked
        assert 'X-Sdk-Date' in msg and 'Authorization: ********' in msg, msg
    else:  # an excerpt of the page (200 characters) is quoted: the security token comes early, masked
        assert 'User-Agent' in msg and 'Authorization' not in msg, msg
        assert ('X-Security-Token' in msg) is (auth == 'temporary'), msg
    seen = sandbox.issued_secrets()
    signatures = [s for s in seen if s.startswith('SDK-HMAC-SHA256 ')]
    assert len(signatures) == 1  # the IAM call's Authorization went over the wire: the audit had it to find
    secrets = signatures + [s for s in seen if s not in signatures] + list(sandbox_env.secrets)
    if auth == 'temporary':
        assert env['HW_SECURITY_TOKEN'] in seen
        secrets.append(env['HW_SECRET_KEY'])
    assert run.leaked(secrets) == []


# ----- the schema modules (issue 14) ------------------------------------------------------------------------
# An echoing gateway puts the request's headers (the Authorization header holds the tenant token) into the error the
# module reports; every run is audited at -vvvv for the app secret and each token the sandbox issued or was given.

SCHEMA_TASK = 'Manage schema'
SCHEMA_INFO_TASK = 'Read schemas'
SCHEMA = {'schema_id': 'ticket_schema', 'properties': [{'name': 'title', 'type': 'text', 'desc': 'Title'}]}
SCHEMA_CASES = {
    # case: (playbook, task, extra vars, the echoed op, echo format)
    'patch': ('feishu_search_schema', SCHEMA_TASK,
              {'schema_id': 'ticket_schema', 'schema_properties': [{'name': 'title', 'type': 'text', 'desc': 'New'}]},
              'feishu.schema.patch', 'json'),
    'recreate dry run': ('feishu_search_schema', SCHEMA_TASK,
                         {'schema_id': 'ticket_schema', 'schema_recreate': True,
                          'schema_properties': [{'name': 'title', 'type': 'tinytext'}]},
                         'feishu.schema.create', 'html'),
    'delete': ('feishu_search_schema', SCHEMA_TASK, {'schema_id': 'ticket_schema', 'schema_state': 'absent'},
               'feishu.schema.delete', 'json'),
    'info get': ('feishu_search_schema_info', SCHEMA_INFO_TASK, {'schema_id': ['ticket_schema']},
                 'feishu.schema.get', 'json'),
}


def fetch_tenant_token(sandbox):
    feishu = sandbox.credentials()['feishu']
    body = json.dumps({'app_id': feishu['app_id'], 'app_secret': feishu['app_secret']}).encode('utf-8')
    request = Request(sandbox.base_url + '/open-apis/auth/v3/tenant_access_token/internal', data=body, method='POST',
                      headers={'Content-Type': 'application/json; charset=utf-8'})
    with build_opener(ProxyHandler({})).open(request, timeout=10) as response:
        return json.loads(response.read().decode('utf-8'))['tenant_access_token']


@pytest.mark.parametrize('auth', ['app secret', 'given token'])
@pytest.mark.parametrize('case', sorted(SCHEMA_CASES))
def test_a_schema_call_echoed_into_its_error_shows_no_token(sandbox, run_playbook, case, auth):
    playbook, task, extra_vars, op, echo_format = SCHEMA_CASES[case]
    sandbox.seed_feishu_schemas([SCHEMA])
    env = {}
    if auth == 'given token':  # as AWX injects it: through the environment
        env = {'FEISHU_APP_ID': None, 'FEISHU_APP_SECRET': None, 'FEISHU_TENANT_ACCESS_TOKEN': fetch_tenant_token(sandbox)}
        sandbox.clear_log()
    sandbox.inject('echo', op=op, format=echo_format, status=400, count=20)
    run = run_playbook(playbook, dict(extra_vars, expect_failure=True), env=env)  # audited at -vvvv
    assert [s for t, s in run.statuses() if t == task] == ['failed'], run.output[-3000:]
    result = run.task(task)
    assert 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    assert [e['op'] for e in sandbox.requests('feishu') if e['fault']] == [op]  # echoed once, not retried
    assert result['changed'] is False and sandbox.state()['feishu']['schemas'] == [SCHEMA]  # nothing written
    if echo_format == 'json':  # the whole echo is quoted, the Authorization header masked
        assert 'Authorization: ********' in result['msg'], result['msg']
    else:  # an excerpt of the page is quoted
        assert 'not Feishu JSON: <html><body><pre>Host: ' in result['msg'] and 'Bearer' not in result['msg']
    tokens = [s for s in sandbox.issued_secrets() if s.startswith('t-')]
    assert len(tokens) == 1 and run.leaked(tokens) == []  # the token went over the wire, and never shows


def test_every_kind_of_secret_was_looked_for(request):
    """At the end of a full run: the audit looked for every kind of secret the issue lists, and the suite sent each."""
    if request.config.option.keyword or request.config.option.markexpr or not set(
            ['test_dws_ext_data_source', 'test_feishu_search_data_source']) <= harness.SUITE_MODULES:
        pytest.skip('only meaningful when the whole integration suite runs')
    kinds, exercised = audited_kinds(), audited_kinds('exercised')
    assert [kind for kind in REQUIRED_KINDS if not kinds.get(kind)] == [], kinds
    assert [kind for kind in EXERCISED_KINDS if not exercised.get(kind)] == [], exercised
    assert harness.AUDIT_STATS['leaks'] == 0
