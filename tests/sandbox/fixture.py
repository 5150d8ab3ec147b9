"""pytest helpers that run the sandbox as a subprocess.

In a conftest.py:

    import os, sys
    sys.path.insert(0, os.path.join(<repo root>, 'tests', 'sandbox'))
    from fixture import sandbox_fixture, clean_sandbox_fixture

    sandbox_server = sandbox_fixture('sandbox_server')          # session-scoped SandboxClient
    sandbox = clean_sandbox_fixture('sandbox', 'sandbox_server')  # per-test, reset() first

Outside pytest, `with run_sandbox() as client:` does the same job.

HTTPS: make a certificate with make_self_signed_cert(directory) and pass
('--tls-cert', cert, '--tls-key', key) as extra_args; the client then uses
https://127.0.0.1:PORT and trusts that certificate.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from client import SandboxClient

SERVER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'server.py')
STARTUP_TIMEOUT = 15.0
STOP_GRACE_SECONDS = 5.0


class SandboxStartupError(RuntimeError):
    """The server did not write its port file in time (or died first)."""


def make_self_signed_cert(directory):
    """Write a self-signed certificate for 127.0.0.1 (valid 2 days) and its key; return (cert_path, key_path).

    The certificate is its own CA: give it as cafile to whatever talks to the sandbox.
    """
    cert_path = os.path.join(directory, 'sandbox-cert.pem')
    key_path = os.path.join(directory, 'sandbox-key.pem')
    command = ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
               '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key_path, '-out', cert_path]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        raise RuntimeError('openssl could not make a certificate:\n%s' % result.stderr.decode('utf-8', 'replace'))
    return cert_path, key_path


def _option_value(args, name):
    """The value following `name` in a command line (either `name value` or `name=value`), or None."""
    args = list(args)
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + '='):
            return arg[len(name) + 1:]
    return None


def _read_text(path):
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return handle.read()
    except OSError:
        return ''


def _wait_for_port(process, port_file, stderr_path, timeout):
    """Poll for the port file; fail fast, with the server's stderr, if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = _read_text(port_file).strip()
        if content.isdigit():
            return int(content)
        if process.poll() is not None:
            raise SandboxStartupError('sandbox exited with code %s before listening:\n%s'
                                      % (process.returncode, _read_text(stderr_path)))
        time.sleep(0.02)
    raise SandboxStartupError('sandbox did not listen within %.0fs:\n%s' % (timeout, _read_text(stderr_path)))


def stop_process(process, grace=STOP_GRACE_SECONDS):
    """SIGTERM, then SIGKILL after `grace` seconds; always reaps the child."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


@contextlib.contextmanager
def run_sandbox(extra_args=(), test_mode=True, config=None, timeout=STARTUP_TIMEOUT):
    """Start server.py on a free port; yield a SandboxClient (client.process is the Popen)."""
    workdir = tempfile.mkdtemp(prefix='dsops-sandbox-')
    port_file = os.path.join(workdir, 'port')
    stderr_path = os.path.join(workdir, 'stderr.log')
    command = [sys.executable, SERVER_PATH, '--host', '127.0.0.1', '--port', '0', '--port-file', port_file,
               '--parent-pid', str(os.getpid())]
    if test_mode:
        command.append('--test-mode')
    if config is not None:
        config_path = os.path.join(workdir, 'config.json')
        with open(config_path, 'w', encoding='utf-8') as handle:
            json.dump(config, handle)
        command += ['--config', config_path]
    command += list(extra_args)
    process = None
    try:
        with open(stderr_path, 'wb') as stderr, open(os.devnull, 'wb') as stdout:
            process = subprocess.Popen(command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
        port = _wait_for_port(process, port_file, stderr_path, timeout)
        # The port file is written once the socket listens (with TLS: once the certificate is loaded).
        cert = _option_value(extra_args, '--tls-cert')
        client = SandboxClient('%s://127.0.0.1:%d' % ('https' if cert else 'http', port), cafile=cert)
        client.process = process
        yield client
    finally:
        if process is not None:
            stop_process(process)
        shutil.rmtree(workdir, ignore_errors=True)


def sandbox_fixture(name='sandbox_server', scope='session', extra_args=(), test_mode=True, config=None):
    """Build a pytest fixture (named `name`) that yields a SandboxClient for a fresh server."""

    @pytest.fixture(scope=scope, name=name)
    def sandbox_server_fixture():
        try:
            with run_sandbox(extra_args, test_mode=test_mode, config=config) as client:
                yield client
        except SandboxStartupError as error:
            # Only startup can raise this; test failures never reach a fixture's generator.
            pytest.fail(str(error), pytrace=False)

    return sandbox_server_fixture


def clean_sandbox_fixture(name='sandbox', server_fixture='sandbox_server'):
    """Build a function-scoped fixture that resets the server named `server_fixture` before each test."""

    @pytest.fixture(name=name)
    def clean_sandbox(request):
        client = request.getfixturevalue(server_fixture)
        client.reset()
        return client

    return clean_sandbox


# Ready-made fixture: `from fixture import sandbox_server` in a conftest registers it.
sandbox_server = sandbox_fixture()
