# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check-mode guarantee: the whole integration suite, replayed with --check, writes nothing.

The harness records every playbook run of the session (playbook, extra vars, environment overrides, and
the sandbox's data before and after).  This test runs last and replays each distinct run with --check
--diff against a sandbox seeded with:

* the data the original run saw (same ids, so updates and deletes by id find their target), and,
* for the multi-task playbooks (lifecycles, roles) that started from an empty sandbox, also a lived-in
  tenant: every data source the suite made or saw, so that creates meet existing objects and the rest of
  the play (updates and deletes by the ids it gets back) runs too.

The sandbox's request log must then show reads and not one write.  To stay affordable the replays share a
few ansible-playbook processes (``import_playbook`` of each recorded playbook, a sandbox step in between),
in two lanes with a sandbox each.
"""

from __future__ import absolute_import, division, print_function

import concurrent.futures
import copy
import json
import os
import re

import pytest
import yaml

import harness
from fixture import run_sandbox
from harness import PlaybookRunner, SandboxSteps, build_sandbox_env

__metaclass__ = type

# This module is also a pytest plugin: it moves its test to the end and prints its figures.
pytest_plugins = [__name__]

REPLAY_STATS = {}
# Keys of a recorded Feishu data source that only record when it was made.
VOLATILE_KEYS = ('create_time', 'update_time')
LANES = 2
MULTI_TASK = {}  # playbook path -> is_multi_task


def pytest_collection_modifyitems(items):
    """Run this module's tests after every other test, so they can replay what the others ran."""
    mine = [item for item in items if getattr(item, 'module', None) is not None and item.module.__name__ == __name__]
    if mine:
        items[:] = [item for item in items if item not in mine] + mine


def pytest_terminal_summary(terminalreporter):
    if REPLAY_STATS:
        terminalreporter.write_line(
            'check-mode replay: %(recorded)d recorded playbook runs -> %(replayed)d distinct replays '
            '(%(lived_in)d of them on a lived-in tenant; %(checked)d check-mode runs checked as recorded, %(silent)d '
            'runs made no request) in '
            '%(processes)d ansible-playbook process(es); '
            '%(tasks)d task results, %(reads)d API reads, %(writes)d writes' % REPLAY_STATS)


# ----- what to replay ---------------------------------------------------------------------------------------

def strip_volatile(snapshot):
    snapshot = copy.deepcopy(snapshot or {'feishu': [], 'dws': [], 'settings': {}})
    for item in snapshot.get('feishu') or []:
        for key in VOLATILE_KEYS:
            item.pop(key, None)
    return snapshot


def snapshot_ids(snapshot):
    return [str(item['id']) for item in (snapshot.get('feishu') or []) + (snapshot.get('dws') or []) if item.get('id')]


def canonical(invocation):
    """A key equal for runs that do the same thing: the seeded ids are renamed in order of appearance."""
    text = json.dumps([invocation['playbook'], invocation['extra_vars'], invocation['env'], invocation['extra_args'],
                       invocation['sandbox']], sort_keys=True)
    for number, ds_id in enumerate(snapshot_ids(invocation['sandbox'])):
        text = text.replace(ds_id, '<id%d>' % number)
    return text


CREATE_PATH_RE = re.compile(r'^/v1\.0/(?P<project_id>[^/]+)/clusters/(?P<cluster_id>[^/]+)/ext-data-sources$')
DWS_CREATE_KEYS = {'data_source_name': 'name', 'type': 'type', 'user_name': 'user_name',
                   'connect_info': 'connect_info', 'data_source_id': 'data_source_id', 'description': 'description'}


def created_objects(invocation):
    """The data sources a run created, from the bodies of its accepted creates (as a snapshot)."""
    feishu, dws = [], []
    for write in invocation.get('writes') or []:
        if write['status'] != 200 or write['fault'] or not isinstance(write['body'], dict):
            continue
        if write['op'] == 'feishu.create':
            feishu.append(dict(write['body']))
        elif write['op'] == 'dws.create':
            match = CREATE_PATH_RE.match(write['path'])
            fields = dict((DWS_CREATE_KEYS[k], v) for k, v in write['body'].items() if k in DWS_CREATE_KEYS)
            dws.append(dict(fields, project_id=match.group('project_id'), cluster_id=match.group('cluster_id')))
    return {'feishu': feishu, 'dws': dws}


def lived_in_tenant(invocations):
    """Every data source the suite's runs saw or made, once per platform and name (the last version seen).

    Objects a play creates and deletes again (a lifecycle) are only seen in its create requests, so those
    count too: with them, a replayed play finds its objects and goes on to update and delete them.
    """
    feishu, dws = {}, {}
    for invocation in invocations:
        for snapshot in (invocation['sandbox'], created_objects(invocation), invocation.get('sandbox_after')):
            snapshot = strip_volatile(snapshot)
            for item in snapshot.get('feishu') or []:
                feishu[item['name']] = item
            for item in snapshot.get('dws') or []:
                dws[(item['cluster_id'], item['name'])] = item
    return {'feishu': list(feishu.values()), 'dws': list(dws.values())}


def with_tenant(snapshot, tenant):
    """``snapshot`` plus the tenant's data sources whose names and ids it does not hold already."""
    merged = copy.deepcopy(snapshot)
    ids = set(snapshot_ids(snapshot))
    feishu_names = set(item['name'] for item in merged['feishu'])
    dws_names = set((item['cluster_id'], item['name']) for item in merged['dws'])
    for item in tenant['feishu']:
        if item['name'] not in feishu_names and str(item.get('id')) not in ids:
            merged['feishu'].append(copy.deepcopy(item))
    for item in tenant['dws']:
        if (item['cluster_id'], item['name']) not in dws_names and str(item.get('id')) not in ids:
            merged['dws'].append(copy.deepcopy(item))
    return merged


def replay_cases(invocations):
    """The distinct replays: each recorded run on its own data, and the fresh-start ones on the lived-in tenant.

    Not replayed on their own data, because the original run already shows the answer: a run that was in
    check mode (its recorded writes are checked instead), and a run that made no request at all (it
    stopped before any: bad options, refused credentials), which in check mode cannot write either.
    """
    tenant = lived_in_tenant(invocations)
    cases, seen = [], set()

    def add(invocation, snapshot, lived_in):
        case = dict(invocation, sandbox=snapshot, lived_in=lived_in)
        key = canonical(case)
        if key not in seen:
            seen.add(key)
            cases.append(case)

    for invocation in invocations:
        if not os.path.exists(invocation['playbook']):
            continue  # a playbook a test generated and removed again
        snapshot = strip_volatile(invocation['sandbox'])
        if not invocation['check'] and invocation.get('requests', 1):
            add(invocation, snapshot, False)
        if not snapshot['feishu'] and not snapshot['dws'] and is_multi_task(invocation['playbook']):
            add(invocation, with_tenant(snapshot, tenant), True)
    return cases


def is_multi_task(path, cache=None):
    """A playbook with more than one task or with roles: later tasks act on what the first ones return."""
    cache = MULTI_TASK if cache is None else cache
    if path not in cache:
        try:
            with open(path) as handle:
                plays = yaml.safe_load(handle) or []
        except (IOError, OSError, yaml.YAMLError):
            plays = []
        plays = [play for play in plays if isinstance(play, dict)]
        cache[path] = any(play.get('roles') for play in plays) or sum(
            len(play.get('tasks') or []) + len(play.get('pre_tasks') or []) for play in plays) > 1
    return cache[path]


def writes_of_check_mode_runs(invocations):
    """Writes the suite's own check-mode runs made (they are not replayed on their own data)."""
    return [(i['playbook'], w['method'], w['path']) for i in invocations if i['check'] for w in i.get('writes') or []]


# ----- running them ---------------------------------------------------------------------------------------------

def group_key(case):
    """Runs that can share one process: same environment overrides and command-line arguments."""
    return json.dumps([case['env'], case['extra_args']], sort_keys=True)


def wrapper_playbook(steps, cases, first):
    plays = []
    for index in range(first, len(cases)):
        case = cases[index]
        plays.append({'name': 'replay step %d' % index, 'hosts': 'localhost', 'gather_facts': False,
                      'tasks': [steps.task(index, 'replay step %d' % index)]})
        entry = {'ansible.builtin.import_playbook': case['playbook']}
        if case['extra_vars']:
            entry['vars'] = case['extra_vars']
        plays.append(entry)
    return plays


def run_group(client, runner, workdir, cases):
    """Replay ``cases`` in as few processes as possible; a play that stops (a task failed) resumes after it."""
    steps = SandboxSteps(client, workdir, cases)
    first, processes, results, secrets = 0, 0, [], []
    while first < len(cases):
        path = os.path.join(workdir, 'replay-from-%d.yml' % first)
        with open(path, 'w') as handle:
            yaml.safe_dump(wrapper_playbook(steps, cases, first), handle, allow_unicode=True, sort_keys=False)
        env = cases[first]['env']
        run = runner(path, check=True, diff=True, env=env, extra_args=cases[first]['extra_args'], audit=False,
                     record=False)
        processes += 1
        reached = steps.reached()
        if reached < first:
            raise AssertionError('the replay did not start (rc %s):\n%s' % (run.rc, run.output[-4000:]))
        results += run.results
        saved = steps.finish()
        secrets += [secret for data in saved.values() for secret in data['secrets']]
        runner.audit(run, path, env, extra_secrets=secrets)
        first = reached + 1
    saved = steps.finish()
    return {'processes': processes, 'results': results, 'saved': saved, 'cases': cases}


def run_lane(client, workdir, groups):
    os.makedirs(workdir)
    runner = PlaybookRunner(build_sandbox_env(client), workdir)
    outcomes = []
    for number, cases in enumerate(groups):
        group_dir = os.path.join(workdir, 'group-%d' % number)
        os.makedirs(group_dir)
        outcomes.append(run_group(client, runner, group_dir, cases))
    return outcomes


def split_lanes(cases, lanes, big=16):
    """Groups of cases that can share a process, spread over ``lanes`` with about as many cases each.

    Within a group the runs that failed originally come last: a failing task ends the process, and the
    replay has to start a new one for the cases after it.
    """
    groups = {}
    for case in cases:
        groups.setdefault(group_key(case), []).append(case)
    pieces = []
    for group in groups.values():
        group.sort(key=lambda case: case.get('rc', 0) != 0)
        if len(group) < big:
            pieces.append(group)
        else:  # a big group is cut in one piece per lane, each with its share of the failing runs
            pieces += [group[start::lanes] for start in range(lanes)]
    plan = [[] for dummy in range(lanes)]
    for piece in sorted(pieces, key=len, reverse=True):  # biggest first, to the lane with the fewest cases
        min(plan, key=lambda lane: sum(len(p) for p in lane)).append(piece)
    return [lane for lane in plan if lane]


def uses_playbooks(item):
    return 'run_playbook' in getattr(item, 'fixturenames', ())


# ----- the test -----------------------------------------------------------------------------------------------------

def test_the_whole_suite_replayed_in_check_mode_writes_nothing(request, sandbox_server, tmp_path):
    invocations = list(harness.INVOCATIONS)
    others = [item for item in request.session.items if item.module is not request.module and uses_playbooks(item)]
    if not invocations:
        if others:
            pytest.fail('%d playbook tests ran but the harness recorded no playbook run' % len(others))
        pytest.skip('nothing to replay: run this test together with the rest of the integration suite')

    assert writes_of_check_mode_runs(invocations) == []
    cases = replay_cases(invocations)
    lanes = split_lanes(cases, LANES)
    with run_sandbox() as second:
        clients = [sandbox_server, second]
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(lanes)) as pool:
            futures = [pool.submit(run_lane, clients[number], str(tmp_path / ('lane-%d' % number)), groups)
                       for number, groups in enumerate(lanes)]
            outcomes = [group for future in futures for group in future.result()]

    requests = [entry for outcome in outcomes for data in outcome['saved'].values() for entry in data['requests']]
    writes = [(os.path.basename(outcome['cases'][index]['playbook']), outcome['cases'][index]['extra_vars'],
               'lived-in' if outcome['cases'][index]['lived_in'] else 'as recorded', entry['method'], entry['path'])
              for outcome in outcomes for index, data in outcome['saved'].items()
              for entry in data['requests'] if entry['write']]
    reads = [entry for entry in requests if entry['op'] and not entry['write']]
    tasks = [result for outcome in outcomes for result in outcome['results']
             if not re.match(r'^replay step \d+$', result['task'])]
    replayed = sum(len(outcome['saved']) for outcome in outcomes)
    REPLAY_STATS.update(recorded=len(invocations), replayed=len(cases), lived_in=sum(c['lived_in'] for c in cases),
                        checked=sum(1 for i in invocations if i['check']),
                        silent=sum(1 for i in invocations if not i['check'] and not i.get('requests', 1)),
                        processes=sum(o['processes'] for o in outcomes), tasks=len(tasks), reads=len(reads),
                        writes=len(writes))

    assert replayed == len(cases), 'only %d of %d replays were prepared' % (replayed, len(cases))
    assert reads, 'the replay made no API call: it proves nothing'
    assert writes == []
    # check mode reached the modules: module results carry the arguments they ran with
    assert [t for t in tasks if 'module_args' in (t['result'].get('invocation') or {})], 'no module ran in the replay'
