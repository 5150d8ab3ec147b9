"""Fault injection: every kind fires exactly N times, short-circuits apply no effect."""

import http.client
import time

import pytest

from client import SandboxControlError
from fixture import clean_sandbox_fixture, sandbox_fixture
from sandbox_app import load_config
from sandbox_faults import DEFAULT_GATEWAY_PAGE
from sbx_api import DwsApi, FeishuApi, obs_body

COUNT = 2
THIRD_CLUSTER = '33333333-4444-5555-6666-777777777777'


def three_cluster_config():
    """The default config plus a third cluster, so N hanging jobs can each hold their own cluster."""
    config = load_config()
    project = next(iter(config['dws']['projects'].values()))
    project['clusters'].append(THIRD_CLUSTER)
    return config


faults_server = sandbox_fixture('faults_server', scope='module', extra_args=('--job-duration', '0'), config=three_cluster_config())
faulty_sandbox = clean_sandbox_fixture('faulty_sandbox', 'faults_server')


@pytest.fixture(name='apis')
def apis_fixture(faulty_sandbox):
    creds = faulty_sandbox.credentials()
    feishu = FeishuApi(faulty_sandbox.base_url, creds)
    feishu.refresh_token()  # before any fault is declared, so the token call cannot consume one
    return faulty_sandbox, DwsApi(faulty_sandbox.base_url, creds), feishu


def attempt(call):
    """(result, elapsed seconds); result is the exception when the connection was dropped."""
    started = time.monotonic()
    try:
        result = call()
    except (ConnectionError, http.client.HTTPException) as error:
        result = error
    return result, time.monotonic() - started


def feishu_error(status, code):
    return lambda result, elapsed: result.status == status and result.json['code'] == code


def dws_error(status, code):
    return lambda result, elapsed: result.status == status and result.json['error_code'] == code


def is_rate_limited_feishu(result, elapsed):
    return (feishu_error(429, 99991400)(result, elapsed) and result.json['msg'] == 'request trigger frequency limit'
            and result.headers['x-ogw-ratelimit-reset'] == '1' and result.headers['x-ogw-ratelimit-limit'] == '50')


def is_rate_limited_dws(result, elapsed):
    return (dws_error(429, 'APIGW.0308')(result, elapsed) and result.headers['retry-after'] == '2'
            and result.json['request_id'] == result.headers['x-request-id'])


def is_html(result, elapsed):
    return result.status == 200 and result.body.startswith(b'<html>') and result.headers['content-type'] == 'text/html'


def is_dropped(result, elapsed):
    return isinstance(result, Exception)


def is_endless_page(result, elapsed):
    data = result.json['data']
    return result.status == 200 and data['has_more'] is True and data['page_token'].startswith('sbx-endless-')


def is_oversized(result, elapsed):
    return result.status == 200 and len(result.body) >= 4096 and b'"padding":"xxxx' in result.body


def feishu_list(dws, feishu):
    return feishu.list()


def dws_list(dws, feishu):
    return dws.list()


REQUEST_FAULTS = [
    ('http_error', {'platform': 'feishu', 'status': 503}, feishu_list, feishu_error(503, 1270001)),
    ('http_error', {'platform': 'feishu', 'status': 500, 'code': 1270003}, feishu_list, feishu_error(500, 1270003)),
    ('http_error', {'platform': 'dws', 'status': 502}, dws_list, dws_error(502, 'DWS.0005')),
    ('http_error', {'platform': 'dws', 'status': 500, 'error_code': 'DWS.9999'}, dws_list, dws_error(500, 'DWS.9999')),
    ('feishu_code', {'code': 1272001, 'status': 401}, feishu_list, feishu_error(401, 1272001)),
    ('feishu_code', {'code': 1270003}, feishu_list, feishu_error(500, 1270003)),
    ('rate_limit', {'platform': 'feishu'}, feishu_list, is_rate_limited_feishu),
    ('rate_limit', {'platform': 'dws', 'retry_after': 2}, dws_list, is_rate_limited_dws),
    ('dws_conflict', {}, dws_list, dws_error(409, 'DWS.0011')),
    ('malformed', {'platform': 'dws'}, dws_list, is_html),
    ('malformed', {'platform': 'feishu', 'status': 502}, feishu_list, lambda result, elapsed: result.status == 502 and b'<html>' in result.body),
    ('slow', {'delay': 0.15, 'platform': 'dws'}, dws_list, lambda result, elapsed: elapsed >= 0.15 and result.status == 200),
    ('drop', {'platform': 'feishu'}, feishu_list, is_dropped),
    ('drop', {'platform': 'dws'}, dws_list, is_dropped),
    ('token_expired', {}, feishu_list, feishu_error(400, 99991663)),
    ('act_then_answer', {'platform': 'feishu', 'status': 504}, feishu_list, lambda result, elapsed: result.status == 504),
    ('act_then_answer', {'platform': 'dws'}, dws_list, lambda result, elapsed: result.status == 502 and b'Bad Gateway' in result.body),
    ('answer_late', {'delay': 0.15, 'platform': 'feishu'}, feishu_list, lambda result, elapsed: elapsed >= 0.15 and result.status == 200),
    ('endless_pages', {}, feishu_list, is_endless_page),
    ('oversized', {'platform': 'feishu', 'size': 4096}, feishu_list, is_oversized),
    ('oversized', {'platform': 'dws', 'size': 4096}, dws_list, is_oversized),
    ('echo', {'platform': 'feishu'}, feishu_list, feishu_error(400, 1270002)),
    ('echo', {'platform': 'dws', 'status': 503}, dws_list, dws_error(503, 'DWS.0001')),
]


@pytest.mark.parametrize('kind, params, request_fn, is_faulty', REQUEST_FAULTS,
                         ids=['%s-%s' % (case[0], case[1].get('platform', '')) for case in REQUEST_FAULTS])
def test_request_fault_fires_exactly_n_times(apis, kind, params, request_fn, is_faulty):
    sandbox, dws, feishu = apis
    declared = sandbox.inject(kind, count=COUNT, **params)
    assert declared['remaining'] == COUNT
    for dummy in range(COUNT):
        result, elapsed = attempt(lambda: request_fn(dws, feishu))
        assert is_faulty(result, elapsed), result
        if kind == 'token_expired':
            feishu.refresh_token()
    result, elapsed = attempt(lambda: request_fn(dws, feishu))
    assert not isinstance(result, Exception) and result.status == 200 and elapsed < 0.15
    faults = sandbox.faults()
    assert faults['pending'] == [] and [(fault['kind'], fault['fired']) for fault in faults['retired']] == [(kind, COUNT)]
    logged = [entry['fault'] for entry in sandbox.requests() if entry['op'] != 'feishu.token']
    assert logged == [kind] * COUNT + [None]


JOB_FAULTS = [('job_fail', {}, 'FAIL'), ('job_stop', {}, 'STOP'), ('job_hang', {}, 'RUNNING'), ('job_status', {'status': 'QUEUED'}, 'QUEUED')]


@pytest.mark.parametrize('kind, params, status', JOB_FAULTS, ids=[case[0] for case in JOB_FAULTS])
def test_job_fault_fires_on_exactly_n_jobs(apis, kind, params, status):
    sandbox, dws = apis[:2]
    clusters = sandbox.credentials()['dws']['cluster_ids']
    sandbox.inject(kind, count=COUNT, **params)
    jobs = [dws.create(obs_body('src'), cluster_id=cluster).json['job_id'] for cluster in clusters]
    assert [dws.wait_job(job_id, timeout=0.2)['status'] for job_id in jobs] == [status] * COUNT + ['SUCCESS']
    assert sandbox.faults()['retired'][0]['fired'] == COUNT


def create_feishu(dws, feishu):
    return feishu.create({'name': 'x'})


def patch_feishu(dws, feishu):
    ds_id = feishu.list().json['data']['items'][0]['id']
    return feishu.patch(ds_id, {'name': 'changed'})


def delete_feishu(dws, feishu):
    return feishu.delete(feishu.list().json['data']['items'][0]['id'])


def create_dws(dws, feishu):
    return dws.create(obs_body('new_one'))


def update_dws(dws, feishu):
    return dws.update(dws.list().json['data_sources'][0]['id'], {'reconfigure': {'agency': 'Changed'}})


def delete_dws(dws, feishu):
    return dws.delete(dws.list().json['data_sources'][0]['id'])


SHORT_CIRCUITS = [
    ('http_error', 'feishu.create', create_feishu), ('drop', 'feishu.patch', patch_feishu),
    ('rate_limit', 'feishu.delete', delete_feishu), ('malformed', 'feishu.patch', patch_feishu),
    ('drop', 'dws.create', create_dws), ('dws_conflict', 'dws.update', update_dws),
    ('http_error', 'dws.delete', delete_dws), ('rate_limit', 'dws.create', create_dws), ('malformed', 'dws.update', update_dws),
    ('echo', 'feishu.create', create_feishu), ('echo', 'dws.delete', delete_dws),
]


@pytest.mark.parametrize('kind, op, write', SHORT_CIRCUITS, ids=['%s-%s' % (case[0], case[1]) for case in SHORT_CIRCUITS])
def test_short_circuit_faults_apply_no_effect(apis, kind, op, write):
    sandbox, dws, feishu = apis
    sandbox.seed_feishu([{'name': 'seeded'}])
    sandbox.seed_dws(dws.project_id, dws.cluster_id, [{'name': 'seeded', 'type': 'OBS', 'user_name': 'Agency', 'connect_info': 'db'}])
    before = sandbox.state()
    sandbox.inject(kind, op=op)
    result = attempt(lambda: write(dws, feishu))[0]
    assert isinstance(result, Exception) or result.status != 200 or not result.body.startswith(b'{')
    after = sandbox.state()
    assert after['feishu']['data_sources'] == before['feishu']['data_sources']
    assert after['dws'] == before['dws']
    assert [entry['fault'] for entry in sandbox.writes()] == [kind]


def test_filters_on_method_and_path(apis):
    sandbox, dws, feishu = apis
    sandbox.inject('http_error', method='POST', path=r'/search/v2/data_sources$')
    sandbox.inject('dws_conflict', path='/job/')
    assert feishu.list().status == 200
    assert dws.list().status == 200
    assert feishu.create({'name': 'a'}).status == 500
    created = dws.create(obs_body())
    assert created.status == 200
    assert dws.job(created.json['job_id']).status == 409
    assert sandbox.faults()['pending'] == []


def test_faults_are_listed_and_cleared(apis):
    sandbox, dws = apis[:2]
    first = sandbox.inject('slow', count=3, delay=0.01, platform='dws')
    sandbox.inject('job_fail')
    dws.list()
    pending = sandbox.faults()['pending']
    assert [(fault['id'], fault['fired'], fault['remaining']) for fault in pending][0] == (first['id'], 1, 2)
    assert pending[1]['params']['failed_code'] == 'DWS.5555'
    assert sandbox.faults()['fired_total'] == 1
    sandbox.clear_faults()
    assert sandbox.faults() == {'pending': [], 'retired': [], 'fired_total': 0}


@pytest.mark.parametrize('kind, params', [
    ('explode', {}), ('slow', {'delay': -1}), ('slow', {'colour': 'red'}), ('feishu_code', {}), ('feishu_code', {'code': 1, 'platform': 'dws'}),
    ('http_error', {'status': 200}), ('http_error', {'path': '('}), ('drop', {'platform': 'ftp'}),
    ('act_then_answer', {'status': 99}), ('act_then_answer', {'act_after': 121}), ('act_then_answer', {'body': 5}),
    ('answer_late', {'delay': 'soon'}), ('answer_late', {'delay': True}), ('endless_pages', {'platform': 'dws'}),
    ('endless_pages', {'page_size': 2}), ('oversized', {'size': 0}), ('oversized', {'size': 268435457}),
    ('oversized', {'size': 1.5}), ('echo', {'format': 'xml'}), ('echo', {'pad': 100001}), ('echo', {'status': 200}),
    ('job_status', {}), ('job_status', {'status': 5}), ('job_status', {'status': 'QUEUED', 'hold': 86401}),
    ('job_status', {'status': 'QUEUED', 'platform': 'feishu'}),
])
def test_invalid_fault_specs_are_refused(apis, kind, params):
    sandbox = apis[0]
    with pytest.raises(SandboxControlError) as raised:
        sandbox.inject(kind, **params)
    assert raised.value.status == 400


def test_declared_parameters_show_their_defaults(apis):
    sandbox = apis[0]
    assert sandbox.inject('act_then_answer')['params'] == {
        'status': 502, 'body': DEFAULT_GATEWAY_PAGE, 'content_type': 'text/html', 'act_after': 0}
    assert sandbox.inject('act_then_answer', status=504)['params']['body'].count('504 Gateway Time-out') == 2
    assert sandbox.inject('answer_late')['params'] == {'delay': 1.0}
    assert sandbox.inject('oversized')['params'] == {'size': 20971520}
    assert sandbox.inject('echo')['params'] == {'status': 400, 'format': 'json', 'pad': 0}
    declared = sandbox.inject('job_status', status='QUEUED')
    assert declared['params'] == {'status': 'QUEUED', 'hold': None} and declared['match']['platform'] == 'dws'
    assert sandbox.inject('endless_pages')['match']['platform'] == 'feishu'


def test_zero_count_is_refused(apis):
    with pytest.raises(SandboxControlError):
        apis[0].inject('drop', count=0)
