#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of the dsops.cloud modules against the local sandbox (real ansible-playbook runs).

  python tests/perf/bench.py            full run: N = 30, 3 repetitions, DWS jobs of 2, 10 and 30 s (3 min on an idle 2-CPU machine)
  python tests/perf/bench.py --quick    CI: N = 5, 1 repetition, a 2 s job (under a minute on 2 idle cores)
  python tests/perf/bench.py --markdown BENCHMARKS.md    also rewrite BENCHMARKS.md with the figures

1. Request floor: the HTTP requests each resource module makes per operation (from the sandbox's
   request log), beside the fewest an idempotent module can make, and why.
2. Against hand-written ansible.builtin.uri tasks: reconciling N Feishu data sources in a steady state
   with uri tasks (token, GET each, PATCH the ones that differ), with the module in a loop, and with
   the role; wall time of each, ratios, requests, same run, same sandbox.
3. DWS job wait latency: for a job taking D seconds, how long after it finished the module noticed,
   and how many times it polled, beside Terraform's fixed schedule (first poll after 30 s, then
   every 30 s; computed from that schedule, not measured).

The exit status is 0 unless the benchmark itself broke (a sandbox that would not start, a playbook
that failed, a steady state that wrote): the figures never fail it.
"""

from __future__ import absolute_import, division, print_function

import argparse
import concurrent.futures
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
for _path in (os.path.join(TESTS, 'integration'), TESTS, os.path.join(TESTS, 'sandbox')):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# pylint: disable=wrong-import-position
import collection_path  # noqa: E402
import yaml  # noqa: E402
from fixture import run_sandbox  # noqa: E402
from harness import PLAYBOOK_DIR, PlaybookRunner, SandboxSteps, build_sandbox_env  # noqa: E402

collection_path.make_importable()

from ansible import __version__ as ANSIBLE_VERSION  # noqa: E402

from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import backoff_delays  # noqa: E402

__metaclass__ = type

PLAYBOOKS = os.path.join(HERE, 'playbooks')
ROLE_TASKS = os.path.join(REPO, 'roles', 'feishu_search_data_sources', 'tasks', 'main.yml')
PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
FEISHU_ID = '7100000000000000001'
DWS_ID = '66666666-7777-8888-9999-000000000001'
TERRAFORM_DELAY = TERRAFORM_INTERVAL = 30.0
FLOOR_JOB_DURATION = 0.5  # done before the module's first poll (1 s), so one poll is enough


class BenchmarkBroke(Exception):
    """The benchmark could not measure what it set out to (not a slow figure: a failure)."""


# ----- 1. request floor ------------------------------------------------------------------------------------------

FEISHU_SEED = {'id': FEISHU_ID, 'name': 'Tickets', 'description': 'Helpdesk tickets', 'state': 1}
FEISHU_STEADY = {'name': 'Tickets', 'description': 'Helpdesk tickets', 'online': False}
DWS_SEED = {'project_id': PROJECT, 'cluster_id': CLUSTER, 'id': DWS_ID, 'name': 'obs_src1', 'type': 'OBS',
            'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb'}
DWS_STEADY = {'cluster_id': CLUSTER, 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'gaussdb'}

# (operation, module arguments, check mode, the fewest requests an idempotent run can make, why)
FEISHU_FLOOR = [
    ('steady, by id', dict(FEISHU_STEADY, id=FEISHU_ID), False, 2,
     'a tenant token (one per run: each task is a new process), one GET to compare'),
    ('steady, by name', FEISHU_STEADY, False, 2,
     'a token, then the list (no search by name): 1 page of 50 here, 1 + ceil(n/50) in general'),
    ('change one field', {'id': FEISHU_ID, 'description': 'All helpdesk tickets'}, False, 3,
     'token, GET to compare (and for the diff), one PATCH with only the changed field'),
    ('create', {'name': 'Wiki', 'description': 'Team wiki'}, False, 3,
     'token, the list (the name must not exist yet), one POST'),
    ('delete', {'id': FEISHU_ID, 'state': 'absent'}, False, 3,
     'token, GET (to report changed and the diff honestly), one DELETE'),
    ('check mode, a change', {'id': FEISHU_ID, 'description': 'All helpdesk tickets'}, True, 2,
     'token, GET; never a write'),
]
DWS_FLOOR = [
    ('steady, by id', dict(DWS_STEADY, id=DWS_ID), False, 1,
     'one list of the type (there is no get-one call)'),
    ('steady, by name', dict(DWS_STEADY, name='obs_src1'), False, 1, 'one list of the type'),
    ('change the agency', dict(DWS_STEADY, name='obs_src1', agency='DWSAccessOBS2'), False, 3,
     'list, PUT, one job poll that sees SUCCESS'),
    ('create', dict(DWS_STEADY, name='obs_new'), False, 3, 'list, POST, one job poll that sees SUCCESS'),
    ('delete', {'cluster_id': CLUSTER, 'type': 'OBS', 'name': 'obs_src1', 'state': 'absent'}, False, 3,
     'list, DELETE, one job poll that sees SUCCESS'),
    ('check mode, a change', dict(DWS_STEADY, name='obs_src1', agency='DWSAccessOBS2'), True, 1,
     'one list; never a write'),
]
FLOOR_NOTES = {
    ('DWS', 'change the agency'): 'the module lists once more after the job, to return the data source as DWS '
                                  'now reports it',
    ('DWS', 'create'): 'the module lists once more after the job, to return the new data source with its status',
}


def floor_cases(platform_name):
    if platform_name == 'Feishu':
        table, module, seed = FEISHU_FLOOR, 'feishu_search_data_source', {'feishu': [FEISHU_SEED], 'dws': []}
        settings = {}
    else:
        table, module, seed = DWS_FLOOR, 'dws_ext_data_source', {'feishu': [], 'dws': [DWS_SEED]}
        settings = {'job_duration': FLOOR_JOB_DURATION}
    return [{'id': op, 'module': module, 'args': args, 'check': check, 'minimum': minimum, 'why': why,
             'sandbox': dict(seed, settings=settings), 'faults': []}
            for op, args, check, minimum, why in table]


def run_request_floor(platform_name, workdir):
    cases = floor_cases(platform_name)
    os.makedirs(workdir)
    with run_sandbox() as client:
        steps = SandboxSteps(client, workdir, cases)
        tasks = []
        for index, case in enumerate(cases):
            tasks.append(steps.task(index))
            tasks.append({'name': 'floor %d' % index, 'dsops.cloud.%s' % case['module']: case['args'],
                          'check_mode': case['check']})
        path = os.path.join(workdir, 'floor.yml')
        with open(path, 'w') as handle:
            yaml.safe_dump([{'name': 'Request floor', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}],
                           handle, sort_keys=False)
        run = PlaybookRunner(build_sandbox_env(client), workdir)(path, verbosity=0, record=False)
        saved = steps.finish()
    if run.rc != 0 or len(saved) != len(cases):
        raise BenchmarkBroke('the %s request-floor playbook failed (rc %s):\n%s' % (platform_name, run.rc,
                                                                                    run.output[-3000:]))
    rows = []
    for index, case in enumerate(cases):
        calls = [e for e in saved[index]['requests'] if e['op']]
        writes = [e for e in calls if e['write']]
        if case['check'] and writes:
            raise BenchmarkBroke('%s check mode wrote: %s' % (platform_name, writes))
        rows.append({'platform': platform_name, 'operation': case['id'], 'requests': len(calls),
                     'calls': ', '.join(short_op(e['op']) for e in calls), 'minimum': case['minimum'],
                     'why': case['why'], 'note': FLOOR_NOTES.get((platform_name, case['id']), '')})
    return rows


def short_op(op):
    return op.split('.', 1)[1]


# ----- 2. against hand-written uri tasks ------------------------------------------------------------------------

def desired_sources(count):
    return [{'id': str(7200000000000000000 + number), 'name': 'Source %02d' % number,
             'description': 'Data source number %d' % number, 'online': number % 2 == 0}
            for number in range(count)]


def seeded(desired):
    return [{'id': item['id'], 'name': item['name'], 'description': item['description'],
             'state': 0 if item['online'] else 1} for item in desired]


APPROACHES = (
    ('hand-written uri tasks', os.path.join(PLAYBOOKS, 'uri_reconcile.yml')),
    ('module in a loop', os.path.join(PLAYBOOKS, 'module_loop.yml')),
    ('role feishu_search_data_sources', os.path.join(PLAYBOOKS, 'role.yml')),
)


def role_available():
    return os.path.exists(ROLE_TASKS)


def run_comparison(count, repeats, workdir):
    """Steady state: every approach, ``repeats`` times, interleaved so that drifts hit them alike."""
    os.makedirs(workdir)
    desired = desired_sources(count)
    approaches = [a for a in APPROACHES if a[0] != APPROACHES[2][0] or role_available()]
    times = dict((name, []) for name, dummy in approaches)
    requests = {}
    with run_sandbox() as client:
        runner = PlaybookRunner(build_sandbox_env(client), workdir)
        for dummy in range(repeats):
            for name, path in approaches:
                client.reset()
                client.seed_feishu(seeded(desired))
                start = time.monotonic()
                run = runner(path, {'data_sources': desired}, verbosity=0, record=False)
                elapsed = time.monotonic() - start
                if run.rc != 0:
                    raise BenchmarkBroke('%s failed (rc %s):\n%s' % (name, run.rc, run.output[-3000:]))
                log = [e for e in client.requests('feishu') if e['op']]
                if any(e['write'] for e in log):
                    raise BenchmarkBroke('%s wrote in a steady state: %s' % (name, [e['op'] for e in log if e['write']]))
                times[name].append(elapsed)
                requests[name] = len(log)
    rows = [{'approach': name, 'median': statistics.median(times[name]), 'best': min(times[name]),
             'requests': requests[name], 'runs': len(times[name])} for name, dummy in approaches]
    if not role_available():
        rows.append({'approach': APPROACHES[2][0], 'missing': True})
    return rows


# ----- 3. DWS job wait latency --------------------------------------------------------------------------------

def module_schedule(duration):
    """When the module would notice a job of ``duration`` s, counting from the write: (seconds, polls)."""
    elapsed, polls = 0.0, 0
    for delay in backoff_delays():
        elapsed += delay
        polls += 1
        if elapsed >= duration:
            return elapsed, polls
    return None, None  # pragma: no cover


def terraform_schedule(duration):
    """Terraform's fixed schedule: first poll 30 s after the write, then every 30 s (computed)."""
    polls = max(1, int(math.ceil((duration - TERRAFORM_DELAY) / TERRAFORM_INTERVAL)) + 1)
    noticed = TERRAFORM_DELAY + (polls - 1) * TERRAFORM_INTERVAL
    return noticed, polls


def run_job_latency(duration, workdir):
    os.makedirs(workdir)
    with run_sandbox() as client:
        client.settings(job_duration=duration)
        extra = {'dws_cluster_id': CLUSTER, 'dws_name': 'obs_wait', 'dws_type': 'OBS', 'dws_agency': 'DWSAccessOBS',
                 'dws_connect_info': 'gaussdb', 'dws_wait_timeout': int(duration * 3 + 60)}
        run = PlaybookRunner(build_sandbox_env(client), workdir)(
            os.path.join(PLAYBOOK_DIR, 'dws_ext_data_source.yml'), extra, verbosity=0, record=False)
        log = client.requests('dws')
    creates = [e for e in log if e['op'] == 'dws.create']
    polls = [e for e in log if e['op'] == 'dws.job']
    if run.rc != 0 or len(creates) != 1 or not polls:
        raise BenchmarkBroke('the %s s job run failed (rc %s):\n%s' % (duration, run.rc, run.output[-3000:]))
    finished = creates[0]['time'] + duration
    noticed = polls[-1]['time']  # the last poll is the one that saw SUCCESS
    expected, expected_polls = module_schedule(duration)
    terraform_at, terraform_polls = terraform_schedule(duration)
    return {'duration': duration, 'latency': noticed - finished, 'polls': len(polls),
            'expected_latency': expected - duration, 'expected_polls': expected_polls,
            'terraform_latency': terraform_at - duration, 'terraform_polls': terraform_polls}


# ----- running and reporting ----------------------------------------------------------------------------------

def run_all(options):
    base = tempfile.mkdtemp(prefix='dsops-bench-')
    report = {'options': options, 'started': time.time(), 'load': os.getloadavg()}
    durations = (2,) if options.quick else (2, 10, 30)
    # the floors and the job waits sleep more than they compute: run them side by side, then the timed
    # comparison alone, so that its wall times are not disturbed
    with concurrent.futures.ThreadPoolExecutor(max_workers=2 + len(durations)) as pool:
        floors = [pool.submit(run_request_floor, name, os.path.join(base, 'floor-' + name)) for name in ('Feishu', 'DWS')]
        waits = [pool.submit(run_job_latency, d, os.path.join(base, 'job-%s' % d)) for d in durations]
        report['floor'] = [row for future in floors for row in future.result()]
        report['latency'] = [future.result() for future in waits]
    report['comparison'] = run_comparison(options.count, options.repeats, os.path.join(base, 'comparison'))
    report['elapsed'] = time.time() - report['started']
    return report


def table(headers, rows):
    lines = ['| ' + ' | '.join(headers) + ' |', '|' + '|'.join('---' for dummy in headers) + '|']
    lines += ['| ' + ' | '.join(str(cell) for cell in row) + ' |' for row in rows]
    return '\n'.join(lines)


def render_floor(report):
    rows = [(r['platform'], r['operation'], r['requests'], r['minimum'],
             'at the floor' if r['requests'] <= r['minimum'] else '+%d: %s' % (r['requests'] - r['minimum'], r['note']),
             r['calls'], r['why']) for r in report['floor']]
    return table(('platform', 'operation', 'requests', 'minimum', 'gap', 'requests made', 'why the minimum'), rows)


def render_comparison(report):
    rows = []
    found = [r for r in report['comparison'] if not r.get('missing')]
    fastest = min(r['median'] for r in found)
    for r in report['comparison']:
        if r.get('missing'):
            rows.append((r['approach'], 'role not available', '', '', ''))
            continue
        rows.append((r['approach'], '%.1f s' % r['median'], '%.1f s' % r['best'], '%.1fx' % (r['median'] / fastest),
                     r['requests']))
    text = table(('approach (steady state, N = %d)' % report['options'].count, 'wall time (median of %d)'
                  % report['options'].repeats, 'best', 'vs fastest', 'HTTP requests'), rows)
    named = dict((r['approach'], r['median']) for r in found)
    ratios = []
    for slow, fast in ((APPROACHES[0][0], APPROACHES[1][0]), (APPROACHES[0][0], APPROACHES[2][0]),
                       (APPROACHES[1][0], APPROACHES[2][0])):
        if slow in named and fast in named:
            ratios.append('%s / %s = %.2f' % (slow, fast, named[slow] / named[fast]))
    return text + '\n\nRatios of the median wall times: ' + '; '.join(ratios) + '.'


def render_latency(report):
    rows = [('%g s' % r['duration'], '%.1f s' % r['latency'], r['polls'],
             '%.1f s, %d polls' % (r['expected_latency'], r['expected_polls']),
             '%.0f s' % r['terraform_latency'], r['terraform_polls']) for r in report['latency']]
    return table(('job duration D', 'noticed after the end (measured)', 'job polls (measured)',
                  'module schedule (computed)', 'Terraform: noticed after the end (computed)', 'Terraform polls'),
                 rows)


def render(report):
    options = report['options']
    return '\n\n'.join([
        '## Request floor\n\n' + render_floor(report),
        '## Steady state of N = %d Feishu data sources: uri tasks, module, role\n\n' % options.count
        + render_comparison(report),
        '## DWS job wait latency\n\n' + render_latency(report),
        'benchmark: %s mode, %.0f s in all, load average at the start %.2f' % (
            'quick' if options.quick else 'full', report['elapsed'], report['load'][0]),
    ])


MARKDOWN_HEAD = """# Benchmarks

Figures of the latest full benchmark run, written by `python tests/perf/bench.py --markdown BENCHMARKS.md`.
Every figure comes from real `ansible-playbook` runs against the local sandbox (`tests/sandbox`), which
emulates the DWS and Feishu APIs and logs every request; nothing here talks to a real cloud.

## How to reproduce

```sh
source tests/venv.sh && dsops_venv          # or any virtualenv with tests/requirements.txt
python tests/perf/bench.py                  # full run: N = 30, 3 repetitions, DWS jobs of 2, 10 and 30 s (3 min on an idle 2-CPU machine)
python tests/perf/bench.py --quick          # what CI runs (tests/run.sh perf): N = 5, 1 repetition, a 2 s job
python tests/perf/bench.py --markdown BENCHMARKS.md   # rewrite this file with the new figures
```

The benchmark exits non-zero only when it cannot measure (a playbook failed, a steady state wrote);
slow figures never fail it.  Wall times depend on the machine; the request counts and the job-poll
figures do not.

Machine of this run: {machine}.

## What is measured

* **Request floor**: each resource module runs each operation once (one task each, in one playbook;
  the sandbox is reset and seeded before each).  *requests* counts the HTTP requests in the sandbox's
  log; *minimum* is the fewest requests a module can make for that operation while staying idempotent
  (read before writing) and honest about `changed` and the diff.  DWS jobs take {floor_job} s here, so
  one poll suffices.
* **Against hand-written uri tasks**: N Feishu data sources, already as desired (steady state).  The
  same list is reconciled by `tests/perf/playbooks/uri_reconcile.yml` (what users write today:
  token, GET each, PATCH the ones that differ), `module_loop.yml` (`dsops.cloud.feishu_search_data_source`
  in a loop) and `role.yml` (role `dsops.cloud.feishu_search_data_sources`).  Wall time of the whole
  `ansible-playbook` run at normal verbosity, each approach in turn, repeated; each run must write nothing.
* **DWS job wait latency**: a create whose job takes D seconds in the sandbox; *noticed after the end*
  is the time of the job poll that saw `SUCCESS` minus the time the job finished.  The module polls after
  1 s, then backs off by 1.5 up to 15 s.  Terraform's `huaweicloud_dws_ext_data_source` waits 30 s before
  its first poll, then polls every 30 s: its figures are computed from that schedule, not measured.

"""


MARKDOWN_TAIL = """

## Reading the figures

* Both resource modules make the fewest requests an idempotent module can, except the two DWS writes
  that list once more after their job, so that the task returns the data source as DWS reports it.
* Each Ansible task is a process of its own, which costs most of a second before any request is sent:
  so one module task per data source costs about as much as one hand-written `uri` task per data source,
  and both grow with N.  The role reads the whole list once and calls the module only for the data
  sources that differ (none in a steady state), so its time hardly grows with N: the ratio to the other
  two is the figure to compare across machines.
* The module notices a DWS job within a few seconds of its end with a handful of polls, where a fixed
  30 s schedule notices it up to 30 s late (30 s minus D modulo 30: a job of exactly 30 s is its best case).
"""


def markdown(report):
    machine = '%s, %d CPUs, Python %s, ansible-core %s, load average %.2f at the start' % (
        platform.platform(), os.cpu_count() or 0, platform.python_version(), ANSIBLE_VERSION, report['load'][0])
    head = MARKDOWN_HEAD.replace('{machine}', machine).replace('{floor_job}', '%g' % FLOOR_JOB_DURATION)
    return head + render(report) + MARKDOWN_TAIL


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--quick', action='store_true', help='the CI run: N = 5, 1 repetition, a 2 s DWS job')
    parser.add_argument('--count', type=int, help='data sources in the comparison (default 30, quick 5)')
    parser.add_argument('--repeats', type=int, help='runs of each approach (default 3, quick 1)')
    parser.add_argument('--markdown', metavar='PATH', help='also write the report as markdown to PATH')
    options = parser.parse_args(argv)
    if options.count is None:
        options.count = 5 if options.quick else 30
    if options.repeats is None:
        options.repeats = 1 if options.quick else 3
    return options


def main(argv=None):
    options = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        report = run_all(options)
    except BenchmarkBroke as error:
        print('benchmark broke: %s' % error, file=sys.stderr)
        return 1
    except Exception:  # pylint: disable=broad-except
        traceback.print_exc()
        print('benchmark broke (see the traceback above)', file=sys.stderr)
        return 1
    print(render(report))
    if options.markdown:
        with open(options.markdown, 'w') as handle:
            handle.write(markdown(report))
        print('wrote %s' % options.markdown)
    return 0


if __name__ == '__main__':
    sys.exit(main())
