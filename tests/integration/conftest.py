# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: real ansible-playbook runs against the local sandbox.

Fixtures:
  sandbox       SandboxClient of a sandbox started once per session, reset before each test
  sandbox_env   environment pointing the modules at the sandbox, plus ``secrets``
  run_playbook  run tests/integration/playbooks/<name>.yml and collect every task result
"""

from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys

import pytest

__metaclass__ = type

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK_DIR = os.path.join(HERE, 'playbooks')
SANDBOX_DIR = os.path.join(os.path.dirname(HERE), 'sandbox')
if SANDBOX_DIR not in sys.path:
    sys.path.insert(0, SANDBOX_DIR)

from fixture import clean_sandbox_fixture, sandbox_fixture  # noqa: E402  pylint: disable=wrong-import-position

sandbox_server = sandbox_fixture('sandbox_server')
sandbox = clean_sandbox_fixture('sandbox', 'sandbox_server')


class SandboxEnv(dict):
    """Environment variables for the modules, plus every secret they carry."""

    def __init__(self, values, secrets, client=None):
        super(SandboxEnv, self).__init__(values)
        self.secrets = [s for s in secrets if s]
        self.client = client


SECRET_ENV_MARKERS = ('SECRET', 'TOKEN', 'PASSWORD')


def _is_secret_name(name):
    return any(marker in name.upper() for marker in SECRET_ENV_MARKERS)


def runtime_secrets(client):
    """Secrets minted during the run (tenant tokens, Authorization header values) as the sandbox saw them."""
    if client is None:
        return []
    return list(client.issued_secrets())


def build_sandbox_env(client):
    creds = client.credentials()
    dws, feishu = creds['dws'], creds['feishu']
    values = dict(creds['env'])
    values['HW_REGION_NAME'] = 'cn-north-4'
    temporary = dws.get('temporary') or {}
    secrets = [dws['secret_key'], temporary.get('secret_key'), temporary.get('security_token'),
               dws.get('iam_token'), feishu['app_secret']]
    return SandboxEnv(values, secrets, client)


@pytest.fixture
def sandbox_env(sandbox):
    return build_sandbox_env(sandbox)


class SecretLeak(AssertionError):
    """A secret appeared in a playbook's output or results."""


class PlaybookRun:
    """Outcome of one ansible-playbook run."""

    def __init__(self, rc, output, results, raw_results=''):
        self.rc = rc
        self.output = output
        self.results = results
        self.raw_results = raw_results

    def leaked(self, secrets):
        """The secrets found anywhere in the output or the recorded results."""
        return [s for s in secrets if s and (s in self.output or s in self.raw_results)]

    def task(self, name):
        """Result dict of the last run of the task called ``name``."""
        for entry in reversed(self.results):
            if entry['task'] == name:
                return entry['result']
        raise KeyError('no result for task %r; tasks run: %s' % (name, [e['task'] for e in self.results]))

    def statuses(self):
        return [(e['task'], e['status']) for e in self.results]


def _playbook_path(name_or_path):
    if os.path.isabs(name_or_path) or os.path.exists(name_or_path):
        return name_or_path
    name = name_or_path if name_or_path.endswith('.yml') else name_or_path + '.yml'
    return os.path.join(PLAYBOOK_DIR, name)


def playbook_environment(module_env, results_file, tmpdir):
    env = dict(os.environ)
    env.update(module_env)
    env.update({
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'callback_plugins'),
        'ANSIBLE_CALLBACKS_ENABLED': 'result_recorder',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_LOCAL_TEMP': os.path.join(tmpdir, 'ansible-local'),
        'DSOPS_RESULTS_FILE': results_file,
    })
    # a None value in a test's overrides removes the variable (e.g. a missing credential)
    return dict((k, v) for k, v in env.items() if v is not None)


@pytest.fixture
def run_playbook(sandbox_env, tmp_path):
    counter = [0]

    def run(name_or_path, extra_vars=None, check=False, diff=False, verbosity=None, env=None, audit=True):
        """Run a playbook; by default at -vvvv and audited: any known secret in the output fails the test."""
        if verbosity is None:
            verbosity = int(os.environ.get('DSOPS_PLAYBOOK_VERBOSITY', '4'))
        counter[0] += 1
        results_file = str(tmp_path / ('results-%d.jsonl' % counter[0]))
        cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
               '-c', 'local', _playbook_path(name_or_path)]
        if extra_vars:
            cmd += ['-e', json.dumps(extra_vars)]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        if verbosity:
            cmd.append('-' + 'v' * verbosity)
        module_env = dict(sandbox_env)
        module_env.update(env or {})  # values may be None to unset a variable
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
                              env=playbook_environment(module_env, results_file, str(tmp_path)),
                              timeout=600, universal_newlines=True)
        raw = ''
        if os.path.exists(results_file):
            with open(results_file) as handle:
                raw = handle.read()
        results = [json.loads(line) for line in raw.splitlines() if line.strip()]
        outcome = PlaybookRun(proc.returncode, proc.stdout, results, raw)
        if audit:
            secrets = list(sandbox_env.secrets) + [v for k, v in (env or {}).items() if v and _is_secret_name(k)]
            secrets += runtime_secrets(sandbox_env.client)
            leaks = outcome.leaked(secrets)
            if leaks:
                raise SecretLeak('%d secret(s) leaked into the output of %s' % (len(leaks), name_or_path))
        return outcome

    return run
