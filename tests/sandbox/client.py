"""SandboxClient: the /_sandbox/ control API from Python (standard library only).

    client = SandboxClient('http://127.0.0.1:PORT')     # or 'https://...', cafile='cert.pem' (--tls-cert)
    client.reset()
    client.inject('rate_limit', count=2, platform='feishu', reset=1)
    client.writes('dws')

The server must run with --test-mode for these calls to work.
"""

import json
import ssl
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPSHandler, ProxyHandler, Request, build_opener


class SandboxControlError(Exception):
    """A control call was refused; carries the HTTP status and the server's message."""

    def __init__(self, status, message):
        super().__init__('sandbox control call failed (HTTP %s): %s' % (status, message))
        self.status = status
        self.message = message


class SandboxClient:
    """Thin wrapper over the sandbox control endpoints."""

    def __init__(self, base_url, cafile=None, timeout=10.0):
        """base_url may be https (a sandbox started with --tls-cert); cafile is then the CA to verify it with."""
        self.base_url = base_url.rstrip('/')
        self.cafile = cafile
        self.timeout = timeout
        self.process = None  # set by the fixture when it owns the server process
        # Never route loopback control calls through an HTTP proxy from the environment.
        handlers = [ProxyHandler({})]
        if self.base_url.startswith('https:'):
            handlers.append(HTTPSHandler(context=ssl.create_default_context(cafile=cafile)))
        self._opener = build_opener(*handlers)

    def _call(self, method, name, body=None, query=None, wait=0.0):
        url = '%s/_sandbox/%s' % (self.base_url, name)
        if query:
            url += '?' + urlencode(query)
        data = None if body is None else json.dumps(body).encode('utf-8')
        request = Request(url, data=data, method=method, headers={'Content-Type': 'application/json'})
        try:
            with self._opener.open(request, timeout=self.timeout + wait) as response:
                return json.loads(response.read().decode('utf-8'))
        except HTTPError as error:
            raise SandboxControlError(error.code, error.read().decode('utf-8', 'replace')) from error

    def reset(self):
        """State back to the config seed; log, faults, tokens and settings cleared."""
        return self._call('POST', 'reset', {})

    def wait_idle(self, timeout=10.0):
        """Block until no API request is in flight (e.g. one held by a slow fault); True if idle."""
        return self._call('GET', 'idle', query={'timeout': timeout}, wait=timeout)['idle']

    def requests(self, platform=None, op=None):
        """The request log (oldest first), optionally for one platform ('dws', 'feishu' or 'iam') and/or op ('iam.projects')."""
        query = dict((key, value) for key, value in (('platform', platform), ('op', op)) if value)
        return self._call('GET', 'requests', query=query or None)

    def writes(self, platform=None):
        """Log entries that are writes: data-source and schema create/update/patch/delete (not a validate_only create)."""
        return [entry for entry in self.requests(platform) if entry['write']]

    def clear_log(self):
        return self._call('DELETE', 'requests')

    def inject(self, kind, count=1, **params):
        """Declare a fault; returns its description (with its id)."""
        spec = dict(params, kind=kind, count=count)
        return self._call('POST', 'faults', spec)

    def faults(self):
        """{'pending': [...], 'retired': [...], 'fired_total': N}."""
        return self._call('GET', 'faults')

    def clear_faults(self):
        return self._call('DELETE', 'faults')

    def settings(self, **values):
        """Change settings (job_duration, token_lifetime, max_page_size, status_format, iam_projects,
        schema_delete_when_bound); returns them all.

        iam_projects={'cn-north-4': ['id1', 'id2']} sets the projects IAM lists for each region named ([] for none);
        it replaces the previous map, and regions it does not name answer from the config.
        schema_delete_when_bound='refuse' makes DELETE of a Feishu schema that a data source names answer 1270002
        ('allow', the default, deletes it).
        """
        if not values:
            return self._call('GET', 'settings')
        return self._call('POST', 'settings', values)

    def seed_feishu(self, data_sources):
        """Add Feishu data sources directly; returns them as the API renders them (with ids)."""
        return self._call('POST', 'seed', {'feishu': list(data_sources)})['feishu']

    def seed_feishu_schemas(self, schemas):
        """Add Feishu Search schemas directly (validated as a create is); returns them as the API renders them."""
        return self._call('POST', 'seed', {'feishu_schemas': list(schemas)})['feishu_schemas']

    def seed_dws(self, project_id, cluster_id, data_sources):
        """Add DWS ext data sources directly, already ACTIVE; returns them rendered."""
        spec = {'project_id': project_id, 'cluster_id': cluster_id, 'data_sources': list(data_sources)}
        return self._call('POST', 'seed', {'dws': spec})['dws']

    def state(self):
        return self._call('GET', 'state')

    def issued_secrets(self):
        """Secret values the sandbox saw or minted since the last reset: tokens, Authorization values, passwords."""
        return self._call('GET', 'secrets')

    def credentials(self):
        """The seed credentials: {'base_url', 'dws': {...}, 'feishu': {...}, 'env': {...}}."""
        return self._call('GET', 'config')

    def env(self, iam=False):
        """Environment variables that point the collection's modules at this sandbox.

        iam=True adds HUAWEICLOUD_SDK_IAM_ENDPOINT (this sandbox) and HW_REGION_NAME (the first project's region);
        HW_PROJECT_ID stays, so a test that wants the project found from the region removes it.
        """
        creds = self.credentials()
        env = dict(creds['env'])
        if iam:
            env.update(creds['iam_env'])
        return env
