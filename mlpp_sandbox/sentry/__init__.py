"""Sentry API emulator: projects, detectors, environments, workflows (alerts), issues.

`state` holds the organisation, `validation` (with `keycase` and `conditions`) refuses
what Sentry refuses, `views` answers as Sentry does, `scopes` says what a token may call,
`routes` (`SentryEmulator`) puts them on the wire; `events` takes events (control API),
makes issues of them and fires the workflows as Sentry would.

Follows ``specs/sentry-openapi-subset.json`` and the facts in
``docs/vendors/sentry.md`` (each with its source in Sentry's code):

- 201 for POST, 200 for GET and PUT, 204 with an empty body for DELETE; 404
  ``{"detail":"The requested resource does not exist"}``; 401
  ``{"detail":"Invalid token"}`` (``Authentication credentials were not
  provided.`` without a header); every answer carries
  ``X-Sentry-Rate-Limit-*`` headers.
- Paths end with ``/``; without it the answer is a 301 to the slashed URL,
  as Django's APPEND_SLASH does [inferred]; a wrong method is 405. The
  organisation is addressed by slug or id.
- Ids are strings in responses; integers or digit strings are accepted in
  requests. Timestamps are ISO-8601 with microseconds and ``Z``.
- Request keys may be camelCase or snake_case (both forms of one key is a
  400); nested keys read back camelCased. With ``key_case="camel-only"`` the
  sandbox is an older server (built before getsentry/sentry#111760, March
  2026): the keys such a server read from the raw request body
  (``RAW_BODY_KEYS``: ``detectorIds`` on POST and PUT) are read in camelCase
  only, and their snake_case form is silently ignored, as it was: a POST with
  ``detector_ids`` makes a workflow attached to no detector.
- PUT is an id-matched upsert of nested groups, conditions and actions, with
  ``enabled`` defaulting to true and the three-way ``detectorIds`` rule;
  failures leave the workflow untouched.
- DELETE is a soft delete: GET, PUT and DELETE then answer 404 and lists omit
  the workflow.
- Lists page with ``per_page`` (issues: ``limit``; default and maximum 100;
  more is a 400 [inferred]) and ``cursor`` (``0:<offset>:<is_prev>``), and
  always send ``Link`` and ``X-Hits``. Conditions, actions, filter groups and
  ``detectorIds`` come back in a random (seeded) order.
- A ``project=`` filter naming an unknown project answers 403, as Sentry does
  for projects the token cannot see.
- The legacy ``/projects/{org}/{project}/rules/`` API answers 410 with the
  deprecation headers, as Sentry's brownouts do.

Marked [inferred] above and in ``validation``: behaviour no source
showed, chosen to be strict rather than lenient.

Deviations from the spec, and why (the live API is what the emulator follows):

- ``comparison`` of frequency conditions is an object (the spec types it
  boolean|integer); see ``docs/vendors/sentry.md``.
- Ids in request bodies may be digit strings (``"9001"``) although the spec
  types ``detectorIds`` and ``triggers.id`` as integers: DRF's IntegerField
  accepts both. A client echoing a GET into a PUT should still send ints.
- Organisation issues carry ``inbox``, ``owners``, ``integrationIssues``,
  ``sentryAppIssues``, ``latestEventHasAttachments`` and ``sessionCount`` only
  when ``expand=`` asks for them, as Sentry's serializer does, although the
  spec lists them as required.
"""

from .keycase import KEY_CASES
from .routes import SentryEmulator
from .state import SentryState

__all__ = ["KEY_CASES", "SentryEmulator", "SentryState"]
