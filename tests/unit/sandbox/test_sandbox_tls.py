"""TLS mode: --tls-cert/--tls-key, the https client and fixture, and certificate verification."""

import atexit
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
from urllib.error import URLError
from urllib.request import ProxyHandler, build_opener

import pytest

from client import SandboxClient
from fixture import SERVER_PATH, SandboxStartupError, make_self_signed_cert, run_sandbox, sandbox_fixture, stop_process
from sbx_api import FeishuApi, http_call

pytestmark = pytest.mark.skipif(shutil.which('openssl') is None, reason='needs the openssl command to make a certificate')

# Made at import, as a conftest using sandbox_fixture(extra_args=...) must; removed when this process ends (not
# per test: ansible-test units runs each test in a forked child that would delete it for the next one).
CERT_DIR = tempfile.mkdtemp(prefix='dsops-sandbox-tls-')
atexit.register(shutil.rmtree, CERT_DIR, True)
CERT, KEY = make_self_signed_cert(CERT_DIR) if shutil.which('openssl') else (None, None)
TLS_ARGS = ('--tls-cert', CERT, '--tls-key', KEY)

tls_server = sandbox_fixture('tls_server', scope='module', extra_args=TLS_ARGS + ('--job-duration', '0'))


def test_the_fixture_serves_https_and_its_client_verifies_it(tls_server):
    assert tls_server.base_url.startswith('https://127.0.0.1:') and tls_server.cafile == CERT
    assert tls_server.credentials()['base_url'] == tls_server.base_url
    assert tls_server.env()['FEISHU_BASE_URL'] == tls_server.base_url
    assert tls_server.reset() == {'reset': True}


def test_the_apis_answer_over_https(tls_server):
    tls_server.reset()
    token = http_call(tls_server.base_url, 'POST', FeishuApi.TOKEN_PATH, {'app_id': 'cli_sandbox00000001',
                      'app_secret': 'sandbox-app-secret-0000000000000000'}, {'Content-Type': 'application/json'}, cafile=CERT)
    assert token.status == 200 and token.json['tenant_access_token']
    listed = http_call(tls_server.base_url, 'GET', FeishuApi.SOURCES_PATH,
                       headers={'Authorization': 'Bearer ' + token.json['tenant_access_token']}, cafile=CERT)
    assert listed.status == 200 and listed.json['code'] == 0
    assert [entry['op'] for entry in tls_server.requests()] == ['feishu.token', 'feishu.list']


def test_a_client_without_the_ca_fails_verification(tls_server):
    with pytest.raises(URLError) as raised:
        build_opener(ProxyHandler({})).open(tls_server.base_url + '/_sandbox/state', timeout=10)
    assert isinstance(raised.value.reason, ssl.SSLCertVerificationError)
    with pytest.raises(URLError):
        SandboxClient(tls_server.base_url).state()  # the system CAs do not know it either
    assert tls_server.state()['settings']  # and the server is still serving


def test_each_refused_handshake_is_counted_and_reset_clears_the_count(tls_server):
    tls_server.reset()
    for dummy in range(2):
        with pytest.raises(URLError):
            build_opener(ProxyHandler({})).open(tls_server.base_url + '/_sandbox/state', timeout=10)
    assert tls_server.state()['tls_failures'] == 2 and tls_server.requests() == []
    tls_server.reset()
    assert tls_server.state()['tls_failures'] == 0


def test_a_silent_connection_does_not_stall_the_server(tls_server):
    host, port = tls_server.base_url.rsplit('/', 1)[-1].split(':')
    with socket.create_connection((host, int(port)), timeout=10):
        # no ClientHello: the handshake waits on this connection's own thread, not in accept()
        assert tls_server.faults()['pending'] == []


def test_plain_http_to_the_tls_port_is_refused(tls_server):
    with pytest.raises(ConnectionError):
        http_call(tls_server.base_url.replace('https:', 'http:'), 'GET', '/_sandbox/state')
    assert tls_server.state()['settings']


def test_listening_line_and_sigterm_with_tls():
    with tempfile.TemporaryDirectory() as workdir:
        port_file = os.path.join(workdir, 'port')
        process = subprocess.Popen([sys.executable, SERVER_PATH, '--port-file', port_file, '--parent-pid', str(os.getpid())]
                                   + list(TLS_ARGS), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = process.stdout.readline().decode('utf-8').strip()
            with open(port_file, encoding='utf-8') as handle:
                port = int(handle.read())
            assert line == 'sandbox listening on https://127.0.0.1:%d' % port
            assert http_call(line.split()[-1], 'GET', '/_sandbox/state', cafile=CERT).status == 404  # no --test-mode
            with pytest.raises(URLError):
                build_opener(ProxyHandler({})).open(line.split()[-1] + '/_sandbox/state', timeout=10)
            process.terminate()
            assert process.wait(5) == 0
            assert b'Traceback' not in process.stderr.read()  # a refused certificate is the client's business
        finally:
            stop_process(process)
            process.stdout.close()
            process.stderr.close()


@pytest.mark.parametrize('args, message', [
    (('--tls-cert', 'only-a-cert.pem'), '--tls-cert and --tls-key go together'),
    (('--tls-key', 'only-a-key.pem'), '--tls-cert and --tls-key go together'),
    (('--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem'), 'cannot start'),
])
def test_bad_tls_options_stop_the_start(args, message):
    with pytest.raises(SandboxStartupError) as raised:
        with run_sandbox(args):
            pass
    assert message in str(raised.value)


def test_a_key_that_does_not_match_the_certificate_is_refused(tmp_path):
    other_key = make_self_signed_cert(str(tmp_path))[1]
    with pytest.raises(SandboxStartupError) as raised:
        with run_sandbox(('--tls-cert', CERT, '--tls-key', other_key)):
            pass
    assert 'cannot start' in str(raised.value)
