"""Level 1 for `status`: Sentry's new, spiking or regressed issues of 24 h, and the alerts.

Three calls: the project (its id and latest release), one page of its unresolved issues
seen in 24 h in the alerts' environments (100, most frequent first), one page of its
workflows (100: which declared alert fired last, which is missing or disabled). An issue
touching a critical flow (the runbook's patterns, on its culprit and code location) is
blocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mlpp_monitoring.commands.runbook.procedures import CRITICAL_FLOWS
from mlpp_monitoring.commands.status.model import (
    AlertView,
    FrontErrors,
    IssueTrend,
    IssueView,
    Problem,
    as_int,
    iso_of,
    parse_time,
    problem_of,
)
from mlpp_monitoring.config import AlertConfig, SentryConfig
from mlpp_monitoring.http import ApiError
from mlpp_monitoring.sentry.api import SentryApi

WINDOW = "24h"
WINDOW_SECONDS = 86_400


def _trend(issue: Mapping[str, Any], now: float) -> IssueTrend | None:
    substatus = issue.get("substatus")
    if substatus == "escalating":
        # Sentry's own spike detection: events above the issue's forecast.
        return "spiking"
    first = parse_time(issue.get("firstSeen"))
    if first is not None and now - first <= WINDOW_SECONDS:
        return "new"
    if substatus == "regressed":
        return "regressed"
    return None


def _owner_for(trend: IssueTrend, alerts: Iterable[AlertConfig]) -> str | None:
    """The owner of the declared alert that fires on this kind of issue."""
    listed = list(alerts)
    if trend == "spiking":
        matching = [a for a in listed if a.event_threshold is not None]
    else:
        matching = [a for a in listed if a.on_new_issue]
    chosen = matching or listed
    return chosen[0].owner if chosen else None


def _issue_view(
    issue: Mapping[str, Any], trend: IssueTrend, alerts: Iterable[AlertConfig]
) -> IssueView:
    metadata: Mapping[str, Any] = issue.get("metadata") or {}
    culprit = issue.get("culprit")
    # The issue list has no transaction or URL: the culprit (for Flutter Web the
    # transaction or the failing function) and the metadata's code location are what
    # the critical-flow patterns can be matched on. The title is not: too noisy.
    texts = [culprit, metadata.get("function"), metadata.get("filename")]
    located = [t for t in texts if isinstance(t, str)]
    flows = [flow.key for flow in CRITICAL_FLOWS if flow.matches(*located)]
    return IssueView(
        id=str(issue.get("id")),
        short_id=issue.get("shortId"),
        title=str(issue.get("title") or ""),
        culprit=culprit if isinstance(culprit, str) and culprit else None,
        level=issue.get("level"),
        trend=trend,
        count=as_int(issue.get("count")) or 0,
        users=as_int(issue.get("userCount")) or 0,
        first_seen=iso_of(issue.get("firstSeen")),
        last_seen=iso_of(issue.get("lastSeen")),
        release=None,
        browser=None,
        blocking=bool(flows),
        flows=flows,
        permalink=issue.get("permalink"),
        owner=_owner_for(trend, alerts),
    )


def _alert_views(
    alerts: Mapping[str, AlertConfig], workflows: Sequence[Mapping[str, Any]] | None
) -> list[AlertView]:
    by_id = {str(w.get("id")): w for w in workflows or []}
    by_name = {str(w.get("name")): w for w in workflows or []}
    views = []
    for key, alert in alerts.items():
        live = None
        if workflows is not None:
            live = by_id.get(str(alert.adopt_id)) if alert.adopt_id else None
            live = live or by_name.get(alert.name)
        views.append(
            AlertView(
                key=key,
                name=alert.name,
                owner=alert.owner,
                environment=alert.environment,
                id=None if live is None else str(live.get("id")),
                found=live is not None,
                enabled=None if live is None else bool(live.get("enabled")),
                last_triggered=None if live is None else iso_of(live.get("lastTriggered")),
            )
        )
    return views


def collect_front_errors(
    api: SentryApi | None, problem: Problem | None, config: SentryConfig, now: float
) -> FrontErrors:
    """New, spiking or regressed unresolved issues of the last 24 h, and the alerts."""
    environments = sorted({a.environment for a in config.alerts.values()})
    empty = FrontErrors(
        checked=False,
        problem=problem,
        organization=config.organization,
        project=config.project,
        environments=environments,
        window=WINDOW,
        latest_release=None,
        issues=[],
        other_active_issues=0,
        truncated=False,
        alerts=_alert_views(config.alerts, None),
        last_fired=None,
    )
    if api is None:
        return empty
    try:
        project = api.project_details()
        issues, hits, more = api.issues_page(environments=environments, stats_period=WINDOW)
        workflows, _ = api.workflows_page()
    except ApiError as error:
        return empty.model_copy(update={"problem": problem_of(error)})
    alerts = list(config.alerts.values())
    listed: list[IssueView] = []
    for issue in issues:
        trend = _trend(issue, now)
        if trend is not None:
            listed.append(_issue_view(issue, trend, alerts))
    # Blocking first, then the most frequent (the API's order).
    listed.sort(key=lambda i: not i.blocking)
    total = hits if hits is not None else len(issues)
    release = (project.get("latestRelease") or {}).get("version")
    alerts_seen = _alert_views(config.alerts, workflows)
    fired = [a for a in alerts_seen if a.last_triggered]
    return FrontErrors(
        checked=True,
        problem=None,
        organization=config.organization,
        project=config.project,
        environments=environments,
        window=WINDOW,
        latest_release=str(release) if release else None,
        issues=listed,
        other_active_issues=max(0, total - len(listed)),
        truncated=more,
        alerts=alerts_seen,
        last_fired=max(fired, key=lambda a: a.last_triggered or "").key if fired else None,
    )
