"""Raw HTTP access to the sandbox's DWS and Feishu APIs, for the sandbox's own tests.

http.client is used (not urllib) so the tests control every header and byte sent.
"""

import http.client
import json
import ssl
import time
from urllib.parse import urlencode, urlsplit

from sbx_signer import sign

JSON_HEADERS = {'Content-Type': 'application/json;charset=UTF-8'}


class Result:
    """Status, lower-cased headers and body of one response."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body.decode('utf-8'))

    def __repr__(self):
        return 'Result(%s, %r)' % (self.status, self.body[:300])


def http_call(base_url, method, path_and_query, body=None, headers=None, timeout=10, cafile=None):
    """Send exactly these headers and body bytes (plus Host/Content-Length) and return a Result.

    An https base_url (a sandbox started with --tls-cert) is verified against cafile.
    """
    parts = urlsplit(base_url)
    if parts.scheme == 'https':
        context = ssl.create_default_context(cafile=cafile)
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode('utf-8')
    try:
        connection.request(method, path_and_query, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return Result(response.status, {name.lower(): value for name, value in response.getheaders()}, response.read())
    finally:
        connection.close()


class DwsApi:
    """Signed (or token-authenticated) calls to the sandbox's DWS API."""

    def __init__(self, base_url, credentials, auth='aksk'):
        self.base_url = base_url
        self.creds = credentials['dws']
        self.project_id = self.creds['project_id']
        self.cluster_id = self.creds['cluster_ids'][0]
        self.auth = auth

    def headers_for(self, method, path_and_query, body, extra=None, date=None):
        headers = dict(JSON_HEADERS, **{'X-Project-Id': self.project_id})
        headers.update(extra or {})
        if self.auth == 'token':
            headers['X-Auth-Token'] = self.creds['iam_token']
            return headers
        key = self.creds['temporary'] if self.auth == 'temporary' else self.creds
        return sign(method, self.base_url + path_and_query, headers, body or b'', key['access_key'], key['secret_key'],
                    date=date, security_token=key.get('security_token'))

    def call(self, method, path_and_query, body=None, extra_headers=None, date=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        body_bytes = body.encode('utf-8') if isinstance(body, str) else body
        headers = self.headers_for(method, path_and_query, body_bytes, extra_headers, date)
        return http_call(self.base_url, method, path_and_query, body_bytes, headers)

    def sources_path(self, cluster_id=None, project_id=None):
        return '/v1.0/%s/clusters/%s/ext-data-sources' % (project_id or self.project_id, cluster_id or self.cluster_id)

    def list(self, cluster_id=None, ds_type=None):
        query = '?type=' + ds_type if ds_type else ''
        return self.call('GET', self.sources_path(cluster_id) + query)

    def create(self, body, cluster_id=None):
        return self.call('POST', self.sources_path(cluster_id), body)

    def update(self, ds_id, body, cluster_id=None):
        return self.call('PUT', '%s/%s' % (self.sources_path(cluster_id), ds_id), body)

    def delete(self, ds_id, cluster_id=None):
        return self.call('DELETE', '%s/%s' % (self.sources_path(cluster_id), ds_id))

    def job(self, job_id):
        return self.call('GET', '/v1.0/%s/job/%s' % (self.project_id, job_id))

    def find(self, ds_id, cluster_id=None):
        """The listed data source with this id, or None."""
        listing = self.list(cluster_id).json
        return next((item for item in listing['data_sources'] if item['id'] == ds_id), None)

    def wait_job(self, job_id, timeout=5.0):
        """Poll until the job leaves INIT/RUNNING; return the job record."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id).json
            if job['status'] not in ('INIT', 'RUNNING') or time.monotonic() > deadline:
                return job
            time.sleep(0.02)


def obs_body(name='obs_src1', **overrides):
    body = {'type': 'OBS', 'data_source_name': name, 'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb',
            'description': 'demo'}
    body.update(overrides)
    return body


def mrs_body(mrs_cluster_id, name='mrs_src1', **overrides):
    body = {'type': 'MRS', 'data_source_name': name, 'data_source_id': mrs_cluster_id, 'user_name': 'mrs_user',
            'user_pwd': 'Secret_123', 'reboot': False}
    body.update(overrides)
    return body


class FeishuApi:
    """Calls to the sandbox's Feishu token and data-source API."""

    TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal'
    SOURCES_PATH = '/open-apis/search/v2/data_sources'

    def __init__(self, base_url, credentials):
        self.base_url = base_url
        self.app_id = credentials['feishu']['app_id']
        self.app_secret = credentials['feishu']['app_secret']
        self.token = None

    def fetch_token(self, app_id=None, app_secret=None):
        body = {'app_id': app_id or self.app_id, 'app_secret': app_secret or self.app_secret}
        return http_call(self.base_url, 'POST', self.TOKEN_PATH, body, {'Content-Type': 'application/json; charset=utf-8'})

    def refresh_token(self):
        self.token = self.fetch_token().json['tenant_access_token']
        return self.token

    def call(self, method, path_and_query, body=None, token=None, headers=None):
        all_headers = {'Content-Type': 'application/json; charset=utf-8'} if body is not None else {}
        all_headers['Authorization'] = 'Bearer ' + (token or self.token or self.refresh_token())
        all_headers.update(headers or {})
        return http_call(self.base_url, method, path_and_query, body, all_headers)

    def create(self, body):
        return self.call('POST', self.SOURCES_PATH, body)

    def get(self, ds_id):
        return self.call('GET', '%s/%s' % (self.SOURCES_PATH, ds_id))

    def list(self, **query):
        suffix = '?' + urlencode(query) if query else ''
        return self.call('GET', self.SOURCES_PATH + suffix)

    def patch(self, ds_id, body):
        return self.call('PATCH', '%s/%s' % (self.SOURCES_PATH, ds_id), body)

    def delete(self, ds_id):
        return self.call('DELETE', '%s/%s' % (self.SOURCES_PATH, ds_id))
