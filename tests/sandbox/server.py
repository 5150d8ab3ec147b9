"""Local emulator of the DWS ext-data-sources and Feishu Search v2 data-source APIs.

Run:  python3 tests/sandbox/server.py [--port 0] [--port-file PATH] [--test-mode] [--tls-cert C --tls-key K] ...
DWS is served under /v1.0/..., Feishu under /open-apis/..., and (with --test-mode
only) the control API under /_sandbox/.  See README.md beside this file.
"""

import argparse
import os
import signal
import ssl
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from sandbox_app import SandboxApp, load_config
from sandbox_http import Request, text_response

MAX_BODY_BYTES = 1024 * 1024


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
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error('--tls-cert and --tls-key go together')
    return args


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
    host = args.host if ':' not in args.host else '[%s]' % args.host
    app.base_url = '%s://%s:%d' % ('https' if context is not None else 'http', host, server.server_address[1])
    return app, server


def tls_context(cert_path, key_path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def serve_until_signalled(server, parent_pid=None):
    """Serve on a worker thread; the main thread waits for SIGTERM/SIGINT, then shuts down.

    With ``parent_pid`` it also stops once that parent is gone (this process is then
    reparented): a parent that ends without its cleanup (a test in a forked child, as
    ``ansible-test units`` runs them, or a killed pytest) must not leave a stray server.
    The pid is passed in because the parent may be gone before this line runs.
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
        if parent_pid is not None and os.getppid() != parent_pid:
            break
    server.shutdown()
    server.server_close()


def main(argv=None):
    args = parse_args(argv)
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
