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

import logging
import pickle
import threading
import time
from datetime import UTC, datetime
from typing import Any

from .control import ControlApi
from .faults import Fault, FaultKind, FaultPlan
from .httpd import Outcome, SandboxHTTPServer
from .ids import IdSequence
from .journal import Journal, JournalEntry, decode_body
from .options import SandboxOptions
from .ratelimit import FixedWindowLimiter, RateDecision
from .sentry import SentryEmulator, SentryState
from .sentry import objects as sentry_objects
from .sentry import state as sentry_state
from .sentry import views as sentry_views
from .uptimerobot import UptimeRobotEmulator, UptimeRobotState
from .uptimerobot import objects as uptimerobot_objects
from .uptimerobot import state as uptimerobot_state
from .uptimerobot import views as uptimerobot_views
from .wire import ApiRequest, ApiResponse, json_response, text_response

logger = logging.getLogger(__name__)

UPTIMEROBOT_PREFIX = "/v3"
SENTRY_PREFIX = "/api/0"
CONTROL_PREFIX = "/_sandbox"

_MOVED = {
    "mlpp_monitoring.sandbox.uptimerobot": (uptimerobot_state, uptimerobot_objects),
    "mlpp_monitoring.sandbox.sentry": (sentry_state, sentry_objects),
}
"""Where the classes of an accounts file written by release 0.1.0 live now: the sandbox was
`mlpp_monitoring.sandbox` then, each emulator one module."""


class _AccountsUnpickler(pickle.Unpickler):
    """Loads an accounts file (`state_path`), also one written before the sandbox moved or
    with `itertools.count` id sequences (which Python 3.14 cannot unpickle)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("itertools", "count"):
            return IdSequence  # pickled as count(next id): the same call builds an IdSequence
        for moved in _MOVED.get(module, ()):
            if hasattr(moved, name):
                return getattr(moved, name)
        return super().find_class(module, name)


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
            list_lag_match=self.options.uptimerobot_list_lag_match,
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
                self.uptimerobot, self.sentry = _AccountsUnpickler(saved).load()
            # The accounts are kept across runs; how the server behaves is this run's choice.
            self.sentry.key_case = self.options.sentry_key_case
            self.uptimerobot.list_lag = self.options.uptimerobot_list_lag
            self.uptimerobot.list_lag_match = self.options.uptimerobot_list_lag_match
            self.uptimerobot.set_contact_state(self.options.uptimerobot_contact_state)
        self._uptimerobot_emulator = UptimeRobotEmulator(
            self.uptimerobot, self.options.uptimerobot_key
        )
        self._sentry_emulator = SentryEmulator(
            self.sentry, self.options.sentry_token, self.options.sentry_token_scopes
        )
        self.limiter = FixedWindowLimiter(
            self.options.rate_limit, self.options.rate_window, self.options.clock
        )
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind the port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("sandbox already started")
        self._stopping.clear()
        server = SandboxHTTPServer((self.options.host, self.options.port), self)
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
                "uptimerobot": uptimerobot_views.snapshot(self.uptimerobot),
                "sentry": sentry_views.snapshot(self.sentry),
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

    def handle(self, request: ApiRequest) -> Outcome:
        """Answer one request (the HTTP handler only moves bytes)."""
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            return Outcome(ControlApi(self).handle(request))
        started = time.monotonic()
        arrived = datetime.fromtimestamp(self.options.clock(), tz=UTC).isoformat()
        vendor = _vendor(request.path)
        fault = (
            self.faults.take(request.method, request.path, request.body)
            if vendor != "unknown"
            else None
        )
        outcome = self._serve(vendor, request, fault)
        self._record(vendor, request, outcome, fault, arrived, started)
        return outcome

    def _serve(self, vendor: str, request: ApiRequest, fault: Fault | None) -> Outcome:
        if vendor == "unknown":
            return Outcome(json_response(404, {"detail": "Not found", "path": request.path}))
        if fault is not None:
            answered = self._fault_response(vendor, fault)
            if answered is not None or fault.kind is FaultKind.DROP:
                return Outcome(answered)
        response = self._vendor_response(vendor, request)
        if fault is not None and fault.kind is FaultKind.CREATE_THEN_404:
            api = self._uptimerobot_emulator if vendor == "uptimerobot" else self._sentry_emulator
            response = self._finish(vendor, api.not_found_response(), None)
        delay = fault.seconds if fault is not None and fault.kind is FaultKind.HANG else 0.0
        return Outcome(response, delay)

    def _vendor_response(self, vendor: str, request: ApiRequest) -> ApiResponse:
        decision: RateDecision | None = None
        if vendor == "uptimerobot":
            decision = self.limiter.hit()
            if not decision.allowed:
                return self._rate_limited(decision)
        api: UptimeRobotEmulator | SentryEmulator = (
            self._uptimerobot_emulator if vendor == "uptimerobot" else self._sentry_emulator
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
            return self._sentry_emulator.decorate(response)
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
            return self._sentry_emulator.decorate(
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
            return self._sentry_emulator.decorate(json_response(500, body))
        if kind is FaultKind.GONE:
            if vendor == "sentry":
                replacement = fault.replacement or self._sentry_emulator.workflows_url()
                return self._sentry_emulator.decorate(
                    sentry_views.gone_response(fault.deprecation_date, replacement)
                )
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
        outcome: Outcome,
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
