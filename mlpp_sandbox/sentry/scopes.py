"""Which token scopes each Sentry endpoint accepts, per method: its permission class's
`scope_map` (``docs/vendors/sentry.md#token-scopes``). A call the token's scopes do not
allow answers 403 with `FORBIDDEN`."""

from __future__ import annotations

_READ, _WRITE, _ADMIN = "read", "write", "admin"


def _scope_map(resource: str, **extra: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Sentry's usual `scope_map`: GET takes read/write/admin, POST and PUT write/admin,
    DELETE admin; `extra` adds scopes per method (the alerts:* scopes)."""
    base = {
        "GET": (_READ, _WRITE, _ADMIN),
        "POST": (_WRITE, _ADMIN),
        "PUT": (_WRITE, _ADMIN),
        "DELETE": (_ADMIN,),
    }
    return {
        method: tuple(f"{resource}:{level}" for level in levels) + extra.get(method, ())
        for method, levels in base.items()
    }


SCOPE_MAPS: dict[str, dict[str, tuple[str, ...]]] = {
    # src/sentry/api/bases/project.py: ProjectPermission, ProjectEventPermission.
    "project": _scope_map("project"),
    "project-event": _scope_map("event"),
    # src/sentry/api/bases/organization.py: OrganizationPermission, OrganizationEventPermission.
    "organization": _scope_map("org"),
    "organization-event": _scope_map("event"),
    # The workflow and detector endpoints (src/sentry/workflow_engine/endpoints/): reads take
    # alerts:read or any org scope; writes take alerts:write or org:write/org:admin
    # (ORGANIZATION_WORKFLOW_WRITE_SCOPES). Sentry's scope_map lets org:read attempt a write,
    # which then succeeds only for a member who may edit every connected detector: the
    # sandbox has no members, and refuses it (strict rather than lenient).
    "alerts": {
        "GET": ("org:read", "org:write", "org:admin", "alerts:read"),
        "POST": ("org:write", "org:admin", "alerts:write"),
        "PUT": ("org:write", "org:admin", "alerts:write"),
        "DELETE": ("org:write", "org:admin", "alerts:write"),
    },
}
"""Which token scopes each endpoint's permission class accepts, per method (any one)."""

FORBIDDEN = {"detail": "You do not have permission to perform this action."}
"""DRF's PermissionDenied body, what Sentry answers a token without the scope."""
