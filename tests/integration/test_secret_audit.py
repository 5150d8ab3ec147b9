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
from ansible.module_utils.six.moves.urllib.parse import quote

import harness
from harness import PlaybookRun, PlaybookRunner, SandboxEnv, SecretLeak, audited_kinds

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


def test_every_kind_of_secret_was_looked_for(request):
    """At the end of a full run: the audit looked for every kind of secret the issue lists, and the suite sent each."""
    names = set(getattr(item.module, '__name__', '') for item in request.session.items)
    if request.config.option.keyword or request.config.option.markexpr or not set(
            ['test_dws_ext_data_source', 'test_feishu_search_data_source']) <= names:
        pytest.skip('only meaningful when the whole integration suite runs')
    kinds, exercised = audited_kinds(), audited_kinds('exercised')
    assert [kind for kind in REQUIRED_KINDS if not kinds.get(kind)] == [], kinds
    assert [kind for kind in EXERCISED_KINDS if not exercised.get(kind)] == [], exercised
    assert harness.AUDIT_STATS['leaks'] == 0
