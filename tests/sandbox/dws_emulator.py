"""Emulation of the GaussDB(DWS) ext-data-sources API and its job API.

Writes are asynchronous, as on the real service: each returns a job id, and the
data source only takes its new values when the job succeeds.  Jobs are never
run by a thread; their state is computed from timestamps whenever the emulator
is asked anything ("settled" lazily), so the emulator needs no background work.
"""

import copy
import math
import re
import time
import uuid

from dws_signing import Credential, verify_request
from sandbox_faults import FINAL_JOB_STATUSES
from sandbox_http import json_response

UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
JOB_ID_RE = re.compile(r'^[0-9a-fA-F]{32}$')
NAME_RE = re.compile(r'^[A-Za-z0-9_]{1,64}$')
USER_RE = re.compile(r'^[A-Za-z0-9_]{3,20}$')
DESCRIPTION_FORBIDDEN = "!<>'=&"
DESCRIPTION_MAX = 256

LIST_PATH_RE = re.compile(r'^/v1\.0/(?P<project_id>[^/]+)/clusters/(?P<cluster_id>[^/]+)/ext-data-sources$')
ITEM_PATH_RE = re.compile(r'^/v1\.0/(?P<project_id>[^/]+)/clusters/(?P<cluster_id>[^/]+)/ext-data-sources/(?P<ds_id>[^/]+)$')
JOB_PATH_RE = re.compile(r'^/v1\.0/(?P<project_id>[^/]+)/job/(?P<job_id>[^/]+)$')

# The SDK's enum text: numeric code -> name.  The wire format is unconfirmed, so both are offered.
CONFIGURE_STATUS_CODES = {
    'CREATING': '100', 'ACTIVE': '200', 'FAILED': '300', 'DELETED': '400', 'DELETING': '401',
    'UPDATING': '500', 'PENDING_REBOOT': '600',
}
STATUS_CODES = {
    'CREATING': '100', 'AVAILABLE': '200', 'FAILED': '300', 'CREATE_FAILED': '303', 'DELETING': '304',
    'DELETE_FAILED': '302', 'DELETED': '400', 'FROZEN': '800', 'POLICE_FROZEN': '801', 'STOPPED': '900',
    'STOPPING': '910', 'STARTING': '920',
}
PUBLIC_FIELDS = (
    'id', 'name', 'type', 'connect_info', 'user_name', 'version', 'configure_status', 'status', 'data_source_id',
    'created', 'updated', 'data_source_updated', 'extend_properties', 'description', 'fail_reason',
)
CREATE_KEYS = ('type', 'data_source_name', 'user_name', 'data_source_id', 'user_pwd', 'connect_info', 'description', 'reboot')
RECONFIGURE_KEYS = ('reboot', 'agency')
LIST_TYPES = ('OBS', 'MRS', 'LAKE_FORMATION')
JOB_NAMES = {'create': 'createExtDataSourceJob', 'update': 'updateExtDataSourceJob', 'delete': 'deleteExtDataSourceJob'}
# Fraction of the job duration spent in INIT before it reports RUNNING.
INIT_FRACTION = 0.2
# A seeded LAKE_FORMATION source takes none of these: its create fields are unconfirmed (reference 11.5).
LAKE_FORMATION_REFUSED_FIELDS = ('user_name', 'data_source_id', 'user_pwd')


class DwsError(Exception):
    """An API error: HTTP status, DWS/APIGW error code and message."""

    def __init__(self, status, code, msg, gateway=False):
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg
        self.gateway = gateway


def bad_request(msg, code='DWS.0001'):
    return DwsError(400, code, msg)


def format_time(epoch):
    """Timestamps in the style of the documentation examples (UTC, no zone suffix)."""
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(epoch))


class Job:
    """An asynchronous DWS job whose progress is derived from its start time."""

    def __init__(self, action, project_id, cluster_id, ds_id, begin, duration, fault=None):
        self.job_id = uuid.uuid4().hex
        self.action = action
        self.project_id = project_id
        self.cluster_id = cluster_id
        self.ds_id = ds_id
        self.begin = begin
        # When the INIT -> RUNNING -> outcome timeline starts: later than begin while a job_status fault holds it.
        self.start = begin
        self.held_status = None
        # A job_statuses fault: the statuses reported in turn, each for `step` seconds (None: the usual timeline).
        self.sequence = None
        self.step = 0.0
        self.duration = duration
        self.outcome = 'SUCCESS'
        self.failed_code = ''
        self.failed_detail = ''
        self.changes = {}
        self.reboot = False
        self.settled = False
        # The data source as it was before an update/delete, restored if the job fails.
        self.backup = None
        if fault is not None:
            self._apply_fault(fault)

    def _apply_fault(self, fault):
        if fault.kind == 'job_fail':
            self.outcome = 'FAIL'
            self.failed_code = fault.params['failed_code']
            self.failed_detail = fault.params['failed_detail']
        elif fault.kind == 'job_stop':
            self.outcome = 'STOP'
            self.failed_detail = 'sandbox: the job was stopped'
        elif fault.kind == 'job_status':
            self.held_status = fault.params['status']
            hold = fault.params['hold']
            self.start = self.begin + (math.inf if hold is None else hold)
        elif fault.kind == 'job_statuses':
            self._apply_sequence(fault.params)
        else:
            self.outcome = 'HANG'

    def _apply_sequence(self, params):
        """Report each status for `step` seconds; a last SUCCESS/FAIL/STOP ends the job, any other last one is kept for ever."""
        self.sequence = list(params['statuses'])
        steps = len(self.sequence) - 1
        if params['step'] is not None:
            self.step = float(params['step'])
        else:
            self.step = self.duration / steps if steps else 0.0
        self.duration = self.step * steps  # the job ends when its last status is reached
        last = self.sequence[-1]
        if last not in FINAL_JOB_STATUSES:
            self.outcome = 'HANG'
            return
        self.outcome = last
        if last != 'SUCCESS':
            self.failed_code = params['failed_code']
            self.failed_detail = params['failed_detail'] or 'sandbox: the job ended in %s' % last

    def is_due(self, now):
        """A job reaches its terminal state once its duration has elapsed (never, when hanging)."""
        return self.outcome != 'HANG' and now - self.start >= self.duration

    def is_finished(self, now):
        return self.settled or self.is_due(now)

    def status_at(self, now):
        """(status, progress) at time `now`."""
        if self.is_finished(now):
            return self.outcome, '100%'
        if self.held_status is not None and now < self.start:
            return self.held_status, '0%'
        if self.sequence is not None:
            last = len(self.sequence) - 1
            index = last if self.step <= 0 else min(last, int((now - self.start) / self.step))
            return self.sequence[index], '%d%%' % (index * 100 // len(self.sequence))
        if self.duration <= 0:
            return 'RUNNING', '50%'  # only a hanging job gets here
        elapsed = now - self.start
        if elapsed < self.duration * INIT_FRACTION:
            return 'INIT', '0%'
        return 'RUNNING', '%d%%' % max(1, min(99, int(elapsed * 100 / self.duration)))

    def render(self, now):
        status, progress = self.status_at(now)
        finished = self.is_finished(now)
        return {
            'job_id': self.job_id,
            'job_name': JOB_NAMES[self.action],
            'begin_time': format_time(self.begin),
            'end_time': format_time(self.start + self.duration) if finished else '',
            'status': status,
            'failed_code': self.failed_code if finished else '',
            'failed_detail': self.failed_detail if finished else '',
            'progress': progress,
        }


def _check_str(values, key):
    if key in values and not isinstance(values[key], str):
        raise bad_request('%s must be a string' % key)


def validate_user_name(value, field):
    if not isinstance(value, str) or not USER_RE.match(value):
        raise bad_request('%s must be 3-20 characters: letters, digits and underscores' % field)


def validate_description(value):
    if len(value) > DESCRIPTION_MAX:
        raise bad_request('description must be at most %d characters' % DESCRIPTION_MAX)
    if any(char in DESCRIPTION_FORBIDDEN for char in value):
        raise bad_request("description must not contain any of the characters !<>'=&")


def validate_create_body(body, mrs_clusters):
    """Check an ExtDataSourceReq body; return it without null values (nulls count as absent)."""
    if not isinstance(body, dict):
        raise bad_request('the request body must be a JSON object')
    unknown = sorted(set(body) - set(CREATE_KEYS))
    if unknown:
        raise bad_request('unknown parameter(s): %s' % ', '.join(unknown))
    values = {key: value for key, value in body.items() if value is not None}
    for key in ('type', 'data_source_name', 'user_name', 'data_source_id', 'user_pwd', 'connect_info', 'description'):
        _check_str(values, key)
    ds_type = values.get('type')
    if ds_type == 'LAKE_FORMATION':
        raise bad_request('data source type LAKE_FORMATION is not supported')
    if ds_type not in ('OBS', 'MRS'):
        raise bad_request('type is required and must be OBS or MRS')
    if not NAME_RE.match(values.get('data_source_name', '')):
        raise bad_request('data_source_name is required: 1-64 characters, letters, digits and underscores')
    validate_user_name(values.get('user_name'), 'user_name')
    validate_description(values.get('description', ''))
    if 'reboot' in values and not isinstance(values['reboot'], bool):
        raise bad_request('reboot must be a boolean')
    if ds_type == 'OBS' and not values.get('connect_info'):
        raise bad_request('connect_info is required for an OBS data source')
    if ds_type == 'MRS':
        if not values.get('data_source_id'):
            raise bad_request('data_source_id (the MRS cluster id) is required for an MRS data source')
        if values['data_source_id'] not in mrs_clusters:
            raise bad_request('MRS cluster %s does not exist' % values['data_source_id'])
        if not values.get('user_pwd'):
            raise bad_request('user_pwd is required for an MRS data source')
    return values


def validate_reconfigure_body(body, ds_type):
    """Check a PUT body: exactly {"reconfigure": {reboot?, agency?}}, not empty."""
    if not isinstance(body, dict) or set(body) != {'reconfigure'}:
        raise bad_request('the request body must be {"reconfigure": {...}} and nothing else')
    action = body['reconfigure']
    if not isinstance(action, dict):
        raise bad_request('reconfigure must be a JSON object')
    unknown = sorted(set(action) - set(RECONFIGURE_KEYS))
    if unknown:
        raise bad_request('unknown reconfigure parameter(s): %s' % ', '.join(unknown))
    if not action:
        raise bad_request('reconfigure must contain reboot and/or agency')
    if 'reboot' in action and not isinstance(action['reboot'], bool):
        raise bad_request('reconfigure.reboot must be a boolean')
    if 'agency' in action:
        if ds_type != 'OBS':
            raise bad_request('reconfigure.agency only applies to OBS data sources')
        validate_user_name(action['agency'], 'reconfigure.agency')
    return action


def parse_body(request):
    """Decode a write body: DWS.0006 when empty, DWS.0001 when not JSON."""
    if not request.body.strip():
        raise bad_request('the request body is empty', code='DWS.0006')
    ok, body = request.json_body()
    if not ok:
        raise bad_request('the request body is not valid JSON')
    return body


class DwsEmulator:
    """State and handlers for /v1.0/... (ext-data-sources and jobs)."""

    platform = 'dws'
    # The bodies of the oversized and echo faults (sandbox_faults builds them).
    OVERSIZED_ENVELOPE = ('{"data_sources":[],"count":0,"padding":"', '"}')

    @staticmethod
    def echo_payload(message):
        return {'error_code': 'DWS.0001', 'error_msg': message}

    def __init__(self, config, settings):
        self.settings = settings
        self.load(config, time.time())

    # ----- state -----------------------------------------------------------------------------------------------

    def load(self, config, now):
        """(Re)build all state from the config seed."""
        dws = config.get('dws', {})
        self.projects = {project_id: list(info.get('clusters', [])) for project_id, info in dws.get('projects', {}).items()}
        self.clusters = {}
        for project_id, cluster_ids in self.projects.items():
            for cluster_id in cluster_ids:
                self.clusters[(project_id, cluster_id.lower())] = {'data_sources': {}, 'reboots': 0}
        self.mrs_clusters = {item['id']: item for item in dws.get('mrs_clusters', [])}
        self.credentials = {
            key['access_key']: Credential(key['secret_key'], key.get('security_token')) for key in dws.get('access_keys', [])
        }
        self.iam_tokens = set(dws.get('iam_tokens', []))
        self.jobs = {}
        for item in dws.get('data_sources', []):
            self.seed(item['project_id'], item['cluster_id'], [item], now)

    def seed(self, project_id, cluster_id, items, now):
        """Insert data sources directly, already ACTIVE; all or nothing, ValueError on bad input."""
        cluster = self.clusters.get((project_id, str(cluster_id).lower()))
        if cluster is None:
            raise ValueError('unknown project/cluster %s/%s' % (project_id, cluster_id))
        records = [self._seed_record(item, now) for item in items]
        names = [record['name'] for record in cluster['data_sources'].values()]
        ids = set(cluster['data_sources'])
        for record in records:
            if record['name'] in names or record['id'] in ids:
                raise ValueError('data source %s (%s) already exists in the cluster' % (record['name'], record['id']))
            names.append(record['name'])
            ids.add(record['id'])
        for record in records:
            cluster['data_sources'][record['id']] = record
        return [self.render(record) for record in records]

    def _seed_record(self, item, now):
        if not isinstance(item, dict) or item.get('type') not in LIST_TYPES:
            raise ValueError('each seeded DWS data source needs type OBS, MRS or LAKE_FORMATION')
        if item['type'] == 'LAKE_FORMATION':
            if not NAME_RE.match(str(item.get('name', ''))):
                raise ValueError('each seeded DWS data source needs a valid name')
            given = [key for key in LAKE_FORMATION_REFUSED_FIELDS if item.get(key)]
            if given:
                raise ValueError('a LAKE_FORMATION data source takes no %s (no agency or MRS fields)' % ', '.join(given))
        elif not NAME_RE.match(str(item.get('name', ''))) or not USER_RE.match(str(item.get('user_name', ''))):
            raise ValueError('each seeded DWS data source needs a valid name and user_name')
        record = self._new_record(item['name'], item, now)
        record.update({'configure_status': 'ACTIVE', 'status': 'AVAILABLE'})
        if item.get('id'):
            record['id'] = str(item['id']).lower()
        return record

    def _new_record(self, name, values, now):
        mrs = self.mrs_clusters.get(values.get('data_source_id') or '', {})
        stamp = format_time(now)
        return {
            'id': str(uuid.uuid4()),
            'name': name,
            'type': values['type'],
            'connect_info': values.get('connect_info', ''),
            'user_name': values.get('user_name', '') if values['type'] != 'LAKE_FORMATION' else '',
            'version': mrs.get('version', '') if values['type'] == 'MRS' else '',
            'configure_status': 'CREATING',
            'status': 'CREATING',
            'data_source_id': values.get('data_source_id', '') if values['type'] == 'MRS' else '',
            'created': stamp,
            'updated': stamp,
            'data_source_updated': stamp,
            'extend_properties': {},
            'description': values.get('description', ''),
            'fail_reason': '',
        }

    def render(self, record):
        """Public view of a data source, status fields in the configured wire format."""
        view = {field: copy.deepcopy(record[field]) for field in PUBLIC_FIELDS}
        if self.settings['status_format'] == 'code':
            view['configure_status'] = CONFIGURE_STATUS_CODES.get(view['configure_status'], view['configure_status'])
            view['status'] = STATUS_CODES.get(view['status'], view['status'])
        return view

    def settle(self, now):
        """Apply the outcome of every job whose time has come (called before any read or write)."""
        for job in self.jobs.values():
            if not job.settled and job.is_due(now):
                job.settled = True
                self._apply_job_outcome(job, job.start + job.duration)

    def _apply_job_outcome(self, job, end):
        cluster = self.clusters[(job.project_id, job.cluster_id)]
        record = cluster['data_sources'].get(job.ds_id)
        if record is None:
            return
        if job.outcome == 'SUCCESS':
            self._apply_success(job, cluster, record, end)
        elif job.action == 'create':
            record.update({'configure_status': 'FAILED', 'status': 'CREATE_FAILED', 'fail_reason': job.failed_detail})
        else:
            # A failed update or delete leaves the data source exactly as it was before.
            record.clear()
            record.update(copy.deepcopy(job.backup))

    def _apply_success(self, job, cluster, record, end):
        if job.action == 'delete':
            del cluster['data_sources'][job.ds_id]
            return
        record.update(job.changes)
        record.update({'configure_status': 'ACTIVE', 'status': 'AVAILABLE', 'fail_reason': ''})
        record['updated'] = record['data_source_updated'] = format_time(end)
        if job.reboot:
            cluster['reboots'] += 1

    def busy_job(self, project_id, cluster_id):
        """The unsettled job holding this cluster, if any."""
        for job in self.jobs.values():
            if not job.settled and (job.project_id, job.cluster_id) == (project_id, cluster_id):
                return job
        return None

    def snapshot(self, now):
        self.settle(now)
        projects = {}
        for (project_id, cluster_id), cluster in self.clusters.items():
            projects.setdefault(project_id, {})[cluster_id] = {
                'data_sources': [self.render(record) for record in cluster['data_sources'].values()],
                'reboots': cluster['reboots'],
            }
        jobs = [dict(job.render(now), action=job.action, cluster_id=job.cluster_id, data_source_id=job.ds_id)
                for job in self.jobs.values()]
        return {'projects': projects, 'jobs': jobs}

    # ----- HTTP surface ----------------------------------------------------------------------------------------

    @staticmethod
    def new_trace_id():
        return uuid.uuid4().hex

    @staticmethod
    def route(method, path):
        """Map (method, path) to an op name and path parameters."""
        for pattern, ops in ((LIST_PATH_RE, {'GET': 'dws.list', 'POST': 'dws.create'}),
                             (ITEM_PATH_RE, {'PUT': 'dws.update', 'DELETE': 'dws.delete'}),
                             (JOB_PATH_RE, {'GET': 'dws.job'})):
            match = pattern.match(path)
            if match and method in ops:
                return ops[method], match.groupdict()
        return 'dws.unknown', {}

    def authenticate(self, call):
        """AK/SK signature or IAM token; returns (ok, reason)."""
        request = call.request
        authorization = request.header('Authorization')
        token = request.header('X-Auth-Token')
        if authorization and authorization.strip().startswith('SDK-HMAC-SHA256'):
            result = verify_request(request.method, request.path, request.query_string, request.header_items,
                                    request.body, self.credentials, call.now)
            return result.ok, result.reason
        if token is not None:
            if token.strip() in self.iam_tokens:
                return True, ''
            return False, 'the X-Auth-Token is not a valid IAM token'
        if authorization:
            return False, 'unsupported Authorization scheme (expected SDK-HMAC-SHA256)'
        return False, 'no Authorization or X-Auth-Token header'

    def auth_error(self, call, reason):
        return self.error_response(call, DwsError(401, 'APIGW.0301', 'Incorrect IAM authentication information: ' + reason, gateway=True))

    def not_found_route(self, call):
        msg = 'The API does not exist or has not been published in the environment'
        return self.error_response(call, DwsError(404, 'APIGW.0101', msg, gateway=True))

    def error_response(self, call, error, headers=None):
        body = {'error_code': error.code, 'error_msg': error.msg}
        if error.gateway:
            body['request_id'] = call.trace_id
        return json_response(error.status, body, headers)

    def stamp(self, call, response):
        if not response.has_header('X-Request-Id'):
            response.add_header('X-Request-Id', call.trace_id)
        return response

    def fault_response(self, call, fault):
        """The platform-shaped answer of a short-circuiting fault."""
        params = fault.params
        if fault.kind == 'http_error':
            msg = params['msg'] or 'Internal server error.'
            return self.error_response(call, DwsError(params['status'], params['error_code'] or 'DWS.0005', msg))
        if fault.kind == 'rate_limit':
            headers = [('Retry-After', params['retry_after'])] if params['retry_after'] is not None else []
            error = DwsError(429, 'APIGW.0308', 'The throttling threshold has been reached', gateway=True)
            return self.error_response(call, error, headers)
        if fault.kind == 'cluster_busy':
            return self.error_response(call, DwsError(403, 'DWS.7023', params['msg'] or 'Cluster status is not allowed to operation'))
        msg = params.get('msg') or 'Another operation is in progress on the instance. Try again later.'
        return self.error_response(call, DwsError(409, 'DWS.0011', msg))

    def handle(self, call, claim_job_fault):
        """Serve an authenticated call; DwsError becomes a DWS-shaped error response."""
        self.settle(call.now)
        handler = {
            'dws.list': self._list, 'dws.create': self._create, 'dws.update': self._update,
            'dws.delete': self._delete, 'dws.job': self._job,
        }[call.op]
        try:
            return handler(call, claim_job_fault)
        except DwsError as error:
            return self.error_response(call, error)

    # ----- handlers --------------------------------------------------------------------------------------------

    def _check_project(self, call):
        project_id = call.params['project_id']
        if project_id not in self.projects:
            raise DwsError(404, 'DWS.0015', 'project %s does not exist or is not accessible' % project_id)
        header = call.request.header('X-Project-Id')
        if header is not None and header.strip() != project_id:
            raise bad_request('X-Project-Id %s does not match the project %s in the path' % (header.strip(), project_id))
        return project_id

    def _cluster(self, call):
        project_id = self._check_project(call)
        cluster_id = call.params['cluster_id']
        if not UUID_RE.match(cluster_id):
            raise bad_request('cluster_id must be a UUID')
        cluster = self.clusters.get((project_id, cluster_id.lower()))
        if cluster is None:
            raise DwsError(404, 'DWS.0047', 'The cluster %s does not exist.' % cluster_id)
        return project_id, cluster_id.lower(), cluster

    def _data_source(self, call, cluster):
        ds_id = call.params['ds_id']
        if not UUID_RE.match(ds_id):
            raise bad_request('ext_data_source_id must be a UUID')
        record = cluster['data_sources'].get(ds_id.lower())
        if record is None:
            raise DwsError(404, 'DWS.0015', 'The external data source %s does not exist.' % ds_id)
        return record

    def _check_idle(self, project_id, cluster_id):
        if self.busy_job(project_id, cluster_id) is not None:
            raise DwsError(409, 'DWS.0011', 'Another operation is in progress on the instance. Try again later.')

    def _start_job(self, call, action, project_id, cluster_id, ds_id, claim_job_fault):
        fault = claim_job_fault()
        job = Job(action, project_id, cluster_id, ds_id, call.now, float(self.settings['job_duration']), fault)
        self.jobs[job.job_id] = job
        return job

    def _list(self, call, claim_job_fault):
        project_id, cluster_id, cluster = self._cluster(call)
        wanted = call.request.query.get('type', [None])[0]
        if wanted is not None and wanted not in LIST_TYPES:
            raise bad_request('type must be one of %s' % ', '.join(LIST_TYPES))
        sources = [self.render(record) for record in cluster['data_sources'].values()
                   if wanted is None or record['type'] == wanted]
        return json_response(200, {
            'data_sources': sources, 'project_id': project_id, 'cluster_id': cluster_id,
            'type': wanted or '', 'count': len(sources),
        })

    def _create(self, call, claim_job_fault):
        project_id, cluster_id, cluster = self._cluster(call)
        values = validate_create_body(parse_body(call.request), self.mrs_clusters)
        if any(record['name'] == values['data_source_name'] for record in cluster['data_sources'].values()):
            raise bad_request('The data source name %s already exists.' % values['data_source_name'], code='DWS.5001')
        self._check_idle(project_id, cluster_id)
        record = self._new_record(values['data_source_name'], values, call.now)
        job = self._start_job(call, 'create', project_id, cluster_id, record['id'], claim_job_fault)
        job.reboot = bool(values.get('reboot'))
        cluster['data_sources'][record['id']] = record
        return json_response(200, {'id': record['id'], 'job_id': job.job_id})

    def _update(self, call, claim_job_fault):
        project_id, cluster_id, cluster = self._cluster(call)
        record = self._data_source(call, cluster)
        action = validate_reconfigure_body(parse_body(call.request), record['type'])
        self._check_idle(project_id, cluster_id)
        if record['configure_status'] != 'ACTIVE':
            raise bad_request('the data source is %s and cannot be reconfigured' % record['configure_status'])
        job = self._start_job(call, 'update', project_id, cluster_id, record['id'], claim_job_fault)
        job.reboot = bool(action.get('reboot'))
        if 'agency' in action:
            job.changes = {'user_name': action['agency']}
        job.backup = copy.deepcopy(record)
        record['configure_status'] = 'UPDATING'
        return json_response(200, {'job_id': job.job_id, 'data_source_id': record['id']})

    def _delete(self, call, claim_job_fault):
        project_id, cluster_id, cluster = self._cluster(call)
        record = self._data_source(call, cluster)
        self._check_idle(project_id, cluster_id)
        job = self._start_job(call, 'delete', project_id, cluster_id, record['id'], claim_job_fault)
        job.backup = copy.deepcopy(record)
        record.update({'configure_status': 'DELETING', 'status': 'DELETING'})
        return json_response(200, {'job_id': job.job_id})

    def _job(self, call, claim_job_fault):
        self._check_project(call)
        job_id = call.params['job_id']
        if not JOB_ID_RE.match(job_id):
            raise bad_request('job_id must be 32 hexadecimal characters')
        job = self.jobs.get(job_id.lower())
        if job is None or job.project_id != call.params['project_id']:
            raise DwsError(404, 'DWS.0015', 'The job %s does not exist.' % job_id)
        return json_response(200, job.render(call.now))


# ----- IAM: finding the project id from the region (reference 11.1) ----------------------------------------------

IAM_PROJECTS_PATH = '/v3/projects'
IAM_QUERY_KEYS = ('name',)
DEFAULT_DOMAIN_ID = 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0'


def iam_error(status, title, message):
    """IAM's own (Keystone-style) error body; the gateway's APIGW errors keep the DWS shape."""
    return json_response(status, {'error': {'code': status, 'title': title, 'message': message}})


class IamEmulator:
    """`GET /v3/projects?name=<region>` on the sandbox's own port (the modules' iam_endpoint is the base URL).

    Signed with AK/SK exactly like the DWS API: the DWS emulator's verifier and access keys, the same 401 APIGW.0301
    answers, a temporary key's X-Security-Token signed too.  An X-Auth-Token is refused (the SDK signs this call).
    The projects of a region: settings['iam_projects'][region] (a list of ids) when that region is named there,
    else the DWS projects of the config whose "region" it is.
    """

    platform = 'iam'
    OVERSIZED_ENVELOPE = ('{"projects":[],"links":{},"padding":"', '"}')

    @staticmethod
    def echo_payload(message):
        return {'error_code': 'IAM.0001', 'error_msg': message}

    def __init__(self, config, settings, dws, base_url=lambda: None):
        """dws: the DwsEmulator whose credentials sign these calls; base_url(): the sandbox's URL, for the links."""
        self.settings = settings
        self.dws = dws
        self.base_url = base_url
        self.load(config, time.time())

    def load(self, config, now):
        dws = config.get('dws', {})
        self.domain_id = dws.get('domain_id') or DEFAULT_DOMAIN_ID
        self.config_regions = {}
        for project_id, info in dws.get('projects', {}).items():
            if info.get('region'):
                self.config_regions.setdefault(info['region'], []).append(project_id)

    def projects_by_region(self):
        """region -> the project ids IAM lists for it, in order."""
        table = {region: list(ids) for region, ids in self.config_regions.items()}
        table.update({region: list(ids) for region, ids in self.settings.get('iam_projects', {}).items()})
        return table

    def snapshot(self, now):
        return {'projects': self.projects_by_region(), 'domain_id': self.domain_id}

    @staticmethod
    def new_trace_id():
        return uuid.uuid4().hex

    @staticmethod
    def route(method, path):
        if path == IAM_PROJECTS_PATH and method == 'GET':
            return 'iam.projects', {}
        return 'iam.unknown', {}

    def authenticate(self, call):
        """Only an SDK-HMAC-SHA256 signature, checked by the DWS emulator; an X-Auth-Token alone is refused."""
        request = call.request
        signed = (request.header('Authorization') or '').strip().startswith('SDK-HMAC-SHA256')
        if not signed and request.header('X-Auth-Token') is not None:
            return False, 'the IAM projects call takes an AK/SK signature (SDK-HMAC-SHA256), not an X-Auth-Token'
        return self.dws.authenticate(call)

    def auth_error(self, call, reason):
        return self.dws.auth_error(call, reason)

    def not_found_route(self, call):
        return self.dws.not_found_route(call)

    def stamp(self, call, response):
        if not response.has_header('X-IAM-Trace-Id'):
            response.add_header('X-IAM-Trace-Id', call.trace_id)
        return response

    def fault_response(self, call, fault):
        """http_error and rate_limit (the other short-circuiting kinds are Feishu's or DWS's own)."""
        params = fault.params
        if fault.kind == 'http_error':
            error = DwsError(params['status'], params['error_code'] or 'IAM.0001', params['msg'] or 'Internal server error.')
            return self.dws.error_response(call, error)
        return self.dws.fault_response(call, fault)

    def handle(self, call, claim_job_fault):
        query = call.request.query
        unknown = sorted(set(query) - set(IAM_QUERY_KEYS))
        if unknown:
            return iam_error(400, 'Bad Request', 'sandbox: only ?name= is emulated, not %s' % ', '.join(unknown))
        name = query.get('name', [None])[0]
        table = self.projects_by_region()
        regions = list(table) if name is None else [name]
        base = self.base_url() or ''
        projects = [self._project(base, project_id, region) for region in regions for project_id in table.get(region, [])]
        query_string = call.request.query_string
        links = {'self': base + IAM_PROJECTS_PATH + ('?' + query_string if query_string else ''), 'previous': None, 'next': None}
        return json_response(200, {'projects': projects, 'links': links})

    def _project(self, base, project_id, region):
        return {
            'id': project_id, 'name': region, 'domain_id': self.domain_id, 'enabled': True, 'description': '',
            'parent_id': self.domain_id, 'is_domain': False, 'links': {'self': '%s%s/%s' % (base, IAM_PROJECTS_PATH, project_id)},
        }
