"""IAM `GET /v3/projects?name=<region>` (issue 13): signature checks, configurable answers, log, faults, env."""

import re

import pytest

from client import SandboxControlError
from fixture import run_sandbox
from sandbox_app import load_config
from sbx_api import DwsApi, http_call
from sbx_signer import sign

TRACE_RE = re.compile(r'^[0-9a-f]{32}$')
REGION = 'cn-north-4'
DOMAIN_ID = 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0'


def iam_get(base_url, creds, query='?name=' + REGION, auth='aksk', path='/v3/projects', method='GET', secret_key=None,
            signed_query=None):
    """A request signed as the SDK signs it (User-Agent included); auth: aksk, temporary, temporary_no_token, token, none.

    signed_query: sign this query but send `query` (tampering).
    """
    headers = {'Content-Type': 'application/json', 'User-Agent': 'huaweicloud-usdk-python/3.0'}
    dws = creds['dws']
    if auth == 'token':
        headers['X-Auth-Token'] = dws['iam_token']
    elif auth != 'none':
        key = dws['temporary'] if auth.startswith('temporary') else dws
        token = key.get('security_token') if auth == 'temporary' else None
        signed_url = base_url + path + (query if signed_query is None else signed_query)
        headers = sign(method, signed_url, headers, b'', key['access_key'], secret_key or key['secret_key'],
                       security_token=token)
    return http_call(base_url, method, path + query, None, headers)


def iam_log(sandbox):
    return sandbox.requests(platform='iam')


def ids_of(result):
    assert result.status == 200, result
    return [project['id'] for project in result.json['projects']]


def test_the_region_of_the_default_project_is_listed_with_the_iam_shape(sandbox, creds):
    result = iam_get(sandbox.base_url, creds)
    assert result.status == 200 and TRACE_RE.match(result.headers['x-iam-trace-id'])
    assert 'x-request-id' not in result.headers
    project_id = creds['dws']['project_id']
    assert result.json == {
        'projects': [{
            'id': project_id, 'name': REGION, 'domain_id': DOMAIN_ID, 'enabled': True, 'description': '',
            'parent_id': DOMAIN_ID, 'is_domain': False,
            'links': {'self': '%s/v3/projects/%s' % (sandbox.base_url, project_id)},
        }],
        'links': {'self': '%s/v3/projects?name=%s' % (sandbox.base_url, REGION), 'previous': None, 'next': None},
    }
    [entry] = sandbox.requests()
    assert (entry['platform'], entry['op'], entry['write'], entry['method'], entry['path']) == ('iam', 'iam.projects', False, 'GET', '/v3/projects')
    assert (entry['query'], entry['status'], entry['auth_ok'], entry['fault']) == ({'name': [REGION]}, 200, True, None)
    assert entry['headers']['Authorization'] == '<redacted>'
    assert sandbox.requests(op='iam.projects') == [entry] and sandbox.requests(platform='dws') == []


def test_the_found_project_serves_the_dws_calls(sandbox, creds):
    [project_id] = ids_of(iam_get(sandbox.base_url, creds))
    assert DwsApi(sandbox.base_url, dict(creds, dws=dict(creds['dws'], project_id=project_id))).list().status == 200
    assert [entry['op'] for entry in sandbox.requests()] == ['iam.projects', 'dws.list']


def test_temporary_keys_sign_their_security_token(sandbox, creds):
    assert ids_of(iam_get(sandbox.base_url, creds, auth='temporary')) == [creds['dws']['project_id']]
    refused = iam_get(sandbox.base_url, creds, auth='temporary_no_token')
    assert (refused.status, refused.json['error_code']) == (401, 'APIGW.0301')
    assert 'missing X-Security-Token' in refused.json['error_msg']
    assert [(entry['auth_ok'], entry['headers'].get('X-Security-Token')) for entry in iam_log(sandbox)] == [
        (True, '<redacted>'), (False, None)]


@pytest.mark.parametrize('auth, kwargs, reason', [
    ('aksk', {'secret_key': 'WrongSecretKey000000000000000000000000'}, 'verify aksk signature fail'),
    ('aksk', {'signed_query': '?name=cn-south-1'}, 'verify aksk signature fail'),
    ('token', {}, 'not an X-Auth-Token'),
    ('none', {}, 'no Authorization'),
])
def test_anything_but_a_valid_signature_gets_the_gateway_401(sandbox, creds, auth, kwargs, reason):
    result = iam_get(sandbox.base_url, creds, auth=auth, **kwargs)
    assert result.status == 401
    body = result.json
    assert (body['error_code'], body['request_id']) == ('APIGW.0301', result.headers['x-iam-trace-id'])
    assert body['error_msg'].startswith('Incorrect IAM authentication information: ') and reason in body['error_msg']
    assert 'projects' not in body
    assert [(entry['op'], entry['status'], entry['auth_ok']) for entry in iam_log(sandbox)] == [('iam.projects', 401, False)]


def test_unknown_region_empty_name_and_no_name(sandbox, creds):
    assert iam_get(sandbox.base_url, creds, query='?name=eu-west-101').json == {
        'projects': [], 'links': {'self': sandbox.base_url + '/v3/projects?name=eu-west-101', 'previous': None, 'next': None}}
    assert ids_of(iam_get(sandbox.base_url, creds, query='?name=')) == []
    sandbox.settings(iam_projects={'cn-south-1': ['a' * 32]})
    assert ids_of(iam_get(sandbox.base_url, creds, query='')) == [creds['dws']['project_id'], 'a' * 32]


def test_only_the_name_filter_is_emulated(sandbox, creds):
    result = iam_get(sandbox.base_url, creds, query='?name=%s&enabled=true' % REGION)
    assert result.status == 400 and result.json['error']['code'] == 400 and 'enabled' in result.json['error']['message']
    assert TRACE_RE.match(result.headers['x-iam-trace-id'])


@pytest.mark.parametrize('method, path', [('POST', '/v3/projects'), ('GET', '/v3/projects/0123456789abcdef0123456789abcdef'),
                                          ('GET', '/v3/auth/tokens'), ('GET', '/v3/projects/')])
def test_other_iam_routes_are_unknown(sandbox, creds, method, path):
    result = iam_get(sandbox.base_url, creds, query='', path=path, method=method)
    assert (result.status, result.json['error_code']) == (404, 'APIGW.0101')
    assert [(entry['platform'], entry['op']) for entry in sandbox.requests()] == [('iam', 'iam.unknown')]


def test_the_answer_per_region_is_a_setting(sandbox, creds):
    own = creds['dws']['project_id']
    several = ['1' * 32, '2' * 32, '3' * 32]
    settings = sandbox.settings(iam_projects={REGION: []})
    assert settings['iam_projects'] == {REGION: []} and sandbox.state()['iam']['projects'] == {REGION: []}
    assert ids_of(iam_get(sandbox.base_url, creds)) == []
    sandbox.settings(iam_projects={REGION: several})
    answer = iam_get(sandbox.base_url, creds).json['projects']
    assert [project['id'] for project in answer] == several and {project['name'] for project in answer} == {REGION}
    sandbox.settings(iam_projects={'ap-southeast-1': [own]})  # replaces the whole map: cn-north-4 answers from the config again
    assert ids_of(iam_get(sandbox.base_url, creds)) == [own]
    assert ids_of(iam_get(sandbox.base_url, creds, query='?name=ap-southeast-1')) == [own]
    sandbox.settings(iam_projects={REGION: several})
    sandbox.reset()
    assert sandbox.settings()['iam_projects'] == {} and ids_of(iam_get(sandbox.base_url, creds)) == [own]


@pytest.mark.parametrize('value', [[], {REGION: 'abc'}, {REGION: [1]}, {REGION: ['']}, {'': ['abc']}, {REGION: None},
                                   {REGION: ['x'] * 101}])
def test_invalid_iam_projects_are_refused(sandbox, value):
    with pytest.raises(SandboxControlError) as raised:
        sandbox.settings(iam_projects=value)
    assert raised.value.status == 400 and 'iam_projects' in raised.value.message
    assert sandbox.settings()['iam_projects'] == {}


def test_the_config_gives_each_project_its_region():
    config = load_config()
    project_id = next(iter(config['dws']['projects']))
    config['dws']['domain_id'] = 'e' * 32
    config['dws']['projects'].update({
        'b' * 32: {'region': REGION, 'clusters': []},         # a second project in the region: IAM lists both
        'c' * 32: {'region': 'cn-east-3', 'clusters': []},
        'd' * 32: {'clusters': []},                          # no region: IAM does not list it
    })
    config['settings'] = dict(config['settings'], iam_projects={'la-south-2': ['f' * 32]})
    with run_sandbox(config=config) as client:
        creds = client.credentials()
        assert ids_of(iam_get(client.base_url, creds)) == [project_id, 'b' * 32]
        east = iam_get(client.base_url, creds, query='?name=cn-east-3').json['projects']
        assert [(item['id'], item['domain_id'], item['parent_id']) for item in east] == [('c' * 32, 'e' * 32, 'e' * 32)]
        assert ids_of(iam_get(client.base_url, creds, query='?name=la-south-2')) == ['f' * 32]
        assert ids_of(iam_get(client.base_url, creds, query='')) == [project_id, 'b' * 32, 'c' * 32, 'f' * 32]
        assert client.state()['iam'] == {'projects': {REGION: [project_id, 'b' * 32], 'cn-east-3': ['c' * 32],
                                                      'la-south-2': ['f' * 32]}, 'domain_id': 'e' * 32}


def test_faults_aim_at_iam_by_platform_or_op(sandbox, creds):
    sandbox.inject('http_error', platform='dws', status=503)
    assert iam_get(sandbox.base_url, creds).status == 200  # a DWS fault leaves the IAM call alone
    assert sandbox.faults()['pending'][0]['remaining'] == 1
    sandbox.clear_faults()
    sandbox.inject('http_error', platform='iam', status=503)
    failed = iam_get(sandbox.base_url, creds)
    assert (failed.status, failed.json) == (503, {'error_code': 'IAM.0001', 'error_msg': 'Internal server error.'})
    assert TRACE_RE.match(failed.headers['x-iam-trace-id'])
    sandbox.inject('rate_limit', op='iam.projects', retry_after=2)
    limited = iam_get(sandbox.base_url, creds)
    assert (limited.status, limited.json['error_code'], limited.headers['retry-after']) == (429, 'APIGW.0308', '2')
    sandbox.inject('cluster_busy')  # a DWS-only kind: never an IAM answer
    assert iam_get(sandbox.base_url, creds).status == 200
    assert [(entry['fault'], entry['status']) for entry in iam_log(sandbox)] == [
        (None, 200), ('http_error', 503), ('rate_limit', 429), (None, 200)]
    with pytest.raises(SandboxControlError):
        sandbox.inject('cluster_busy', platform='iam')


def test_secrets_of_the_iam_call_are_audited(sandbox, creds):
    iam_get(sandbox.base_url, creds, auth='temporary')
    issued = sandbox.issued_secrets()
    assert creds['dws']['temporary']['security_token'] in issued
    assert any(value.startswith('SDK-HMAC-SHA256 Access=' + creds['dws']['temporary']['access_key']) for value in issued)


def test_credentials_and_env_name_the_iam_endpoint(sandbox):
    creds = sandbox.credentials()
    assert (creds['dws']['region'], creds['dws']['iam_endpoint'], creds['dws']['domain_id']) == (REGION, sandbox.base_url, DOMAIN_ID)
    default = sandbox.env()
    assert 'HUAWEICLOUD_SDK_IAM_ENDPOINT' not in default and default['HW_PROJECT_ID'] == creds['dws']['project_id']
    assert sandbox.env(iam=True) == dict(default, HUAWEICLOUD_SDK_IAM_ENDPOINT=sandbox.base_url, HW_REGION_NAME=REGION)
