"""The sandbox application: dispatch to the emulators, faults, request log, control API.

The HTTP server hands every request to SandboxApp.handle() and writes back the
Response.  All state lives behind one lock; the "slow" and "answer_late" faults
sleep outside it, and a deferred act_then_answer action takes it when its time comes.
"""

import copy
import itertools
import json
import os
import threading
import time

from dws_emulator import DwsEmulator, IamEmulator
from feishu_emulator import SCHEMA_DELETE_WHEN_BOUND, FeishuEmulator, is_validate_only
from sandbox_faults import SHORT_CIRCUIT_KINDS, FaultRegistry, FaultSpecError, echo_response, oversized_response
from sandbox_http import Response, json_response, text_response

DEFAULT_CONFIG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'default_config.json')
CONTROL_PREFIX = '/_sandbox/'
PLATFORM_PREFIXES = (('/v1.0/', 'dws'), ('/open-apis/', 'feishu'), ('/v3/', 'iam'))
WRITE_OPS = ('dws.create', 'dws.update', 'dws.delete', 'feishu.create', 'feishu.patch', 'feishu.delete',
             'feishu.schema.create', 'feishu.schema.patch', 'feishu.schema.delete')
REDACTED = '<redacted>'
REDACTED_HEADERS = ('authorization', 'x-auth-token', 'x-security-token')
REDACTED_BODY_KEYS = ('app_secret', 'user_pwd')
MAX_LOG_ENTRIES = 10000
DEFAULT_SETTINGS = {'job_duration': 1.0, 'token_lifetime': 7200, 'max_page_size': 50, 'status_format': 'name', 'iam_projects': {},
                    'schema_delete_when_bound': 'allow'}
MAX_IAM_PROJECTS = 100


def load_config(path=None):
    """Read a JSON config (the built-in default when path is None)."""
    with open(path or DEFAULT_CONFIG_PATH, encoding='utf-8') as handle:
        config = json.load(handle)
    if not isinstance(config, dict):
        raise ValueError('the sandbox config must be a JSON object')
    return config


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_iam_projects(value):
    """{region: [project id, ...]}: what IAM answers for the regions named (the config's projects for the others)."""
    return isinstance(value, dict) and all(
        isinstance(region, str) and region and isinstance(ids, list) and len(ids) <= MAX_IAM_PROJECTS
        and all(isinstance(project_id, str) and project_id for project_id in ids)
        for region, ids in value.items())


def validate_settings(values):
    """Check a partial settings dict; return it (iam_projects copied) or raise ValueError."""
    if not isinstance(values, dict):
        raise ValueError('settings must be a JSON object')
    unknown = sorted(set(values) - set(DEFAULT_SETTINGS))
    if unknown:
        raise ValueError('unknown setting(s): %s' % ', '.join(unknown))
    checks = {
        'job_duration': lambda value: _is_number(value) and 0 <= value <= 86400,
        'token_lifetime': lambda value: _is_number(value) and value >= 1,
        'max_page_size': lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= 1,
        'status_format': lambda value: value in ('name', 'code'),
        'iam_projects': _is_iam_projects,
        'schema_delete_when_bound': lambda value: value in SCHEMA_DELETE_WHEN_BOUND,
    }
    for key, value in values.items():
        if not checks[key](value):
            raise ValueError('invalid value for %s: %r' % (key, value))
    if 'iam_projects' in values:
        values['iam_projects'] = copy.deepcopy(values['iam_projects'])
    return values


def redact_body(value):
    """Copy of a JSON value with secrets replaced, at any depth."""
    if isinstance(value, dict):
        return {key: REDACTED if key in REDACTED_BODY_KEYS else redact_body(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_body(item) for item in value]
    return value


def logged_body(request):
    if not request.body:
        return None
    ok, parsed = request.json_body()
    if ok:
        return redact_body(parsed)
    return request.body.decode('utf-8', 'replace')


def logged_headers(request):
    headers = {}
    for name, value in request.header_items:
        headers.setdefault(name, REDACTED if name.lower() in REDACTED_HEADERS else value)
    return headers


def secrets_in_request(request):
    """The secret values a request carried (credentials, signatures, passwords), for leak audits."""
    found = set()
    for name, value in request.header_items:
        if name.lower() in REDACTED_HEADERS and value:
            found.add(value)
            # the signature or token alone is as secret as the whole header (the access key is not)
            found.update(part.split('=', 1)[1] for part in value.replace(',', ' ').split() if part.startswith('Signature='))
            if value.startswith('Bearer '):
                found.add(value[len('Bearer '):])
    ok, parsed = request.json_body() if request.body else (False, None)
    if ok and isinstance(parsed, dict):
        found.update(str(parsed[key]) for key in REDACTED_BODY_KEYS if parsed.get(key))
    return found


def secrets_in_response(response):
    """Tokens the sandbox minted (the token call's response)."""
    if b'tenant_access_token' not in response.body:
        return set()  # a cheap scan first: an oversized fault's body is up to 256 MiB of JSON
    try:
        parsed = json.loads(response.body.decode('utf-8')) if response.body else None
    except ValueError:
        return set()
    if isinstance(parsed, dict) and parsed.get('tenant_access_token'):
        return {parsed['tenant_access_token']}
    return set()


def is_write(call):
    """Does this call change (or try to change) the state?  A schema create with ?validate_only=true is a dry run."""
    if call.op not in WRITE_OPS:
        return False
    return not (call.op == 'feishu.schema.create' and is_validate_only(call.request.query))


def platform_of(path):
    for prefix, platform in PLATFORM_PREFIXES:
        if path.startswith(prefix):
            return platform
    return None


def page_answer(params):
    """The non-API answer (status, body, content_type) of a malformed or act_then_answer fault."""
    return text_response(params['status'], params['body'], params['content_type'])


def fault_answer(emulator, call, fault):
    """The answer of a short-circuiting fault (the emulator gives the platform-shaped ones)."""
    params = fault.params
    if fault.kind == 'drop':
        return Response(0, drop=True)
    if fault.kind == 'malformed':
        return page_answer(params)
    if fault.kind == 'oversized':
        return oversized_response(emulator.OVERSIZED_ENVELOPE, params['size'])
    if fault.kind == 'echo':
        return echo_response(call.request, params, emulator.echo_payload)
    return emulator.fault_response(call, fault)


class Call:
    """What an emulator needs to answer one request."""

    def __init__(self, request, platform, op, params, now, trace_id):
        self.request = request
        self.platform = platform
        self.op = op
        self.params = params
        self.now = now
        self.trace_id = trace_id

    def at(self, now):
        """The same call served at another time (a deferred act_then_answer action)."""
        return Call(self.request, self.platform, self.op, self.params, now, self.trace_id)


class SandboxApp:
    """Both emulators behind one dispatcher, with faults and a request log."""

    def __init__(self, config, settings=None, test_mode=False, clock=time.time):
        self.config = config
        self.test_mode = test_mode
        self.clock = clock
        self.base_url = None
        self.initial_settings = dict(DEFAULT_SETTINGS)
        self.initial_settings.update(validate_settings(dict(config.get('settings', {}))))
        self.initial_settings.update(validate_settings(dict(settings or {})))
        self.settings = dict(self.initial_settings)
        self.lock = threading.RLock()
        self.idle = threading.Condition(self.lock)
        # API requests received and not yet answered (a slow fault holds one for seconds), plus the deferred
        # act_then_answer actions not yet applied: a test waits for both before it reads the state.
        self.in_flight = 0
        self.deferred = {}  # id -> threading.Timer of a deferred act_then_answer action
        self.deferred_ids = itertools.count(1)
        self.faults = FaultRegistry()
        self.log = []
        self.log_seq = 0
        self.seen_secrets = set()
        self.tls_failures = 0  # handshakes that failed: a client refusing the certificate
        self.emulators = {'dws': DwsEmulator(config, self.settings), 'feishu': FeishuEmulator(config, self.settings)}
        self.emulators['iam'] = IamEmulator(config, self.settings, self.emulators['dws'], lambda: self.base_url)

    # ----- API traffic -----------------------------------------------------------------------------------------

    def handle(self, request):
        """Answer one HTTP request (a Response with drop=True means: close without answering)."""
        if request.path == CONTROL_PREFIX.rstrip('/') or request.path.startswith(CONTROL_PREFIX):
            if not self.test_mode:
                return text_response(404, 'not found')
            if request.method == 'GET' and request.path.rstrip('/') == CONTROL_PREFIX + 'idle':
                return self._wait_idle(request)  # waits without holding the lock
            with self.lock:
                return self._control(request)
        with self.lock:
            self.in_flight += 1
        try:
            return self._handle_api(request)
        finally:
            with self.lock:
                self._done_in_flight(1)

    def _wait_idle(self, request):
        """Answer once no API request is in flight, or after ?timeout= seconds (default 10).

        A client that gave up on a slow request leaves it running here; a test that reads the log or
        resets the sandbox before it ends would miss its entry or see it land in the next case.  A deferred
        act_then_answer action counts too: it changes the state after its answer was sent.
        """
        try:
            timeout = float(request.query.get('timeout', ['10'])[0])
        except ValueError:
            return json_response(400, {'error': 'timeout must be a number of seconds'})
        deadline = time.monotonic() + max(0.0, min(timeout, 120.0))
        with self.idle:
            while self.in_flight and time.monotonic() < deadline:
                self.idle.wait(deadline - time.monotonic())
            return json_response(200, {'idle': self.in_flight == 0, 'in_flight': self.in_flight})

    def _handle_api(self, request):
        platform = platform_of(request.path)
        emulator = self.emulators.get(platform)
        op, params = emulator.route(request.method, request.path) if emulator else (None, {})
        fault = None
        if emulator is not None:
            with self.lock:
                fault = self.faults.claim_request_fault(platform, request.method, request.path, op)
        self._pause(fault, 'slow')
        with self.lock:
            call = Call(request, platform, op, params, self.clock(), emulator.new_trace_id() if emulator else None)
            response, auth_ok = self._respond(emulator, call, fault)
            # Logged now, though answer_late still holds the answer: the log's order is the order requests were acted on
            # (a deferred act_then_answer, whose answer goes first, is logged with it).
            self._record(call, response, fault, auth_ok)
        self._pause(fault, 'answer_late')
        return response

    @staticmethod
    def _pause(fault, kind):
        """Sleep for a fault of `kind` (slow: before acting; answer_late: after acting, before answering).

        Called without the lock, so other requests keep flowing meanwhile.
        """
        if fault is not None and fault.kind == kind:
            time.sleep(fault.params['delay'])

    def _respond(self, emulator, call, fault):
        if emulator is None:
            return text_response(404, 'not found'), False
        if fault is not None and fault.kind == 'act_then_answer':
            response, auth_ok = self._act_then_answer(emulator, call, fault)
        else:
            response, auth_ok = self._emulate(emulator, call, fault)
        if not response.drop:
            emulator.stamp(call, response)
        return response, auth_ok

    def _emulate(self, emulator, call, fault):
        """Authenticate and serve the call, as the emulator and the fault say: (response, auth_ok)."""
        if fault is not None and fault.kind == 'token_expired':
            emulator.expire_all_tokens(call.now)
        auth_ok, reason = emulator.authenticate(call)
        response = self._short_circuit(emulator, call, fault, auth_ok, reason)
        if response is None:
            response = self._serve(emulator, call, fault)
        return response, auth_ok

    def _serve(self, emulator, call, fault):
        """The emulator's answer, once no short-circuit applies (an endless_pages fault answers here: auth still counts)."""
        if fault is not None and fault.kind == 'endless_pages':
            return emulator.first_page(call, self.faults.mint_endless_token(fault))
        if call.op == 'feishu.list' and self.faults.is_endless_token(call.request.query.get('page_token', [''])[0]):
            return emulator.first_page(call)  # a spent endless_pages fault's token: the walk starts again
        request = call.request
        return emulator.handle(call, lambda: self.faults.claim_job_fault(request.method, request.path, call.op))

    def _act_then_answer(self, emulator, call, fault):
        """Perform the request (now, or act_after seconds later) but answer with the fault's page at once.

        auth_ok is the authentication as of the answer, for the log.
        """
        act_after = fault.params['act_after']
        if not act_after:
            return page_answer(fault.params), self._emulate(emulator, call, None)[1]
        self._defer(act_after, lambda: self._emulate(emulator, call.at(self.clock()), None))
        return page_answer(fault.params), emulator.authenticate(call)[0]

    def _defer(self, delay, action):
        """Run action() under the lock `delay` seconds from now; in flight until then, cancelled by a reset."""
        key = next(self.deferred_ids)
        timer = threading.Timer(delay, self._run_deferred, (key, action))
        timer.daemon = True  # a pending action must not keep a stopping server alive
        self.deferred[key] = timer
        self.in_flight += 1
        timer.start()

    def _run_deferred(self, key, action):
        with self.lock:
            if self.deferred.pop(key, None) is None:
                return  # a reset cancelled it while this timer waited for the lock
            try:
                action()
            finally:
                self._done_in_flight(1)

    def _cancel_deferred(self):
        for timer in self.deferred.values():
            timer.cancel()
        count = len(self.deferred)
        self.deferred = {}
        self._done_in_flight(count)

    def _done_in_flight(self, count):
        """Called under the lock when `count` requests or deferred actions are finished."""
        self.in_flight -= count
        self.idle.notify_all()

    @staticmethod
    def _short_circuit(emulator, call, fault, auth_ok, reason):
        """A response that pre-empts the emulator's handler (fault, unknown route, failed auth), or None."""
        if fault is not None and fault.kind in SHORT_CIRCUIT_KINDS:
            return fault_answer(emulator, call, fault)
        if call.op.endswith('.unknown'):
            return emulator.not_found_route(call)
        if not auth_ok:
            # None for the Feishu token call, whose handler reports bad app credentials itself.
            return emulator.auth_error(call, reason)
        return None

    def _record(self, call, response, fault, auth_ok):
        request = call.request
        self.log_seq += 1
        self.log.append({
            'seq': self.log_seq, 'time': call.now, 'platform': call.platform, 'op': call.op,
            'write': is_write(call), 'method': request.method, 'path': request.path, 'query': request.query,
            'headers': logged_headers(request), 'body': logged_body(request),
            'status': None if response.drop else response.status,
            'fault': fault.kind if fault is not None else None, 'auth_ok': bool(auth_ok),
        })
        del self.log[:-MAX_LOG_ENTRIES]
        self.seen_secrets.update(secrets_in_request(request))
        if not response.drop:
            self.seen_secrets.update(secrets_in_response(response))

    # ----- control API -----------------------------------------------------------------------------------------

    def _control(self, request):
        name = request.path[len(CONTROL_PREFIX):].strip('/')
        handler = getattr(self, '_control_%s_%s' % (request.method.lower(), name), None)
        if handler is None:
            return json_response(404, {'error': 'unknown control endpoint %s %s' % (request.method, request.path)})
        ok, body = request.json_body() if request.body else (True, {})
        if not ok:
            return json_response(400, {'error': 'the body must be JSON'})
        try:
            return json_response(200, handler(request, body))
        except (ValueError, FaultSpecError) as error:
            return json_response(400, {'error': str(error)})

    def _control_get_requests(self, request, body):
        query = request.query
        entries = self.log
        if 'platform' in query:
            entries = [entry for entry in entries if entry['platform'] == query['platform'][0]]
        if 'op' in query:
            entries = [entry for entry in entries if entry['op'] == query['op'][0]]
        if 'write' in query:
            wanted = query['write'][0].lower() in ('1', 'true', 'yes')
            entries = [entry for entry in entries if entry['write'] == wanted]
        return copy.deepcopy(entries)

    def _control_delete_requests(self, request, body):
        self.log = []
        return {'cleared': True}

    def _control_get_secrets(self, request, body):
        """Every secret value seen since the last reset (never logged; for leak audits in tests)."""
        return sorted(value for value in self.seen_secrets if len(value) >= 8)

    def _control_get_faults(self, request, body):
        return self.faults.snapshot()

    def _control_post_faults(self, request, body):
        return self.faults.add(body).describe()

    def _control_delete_faults(self, request, body):
        self.faults.clear()
        return self.faults.snapshot()

    def _control_post_reset(self, request, body):
        self.reset()
        return {'reset': True}

    def _control_get_settings(self, request, body):
        return dict(self.settings)

    def _control_post_settings(self, request, body):
        self.settings.update(validate_settings(body))
        return dict(self.settings)

    def _control_post_seed(self, request, body):
        if not isinstance(body, dict) or not set(body) <= {'feishu', 'dws', 'feishu_schemas'}:
            raise ValueError('seed body: {"feishu": [...], "feishu_schemas": [...], '
                             '"dws": {"project_id", "cluster_id", "data_sources": [...]}}')
        now = self.clock()
        created = {}
        if 'feishu_schemas' in body:
            # first: a refused schema leaves nothing seeded
            created['feishu_schemas'] = self.emulators['feishu'].seed_schemas(body['feishu_schemas'])
        if 'dws' in body:
            spec = body['dws']
            if not isinstance(spec, dict) or not isinstance(spec.get('data_sources'), list):
                raise ValueError('dws seed needs project_id, cluster_id and a data_sources list')
            created['dws'] = self.emulators['dws'].seed(spec.get('project_id'), spec.get('cluster_id'), spec['data_sources'], now)
        if 'feishu' in body:
            if not isinstance(body['feishu'], list):
                raise ValueError('feishu seed must be a list of data sources')
            created['feishu'] = self.emulators['feishu'].seed(body['feishu'], now)
        return created

    def _control_get_state(self, request, body):
        now = self.clock()
        return {
            'dws': self.emulators['dws'].snapshot(now),
            'feishu': self.emulators['feishu'].snapshot(now),
            'iam': self.emulators['iam'].snapshot(now),
            'settings': dict(self.settings),
            'tls_failures': self.tls_failures,
        }

    def count_tls_failure(self):
        """A TLS handshake that failed (a client refusing the certificate): it never became a request."""
        with self.lock:
            self.tls_failures += 1

    def _control_get_config(self, request, body):
        return self.credentials_summary()

    def reset(self):
        """Back to the config seed: state, settings, tokens, faults and log; deferred actions are dropped."""
        self._cancel_deferred()
        self.faults.clear()
        self.tls_failures = 0
        self.log = []
        self.seen_secrets = set()
        self.settings.clear()
        self.settings.update(self.initial_settings)
        now = self.clock()
        for emulator in self.emulators.values():
            emulator.load(self.config, now)

    def credentials_summary(self):
        """The seed credentials in the shape tests and the demo want, plus ready-made env vars."""
        dws = self.config.get('dws', {})
        keys = dws.get('access_keys', [])
        permanent = next((key for key in keys if not key.get('security_token')), {})
        temporary = next((key for key in keys if key.get('security_token')), None)
        projects = {project_id: list(info.get('clusters', [])) for project_id, info in dws.get('projects', {}).items()}
        project_id = next(iter(projects), None)
        region = dws.get('projects', {}).get(project_id, {}).get('region') if project_id else None
        app = next(iter(self.config.get('feishu', {}).get('apps', [])), {})
        summary = {
            'base_url': self.base_url,
            'dws': {
                'endpoint': self.base_url, 'project_id': project_id, 'cluster_ids': projects.get(project_id, []),
                'projects': projects, 'mrs_cluster_ids': [item['id'] for item in dws.get('mrs_clusters', [])],
                'access_key': permanent.get('access_key'), 'secret_key': permanent.get('secret_key'),
                'temporary': dict(temporary) if temporary else None,
                'iam_token': next(iter(dws.get('iam_tokens', [])), None),
                'region': region, 'iam_endpoint': self.base_url, 'domain_id': self.emulators['iam'].domain_id,
            },
            'feishu': {'base_url': self.base_url, 'app_id': app.get('app_id'), 'app_secret': app.get('app_secret')},
        }
        summary['env'] = {
            'HW_DWS_ENDPOINT': self.base_url, 'HW_ACCESS_KEY': summary['dws']['access_key'],
            'HW_SECRET_KEY': summary['dws']['secret_key'], 'HW_PROJECT_ID': project_id,
            'FEISHU_BASE_URL': self.base_url, 'FEISHU_APP_ID': app.get('app_id'), 'FEISHU_APP_SECRET': app.get('app_secret'),
        }
        # Added by SandboxClient.env(iam=True): the project id is then found from the region (HW_PROJECT_ID still to drop).
        summary['iam_env'] = {'HUAWEICLOUD_SDK_IAM_ENDPOINT': self.base_url, 'HW_REGION_NAME': region}
        return summary
