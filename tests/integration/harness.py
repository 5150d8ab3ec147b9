# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run real ansible-playbook against the sandbox and audit the output for secrets.

Used by the integration tests (through conftest.py fixtures) and by the benchmarks.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys

__metaclass__ = type

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK_DIR = os.path.join(HERE, 'playbooks')
SANDBOX_DIR = os.path.join(os.path.dirname(HERE), 'sandbox')
SECRET_ENV_MARKERS = ('SECRET', 'TOKEN', 'PASSWORD')

# Totals for the end-of-run summary of the secret audit.
AUDIT_STATS = {'runs': 0, 'secrets': set(), 'leaks': 0}


class SandboxEnv(dict):
    """Environment variables for the modules, plus every secret they carry."""

    def __init__(self, values, secrets, client=None):
        super(SandboxEnv, self).__init__(values)
        self.secrets = [s for s in secrets if s]
        self.client = client


def build_sandbox_env(client):
    creds = client.credentials()
    dws, feishu = creds['dws'], creds['feishu']
    values = dict(creds['env'])
    values['HW_REGION_NAME'] = 'cn-north-4'
    temporary = dws.get('temporary') or {}
    secrets = [dws['secret_key'], temporary.get('secret_key'), temporary.get('security_token'),
               dws.get('iam_token'), feishu['app_secret']]
    return SandboxEnv(values, secrets, client)


def is_secret_name(name):
    return any(marker in name.upper() for marker in SECRET_ENV_MARKERS)


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


def playbook_path(name_or_path):
    if os.path.isabs(name_or_path) or os.path.exists(name_or_path):
        return name_or_path
    name = name_or_path if name_or_path.endswith('.yml') else name_or_path + '.yml'
    return os.path.join(PLAYBOOK_DIR, name)


def playbook_environment(module_env, results_file, workdir):
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
        'ANSIBLE_LOCAL_TEMP': os.path.join(workdir, 'ansible-local'),
        'DSOPS_RESULTS_FILE': results_file,
    })
    # a None value in the overrides removes the variable (e.g. a missing credential)
    return dict((k, v) for k, v in env.items() if v is not None)


class PlaybookRunner:
    """Runs playbooks with the sandbox environment; every run is audited for secrets by default."""

    def __init__(self, sandbox_env, workdir):
        self.sandbox_env = sandbox_env
        self.workdir = workdir
        self.count = 0

    def __call__(self, name_or_path, extra_vars=None, check=False, diff=False, verbosity=None, env=None,
                 audit=True, extra_args=()):
        """Run a playbook, by default at -vvvv; any known secret in the output raises SecretLeak."""
        if verbosity is None:
            verbosity = int(os.environ.get('DSOPS_PLAYBOOK_VERBOSITY', '4'))
        self.count += 1
        results_file = os.path.join(self.workdir, 'results-%d.jsonl' % self.count)
        cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
               '-c', 'local', playbook_path(name_or_path)] + list(extra_args)
        if extra_vars:
            cmd += ['-e', json.dumps(extra_vars)]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        if verbosity:
            cmd.append('-' + 'v' * verbosity)
        module_env = dict(self.sandbox_env)
        module_env.update(env or {})
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
                              env=playbook_environment(module_env, results_file, self.workdir),
                              timeout=600, universal_newlines=True)
        raw = ''
        if os.path.exists(results_file):
            with open(results_file) as handle:
                raw = handle.read()
        results = [json.loads(line) for line in raw.splitlines() if line.strip()]
        outcome = PlaybookRun(proc.returncode, proc.stdout, results, raw)
        if audit:
            self.audit(outcome, name_or_path, env)
        return outcome

    def audit(self, outcome, name, env_overrides):
        secrets = list(self.sandbox_env.secrets)
        secrets += [v for k, v in (env_overrides or {}).items() if v and is_secret_name(k)]
        if self.sandbox_env.client is not None:
            # tokens and Authorization values minted during the run, as the sandbox saw them
            secrets += self.sandbox_env.client.issued_secrets()
        AUDIT_STATS['runs'] += 1
        AUDIT_STATS['secrets'].update(secrets)
        leaks = outcome.leaked(secrets)
        if leaks:
            AUDIT_STATS['leaks'] += 1
            raise SecretLeak('%d secret(s) leaked into the output of %s' % (len(leaks), name))
