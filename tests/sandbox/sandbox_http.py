"""Plain request/response values shared by the sandbox emulators.

The emulators never touch sockets: the server turns each HTTP request into a
Request, and writes back whatever Response it gets.  This keeps the emulators
testable and lets the fault layer swap or drop responses in one place.
"""

import json
from urllib.parse import parse_qs

JSON_TYPE = 'application/json;charset=UTF-8'


class Request:
    """One HTTP request as the emulators see it (raw path and query kept for signing)."""

    def __init__(self, method, path, query_string, headers, body):
        self.method = method.upper()
        self.path = path
        self.query_string = query_string or ''
        self.header_items = list(headers)
        self.body = body or b''
        self._lowered = {}
        for name, value in self.header_items:
            self._lowered.setdefault(name.lower(), value)

    def header(self, name, default=None):
        """Case-insensitive header lookup (first value wins)."""
        return self._lowered.get(name.lower(), default)

    @property
    def query(self):
        """The query string as a dict of lists, blank values kept."""
        return parse_qs(self.query_string, keep_blank_values=True)

    def json_body(self):
        """Return (True, value) for a JSON body, (False, None) otherwise."""
        try:
            return True, json.loads(self.body.decode('utf-8'))
        except (UnicodeDecodeError, ValueError):
            return False, None


class Response:
    """Status, headers and body bytes; drop=True means close the socket unanswered."""

    def __init__(self, status, body=b'', headers=None, drop=False):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        self.drop = drop

    def add_header(self, name, value):
        self.headers.append((name, str(value)))
        return self

    def has_header(self, name):
        return any(existing.lower() == name.lower() for existing, dummy in self.headers)


def json_response(status, payload, headers=None, content_type=JSON_TYPE):
    """A Response with a compact UTF-8 JSON body."""
    body = json.dumps(payload, ensure_ascii=False, separators=(',', ':')).encode('utf-8')
    return Response(status, body, [('Content-Type', content_type)] + list(headers or []))


def text_response(status, text, content_type='text/plain; charset=utf-8', headers=None):
    """A Response with a text body (used for gateway pages and plain 404s)."""
    return Response(status, text.encode('utf-8'), [('Content-Type', content_type)] + list(headers or []))


def is_strict_int(value):
    """True for ints but not bools (JSON true must not pass as 1)."""
    return isinstance(value, int) and not isinstance(value, bool)
