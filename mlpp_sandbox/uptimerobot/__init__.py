"""UptimeRobot API v3 emulator: monitors, account, alert contacts, incidents, stats.

`state` holds the account, `validation` refuses what the API refuses, `views` answers as
the API does, `routes` (`UptimeRobotEmulator`) puts them on the wire; `checks` takes check
results (control API) and makes the monitors DOWN or UP as UptimeRobot would.

Follows ``specs/uptimerobot-openapi-v3.yaml`` and the facts in
``docs/vendors/uptimerobot.md`` (each with its source). The account is a FREE plan with exactly
one e-mail alert contact.

Behaviour mimicked on purpose (each one a trap a client must handle):

- Create answers 201, PATCH 200, DELETE 200 with an empty body, pause and
  start 201 with the monitor, reset 201 with an empty body; pause, start and
  reset refuse a body that is not ``application/json`` with 415.
- Errors: 401 ``{"message":"Invalid token.","code":"003-005"}``, 404
  ``{"message":"Monitor not found","code":"000-004"}``, validation 400 in
  NestJS' shape ``{"message":[...],"error":"Bad Request","statusCode":400}``
  (both observed live by public clients); an unknown route is NestJS' 404
  ``{"message":"Cannot GET /v3/x","error":"Not Found","statusCode":404}``.
- Free plan: interval at least 300 s, alert-contact threshold and recurrence
  0, no custom fields; the monitor limit of the account is enforced.
- Unknown properties are refused ("property x should not exist"), as a
  NestJS ValidationPipe with ``forbidNonWhitelisted`` does [inferred].
- Create and update bodies are each checked against their own schema: the
  create DTOs take ``keywordCaseType`` as ``CaseSensitive``/``CaseInsensitive``,
  ``UpdateMonitorDto`` as 0/1 (0 = case-sensitive); each refuses the other form.
  (UptimeRobot's Terraform provider sends 0/1 on create too, so the live create
  evidently accepts numbers: the sandbox holds clients to the documents.)
- Read-back differences: ``tagNames`` come back as ``tags`` objects,
  ``keywordCaseType`` as 0/1,
  ``keywordValue`` trimmed, ``responseTimeThreshold`` always 0,
  ``assignedAlertContacts`` in a random (seeded) order, ``customHttpHeaders``
  keys lower-cased, and ``friendlyName``/``url`` HTML-escaped (``&``, ``<``,
  ``>``).
- A new monitor reads ``status: "STARTED"`` (observed) until a scenario sets
  another status; pause makes it ``PAUSED``.
- List pages: cursor = id of the last monitor of the page, ``nextLink`` points
  at ``/v3/monitors/?...&cursor=<id>`` (trailing slash, as observed live).
- ``list_lag`` (seconds, default 0): a new monitor shows in ``GET /monitors``
  and ``GET /monitors/{id}`` (404 until then) only that long after its create,
  as the official Terraform provider saw the live API's read path lag a create
  (docs/vendors/uptimerobot.md); writes reach it at once. ``list_lag_match``
  (text) limits the lag to monitors whose name or URL contains it.

Deviations from the spec, and why:

- ``nextLink`` is always present (null on the last page) as the spec requires,
  although public clients saw the live API omit the key on the last page:
  clients must accept both.
- Incident ids are digit strings beyond 2**53, as observed live; unresolved
  incidents read ``status: "Ongoing"`` [inferred: no live sample].
- Only HTTP, KEYWORD, PING, PORT and HEARTBEAT monitors are validated field by
  field; DNS, API, UDP and VISUAL_COMPARISON are accepted with their required
  fields only.
"""

from .routes import UptimeRobotEmulator
from .state import CONTACT_STATES, UptimeRobotState

__all__ = ["CONTACT_STATES", "UptimeRobotEmulator", "UptimeRobotState"]
