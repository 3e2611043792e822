"""Sentry's API on the wire: paths, authentication, scopes, pages, redirects (`SentryEmulator`).

Each route reads or changes the `SentryState` and answers with `views`; every answer
carries Sentry's rate-limit headers (see the package's docstring for the shapes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlencode

from ..wire import (
    ApiRequest,
    ApiResponse,
    BodyError,
    Handler,
    HttpError,
    JsonValue,
    Router,
    empty_response,
    json_response,
)
from . import views
from .objects import Workflow
from .scopes import FORBIDDEN, SCOPE_MAPS
from .state import NOT_FOUND, SentryState, bad_request, not_found
from .views import gone_response, rate_limit_headers

MAX_PER_PAGE = 100
DEPRECATED_RULES_DATE = "2026-05-14T00:00:00+00:00"
_STATS_PERIOD = re.compile(r"(\d+)([smhdw])")
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

T = TypeVar("T")


class SentryEmulator:
    """Routes ``/api/0/...`` requests to handlers over a :class:`SentryState`.

    `scopes` are the token's scopes: each route checks them against its endpoint's
    `SCOPE_MAPS` entry and answers 403 without one; None grants every scope.
    """

    def __init__(self, state: SentryState, token: str, scopes: Iterable[str] | None = None) -> None:
        self.state = state
        self._token = token
        self._scopes = None if scopes is None else frozenset(scopes)
        self._router = Router()
        org = r"/api/0/organizations/(?P<org>[^/]+)"
        project = r"/api/0/projects/(?P<org>[^/]+)/(?P<project>[^/]+)"
        add = self._router.add
        add("GET", project + "/", self._get_project)
        add("GET", project + "/environments/", self._project_environments)
        add("GET", project + "/issues/", self._project_issues)
        self._permission: dict[Handler, str] = {
            self._get_project: "project",
            self._project_environments: "project",
            self._project_issues: "project-event",
            self._environments: "organization",
            self._org_issues: "organization-event",
            self._list_detectors: "alerts",
            self._get_detector: "alerts",
            self._list_workflows: "alerts",
            self._create_workflow: "alerts",
            self._get_workflow: "alerts",
            self._update_workflow: "alerts",
            self._delete_workflow: "alerts",
        }
        for method in ("GET", "POST", "PUT", "DELETE"):
            add(method, project + "/rules/", self._legacy_rules)
            add(method, project + r"/rules/(?P<rule>[^/]+)/", self._legacy_rules)
        add("GET", org + "/detectors/", self._list_detectors)
        add("GET", org + r"/detectors/(?P<id>[^/]+)/", self._get_detector)
        add("GET", org + "/environments/", self._environments)
        add("GET", org + "/issues/", self._org_issues)
        add("GET", org + "/workflows/", self._list_workflows)
        add("POST", org + "/workflows/", self._create_workflow)
        add("GET", org + r"/workflows/(?P<id>[^/]+)/", self._get_workflow)
        add("PUT", org + r"/workflows/(?P<id>[^/]+)/", self._update_workflow)
        add("DELETE", org + r"/workflows/(?P<id>[^/]+)/", self._delete_workflow)

    def authenticate(self, request: ApiRequest) -> ApiResponse | None:
        """None if the Bearer token matches, else Sentry's 401."""
        header = request.header("Authorization")
        if not header:
            return json_response(401, {"detail": "Authentication credentials were not provided."})
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self._token:
            return json_response(401, {"detail": "Invalid token"})
        return None

    def decorate(self, response: ApiResponse) -> ApiResponse:
        """Add the headers every Sentry API answer carries."""
        for key, value in rate_limit_headers(self.state.now()).items():
            response.headers.setdefault(key, value)
        return response

    def not_found_response(self) -> ApiResponse:
        """The answer a create-then-404 fault substitutes."""
        return json_response(404, dict(NOT_FOUND))

    def workflows_url(self) -> str:
        """Path of the workflows list, the replacement of the legacy rules API."""
        return f"/api/0/organizations/{self.state.organization.slug}/workflows/"

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer an authenticated request."""
        route = self._router.resolve(request.method, request.path)
        if route.handler is None and not request.path.endswith("/"):
            slashed = self._router.resolve(request.method, request.path + "/")
            if slashed.handler is not None or slashed.allowed:
                query = urlencode([(k, v) for k, vs in request.query.items() for v in vs])
                location = f"{request.base_url}{request.path}/" + (f"?{query}" if query else "")
                return empty_response(301, {"Location": location})
        if route.handler is None or route.match is None:
            if route.allowed:
                return json_response(405, {"detail": f'Method "{request.method}" not allowed.'})
            return json_response(404, dict(NOT_FOUND))
        try:
            self.state.check_org(route.match["org"])
            if not self._permitted(request.method, route.handler):
                return json_response(403, dict(FORBIDDEN))
            return route.handler(request, route.match)
        except HttpError as error:
            return error.response

    def _permitted(self, method: str, handler: Handler) -> bool:
        permission = self._permission.get(handler)
        if self._scopes is None or permission is None:
            return True
        return any(scope in self._scopes for scope in SCOPE_MAPS[permission][method])

    @staticmethod
    def _body(request: ApiRequest) -> JsonValue:
        try:
            return request.json()
        except BodyError as error:
            raise bad_request({"detail": f"JSON parse error - {error}"}) from error

    def _paginate(
        self, request: ApiRequest, items: list[T], *, size_param: str = "per_page"
    ) -> tuple[list[T], dict[str, str]]:
        """Slice one page and build Sentry's Link and X-Hits headers."""
        raw = request.first(size_param)
        try:
            per_page = int(raw) if raw else MAX_PER_PAGE
        except ValueError:
            raise bad_request({"detail": f"Invalid {size_param} parameter."}) from None
        if per_page > MAX_PER_PAGE:
            raise bad_request({"detail": f"Invalid per_page value. Cannot exceed {MAX_PER_PAGE}."})
        if per_page < 1:
            raise bad_request({"detail": "Invalid per_page parameter."})
        offset = 0
        cursor = request.first("cursor")
        if cursor:
            parts = cursor.split(":")
            if len(parts) != 3 or not all(p.lstrip("-").isdigit() for p in parts):
                raise bad_request({"detail": "Invalid cursor parameter."})
            offset = max(0, int(parts[1]))
        page = items[offset : offset + per_page]
        params = [(k, v) for k, vs in request.query.items() if k != "cursor" for v in vs]
        base = f"{request.base_url}{request.path}"

        def link(rel: str, position: int, is_prev: int, results: bool) -> str:
            token = f"0:{position}:{is_prev}"
            query = urlencode([*params, ("cursor", token)])
            flag = "true" if results else "false"
            return f'<{base}?{query}>; rel="{rel}"; results="{flag}"; cursor="{token}"'

        previous = link("previous", max(0, offset - per_page), 1, offset > 0)
        following = link("next", offset + per_page, 0, offset + per_page < len(items))
        return page, {"Link": f"{previous}, {following}", "X-Hits": str(len(items))}

    # -- projects, detectors, environments --------------------------------

    def _get_project(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        return json_response(
            200, views.project_view(self.state, self.state.project(match["project"]))
        )

    def _environment_list(self, request: ApiRequest, *, project_shape: bool) -> ApiResponse:
        visibility = request.first("visibility") or "visible"
        if visibility not in ("all", "hidden", "visible"):
            raise bad_request(
                {"detail": "Invalid value for 'visibility', valid values are: all, hidden, visible"}
            )
        items = []
        for env in sorted(self.state.environments.values(), key=lambda e: e.name):
            if visibility == "visible" and env.is_hidden:
                continue
            if visibility == "hidden" and not env.is_hidden:
                continue
            item: dict[str, Any] = {"id": str(env.id), "name": env.name}
            if project_shape:
                item["isHidden"] = env.is_hidden
            items.append(item)
        return json_response(200, items)

    def _project_environments(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.state.project(match["project"])
        return self._environment_list(request, project_shape=True)

    def _environments(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        return self._environment_list(request, project_shape=False)

    def _project_ids(self, request: ApiRequest) -> set[int] | None:
        """The ``project=`` filter as project ids (None: no filter)."""
        values = [v for v in request.values("project") if v != "-1"]
        if not values:
            return None
        ids: set[int] = set()
        for value in values:
            try:
                ids.add(self.state.project(value).id)
            except HttpError:
                raise HttpError(
                    json_response(
                        403, {"detail": "You do not have permission to perform this action."}
                    )
                ) from None
        return ids

    @staticmethod
    def _query_terms(query: str) -> list[tuple[str | None, str]]:
        """Split ``name:"a b" type:error free`` into (key, value) pairs."""
        terms = []
        for match in re.finditer(r'(?:(\w+):)?(?:"([^"]*)"|(\S+))', query):
            key, quoted, bare = match.groups()
            terms.append((key, quoted if quoted is not None else bare))
        return terms

    def _list_detectors(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        projects = self._project_ids(request)
        ids = self._id_filter(request)
        detectors = sorted(self.state.detectors.values(), key=lambda d: d.id)
        for key, value in self._query_terms(request.first("query") or ""):
            if key == "type":
                detectors = [d for d in detectors if d.type == value]
            elif key == "name" or key is None:
                detectors = [d for d in detectors if value.lower() in d.name.lower()]
            else:
                raise bad_request({"detail": f"Invalid search key: {key}"})
        if ids is not None:
            detectors = [d for d in detectors if d.id in ids]
        elif projects is not None:
            detectors = [d for d in detectors if d.project_id in projects]
        page, headers = self._paginate(request, detectors)
        return json_response(200, [views.detector_view(self.state, d) for d in page], headers)

    def _get_detector(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        raw = match["id"]
        detector = self.state.detectors.get(int(raw)) if raw.isdigit() else None
        if detector is None:
            raise not_found()
        return json_response(200, views.detector_view(self.state, detector))

    # -- workflows ----------------------------------------------------------

    @staticmethod
    def _id_filter(request: ApiRequest) -> set[int] | None:
        raw = request.values("id")
        if not raw:
            return None
        if not all(v.isdigit() for v in raw):
            raise bad_request({"id": ["Invalid ID format"]})
        return {int(v) for v in raw}

    def _list_workflows(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        ids = self._id_filter(request)
        projects = self._project_ids(request)
        workflows = [w for w in self.state.workflows.values() if w.status == "active"]
        if ids is not None:
            # An id filter overrides the project filter.
            workflows = [w for w in workflows if w.id in ids]
        elif projects is not None:
            workflows = [
                w
                for w in workflows
                if any(
                    self.state.detectors[d].project_id in projects
                    for d in w.detector_ids
                    if d in self.state.detectors
                )
            ]
        for key, value in self._query_terms(request.first("query") or ""):
            needle = value.lower()
            if key == "name":
                workflows = [w for w in workflows if needle in w.name.lower()]
            elif key == "action":
                workflows = [w for w in workflows if needle in self._action_types(w)]
            elif key == "created_by":
                workflows = [w for w in workflows if w.created_by == value]
            elif key is None:
                workflows = [
                    w
                    for w in workflows
                    if needle in w.name.lower() or any(needle in t for t in self._action_types(w))
                ]
            else:
                raise bad_request({"detail": f"Invalid search key: {key}"})
        workflows = self._sorted_workflows(workflows, request.first("sortBy") or "id")
        page, headers = self._paginate(request, workflows)
        return json_response(200, [views.workflow_view(self.state, w) for w in page], headers)

    @staticmethod
    def _action_types(workflow: Workflow) -> set[str]:
        return {a.type for g in workflow.action_filters for a in g.actions}

    @staticmethod
    def _sorted_workflows(workflows: list[Workflow], sort_by: str) -> list[Workflow]:
        descending = sort_by.startswith("-")
        key_name = sort_by.lstrip("-")
        keys: dict[str, Callable[[Workflow], Any]] = {
            "id": lambda w: w.id,
            "name": lambda w: (w.name.lower(), w.id),
            "dateCreated": lambda w: (w.date_created, w.id),
            "dateUpdated": lambda w: (w.date_updated, w.id),
            "connectedDetectors": lambda w: (len(w.detector_ids), w.id),
            "actions": lambda w: (sum(len(g.actions) for g in w.action_filters), w.id),
        }
        if key_name not in keys:
            raise bad_request({"sortBy": [f'"{key_name}" is not a valid choice.']})
        return sorted(workflows, key=keys[key_name], reverse=descending)

    def _create_workflow(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        workflow = self.state.create_workflow(self._body(request))
        return json_response(201, views.workflow_view(self.state, workflow))

    def _get_workflow(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        return json_response(
            200, views.workflow_view(self.state, self.state.live_workflow(match["id"]))
        )

    def _update_workflow(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        workflow = self.state.update_workflow(match["id"], self._body(request))
        return json_response(200, views.workflow_view(self.state, workflow))

    def _delete_workflow(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.state.delete_workflow(match["id"])
        return empty_response(204)

    def _legacy_rules(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.state.project(match["project"])
        return gone_response(DEPRECATED_RULES_DATE, self.workflows_url())

    # -- issues ---------------------------------------------------------------

    def _issues(
        self, request: ApiRequest, projects: set[int] | None, *, org_shape: bool
    ) -> ApiResponse:
        issues = sorted(self.state.issues.values(), key=lambda i: (i.last_seen, i.id), reverse=True)
        if projects is not None:
            issues = [i for i in issues if i.project_id in projects]
        environments = set(request.values("environment"))
        if environments:
            issues = [i for i in issues if environments & set(i.environments)]
        period = request.first("statsPeriod")
        if period:
            match = _STATS_PERIOD.fullmatch(period)
            if match is None:
                raise bad_request({"detail": f"Invalid statsPeriod: {period!r}"})
            since = self.state.now() - int(match[1]) * _PERIOD_SECONDS[match[2]]
            issues = [i for i in issues if i.last_seen >= since]
        query = request.first("query")
        if query is None:
            query = "is:unresolved"
        for key, value in self._query_terms(query):
            if key == "is":
                issues = [i for i in issues if i.status == value]
            elif key == "level":
                issues = [i for i in issues if i.level == value]
            elif key is None:
                issues = [i for i in issues if value.lower() in i.title.lower()]
        sort = request.first("sort") or "date"
        if sort == "new":
            issues.sort(key=lambda i: (i.first_seen, i.id), reverse=True)
        elif sort == "freq":
            issues.sort(key=lambda i: (i.count, i.id), reverse=True)
        elif sort == "user":
            issues.sort(key=lambda i: (i.user_count, i.id), reverse=True)
        expand = request.values("expand")
        page, headers = self._paginate(request, issues, size_param="limit")
        return json_response(
            200,
            [views.issue_view(self.state, i, expand=expand, org_shape=org_shape) for i in page],
            headers,
        )

    def _project_issues(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        project = self.state.project(match["project"])
        return self._issues(request, {project.id}, org_shape=False)

    def _org_issues(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        return self._issues(request, self._project_ids(request), org_shape=True)
