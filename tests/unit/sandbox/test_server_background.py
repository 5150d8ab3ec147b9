# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""server.py --background and --stop: the README's sandbox block, pasted into a shell.

--background returns once the server listens and prints `export` lines that alone reach both APIs; --stop
ends that server by its pid file; nothing is left running, whichever way a test ends.
"""

from __future__ import absolute_import, division, print_function

import os
import shlex
import signal
import socket
import subprocess
import sys
import time

import pytest

from fixture import SERVER_PATH
from sbx_api import DwsApi, FeishuApi, http_call

__metaclass__ = type

EXPORTED = {'HW_DWS_ENDPOINT', 'HW_ACCESS_KEY', 'HW_SECRET_KEY', 'HW_PROJECT_ID', 'HW_REGION_NAME', 'HUAWEICLOUD_SDK_IAM_ENDPOINT',
            'FEISHU_BASE_URL', 'FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'SANDBOX_DWS_CLUSTER_ID', 'SANDBOX_MRS_CLUSTER_ID'}
# A readiness wait that polled would still be waiting here; --background must already have returned.
START_SECONDS = 15


def process_running(pid):
    """The test's own view, independent of server.py's: a zombie nobody reaped counts as ended."""
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8') as handle:
            return handle.read().rpartition(')')[2].split()[0] != 'Z'
    except OSError:
        return False


def wait_until_ended(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while process_running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not process_running(pid)


def server(*args, env=None):
    return subprocess.run([sys.executable, SERVER_PATH] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=START_SECONDS + 10, env=env, check=False)


def parse_exports(stdout):
    lines = stdout.splitlines()
    assert lines and all(line.startswith('export ') for line in lines), stdout
    return dict(shlex.split(line[len('export '):])[0].split('=', 1) for line in lines)


def read_pid(pid_file):
    with open(pid_file, encoding='utf-8') as handle:
        return int(handle.read())


@pytest.fixture(name='pid_file')
def pid_file_fixture(tmp_path):
    """A pid file of the test's own; whatever server it names is stopped at the end, and must be gone."""
    path = str(tmp_path / 'sandbox.pid')
    yield path
    if os.path.exists(path):
        pid = read_pid(path)
        if process_running(pid):
            os.kill(pid, signal.SIGKILL)
            wait_until_ended(pid)
            pytest.fail('the test left the sandbox (pid %d) running' % pid)


@pytest.mark.skipif(not os.path.isdir('/proc'), reason='reads /proc to see which processes run')
class TestBackground:

    def test_returns_once_listening_with_exports_that_alone_reach_both_apis(self, pid_file):
        started = time.monotonic()
        result = server('--background', '--pid-file', pid_file)
        assert result.returncode == 0, result.stderr
        assert time.monotonic() - started < START_SECONDS
        env = parse_exports(result.stdout)
        assert set(env) == EXPORTED
        url = env['HW_DWS_ENDPOINT']
        assert env['FEISHU_BASE_URL'] == env['HUAWEICLOUD_SDK_IAM_ENDPOINT'] == url
        assert url.startswith('http://127.0.0.1:')
        creds = {'dws': {'project_id': env['HW_PROJECT_ID'], 'cluster_ids': [env['SANDBOX_DWS_CLUSTER_ID']],
                         'access_key': env['HW_ACCESS_KEY'], 'secret_key': env['HW_SECRET_KEY']},
                 'feishu': {'app_id': env['FEISHU_APP_ID'], 'app_secret': env['FEISHU_APP_SECRET']}}
        assert DwsApi(url, creds).list().status == 200  # no retry: ready when --background returned
        assert FeishuApi(url, creds).fetch_token().json['code'] == 0
        assert http_call(url, 'GET', '/_sandbox/state').status == 404  # no --test-mode, no control API
        pid = read_pid(pid_file)
        assert process_running(pid)
        assert 'sandbox listening on %s (pid %d' % (url, pid) in result.stderr
        assert '--stop --pid-file %s' % pid_file in result.stderr
        assert sorted(os.listdir(os.path.dirname(pid_file))) == ['sandbox.log', 'sandbox.pid']

        stopped = server('--stop', '--pid-file', pid_file)
        assert stopped.returncode == 0 and stopped.stdout == ''
        assert 'sandbox (pid %d) stopped' % pid in stopped.stderr
        assert wait_until_ended(pid, timeout=0.5)  # --stop returned after the server ended
        assert not os.path.exists(pid_file)
        with open(os.path.join(os.path.dirname(pid_file), 'sandbox.log'), encoding='utf-8') as log:
            assert log.read().startswith('sandbox listening on %s' % url)

    def test_the_readme_block_works_through_eval_in_a_shell(self, pid_file, tmp_path):
        script = ('set -e\n'
                  'eval "$("$PYTHON" "$SERVER" --background --test-mode --job-duration 0 --pid-file "$PID_FILE")"\n'
                  'printf "%s\\n" "$HW_DWS_ENDPOINT" "$SANDBOX_DWS_CLUSTER_ID" "$FEISHU_APP_ID"\n')
        env = dict(os.environ, PYTHON=sys.executable, SERVER=SERVER_PATH, PID_FILE=pid_file)
        shell = subprocess.run(['bash', '-c', script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=START_SECONDS + 10, check=False)
        assert shell.returncode == 0, shell.stderr
        url, cluster_id, app_id = shell.stdout.split()
        state = http_call(url, 'GET', '/_sandbox/state').json  # --test-mode reached the server
        assert state['settings']['job_duration'] == 0  # and so did --job-duration
        assert cluster_id == '11111111-2222-3333-4444-555555555555' and app_id == 'cli_sandbox00000001'
        pid = read_pid(pid_file)
        assert process_running(pid)  # it outlives the shell that started it
        assert server('--stop', '--pid-file', pid_file).returncode == 0
        assert wait_until_ended(pid, timeout=0.5)

    def test_the_default_pid_file_is_in_dsops_work(self, tmp_path):
        env = dict(os.environ, DSOPS_WORK=str(tmp_path / 'work'))
        assert server('--background', env=env).returncode == 0
        pid_file = str(tmp_path / 'work' / 'sandbox.pid')
        pid = read_pid(pid_file)
        try:
            assert process_running(pid)
            stopped = server('--stop', env=env)
            assert stopped.returncode == 0, stopped.stderr
            assert wait_until_ended(pid, timeout=0.5) and not os.path.exists(pid_file)
        finally:
            if process_running(pid):
                os.kill(pid, signal.SIGKILL)

    def test_a_second_start_is_refused_while_the_first_runs(self, pid_file):
        assert server('--background', '--pid-file', pid_file).returncode == 0
        pid = read_pid(pid_file)
        again = server('--background', '--pid-file', pid_file)
        assert again.returncode == 1 and again.stdout == ''
        assert 'already running (pid %d)' % pid in again.stderr and '--stop' in again.stderr
        assert read_pid(pid_file) == pid and process_running(pid)
        assert server('--stop', '--pid-file', pid_file).returncode == 0
        assert wait_until_ended(pid, timeout=0.5)

    def test_stop_with_nothing_running_is_a_no_op_that_says_so(self, pid_file):
        nothing = server('--stop', '--pid-file', pid_file)
        assert nothing.returncode == 0 and 'none started with --background is running (no %s)' % pid_file in nothing.stderr
        ended = subprocess.Popen(['true'])
        ended.wait()
        with open(pid_file, 'w', encoding='utf-8') as handle:
            handle.write('%d\n' % ended.pid)
        stale = server('--stop', '--pid-file', pid_file)
        assert stale.returncode == 0 and 'stale' in stale.stderr
        assert not os.path.exists(pid_file)

    def test_stop_never_signals_a_process_that_is_not_the_sandbox(self, pid_file):
        other = subprocess.Popen(['sleep', '30'])
        try:
            with open(pid_file, 'w', encoding='utf-8') as handle:
                handle.write('%d\n' % other.pid)  # the sandbox's pid, reused since by another program
            assert server('--stop', '--pid-file', pid_file).returncode == 0
            assert other.poll() is None
        finally:
            other.kill()
            other.wait()

    def test_a_server_that_cannot_start_says_why_and_leaves_nothing(self, pid_file):
        failed = server('--background', '--pid-file', pid_file, '--config', '/nonexistent/config.json')
        assert failed.returncode == 2 and failed.stdout == ''
        assert 'did not start' in failed.stderr and 'cannot start' in failed.stderr and 'nonexistent' in failed.stderr
        assert sorted(os.listdir(os.path.dirname(pid_file))) == ['sandbox.log']

    def test_a_port_in_use_says_so(self, pid_file):
        with socket.socket() as taken:
            taken.bind(('127.0.0.1', 0))
            taken.listen(1)
            failed = server('--background', '--pid-file', pid_file, '--port', str(taken.getsockname()[1]))
        assert failed.returncode == 2 and 'Address already in use' in failed.stderr
        assert not os.path.exists(pid_file)

    def test_given_a_parent_pid_it_stops_when_that_process_ends(self, pid_file):
        """tests/demo.sh passes its own pid: a killed demo must not leave the server running."""
        starter = subprocess.Popen(['sleep', '30'])
        try:
            assert server('--background', '--pid-file', pid_file, '--parent-pid', str(starter.pid)).returncode == 0
            pid = read_pid(pid_file)
            time.sleep(0.3)
            assert process_running(pid)  # its real parent, the launcher, is gone: that is not the process it watches
        finally:
            starter.kill()
            starter.wait()
        assert wait_until_ended(pid, timeout=5.0)

    @pytest.mark.parametrize('args, message', [
        (['--pid-file', 'x.pid'], '--pid-file goes with --background or --stop'),
        (['--background', '--stop'], 'not allowed with argument'),
    ])
    def test_usage_errors(self, args, message):
        result = server(*args)
        assert result.returncode == 2 and message in result.stderr
