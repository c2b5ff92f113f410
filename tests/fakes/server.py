"""The HTTP shell every protocol fake shares: a server on 127.0.0.1 in a thread, started and stopped with
``with``, and a request handler that answers (after a delay, when a fake plays a slow service) and keeps quiet.

A fake is two parts: its state and protocol (a plain object the tests drive), and a ``FakeHandler`` subclass
that turns a request into a call on it (``self.fake``). ``with FakeXServer() as (fake, url):`` gives both the
state and the address to configure.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHandler(BaseHTTPRequestHandler):
    fake = None  # the fake's state, set on the server's own subclass

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))

    def answer(self, status: int, body, headers: dict | None = None, delay: float = 0) -> None:
        """``body`` as JSON (bytes as they are), after ``delay`` seconds; a client that stopped waiting (a
        timeout on purpose) is no error here."""
        if delay:
            time.sleep(delay)
        headers = dict(headers or {})
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


class FakeServer:
    """Serves ``fake`` through ``handler`` on a free port of 127.0.0.1; its address is ``url`` (the origin and
    ``path``)."""

    handler: type[FakeHandler] = FakeHandler
    path = ""

    def __init__(self, fake):
        self.fake = fake
        handler = type(self.handler.__name__, (self.handler,), {"fake": fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{self.path}"

    def __enter__(self):
        self.thread.start()
        return self.fake, self.url

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
