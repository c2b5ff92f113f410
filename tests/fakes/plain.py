"""A local HTTP server that gives every request one programmed answer and records what came: a server
that redirects, one that answers an error with a body, or an internal service nobody outside should reach."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PlainServer:
    def __init__(self, status: int = 200, body: bytes = b"", headers: dict | None = None):
        self.status, self.body, self.headers = status, body, dict(headers or {})
        self.requests: list[tuple[str, str]] = []  # (method, path)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                fake.requests.append((self.command, self.path))
                self.send_response(fake.status)
                for name, value in {"Content-Type": "application/json", **fake.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
