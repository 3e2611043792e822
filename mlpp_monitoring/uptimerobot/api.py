"""UptimeRobot API v3 client: the calls this project makes, nothing more.

Reads that every resource of one Pulumi operation needs (the account's alert contacts,
the monitor list) are fetched once per client; a client lives for one provider process,
that is one Pulumi operation, so no answer outlives the operation it was read for.
Monitors are read from one shared list (`batching.SharedList`: one call per 200
monitors), which every write through this client keeps honest.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mlpp_monitoring.batching import SharedList, batch_reads_enabled, writing
from mlpp_monitoring.http import USER_AGENT, ApiSession, HttpPolicy, NotFound
from mlpp_monitoring.vendors import VendorSettings

Monitor = dict[str, Any]
"""A monitor as the API returns it (camelCase keys)."""

PAGE_SIZE = 200  # the API's maximum: one list call covers 200 monitors


class UptimeRobotApi:
    """Monitors and alert contacts of one UptimeRobot account."""

    def __init__(
        self,
        settings: VendorSettings,
        policy: HttpPolicy | None = None,
        *,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.http = ApiSession(
            settings.base_url, settings.credential, policy=policy, user_agent=user_agent
        )
        self._lock = threading.Lock()
        self._contacts: list[dict[str, Any]] | None = None
        self.shared: SharedList | None = (
            SharedList(self.list_monitors, lambda m: str(int(m["id"])))
            if batch_reads_enabled()
            else None
        )
        """Every monitor of the account, listed once (None: batching switched off)."""

    def alert_contacts(self) -> list[dict[str, Any]]:
        """The account's alert contacts (read once per client)."""
        with self._lock:
            if self._contacts is None:
                data = self.http.json("GET", "/user/alert-contacts")
                # The spec says a bare array; accept a {"data": [...]} envelope too.
                self._contacts = list(data["data"] if isinstance(data, dict) else data)
            return self._contacts

    def list_monitors(self, *, name: str | None = None, url: str | None = None) -> list[Monitor]:
        """All monitors, following `nextLink`; `name`/`url` are the API's substring filters."""
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if name:
            params["name"] = name
        if url:
            params["url"] = url
        monitors: list[Monitor] = []
        while True:
            page = self.http.json("GET", "/monitors", params=params)
            monitors.extend(page.get("data") or [])
            next_link = page.get("nextLink")
            if not next_link:
                return monitors
            cursor = dict(parse_qsl(urlsplit(next_link).query)).get("cursor")
            if not cursor or params.get("cursor") == cursor:
                return monitors
            params["cursor"] = cursor

    def monitor(self, id_: str) -> Monitor | None:
        """One monitor, or None when it does not exist: from the shared list when it holds
        the monitor, else (not listed, written since, batching off) by `get_monitor`."""
        if self.shared is not None:
            listed = self.shared.get(str(int(id_)))
            if listed is not None:
                return listed
        return self.get_monitor(id_)

    def monitors_like(self, *, url: str, fresh: bool = False) -> list[Monitor]:
        """Candidates for a natural-key look-up (the caller matches exactly): the shared
        list (listed again when `fresh`), or without batching the API's `url` filter."""
        if self.shared is not None:
            if fresh:
                self.shared.lost()
            return self.shared.items()
        return self.list_monitors(url=url)

    def get_monitor(self, id_: str) -> Monitor | None:
        """GET /monitors/{id}, or None when it does not exist."""
        try:
            monitor: Monitor = self.http.json("GET", f"/monitors/{int(id_)}")
        except NotFound:
            return None
        return monitor

    def create_monitor(self, body: dict[str, Any]) -> Monitor:
        """POST /monitors (not idempotent: callers look up before any retry)."""
        with writing(self.shared) as written:
            monitor: Monitor = self.http.json("POST", "/monitors", json_body=body)
            written.changed(str(int(monitor["id"])), monitor)
        return monitor

    def update_monitor(self, id_: str, body: dict[str, Any]) -> Monitor:
        """PATCH /monitors/{id}; raises NotFound when the monitor was deleted."""
        key = str(int(id_))
        # A 404 drops the list too: UptimeRobot has answered 404 for monitors that exist.
        with writing(self.shared) as written:
            monitor: Monitor = self.http.json("PATCH", f"/monitors/{key}", json_body=body)
            written.changed(key, monitor)
        return monitor

    def set_paused(self, id_: str, paused: bool) -> None:
        """Pause or start a monitor."""
        # An empty JSON body: without `Content-Type: application/json` the API answers 415.
        action = "pause" if paused else "start"
        key = str(int(id_))
        with writing(self.shared) as written:
            self.http.request("POST", f"/monitors/{key}/{action}", json_body={})
            written.touched(key)

    def delete_monitor(self, id_: str) -> bool:
        """Delete a monitor; False when it was already gone."""
        key = str(int(id_))
        try:
            # Already gone, or a 404 for a monitor that exists: the next look-up lists.
            with writing(self.shared) as written:
                self.http.request("DELETE", f"/monitors/{key}")
                written.deleted(key)
        except NotFound:
            return False
        return True

    # -- reads for `status` (the on-call view) ---------------------------------------

    def monitors_page(self) -> tuple[list[Monitor], bool]:
        """The first page of the account's monitors (up to 200, one call) and whether
        more pages exist: `status` promises one list call, a free account holds 50."""
        page = self.http.json("GET", "/monitors", params={"limit": PAGE_SIZE})
        return list(page.get("data") or []), bool(page.get("nextLink"))

    def uptime_stats(self, id_: str) -> dict[str, Any]:
        """GET /monitors/{id}/stats/uptime: uptime % and downtime of the last 24 hours."""
        stats: dict[str, Any] = self.http.json("GET", f"/monitors/{int(id_)}/stats/uptime")
        return stats

    def response_time_stats(self, id_: str) -> dict[str, Any]:
        """GET /monitors/{id}/stats/response-time: min/avg/max of the last 24 hours (ms)."""
        stats: dict[str, Any] = self.http.json("GET", f"/monitors/{int(id_)}/stats/response-time")
        return stats

    def recent_incidents(self, monitor_id: str) -> list[dict[str, Any]]:
        """The monitor's most recent incidents, newest first (one page, one call)."""
        page = self.http.json("GET", "/incidents", params={"monitor_id": int(monitor_id)})
        return list(page.get("data") or [])

    def get_incident(self, id_: str) -> dict[str, Any] | None:
        """GET /incidents/{id}: the incident with its root cause (HTTP code), or None."""
        try:
            incident: dict[str, Any] = self.http.json("GET", f"/incidents/{id_}")
        except NotFound:
            return None
        return incident
