"""The loopback HTTP server: it only moves bytes between a socket and `Sandbox.handle`.

Threaded (a hung answer holds its own thread), HTTP/1.1 keep-alive, quiet (the journal is
the log); an `Outcome` without a response drops the connection without a status line.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from .wire import ApiRequest, ApiResponse


@dataclass
class Outcome:
    """What the HTTP handler must do for one request."""

    response: ApiResponse | None
    """None: drop the connection without answering."""
    delay: float = 0.0


class Handler(Protocol):
    """What the server hands each request to (the `Sandbox`)."""

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        ...

    def handle(self, request: ApiRequest) -> Outcome:
        """Answer one request."""
        ...

    def wait_released(self, seconds: float) -> None:
        """Hold a hung answer for ``seconds`` unless the sandbox stops first."""
        ...


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server whose handlers answer through one `Handler`."""

    daemon_threads = True
    # Hung handlers wait on the stop event; never block shutdown on them.
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Handler) -> None:
        self.sandbox = sandbox
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "mlpp-sandbox"
    # Headers and body go out in separate writes; without this, Nagle plus
    # delayed ACKs add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        """The Server header (without Python's version)."""
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the journal is the log."""

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        host = self.headers.get("Host") or self.server.sandbox.base_url.removeprefix("http://")
        request = ApiRequest(
            method=self.command.upper(),
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=body,
            base_url=f"http://{host}",
        )
        sandbox = self.server.sandbox
        outcome = sandbox.handle(request)
        if outcome.response is None:
            # A dropped connection: no status line at all.
            self.close_connection = True
            return
        if outcome.delay:
            sandbox.wait_released(outcome.delay)
        self._write(outcome.response)

    def _write(self, response: ApiResponse) -> None:
        payload = response.encode()
        try:
            self.send_response(response.status)
            for key, value in response.wire_headers().items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a hang outlived its timeout): nothing to do.
            self.close_connection = True
