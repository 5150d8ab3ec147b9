# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix: every fault the sandbox can inject, against every module, through real ansible-playbook.

Each cell is one case: a sandbox prepared with data and a fault, then one module task.

* transient: the fault fires fewer times than the retry budget (``retries: 2``; a token is renewed once),
  so the task must succeed, leave the right final state, and make exactly the writes it needs (no
  duplicate: a write the sandbox short-circuited had no effect, every other one counts);
* persistent: the fault fires on every attempt, so the task must fail cleanly: one message naming the
  platform's code or what went wrong, no traceback, no MODULE FAILURE, and no write that took effect;
* DWS job faults (FAIL, STOP, hang, an unknown failing status) are never retried, because the write was
  accepted: the task fails cleanly naming the job, after exactly one write;
* a create (or a reconfigure with reboot) whose answer is lost is never sent again: when the sandbox did carry
  it out (a late answer, a 502 after acting) it is found and adopted; when it did not (the gateway refused it)
  the task fails as "unconfirmed": changed=true, saying it may still land, with no write that took effect.

The list modules meet the faults part-way through a list (see LIST_ROWS): a transient fault is survived with
each write made once; a persistent one (or a DWS job FAIL or STOP) stops the run at the failed write, which names the
item, reports what happened item by item, and never deletes after it.

The cases run as tasks of one generated playbook per module (the modules in parallel, each against its own
sandbox); ``harness.SandboxSteps`` resets and prepares the sandbox before each case and keeps its request
log.  The end of the pytest run prints the matrix (fault x module -> survived / failed cleanly).
"""

from __future__ import absolute_import, division, print_function

import concurrent.futures
import os
import re

import pytest
import yaml

from fixture import make_self_signed_cert, run_sandbox
from harness import PlaybookRunner, SandboxSteps, build_sandbox_env

__metaclass__ = type

# This module is also a pytest plugin, for its end-of-run summary (pytest_terminal_summary below).
pytest_plugins = [__name__]

PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
FEISHU_ID = '7100000000000000001'
DWS_ID = '66666666-7777-8888-9999-000000000001'
RETRIES = 2
PERSISTENT = 20  # more attempts than any retry budget of the matrix
SLOW_DELAY = 3  # seconds the sandbox holds a 'slow' request; the modules get timeout=2

FS = 'feishu_search_data_source'
FI = 'feishu_search_data_source_info'
DR = 'dws_ext_data_source'
DI = 'dws_ext_data_source_info'
FL = 'feishu_search_data_sources'
DL = 'dws_ext_data_sources'
SS = 'feishu_search_schema'
SI = 'feishu_search_schema_info'
MODULES = (FS, FI, DR, DI, FL, DL, SS, SI)
FAULT_COLUMNS = ('429 + reset header', 'HTTP 500', 'HTTP 502', 'HTTP 503', 'Feishu 1270001', 'Feishu 1270003',
                 'DWS.0011', 'DWS.7023', 'malformed body', 'dropped connection', 'slow > timeout', 'token expiry',
                 'job FAIL', 'job STOP', 'job hang', 'answer > timeout', 'acted, then 502', 'PUT+reboot lost',
                 'success, no data', 'poll 404 after write', 'endless pages', 'oversized answer',
                 'job FAILED/CANCELED', 'certificate error')

# (fault column, variant) -> outcome, filled in by the tests, printed at the end
MATRIX = {}


# ----- the cases ------------------------------------------------------------------------------------------

FEISHU_SEED = {'id': FEISHU_ID, 'name': 'Tickets', 'description': 'Helpdesk tickets', 'state': 1}
DWS_SEED = {'project_id': PROJECT, 'cluster_id': CLUSTER, 'id': DWS_ID, 'name': 'obs_src1', 'type': 'OBS',
            'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb'}
DWS_SETTINGS = {'job_duration': 0.5}

# What each operation does, per platform: module arguments, the sandbox's data before, and the write it makes.
FEISHU_OPS = {
    'create': {'args': {'name': 'Tickets', 'description': 'Helpdesk tickets', 'online': True},
               'seed': [], 'write': 'feishu.create'},
    'update': {'args': {'id': FEISHU_ID, 'description': 'All helpdesk tickets', 'online': True},
               'seed': [FEISHU_SEED], 'write': 'feishu.patch'},
    'delete': {'args': {'id': FEISHU_ID, 'state': 'absent'}, 'seed': [FEISHU_SEED], 'write': 'feishu.delete'},
}
DWS_OPS = {
    'create': {'args': {'cluster_id': CLUSTER, 'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS',
                        'connect_info': 'gaussdb'},
               'seed': [], 'write': 'dws.create'},
    'update': {'args': {'cluster_id': CLUSTER, 'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2',
                        'connect_info': 'gaussdb'},
               'seed': [DWS_SEED], 'write': 'dws.update'},
    'delete': {'args': {'cluster_id': CLUSTER, 'name': 'obs_src1', 'type': 'OBS', 'state': 'absent'},
               'seed': [DWS_SEED], 'write': 'dws.delete'},
}


def feishu_fault(kind, op, **params):
    return dict(params, kind=kind, platform='feishu', op=op)


def dws_fault(kind, op, **params):
    return dict(params, kind=kind, platform='dws', op=op)


# fault column -> (operation, fault spec without count, transient count, message parts when persistent)
# The operations vary so that creates, updates and deletes all meet faults.
FEISHU_WRITE_FAULTS = {
    '429 + reset header': ('create', feishu_fault('rate_limit', 'feishu.create', reset=1), 2, ['99991400', 'HTTP 429']),
    'HTTP 500': ('create', feishu_fault('http_error', 'feishu.create', status=500), 2, ['1270001', 'HTTP 500', 'log id']),
    'HTTP 502': ('update', feishu_fault('http_error', 'feishu.patch', status=502), 2, ['HTTP 502', 'log id']),
    'HTTP 503': ('delete', feishu_fault('http_error', 'feishu.delete', status=503), 2, ['HTTP 503', 'log id']),
    'Feishu 1270001': ('update', feishu_fault('feishu_code', 'feishu.patch', code=1270001), 2, ['1270001', 'log id']),
    'Feishu 1270003': ('create', feishu_fault('feishu_code', 'feishu.create', code=1270003), 2, ['1270003', 'log id']),
    'malformed body': ('create', feishu_fault('malformed', 'feishu.create'), 2, ['not Feishu JSON', '502 Bad Gateway']),
    'dropped connection': ('update', feishu_fault('drop', 'feishu.patch'), 2, ['Connection failed']),
    # the sandbox carries the slow create out after 3 s, past the 2 s timeout: it must be adopted, not
    # repeated; when every list is slow the task cannot even look, and fails
    'slow > timeout': ('create', feishu_fault('slow', 'feishu.create', delay=SLOW_DELAY), 1, ['No response within 2s']),
    'token expiry': ('update', feishu_fault('token_expired', 'feishu.patch'), 1, ['99991663']),
}
PERSISTENT_FAULT_OVERRIDES = {
    (SS, 'slow > timeout'): feishu_fault('slow', 'feishu.schema.get', delay=SLOW_DELAY),
    (FS, 'slow > timeout'): feishu_fault('slow', 'feishu.list', delay=SLOW_DELAY),
    (DR, 'slow > timeout'): dws_fault('slow', 'dws.list', delay=SLOW_DELAY),
}
FEISHU_READ_FAULTS = {
    '429 + reset header': (feishu_fault('rate_limit', 'feishu.list', reset=1), 2, ['99991400']),
    'HTTP 500': (feishu_fault('http_error', 'feishu.list', status=500), 2, ['HTTP 500', 'log id']),
    'HTTP 502': (feishu_fault('http_error', 'feishu.list', status=502), 2, ['HTTP 502', 'log id']),
    'HTTP 503': (feishu_fault('http_error', 'feishu.list', status=503), 2, ['HTTP 503', 'log id']),
    'Feishu 1270001': (feishu_fault('feishu_code', 'feishu.list', code=1270001), 2, ['1270001', 'log id']),
    'Feishu 1270003': (feishu_fault('feishu_code', 'feishu.list', code=1270003), 2, ['1270003', 'log id']),
    'malformed body': (feishu_fault('malformed', 'feishu.list'), 2, ['not Feishu JSON']),
    'dropped connection': (feishu_fault('drop', 'feishu.list'), 2, ['Connection failed']),
    'slow > timeout': (feishu_fault('slow', 'feishu.list', delay=SLOW_DELAY), 1, ['No response within 2s']),
    'token expiry': (feishu_fault('token_expired', 'feishu.list'), 1, ['99991663']),
}
DWS_WRITE_FAULTS = {
    '429 + reset header': ('create', dws_fault('rate_limit', 'dws.create', retry_after=1), 2, ['APIGW.0308', 'HTTP 429']),
    'HTTP 500': ('create', dws_fault('http_error', 'dws.create', status=500), 2, ['DWS.0005', 'HTTP 500', 'request id']),
    'HTTP 502': ('update', dws_fault('http_error', 'dws.update', status=502), 2, ['HTTP 502', 'request id']),
    'HTTP 503': ('delete', dws_fault('http_error', 'dws.delete', status=503), 2, ['HTTP 503', 'request id']),
    'DWS.0011': ('update', dws_fault('dws_conflict', 'dws.update'), 2, ['DWS.0011', 'HTTP 409', 'Another operation']),
    # a busy cluster (reference 11.4): refused, so the PUT is sent again (after a re-read), never doubled
    'DWS.7023': ('update', dws_fault('cluster_busy', 'dws.update'), 2, ['DWS.7023', 'HTTP 403', 'busy']),
    'malformed body': ('create', dws_fault('malformed', 'dws.create'), 2, ['not JSON', '502 Bad Gateway']),
    'dropped connection': ('create', dws_fault('drop', 'dws.create'), 2, ['Connection failed']),
    'slow > timeout': ('create', dws_fault('slow', 'dws.create', delay=SLOW_DELAY), 1, ['No response within 2s']),
}
DWS_JOB_FAULTS = {
    'job FAIL': ('create', {'kind': 'job_fail', 'failed_code': 'DWS.5555', 'failed_detail': 'agency lacks OBS rights'},
                 ['ended with status FAIL', 'DWS.5555', 'agency lacks OBS rights'], {}),
    # STOP after the documented running statuses (reference 11.2): a failure at once, with its code and detail
    'job STOP': ('update', {'kind': 'job_statuses', 'statuses': ['INIT', 'WAITING', 'DELAY_SCHEDULED', 'STOP'],
                            'step': 0.2, 'failed_code': 'DWS.9321', 'failed_detail': 'stopped by the operator'},
                 ['ended with status STOP', 'DWS.9321', 'stopped by the operator'], {'wait_timeout': 600}),
    'job hang': ('delete', {'kind': 'job_hang'}, ['did not finish within 2 seconds', 'last status: RUNNING'],
                 {'wait_timeout': 2}),
}
DWS_READ_FAULTS = {
    '429 + reset header': (dws_fault('rate_limit', 'dws.list', retry_after=1), 2, ['APIGW.0308']),
    'HTTP 500': (dws_fault('http_error', 'dws.list', status=500), 2, ['HTTP 500', 'request id']),
    'HTTP 502': (dws_fault('http_error', 'dws.list', status=502), 2, ['HTTP 502', 'request id']),
    'HTTP 503': (dws_fault('http_error', 'dws.list', status=503), 2, ['HTTP 503', 'request id']),
    'DWS.7023': (dws_fault('cluster_busy', 'dws.list'), 2, ['DWS.7023', 'HTTP 403']),
    'malformed body': (dws_fault('malformed', 'dws.list'), 2, ['not JSON']),
    'dropped connection': (dws_fault('drop', 'dws.list'), 2, ['Connection failed']),
    'slow > timeout': (dws_fault('slow', 'dws.list', delay=SLOW_DELAY), 1, ['No response within 2s']),
}


# ----- the schema modules (issue 14) ------------------------------------------------------------------------------
# feishu_search_schema creates (POST), updates (PATCH of a desc) and deletes (after listing the data sources) one
# schema; feishu_search_schema_info reads one by schema_id (a listing of the data sources, then one GET).

SCHEMA_ID = 'ticket_schema'
SCHEMA_PROPERTIES = [{'name': 'title', 'type': 'text', 'is_returnable': True, 'desc': 'Title'}]
SCHEMA_SEED = {'schema_id': SCHEMA_ID, 'properties': SCHEMA_PROPERTIES}
SCHEMA_OPS = {
    'create': {'args': {'schema_id': SCHEMA_ID, 'properties': SCHEMA_PROPERTIES}, 'seed': [],
               'write': 'feishu.schema.create'},
    'update': {'args': {'schema_id': SCHEMA_ID, 'properties': [dict(SCHEMA_PROPERTIES[0], desc='Ticket title')]},
               'seed': [SCHEMA_SEED], 'write': 'feishu.schema.patch'},
    'delete': {'args': {'schema_id': SCHEMA_ID, 'state': 'absent'}, 'seed': [SCHEMA_SEED],
               'write': 'feishu.schema.delete'},
}
SCHEMA_WRITE_FAULTS = {
    '429 + reset header': ('create', feishu_fault('rate_limit', 'feishu.schema.create', reset=1), 2,
                           ['99991400', 'HTTP 429']),
    'HTTP 500': ('create', feishu_fault('http_error', 'feishu.schema.create', status=500), 2,
                 ['1270001', 'HTTP 500', 'log id']),
    'HTTP 502': ('update', feishu_fault('http_error', 'feishu.schema.patch', status=502), 2, ['HTTP 502', 'log id']),
    'HTTP 503': ('delete', feishu_fault('http_error', 'feishu.schema.delete', status=503), 2, ['HTTP 503', 'log id']),
    'Feishu 1270001': ('update', feishu_fault('feishu_code', 'feishu.schema.patch', code=1270001), 2,
                       ['1270001', 'log id']),
    'Feishu 1270003': ('create', feishu_fault('feishu_code', 'feishu.schema.create', code=1270003), 2,
                       ['1270003', 'log id']),
    'malformed body': ('create', feishu_fault('malformed', 'feishu.schema.create'), 2,
                       ['not Feishu JSON', '502 Bad Gateway']),
    'dropped connection': ('update', feishu_fault('drop', 'feishu.schema.patch'), 2, ['Connection failed']),
    'slow > timeout': ('create', feishu_fault('slow', 'feishu.schema.create', delay=SLOW_DELAY), 1,
                       ['No response within 2s']),
    'token expiry': ('update', feishu_fault('token_expired', 'feishu.schema.patch'), 1, ['99991663']),
}
SCHEMA_READ_FAULTS = dict((column, (dict(fault, op='feishu.schema.get'), count, msg))
                          for column, (fault, count, msg) in FEISHU_READ_FAULTS.items())


# Creates the sandbox short-circuits with an answer that leaves it open whether the backend acted: the module
# cannot tell them from a create that did land, so it never repeats them and fails as unconfirmed.
UNCONFIRMED_CREATES = set([(FS, 'HTTP 500'), (FS, 'Feishu 1270003'), (FS, 'malformed body'),
                           (DR, 'HTTP 500'), (DR, 'malformed body'), (DR, 'dropped connection'),
                           (SS, 'HTTP 500'), (SS, 'Feishu 1270003'), (SS, 'malformed body')])
UNCONFIRMED_MSG = ['may have been carried out', 'adopts it']
REBOOT_UPDATE = dict(DWS_OPS['update']['args'], reboot=True)
NO_DATA = '{"code": 0, "msg": "success"}'

# The rows issue 10 added: (module, column, variant, operation, fault spec with count, expectation, message
# parts, extra module arguments).  Expectations: survived, failed cleanly, unconfirmed, written (failed after
# one accepted write, changed=true), job.
EXTRA_ROWS = [
    (FS, 'answer > timeout', 'transient', 'create', feishu_fault('answer_late', 'feishu.create', delay=SLOW_DELAY,
                                                                 count=1), 'survived', [], {'timeout': 2}),
    (DR, 'answer > timeout', 'transient', 'create', dws_fault('answer_late', 'dws.create', delay=SLOW_DELAY,
                                                              count=1), 'survived', [], {'timeout': 2}),
    (FS, 'acted, then 502', 'transient', 'create', feishu_fault('act_then_answer', 'feishu.create', status=502,
                                                                count=1), 'survived', [], {}),
    (DR, 'acted, then 502', 'transient', 'create', dws_fault('act_then_answer', 'dws.create', status=502, count=1),
     'survived', [], {}),
    (FS, 'acted, then 502', 'persistent', 'create', feishu_fault('act_then_answer', 'feishu.create', status=504,
                                                                 act_after=3, count=1), 'survived', [], {}),
    (DR, 'PUT+reboot lost', 'transient', 'update', dws_fault('act_then_answer', 'dws.update', status=502, count=1),
     'survived', [], REBOOT_UPDATE),
    (DR, 'PUT+reboot lost', 'persistent', 'update', dws_fault('http_error', 'dws.update', status=502,
                                                              count=PERSISTENT),
     'unconfirmed', ['may have been carried out', 'never sent twice'], REBOOT_UPDATE),
    (FS, 'success, no data', 'transient', 'create', feishu_fault('act_then_answer', 'feishu.create', status=200,
                                                                 content_type='application/json', body=NO_DATA,
                                                                 count=1), 'survived', [], {}),
    (FS, 'success, no data', 'persistent', 'create', feishu_fault('malformed', 'feishu.create', status=200,
                                                                  content_type='application/json', body=NO_DATA,
                                                                  count=PERSISTENT),
     'unconfirmed', ['without data.data_source', 'adopts it'], {}),
    (DR, 'poll 404 after write', 'persistent', 'create', dws_fault('http_error', 'dws.job', status=404,
                                                                   error_code='DWS.0015', count=PERSISTENT),
     'written', ['DWS.0015', 'HTTP 404'], {}),
    (FS, 'endless pages', 'persistent', 'create', feishu_fault('endless_pages', 'feishu.list', count=10 ** 5),
     'failed cleanly', ['did not end after 1000 pages'], {}),
    (FI, 'endless pages', 'persistent', 'read', feishu_fault('endless_pages', 'feishu.list', count=10 ** 5),
     'failed cleanly', ['did not end after 1000 pages'], {}),
    (FI, 'oversized answer', 'persistent', 'read', feishu_fault('oversized', 'feishu.list', count=PERSISTENT),
     'failed cleanly', ['larger than 16 MB'], {}),
    (DI, 'oversized answer', 'persistent', 'read', dws_fault('oversized', 'dws.list', count=PERSISTENT),
     'failed cleanly', ['larger than 16 MB'], {}),
    (DR, 'job FAILED/CANCELED', 'job', 'create', {'kind': 'job_status', 'status': 'FAILED', 'count': 1},
     'job', ['ended with status FAILED'], {}),
    (DR, 'job FAILED/CANCELED', 'persistent', 'update', {'kind': 'job_status', 'status': 'CANCELED', 'count': 1},
     'job', ['ended with status CANCELED'], {}),
]
# Every module against a sandbox whose certificate it cannot verify: one attempt, no retry.
TLS_MSG = ['certificate verify failed', 'validate_certs']
TLS_ROWS = [(module, 'certificate error', 'persistent', op, None, 'tls', TLS_MSG, {})
            for module, op in ((FS, 'create'), (FI, 'read'), (DR, 'create'), (DI, 'read'), (SS, 'create'),
                               (SI, 'read'))]
READ_ARGS = {FI: {'name': 'Tickets'}, DI: {'cluster_id': CLUSTER, 'type': 'OBS'}, SI: {'schema_id': [SCHEMA_ID]}}
READ_SEEDS = {FI: [FEISHU_SEED], DI: [DWS_SEED], SI: [SCHEMA_SEED]}
SCHEMA_EXTRA_ROWS = [
    (SS, 'answer > timeout', 'transient', 'create', feishu_fault('answer_late', 'feishu.schema.create',
                                                                 delay=SLOW_DELAY, count=1), 'survived', [],
     {'timeout': 2}),
    (SS, 'acted, then 502', 'transient', 'create', feishu_fault('act_then_answer', 'feishu.schema.create',
                                                                status=502, count=1), 'survived', [], {}),
    (SS, 'acted, then 502', 'persistent', 'create', feishu_fault('act_then_answer', 'feishu.schema.create',
                                                                 status=504, act_after=3, count=1), 'survived', [], {}),
    (SS, 'success, no data', 'transient', 'create', feishu_fault('act_then_answer', 'feishu.schema.create', status=200,
                                                                 content_type='application/json',
                                                                 body=NO_DATA, count=1), 'survived', [], {}),
    (SS, 'success, no data', 'persistent', 'create', feishu_fault('malformed', 'feishu.schema.create', status=200,
                                                                  content_type='application/json',
                                                                  body=NO_DATA, count=PERSISTENT),
     'unconfirmed', ['without data.schema', 'adopts it'], {}),
    (SS, 'endless pages', 'persistent', 'delete', feishu_fault('endless_pages', 'feishu.list', count=10 ** 5),
     'failed cleanly', ['did not end after 1000 pages'], {}),
    (SI, 'endless pages', 'persistent', 'read', feishu_fault('endless_pages', 'feishu.list', count=10 ** 5),
     'failed cleanly', ['did not end after 1000 pages'], {}),
    (SI, 'oversized answer', 'persistent', 'read', feishu_fault('oversized', 'feishu.schema.get', count=PERSISTENT),
     'failed cleanly', ['larger than 16 MB'], {}),
]


def extra_cases(rows, lane=None):
    cases = []
    for module, column, variant, op, fault, expect, msg, extra_args in rows:
        feishu = module.startswith('feishu')
        if op == 'read':
            args, seed, write_op = READ_ARGS[module], READ_SEEDS[module], None
        else:
            table = SCHEMA_OPS if module == SS else FEISHU_OPS if feishu else DWS_OPS
            args, seed, write_op = table[op]['args'], table[op]['seed'], table[op]['write']
        args = dict(args, retries=RETRIES, timeout=10)
        args.update(extra_args)
        cases.append({
            'id': case_id(module, column, variant), 'module': module, 'column': column, 'variant': variant,
            'op': op, 'args': args, 'sandbox': snapshot(module, seed, {} if feishu else DWS_SETTINGS),
            'faults': [fault] if fault else [], 'write_op': write_op, 'msg': msg, 'expect': expect,
            'lane': lane or module,
        })
    return cases


def timeout_for(column):
    """Short where the module must give up on a request (slow: the sandbox answers after SLOW_DELAY s)."""
    return 2 if column in ('slow > timeout', 'dropped connection') else 10


def case_id(module, column, variant):
    return '%s-%s-%s' % (module, re.sub(r'[^a-z0-9]+', '_', column.lower()).strip('_'), variant)


def write_cases(module, table, ops, settings):
    cases = []
    for column, (op, fault, transient_count, persistent_msg) in table.items():
        for variant in ('transient', 'persistent'):
            count = transient_count if variant == 'transient' else PERSISTENT
            spec = PERSISTENT_FAULT_OVERRIDES.get((module, column), fault) if variant == 'persistent' else fault
            cases.append({
                'id': case_id(module, column, variant), 'module': module, 'column': column, 'variant': variant,
                'op': op, 'args': dict(ops[op]['args'], retries=RETRIES, timeout=timeout_for(column)),
                'sandbox': snapshot(module, ops[op]['seed'], settings), 'faults': [dict(spec, count=count)],
                'write_op': ops[op]['write'], 'msg': persistent_msg if variant == 'persistent' else [],
            })
            if (module, column) in UNCONFIRMED_CREATES and variant == 'transient':
                cases[-1].update(expect='unconfirmed', msg=UNCONFIRMED_MSG)
    return cases


def read_cases(module, table, args, seed, settings):
    cases = []
    for column, (fault, transient_count, persistent_msg) in table.items():
        for variant in ('transient', 'persistent'):
            count = transient_count if variant == 'transient' else PERSISTENT
            cases.append({
                'id': case_id(module, column, variant), 'module': module, 'column': column, 'variant': variant,
                'op': 'read', 'args': dict(args, retries=RETRIES, timeout=timeout_for(column)),
                'sandbox': snapshot(module, seed, settings), 'faults': [dict(fault, count=count)],
                'write_op': None, 'msg': persistent_msg if variant == 'persistent' else [],
            })
    return cases


def job_cases():
    cases = []
    for column, (op, fault, msg, extra_args) in DWS_JOB_FAULTS.items():
        args = dict(DWS_OPS[op]['args'], retries=RETRIES, timeout=10, **extra_args)
        cases.append({
            'id': case_id(DR, column, 'job'), 'module': DR, 'column': column, 'variant': 'job', 'op': op,
            'args': args, 'sandbox': snapshot(DR, DWS_OPS[op]['seed'], DWS_SETTINGS), 'faults': [dict(fault, count=1)],
            'write_op': DWS_OPS[op]['write'], 'msg': msg,
        })
    return cases


def snapshot(module, seed, settings):
    if module in (SS, SI):
        return {'feishu': [], 'feishu_schemas': list(seed), 'dws': [], 'settings': dict(settings)}
    if module.startswith('feishu'):
        return {'feishu': list(seed), 'dws': [], 'settings': dict(settings)}
    return {'feishu': [], 'dws': list(seed), 'settings': dict(settings)}


# ----- the list modules: a fault part-way through a list ------------------------------------------------------
# One overridden run of three items over three seeded data sources: update A, update B, create C, then delete
# the unlisted Stale, in that order.  The fault hits the second write (B) or the last one (the delete).
# transient: the run survives and makes each write once; persistent (and a DWS job FAIL or STOP): the run stops at the
# failed write, says so naming the item, reports what happened item by item, and never deletes after it.

LIST_FEISHU_IDS = {'A': '7100000000000000011', 'B': '7100000000000000012', 'Stale': '7100000000000000013'}
LIST_DWS_IDS = {'obs_a': '66666666-7777-8888-9999-000000000011', 'obs_b': '66666666-7777-8888-9999-000000000012',
                'obs_stale': '66666666-7777-8888-9999-000000000013'}
LIST_FEISHU_SEED = [{'id': ds_id, 'name': name, 'description': 'old'} for name, ds_id in LIST_FEISHU_IDS.items()]
LIST_DWS_SEED = [dict(DWS_SEED, id=ds_id, name=name) for name, ds_id in LIST_DWS_IDS.items()]
LIST_ARGS = {
    FL: {'state': 'overridden',
         'config': [{'name': 'A', 'description': 'new'}, {'name': 'B', 'description': 'new'},
                    {'name': 'C', 'description': 'new'}]},
    DL: {'state': 'overridden', 'cluster_id': CLUSTER,
         'config': [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
                    {'name': 'obs_b', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
                    {'name': 'obs_c', 'type': 'OBS', 'agency': 'DWSAccessOBS2', 'connect_info': 'gaussdb'}]},
}
# each module's names in list order, its write ops (update, create, delete) and the ids it names
LIST_SHAPES = {
    FL: (['A', 'B', 'C', 'Stale'], ('feishu.patch', 'feishu.create', 'feishu.delete'), LIST_FEISHU_IDS),
    DL: (['obs_a', 'obs_b', 'obs_c', 'obs_stale'], ('dws.update', 'dws.create', 'dws.delete'), LIST_DWS_IDS),
}
ALL_WRITTEN = ['updated', 'updated', 'created', 'deleted']
STOPPED_AT_SECOND = ['updated', 'failed', 'skipped', 'skipped']
STOPPED_AT_DELETE = ['updated', 'updated', 'created', 'failed']
B_PATCH = feishu_fault('rate_limit', 'feishu.patch', path=LIST_FEISHU_IDS['B'], reset=1)
B_PUT = dws_fault('rate_limit', 'dws.update', path=LIST_DWS_IDS['obs_b'], retry_after=1)
B_BUSY = dws_fault('cluster_busy', 'dws.update', path=LIST_DWS_IDS['obs_b'])

# (module, column, variant, fault spec with count, actions of the four entries, message parts, tokens requested)
LIST_ROWS = [
    (FL, '429 + reset header', 'transient', dict(B_PATCH, count=2), ALL_WRITTEN, [], 1),
    (FL, '429 + reset header', 'persistent', dict(B_PATCH, count=PERSISTENT), STOPPED_AT_SECOND,
     ['99991400', 'HTTP 429'], 1),
    (FL, 'HTTP 500', 'transient', feishu_fault('http_error', 'feishu.patch', path=LIST_FEISHU_IDS['B'], status=500,
                                               count=2), ALL_WRITTEN, [], 1),
    (FL, 'HTTP 500', 'persistent', feishu_fault('http_error', 'feishu.patch', path=LIST_FEISHU_IDS['B'], status=500,
                                                count=PERSISTENT), STOPPED_AT_SECOND, ['HTTP 500', 'log id'], 1),
    (FL, 'HTTP 503', 'transient', feishu_fault('http_error', 'feishu.delete', status=503, count=2), ALL_WRITTEN, [],
     1),
    (FL, 'HTTP 503', 'persistent', feishu_fault('http_error', 'feishu.delete', status=503, count=PERSISTENT),
     STOPPED_AT_DELETE, ['HTTP 503'], 1),
    # the tenant token becomes invalid after the first write: the client fetches a new one, once
    (FL, 'token expiry', 'transient', feishu_fault('token_expired', 'feishu.patch', path=LIST_FEISHU_IDS['B'],
                                                   count=1), ALL_WRITTEN, [], 2),
    (FL, 'token expiry', 'persistent', feishu_fault('token_expired', 'feishu.patch', path=LIST_FEISHU_IDS['B'],
                                                    count=PERSISTENT), STOPPED_AT_SECOND, ['99991663'], 2),
    (DL, '429 + reset header', 'transient', dict(B_PUT, count=2), ALL_WRITTEN, [], None),
    (DL, '429 + reset header', 'persistent', dict(B_PUT, count=PERSISTENT), STOPPED_AT_SECOND,
     ['APIGW.0308', 'HTTP 429'], None),
    (DL, 'HTTP 500', 'transient', dws_fault('http_error', 'dws.update', path=LIST_DWS_IDS['obs_b'], status=500,
                                            count=2), ALL_WRITTEN, [], None),
    (DL, 'HTTP 500', 'persistent', dws_fault('http_error', 'dws.update', path=LIST_DWS_IDS['obs_b'], status=500,
                                             count=PERSISTENT), STOPPED_AT_SECOND, ['DWS.0005', 'HTTP 500'], None),
    (DL, 'HTTP 503', 'transient', dws_fault('http_error', 'dws.delete', status=503, count=2), ALL_WRITTEN, [], None),
    (DL, 'HTTP 503', 'persistent', dws_fault('http_error', 'dws.delete', status=503, count=PERSISTENT),
     STOPPED_AT_DELETE, ['HTTP 503'], None),
    (DL, 'DWS.0011', 'transient', dws_fault('dws_conflict', 'dws.update', path=LIST_DWS_IDS['obs_b'], count=2),
     ALL_WRITTEN, [], None),
    (DL, 'DWS.7023', 'transient', dict(B_BUSY, count=2), ALL_WRITTEN, [], None),
    (DL, 'DWS.7023', 'persistent', dict(B_BUSY, count=PERSISTENT), STOPPED_AT_SECOND, ['DWS.7023', 'HTTP 403'], None),
    (DL, 'job FAIL', 'job', {'kind': 'job_fail', 'path': LIST_DWS_IDS['obs_b'], 'failed_code': 'DWS.5555',
                             'failed_detail': 'agency lacks OBS rights', 'count': 1},
     STOPPED_AT_SECOND, ['ended with status FAIL', 'DWS.5555', 'agency lacks OBS rights'], None),
    (DL, 'job STOP', 'job', {'kind': 'job_stop', 'path': LIST_DWS_IDS['obs_b'], 'count': 1},
     STOPPED_AT_SECOND, ['ended with status STOP', 'sandbox: the job was stopped'], None),
]


def list_cases(rows):
    cases = []
    for module, column, variant, fault, actions, msg, tokens in rows:
        feishu = module == FL
        cases.append({
            'id': case_id(module, column, variant), 'module': module, 'column': column, 'variant': variant,
            'op': 'list', 'args': dict(LIST_ARGS[module], retries=RETRIES, timeout=10),
            'sandbox': snapshot(module, LIST_FEISHU_SEED if feishu else LIST_DWS_SEED, {} if feishu else DWS_SETTINGS),
            'faults': [fault], 'write_op': None, 'msg': msg, 'actions': actions, 'tokens': tokens,
            'expect': 'list survived' if actions == ALL_WRITTEN else 'list stopped',
        })
    return cases


CASES = (write_cases(FS, FEISHU_WRITE_FAULTS, FEISHU_OPS, {})
         + read_cases(FI, FEISHU_READ_FAULTS, {'name': 'Tickets'}, [FEISHU_SEED], {})
         + write_cases(DR, DWS_WRITE_FAULTS, DWS_OPS, DWS_SETTINGS) + job_cases()
         + read_cases(DI, DWS_READ_FAULTS, {'cluster_id': CLUSTER, 'type': 'OBS'}, [DWS_SEED], DWS_SETTINGS)
         + extra_cases(EXTRA_ROWS) + extra_cases(TLS_ROWS, lane='tls') + list_cases(LIST_ROWS)
         + write_cases(SS, SCHEMA_WRITE_FAULTS, SCHEMA_OPS, {})
         + read_cases(SI, SCHEMA_READ_FAULTS, READ_ARGS[SI], READ_SEEDS[SI], {}) + extra_cases(SCHEMA_EXTRA_ROWS))
CASES_BY_ID = dict((case['id'], case) for case in CASES)


# ----- running them: one playbook per module, the four in parallel --------------------------------------------

def case_task_name(case):
    return 'case %s' % case['id']


def build_playbook(steps, cases):
    tasks = []
    for index, case in enumerate(cases):
        tasks.append(steps.task(index, 'step %s' % case['id']))
        tasks.append({'name': case_task_name(case), 'dsops.cloud.%s' % case['module']: case['args'],
                      'ignore_errors': True})
    return [{'name': 'Fault matrix: %s' % cases[0]['module'], 'hosts': 'localhost', 'gather_facts': False,
             'tasks': tasks}]


def task_output(output, name):
    """The part of the playbook output that belongs to one task."""
    start = output.find('TASK [%s]' % name)
    if start < 0:
        return ''
    end = output.find('TASK [', start + 1)
    return output[start:end if end > 0 else len(output)]


def run_lane(lane, cases, workdir):
    """Run one lane's cases (a module's, or the TLS ones) against a sandbox of their own; {case id: outcome}."""
    os.makedirs(workdir)
    extra_args = ()
    if lane == 'tls':
        cert, key = make_self_signed_cert(workdir)
        extra_args = ('--tls-cert', cert, '--tls-key', key)
    with run_sandbox(extra_args=extra_args) as client:
        steps = SandboxSteps(client, workdir, cases)
        path = os.path.join(workdir, 'fault_matrix_%s.yml' % lane)
        with open(path, 'w') as handle:
            yaml.safe_dump(build_playbook(steps, cases), handle, allow_unicode=True, sort_keys=False)
        runner = PlaybookRunner(build_sandbox_env(client), workdir)
        run = runner(path, audit=False, record=False)
        saved = steps.finish()
        secrets = [secret for data in saved.values() for secret in data['secrets']]
        runner.audit(run, path, None, extra_secrets=secrets)
    outcomes = {}
    for index, case in enumerate(cases):
        entry = [e for e in run.results if e['task'] == case_task_name(case)]
        outcomes[case['id']] = {
            'rc': run.rc, 'status': entry[-1]['status'] if entry else None,
            'result': entry[-1]['result'] if entry else {}, 'sandbox': saved.get(index),
            'output': task_output(run.output, case_task_name(case)), 'full_output': run.output,
        }
    return outcomes


@pytest.fixture(scope='module')
def fault_matrix(request, tmp_path_factory):
    """Run the selected cases (all of them in a full run) once; the tests then check one case each."""
    selected = set()
    for item in request.session.items:
        callspec = getattr(item, 'callspec', None)
        if item.module is request.module and callspec is not None and 'cell' in callspec.params:
            selected.add(callspec.params['cell'])
    base = str(tmp_path_factory.mktemp('fault-matrix'))
    lanes = []
    for lane in MODULES + ('tls',):
        cases = [case for case in CASES if case.get('lane', case['module']) == lane and case['id'] in selected]
        if cases:
            lanes.append((lane, cases, os.path.join(base, lane)))
    outcomes = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(lanes) or 1) as pool:
        for lane_outcomes in pool.map(lambda lane: run_lane(*lane), lanes):
            outcomes.update(lane_outcomes)
    return outcomes


# ----- checking one case -------------------------------------------------------------------------------------

def effective_writes(outcome, write_op=None):
    """Writes that reached the API: every write the sandbox did not short-circuit with a fault.

    Whatever the API answered counts: a second create refused as a duplicate name is still a duplicate write.
    """
    return [e for e in outcome['sandbox']['requests']
            if e['write'] and e['fault'] in (None, 'slow', 'answer_late', 'act_then_answer')
            and (e['status'] is not None or e['fault'] == 'act_then_answer')
            and (write_op is None or e['op'] == write_op)]


def fault_fired(outcome):
    return [e for e in outcome['sandbox']['requests'] if e['fault']]


def feishu_sources(outcome):
    return outcome['sandbox']['state']['feishu']['data_sources']


def dws_sources(outcome):
    return outcome['sandbox']['state']['dws']['projects'][PROJECT][CLUSTER]['data_sources']


def assert_final_state(case, outcome, changed):
    """The sandbox's data after the case: the operation done (changed) or nothing changed."""
    op = case['op']
    if case['module'] == SS:
        found = outcome['sandbox']['state']['feishu']['schemas']
        creates = [e for e in outcome['sandbox']['requests'] if e['op'] == 'feishu.schema.create'
                   and not e['query'].get('validate_only') and e['status'] == 200]
        assert len(creates) <= 1, creates  # never created twice
        if op == 'create':
            assert found == ([SCHEMA_SEED] if changed else []), found
        elif op == 'update':
            assert [p['desc'] for s in found for p in s['properties']] == ['Ticket title' if changed else 'Title']
        else:
            assert [s['schema_id'] for s in found] == ([] if changed else [SCHEMA_ID])
    elif case['module'] == FS:
        sources = feishu_sources(outcome)
        tickets = [s for s in sources if s['name'] == 'Tickets']
        if op == 'create':
            assert len(tickets) == (1 if changed else 0), sources  # never two
            if changed:
                assert tickets[0]['description'] == 'Helpdesk tickets' and tickets[0]['state'] == 0
        elif op == 'update':
            assert len(tickets) == 1
            wanted = ('All helpdesk tickets', 0) if changed else ('Helpdesk tickets', 1)
            assert (tickets[0]['description'], tickets[0]['state']) == wanted
        else:
            assert [s['id'] for s in sources] == ([] if changed else [FEISHU_ID])
    elif case['module'] == DR:
        sources = dws_sources(outcome)
        if op == 'create':
            created = [s for s in sources if s['name'] == 'obs_new']
            assert len(created) == (1 if changed else 0), sources  # never two
            if changed:
                assert created[0]['configure_status'] == 'ACTIVE' and created[0]['user_name'] == 'DWSAccessOBS'
        elif op == 'update':
            assert [s['user_name'] for s in sources] == ['DWSAccessOBS2' if changed else 'DWSAccessOBS']
        else:
            assert [s['id'] for s in sources] == ([] if changed else [DWS_ID])


def assert_clean_failure(case, outcome):
    result = outcome['result']
    assert outcome['status'] == 'failed', (outcome['status'], result)
    msg = result.get('msg') or ''
    assert msg, result
    for part in case['msg']:
        assert part in msg, (part, msg)
    assert 'MODULE FAILURE' not in msg and 'Traceback' not in msg
    assert result.get('exception') in (None, '(traceback unavailable)'), result.get('exception')
    assert 'Traceback' not in outcome['output'] and 'MODULE FAILURE' not in outcome['output']
    assert len(msg) < 1200, msg  # one readable message, not a dump


def check_transient(case, outcome):
    result = outcome['result']
    assert outcome['status'] == 'ok', (outcome['status'], result.get('msg'))
    assert fault_fired(outcome), 'the fault never fired: the case tests nothing'
    if case['op'] == 'read':
        assert result['changed'] is False
        if case['module'] == SI:
            assert [item['schema_id'] for item in result['schemas']] == [SCHEMA_ID]
            assert effective_writes(outcome) == []
            return
        key = 'data_sources' if case['module'] == FI else 'ext_data_sources'
        expected_id = FEISHU_ID if case['module'] == FI else DWS_ID
        assert [item['id'] for item in result[key]] == [expected_id]
        assert effective_writes(outcome) == []
        return
    assert result['changed'] is True
    assert len(effective_writes(outcome)) == 1, effective_writes(outcome)  # exactly one: no duplicate
    assert_final_state(case, outcome, changed=True)


def check_persistent(case, outcome):
    assert_clean_failure(case, outcome)
    assert fault_fired(outcome)
    assert effective_writes(outcome) == [], effective_writes(outcome)  # no partial write
    assert_final_state(case, outcome, changed=False)


def check_unconfirmed(case, outcome):
    """A lost answer to a write that is never repeated: one attempt, a clean failure that says changed."""
    assert_clean_failure(case, outcome)
    assert outcome['result']['changed'] is True and outcome['result']['written'] == {'outcome': 'unknown'}
    attempts = [e for e in outcome['sandbox']['requests'] if e['op'] == case['write_op']]
    assert len(attempts) == 1, attempts  # never sent twice
    assert effective_writes(outcome) == []
    assert_final_state(case, outcome, changed=False)


def check_written(case, outcome):
    """Failed after one accepted write: changed=true, and the ids of what was written."""
    assert_clean_failure(case, outcome)
    result = outcome['result']
    assert result['changed'] is True and set(result['written']) == {'id', 'job_id'}, result.get('written')
    assert [e['op'] for e in effective_writes(outcome)] == [case['write_op']]


def check_tls(case, outcome):
    """A certificate that cannot be verified: one failed handshake, no retry, no request served."""
    assert_clean_failure(case, outcome)
    assert outcome['sandbox']['state']['tls_failures'] == 1
    assert outcome['sandbox']['requests'] == []


def list_written(case, outcome):
    """The writes that reached the API, as (op, name), in the order the sandbox saw them."""
    names, dummy, ids = LIST_SHAPES[case['module']]
    by_id = dict((ds_id, name) for name, ds_id in ids.items())
    written = []
    for entry in effective_writes(outcome):
        ds_id = entry['path'].rstrip('/').rsplit('/', 1)[-1]
        written.append((entry['op'], by_id.get(ds_id, names[2])))  # a create's path names no id
    return written


def expected_list_writes(case):
    """What each action leaves in the log: one write per item written (and the failed write a job FAIL or STOP ran)."""
    names, (update, create, delete), dummy = LIST_SHAPES[case['module']]
    ops_of = [update, update, create, delete]
    wanted = [(ops_of[n], names[n]) for n, action in enumerate(case['actions']) if action != 'skipped' and
              (action != 'failed' or case['variant'] == 'job')]
    return wanted


def list_final_state(case, outcome):
    """{name: the value the run manages} as the sandbox holds it after the case."""
    if case['module'] == FL:
        return dict((s['name'], s.get('description')) for s in feishu_sources(outcome))
    return dict((s['name'], s['user_name']) for s in dws_sources(outcome))


def assert_list_state(case, outcome):
    names = LIST_SHAPES[case['module']][0]
    old, new = ('old', 'new') if case['module'] == FL else ('DWSAccessOBS', 'DWSAccessOBS2')
    wanted = {}
    for name, action in zip(names, case['actions']):
        if action in ('updated', 'created'):
            wanted[name] = new
        elif action in ('failed', 'skipped') and name != names[2]:
            wanted[name] = old  # a failed DWS job restores the old record; a skipped create leaves nothing
    assert list_final_state(case, outcome) == wanted


def job_end(fault):
    """The status a job fault ends the job with."""
    return {'job_fail': 'FAIL', 'job_stop': 'STOP'}.get(fault['kind']) or fault['statuses'][-1]


def check_list(case, outcome):
    """A list run that met a fault: every item's action, the writes made once each, nothing after a failure."""
    result = outcome['result']
    names = LIST_SHAPES[case['module']][0]
    if case['variant'] == 'job':  # a job fault shows in the job, not in the request log
        jobs = outcome['sandbox']['state']['dws']['jobs']
        assert [job['status'] for job in jobs] == ['SUCCESS', job_end(case['faults'][0])], jobs
        assert result['job']['job_id'] == jobs[1]['job_id'] and jobs[1]['job_id'] in result['msg']
    else:
        assert fault_fired(outcome), 'the fault never fired: the case tests nothing'
    assert [(r['name'], r['action'], r.get('index')) for r in result.get('results', [])] == [
        (name, action, index if index < 3 else None)
        for index, (name, action) in enumerate(zip(names, case['actions']))], result.get('msg')
    assert result['changed'] is True
    assert list_written(case, outcome) == expected_list_writes(case)  # each once, in order, no delete after a failure
    assert_list_state(case, outcome)
    if case['tokens'] is not None:
        tokens = [e for e in outcome['sandbox']['requests'] if e['op'] == 'feishu.token']
        assert len(tokens) == case['tokens'], len(tokens)
    if case['expect'] == 'list survived':
        assert outcome['status'] == 'ok', (outcome['status'], result.get('msg'))
        return
    assert_clean_failure(case, outcome)
    failed = case['actions'].index('failed')
    label = "config[%d] ('%s')" % (failed, names[failed]) if failed < 3 else "the unlisted '%s'" % names[failed]
    assert result['msg'].startswith('%s failed, so the run stopped there: ' % label), result['msg']
    assert result['results'][failed]['error'] in result['msg']
    assert result['written']


def check_job_fault(case, outcome):
    assert_clean_failure(case, outcome)
    job = outcome['result'].get('job') or {}
    jobs = outcome['sandbox']['state']['dws']['jobs']
    assert len(jobs) == 1 and job.get('job_id') == jobs[0]['job_id'] and jobs[0]['job_id'] in outcome['result']['msg']
    # the write was accepted once and never repeated
    assert [e['op'] for e in effective_writes(outcome)] == [case['write_op']]


@pytest.mark.parametrize('cell', [case['id'] for case in CASES])
def test_fault_cell(cell, fault_matrix):
    case = CASES_BY_ID[cell]
    outcome = fault_matrix[cell]
    key = (case['column'], case['module'])
    try:
        assert outcome['sandbox'] is not None, 'the case never ran:\n%s' % outcome['full_output'][-3000:]
        expect = expectation(case)
        CHECKS[expect](case, outcome)
    except AssertionError:
        MATRIX.setdefault(key, {})[case['variant']] = 'BROKEN'
        raise
    MATRIX.setdefault(key, {})[case['variant']] = LABELS[expect]


def expectation(case):
    if 'expect' in case:
        return case['expect']
    return {'transient': 'survived', 'persistent': 'failed cleanly'}.get(case['variant'], 'job')


CHECKS = {'survived': check_transient, 'failed cleanly': check_persistent, 'unconfirmed': check_unconfirmed,
          'written': check_written, 'tls': check_tls, 'job': check_job_fault, 'list survived': check_list,
          'list stopped': check_list}
LABELS = {'survived': 'survived', 'failed cleanly': 'failed cleanly', 'unconfirmed': 'unconfirmed',
          'written': 'failed, changed', 'tls': 'failed at once', 'job': 'failed cleanly', 'list survived': 'survived',
          'list stopped': 'stopped part-way'}


# ----- the summary table -----------------------------------------------------------------------------------------

def describe_cell(variants):
    if not variants:
        return 'n/a'
    labels = []
    for variant in ('transient', 'persistent', 'job'):
        if variant in variants:
            outcome = variants[variant]
            labels.append(outcome if variant == 'job' or outcome == 'BROKEN' else
                          '%s %s' % ('T' if variant == 'transient' else 'P', outcome))
    return ', '.join(labels)


def matrix_lines():
    if not MATRIX:
        return []
    width = max(len(describe_cell(v)) for v in MATRIX.values())
    widths = [max(len(m), width) for m in MODULES]
    lines = ['fault matrix (T = transient, within the retry budget; P = persistent; %d case(s) checked):'
             % sum(len(v) for v in MATRIX.values())]
    lines.append('  %-20s %s' % ('fault', ' '.join(m.ljust(w) for m, w in zip(MODULES, widths))))
    for column in FAULT_COLUMNS:
        cells = [describe_cell(MATRIX.get((column, module))) for module in MODULES]
        if all(cell == 'n/a' for cell in cells) and not any((column, m) in CASES_KEYS for m in MODULES):
            continue
        lines.append('  %-20s %s' % (column, ' '.join(c.ljust(w) for c, w in zip(cells, widths))))
    return lines


CASES_KEYS = set((case['column'], case['module']) for case in CASES)


def pytest_terminal_summary(terminalreporter):
    for line in matrix_lines():
        terminalreporter.write_line(line)
