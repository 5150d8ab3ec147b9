"""Fault injection: one-shot (or N-shot) misbehaviours matched against requests.

A fault is declared with a kind, a count and optional match filters
(platform, method, path regex, op).  It fires on exactly `count` matching
requests (or, for job_* kinds, on `count` DWS jobs) and is then retired.
"""

import re

from sandbox_http import is_strict_int

REQUEST_KINDS = ('http_error', 'feishu_code', 'rate_limit', 'dws_conflict', 'malformed', 'slow', 'drop', 'token_expired')
JOB_KINDS = ('job_fail', 'job_stop', 'job_hang')
KINDS = REQUEST_KINDS + JOB_KINDS

# Kinds that only make sense on one platform.
IMPLIED_PLATFORM = {
    'feishu_code': 'feishu',
    'token_expired': 'feishu',
    'dws_conflict': 'dws',
    'job_fail': 'dws',
    'job_stop': 'dws',
    'job_hang': 'dws',
}

# Kinds that answer instead of the emulator; the request's effect is never applied.
SHORT_CIRCUIT_KINDS = ('http_error', 'feishu_code', 'rate_limit', 'dws_conflict', 'malformed', 'drop')

# Feishu data-source ops that carry a tenant token (token_expired only matches these).
FEISHU_TOKEN_OPS = ('feishu.create', 'feishu.get', 'feishu.list', 'feishu.patch', 'feishu.delete')

DEFAULT_GATEWAY_PAGE = (
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n'
    '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>sandbox-gateway</center>\r\n</body>\r\n</html>\r\n'
)

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
    'job_fail': {'failed_code': 'DWS.5555', 'failed_detail': 'sandbox: injected job failure'},
    'job_stop': {},
    'job_hang': {},
}


class FaultSpecError(ValueError):
    """The fault specification is invalid."""


def _require_int(params, key, low, high):
    value = params.get(key)
    if value is None:
        return
    if not is_strict_int(value) or not low <= value <= high:
        raise FaultSpecError('%s must be an integer between %d and %d' % (key, low, high))


def _validate_kind_params(kind, params):
    """Type-check the parameters of one kind; raise FaultSpecError on the first problem."""
    if kind == 'feishu_code' and params.get('code') is None:
        raise FaultSpecError('feishu_code needs a "code"')
    for key in ('status',):
        _require_int(params, key, 100 if kind == 'malformed' else 400, 599)
    for key in ('code', 'reset', 'limit', 'retry_after'):
        _require_int(params, key, 0, 2 ** 31)
    for key in ('error_code', 'msg', 'body', 'content_type', 'failed_code', 'failed_detail'):
        if params.get(key) is not None and not isinstance(params[key], str):
            raise FaultSpecError('%s must be a string' % key)
    delay = params.get('delay')
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 120):
        raise FaultSpecError('delay must be a number of seconds between 0 and 120')


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
        self.params.update({key: value for key, value in spec.items() if key not in COMMON_KEYS})

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
        if self.kind == 'token_expired' and op not in FEISHU_TOKEN_OPS:
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
    if platform not in (None, 'dws', 'feishu'):
        raise FaultSpecError('platform must be "dws" or "feishu"')
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

    def add(self, spec):
        fault = build_fault(self.next_id, spec)
        self.next_id += 1
        self.pending.append(fault)
        return fault

    def clear(self):
        self.pending = []
        self.retired = []

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

    def snapshot(self):
        return {
            'pending': [fault.describe() for fault in self.pending],
            'retired': [fault.describe() for fault in self.retired],
            'fired_total': sum(fault.fired for fault in self.pending + self.retired),
        }
