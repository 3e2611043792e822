"""The emulated organisation as Sentry's API answers it: ids as strings, timestamps with
microseconds, nested keys camelCased, nested lists in a random (seeded) order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from ..wire import ApiResponse, iso_micro, json_response
from .keycase import to_camel_keys
from .objects import ConditionGroup, Detector, Issue, Project, Workflow
from .state import SentryState

T = TypeVar("T")

ISSUE_EXPANDS = (
    "inbox",
    "owners",
    "integrationIssues",
    "sentryAppIssues",
    "latestEventHasAttachments",
    "sessions",
)
"""What `expand=` may ask of the organisation issues list (`issue_view`)."""


def _shuffled(state: SentryState, items: list[T], shuffle: bool) -> list[T]:
    items = list(items)
    if shuffle:
        state.rng.shuffle(items)
    return items


def _group_view(state: SentryState, group: ConditionGroup, shuffle: bool) -> dict[str, Any]:
    return {
        "id": str(group.id),
        "organizationId": str(state.organization.id),
        "logicType": group.logic_type,
        "conditions": [
            {
                "id": str(c.id),
                "type": c.type,
                "comparison": to_camel_keys(c.comparison),
                "conditionResult": c.condition_result,
            }
            for c in _shuffled(state, group.conditions, shuffle)
        ],
        "actions": [
            {
                "id": str(a.id),
                "type": a.type,
                "integrationId": None if a.integration_id is None else str(a.integration_id),
                "data": to_camel_keys(a.data),
                "config": to_camel_keys(a.config),
                "status": a.status,
            }
            for a in _shuffled(state, group.actions, shuffle)
        ],
    }


def workflow_view(
    state: SentryState, workflow: Workflow, *, shuffle: bool = True
) -> dict[str, Any]:
    """The workflow as GET answers it (nested order random unless shuffle=False)."""
    return {
        "id": str(workflow.id),
        "name": workflow.name,
        "organizationId": str(state.organization.id),
        "createdBy": workflow.created_by,
        "dateCreated": iso_micro(workflow.date_created),
        "dateUpdated": iso_micro(workflow.date_updated),
        "triggers": _group_view(state, workflow.triggers, shuffle),
        "actionFilters": [
            _group_view(state, g, shuffle)
            for g in _shuffled(state, workflow.action_filters, shuffle)
        ],
        "environment": workflow.environment,
        "config": dict(workflow.config),
        "detectorIds": [str(i) for i in _shuffled(state, workflow.detector_ids, shuffle)],
        "enabled": workflow.enabled,
        "lastTriggered": (
            None if workflow.last_triggered is None else iso_micro(workflow.last_triggered)
        ),
        "owner": None,
    }


def detector_view(state: SentryState, detector: Detector) -> dict[str, Any]:
    """A detector as the detectors endpoints answer it."""
    workflow_ids = [
        str(w.id)
        for w in state.workflows.values()
        if w.status == "active" and detector.id in w.detector_ids
    ]
    return {
        "id": str(detector.id),
        "projectId": str(detector.project_id),
        "name": detector.name,
        "description": None,
        "type": detector.type,
        "workflowIds": workflow_ids,
        "owner": None,
        "createdBy": None,
        "dateCreated": iso_micro(detector.date_created),
        "dateUpdated": iso_micro(detector.date_created),
        "dataSources": None,
        "conditionGroup": None,
        "config": {},
        "enabled": True,
        "latestGroup": None,
    }


def project_view(state: SentryState, project: Project) -> dict[str, Any]:
    """GET /projects/{org}/{project}/ (every field the spec requires)."""
    org = state.organization
    flags = (
        "hasAccess",
        "hasFeedbacks",
        "hasFlags",
        "hasMinifiedStackTrace",
        "hasMonitors",
        "hasNewFeedbacks",
        "hasProfiles",
        "hasReplays",
        "hasSessions",
        "hasInsightsHttp",
        "hasInsightsDb",
        "hasInsightsAssets",
        "hasInsightsAppStart",
        "hasInsightsScreenLoad",
        "hasInsightsVitals",
        "hasInsightsCaches",
        "hasInsightsQueues",
        "hasInsightsAgentMonitoring",
        "hasInsightsMCP",
        "hasLogs",
        "hasTraceMetrics",
    )
    view: dict[str, Any] = {flag: flag == "hasAccess" for flag in flags}
    view.update(
        {
            "id": str(project.id),
            "slug": project.slug,
            "name": project.name,
            "platform": project.platform,
            "dateCreated": iso_micro(project.date_created),
            "isBookmarked": False,
            "isMember": True,
            "features": [],
            "firstEvent": None,
            "firstTransactionEvent": False,
            "access": ["project:read", "alerts:read", "alerts:write", "org:read"],
            "isInternal": False,
            "isPublic": False,
            "avatar": {"avatarType": "letter_avatar", "avatarUuid": None, "avatarUrl": None},
            "color": "#3f70bf",
            "status": "active",
            "team": {"id": "1", "name": "Ops", "slug": "ops"},
            "teams": [{"id": "1", "name": "Ops", "slug": "ops"}],
            "latestRelease": None,
            "options": {},
            "digestsMinDelay": 300,
            "digestsMaxDelay": 1800,
            "subjectPrefix": "",
            "allowedDomains": ["*"],
            "resolveAge": 0,
            "dataScrubber": True,
            "dataScrubberDefaults": True,
            "safeFields": [],
            "storeCrashReports": None,
            "sensitiveFields": [],
            "subjectTemplate": "$shortID - $title",
            "securityToken": "0" * 32,
            "securityTokenHeader": None,
            "verifySSL": False,
            "scrubIPAddresses": False,
            "scrapeJavaScript": True,
            "enableAutoReleaseCreation": False,
            "highlightTags": [],
            "highlightContext": {},
            "highlightPreset": {"tags": [], "context": {}},
            "groupingConfig": "newstyle:2023-01-11",
            "derivedGroupingEnhancements": "",
            "groupingEnhancements": "",
            "secondaryGroupingExpiry": 0,
            "secondaryGroupingConfig": None,
            "fingerprintingRules": "",
            "organization": {
                "id": str(org.id),
                "slug": org.slug,
                "name": org.name,
                "status": {"id": "active", "name": "active"},
                "dateCreated": iso_micro(org.date_created),
                "isEarlyAdopter": False,
                "require2FA": False,
                "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
                "links": {
                    "organizationUrl": f"https://{org.slug}.sentry.io",
                    "regionUrl": "https://us.sentry.io",
                },
                "hasAuthProvider": False,
                "allowMemberInvite": True,
                "allowMemberProjectCreation": True,
                "allowSuperuserAccess": False,
            },
            "platforms": [project.platform] if project.platform else [],
            "processingIssues": 0,
            "defaultEnvironment": None,
            "relayPiiConfig": None,
            "builtinSymbolSources": [],
            "dynamicSamplingBiases": None,
            "symbolSources": "[]",
            "isDynamicallySampled": False,
            "tempestFetchScreenshots": False,
            "autofixAutomationTuning": "off",
            "seerScannerAutomation": False,
            "seerNightshiftTweaks": None,
            "scmSourceContextEnabled": False,
            "debugFilesRole": None,
        }
    )
    return view


def issue_view(
    state: SentryState, issue: Issue, *, expand: Iterable[str] = (), org_shape: bool
) -> dict[str, Any]:
    """An issue of the org or project issues list (the two shapes differ a little)."""
    project = state.projects[issue.project_id]
    view: dict[str, Any] = {
        "id": str(issue.id),
        "shareId": None,
        "shortId": issue.short_id,
        "title": issue.title,
        "culprit": issue.culprit,
        "permalink": (f"https://{state.organization.slug}.sentry.io/issues/{issue.id}/"),
        "logger": None,
        "level": issue.level,
        "status": issue.status,
        "statusDetails": {},
        "substatus": issue.substatus,
        "isPublic": False,
        "platform": project.platform,
        "priority": issue.priority,
        "priorityLockedAt": None,
        "seerFixabilityScore": None,
        "seerAutofixLastTriggered": None,
        "seerExplorerAutofixLastTriggered": None,
        "project": {
            "id": str(project.id),
            "name": project.name,
            "slug": project.slug,
            "platform": project.platform,
        },
        "type": issue.type,
        "issueType": "error",
        "issueCategory": "error",
        "metadata": dict(issue.metadata),
        "numComments": 0,
        "assignedTo": None,
        "isBookmarked": False,
        "isSubscribed": False,
        "subscriptionDetails": None,
        "hasSeen": False,
        "annotations": [],
        "isUnhandled": issue.level in ("error", "fatal"),
        "count": str(issue.count),
        "userCount": issue.user_count,
        "firstSeen": iso_micro(issue.first_seen),
        "lastSeen": iso_micro(issue.last_seen),
        "stats": {"24h": []},
    }
    if not org_shape:
        return view
    view.update(
        {
            "derivedData": {
                "blocker": "",
                "progress": "",
                "status": "",
                "viewCount": 0,
                "hasOpenFixPr": False,
                "isAssigned": False,
                "hasRootCause": False,
                "lastCompletedAutofixStep": "",
                "lastProgressedAt": None,
            },
            "lifetime": {"count": str(issue.count), "userCount": issue.user_count},
            "filtered": None,
            "matchingEventId": None,
            "matchingEventEnvironment": None,
        }
    )
    wanted = set(expand)
    if "inbox" in wanted:
        view["inbox"] = {
            "reason": 0,
            "reason_details": None,
            "date_added": iso_micro(issue.first_seen),
        }
    if "owners" in wanted:
        view["owners"] = None
    if "integrationIssues" in wanted:
        view["integrationIssues"] = []
    if "sentryAppIssues" in wanted:
        view["sentryAppIssues"] = []
    if "latestEventHasAttachments" in wanted:
        view["latestEventHasAttachments"] = False
    if "sessions" in wanted:
        view["sessionCount"] = 0
    return view


def snapshot(state: SentryState) -> dict[str, Any]:
    """Everything, for GET /_sandbox/state (soft-deleted workflows included)."""
    return {
        "organization": {"id": str(state.organization.id), "slug": state.organization.slug},
        "projects": [
            {"id": str(p.id), "slug": p.slug, "name": p.name} for p in state.projects.values()
        ],
        "environments": [{"id": str(e.id), "name": e.name} for e in state.environments.values()],
        "detectors": [detector_view(state, d) for d in state.detectors.values()],
        "workflows": [
            {**workflow_view(state, w, shuffle=False), "status": w.status}
            for w in state.workflows.values()
        ],
        "issues": [issue_view(state, i, org_shape=False) for i in state.issues.values()],
    }


def rate_limit_headers(now: float) -> dict[str, str]:
    """The X-Sentry-Rate-Limit-* headers Sentry sends with every answer."""
    return {
        "X-Sentry-Rate-Limit-Limit": "40",
        "X-Sentry-Rate-Limit-Remaining": "39",
        "X-Sentry-Rate-Limit-Reset": str(int(now) + 1),
        "X-Sentry-Rate-Limit-ConcurrentLimit": "25",
        "X-Sentry-Rate-Limit-ConcurrentRemaining": "24",
    }


def deprecation_headers(date: str, replacement: str) -> dict[str, str]:
    """The two headers of a deprecated endpoint (brownout or not)."""
    return {"X-Sentry-Deprecation-Date": date, "X-Sentry-Replacement-Endpoint": replacement}


def gone_response(date: str, replacement: str) -> ApiResponse:
    """The 410 of a deprecated endpoint during a brownout."""
    return json_response(
        410, {"message": "This API no longer exists."}, deprecation_headers(date, replacement)
    )
