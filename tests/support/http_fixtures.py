"""A local HTTP server on 127.0.0.1 whose behaviour each test sets (for the LGBF download)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.request
from collections.abc import Callable

import pytest

LAST_MODIFIED = "Tue, 21 Jan 2020 09:30:00 GMT"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(dict(self.headers))
        self.server.behaviour(self)

    def log_message(self, *args):  # keep test output quiet
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    behaviour: Callable[[Handler], None]

    def handle_error(self, request, client_address):
        # The timeout test's handler writes to a socket the client already gave up on.
        pass


class LocalServer:
    def __init__(self, server: _Server):
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/lgbf.xlsx"

    @property
    def requests(self) -> list[dict]:
        return self._server.requests

    def serve(self, behaviour: Callable[[Handler], None]) -> None:
        self._server.behaviour = behaviour


@pytest.fixture
def server():
    srv = _Server(("127.0.0.1", 0), Handler)
    srv.requests = []
    srv.behaviour = lambda h: h.send_error(500)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield LocalServer(srv)
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


def serve_body(
    body: bytes,
    etag: str | None = '"v1"',
    content_type: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    last_modified: str | None = LAST_MODIFIED,
    honour_etag: bool = True,
) -> Callable[[Handler], None]:
    def behaviour(h: Handler) -> None:
        if honour_etag and etag and h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        if etag:
            h.send_header("ETag", etag)
        if last_modified:
            h.send_header("Last-Modified", last_modified)
        h.end_headers()
        h.wfile.write(body)

    return behaviour


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    """POST a query to a Dagster webserver on 127.0.0.1 and return its ``data``."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["data"]
