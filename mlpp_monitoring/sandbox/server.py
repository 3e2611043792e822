"""The sandbox server: both emulators behind one loopback port.

``/v3/...`` is UptimeRobot, ``/api/0/...`` is Sentry, ``/_sandbox/...`` is the
control API for tests and demos (no auth, never journaled, not part of any
vendor contract). Each vendor request goes through the same pipeline:

1. an injected fault, if one matches, answers instead (or delays, or drops);
2. UptimeRobot only: the rate limiter counts it (429 when over the limit);
3. the vendor's own authentication;
4. the vendor emulator;
5. the journal records request and answer.
"""

from __future__ import annotations

import ipaddress
import logging
import pickle
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .faults import Fault, FaultKind, FaultPlan
from .journal import Journal, JournalEntry, decode_body
from .ratelimit import FixedWindowLimiter, RateDecision
from .sentry import SentryApi, SentryState, gone_response
from .uptimerobot import UptimeRobotApi, UptimeRobotState
from .wire import (
    ApiRequest,
    ApiResponse,
    BodyError,
    HttpError,
    json_response,
    parse_iso,
    text_response,
)

logger = logging.getLogger(__name__)

UPTIMEROBOT_PREFIX = "/v3"
SENTRY_PREFIX = "/api/0"
CONTROL_PREFIX = "/_sandbox"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names a loopback interface (the only place the sandbox listens)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SandboxOptions:
    """How a :class:`Sandbox` is set up. Defaults suit tests (port 0 = a free port)."""

    host: str = "127.0.0.1"
    port: int = 0
    journal_path: Path | None = None
    """Append one JSON line per vendor request to this file."""
    uptimerobot_key: str = "sandbox-uptimerobot-key"
    sentry_token: str = "sandbox-sentry-token"
    sentry_token_scopes: tuple[str, ...] | None = None
    """The Sentry token's scopes (e.g. ``("project:read", "alerts:read")``): a call its
    endpoint's permission class does not allow answers 403. None: every scope."""
    uptimerobot_contact: str = "ops@monaluxe.app"
    """E-mail of the account's one alert contact."""
    uptimerobot_monitor_limit: int = 50
    uptimerobot_plan: str = "free"
    """free (300 s minimum, contact threshold/recurrence 0), solo, team (60 s), enterprise."""
    uptimerobot_list_lag: float = 0.0
    """Seconds before a created monitor shows in GET /monitors and GET /monitors/{id}."""
    uptimerobot_contact_state: str = "active"
    """The account's contact: active, not-activated (address never confirmed), paused, or
    up-only (notifies on UP only): the last three page nobody when a monitor goes down."""
    sentry_org: str = "mlpp"
    sentry_project: str = "mlpp-web"
    sentry_environments: tuple[str, ...] = ("production",)
    sentry_key_case: str = "both"
    """``both`` (current Sentry) or ``camel-only``: an older Sentry that silently ignores
    the snake_case ``detector_ids`` (see ``sentry.RAW_BODY_KEYS``)."""
    rate_limit: int | None = None
    """UptimeRobot requests allowed per window; None: never answer 429."""
    rate_window: float = 60.0
    seed: int = 0
    """Seed of the random order of read-back lists (same seed, same order)."""
    state_path: Path | None = None
    """Keep both accounts across runs: loaded at start if present, saved at stop.

    The demo uses it so that its second `pulumi up` finds what the first one created
    (a sandbox that forgot would make the state lie). A pickle: only load files this
    sandbox wrote.
    """
    clock: Callable[[], float] = field(default=time.time, compare=False)
    """Epoch-seconds clock for timestamps and rate-limit windows (tests inject one)."""

    def __post_init__(self) -> None:
        if not is_loopback(self.host):
            raise ValueError(f"the sandbox only listens on loopback, not {self.host!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"invalid port {self.port}")


@dataclass
class _Outcome:
    """What the HTTP handler must do for one request."""

    response: ApiResponse | None
    """None: drop the connection without answering."""
    delay: float = 0.0


class Sandbox:
    """Both emulators, their journal and fault plan, served on one loopback port.

    Use as a context manager (``with Sandbox() as sb:``) or call
    :meth:`start` / :meth:`stop`. State is in memory and lives as long as the
    object; :meth:`reset` reseeds it.
    """

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.lock = threading.RLock()
        """Serialises state access; hold it to change state while the server runs."""
        self._stopping = threading.Event()
        self.faults = FaultPlan()
        self._journal = Journal(self.options.journal_path)
        self.uptimerobot = UptimeRobotState(
            contact_email=self.options.uptimerobot_contact,
            clock=self.options.clock,
            seed=self.options.seed,
            monitor_limit=self.options.uptimerobot_monitor_limit,
            plan=self.options.uptimerobot_plan,
            list_lag=self.options.uptimerobot_list_lag,
            contact_state=self.options.uptimerobot_contact_state,
        )
        self.sentry = SentryState(
            org_slug=self.options.sentry_org,
            project_slug=self.options.sentry_project,
            environments=self.options.sentry_environments,
            clock=self.options.clock,
            seed=self.options.seed,
            key_case=self.options.sentry_key_case,
        )
        if self.options.state_path is not None and self.options.state_path.is_file():
            with self.options.state_path.open("rb") as saved:
                self.uptimerobot, self.sentry = pickle.load(saved)
            # The accounts are kept across runs; how the server behaves is this run's choice.
            self.sentry.key_case = self.options.sentry_key_case
            self.uptimerobot.list_lag = self.options.uptimerobot_list_lag
            self.uptimerobot.set_contact_state(self.options.uptimerobot_contact_state)
        self._uptimerobot_api = UptimeRobotApi(self.uptimerobot, self.options.uptimerobot_key)
        self._sentry_api = SentryApi(
            self.sentry, self.options.sentry_token, self.options.sentry_token_scopes
        )
        self.limiter = FixedWindowLimiter(
            self.options.rate_limit, self.options.rate_window, self.options.clock
        )
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind the port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("sandbox already started")
        self._stopping.clear()
        server = _SandboxHTTPServer((self.options.host, self.options.port), self)
        self._server = server
        # stop() waits up to one poll interval: keep it short so that tests
        # starting a sandbox each stay fast; an idle poll costs microseconds.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hung requests are released at once."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        self.save()

    def save(self) -> None:
        """Write both accounts to `state_path` (if set), atomically."""
        path = self.options.state_path
        if path is None:
            return
        with self.lock:
            data = pickle.dumps((self.uptimerobot, self.sentry))
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_bytes(data)
        temporary.replace(path)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        if self._server is None:
            raise RuntimeError("sandbox not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://host:port`` (IPv6 hosts in brackets)."""
        host = self.options.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def urls(self) -> dict[str, str]:
        """Base URLs as the clients need them: UptimeRobot with ``/v3``, Sentry without."""
        return {"uptimerobot": f"{self.base_url}{UPTIMEROBOT_PREFIX}", "sentry": self.base_url}

    # -- inspection -------------------------------------------------------------

    @property
    def journal(self) -> list[JournalEntry]:
        """The journal entries so far, oldest first."""
        return self._journal.entries()

    def calls(self, method: str | None = None, path_prefix: str | None = None) -> int:
        """How many vendor requests matched a method and/or a path prefix."""
        return sum(
            1
            for entry in self._journal.entries()
            if (method is None or entry["method"] == method.upper())
            and (path_prefix is None or entry["path"].startswith(path_prefix))
        )

    def inject(
        self, kind: FaultKind | str, *, method: str = "*", path: str = "*", **options: Any
    ) -> Fault:
        """Inject a fault (see :class:`Fault` for ``times``, ``retry_after``, ``seconds``...)."""
        return self.faults.add(Fault(FaultKind(kind), method=method, path=path, **options))

    def reset(self) -> None:
        """Reseed both accounts; clear faults, in-memory journal and rate-limit window."""
        with self.lock:
            self.uptimerobot.reset()
            self.sentry.reset()
            self.faults.clear()
            self._journal.clear()
            self.limiter.reset()

    def snapshot(self) -> dict[str, Any]:
        """Everything, as GET /_sandbox/state shows it (credentials excluded)."""
        with self.lock:
            return {
                "urls": self.urls if self._server is not None else None,
                "uptimerobot": self.uptimerobot.snapshot(),
                "sentry": self.sentry.snapshot(),
                "faults": self.faults.describe(),
                "calls": {
                    "total": self.calls(),
                    "uptimerobot": self.calls(path_prefix=UPTIMEROBOT_PREFIX),
                    "sentry": self.calls(path_prefix=SENTRY_PREFIX),
                },
                "rateLimit": {
                    "enforced": self.limiter.enforced,
                    "limit": self.options.rate_limit,
                    "windowSeconds": self.options.rate_window,
                },
            }

    # -- request pipeline -------------------------------------------------------

    def handle(self, request: ApiRequest) -> _Outcome:
        """Answer one request (the HTTP handler only moves bytes)."""
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            return _Outcome(_ControlApi(self).handle(request))
        started = time.monotonic()
        arrived = datetime.fromtimestamp(self.options.clock(), tz=UTC).isoformat()
        vendor = _vendor(request.path)
        fault = self.faults.take(request.method, request.path) if vendor != "unknown" else None
        outcome = self._serve(vendor, request, fault)
        self._record(vendor, request, outcome, fault, arrived, started)
        return outcome

    def _serve(self, vendor: str, request: ApiRequest, fault: Fault | None) -> _Outcome:
        if vendor == "unknown":
            return _Outcome(json_response(404, {"detail": "Not found", "path": request.path}))
        if fault is not None:
            answered = self._fault_response(vendor, fault)
            if answered is not None or fault.kind is FaultKind.DROP:
                return _Outcome(answered)
        response = self._vendor_response(vendor, request)
        if fault is not None and fault.kind is FaultKind.CREATE_THEN_404:
            api = self._uptimerobot_api if vendor == "uptimerobot" else self._sentry_api
            response = self._finish(vendor, api.not_found_response(), None)
        delay = fault.seconds if fault is not None and fault.kind is FaultKind.HANG else 0.0
        return _Outcome(response, delay)

    def _vendor_response(self, vendor: str, request: ApiRequest) -> ApiResponse:
        decision: RateDecision | None = None
        if vendor == "uptimerobot":
            decision = self.limiter.hit()
            if not decision.allowed:
                return self._rate_limited(decision)
        api: UptimeRobotApi | SentryApi = (
            self._uptimerobot_api if vendor == "uptimerobot" else self._sentry_api
        )
        try:
            with self.lock:
                response = api.authenticate(request) or api.handle(request)
        except Exception as error:  # a sandbox bug: answer and journal it, never hang up
            logger.exception("sandbox failed on %s %s", request.method, request.path)
            response = json_response(500, {"sandboxError": f"{type(error).__name__}: {error}"})
        return self._finish(vendor, response, decision)

    def _finish(
        self, vendor: str, response: ApiResponse, decision: RateDecision | None
    ) -> ApiResponse:
        """Add the headers every answer of that vendor carries."""
        if vendor == "sentry":
            return self._sentry_api.decorate(response)
        decision = decision or self.limiter.peek()
        for key, value in decision.headers().items():
            response.headers.setdefault(key, value)
        return response

    @staticmethod
    def _rate_limited(decision: RateDecision) -> ApiResponse:
        # The body really is text/html, which trips clients that parse only JSON.
        return text_response(
            429,
            f"Rate limit exceeded, retry in {decision.retry_after} seconds",
            headers={**decision.headers(), "Retry-After": str(decision.retry_after)},
        )

    def _fault_response(self, vendor: str, fault: Fault) -> ApiResponse | None:
        """The answer an injected fault substitutes; None if the request proceeds."""
        kind = fault.kind
        if kind in (FaultKind.HANG, FaultKind.CREATE_THEN_404, FaultKind.DROP):
            return None
        if kind is FaultKind.RATE_LIMITED:
            if vendor == "uptimerobot":
                peek = self.limiter.peek()
                decision = RateDecision(
                    allowed=False,
                    limit=peek.limit,
                    remaining=0,
                    reset_epoch=int(self.options.clock()) + fault.retry_after,
                    retry_after=fault.retry_after,
                )
                return self._rate_limited(decision)
            return self._sentry_api.decorate(
                json_response(
                    429,
                    {"detail": "You are attempting to use this endpoint too frequently."},
                    {"Retry-After": str(fault.retry_after), "X-Sentry-Rate-Limit-Remaining": "0"},
                )
            )
        if kind is FaultKind.SERVER_ERROR:
            if vendor == "uptimerobot":
                body: dict[str, Any] = {"statusCode": 500, "message": "Internal server error"}
                return self._finish(vendor, json_response(500, body), self.limiter.peek())
            body = {"detail": "Internal Error", "errorId": f"{fault.id:032x}"}
            return self._sentry_api.decorate(json_response(500, body))
        if kind is FaultKind.GONE:
            if vendor == "sentry":
                replacement = fault.replacement or self._sentry_api.workflows_url()
                return self._sentry_api.decorate(gone_response(fault.deprecation_date, replacement))
            body = {"message": "Gone", "error": "Gone", "statusCode": 410}
            return self._finish(vendor, json_response(410, body), self.limiter.peek())
        # 502 and 503 come from the load balancer: HTML, no API headers.
        status = int(kind.value)
        reason = "Bad Gateway" if status == 502 else "Service Temporarily Unavailable"
        headers = {"Retry-After": str(fault.retry_after)} if status == 503 else {}
        title = f"{status} {reason}"
        page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        return text_response(status, page, headers=headers)

    def _record(
        self,
        vendor: str,
        request: ApiRequest,
        outcome: _Outcome,
        fault: Fault | None,
        arrived: str,
        started: float,
    ) -> None:
        response = outcome.response
        entry: JournalEntry = {
            "seq": self._journal.next_seq(),
            "ts": arrived,
            "vendor": vendor,
            "method": request.method,
            "path": request.path,
            "query": {key: list(values) for key, values in request.query.items()},
            "request_headers": dict(request.headers),
            "request_body": decode_body(request.body),
            "status": response.status if response is not None else None,
            "response_headers": response.wire_headers() if response is not None else {},
            "response_body": decode_body(response.encode()) if response is not None else None,
            "fault": fault.kind.value if fault is not None else None,
            "duration_ms": round((time.monotonic() - started) * 1000, 3),
        }
        self._journal.record(entry)

    def wait_released(self, seconds: float) -> None:
        """Hold a hung answer for ``seconds`` unless the sandbox stops first."""
        self._stopping.wait(seconds)


def _vendor(path: str) -> str:
    if path == UPTIMEROBOT_PREFIX or path.startswith(UPTIMEROBOT_PREFIX + "/"):
        return "uptimerobot"
    if path.startswith(SENTRY_PREFIX + "/"):
        return "sentry"
    return "unknown"


class _ControlApi:
    """``/_sandbox/...``: inspect and steer the sandbox (not a vendor API)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def handle(self, request: ApiRequest) -> ApiResponse:
        route = (request.method, request.path.rstrip("/"))
        try:
            return self._dispatch(route, request.json())
        except BodyError as error:
            return json_response(400, {"error": f"invalid JSON: {error}"})
        except HttpError as error:
            # A vendor error (e.g. the monitor does not exist) surfaced by a helper.
            return json_response(error.response.status, {"error": error.response.body})
        except (ValueError, TypeError, KeyError) as error:
            return json_response(400, {"error": f"{type(error).__name__}: {error}"})

    def _dispatch(self, route: tuple[str, str], body: Any) -> ApiResponse:
        sandbox = self.sandbox
        method, path = route
        if route == ("GET", "/_sandbox/state"):
            return json_response(200, sandbox.snapshot())
        if route == ("POST", "/_sandbox/reset"):
            sandbox.reset()
            return json_response(200, {"reset": True})
        if route == ("GET", "/_sandbox/journal"):
            return json_response(200, sandbox.journal)
        if path == "/_sandbox/faults":
            if method == "GET":
                return json_response(200, sandbox.faults.describe())
            if method == "DELETE":
                sandbox.faults.clear()
                return json_response(200, [])
            if method == "POST":
                items = body if isinstance(body, list) else [body]
                added = [sandbox.faults.add(Fault.from_json(item)) for item in items]
                return json_response(201, [fault.describe() for fault in added])
        return self._scenario(route, body)

    def _scenario(self, route: tuple[str, str], body: Any) -> ApiResponse:
        """Seed statuses, incidents, issues and environments for scenarios."""
        sandbox = self.sandbox
        method, path = route
        data: dict[str, Any] = body if isinstance(body, dict) else {}
        parts = path.split("/")
        with sandbox.lock:
            if (
                method == "POST"
                and parts[2:4] == ["uptimerobot", "monitors"]
                and parts[-1] == "status"
            ):
                monitor = sandbox.uptimerobot.set_monitor_status(
                    int(parts[4]),
                    data["status"],
                    since=_epoch(data.get("since")),
                    response_time_ms=data.get("responseTimeMs"),
                )
                return json_response(200, sandbox.uptimerobot.monitor_view(monitor, shuffle=False))
            if route == ("POST", "/_sandbox/uptimerobot/incidents"):
                incident = sandbox.uptimerobot.add_incident(
                    int(data["monitorId"]),
                    started_at=_epoch(data.get("startedAt")),
                    resolved_at=_epoch(data.get("resolvedAt")),
                    reason=data.get("reason", "Connection Timeout"),
                    cause=int(data.get("cause", 333333)),
                    http_response_code=_optional_int(data.get("httpResponseCode")),
                )
                return json_response(201, sandbox.uptimerobot.incident_summary(incident))
            if route == ("POST", "/_sandbox/sentry/issues"):
                issue = sandbox.sentry.add_issue(
                    data["title"],
                    project=data.get("project"),
                    environment=data.get("environment", "production"),
                    level=data.get("level", "error"),
                    status=data.get("status", "unresolved"),
                    count=int(data.get("count", 1)),
                    user_count=int(data.get("userCount", 1)),
                    first_seen=_epoch(data.get("firstSeen")),
                    last_seen=_epoch(data.get("lastSeen")),
                    culprit=data.get("culprit", ""),
                    metadata=data.get("metadata"),
                    substatus=data.get("substatus", "new"),
                )
                return json_response(201, sandbox.sentry.issue_view(issue, org_shape=False))
            if (
                method == "POST"
                and parts[2:4] == ["sentry", "workflows"]
                and len(parts) == 6
                and parts[-1] == "trigger"
            ):
                workflow = sandbox.sentry.trigger_workflow(parts[4], at=_epoch(data.get("at")))
                return json_response(200, sandbox.sentry.workflow_view(workflow, shuffle=False))
            if route == ("POST", "/_sandbox/sentry/environments"):
                env = sandbox.sentry.add_environment(data["name"], hidden=bool(data.get("hidden")))
                return json_response(201, {"id": str(env.id), "name": env.name})
            if method == "DELETE" and parts[2:4] == ["sentry", "environments"] and len(parts) == 5:
                sandbox.sentry.remove_environment(parts[4])
                return json_response(200, {"removed": parts[4]})
        return json_response(404, {"error": f"no control endpoint {method} {path}"})


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _epoch(value: Any) -> float | None:
    """Accept epoch seconds or an ISO-8601 string in control requests."""
    if value is None or isinstance(value, int | float):
        return value
    return parse_iso(str(value))


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Hung handlers wait on the stop event; never block shutdown on them.
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _SandboxHTTPServer
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
