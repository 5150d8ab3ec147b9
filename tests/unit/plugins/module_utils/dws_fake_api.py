# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory DWS ext-data-sources API behind a fake ``requests`` session.

Plugged in at the transport boundary (``HttpTransport(session=FakeDws(...))``), so
the client, the adapter and the reconcile core all run for real.  Every request is
checked with the sandbox's independent signature verifier and logged.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import re
import sys
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX_DIR = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'sandbox'))
if SANDBOX_DIR not in sys.path:
    sys.path.insert(0, SANDBOX_DIR)

from dws_signing import Credential, verify_request  # noqa: E402  pylint: disable=wrong-import-position

__metaclass__ = type

PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
AK = 'UNITTESTAK0000000000'
SK = 'unit-test-secret-key-0000000000000000000'
SECURITY_TOKEN = 'unit-test-security-token-value'
AUTH_TOKEN = 'unit-test-iam-token-value'
MRS_CLUSTER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'

LIST_RE = re.compile(r'^/v1\.0/([^/]+)/clusters/([^/]+)/ext-data-sources$')
ITEM_RE = re.compile(r'^/v1\.0/([^/]+)/clusters/([^/]+)/ext-data-sources/([^/]+)$')
JOB_RE = re.compile(r'^/v1\.0/([^/]+)/job/([^/]+)$')

CODES = {'ACTIVE': '200', 'AVAILABLE': '200', 'CREATING': '100', 'UPDATING': '500', 'DELETING': '401'}


class FakeResponse:
    """What requests returns, as far as the transport reads it (it streams the body)."""

    def iter_content(self, chunk_size=1):
        for start in range(0, len(self.content), chunk_size):
            yield self.content[start:start + chunk_size]

    def close(self):
        pass

    def __init__(self, status, body=None, headers=None, raw=None):
        self.status_code = status
        self.headers = {'Content-Type': 'application/json', 'X-Request-Id': uuid.uuid4().hex}
        self.headers.update(headers or {})
        self.content = raw if raw is not None else (json.dumps(body).encode('utf-8') if body is not None else b'')


class Fault:
    """Answer (or raise) instead of the API, for ``count`` matching requests."""

    def __init__(self, method, path_re, count, status=None, body=None, headers=None, raw=None, exc=None, apply=False,
                 effect=None):
        self.method = method
        self.path_re = re.compile(path_re) if path_re else None
        self.count = count
        self.status, self.body, self.headers, self.raw, self.exc = status, body, headers, raw, exc
        # apply=True: the API acts on the request, then the answer is lost (ambiguous failure)
        self.apply = apply
        # effect(): something else happens on the API as the fault fires (e.g. another actor deletes)
        self.effect = effect

    def matches(self, method, path):
        return (self.method in (None, method)) and (self.path_re is None or bool(self.path_re.search(path)))


class FakeDws:
    """Data sources of one cluster, jobs that finish after a scripted number of polls."""

    def __init__(self, sources=None, job_polls=1, status_format='name', security_token=None, auth_token=None):
        self.sources = {}
        for item in sources or []:
            self.seed(item)
        self.jobs = {}
        self.log = []
        self.faults = []
        self.job_polls = job_polls          # RUNNING answers before the terminal status
        self.job_outcome = 'SUCCESS'        # terminal status of the next jobs
        self.job_failed = ('', '')
        self.job_statuses = None            # a list: the status of each poll of the next jobs, the last repeated
        self.type_reported = True           # False: listed items carry "type": "" (the type filter still works)
        self.status_format = status_format
        self.credentials = {AK: Credential(SK, security_token)}
        self.auth_token = auth_token
        self.settle_on_list = False         # True: each list call also advances every job by one poll
        self.now = None                     # None: the real clock, checked against X-Sdk-Date
        self.projects = [{'id': PROJECT, 'name': 'cn-north-4'}]  # what IAM lists for GET /v3/projects?name=

    # ----- state ---------------------------------------------------------------------------------

    def seed(self, item):
        record = {'id': str(uuid.uuid4()), 'version': '', 'configure_status': 'ACTIVE', 'status': 'AVAILABLE',
                  'data_source_id': '', 'connect_info': '', 'description': '', 'created': '2024-01-01T00:00:00',
                  'updated': '2024-01-01T00:00:00', 'data_source_updated': '2024-01-01T00:00:00',
                  'extend_properties': {}, 'fail_reason': ''}
        record.update(item)
        self.sources[record['id']] = record
        return record

    def by_name(self, name):
        return [s for s in self.sources.values() if s['name'] == name]

    def inject(self, method=None, path=None, count=1, **kwargs):
        self.faults.append(Fault(method, path, count, **kwargs))

    # ----- log helpers ---------------------------------------------------------------------------

    def writes(self):
        return [e for e in self.log if e['method'] in ('POST', 'PUT', 'DELETE')]

    def calls(self, method=None, kind=None):
        out = []
        for e in self.log:
            if method and e['method'] != method:
                continue
            if kind == 'job' and '/job/' not in e['path']:
                continue
            if kind == 'list' and not (e['method'] == 'GET' and e['path'].endswith('ext-data-sources')):
                continue
            out.append(e)
        return out

    # ----- the session interface -----------------------------------------------------------------

    def request(self, method, url, headers=None, data=None, timeout=None, verify=None, allow_redirects=None,
                **kwargs):
        parts = urlsplit(url)
        body = data or b''
        entry = {'method': method, 'url': url, 'path': parts.path, 'query': parts.query,
                 'headers': dict(headers or {}), 'body': json.loads(body.decode('utf-8')) if body else None,
                 'auth_ok': None}
        self.log.append(entry)
        entry['auth_ok'], reason = self._authenticate(method, parts, headers or {}, body)
        for fault in list(self.faults):
            if fault.matches(method, parts.path):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                if fault.apply:
                    self._route(method, parts, body)
                if fault.effect is not None:
                    fault.effect()
                if fault.exc is not None:
                    raise fault.exc
                entry['status'] = fault.status
                return FakeResponse(fault.status, fault.body, fault.headers, fault.raw)
        if not entry['auth_ok']:
            entry['status'] = 401
            return FakeResponse(401, {'error_code': 'APIGW.0301', 'error_msg': 'Incorrect IAM authentication '
                                      'information: ' + reason, 'request_id': 'gw-req-1'})
        response = self._route(method, parts, body)
        entry['status'] = response.status_code
        return response

    def _authenticate(self, method, parts, headers, body):
        if 'X-Auth-Token' in headers:
            return headers['X-Auth-Token'] == self.auth_token, 'bad token'
        result = verify_request(method, parts.path, parts.query, headers, body, self.credentials,
                                self.now if self.now is not None else time.time())
        return result.ok, result.reason

    def _route(self, method, parts, body):
        path = parts.path
        match = LIST_RE.match(path)
        if match and method == 'GET':
            return self._list(parse_qs(parts.query).get('type', [None])[0])
        if match and method == 'POST':
            return self._create(json.loads(body.decode('utf-8')))
        match = ITEM_RE.match(path)
        if match and method in ('PUT', 'DELETE'):
            ds_id = match.group(3)
            if ds_id not in self.sources:
                return FakeResponse(404, {'error_code': 'DWS.0015', 'error_msg': 'not found'})
            if method == 'PUT':
                return self._update(ds_id, json.loads(body.decode('utf-8')))
            return self._start_job('delete', ds_id, {})
        match = JOB_RE.match(path)
        if match and method == 'GET':
            return self._job(match.group(2))
        if path == '/v3/projects' and method == 'GET':
            name = parse_qs(parts.query).get('name', [None])[0]
            found = [dict(p, domain_id='d' * 32, enabled=True) for p in self.projects if p['name'] == name]
            return FakeResponse(200, {'projects': found, 'links': {'self': 'https://iam.example.test/v3/projects'}},
                                headers={'X-IAM-Trace-Id': 'iam-trace-1'})
        return FakeResponse(404, {'error_code': 'APIGW.0101', 'error_msg': 'no such API'})

    def _render(self, record):
        view = dict(record)
        if not self.type_reported:
            view['type'] = ''
        if self.status_format == 'code':
            view['configure_status'] = CODES.get(view['configure_status'], view['configure_status'])
            view['status'] = CODES.get(view['status'], view['status'])
        return view

    def _list(self, ds_type):
        if self.settle_on_list:
            for job_id in list(self.jobs):
                self._job(job_id)
        items = [self._render(s) for s in self.sources.values() if ds_type in (None, s['type'])]
        return FakeResponse(200, {'data_sources': items, 'count': len(items), 'type': ds_type or '',
                                  'project_id': PROJECT, 'cluster_id': CLUSTER})

    def _create(self, body):
        record = self.seed({'name': body['data_source_name'], 'type': body['type'],
                            'user_name': body.get('user_name', ''), 'connect_info': body.get('connect_info', ''),
                            'data_source_id': body.get('data_source_id', ''),
                            'description': body.get('description', ''),
                            'configure_status': 'CREATING', 'status': 'CREATING'})
        response = self._start_job('create', record['id'], {})
        return FakeResponse(200, {'id': record['id'], 'job_id': json.loads(response.content)['job_id']})

    def _update(self, ds_id, body):
        changes = {}
        if 'agency' in body['reconfigure']:
            changes['user_name'] = body['reconfigure']['agency']
        self.sources[ds_id]['configure_status'] = 'UPDATING'
        return self._start_job('update', ds_id, changes)

    def _start_job(self, action, ds_id, changes):
        job_id = uuid.uuid4().hex
        self.jobs[job_id] = {'action': action, 'ds_id': ds_id, 'changes': changes, 'polls': 0,
                             'outcome': self.job_outcome, 'failed': self.job_failed, 'statuses': self.job_statuses}
        if action == 'delete':
            self.sources[ds_id]['configure_status'] = 'DELETING'
        return FakeResponse(200, {'job_id': job_id, 'data_source_id': ds_id})

    def _job(self, job_id):
        job = self.jobs.get(job_id)
        if job is None:
            return FakeResponse(404, {'error_code': 'DWS.0015', 'error_msg': 'no such job'})
        job['polls'] += 1
        if job['statuses']:
            status = job['statuses'][min(job['polls'], len(job['statuses'])) - 1]
        else:
            status = 'RUNNING' if job['polls'] <= self.job_polls else job['outcome']
        if status == 'SUCCESS' and not job.get('applied'):
            job['applied'] = True
            record = self.sources.get(job['ds_id'])
            if job['action'] == 'delete':
                self.sources.pop(job['ds_id'], None)
            elif record is not None:
                record.update(job['changes'])
                record.update(configure_status='ACTIVE', status='AVAILABLE')
        failed = job['failed'] if status not in ('RUNNING', 'SUCCESS') else ('', '')
        return FakeResponse(200, {'job_id': job_id, 'job_name': job['action'] + 'ExtDataSourceJob',
                                  'status': status, 'failed_code': failed[0], 'failed_detail': failed[1],
                                  'progress': '100%' if status in ('SUCCESS', job['outcome']) else '50%',
                                  'begin_time': '2024-01-01T00:00:00', 'end_time': ''})


def transport_error():
    return requests.exceptions.ConnectionError('Connection reset by peer')
