# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Huawei Cloud GaussDB(DWS) API client: endpoints, authentication, errors and jobs.

Knows HTTP and the DWS API, not Ansible: it is built from plain values, a
``RetryPolicy`` and a callback that registers runtime secrets (signatures, tokens)
so the module edge can mask them in every output.
"""

from __future__ import absolute_import, division, print_function

import json

from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.dsops.cloud.plugins.module_utils.dws.signer import canonical_query_from_pairs, sign
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ApiError, InputError, JobError
from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import RetryPolicy
from ansible_collections.dsops.cloud.plugins.module_utils.core.waiter import Waiter

__metaclass__ = type

PLATFORM = 'DWS'
# Terraform's DWS client sends this on every call; the signer treats any
# application/json type as a signed payload.
CONTENT_TYPE = 'application/json;charset=UTF-8'


# "Another operation is in progress on the instance" (DWS.0011) and "Cluster status is not allowed to
# operation" (DWS.7023, HTTP 403: the cluster is busy, even just after a job reports done; reference 11.4):
# the server refused the call, so repeating it later is safe even for a write.
CONCURRENT_OPERATION_CODE = 'DWS.0011'
CLUSTER_BUSY_CODE = 'DWS.7023'
BUSY_REFUSAL_CODES = (CONCURRENT_OPERATION_CODE, CLUSTER_BUSY_CODE)
# Gateway authentication failures (older documentation spells the prefix APIG).
AUTH_CODES = ('APIGW.0301', 'APIG.0301')
# Codes that mean "no such data source" on PUT/DELETE.  UNCONFIRMED: the reference
# does not say which code a missing ext_data_source_id gets, so both the
# documented not-found code and a bare 404 are accepted.
NOT_FOUND_CODES = ('DWS.0015',)

IAM_PROJECTS_PATH = '/v3/projects'

JOB_SUCCESS = 'SUCCESS'
# The documented statuses of a job still going (reference 11.2).
JOB_RUNNING = ('INIT', 'WAITING', 'RUNNING', 'DELAY_SCHEDULED')
# A status holding one of these never turns into SUCCESS: FAIL and STOP are documented, ERROR is what
# Terraform also stops on, and FAILED / CANCELED-like spellings must not wait out wait_timeout.
JOB_FAILING_MARKERS = ('FAIL', 'ERROR', 'STOP', 'CANCEL')
JOB_DONE, JOB_FAILED, JOB_GOING, JOB_UNKNOWN = 'done', 'failed', 'going', 'unknown'


def check_auth(access_key=None, secret_key=None, security_token=None, auth_token=None):
    """Exactly one way to authenticate: AK/SK (optionally temporary) or an IAM token."""
    if auth_token and (access_key or secret_key or security_token):
        raise InputError('Use either access_key/secret_key (HW_ACCESS_KEY/HW_SECRET_KEY, optionally with '
                         'security_token) or auth_token (HW_AUTH_TOKEN), not both. Check the task '
                         'options and the environment for the other one.')
    if auth_token:
        return
    if bool(access_key) != bool(secret_key):
        raise InputError('access_key and secret_key must be given together (HW_ACCESS_KEY / HW_SECRET_KEY).')
    if not access_key:
        raise InputError('No credentials: give access_key and secret_key (HW_ACCESS_KEY / HW_SECRET_KEY) '
                         'or auth_token (HW_AUTH_TOKEN).')


def status_name(value, table):
    """Normalise a status that may arrive as a code ('200') or a name ('active') to a name.

    UNCONFIRMED wire format (reference section 3.1), so both are accepted.
    """
    if value is None:
        return ''
    text = str(value).strip()
    return table.get(text, text.upper())


CONFIGURE_STATUS = {'100': 'CREATING', '200': 'ACTIVE', '300': 'FAILED', '400': 'DELETED',
                    '401': 'DELETING', '500': 'UPDATING', '600': 'PENDING_REBOOT'}
RUN_STATUS = {'100': 'CREATING', '200': 'AVAILABLE', '300': 'FAILED', '303': 'CREATE_FAILED',
              '304': 'DELETING', '302': 'DELETE_FAILED', '400': 'DELETED', '800': 'FROZEN',
              '801': 'POLICE_FROZEN', '900': 'STOPPED', '910': 'STOPPING', '920': 'STARTING'}


def configure_status(obj):
    return status_name((obj or {}).get('configure_status'), CONFIGURE_STATUS)


def run_status(obj):
    return status_name((obj or {}).get('status'), RUN_STATUS)


def _find_code_and_message(data):
    """The SDK's order: error_code/error_msg, errorCode/errorMsg, code/message, then nested dicts."""
    if not isinstance(data, dict):
        return None, None
    for code_key, msg_key in (('error_code', 'error_msg'), ('errorCode', 'errorMsg'),
                              ('errCode', 'externalMessage'), ('code', 'message')):
        if data.get(code_key) not in (None, ''):
            return str(data[code_key]), data.get(msg_key)
    for value in data.values():
        if isinstance(value, dict):
            code, msg = _find_code_and_message(value)
            if code:
                return code, msg
    return None, None


def check_project_source(project_id, region, auth_token):
    """The project id is given, or can be found from the region with AK/SK (an IAM token cannot sign the call)."""
    if project_id:
        return
    if auth_token:
        raise InputError('project_id (HW_PROJECT_ID) is required with an IAM token (auth_token / HW_AUTH_TOKEN); '
                         'only access_key/secret_key can find it from the region.')
    if not region:
        raise InputError('project_id (HW_PROJECT_ID) is required, or region (HW_REGION_NAME) to find it from: '
                         'the module then asks IAM once for the project named like the region.')


def _request_id(response):
    # IAM answers with X-IAM-Trace-Id (reference 11.1), DWS with X-Request-Id
    return response.header('X-Request-Id') or response.header('X-IAM-Trace-Id')


def _retry_after(response):
    value = response.header('Retry-After')
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class DwsClient:
    """Signed calls to one project's DWS endpoint."""

    def __init__(self, transport, endpoint, project_id, access_key=None, secret_key=None,
                 security_token=None, auth_token=None, retry=None, register_secret=None,
                 sleep=None, clock=None, region=None, iam_endpoint=None):
        check_auth(access_key, secret_key, security_token, auth_token)
        check_project_source(project_id, region, auth_token)
        self.transport = transport
        self.endpoint = endpoint.rstrip('/')
        self._project_id = project_id
        self.region = region
        self.iam_endpoint = (iam_endpoint or '').rstrip('/')
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.auth_token = auth_token
        self.retry = retry or RetryPolicy()
        self.register_secret = register_secret or (lambda value: None)
        self.waiter = Waiter(sleep, clock)
        self.auth_refusal = None  # the first authentication failure: nothing is sent after it
        for secret in (secret_key, security_token, auth_token):
            self.register_secret(secret)

    @property
    def project_id(self):
        """The project id given, else the one IAM names for the region, asked once per run (reference 11.1)."""
        if self._project_id is None:
            self._project_id = self._find_project_id()
        return self._project_id

    def _find_project_id(self):
        data = self.call('GET', IAM_PROJECTS_PATH, query=[('name', self.region)], base=self.iam_endpoint)
        projects = data.get('projects')
        if not isinstance(projects, list):
            raise ApiError('IAM', 'The projects answer holds no projects list.', method='GET', path=IAM_PROJECTS_PATH,
                           hint='Check iam_endpoint (HUAWEICLOUD_SDK_IAM_ENDPOINT); the answer does not look like IAM.')
        ids = [str(item['id']) for item in projects if isinstance(item, dict) and item.get('id')]
        if not ids:
            raise InputError('IAM knows no project named %r for these credentials (GET %s%s?name=%s), so the project '
                             'id cannot be found. Set project_id (HW_PROJECT_ID), or check region (HW_REGION_NAME).'
                             % (self.region, self.iam_endpoint, IAM_PROJECTS_PATH, self.region))
        if len(ids) > 1:
            raise InputError('IAM lists %d projects named %r (ids %s); set project_id (HW_PROJECT_ID) to the one that '
                             'owns the cluster.' % (len(ids), self.region, ', '.join(ids)))
        return ids[0]

    # ----- one request ---------------------------------------------------------------------------------------

    def _headers(self, method, url, body, base):
        headers = {'Content-Type': CONTENT_TYPE}
        if base is None:
            headers['X-Project-Id'] = self.project_id
        if self.auth_token:
            headers['X-Auth-Token'] = self.auth_token
            return headers
        if self.security_token:
            # must be in place before signing: it is one of the signed headers
            headers['X-Security-Token'] = self.security_token
        signed = sign(method, url, headers, body, self.access_key, self.secret_key)
        self.register_secret(signed.authorization)
        headers.update(signed.headers)
        return headers

    def _send_once(self, method, path, query, body, base=None):
        """One request to the DWS endpoint, or to ``base`` (the IAM endpoint: no X-Project-Id there)."""
        if self.auth_refusal is not None:
            # After 5 failed signatures the access key is locked for 5 minutes: never add another.
            raise self.auth_refusal
        url = (base or self.endpoint) + path + ('?' + query if query else '')
        response = self.transport.send(method, url, path, self._headers(method, url, body, base), body)
        if 200 <= response.status < 300:
            if response.body and response.json is None:
                raise ApiError(PLATFORM, 'The response is not JSON: %s' % response.snippet(),
                               http_status=response.status, request_id=_request_id(response),
                               method=method, path=path, transient=True)
            return response.json if isinstance(response.json, dict) else {}
        error = self.decode_error(response, method, path)
        if is_auth_failure(error):
            self.auth_refusal = error
        raise error

    def decode_error(self, response, method, path):
        """An ApiError carrying error_code, error_msg and X-Request-Id, classified for retries."""
        code, message = _find_code_and_message(response.json)
        if not message:
            message = response.snippet() or 'HTTP %s with an empty body' % response.status
        request_id = _request_id(response)
        if not request_id and isinstance(response.json, dict):
            request_id = response.json.get('request_id')
        status = response.status
        transient, maybe_processed, hint = False, True, None
        if code in BUSY_REFUSAL_CODES:
            transient, maybe_processed = True, False
            hint = ('Another operation is running on the cluster, or it is busy (a job, a resize, a restart); '
                    'retried %s time(s) already. Run the task again once the cluster is idle.' % self.retry.retries)
        elif status == 429:
            transient, maybe_processed = True, False
        elif status >= 500:
            transient = True
        elif status == 401 or code in AUTH_CODES:
            hint = self._auth_hint()
        return ApiError(PLATFORM, message, http_status=status, code=code, request_id=request_id,
                        method=method, path=path, transient=transient, maybe_processed=maybe_processed,
                        retry_after=_retry_after(response) if transient else None, hint=hint)

    def _auth_hint(self):
        if self.auth_token:
            return ('The IAM token (auth_token / HW_AUTH_TOKEN) was rejected: it expires after 24 hours '
                    'and is revoked when the password, keys or permissions change.')
        return ('The request signature was rejected. Check access_key/secret_key (HW_ACCESS_KEY/HW_SECRET_KEY), '
                'that a temporary security_token (HW_SECURITY_TOKEN) has not expired and matches the key, and '
                'that this host clock is within 15 minutes of real time (X-Sdk-Date). After 5 failed signatures '
                'the access key is locked for 5 minutes.')

    # ----- retries -------------------------------------------------------------------------------------------

    def call(self, method, path, query=None, body=None, recheck=None, resend=True, what='The write', hint=None,
             retry_busy=True, base=None):
        """Send a request, retrying what is safe to retry, and return the parsed JSON.

        Reads are idempotent.  Writes are repeated only when the server provably
        did not act (429, DWS.0011, connection refused); after an ambiguous
        failure (5xx, timeout, reset) ``recheck()`` re-reads: it returns a dict
        (taken as the write's response, the write having taken effect) or None
        (no sign of it: sent again only when ``resend``; see RetryPolicy.call_write).
        ``retry_busy=False`` hands DWS.0011 and DWS.7023 to the caller, which re-reads and
        re-plans instead of repeating a write another run may have made meanwhile.
        """
        payload = self._serialise(body)
        query_string = canonical_query_from_pairs(query) if query else ''

        def attempt():
            try:
                return self._send_once(method, path, query_string, payload, base)
            except ApiError as error:
                if not retry_busy and error.code in BUSY_REFUSAL_CODES:
                    error.transient = False
                raise

        if method == 'GET':
            return self.retry.call(attempt, idempotent=True)

        def send():
            return self.retry.call(attempt, idempotent=False)

        if recheck is None:
            return send()
        return self.retry.call_write(send, recheck, getattr(self.transport, 'timeout', 0), resend=resend,
                                     what=what, hint=hint)

    @staticmethod
    def _serialise(body):
        """Serialise once, so the bytes signed are the bytes sent (SDK separators)."""
        if body is None:
            return None
        return json.dumps(body, separators=(', ', ': ')).encode('utf-8')

    # ----- API calls -----------------------------------------------------------------------------------------

    def _sources_path(self, cluster_id, ds_id=None):
        # path parameters are percent-encoded with no safe character, as the SDK does (reference)
        path = '/v1.0/%s/clusters/%s/ext-data-sources' % (quote(self.project_id, safe=''), quote(cluster_id, safe=''))
        return path + '/' + quote(ds_id, safe='') if ds_id else path

    def list_data_sources(self, cluster_id, ds_type):
        """The cluster's data sources of one type.  The type filter is always sent:
        the reference leaves the behaviour without it UNCONFIRMED."""
        path = self._sources_path(cluster_id)
        data = self.call('GET', path, query=[('type', ds_type)])
        sources = data.get('data_sources')
        if not isinstance(sources, list):
            # read as "no data sources", it would make absent a no-op and present a duplicate create
            code, message = _find_code_and_message(data)
            raise ApiError(PLATFORM, 'The listing answer holds no data_sources list%s.'
                           % (': %s %s' % (code or '', message or '') if code or message else ''),
                           code=code, method='GET', path=path,
                           hint='Check the endpoint; the answer does not look like a DWS listing.')
        # An item of a ?type= listing that leaves its type empty is of that type ("not reported"),
        # never a different, create-only value.
        return [dict(item, type=item.get('type') or ds_type) for item in sources if isinstance(item, dict)]

    def create_data_source(self, cluster_id, body, recheck=None, what='The create', hint=None):
        return self.call('POST', self._sources_path(cluster_id), body=body, recheck=recheck, resend=False,
                         what=what, hint=hint)

    def reconfigure_data_source(self, cluster_id, ds_id, reconfigure, recheck=None, what='The update', hint=None):
        """PUT; a reboot is not repeatable, so after a lost answer a reconfigure with reboot is never resent."""
        return self.call('PUT', self._sources_path(cluster_id, ds_id), body={'reconfigure': reconfigure},
                         recheck=recheck, resend=not reconfigure.get('reboot'), what=what, hint=hint,
                         retry_busy=False)

    def delete_data_source(self, cluster_id, ds_id, recheck=None):
        """DELETE; 'not found' is raised (is_not_found), and carries ``written`` when it follows a lost answer."""
        return self.call('DELETE', self._sources_path(cluster_id, ds_id), recheck=recheck)

    def get_job(self, job_id):
        return self.call('GET', '/v1.0/%s/job/%s' % (quote(self.project_id, safe=''), quote(str(job_id), safe='')))

    # ----- waiting -------------------------------------------------------------------------------------------

    def wait_for_job(self, job_id, timeout):
        """Wait for a DWS job; return (its record on SUCCESS, warnings), raise JobError otherwise.

        A status this collection does not know counts as still running, and is named in a
        warning and in a timeout message.
        """
        unknown = []

        def fetch():
            job = self.get_job(job_id)
            status = job_status(job)
            if job_phase(status) == JOB_UNKNOWN and status not in unknown:
                unknown.append(status)
            return dict(job, job_id=job.get('job_id') or job_id)

        done, job = self.waiter.until(fetch, lambda record: job_phase(job_status(record)) in (JOB_DONE, JOB_FAILED), timeout)
        warnings = ['DWS job %s reported the status %r, which this collection does not know; it was taken as still '
                    'running.' % (job_id, status or '') for status in unknown]
        if not done:
            last = job or {'job_id': job_id}
            raise JobError('DWS job %s did not finish within %s seconds (last status: %s, progress: %s%s). It may '
                           'still complete: follow it with GET /v1.0/%s/job/%s, or re-run the task later.'
                           % (job_id, timeout, describe_status(job), last.get('progress') or 'unknown',
                              '; unknown statuses seen: %s' % ', '.join(repr(u) for u in unknown) if unknown else '',
                              self.project_id, job_id),
                           job=last, hint='Raise wait_timeout, or use wait=false and check the job later.',
                           warnings=warnings)
        if job_phase(job_status(job)) == JOB_FAILED:
            raise JobError('DWS job %s ended with status %s: failed_code %s, failed_detail %s.'
                           % (job_id, job_status(job), job.get('failed_code') or 'none',
                              job.get('failed_detail') or 'none'), job=job, warnings=warnings)
        return job, warnings


def job_phase(status):
    """Where a job with ``status`` stands: done, failed, going (documented) or unknown (taken as going)."""
    if status == JOB_SUCCESS:
        return JOB_DONE
    if any(marker in status for marker in JOB_FAILING_MARKERS):
        return JOB_FAILED
    return JOB_GOING if status in JOB_RUNNING else JOB_UNKNOWN


def describe_status(job):
    """The last status for a message: 'not polled' only when no answer came at all."""
    if job is None:
        return 'not polled'
    return job_status(job) or "'' (empty)"


def is_not_found(error):
    """A PUT or DELETE answered "no such data source" (or "no permission": DWS.0015 says both)."""
    return error.http_status == 404 or error.code in NOT_FOUND_CODES


def is_auth_failure(error):
    """The gateway refused the credentials (a signature, a token): sending more cannot succeed."""
    return error.http_status == 401 or error.code in AUTH_CODES


def job_status(job):
    return str((job or {}).get('status') or '').strip().upper()
