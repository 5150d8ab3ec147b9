#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of the dsops.cloud modules against the local sandbox (real ansible-playbook runs).

  python tests/perf/bench.py            full run: N = 30 and 300, 3 repetitions, DWS jobs of 2, 10 and 30 s (about 10 min)
  python tests/perf/bench.py --quick    CI: N = 5 and 300, 1 repetition, a 2 s job, DWS set jobs of 0.5 s (about 1 min)
  python tests/perf/bench.py --markdown BENCHMARKS.md    also rewrite BENCHMARKS.md with the figures
  python tests/perf/bench.py --without-role              leave the role out of the comparison

1. Request floor: the HTTP requests each resource module makes per operation (from the sandbox's
   request log), beside the fewest an idempotent module can make, and why.
2. N Feishu data sources, four ways: hand-written ansible.builtin.uri tasks (token, GET each, PATCH
   the ones that differ), the module in a loop, the role and the list module
   feishu_search_data_sources, in a steady state and with all N changed; wall time of each, ratios to
   the uri playbook, requests, same run, same sandbox.  Also: a playbook without tasks (the fixed cost
   of ansible-playbook, to tell it from the module's own time) and the list module with 300 data
   sources (steady state, several listing pages).
3. DWS job wait latency: for a job taking D seconds, how long after it finished the module noticed,
   and how many times it polled, beside Terraform's fixed schedule (first poll after 30 s, then
   every 30 s; computed from that schedule, not measured).
4. DWS, 10 data sources of one cluster all changed (agency updates; and creates in the full run) with
   the list module dws_ext_data_sources: requests (listings, writes, job polls) and wall time against
   the sum of the job durations.

The exit status is 0 unless the benchmark itself broke (a sandbox that would not start, a playbook
that failed, a steady state that wrote, a run that left a data source not as declared): the figures,
targets included, never fail it.
"""

from __future__ import absolute_import, division, print_function

import argparse
import concurrent.futures
import math
import os
import platform
import resource
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
import requests  # noqa: E402
import yaml  # noqa: E402
from fixture import run_sandbox  # noqa: E402
from harness import PLAYBOOK_DIR, PlaybookRunner, SandboxSteps, build_sandbox_env  # noqa: E402

collection_path.make_importable()

from ansible import __version__ as ANSIBLE_VERSION  # noqa: E402

from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import backoff_delays  # noqa: E402
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.client import (  # noqa: E402
    MAX_PAGE_SIZE as FEISHU_MAX_PAGE_SIZE)

__metaclass__ = type

PLAYBOOKS = os.path.join(HERE, 'playbooks')
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


# ----- 2. N Feishu data sources: uri tasks, module loop, role, list module ---------------------------------------

URI, LOOP, ROLE, LIST = 'uri', 'loop', 'role', 'list'
# (key, name, playbook in tests/perf/playbooks)
APPROACHES = (
    (URI, 'hand-written uri tasks', 'uri_reconcile.yml'),
    (LOOP, 'module in a loop', 'module_loop.yml'),
    (ROLE, 'role feishu_search_data_sources', 'role.yml'),
    (LIST, 'list module feishu_search_data_sources', 'list_module.yml'),
)
APPROACH_NAMES = dict((key, name) for key, name, dummy in APPROACHES)
# the cost of ansible-playbook itself, and of one trivial module task on top of it
BASELINES = (('startup', 'startup.yml'), ('trivial', 'trivial_task.yml'))
STEADY, CHANGED, LARGE = 'steady', 'changed', 'large'
SCENARIOS = ((STEADY, 'steady state: nothing to change'), (CHANGED, 'all changed: each data source needs a PATCH'))
TARGET_RATIO, TARGET_COUNT = 0.12, 30  # issue 12: with N = 30, the list module takes at most 0.12x the uri
# playbook's time, in both scenarios
# Only whether the role is there: how it works inside is its own business (it is being rebuilt around the list
# module); role.yml passes it the list through its documented variable.
ROLE_DIR = os.path.join(REPO, 'roles', 'feishu_search_data_sources')


def role_available():
    return os.path.isdir(ROLE_DIR)


def desired_sources(count):
    return [{'id': str(7200000000000000000 + number), 'name': 'Source %02d' % number,
             'description': 'Data source number %d' % number, 'online': number % 2 == 0}
            for number in range(count)]


def seeded(desired, changed=False):
    """The data sources as the sandbox holds them before a run: as desired, or each with an outdated description."""
    return [{'id': item['id'], 'name': item['name'],
             'description': ('Outdated: ' if changed else '') + item['description'],
             'state': 0 if item['online'] else 1} for item in desired]


def converged(client, desired):
    """The desired data sources the sandbox does not hold as desired (by id)."""
    held = dict((obj['id'], obj) for obj in client.state()['feishu']['data_sources'])
    wrong = []
    for item in desired:
        obj = held.get(item['id']) or {}
        if (obj.get('name'), obj.get('description'), obj.get('state')) != (item['name'], item['description'],
                                                                           0 if item['online'] else 1):
            wrong.append(item['name'])
    return wrong


def children_cpu():
    """CPU seconds (user + system) of the processes this one has reaped, their own reaped children included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(runner, path, extra_vars):
    """Run a playbook: (run, its wall seconds, time.time() at its start, CPU seconds of all its processes).

    The CPU time is only right when no other child ends meanwhile (the comparison runs alone).
    """
    cpu = children_cpu()
    started = time.time()
    start = time.monotonic()
    run = runner(path, extra_vars, verbosity=0, record=False, audit=False)
    elapsed = time.monotonic() - start
    cpu = children_cpu() - cpu
    runner.audit(run, path, None)  # after the clock: the secret audit is the benchmark's, not the playbook's
    return run, elapsed, started, cpu


def request_span(log, started):
    """Seconds from the start of the run to its first and to its last request (None, None without requests)."""
    if not log:
        return None, None
    return log[0]['time'] - started, log[-1]['time'] - started


def run_feishu(runner, client, key, desired, scenario):
    """One run of an approach on a freshly seeded sandbox; the sample, or BenchmarkBroke if it did not reconcile."""
    name = APPROACH_NAMES[key]
    client.reset()
    client.seed_feishu(seeded(desired, changed=scenario == CHANGED))
    playbook = dict((k, p) for k, dummy, p in APPROACHES)[key]
    run, elapsed, started, cpu = timed(runner, os.path.join(PLAYBOOKS, playbook), {'data_sources': desired})
    if run.rc != 0:
        raise BenchmarkBroke('%s (%s, N = %d) failed (rc %s):\n%s'
                             % (name, scenario, len(desired), run.rc, run.output[-3000:]))
    log = [e for e in client.requests('feishu') if e['op']]
    writes = [e for e in log if e['write']]
    if scenario != CHANGED and writes:
        raise BenchmarkBroke('%s wrote in a steady state: %s' % (name, [e['op'] for e in writes]))
    wrong = converged(client, desired)
    if wrong:
        raise BenchmarkBroke('%s (%s) left %d data source(s) not as desired: %s'
                             % (name, scenario, len(wrong), ', '.join(wrong[:5])))
    first, last = request_span(log, started)
    pages = [e for e in log if e['op'] == 'feishu.list']
    return {'elapsed': elapsed, 'cpu': cpu, 'requests': len(log), 'writes': len(writes),
            'patches': len([e for e in writes if e['op'] == 'feishu.patch']), 'first': first, 'last': last,
            'pages': len(pages), 'page_sizes': sorted(set(int(size) for e in pages
                                                          for size in (e.get('query') or {}).get('page_size', [])))}


ROUND_TRIPS = 20
STALL_MS = 20.0  # a kept-alive round trip slower than this on loopback is a stall, not work


def round_trips(client):
    """Median milliseconds of a sandbox control GET on one kept-alive connection, and on a new one each time.

    The collection's modules keep their connection (requests.Session); a uri task sends one request per
    connection: an HTTP server that stalls kept-alive answers (e.g. Nagle's algorithm against delayed ACKs)
    slows the first and not the second, and this shows it.
    """
    url = client.base_url + '/_sandbox/settings'

    def timed_get(session):
        start = time.monotonic()
        session.get(url, timeout=10, verify=client.cafile or True).raise_for_status()
        return 1000.0 * (time.monotonic() - start)

    kept = requests.Session()
    kept.trust_env = False  # never through a proxy of the environment
    timed_get(kept)  # opens the connection
    kept_times = [timed_get(kept) for dummy in range(ROUND_TRIPS)]
    new_times = []
    for dummy in range(ROUND_TRIPS):
        session = requests.Session()
        session.trust_env = False
        new_times.append(timed_get(session))
        session.close()
    kept.close()
    return statistics.median(kept_times), statistics.median(new_times)


def run_comparison(count, large_count, repeats, workdir, with_role=True):
    """Every approach in both scenarios, the list module with ``large_count`` data sources and the two baselines,
    ``repeats`` times, interleaved so that drifts of the machine hit them alike."""
    os.makedirs(workdir)
    desired, large = desired_sources(count), desired_sources(large_count)
    keys = [key for key, dummy, dummy2 in APPROACHES if key != ROLE or (with_role and role_available())]
    samples = {}
    with run_sandbox() as client:
        runner = PlaybookRunner(build_sandbox_env(client), workdir)
        kept_ms, new_ms = round_trips(client)
        for dummy in range(repeats):
            for baseline, playbook in BASELINES:
                run, elapsed, dummy2, cpu = timed(runner, os.path.join(PLAYBOOKS, playbook), None)
                if run.rc != 0:
                    raise BenchmarkBroke('%s failed (rc %s):\n%s' % (playbook, run.rc, run.output[-3000:]))
                samples.setdefault((baseline, None), []).append({'elapsed': elapsed, 'cpu': cpu})
            for scenario, dummy2 in SCENARIOS:
                for key in keys:
                    samples.setdefault((scenario, key), []).append(run_feishu(runner, client, key, desired, scenario))
            samples.setdefault((LARGE, LIST), []).append(run_feishu(runner, client, LIST, large, STEADY))
        settings = client.settings()
    return {'count': count, 'large_count': large_count, 'repeats': repeats, 'keys': keys,
            'role_skipped': not with_role, 'role_missing': with_role and not role_available(),
            'sandbox_max_page_size': settings['max_page_size'], 'client_max_page_size': FEISHU_MAX_PAGE_SIZE,
            'round_trip_kept_ms': kept_ms, 'round_trip_new_ms': new_ms,
            'stats': dict((case, summarise(runs)) for case, runs in samples.items())}


def summarise(runs):
    """Medians (and the best wall time) of a case's runs; request figures as 'a' or 'a-b' when they varied."""
    times = [r['elapsed'] for r in runs]
    stats = {'median': statistics.median(times), 'best': min(times), 'runs': len(runs)}
    for field in ('first', 'last', 'cpu'):
        values = [r[field] for r in runs if r.get(field) is not None]
        if values:
            stats[field] = statistics.median(values)
    for field in ('requests', 'writes', 'patches', 'pages'):
        values = sorted(set(r[field] for r in runs if field in r))
        if values:
            stats[field] = values[0] if len(values) == 1 else '%d-%d' % (values[0], values[-1])
    sizes = sorted(set(size for r in runs for size in r.get('page_sizes', ())))
    if sizes:
        stats['page_sizes'] = sizes
    return stats


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


# ----- 4. DWS: a set of data sources on one cluster, all changed, with the list module ---------------------------

DWS_SET_COUNT = 10
DWS_SET_PLAYBOOK = os.path.join(PLAYBOOKS, 'dws_list_module.yml')
DWS_AGENCY, DWS_NEW_AGENCY = 'DWSAccessOBS', 'DWSAccessOBS2'
DWS_SET_SCENARIOS = {
    'update': 'agency updates: each an OBS source whose agency differs (a PUT and its job)',
    'create': 'creates: none exists yet (a POST and its job)',
}


def dws_set_case(scenario, count):
    """(the data sources seeded, the config declared, the agency each must end with)."""
    names = ['obs_bench_%02d' % number for number in range(count)]
    if scenario == 'update':
        seed = [{'name': name, 'type': 'OBS', 'user_name': DWS_AGENCY, 'connect_info': 'gaussdb'} for name in names]
        return seed, [{'name': name, 'type': 'OBS', 'agency': DWS_NEW_AGENCY} for name in names], DWS_NEW_AGENCY
    return [], [{'name': name, 'type': 'OBS', 'agency': DWS_AGENCY, 'connect_info': 'gaussdb'} for name in names], \
        DWS_AGENCY


def run_dws_set(scenario, count, duration, workdir):
    """One list-module run writing ``count`` data sources of one cluster, each write a job of ``duration`` s."""
    os.makedirs(workdir)
    seed, config, agency = dws_set_case(scenario, count)
    with run_sandbox() as client:
        client.settings(job_duration=duration)
        if seed:
            client.seed_dws(PROJECT, CLUSTER, seed)
        runner = PlaybookRunner(build_sandbox_env(client), workdir)
        run, elapsed, started, dummy = timed(runner, DWS_SET_PLAYBOOK, {
            'cluster_id': CLUSTER, 'data_sources': config, 'wait_timeout': int(duration * 3 + 60)})
        log = [e for e in client.requests('dws') if e['op']]
        held = client.state()['dws']['projects'][PROJECT][CLUSTER]['data_sources']
    if run.rc != 0:
        raise BenchmarkBroke('the DWS list module (%s, %d items) failed (rc %s):\n%s'
                             % (scenario, count, run.rc, run.output[-3000:]))
    wanted_op = 'dws.update' if scenario == 'update' else 'dws.create'
    writes = [e for e in log if e['write']]
    wrong = [item['name'] for item in config
             if not any(obj['name'] == item['name'] and obj.get('user_name') == agency
                        and obj.get('configure_status') == 'ACTIVE' for obj in held)]
    if wrong or len(writes) != count or any(e['op'] != wanted_op for e in writes):
        raise BenchmarkBroke('the DWS list module (%s) did not write each item once (%s) or left some not as '
                             'declared: %s' % (scenario, [e['op'] for e in writes], wrong))
    # writes run one after another: the polls between two writes are the first one's job
    noticed, gaps = [], []
    for index, write in enumerate(writes):
        until = writes[index + 1]['seq'] if index + 1 < len(writes) else None
        polls = [e for e in log
                 if e['op'] == 'dws.job' and e['seq'] > write['seq'] and (until is None or e['seq'] < until)]
        if not polls:
            raise BenchmarkBroke('the DWS list module (%s) never polled the job of write %d' % (scenario, index))
        noticed.append(polls[-1]['time'] - (write['time'] + duration))  # the last poll saw SUCCESS
        if until is not None:
            gaps.append(writes[index + 1]['time'] - polls[-1]['time'])
    first, last = request_span(log, started)
    schedule_at, schedule_polls = module_schedule(duration)
    return {'scenario': scenario, 'count': count, 'duration': duration, 'elapsed': elapsed,
            'jobs_sum': count * duration, 'requests': len(log),
            'listings': len([e for e in log if e['op'] == 'dws.list']), 'writes': len(writes),
            'polls': len([e for e in log if e['op'] == 'dws.job']), 'first': first, 'last': last,
            'noticed': statistics.mean(noticed), 'gap': statistics.mean(gaps) if gaps else 0.0,
            'schedule_total': count * schedule_at, 'expected_polls': count * schedule_polls}


# ----- running and reporting ----------------------------------------------------------------------------------

def run_all(options):
    base = tempfile.mkdtemp(prefix='dsops-bench-')
    report = {'options': options, 'started': time.time(), 'load': os.getloadavg()}
    durations = (2,) if options.quick else (2, 10, 30)
    dws_sets = ('update',) if options.quick else ('update', 'create')

    def dws_set(scenario):
        return run_dws_set(scenario, DWS_SET_COUNT, options.dws_job_duration, os.path.join(base, 'dws-set-' + scenario))

    # the floors and the job waits sleep more than they compute: run them side by side, then the timed
    # comparison alone, so that its wall times are not disturbed, then the DWS sets alone (their wall
    # time is read against their job durations); the quick run, whose figures are not published, runs its
    # DWS set beside the floors to stay short
    with concurrent.futures.ThreadPoolExecutor(max_workers=2 + len(durations) + len(dws_sets)) as pool:
        floors = [pool.submit(run_request_floor, name, os.path.join(base, 'floor-' + name)) for name in ('Feishu', 'DWS')]
        waits = [pool.submit(run_job_latency, d, os.path.join(base, 'job-%s' % d)) for d in durations]
        sets = [pool.submit(dws_set, scenario) for scenario in dws_sets] if options.quick else []
        report['floor'] = [row for future in floors for row in future.result()]
        report['latency'] = [future.result() for future in waits]
        report['dws_set'] = [future.result() for future in sets]
    report['comparison'] = run_comparison(options.count, options.large_count, options.repeats,
                                          os.path.join(base, 'comparison'), with_role=not options.without_role)
    if not options.quick:
        report['dws_set'] = [dws_set(scenario) for scenario in dws_sets]
    report['elapsed'] = time.time() - report['started']
    report['load_end'] = os.getloadavg()
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


def expected_requests(key, scenario, count):
    """What each approach must send for N data sources (every figure is checked in the table, not asserted)."""
    return {
        (URI, STEADY): 1 + count, (URI, CHANGED): 1 + 2 * count,          # token, a GET each, a PATCH each
        (LOOP, STEADY): 2 * count, (LOOP, CHANGED): 3 * count,          # per task: token, GET, PATCH
        (LIST, STEADY): 2, (LIST, CHANGED): 2 + count,                  # token, the listing, a PATCH each
    }.get((LIST if key == ROLE else key, scenario), '')  # the role is a wrapper of the list module (issue 12)


def ratio(value, reference):
    return '%.2fx' % (value / reference) if reference else ''


def render_comparison(report):
    comparison = report['comparison']
    stats, count = comparison['stats'], comparison['count']
    parts = []
    for scenario, title in SCENARIOS:
        uri = stats[(scenario, URI)]['median']
        rows = []
        for key in comparison['keys']:
            s = stats[(scenario, key)]
            rows.append((APPROACH_NAMES[key], '%.1f s' % s['median'], '%.1f s' % s['best'], ratio(s['median'], uri),
                         '%.1f s' % s['cpu'], s['requests'], expected_requests(key, scenario, count), s['patches']))
        if comparison['role_skipped'] or comparison['role_missing']:
            rows.append((APPROACH_NAMES[ROLE], 'not measured in this run (%s)' % (
                'left out with --without-role' if comparison['role_skipped'] else 'no role in roles/'),
                '', '', '', '', '', ''))
        heading = '**%s** (N = %d, %d runs of each)\n\n' % (title[0].upper() + title[1:], count, comparison['repeats'])
        headers = ('approach', 'wall time (median)', 'best', 'vs uri tasks', 'CPU time (median)', 'HTTP requests',
                   'requests expected', 'PATCHes')
        parts.append(heading + table(headers, rows))
    verdicts = []
    for scenario, title in SCENARIOS:
        value = stats[(scenario, LIST)]['median'] / stats[(scenario, URI)]['median']
        verdicts.append('%s %.2fx (%s; in CPU time %.2fx)' % (
            title.partition(':')[0], value, 'met' if value <= TARGET_RATIO else 'MISSED',
            stats[(scenario, LIST)]['cpu'] / stats[(scenario, URI)]['cpu']))
    parts.append('Target of issue 12 for N = %d, the list module at most %.2fx the uri playbook: %s.%s'
                 % (TARGET_COUNT, TARGET_RATIO, '; '.join(verdicts),
                    '' if count == TARGET_COUNT else '  (This run has N = %d: the ratio falls as N grows, since the '
                    'uri playbook makes one task call per request and the list module one in all.)' % count))
    return '\n\n'.join(parts)


def render_breakdown(report):
    comparison = report['comparison']
    stats, count = comparison['stats'], comparison['count']
    startup, trivial = stats[('startup', None)], stats[('trivial', None)]

    def part(wall, cpu, whole):
        return '%.2f s, %.0f%% (%.2f s CPU)' % (wall, 100.0 * wall / whole, cpu)

    rows = []
    for scenario, label in ((STEADY, 'steady, N = %d' % count), (CHANGED, 'all changed, N = %d' % count),
                            (LARGE, 'steady, N = %d' % comparison['large_count'])):
        s = stats[(scenario, LIST)]
        rows.append((label, '%.2f s (%.2f s CPU)' % (s['median'], s['cpu']),
                     part(startup['median'], startup['cpu'], s['median']),
                     part(trivial['median'] - startup['median'], trivial['cpu'] - startup['cpu'], s['median']),
                     part(s['median'] - trivial['median'], s['cpu'] - trivial['cpu'], s['median']),
                     '%.2f s (%s requests)' % (s['last'] - s['first'], s['requests'])))
    uri = stats[(STEADY, URI)]
    calls = count + 1
    return table(('list module run', 'wall time, median (CPU time of all its processes)',
                  'ansible-playbook without tasks', '+ one task of a trivial module (ansible.builtin.ping)',
                  '+ the rest: the list module\'s own work', 'of which first to last request'), rows) + (
        '\n\nEach part is a difference of medians (%d runs each), so with few runs or a busy machine a small part can '
        'come out negative.  The uri playbook in a steady state makes %d uri calls (the token and a GET each): '
        '%.2f s each above the playbook without tasks (%.2f s CPU each).'
        % (startup['runs'], calls, (uri['median'] - startup['median']) / calls, (uri['cpu'] - startup['cpu']) / calls)
    ) + render_round_trips(comparison)


def render_round_trips(comparison):
    kept, new = comparison['round_trip_kept_ms'], comparison['round_trip_new_ms']
    text = ('\n\nThe sandbox answers a request in %.1f ms on a kept-alive connection and in %.1f ms on a new '
            'connection (medians of %d).' % (kept, new, ROUND_TRIPS))
    if kept > STALL_MS and kept > 3 * new:
        text += ('  The kept-alive figure is a stall of the sandbox\'s HTTP server, not work: it writes the headers '
                 'and the body of each answer in two sends with Nagle\'s algorithm on, so the body waits for the '
                 'client\'s delayed ACK (TCP_NODELAY on its sockets removes it).  The collection\'s modules keep their connection, so they pay it on every '
                 'request after the first (the list module\'s *first to last request* above is mostly that); a uri '
                 'task sends one request per connection and does not.  A real API behind an ordinary front end '
                 'has no such stall.')
    return text


def render_scaling(report):
    comparison = report['comparison']
    stats = comparison['stats']
    small, large = stats[(STEADY, LIST)], stats[(LARGE, LIST)]
    page = min(comparison['sandbox_max_page_size'], comparison['client_max_page_size'])
    rows = []
    for label, count, s in (('N = %d' % comparison['count'], comparison['count'], small),
                            ('N = %d' % comparison['large_count'], comparison['large_count'], large)):
        rows.append((label, '%.2f s' % s['median'], '%.2f s' % s['best'], ratio(s['median'], small['median']),
                     '%.2f s' % s['cpu'], s['requests'], 1 + int(math.ceil(count / float(page))), s['pages'],
                     ', '.join(str(size) for size in s.get('page_sizes', ())),
                     '%.2f s' % (s['last'] - s['first'])))
    return table(('list module, steady state', 'wall time (median)', 'best', 'vs N = %d' % comparison['count'],
                  'CPU time (median)', 'HTTP requests', 'expected (1 + ceil(N / %d))' % page, 'listing pages', 'page_size sent',
                  'first to last request'), rows) + (
        '\n\nPage size: the client asks for `page_size=%d` (`MAX_PAGE_SIZE` in `plugins/module_utils/feishu/client.py`) '
        'and the sandbox accepts at most %d (its `max_page_size` setting).  Feishu documents no maximum; 50 is the '
        'value the API reference deems safe (a third-party client refuses more).'
        % (comparison['client_max_page_size'], comparison['sandbox_max_page_size']))


def render_dws_set(report):
    rows = []
    for r in report['dws_set']:
        rows.append((DWS_SET_SCENARIOS[r['scenario']], r['count'], '%g s' % r['duration'], '%g s' % r['jobs_sum'],
                     '%.1f s' % r['elapsed'], '%.2fx' % (r['elapsed'] / r['jobs_sum']),
                     '%.1f s' % r['schedule_total'],
                     '%d: %d listings, %d writes, %d job polls' % (r['requests'], r['listings'], r['writes'], r['polls']),
                     r['expected_polls'], '%.2f s' % r['noticed'], '%.0f ms' % (1000 * r['gap']), '%.1f s' % r['first'],
                     '%.1f s' % (r['elapsed'] - r['last'])))
    return table(('%d items on one cluster, all changed' % DWS_SET_COUNT, 'items', 'job duration D',
                  'sum of the job durations', 'wall time', 'vs the sum', 'the poll schedule\'s floor (computed)',
                  'HTTP requests', 'job polls expected', 'job seen done after its end (mean)',
                  'from a job seen done to the next write (mean)', 'start to first request',
                  'last request to exit'), rows)


def render_latency(report):
    rows = [('%g s' % r['duration'], '%.1f s' % r['latency'], r['polls'],
             '%.1f s, %d polls' % (r['expected_latency'], r['expected_polls']),
             '%.0f s' % r['terraform_latency'], r['terraform_polls']) for r in report['latency']]
    return table(('job duration D', 'noticed after the end (measured)', 'job polls (measured)',
                  'module schedule (computed)', 'Terraform: noticed after the end (computed)', 'Terraform polls'),
                 rows)


def render(report):
    options = report['options']
    comparison = report['comparison']
    return '\n\n'.join([
        '## Request floor\n\n' + render_floor(report),
        '## N = %d Feishu data sources: uri tasks, module loop, role, list module\n\n' % comparison['count']
        + render_comparison(report),
        '## Where the list module\'s time goes\n\n' + render_breakdown(report),
        '## The list module with N = %d data sources\n\n' % comparison['large_count'] + render_scaling(report),
        '## DWS: %d data sources of one cluster, all changed, with the list module\n\n' % DWS_SET_COUNT
        + render_dws_set(report),
        '## DWS job wait latency\n\n' + render_latency(report),
        'benchmark: %s mode, %.0f s in all, load average %.2f at the start and %.2f at the end' % (
            'quick' if options.quick else 'full', report['elapsed'], report['load'][0], report['load_end'][0]),
    ])


MARKDOWN_HEAD = """# Benchmarks

Figures of the latest full benchmark run, written by `python tests/perf/bench.py --markdown BENCHMARKS.md`.
Every figure comes from real `ansible-playbook` runs against the local sandbox (`tests/sandbox`), which
emulates the DWS and Feishu APIs and logs every request; nothing here talks to a real cloud.

## How to reproduce

```sh
source tests/venv.sh && dsops_venv          # or any virtualenv with tests/requirements.txt
python tests/perf/bench.py                  # full run: N = 30 and 300, 3 repetitions, DWS jobs of 2, 10 and 30 s, DWS sets of 2 s jobs
python tests/perf/bench.py --quick          # what CI runs (tests/run.sh perf): N = 5 and 300, 1 repetition, a 2 s job, a set of 0.5 s jobs
python tests/perf/bench.py --markdown BENCHMARKS.md   # rewrite this file with the new figures
python tests/perf/bench.py --without-role   # leave the role out (e.g. while it is being changed)
```

The benchmark exits non-zero only when it cannot measure (a playbook failed, a steady state wrote, a
run left a data source not as declared); slow figures, missed targets and unexpected request counts
never fail it.  Wall times depend on the machine and on what else runs on it; the request counts and
the job-poll figures do not.

Machine of this run: {machine}.  The run took {minutes} min.

## What is measured

* **Request floor**: each resource module runs each operation once (one task each, in one playbook;
  the sandbox is reset and seeded before each).  *requests* counts the HTTP requests in the sandbox's
  log; *minimum* is the fewest requests a module can make for that operation while staying idempotent
  (read before writing) and honest about `changed` and the diff.  DWS jobs take {floor_job} s here, so
  one poll suffices.
* **N Feishu data sources, four ways**: the same list of N data sources (known ids; name, description,
  online) is reconciled by four playbooks of `tests/perf/playbooks`:
  `uri_reconcile.yml` (what users write without the collection: hand-written `ansible.builtin.uri`
  tasks, a token, a GET each, a PATCH for each one that differs), `module_loop.yml`
  (`dsops.cloud.feishu_search_data_source` in a loop), `role.yml` (role
  `dsops.cloud.feishu_search_data_sources`, as `roles/` holds it at the time of the run) and
  `list_module.yml` (one `dsops.cloud.feishu_search_data_sources` task given the whole list).  Two
  scenarios: a *steady state* (the sandbox already holds the list: a run must write nothing) and *all
  changed* (each data source has an outdated description: a run must PATCH each one, and must leave
  all N as declared).  *wall time* is that of the whole `ansible-playbook` process at normal verbosity;
  *CPU time* is the user and system time of all its processes (Ansible's workers and the module
  processes included), which a busy machine disturbs less.  In each repetition every approach runs in
  both scenarios, in turn, on a freshly seeded sandbox, so that drifts of the machine hit them alike;
  the tables give medians, and *vs uri tasks* is the ratio of the median wall times.
* **Where the list module's time goes**: two baselines run in every repetition too: a playbook without
  tasks (`startup.yml`: the fixed cost of `ansible-playbook` itself) and one with a single task of a
  trivial module (`trivial_task.yml`, `ansible.builtin.ping`: what any module task costs, from the
  worker fork to the result).  What a list-module run costs above the second is the list module's own
  work: its imports (`requests` among them), argument checks, planning, requests and result; the
  sandbox's log gives the time from its first to its last request.  The benchmark also times 20
  requests to the sandbox on one kept-alive connection (as a module sends them) and 20 on a new
  connection each (as `uri` tasks do).
* **The list module with N = 300**: a steady state, in the same repetitions; one token request and one
  request per listing page.
* **DWS, a set of one cluster**: one `dsops.cloud.dws_ext_data_sources` task
  (`dws_list_module.yml`) declares {dws_count} OBS data sources of one cluster, all needing a write: agency
  updates (seeded with another agency) and creates, each alone on the machine (the quick run only does
  the updates, with 0.5 s jobs, beside the request floors, to stay short).  Every DWS
  job takes D s in the sandbox.  DWS runs one job per cluster at a time, so the module writes one after
  another, and the sum of the job durations is the least any tool can take.  *the poll schedule's
  floor* adds, for each job, the time at which the module's poll schedule first sees it done (see
  below): what the run would take if requests and process starts cost nothing.
* **DWS job wait latency**: a create whose job takes D seconds in the sandbox; *noticed after the end*
  is the time of the job poll that saw `SUCCESS` minus the time the job finished.  The module polls after
  1 s, then backs off by 1.5 up to 15 s.  Terraform's `huaweicloud_dws_ext_data_source` waits 30 s before
  its first poll, then polls every 30 s: its figures are computed from that schedule, not measured.

"""


MARKDOWN_TAIL = """

## Reading the figures

* Both resource modules make the fewest requests an idempotent module can, except the two DWS writes
  that list once more after their job, so that the task returns the data source as DWS reports it.
* Each Ansible task is a process of its own, which costs most of a second before any request is sent
  (the trivial-module baseline): so one module task per data source costs about as much as one
  hand-written `uri` task per data source, and both grow with N.  The list module is one task whatever
  N is: one token, one listing, then only the writes, in one process.  In a steady state most of its
  time is the fixed cost of `ansible-playbook` and of one module task, so its ratio to the uri playbook
  falls as N grows, and the ratio, not the seconds, is the figure to compare across machines.  With
  every data source changed, its time grows by one request per write (see the sandbox's round trips
  under *Where the list module's time goes*).
* The role's rows measure the role as `roles/` held it at the time of the run; a role that wraps the
  list module costs what the list module costs, plus its own templating.
* With N = 300 the listing takes 1 + ceil(N / 50) requests instead of 2: each extra page costs one
  request's round trip and the parsing of 50 data sources.  Its wall time is the one most disturbed by
  a busy machine (a short run, read against another short run): its best time and its CPU time tell
  more than its median.
* On DWS, a set takes at least the sum of its jobs, since DWS serialises them per cluster.  On top come,
  for each job, the time between its end and the poll that sees it (the poll schedule's floor), and one
  process start.
* The module notices a DWS job within a few seconds of its end with a handful of polls, where a fixed
  30 s schedule notices it up to 30 s late (30 s minus D modulo 30: a job of exactly 30 s is its best case).
"""


def markdown(report):
    machine = '%s, %d CPUs, Python %s, ansible-core %s, load average %.2f at the start and %.2f at the end' % (
        platform.platform(), os.cpu_count() or 0, platform.python_version(), ANSIBLE_VERSION, report['load'][0],
        report['load_end'][0])
    head = (MARKDOWN_HEAD.replace('{machine}', machine).replace('{floor_job}', '%g' % FLOOR_JOB_DURATION)
            .replace('{dws_count}', str(DWS_SET_COUNT)).replace('{minutes}', '%.1f' % (report['elapsed'] / 60.0)))
    return head + render(report) + MARKDOWN_TAIL


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--quick', action='store_true',
                        help='the CI run: N = 5 (and 300), 1 repetition, a 2 s job, DWS set jobs of 0.5 s')
    parser.add_argument('--count', type=int, help='data sources in the Feishu comparison (default 30, quick 5)')
    parser.add_argument('--large-count', type=int, default=300,
                        help='data sources of the list module\'s steady state at scale (default 300)')
    parser.add_argument('--repeats', type=int, help='runs of each approach (default 3, quick 1)')
    parser.add_argument('--dws-job-duration', type=float,
                        help='seconds each DWS job of the set takes (default 2, quick 0.5)')
    parser.add_argument('--without-role', action='store_true', help='leave the role out of the comparison')
    parser.add_argument('--markdown', metavar='PATH', help='also write the report as markdown to PATH')
    options = parser.parse_args(argv)
    if options.count is None:
        options.count = 5 if options.quick else 30
    if options.repeats is None:
        options.repeats = 1 if options.quick else 3
    if options.dws_job_duration is None:
        options.dws_job_duration = 0.5 if options.quick else 2.0
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
