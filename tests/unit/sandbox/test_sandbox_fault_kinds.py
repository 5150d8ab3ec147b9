"""The gateway-style fault kinds: act_then_answer, answer_late, endless_pages, oversized, echo, job_status."""

import http.client
import json
import socket
import threading
import time
from urllib.parse import urlsplit

from sandbox_faults import oversized_response
from sbx_api import Result, obs_body


def timed(call):
    """(result, elapsed seconds)."""
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def in_background(call):
    """Start call() on a thread; returns (thread, holder) where holder['result'] is set when it ends."""
    holder = {}
    thread = threading.Thread(target=lambda: holder.update(result=timed(call)))
    thread.start()
    return thread, holder


def feishu_names(sandbox):
    return [item['name'] for item in sandbox.state()['feishu']['data_sources']]


def dws_sources(sandbox, dws):
    return sandbox.state()['dws']['projects'][dws.project_id][dws.cluster_id]['data_sources']


def api_log(sandbox):
    return [entry for entry in sandbox.requests() if entry['op'] != 'feishu.token']


# ----- act_then_answer --------------------------------------------------------------------------------------------

def test_act_then_answer_performs_the_create_but_answers_a_gateway_page(sandbox, feishu):
    feishu.refresh_token()
    sandbox.inject('act_then_answer', op='feishu.create', status=504)
    result = feishu.create({'name': 'made anyway'})
    assert result.status == 504 and result.headers['content-type'] == 'text/html'
    assert b'<title>504 Gateway Time-out</title>' in result.body and b'<h1>504 Gateway Time-out</h1>' in result.body
    assert feishu_names(sandbox) == ['made anyway']
    entry = api_log(sandbox)[0]
    assert (entry['op'], entry['write'], entry['status'], entry['fault'], entry['auth_ok']) == ('feishu.create', True, 504, 'act_then_answer', True)


def test_act_then_answer_starts_the_dws_job_and_defaults_to_502(sandbox, dws):
    sandbox.settings(job_duration=30)
    declared = sandbox.inject('act_then_answer', op='dws.create')
    assert declared['params']['body'].startswith('<html>\r\n<head><title>502 Bad Gateway</title>')
    result = dws.create(obs_body('behind_gateway'))
    assert result.status == 502 and result.body.decode('utf-8') == declared['params']['body']
    [source] = dws_sources(sandbox, dws)
    assert (source['name'], source['configure_status']) == ('behind_gateway', 'CREATING')
    [job] = sandbox.state()['dws']['jobs']
    assert (job['action'], job['data_source_id'], job['status']) == ('create', source['id'], 'INIT')
    assert dws.create(obs_body('second')).json['error_code'] == 'DWS.0011'  # the hidden job holds the cluster


def test_act_then_answer_on_put_starts_its_job(sandbox, dws):
    [seeded] = sandbox.seed_dws(dws.project_id, dws.cluster_id, [{'name': 'src', 'type': 'OBS', 'user_name': 'OldAgency', 'connect_info': 'db'}])
    sandbox.inject('act_then_answer', op='dws.update', status=504, body='upstream timed out', content_type='text/plain')
    result = dws.update(seeded['id'], {'reconfigure': {'agency': 'NewAgency'}})
    assert (result.status, result.body, result.headers['content-type']) == (504, b'upstream timed out', 'text/plain')
    assert [job['action'] for job in sandbox.state()['dws']['jobs']] == ['update']
    assert dws.find(seeded['id'])['user_name'] == 'NewAgency'  # job_duration 0: done at the next request


def test_act_after_answers_at_once_and_acts_later(sandbox, feishu):
    feishu.refresh_token()
    sandbox.inject('act_then_answer', op='feishu.create', status=504, act_after=1.0)
    result, elapsed = timed(lambda: feishu.create({'name': 'late'}))
    assert result.status == 504 and elapsed < 0.5
    # logged when answered, with the status the client got; nothing changed yet, but it counts as in flight
    assert [(entry['fault'], entry['status']) for entry in api_log(sandbox)] == [('act_then_answer', 504)]
    assert feishu_names(sandbox) == []
    assert sandbox.wait_idle(timeout=0) is False
    assert sandbox.wait_idle(timeout=5) is True
    assert feishu_names(sandbox) == ['late']
    assert len(api_log(sandbox)) == 1  # the deferred action is not a second request


def test_act_after_acts_on_the_state_as_it_is_then(sandbox, dws):
    sandbox.settings(job_duration=30)
    sandbox.inject('act_then_answer', op='dws.create', act_after=1.0)
    assert dws.create(obs_body('deferred')).status == 502
    assert dws.create(obs_body('direct')).status == 200  # its job holds the cluster when the deferred create runs
    assert sandbox.wait_idle(timeout=5) is True
    assert [source['name'] for source in dws_sources(sandbox, dws)] == ['direct']


def test_reset_cancels_a_deferred_action(sandbox, feishu):
    feishu.refresh_token()
    sandbox.inject('act_then_answer', op='feishu.create', act_after=0.5)
    assert feishu.create({'name': 'never'}).status == 502
    sandbox.reset()
    assert sandbox.wait_idle(timeout=0) is True
    time.sleep(0.8)
    assert feishu_names(sandbox) == []


# ----- answer_late ------------------------------------------------------------------------------------------------

def test_answer_late_acts_at_once_and_holds_the_answer(sandbox, feishu):
    feishu.refresh_token()
    sandbox.inject('answer_late', op='feishu.create', delay=1.0)
    thread, holder = in_background(lambda: feishu.create({'name': 'early effect'}))
    try:
        time.sleep(0.2)
        listed, elapsed = timed(feishu.list)  # other requests flow while the answer is held
        assert elapsed < 0.4 and [item['name'] for item in listed.json['data']['items']] == ['early effect']
        assert sandbox.wait_idle(timeout=0) is False
        assert [entry['fault'] for entry in api_log(sandbox)] == ['answer_late', None]  # logged when it acted
    finally:
        thread.join()
    result, elapsed = holder['result']
    assert result.status == 200 and result.json['data']['data_source']['name'] == 'early effect'
    assert elapsed >= 1.0
    assert sandbox.wait_idle(timeout=0) is True


# ----- endless_pages ----------------------------------------------------------------------------------------------

def test_endless_pages_repeat_the_first_page_then_the_walk_ends(sandbox, feishu):
    sandbox.seed_feishu([{'name': 'a'}, {'name': 'b'}, {'name': 'c'}])
    feishu.refresh_token()
    sandbox.inject('endless_pages', count=3)
    pages, token = [], ''
    while len(pages) < 10:
        query = {'page_size': 2, 'page_token': token} if token else {'page_size': 2}
        data = feishu.list(**query).json['data']
        pages.append(([item['name'] for item in data['items']], data['has_more'], data['page_token']))
        if not data['has_more']:
            break
        token = data['page_token']
    assert [names for names, more, token in pages] == [['a', 'b']] * 4 + [['c']]
    endless = [token for names, more, token in pages[:3]]
    assert all(token.startswith('sbx-endless-') for token in endless) and len(set(endless)) == 3
    # the fourth request carried a spent endless token: a first page as the emulator gives it
    assert pages[3][1] is True and not pages[3][2].startswith('sbx-endless-') and pages[4][1:] == (False, '')
    assert [entry['fault'] for entry in api_log(sandbox)] == ['endless_pages'] * 3 + [None, None]


def test_endless_pages_keep_auth_view_and_page_size_checks(sandbox, feishu):
    sandbox.seed_feishu([{'name': 'a', 'description': 'long'}])
    feishu.refresh_token()
    sandbox.inject('endless_pages', count=4)
    assert feishu.call('GET', feishu.SOURCES_PATH, token='t-unknown').json['code'] == 99991663
    assert feishu.list(page_size=0).json['code'] == 1270002
    data = feishu.list(view=1).json['data']
    assert data['items'] == [{'id': data['items'][0]['id'], 'name': 'a', 'state': 1}] and data['has_more'] is True


def test_endless_pages_only_match_the_feishu_list(sandbox, feishu):
    [seeded] = sandbox.seed_feishu([{'name': 'a'}])
    sandbox.inject('endless_pages')
    feishu.refresh_token()
    assert feishu.get(seeded['id']).status == 200
    assert sandbox.faults()['pending'][0]['remaining'] == 1
    assert feishu.list().json['data']['has_more'] is True


def test_endless_tokens_die_with_a_reset(sandbox, feishu):
    feishu.refresh_token()
    sandbox.inject('endless_pages')
    token = feishu.list().json['data']['page_token']
    sandbox.reset()
    feishu.refresh_token()
    assert feishu.list(page_token=token).json['code'] == 1270002


# ----- oversized --------------------------------------------------------------------------------------------------

def test_oversized_feishu_default_is_20_mib_of_valid_json(sandbox, feishu):
    feishu.refresh_token()
    sandbox.inject('oversized', op='feishu.list')
    result = feishu.list()
    assert result.status == 200 and result.headers['content-type'] == 'application/json'
    assert int(result.headers['content-length']) == len(result.body) >= 20 * 1024 * 1024
    body = result.json
    assert set(body) == {'code', 'msg', 'data'} and (body['code'], body['msg']) == (0, 'success')
    assert body['data']['items'] == [] and body['data']['has_more'] is False and set(body['data']['padding']) == {'x'}


def test_oversized_dws_body_and_no_effect(sandbox, dws):
    sandbox.inject('oversized', op='dws.create', size=5000)
    result = dws.create(obs_body())
    assert result.status == 200 and len(result.body) == 5000
    assert result.body.startswith(b'{"data_sources":[],"count":0,"padding":"xxx') and result.json['count'] == 0
    assert dws_sources(sandbox, dws) == [] and sandbox.state()['dws']['jobs'] == []


def test_oversized_body_is_one_buffer_of_at_least_size_bytes():
    envelope = ('{"padding":"', '"}')
    assert bytes(oversized_response(envelope, 1).body) == b'{"padding":""}'
    assert len(oversized_response(envelope, 1000).body) == 1000


# ----- echo -------------------------------------------------------------------------------------------------------

def raw_call(base_url, head_lines, body=b''):
    """Send these exact request lines and body bytes over a socket; return the Result."""
    parts = urlsplit(base_url)
    head = '\r\n'.join(head_lines + ['Content-Length: %d' % len(body), '', '']).encode('latin-1')
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Result(response.status, {name.lower(): value for name, value in response.getheaders()}, response.read())


def echoed(headers, body, pad=0):
    """The message an echo fault builds for this request."""
    return '.' * pad + ''.join('%s: %s\n' % header for header in headers) + '\n' + body.decode('utf-8', 'replace')


def test_echo_json_returns_every_header_and_the_body(sandbox):
    sandbox.inject('echo', platform='feishu', pad=20)
    body = '{"name": "quote \\" backslash \\\\ caf\u00e9"}'.encode('utf-8') + b'\xff'
    headers = [('Host', 'sandbox'), ('Authorization', 'Bearer t-secret-token-123456'), ('Content-Type', 'application/json')]
    result = raw_call(sandbox.base_url, ['POST /open-apis/search/v2/data_sources HTTP/1.1'] + ['%s: %s' % h for h in headers], body)
    assert result.status == 400 and result.headers['content-type'] == 'application/json'
    headers.append(('Content-Length', str(len(body))))
    assert result.body == json.dumps({'code': 1270002, 'msg': echoed(headers, body, pad=20)}).encode('ascii')
    assert b'Bearer t-secret-token-123456' in result.body and b'caf\\u00e9' in result.body and b'\\ufffd' in result.body
    entry = sandbox.requests()[0]
    assert (entry['status'], entry['fault']) == (400, 'echo') and entry['headers']['Authorization'] == '<redacted>'


def test_echo_html_on_dws_with_every_credential_header(sandbox, dws, creds):
    sandbox.inject('echo', op='dws.create', format='html', status=502, pad=5)
    token, security = creds['dws']['iam_token'], creds['dws']['temporary']['security_token']
    body = json.dumps(obs_body(user_pwd='Pa<ss>')).encode('utf-8')
    headers = [('Host', 'sandbox'), ('X-Auth-Token', token), ('X-Security-Token', security), ('Authorization', 'SDK-HMAC-SHA256 x')]
    path = dws.sources_path()
    result = raw_call(sandbox.base_url, ['POST %s HTTP/1.1' % path] + ['%s: %s' % h for h in headers], body)
    headers.append(('Content-Length', str(len(body))))
    assert (result.status, result.headers['content-type']) == (502, 'text/html')
    assert result.body.decode('utf-8') == '<html><body><pre>%s</pre></body></html>' % echoed(headers, body, pad=5)
    entry = sandbox.requests()[0]
    assert entry['fault'] == 'echo' and entry['body']['user_pwd'] == '<redacted>'
    assert {entry['headers'][name] for name in ('X-Auth-Token', 'X-Security-Token', 'Authorization')} == {'<redacted>'}
    assert token not in str(sandbox.requests()) and dws_sources(sandbox, dws) == []


def test_echo_dws_json_shape(sandbox, dws):
    sandbox.inject('echo', platform='dws')
    result = dws.list()
    assert result.status == 400 and result.json['error_code'] == 'DWS.0001'
    message = result.json['error_msg']
    assert '\nAuthorization: SDK-HMAC-SHA256 Access=' in message and message.endswith('\n\n')  # no body: ends blank


# ----- job_status -------------------------------------------------------------------------------------------------

def test_job_status_held_forever_blocks_the_cluster(sandbox, dws):
    sandbox.inject('job_status', status='QUEUED')
    created = dws.create(obs_body())
    time.sleep(0.1)
    job = dws.job(created.json['job_id']).json
    assert {key: job[key] for key in ('status', 'progress', 'end_time', 'failed_code', 'failed_detail')} == {
        'status': 'QUEUED', 'progress': '0%', 'end_time': '', 'failed_code': '', 'failed_detail': ''}
    assert dws.find(created.json['id'])['configure_status'] == 'CREATING'
    assert dws.create(obs_body('other')).json['error_code'] == 'DWS.0011'
    assert dws.delete(created.json['id']).status == 409


def test_job_status_hold_then_the_normal_timeline(sandbox, dws):
    sandbox.settings(job_duration=0.8)
    sandbox.inject('job_status', status='FAILED', hold=0.5)
    [seeded] = sandbox.seed_dws(dws.project_id, dws.cluster_id, [{'name': 'src', 'type': 'OBS', 'user_name': 'OldAgency', 'connect_info': 'db'}])
    started = time.monotonic()
    job_id = dws.update(seeded['id'], {'reconfigure': {'agency': 'NewAgency'}}).json['job_id']
    assert dws.job(job_id).json['status'] == 'FAILED' and dws.find(seeded['id'])['configure_status'] == 'UPDATING'
    time.sleep(max(0.0, 0.75 - (time.monotonic() - started)))
    assert dws.job(job_id).json['status'] in ('INIT', 'RUNNING')  # the 0.8 s job started when the hold ended
    final = dws.wait_job(job_id)
    assert (final['status'], final['failed_code'], final['progress']) == ('SUCCESS', '', '100%')
    assert time.monotonic() - started >= 1.2
    assert dws.find(seeded['id'])['user_name'] == 'NewAgency'


def test_job_status_fires_on_count_jobs(sandbox, dws, creds):
    sandbox.inject('job_status', count=1, status='CANCELED', hold=60)
    first, second = (dws.create(obs_body('src'), cluster_id=cluster).json['job_id'] for cluster in creds['dws']['cluster_ids'])
    assert dws.job(first).json['status'] == 'CANCELED' and dws.wait_job(second)['status'] == 'SUCCESS'
    assert sandbox.faults()['retired'][0]['kind'] == 'job_status'
