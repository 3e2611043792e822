"""Sentry API client: the project, its issue-stream detector, environments and workflows.

Alerts are workflows (`/api/0/organizations/{org}/workflows/`) attached to the project's
`issue_stream` detector; the legacy `/projects/{org}/{project}/rules/` API is deprecated
(2026-05-14) and is never called. Lookups every alert of one operation needs (project id,
detector, environments) are read once per client, that is once per provider process;
workflows are read from one shared list of the project's workflows (`batching.SharedList`:
one call per 100), which every write through this client keeps honest.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from mlpp_monitoring.batching import SharedList, batch_reads_enabled, writing
from mlpp_monitoring.http import USER_AGENT, ApiSession, HttpPolicy, NotFound
from mlpp_monitoring.vendors import VendorSettings

Workflow = dict[str, Any]
"""A workflow as the API returns it (camelCase keys, string ids)."""

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next";\s*results="true"')


class SentryApi:
    """One Sentry organization and project, as the alerts need them."""

    def __init__(
        self,
        settings: VendorSettings,
        organization: str,
        project: str,
        policy: HttpPolicy | None = None,
        *,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.http = ApiSession(
            f"{settings.base_url}/api/0", settings.credential, policy=policy, user_agent=user_agent
        )
        self.organization = organization
        self.project = project
        # Re-entrant: a cached lookup may need another one (detectors need the project id).
        self._lock = threading.RLock()
        self._cache: dict[str, Any] = {}
        self.shared: SharedList | None = (
            SharedList(self.list_workflows, lambda w: str(int(w["id"])))
            if batch_reads_enabled()
            else None
        )
        """The project's workflows, listed once (None: batching switched off)."""

    def _once(self, key: str, fetch: Any) -> Any:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = fetch()
            return self._cache[key]

    def _list(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        url: str | None = path
        query: dict[str, Any] | None = {**params, "per_page": 100}
        while url:
            response = self.http.request("GET", url, params=query)
            items.extend(response.json())
            match = _NEXT.search(response.headers.get("Link", ""))
            url, query = (match.group(1), None) if match else (None, None)
        return items

    def project_id(self) -> str:
        """The project's numeric id (a string, as Sentry returns it)."""

        def fetch() -> str:
            project = self.http.json("GET", f"/projects/{self.organization}/{self.project}/")
            return str(project["id"])

        return str(self._once("project_id", fetch))

    def detectors(self) -> list[dict[str, Any]]:
        """The project's detectors (monitors); each project has an issue_stream one."""
        return list(
            self._once(
                "detectors",
                lambda: self._list(
                    f"/organizations/{self.organization}/detectors/",
                    {"project": self.project_id()},
                ),
            )
        )

    def issue_stream_detector(self) -> int:
        """The id of the project's issue-stream detector, which alerts attach to."""
        for detector in self.detectors():
            if detector.get("type") == "issue_stream":
                return int(detector["id"])
        raise NotFound(
            f"Sentry project {self.organization}/{self.project} has no issue_stream detector"
        )

    def environments(self) -> list[str]:
        """Names of the organization's environments (they appear with the first event)."""
        return list(
            self._once(
                "environments",
                lambda: [
                    str(e["name"])
                    for e in self.http.json(
                        "GET",
                        f"/organizations/{self.organization}/environments/",
                        params={"visibility": "all"},
                    )
                ],
            )
        )

    def list_workflows(self, *, name: str | None = None) -> list[Workflow]:
        """The project's workflows, optionally those whose name matches exactly-ish."""
        params: dict[str, Any] = {"project": self.project_id()}
        if name:
            params["query"] = f'name:"{name}"'
        return self._list(f"/organizations/{self.organization}/workflows/", params)

    def workflow(self, id_: str) -> Workflow | None:
        """One workflow, or None when it does not exist: from the shared list when it holds
        the workflow, else (not listed, written since, batching off) by `get_workflow`.

        Raises NotFound when the project itself cannot be found (the list needs its id).
        """
        if self.shared is not None:
            listed = self.shared.get(str(int(id_)))
            if listed is not None:
                return listed
        return self.get_workflow(id_)

    def workflows_named(self, name: str, *, fresh: bool = False) -> list[Workflow]:
        """Candidates for a natural-key look-up (the caller matches exactly): the shared
        list (listed again when `fresh`), or without batching the API's name search."""
        if self.shared is not None:
            if fresh:
                self.shared.lost()
            return self.shared.items()
        return self.list_workflows(name=name)

    def get_workflow(self, id_: str) -> Workflow | None:
        """GET one workflow, or None when it does not exist (or is pending deletion)."""
        try:
            workflow: Workflow = self.http.json(
                "GET", f"/organizations/{self.organization}/workflows/{int(id_)}/"
            )
        except NotFound:
            return None
        return workflow

    def create_workflow(self, body: dict[str, Any]) -> Workflow:
        """POST a workflow (not idempotent: names are not unique)."""
        with writing(self.shared) as written:
            workflow: Workflow = self.http.json(
                "POST", f"/organizations/{self.organization}/workflows/", json_body=body
            )
            written.changed(str(int(workflow["id"])), workflow)
        return workflow

    def update_workflow(self, id_: str, body: dict[str, Any]) -> Workflow:
        """PUT a workflow; raises NotFound when it was deleted."""
        key = str(int(id_))
        # A 404 drops the list too: the next look-up lists again rather than guess.
        with writing(self.shared) as written:
            workflow: Workflow = self.http.json(
                "PUT", f"/organizations/{self.organization}/workflows/{key}/", json_body=body
            )
            written.changed(key, workflow)
        return workflow

    def delete_workflow(self, id_: str) -> bool:
        """Delete a workflow; False when it was already gone."""
        key = str(int(id_))
        try:
            # Already gone (or a passing 404): the next look-up lists again.
            with writing(self.shared) as written:
                self.http.request("DELETE", f"/organizations/{self.organization}/workflows/{key}/")
                written.deleted(key)
        except NotFound:
            return False
        return True

    # -- reads for `status` (the on-call view) ---------------------------------------

    def project_details(self) -> dict[str, Any]:
        """GET the project (id, latestRelease...); also primes `project_id()`'s cache."""

        def fetch() -> dict[str, Any]:
            project: dict[str, Any] = self.http.json(
                "GET", f"/projects/{self.organization}/{self.project}/"
            )
            return project

        details: dict[str, Any] = self._once("project", fetch)
        with self._lock:
            self._cache.setdefault("project_id", str(details["id"]))
        return details

    def issues_page(
        self,
        *,
        environments: list[str],
        stats_period: str = "24h",
        query: str = "is:unresolved",
        sort: str = "freq",
        limit: int = 100,
    ) -> tuple[list[dict[str, Any]], int | None, bool]:
        """One page (one call) of the project's issues seen in `stats_period`.

        Returns the issues, the total the API counted (`X-Hits`, None if absent) and
        whether more pages exist.
        """
        params: list[tuple[str, Any]] = [
            ("project", self.project_id()),
            *(("environment", env) for env in environments),
            ("statsPeriod", stats_period),
            ("query", query),
            ("sort", sort),
            ("limit", limit),
        ]
        response = self.http.request(
            "GET", f"/organizations/{self.organization}/issues/", params=params
        )
        hits = response.headers.get("X-Hits", "")
        more = _NEXT.search(response.headers.get("Link", "")) is not None
        return list(response.json()), int(hits) if hits.isdigit() else None, more

    def workflows_page(self) -> tuple[list[Workflow], bool]:
        """The first 100 workflows of the project (one call) and whether more exist."""
        response = self.http.request(
            "GET",
            f"/organizations/{self.organization}/workflows/",
            params={"project": self.project_id(), "per_page": 100},
        )
        more = _NEXT.search(response.headers.get("Link", "")) is not None
        return list(response.json()), more
