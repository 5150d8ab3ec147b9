"""Control API, request log, CLI options, test-mode gating and the subprocess fixture."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from client import SandboxControlError
from fixture import SERVER_PATH, SandboxStartupError, run_sandbox, stop_process
from sandbox_app import load_config
from sbx_api import DwsApi, FeishuApi, http_call, mrs_body, obs_body

LOG_KEYS = {'seq', 'time', 'platform', 'op', 'write', 'method', 'path', 'query', 'headers', 'body', 'status', 'fault', 'auth_ok'}


def test_request_log_entries_and_redaction(sandbox, creds, dws, feishu):
    feishu.refresh_token()
    feishu.create({'name': 'Tickets'})
    dws.list(ds_type='OBS')
    dws.create(mrs_body(creds['dws']['mrs_cluster_ids'][0]))
    DwsApi(dws.base_url, creds, auth='temporary').list()
    DwsApi(dws.base_url, creds, auth='token').list()
    log = sandbox.requests()
    assert all(set(entry) == LOG_KEYS for entry in log)
    assert [entry['op'] for entry in log] == ['feishu.token', 'feishu.create', 'dws.list', 'dws.create', 'dws.list', 'dws.list']
    assert [entry['write'] for entry in log] == [False, True, False, True, False, False]
    assert [entry['seq'] for entry in log] == sorted(entry['seq'] for entry in log)
    assert log[0]['body']['app_secret'] == '<redacted>' and log[0]['body']['app_id'] == creds['feishu']['app_id']
    assert log[1]['headers']['Authorization'] == '<redacted>' and log[1]['body'] == {'name': 'Tickets'}
    assert log[2]['query'] == {'type': ['OBS']} and log[2]['body'] is None and log[2]['status'] == 200
    assert log[3]['body']['user_pwd'] == '<redacted>' and log[3]['headers']['Authorization'] == '<redacted>'
    assert log[4]['headers']['X-Security-Token'] == '<redacted>' and log[5]['headers']['X-Auth-Token'] == '<redacted>'
    assert all(entry['auth_ok'] and entry['fault'] is None for entry in log)
    everything = str(log)
    for secret in (creds['feishu']['app_secret'], creds['dws']['temporary']['security_token'], creds['dws']['iam_token'], 'Secret_123'):
        assert secret not in everything
    assert [entry['op'] for entry in sandbox.writes('dws')] == ['dws.create']
    assert [entry['op'] for entry in sandbox.requests('feishu')] == ['feishu.token', 'feishu.create']


def test_issued_secrets_lists_every_credential_seen_but_not_the_access_key(sandbox, creds, dws, feishu):
    token = feishu.refresh_token()
    feishu.create({'name': 'Tickets'})
    dws.create(mrs_body(creds['dws']['mrs_cluster_ids'][0]))
    DwsApi(dws.base_url, creds, auth='temporary').list()
    secrets = sandbox.issued_secrets()
    signatures = [entry for entry in secrets if entry.startswith('SDK-HMAC-SHA256 ')]
    assert len(signatures) == 2
    for secret in (token, 'Bearer ' + token, creds['feishu']['app_secret'], 'Secret_123',
                   creds['dws']['temporary']['security_token']):
        assert secret in secrets
    assert creds['dws']['access_key'] not in secrets
    sandbox.reset()
    assert sandbox.issued_secrets() == []


def test_control_calls_are_not_logged_and_log_can_be_cleared(sandbox, dws):
    dws.list()
    sandbox.state()
    sandbox.faults()
    sandbox.settings()
    assert len(sandbox.requests()) == 1
    sandbox.clear_log()
    assert sandbox.requests() == []


def test_unknown_paths_are_logged_without_platform(sandbox):
    assert http_call(sandbox.base_url, 'GET', '/elsewhere').status == 404
    entry = sandbox.requests()[0]
    assert (entry['platform'], entry['op'], entry['write'], entry['status']) == (None, None, False, 404)


def test_reset_restores_the_seed(sandbox, dws, feishu):
    token = feishu.refresh_token()
    feishu.create({'name': 'x'})
    dws.create(obs_body())
    sandbox.settings(job_duration=5, status_format='code')
    sandbox.inject('drop')
    sandbox.reset()
    state = sandbox.state()
    assert state['feishu'] == {'data_sources': [], 'schemas': [], 'tokens': []}
    assert all(not cluster['data_sources'] for cluster in state['dws']['projects'][dws.project_id].values())
    assert state['dws']['jobs'] == [] and state['settings']['status_format'] == 'name' and state['settings']['job_duration'] == 0
    assert sandbox.faults()['pending'] == [] and sandbox.requests() == []
    assert feishu.call('GET', feishu.SOURCES_PATH, token=token).json['code'] == 99991663


def test_seed_adds_active_sources_atomically(sandbox, dws, feishu):
    created = sandbox.seed_feishu([{'name': 'a', 'id': '7000000000000000042'}, {'name': 'b', 'state': 0}])
    assert created[0]['id'] == '7000000000000000042' and created[1]['state'] == 0
    assert [item['name'] for item in feishu.list().json['data']['items']] == ['a', 'b']
    seeded = sandbox.seed_dws(dws.project_id, dws.cluster_id, [{'name': 'obs_a', 'type': 'OBS', 'user_name': 'Agency', 'connect_info': 'db'}])
    assert (seeded[0]['configure_status'], seeded[0]['status']) == ('ACTIVE', 'AVAILABLE')
    assert dws.find(seeded[0]['id'])['name'] == 'obs_a'
    for bad in ([{'name': 'ok'}, {'state': 1}], [{'name': 'x', 'id': 'abc'}], [{'name': 'x', 'id': '7000000000000000042'}]):
        with pytest.raises(SandboxControlError):
            sandbox.seed_feishu(bad)
    with pytest.raises(SandboxControlError):
        sandbox.seed_dws(dws.project_id, dws.cluster_id, [{'name': 'new_b', 'type': 'OBS', 'user_name': 'Agency'},
                                                          {'name': 'obs_a', 'type': 'OBS', 'user_name': 'Agency'}])
    with pytest.raises(SandboxControlError):
        sandbox.seed_dws(dws.project_id, '99999999-2222-3333-4444-555555555555', [])
    assert len(feishu.list().json['data']['items']) == 2 and dws.list().json['count'] == 1


@pytest.mark.parametrize('values', [{'job_duration': -1}, {'token_lifetime': 0}, {'max_page_size': 0}, {'status_format': 'xml'},
                                    {'colour': 'red'}, {'max_page_size': True}])
def test_invalid_settings_are_refused(sandbox, values):
    with pytest.raises(SandboxControlError) as raised:
        sandbox.settings(**values)
    assert raised.value.status == 400


def test_unknown_control_endpoint(sandbox):
    assert http_call(sandbox.base_url, 'GET', '/_sandbox/nothing').status == 404
    assert http_call(sandbox.base_url, 'POST', '/_sandbox/faults', '{bad').status == 400


def test_credentials_and_env_come_from_the_config(sandbox):
    creds = sandbox.credentials()
    assert creds['dws']['access_key'] == 'SANDBOXAK00000000000'
    assert creds['dws']['secret_key'] == 'SandboxSecretKey0000000000000000000000'
    assert creds['dws']['project_id'] == '0123456789abcdef0123456789abcdef'
    assert creds['dws']['cluster_ids'] == ['11111111-2222-3333-4444-555555555555', '22222222-3333-4444-5555-666666666666']
    assert 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' in creds['dws']['mrs_cluster_ids']
    assert creds['dws']['temporary']['security_token'] and creds['dws']['iam_token']
    assert (creds['feishu']['app_id'], creds['feishu']['app_secret']) == ('cli_sandbox00000001', 'sandbox-app-secret-0000000000000000')
    assert sandbox.env() == {
        'HW_DWS_ENDPOINT': sandbox.base_url, 'HW_ACCESS_KEY': 'SANDBOXAK00000000000',
        'HW_SECRET_KEY': 'SandboxSecretKey0000000000000000000000', 'HW_PROJECT_ID': '0123456789abcdef0123456789abcdef',
        'FEISHU_BASE_URL': sandbox.base_url, 'FEISHU_APP_ID': 'cli_sandbox00000001', 'FEISHU_APP_SECRET': 'sandbox-app-secret-0000000000000000',
    }


def test_control_api_needs_test_mode():
    with run_sandbox(test_mode=False) as client:
        assert http_call(client.base_url, 'GET', '/_sandbox/requests').status == 404
        assert http_call(client.base_url, 'POST', '/_sandbox/reset', '{}').status == 404
        with pytest.raises(SandboxControlError):
            client.state()
        # The APIs themselves still work; credentials come from the default config file.
        creds = {'dws': {'project_id': '0123456789abcdef0123456789abcdef', 'cluster_ids': ['11111111-2222-3333-4444-555555555555'],
                         'access_key': 'SANDBOXAK00000000000', 'secret_key': 'SandboxSecretKey0000000000000000000000'},
                 'feishu': {'app_id': 'cli_sandbox00000001', 'app_secret': 'sandbox-app-secret-0000000000000000'}}
        assert DwsApi(client.base_url, creds).list().status == 200
        assert FeishuApi(client.base_url, creds).list().status == 200


def test_fixture_leaves_no_process_behind():
    with run_sandbox() as client:
        process = client.process
        assert process.poll() is None
        assert client.state()['settings']['job_duration'] == 1.0
    assert process.returncode == 0  # SIGTERM is a clean stop
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)


def test_cli_options_and_config_seed():
    config = load_config()
    config['feishu']['data_sources'] = [{'name': 'from_config', 'id': '7100000000000000000'}]
    project_id = next(iter(config['dws']['projects']))
    config['dws']['data_sources'] = [{'project_id': project_id, 'cluster_id': '11111111-2222-3333-4444-555555555555',
                                      'name': 'seeded_obs', 'type': 'OBS', 'user_name': 'Agency', 'connect_info': 'db'}]
    args = ('--status-format', 'code', '--token-lifetime', '600', '--job-duration', '0.25')
    with run_sandbox(args, config=config) as client:
        creds = client.credentials()
        assert client.settings() == {'job_duration': 0.25, 'token_lifetime': 600, 'max_page_size': 50, 'status_format': 'code',
                                     'iam_projects': {}, 'schema_delete_when_bound': 'allow'}
        assert DwsApi(client.base_url, creds).list().json['data_sources'][0]['configure_status'] == '200'
        feishu = FeishuApi(client.base_url, creds)
        assert feishu.fetch_token().json['expire'] == 600
        assert feishu.get('7100000000000000000').json['data']['data_source']['name'] == 'from_config'
        client.reset()
        assert [item['name'] for item in client.state()['feishu']['data_sources']] == ['from_config']


def test_startup_failure_reports_stderr():
    with pytest.raises(SandboxStartupError) as raised:
        with run_sandbox(('--config', '/nonexistent/config.json')):
            pass
    assert 'cannot start' in str(raised.value) and 'nonexistent' in str(raised.value)


def test_listening_line_port_file_and_sigint():
    with tempfile.TemporaryDirectory() as workdir:
        port_file = os.path.join(workdir, 'port')
        process = subprocess.Popen([sys.executable, SERVER_PATH, '--port-file', port_file],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = process.stdout.readline().decode('utf-8').strip()
            with open(port_file, encoding='utf-8') as handle:
                port = int(handle.read())
            assert line == 'sandbox listening on http://127.0.0.1:%d' % port
            assert os.listdir(workdir) == ['port']  # the temporary file was renamed away
            assert http_call(line.split()[-1], 'GET', '/_sandbox/state').status == 404
            process.send_signal(signal.SIGINT)
            assert process.wait(5) == 0
        finally:
            stop_process(process)
            process.stdout.close()
            process.stderr.close()


def test_slow_request_does_not_block_others(sandbox, dws, feishu):
    sandbox.inject('slow', delay=0.6, platform='dws')
    slow = threading.Thread(target=dws.list)
    slow.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert feishu.fetch_token().status == 200
    assert time.monotonic() - started < 0.3
    slow.join()
    assert [entry['fault'] for entry in sandbox.requests('dws')] == ['slow']


@contextlib.contextmanager
def request_held_by_a_slow_fault(sandbox, dws, delay):
    """A DWS list the sandbox is still serving (for ``delay`` seconds) while the block runs."""
    sandbox.inject('slow', delay=delay, platform='dws')
    slow = threading.Thread(target=dws.list)
    slow.start()
    try:
        time.sleep(0.1)
        yield
    finally:
        slow.join()


def test_idle_waits_for_a_request_held_by_a_slow_fault(sandbox, dws):
    with request_held_by_a_slow_fault(sandbox, dws, 0.5):
        assert sandbox.requests('dws') == []  # still being served: not logged yet
        assert sandbox.wait_idle(timeout=5) is True
        assert [entry['fault'] for entry in sandbox.requests('dws')] == ['slow']


def test_idle_gives_up_after_its_timeout(sandbox, dws):
    with request_held_by_a_slow_fault(sandbox, dws, 0.8):
        started = time.monotonic()
        assert sandbox.wait_idle(timeout=0.2) is False
        assert time.monotonic() - started < 0.6
    assert sandbox.wait_idle(timeout=0) is True


def process_is_gone(pid):
    """True once ``pid`` has exited (a zombie nobody reaped counts as exited)."""
    try:
        with open('/proc/%d/status' % pid) as handle:
            return any(line.startswith('State:') and 'Z' in line.split()[1] for line in handle)
    except (IOError, OSError):
        return True


@pytest.mark.skipif(not os.path.isdir('/proc'), reason='reads /proc to see the orphaned server')
def test_a_server_given_its_parent_pid_stops_when_the_parent_ends_without_cleanup():
    """What ansible-test units does: each test runs in a forked child that exits without fixture teardown."""
    workdir = tempfile.mkdtemp(prefix='dsops-orphan-')
    port_file = os.path.join(workdir, 'port')
    starter = ('import os, subprocess, sys\n'
               'p = subprocess.Popen([sys.executable, sys.argv[1], "--port", "0", "--port-file", sys.argv[2], '
               '"--parent-pid", str(os.getpid())], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n'
               'print(p.pid)\n')
    pid = int(subprocess.check_output([sys.executable, '-c', starter, SERVER_PATH, port_file]).decode().strip())
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not process_is_gone(pid):
            time.sleep(0.05)
        assert process_is_gone(pid), 'the orphaned sandbox is still running'
    finally:
        if not process_is_gone(pid):
            os.kill(pid, signal.SIGKILL)
