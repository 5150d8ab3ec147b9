"""Local emulator of the DWS ext-data-sources and Feishu Search v2 data-source APIs.

Run:  python3 tests/sandbox/server.py [--port 0] [--port-file PATH] [--test-mode] [--tls-cert C --tls-key K] ...
      eval "$(python3 tests/sandbox/server.py --background [...])"    # returns once it listens, exports HW_* / FEISHU_*
      python3 tests/sandbox/server.py --stop                          # stops the one --background started
DWS is served under /v1.0/..., Feishu under /open-apis/..., and (with --test-mode
only) the control API under /_sandbox/.  See README.md beside this file.
"""

import argparse
import os
import shlex
import signal
import ssl
import subprocess
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from sandbox_app import SandboxApp, load_config
from sandbox_http import Request, text_response

MAX_BODY_BYTES = 1024 * 1024
SERVER_PATH = os.path.abspath(__file__)
BACKGROUND_START_TIMEOUT = 15.0
STOP_GRACE_SECONDS = 5.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='DWS + Feishu API sandbox')
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=0, help='port to bind; 0 picks a free one (default)')
    parser.add_argument('--port-file', help='write the bound port to this file (atomically)')
    parser.add_argument('--config', help='JSON config replacing the built-in default_config.json')
    parser.add_argument('--test-mode', action='store_true', help='serve the /_sandbox/ control API')
    parser.add_argument('--job-duration', type=float, help='seconds a DWS job takes (default 1.0; 0 allowed)')
    parser.add_argument('--token-lifetime', type=int, help='Feishu tenant token lifetime in seconds (default 7200)')
    parser.add_argument('--status-format', choices=('name', 'code'), help='DWS status wire format (default name)')
    parser.add_argument('--verbose', action='store_true', help='log every request to stderr')
    parser.add_argument('--parent-pid', type=int,
                        help='stop when this process (the one starting the sandbox) ends; the test fixture and the '
                             'demo pass their own pid')
    parser.add_argument('--tls-cert', help='serve HTTPS with this PEM certificate (needs --tls-key)')
    parser.add_argument('--tls-key', help='the PEM private key of --tls-cert')
    detached = parser.add_mutually_exclusive_group()
    detached.add_argument('--background', action='store_true',
                          help='start the server as a separate process, return once it listens and print the export '
                               'lines of its credentials for eval (its output goes to the log beside --pid-file)')
    detached.add_argument('--stop', action='store_true', help='stop the server that --background started (by --pid-file)')
    parser.add_argument('--pid-file',
                        help='where --background records the server\'s pid and --stop finds it (default: %s)'
                             % default_pid_file().replace('%', '%%'))
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error('--tls-cert and --tls-key go together')
    if args.pid_file and not (args.background or args.stop):
        parser.error('--pid-file goes with --background or --stop')
    return args


def default_pid_file():
    """$DSOPS_WORK/sandbox.pid: the work directory tests/venv.sh uses, so a user finds everything in one place."""
    cache = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(os.environ.get('DSOPS_WORK') or os.path.join(cache, 'dsops-cloud'), 'sandbox.pid')


class SandboxHTTPServer(ThreadingHTTPServer):
    """One thread per connection; with TLS, the handshake runs on that thread too."""

    daemon_threads = True
    app = None

    def handle_error(self, request, client_address):
        # A client refusing our certificate (or speaking plain HTTP to HTTPS) is a client-side outcome,
        # often the one a test wants: no traceback for it, but counted, so a test can tell one attempt from retries.
        error = sys.exc_info()[1]
        if isinstance(error, ssl.SSLError) and self.app is not None:
            self.app.count_tls_failure()
        if not isinstance(error, (ssl.SSLError, ConnectionError)):
            super().handle_error(request, client_address)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP into Request objects for the app and writes its Response back."""

    protocol_version = 'HTTP/1.1'
    server_version = 'dsops-sandbox/1.0'
    # Headers and body go out in two writes: with Nagle's algorithm the body waits for the client's delayed
    # ACK, about 40 ms on every request of a kept-alive connection, which real APIs do not charge.
    disable_nagle_algorithm = True
    app = None
    verbose = False

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.verbose:
            sys.stderr.write('%s - %s\n' % (self.address_string(), format % args))

    def _read_body(self):
        """The request body, de-chunked if needed; None when the framing is unusable."""
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length)

    def _read_chunked(self):
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
            if size == 0:
                self.rfile.readline()
                return b''.join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
            if sum(len(chunk) for chunk in chunks) > MAX_BODY_BYTES:
                return None

    def _serve(self):
        try:
            response = self._response_for_request()
        except Exception as error:  # a sandbox bug must surface as a clear 500, not a dropped connection
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            response = text_response(500, 'sandbox internal error: %r' % (error,))
        if response.drop:
            # Close the socket without a status line, like a crashed upstream.
            self.close_connection = True
            return
        try:
            self._write(response)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. timed out on a slow fault)

    def _response_for_request(self):
        split = urlsplit(self.path)
        try:
            body = self._read_body()
        except ValueError:
            body = None
        if body is None:
            self.close_connection = True
            return text_response(400, 'bad request framing')
        request = Request(self.command, split.path, split.query, self.headers.items(), body)
        return self.app.handle(request)

    def _write(self, response):
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


def write_port_file(path, port):
    """Write the port atomically so a watcher never reads a half-written file."""
    tmp_path = '%s.tmp.%d' % (path, os.getpid())
    with open(tmp_path, 'w', encoding='utf-8') as handle:
        handle.write('%d\n' % port)
    os.replace(tmp_path, path)


def build_server(args):
    config = load_config(args.config)
    cli_settings = (('job_duration', args.job_duration), ('token_lifetime', args.token_lifetime), ('status_format', args.status_format))
    overrides = {key: value for key, value in cli_settings if value is not None}
    app = SandboxApp(config, overrides, test_mode=args.test_mode)
    handler = type('BoundSandboxHandler', (SandboxRequestHandler,), {'app': app, 'verbose': args.verbose})
    context = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None  # an unusable certificate binds nothing
    server = SandboxHTTPServer((args.host, args.port), handler)
    server.app = app
    if context is not None:
        # Every accepted connection is then a TLS one.  Its handshake runs on the connection's own thread: done
        # in accept(), one client that connects and stays silent would stall the whole server.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    app.base_url = base_url(args, server.server_address[1])
    return app, server


def tls_context(cert_path, key_path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def serve_until_signalled(server, parent_pid=None):
    """Serve on a worker thread; the main thread waits for SIGTERM/SIGINT, then shuts down.

    With ``parent_pid`` it also stops once that process is gone: a starter that ends without
    its cleanup (a test in a forked child, as ``ansible-test units`` runs them, a killed pytest
    or a killed tests/demo.sh) must not leave a stray server.  The pid is passed in because the
    parent may be gone before this line runs; it need not be the parent: with --background the
    process that asked for the server is its grandparent.
    """
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    # A short poll interval keeps shutdown (and so every fixture teardown) quick.
    worker = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, name='sandbox-http', daemon=True)
    worker.start()
    while not stop.is_set():
        stop.wait(0.1)  # a timed wait, so the signal handler gets to run promptly
        if parent_pid is not None and os.getppid() != parent_pid and not process_running(parent_pid):
            break
    server.shutdown()
    server.server_close()


def process_running(pid):
    """Whether process ``pid`` exists and has not ended: a zombie (ended, not yet reaped) counts as ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8', errors='replace') as handle:
            return handle.read().rpartition(')')[2].split()[0] != 'Z'
    except (OSError, IndexError):
        return True  # no /proc: os.kill said it exists


def is_sandbox_process(pid):
    """Guards --stop against a pid file whose pid now belongs to another program."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            args = [arg.decode('utf-8', 'replace') for arg in handle.read().split(b'\0') if arg]
        cwd = os.readlink('/proc/%d/cwd' % pid)  # a relative script path is relative to the process's directory
    except OSError:
        return process_running(pid)
    # this very file, not another project's server.py that happens to have the pid now
    return any(os.path.realpath(os.path.join(cwd, arg)) == os.path.realpath(SERVER_PATH) for arg in args)


def read_pid_file(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def background_server_pid(pid_file):
    """The pid of the --background server that ``pid_file`` names, if it still runs."""
    pid = read_pid_file(pid_file)
    if pid is not None and process_running(pid) and is_sandbox_process(pid):
        return pid
    return None


def foreground_command(args, port_file):
    """The command line of the server process --background starts: the same options, in the foreground."""
    command = [sys.executable, SERVER_PATH, '--host', args.host, '--port', str(args.port), '--port-file', port_file]
    valued = (('--config', args.config), ('--job-duration', args.job_duration), ('--token-lifetime', args.token_lifetime),
              ('--status-format', args.status_format), ('--parent-pid', args.parent_pid),
              ('--tls-cert', args.tls_cert), ('--tls-key', args.tls_key))
    for flag, value in valued:
        if value is not None:
            command += [flag, str(value)]
    for flag, value in (('--test-mode', args.test_mode), ('--verbose', args.verbose)):
        if value:
            command.append(flag)
    return command


def wait_for_port(process, port_file, timeout=BACKGROUND_START_TIMEOUT):
    """The port the server listens on, once it does; None if it exits or takes longer than ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(port_file, encoding='utf-8') as handle:
                content = handle.read().strip()
        except OSError:
            content = ''
        if content.isdigit():
            return int(content)
        if process.poll() is not None:
            return None
        time.sleep(0.02)
    return None


def base_url(args, port):
    host = args.host if ':' not in args.host else '[%s]' % args.host
    return '%s://%s:%d' % ('https' if args.tls_cert else 'http', host, port)


def export_lines(args, port):
    """`export NAME=value` lines: what the modules read to reach this server, and the seed's cluster ids."""
    app = SandboxApp(load_config(args.config))
    app.base_url = base_url(args, port)
    summary = app.credentials_summary()
    env = dict(summary['env'])
    # The IAM endpoint too: a playbook that drops HW_PROJECT_ID then asks the sandbox for it, never the real IAM.
    env.update((name, value) for name, value in summary['iam_env'].items() if value)
    for name, ids in (('SANDBOX_DWS_CLUSTER_ID', summary['dws']['cluster_ids']),
                      ('SANDBOX_MRS_CLUSTER_ID', summary['dws']['mrs_cluster_ids'])):
        if ids:
            env[name] = ids[0]
    return ['export %s=%s' % (name, shlex.quote(str(value))) for name, value in env.items() if value is not None]


def stop_command(args):
    command = 'python3 %s --stop' % shlex.quote(sys.argv[0] or SERVER_PATH)
    return command + (' --pid-file %s' % shlex.quote(args.pid_file) if args.pid_file else '')


def start_in_background(args):
    """Start the server detached from this shell; print its export lines once it listens."""
    pid_file = os.path.abspath(args.pid_file or default_pid_file())
    running = background_server_pid(pid_file)
    if running is not None:
        sys.stderr.write('sandbox: one started with --background is already running (pid %d); stop it first: %s\n'
                         % (running, stop_command(args)))
        return 1
    stem = os.path.splitext(pid_file)[0]
    log_path, port_file = stem + '.log', stem + '.port'
    os.makedirs(os.path.dirname(pid_file), exist_ok=True)
    for stale in (pid_file, port_file):
        if os.path.exists(stale):
            os.remove(stale)
    with open(log_path, 'wb') as log, open(os.devnull, 'rb') as no_input:
        # A session of its own: Ctrl-C in the shell that started it does not reach it; --stop does.
        process = subprocess.Popen(foreground_command(args, port_file), stdin=no_input, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    port = wait_for_port(process, port_file)
    if port is None:
        if process.poll() is None:
            process.kill()
        process.wait()
        with open(log_path, encoding='utf-8', errors='replace') as log:
            sys.stderr.write('sandbox: did not start (log %s):\n%s' % (log_path, log.read()))
        return 2
    os.remove(port_file)
    write_port_file(pid_file, process.pid)  # same atomic write: the file holds the pid
    if args.port_file:
        write_port_file(args.port_file, port)
    sys.stdout.write(''.join(line + '\n' for line in export_lines(args, port)))
    sys.stdout.flush()
    sys.stderr.write('sandbox listening on %s (pid %d, log %s); stop it with: %s\n'
                     % (base_url(args, port), process.pid, log_path, stop_command(args)))
    return 0


def stop_background(args):
    """Stop the --background server the pid file names: SIGTERM, then SIGKILL after a grace period."""
    pid_file = os.path.abspath(args.pid_file or default_pid_file())
    pid = background_server_pid(pid_file)
    if pid is None:
        what = 'its pid file %s is stale' % pid_file if os.path.exists(pid_file) else 'no %s' % pid_file
        sys.stderr.write('sandbox: none started with --background is running (%s)\n' % what)
    else:
        os.kill(pid, signal.SIGTERM)
        if not wait_until_ended(pid, STOP_GRACE_SECONDS):
            os.kill(pid, signal.SIGKILL)
            wait_until_ended(pid, STOP_GRACE_SECONDS)
        sys.stderr.write('sandbox (pid %d) stopped\n' % pid)
    if os.path.exists(pid_file):
        os.remove(pid_file)
    return 0


def wait_until_ended(pid, timeout):
    deadline = time.monotonic() + timeout
    while process_running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def main(argv=None):
    args = parse_args(argv)
    if args.background:
        return start_in_background(args)
    if args.stop:
        return stop_background(args)
    try:
        app, server = build_server(args)
    except (OSError, ValueError, KeyError, TypeError) as error:
        sys.stderr.write('sandbox: cannot start: %s\n' % error)
        return 2
    if args.port_file:
        write_port_file(args.port_file, server.server_address[1])
    sys.stdout.write('sandbox listening on %s\n' % app.base_url)
    sys.stdout.flush()
    serve_until_signalled(server, parent_pid=args.parent_pid)
    return 0


if __name__ == '__main__':
    sys.exit(main())
