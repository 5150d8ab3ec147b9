# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run real ansible-playbook against the sandbox and audit the output for secrets.

Used by the integration tests (through conftest.py fixtures) and by the benchmarks.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import re
import shlex
import subprocess
import sys

import yaml

from ansible.module_utils.six.moves.urllib.parse import quote

__metaclass__ = type

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK_DIR = os.path.join(HERE, 'playbooks')
SANDBOX_DIR = os.path.join(os.path.dirname(HERE), 'sandbox')
SECRET_ENV_MARKERS = ('SECRET', 'TOKEN', 'PASSWORD')

# Totals for the end-of-run summary of the secret audit; 'kinds' maps each secret the audit looked for to its
# kind (see secret_kind), 'exercised' each secret that actually went over the wire in a run (the sandbox saw it).
AUDIT_STATS = {'runs': 0, 'secrets': set(), 'leaks': 0, 'kinds': {}, 'exercised': {}}
UNKNOWN_KIND = 'password or other'
# Environment variables whose value is a secret of a known kind.
SECRET_ENV_KINDS = {
    'HW_SECRET_KEY': 'DWS secret key', 'HUAWEICLOUD_SDK_SK': 'DWS secret key',
    'HW_SECURITY_TOKEN': 'DWS security token', 'HW_AUTH_TOKEN': 'DWS IAM auth token',
    'FEISHU_APP_SECRET': 'Feishu app secret', 'FEISHU_TENANT_ACCESS_TOKEN': 'Feishu tenant token',
}
# Every recorded playbook run of the session, so test_check_mode_guarantee.py can replay them all in check mode:
# {'playbook', 'extra_vars', 'check', 'diff', 'env', 'extra_args', 'sandbox', 'sandbox_after', 'requests', 'writes',
# 'rc'}: 'sandbox' is the data the sandbox held just before the run, 'sandbox_after' just after it (see
# sandbox_snapshot), 'requests' how many requests the run made, 'writes' the log entries of its writes.
INVOCATIONS = []
# The test modules whose runs INVOCATIONS and AUDIT_STATS hold: this session's, and those of sessions loaded
# with load_records (pytest-xdist workers record their runs; a last session replays and audits all of them).
SUITE_MODULES = set()


def save_records(path):
    """Write this session's recorded runs and audit totals to ``path`` (JSON), for load_records."""
    audit = dict(AUDIT_STATS, secrets=sorted(AUDIT_STATS['secrets']))
    with open(path, 'w') as handle:
        json.dump({'modules': sorted(SUITE_MODULES), 'invocations': INVOCATIONS, 'audit': audit}, handle)


def load_records(directory):
    """Add the runs and audit totals that other sessions saved in ``directory``; fail when there are none."""
    names = sorted(name for name in os.listdir(directory) if name.endswith('.json'))
    if not names:
        raise RuntimeError('no recorded runs in %s: run the integration suite with DSOPS_RECORD_DIR first' % directory)
    for name in names:
        with open(os.path.join(directory, name)) as handle:
            saved = json.load(handle)
        SUITE_MODULES.update(saved['modules'])
        INVOCATIONS.extend(saved['invocations'])
        audit = saved['audit']
        for key in ('runs', 'leaks'):
            AUDIT_STATS[key] += audit[key]
        AUDIT_STATS['secrets'].update(audit['secrets'])
        for key in ('kinds', 'exercised'):
            AUDIT_STATS[key].update(audit[key])


class SandboxEnv(dict):
    """Environment variables for the modules, plus every secret they carry."""

    def __init__(self, values, secrets, client=None, kinds=None):
        super(SandboxEnv, self).__init__(values)
        self.secrets = [s for s in secrets if s]
        self.client = client
        # secret value -> its kind, for the audit's per-kind figures
        self.kinds = dict(kinds or {})


def diff_of(result):
    """{'before': ..., 'after': ...} of a module's text diff, each side parsed from its YAML ({} when empty)."""
    diff = result['diff']
    assert diff['before_header'] and diff['after_header']
    return dict((side, yaml.safe_load(diff[side]) or {}) for side in ('before', 'after'))


def task_result(run_playbook, extra_vars, playbook, task, **kwargs):
    """The result of ``task`` in a run of ``playbook`` that must succeed."""
    run = run_playbook(playbook, extra_vars, **kwargs)
    assert run.rc == 0, run.output
    return run.task(task)


def failed_task_result(run_playbook, extra_vars, playbook, task, **kwargs):
    """The result of ``task``, which must fail cleanly (``expect_failure``: the playbook's ignore_errors goes on)."""
    run = run_playbook(playbook, dict(extra_vars, expect_failure=True), **kwargs)
    assert (task, 'failed') in run.statuses(), run.output
    result = run.task(task)
    assert result['msg'] and 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    assert result.get('exception') in (None, '(traceback unavailable)')
    return result


def list_config(items, state=None, **extra):
    """Extra vars of a list-module playbook: ``ds_config``, ``ds_state`` and any other."""
    extra_vars = {'ds_config': items}
    if state:
        extra_vars['ds_state'] = state
    extra_vars.update(extra)
    return extra_vars


def list_actions(result):
    """(name, action, index) of each entry of a list module's ``results``."""
    return [(entry['name'], entry['action'], entry.get('index')) for entry in result['results']]


def build_sandbox_env(client):
    creds = client.credentials()
    dws, feishu = creds['dws'], creds['feishu']
    values = dict(creds['env'])
    values['HW_REGION_NAME'] = 'cn-north-4'
    temporary = dws.get('temporary') or {}
    kinds = {dws['secret_key']: 'DWS secret key', temporary.get('secret_key'): 'DWS secret key',
             temporary.get('security_token'): 'DWS security token', dws.get('iam_token'): 'DWS IAM auth token',
             feishu['app_secret']: 'Feishu app secret'}
    secrets = [dws['secret_key'], temporary.get('secret_key'), temporary.get('security_token'),
               dws.get('iam_token'), feishu['app_secret']]
    return SandboxEnv(values, secrets, client, dict((k, v) for k, v in kinds.items() if k))


def is_secret_name(name):
    return any(marker in name.upper() for marker in SECRET_ENV_MARKERS)


def secret_kind(secret, known=None):
    """What a secret is: from what the caller knows of it, else from its shape as the sandbox issues it."""
    if known and secret in known:
        return known[secret]
    if secret.startswith('Bearer '):
        return 'Feishu Authorization header'
    if secret.startswith('SDK-HMAC-SHA256 '):
        return 'DWS Authorization header'
    if re.match(r'^[0-9a-f]{64}$', secret):
        return 'DWS request signature'
    if secret.startswith('t-'):
        return 'Feishu tenant token'
    return UNKNOWN_KIND


def audited_kinds(key='kinds'):
    """{kind: number of distinct secrets of that kind the audit looked for} ('exercised': that runs sent)."""
    counts = {}
    for kind in AUDIT_STATS[key].values():
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def secret_forms(secret):
    """The ways a secret can be written out: as is, escaped inside JSON (results, -vvvv dumps) or a Python repr,
    percent-encoded inside a URL, and cut short (an excerpt that ends inside it shows its start)."""
    forms = set([secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1],
                 quote(secret, safe='')])
    forms.add(truncated_form(secret))
    return [form for form in forms if form]


# A secret's first characters are looked for on their own (an excerpt cut inside it), when they are enough to
# tell it from ordinary text; composite values (whole Authorization headers) are covered by their parts.
TRUNCATION_MIN_SECRET, TRUNCATION_MIN_PREFIX = 20, 12
COMPOSITE_PREFIXES = ('Bearer ', 'SDK-HMAC-SHA256 ')


def truncated_form(secret):
    if len(secret) < TRUNCATION_MIN_SECRET or secret.startswith(COMPOSITE_PREFIXES):
        return None
    return secret[:max(TRUNCATION_MIN_PREFIX, len(secret) // 3)]


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
        return [s for s in secrets if s and any(form in self.output or form in self.raw_results
                                                for form in secret_forms(s))]

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
        # normal settings: the secret audit must see what users see, not Ansible's internal debug log
        'ANSIBLE_DEBUG': None,
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
                 audit=True, extra_args=(), record=True):
        """Run a playbook, by default at -vvvv; any known secret in the output raises SecretLeak.

        ``record=False`` keeps the run out of INVOCATIONS (runs that drive the sandbox themselves).
        """
        if record:
            self.record(name_or_path, extra_vars, check, diff, env, extra_args)
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
        if record:
            self.record_outcome(outcome)
        if audit:
            self.audit(outcome, name_or_path, env)
        return outcome

    def record(self, name_or_path, extra_vars, check, diff, env, extra_args):
        client = self.sandbox_env.client
        log = client.requests() if client is not None else []
        INVOCATIONS.append({
            'playbook': os.path.abspath(playbook_path(name_or_path)), 'extra_vars': dict(extra_vars or {}),
            'check': bool(check), 'diff': bool(diff), 'env': dict(env or {}), 'extra_args': list(extra_args),
            'sandbox': sandbox_snapshot(client) if client is not None else None,
            'log_mark': log[-1]['seq'] if log else 0,
        })

    def record_outcome(self, outcome):
        """What the run left behind and the writes it made (the replay seeds a lived-in tenant from them)."""
        invocation = INVOCATIONS[-1]
        invocation['rc'] = outcome.rc
        client = self.sandbox_env.client
        if client is None:
            return
        client.wait_idle(timeout=30)  # a request the module gave up on may still be changing the state
        invocation['sandbox_after'] = sandbox_snapshot(client)
        made = [e for e in client.requests() if e['seq'] > invocation['log_mark']]
        invocation['requests'] = len(made)
        invocation['writes'] = [e for e in made if e['write']]

    def audit(self, outcome, name, env_overrides, extra_secrets=()):
        secrets = list(self.sandbox_env.secrets) + [s for s in extra_secrets if s]
        known = dict(self.sandbox_env.kinds)
        for variable, value in (env_overrides or {}).items():
            if value and is_secret_name(variable):
                secrets.append(value)
                known.setdefault(value, SECRET_ENV_KINDS.get(variable, 'MRS password' if 'PASSWORD' in variable
                                                             else variable))
        issued = []
        if self.sandbox_env.client is not None:
            # tokens and Authorization values minted during the run, as the sandbox saw them
            issued = self.sandbox_env.client.issued_secrets()
            secrets += issued
        AUDIT_STATS['runs'] += 1
        AUDIT_STATS['secrets'].update(secrets)
        for secret in secrets:
            if AUDIT_STATS['kinds'].get(secret) in (None, UNKNOWN_KIND):
                AUDIT_STATS['kinds'][secret] = secret_kind(secret, known)
        for secret in issued + list(extra_secrets):
            AUDIT_STATS['exercised'][secret] = AUDIT_STATS['kinds'][secret]
        leaks = outcome.leaked(secrets)
        if leaks:
            AUDIT_STATS['leaks'] += 1
            raise SecretLeak('%d secret(s) leaked into the output of %s' % (len(leaks), name))


# ----- replaying the sandbox's data ----------------------------------------------------------------------

def sandbox_snapshot(client):
    """The data sources and settings the sandbox holds now, in the shape ``apply_snapshot`` seeds back."""
    state = client.state()
    dws = []
    for project_id, clusters in sorted(state['dws']['projects'].items()):
        for cluster_id, cluster in sorted(clusters.items()):
            for item in cluster['data_sources']:
                fields = dict((key, item.get(key)) for key in DWS_SEED_KEYS if item.get(key) not in (None, ''))
                dws.append(dict(fields, project_id=project_id, cluster_id=cluster_id))
    return {'feishu': state['feishu']['data_sources'], 'feishu_schemas': state['feishu'].get('schemas') or [],
            'dws': dws, 'settings': state.get('settings') or {}}


DWS_SEED_KEYS = ('id', 'name', 'type', 'user_name', 'connect_info', 'data_source_id', 'description')


def apply_snapshot(client, snapshot):
    """Seed a (reset) sandbox with a snapshot; DWS data sources come back ACTIVE."""
    if snapshot.get('settings'):
        client.settings(**snapshot['settings'])
    if snapshot.get('feishu_schemas'):
        client.seed_feishu_schemas(snapshot['feishu_schemas'])
    if snapshot.get('feishu'):
        client.seed_feishu(snapshot['feishu'])
    clusters = {}
    for item in snapshot.get('dws') or []:
        fields = dict((k, v) for k, v in item.items() if k not in ('project_id', 'cluster_id'))
        clusters.setdefault((item['project_id'], item['cluster_id']), []).append(fields)
    for (project_id, cluster_id), items in sorted(clusters.items()):
        client.seed_dws(project_id, cluster_id, items)


# ----- many cases in one ansible-playbook run ------------------------------------------------------------

class SandboxSteps:
    """Prepare the sandbox between the cases of ONE ansible-playbook run.

    An ansible-playbook process costs seconds to start, a task about one; so the fault matrix and the
    check-mode replay put many cases in one generated playbook.  Before each case a task runs
    ``python harness.py step PLAN INDEX`` through a pipe lookup (on the controller, in check mode too):
    it saves the sandbox's request log, state and seen secrets of the previous case, resets the sandbox,
    and prepares the next case (a snapshot to seed and faults to inject).  ``finish()`` saves the last one
    and returns, per case, {'requests', 'state', 'secrets'}.
    """

    def __init__(self, client, workdir, cases):
        self.client = client
        self.workdir = workdir
        self.plan_path = os.path.join(workdir, 'steps-plan.json')
        with open(self.plan_path, 'w') as handle:
            json.dump({'base_url': client.base_url, 'cafile': getattr(client, 'cafile', None), 'workdir': workdir,
                       'cases': cases}, handle)

    def task(self, index, name=None):
        """The task that prepares case ``index`` (a plain dict, ready for a playbook)."""
        command = ' '.join(shlex.quote(part) for part in (sys.executable, os.path.abspath(__file__), 'step',
                                                          self.plan_path, str(index)))
        if "'" in command:
            raise ValueError('paths with quotes cannot go into a pipe lookup: %s' % command)
        return {'name': name or 'sandbox step %d' % index,
                'ansible.builtin.debug': {'msg': "{{ lookup('ansible.builtin.pipe', '%s') }}" % command}}

    def reached(self):
        """Index of the last case prepared, or -1."""
        return read_progress(self.workdir)

    def finish(self):
        """Save the last case; return the saved data of every case prepared, by index."""
        last = self.reached()
        if last >= 0:
            save_step(self.client, self.workdir, last)
        saved = {}
        for index in range(last + 1):
            path = step_file(self.workdir, index)
            if os.path.exists(path):
                with open(path) as handle:
                    saved[index] = json.load(handle)
        return saved


def step_file(workdir, index):
    return os.path.join(workdir, 'step-%d.json' % index)


def read_progress(workdir):
    try:
        with open(os.path.join(workdir, 'steps-progress')) as handle:
            return int(handle.read().strip() or -1)
    except (IOError, OSError, ValueError):
        return -1


def save_step(client, workdir, index):
    # a request the module gave up on (slow fault) is still being served: let it finish and be logged
    # here, not leak into the next case after the reset
    if not client.wait_idle(timeout=30):
        raise RuntimeError('the sandbox still serves a request 30 s after case %d' % index)
    data = {'requests': client.requests(), 'state': client.state(), 'secrets': client.issued_secrets()}
    with open(step_file(workdir, index), 'w') as handle:
        json.dump(data, handle)


def run_step(plan_path, index):
    """Save the previous case's sandbox data, then reset and prepare case ``index``."""
    if SANDBOX_DIR not in sys.path:
        sys.path.insert(0, SANDBOX_DIR)
    from client import SandboxClient  # pylint: disable=import-error,import-outside-toplevel
    with open(plan_path) as handle:
        plan = json.load(handle)
    client = SandboxClient(plan['base_url'], cafile=plan.get('cafile'))
    workdir = plan['workdir']
    previous = read_progress(workdir)
    if previous >= 0 and not os.path.exists(step_file(workdir, previous)):
        save_step(client, workdir, previous)
    case = plan['cases'][index]
    client.reset()
    apply_snapshot(client, case.get('sandbox') or {})
    for fault in case.get('faults') or []:
        client.inject(**fault)
    with open(os.path.join(workdir, 'steps-progress'), 'w') as handle:
        handle.write(str(index))
    return 'prepared %s' % case.get('id', index)


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'step':
        print(run_step(sys.argv[2], int(sys.argv[3])))
    else:
        sys.exit('usage: harness.py step PLAN INDEX')
