"""Fault injection: one-shot (or N-shot) misbehaviours matched against requests.

A fault is declared with a kind, a count and optional match filters
(platform, method, path regex, op).  It fires on exactly `count` matching
requests (or, for job_* kinds, on `count` DWS jobs) and is then retired.
"""

from http import HTTPStatus
import json
import re
import secrets

from sandbox_http import Response, is_strict_int, text_response

REQUEST_KINDS = ('http_error', 'feishu_code', 'rate_limit', 'dws_conflict', 'malformed', 'slow', 'drop', 'token_expired',
                 'act_then_answer', 'answer_late', 'endless_pages', 'oversized', 'echo', 'cluster_busy')
JOB_KINDS = ('job_fail', 'job_stop', 'job_hang', 'job_status', 'job_statuses')
KINDS = REQUEST_KINDS + JOB_KINDS

# Kinds that only make sense on one platform.
IMPLIED_PLATFORM = {
    'feishu_code': 'feishu',
    'token_expired': 'feishu',
    'endless_pages': 'feishu',
    'dws_conflict': 'dws',
    'job_fail': 'dws',
    'job_stop': 'dws',
    'job_hang': 'dws',
    'job_status': 'dws',
    'cluster_busy': 'dws',
    'job_statuses': 'dws',
}

# Kinds that answer instead of the emulator; the request's effect is never applied.
SHORT_CIRCUIT_KINDS = ('http_error', 'feishu_code', 'rate_limit', 'dws_conflict', 'malformed', 'drop', 'oversized', 'echo',
                       'cluster_busy')

# Feishu ops that carry a tenant token (token_expired only matches these): data sources and schemas.
FEISHU_TOKEN_OPS = ('feishu.create', 'feishu.get', 'feishu.list', 'feishu.patch', 'feishu.delete',
                    'feishu.schema.create', 'feishu.schema.get', 'feishu.schema.patch', 'feishu.schema.delete')

# Kinds that only match some ops, whatever the spec's filters say.
KIND_OPS = {'token_expired': FEISHU_TOKEN_OPS, 'endless_pages': ('feishu.list',)}

# nginx spells a few reason phrases its own way; a client matching on the page text sees these.
NGINX_REASONS = {504: 'Gateway Time-out'}

ENDLESS_TOKEN_PREFIX = 'sbx-endless-'
MAX_OVERSIZED_BYTES = 256 * 1024 * 1024
# job_statuses: the statuses that end a job (reference 11.2); only the last of a sequence may be one.
FINAL_JOB_STATUSES = ('SUCCESS', 'FAIL', 'STOP')
MAX_JOB_STATUSES = 100


def gateway_page(status):
    """The HTML error page an nginx gateway sends for `status`."""
    try:
        reason = NGINX_REASONS.get(status) or HTTPStatus(status).phrase
    except ValueError:
        reason = 'Error'
    title = '%d %s' % (status, reason)
    return ('<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n'
            '<center><h1>%s</h1></center>\r\n<hr><center>sandbox-gateway</center>\r\n</body>\r\n</html>\r\n' % (title, title))


DEFAULT_GATEWAY_PAGE = gateway_page(502)

MATCH_KEYS = ('platform', 'method', 'path', 'op')
COMMON_KEYS = ('kind', 'count') + MATCH_KEYS

# kind -> {param: default}; a default of None means optional with no value.
KIND_PARAMS = {
    'http_error': {'status': 500, 'code': None, 'error_code': None, 'msg': None},
    'feishu_code': {'code': None, 'status': None, 'msg': None},
    'rate_limit': {'reset': 1, 'limit': 50, 'retry_after': None},
    'dws_conflict': {'msg': None},
    'malformed': {'status': 200, 'body': DEFAULT_GATEWAY_PAGE, 'content_type': 'text/html'},
    'slow': {'delay': 1.0},
    'drop': {},
    'token_expired': {},
    # body None: the gateway page of `status`, filled in when the fault is declared
    'act_then_answer': {'status': 502, 'body': None, 'content_type': 'text/html', 'act_after': 0},
    'answer_late': {'delay': 1.0},
    'endless_pages': {},
    'oversized': {'size': 20 * 1024 * 1024},
    'echo': {'status': 400, 'format': 'json', 'pad': 0},
    'job_fail': {'failed_code': 'DWS.5555', 'failed_detail': 'sandbox: injected job failure'},
    'job_stop': {},
    'job_hang': {},
    'job_status': {'status': None, 'hold': None},
    'cluster_busy': {'msg': None},
    # step None: job_duration / (number of statuses - 1), so the whole sequence takes job_duration
    'job_statuses': {'statuses': None, 'step': None, 'failed_code': 'DWS.5555', 'failed_detail': None},
}
REQUIRED_PARAMS = {'feishu_code': ('code',), 'job_status': ('status',), 'job_statuses': ('statuses',)}


def _integer(low, high):
    return (lambda value: is_strict_int(value) and low <= value <= high), 'an integer between %d and %d' % (low, high)


def _seconds(high):
    def accepts(value):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= high
    return accepts, 'a number of seconds between 0 and %d' % high


def _one_of(*choices):
    return (lambda value: isinstance(value, str) and value in choices), 'one of: %s' % ', '.join(choices)


STRING = (lambda value: isinstance(value, str)), 'a string'


def _status_sequence(value):
    return (isinstance(value, list) and 1 <= len(value) <= MAX_JOB_STATUSES
            and all(isinstance(item, str) and item for item in value)
            and not any(item in FINAL_JOB_STATUSES for item in value[:-1]))


STATUS_SEQUENCE = _status_sequence, ('a list of 1 to %d non-empty status strings, only the last of which may be %s'
                                     % (MAX_JOB_STATUSES, ', '.join(FINAL_JOB_STATUSES)))

# param -> (accepts(value), what it must be); PARAM_TYPES_BY_KIND overrides it for one kind.
PARAM_TYPES = {
    'status': _integer(400, 599), 'code': _integer(0, 2 ** 31), 'reset': _integer(0, 2 ** 31),
    'limit': _integer(0, 2 ** 31), 'retry_after': _integer(0, 2 ** 31),
    'error_code': STRING, 'msg': STRING, 'body': STRING, 'content_type': STRING, 'failed_code': STRING,
    'failed_detail': STRING,
    'delay': _seconds(120), 'act_after': _seconds(120), 'hold': _seconds(86400),
    'statuses': STATUS_SEQUENCE, 'step': _seconds(86400),
    'size': _integer(1, MAX_OVERSIZED_BYTES), 'pad': _integer(0, 100000), 'format': _one_of('json', 'html'),
}
PARAM_TYPES_BY_KIND = {
    # a non-error status is the point of these two: a gateway answering 200 with HTML, or 1xx/3xx oddities
    ('malformed', 'status'): _integer(100, 599),
    ('act_then_answer', 'status'): _integer(100, 599),
    ('job_status', 'status'): STRING,
}


class FaultSpecError(ValueError):
    """The fault specification is invalid."""


def _validate_kind_params(kind, params):
    """Type-check the parameters of one kind; raise FaultSpecError on the first problem."""
    for key in REQUIRED_PARAMS.get(kind, ()):
        if params.get(key) is None:
            raise FaultSpecError('%s needs a "%s"' % (kind, key))
    for key in KIND_PARAMS[kind]:
        if params.get(key) is None:
            continue  # null or absent: the default
        accepts, what = PARAM_TYPES_BY_KIND.get((kind, key)) or PARAM_TYPES[key]
        if not accepts(params[key]):
            raise FaultSpecError('%s must be %s' % (key, what))


class Fault:
    """One declared fault and its firing counters."""

    def __init__(self, fault_id, spec):
        self.id = fault_id
        self.kind = spec['kind']
        self.count = spec.get('count', 1)
        self.fired = 0
        self.platform = spec.get('platform') or IMPLIED_PLATFORM.get(self.kind)
        self.method = (spec.get('method') or '').upper() or None
        self.path = spec.get('path')
        self.path_re = re.compile(self.path) if self.path else None
        self.op = spec.get('op')
        self.params = dict(KIND_PARAMS[self.kind])
        self.params.update({key: value for key, value in spec.items() if key not in COMMON_KEYS and value is not None})
        if self.kind == 'act_then_answer' and self.params['body'] is None:
            self.params['body'] = gateway_page(self.params['status'])

    @property
    def remaining(self):
        return self.count - self.fired

    def matches(self, platform, method, path, op):
        """True when every filter given in the spec accepts this request."""
        if self.platform and self.platform != platform:
            return False
        if self.method and self.method != method:
            return False
        if self.op and self.op != op:
            return False
        if self.kind in KIND_OPS and op not in KIND_OPS[self.kind]:
            return False
        return not self.path_re or bool(self.path_re.search(path))

    def describe(self):
        return {
            'id': self.id, 'kind': self.kind, 'count': self.count, 'fired': self.fired, 'remaining': self.remaining,
            'match': {'platform': self.platform, 'method': self.method, 'path': self.path, 'op': self.op},
            'params': dict(self.params),
        }


def build_fault(fault_id, spec):
    """Validate a JSON fault spec and return a Fault (raises FaultSpecError)."""
    if not isinstance(spec, dict):
        raise FaultSpecError('the fault spec must be a JSON object')
    kind = spec.get('kind')
    if kind not in KINDS:
        raise FaultSpecError('kind must be one of: %s' % ', '.join(KINDS))
    unknown = sorted(set(spec) - set(COMMON_KEYS) - set(KIND_PARAMS[kind]))
    if unknown:
        raise FaultSpecError('unknown parameters for %s: %s' % (kind, ', '.join(unknown)))
    count = spec.get('count', 1)
    if not is_strict_int(count) or count < 1:
        raise FaultSpecError('count must be a positive integer')
    platform = spec.get('platform')
    if platform not in (None, 'dws', 'feishu', 'iam'):
        raise FaultSpecError('platform must be "dws", "feishu" or "iam"')
    implied = IMPLIED_PLATFORM.get(kind)
    if platform and implied and platform != implied:
        raise FaultSpecError('%s only applies to %s' % (kind, implied))
    for key in ('method', 'path', 'op'):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            raise FaultSpecError('%s must be a string' % key)
    if spec.get('path'):
        try:
            re.compile(spec['path'])
        except re.error as err:
            raise FaultSpecError('path is not a valid regular expression: %s' % err) from err
    _validate_kind_params(kind, spec)
    return Fault(fault_id, spec)


class FaultRegistry:
    """Pending faults in declaration order, plus the retired ones for reporting.

    Not thread-safe by itself: the application calls it under its state lock.
    """

    def __init__(self):
        self.pending = []
        self.retired = []
        self.next_id = 1
        self.endless_tokens = set()

    def add(self, spec):
        fault = build_fault(self.next_id, spec)
        self.next_id += 1
        self.pending.append(fault)
        return fault

    def clear(self):
        self.pending = []
        self.retired = []
        self.endless_tokens = set()

    def _claim(self, kinds, platform, method, path, op):
        for fault in self.pending:
            if fault.kind in kinds and fault.matches(platform, method, path, op):
                fault.fired += 1
                if fault.remaining <= 0:
                    self.pending.remove(fault)
                    self.retired.append(fault)
                return fault
        return None

    def claim_request_fault(self, platform, method, path, op):
        """The first pending request-level fault matching this request, counted as fired."""
        return self._claim(REQUEST_KINDS, platform, method, path, op)

    def claim_job_fault(self, method, path, op):
        """The first pending job fault matching the write that is creating a job."""
        return self._claim(JOB_KINDS, 'dws', method, path, op)

    def mint_endless_token(self, fault):
        """A fresh page token for an endless_pages answer, remembered until the faults are cleared."""
        token = '%s%d-%s' % (ENDLESS_TOKEN_PREFIX, fault.id, secrets.token_hex(8))
        self.endless_tokens.add(token)
        return token

    def is_endless_token(self, token):
        return token in self.endless_tokens

    def snapshot(self):
        return {
            'pending': [fault.describe() for fault in self.pending],
            'retired': [fault.describe() for fault in self.retired],
            'fired_total': sum(fault.fired for fault in self.pending + self.retired),
        }


# ----- answers of the platform-neutral faults (the emulators supply the JSON shapes) -------------------------------

def oversized_response(envelope, size):
    """HTTP 200 JSON of at least `size` bytes: envelope[0] + "x" * n + envelope[1].

    Built in one buffer (up to 256 MiB): joining a separate padding string would briefly hold it twice.
    """
    head, tail = (part.encode('ascii') for part in envelope)
    body = bytearray(b'x') * max(size, len(head) + len(tail))
    body[:len(head)] = head
    body[len(body) - len(tail):] = tail
    return Response(200, body, [('Content-Type', 'application/json')])


def echo_text(request):
    """What an echoing gateway sends back: every header as received, a blank line, the body."""
    lines = ''.join('%s: %s\n' % (name, value) for name, value in request.header_items)
    return lines + '\n' + request.body.decode('utf-8', 'replace')


def echo_response(request, params, json_payload):
    """An error answer carrying the request back (secrets included); json_payload(message) is the platform's JSON."""
    message = '.' * params['pad'] + echo_text(request)
    if params['format'] == 'html':
        return text_response(params['status'], '<html><body><pre>%s</pre></body></html>' % message, 'text/html')
    return text_response(params['status'], json.dumps(json_payload(message)), 'application/json')
