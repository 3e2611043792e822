"""Create exactly one object: the natural-key guard, one POST, and look-ups after an unclear answer.

Nothing is lost or duplicated. Before a create, the object is looked up by its natural
key (each vendor module owns its key): a twin that exists already is never created
again; `adopt_id` takes it over. After a failure that leaves the outcome unknown (a
timeout, a dropped connection, a 5xx, UptimeRobot's 404 to a create that worked) the
create is never sent again: the object is looked up again and again, with back-off, for
the policy's `create_wait` (vendors' lists lag a create), then brought to the declared
state. Only a failure that proves nothing was done (a 429, a refused connection) is
followed by a second POST.
"""

from __future__ import annotations

import time

from mlpp_monitoring.http import AGAIN_LATER, ApiError, NotFound, Unavailable
from mlpp_monitoring.object_kind import ADOPT_KEY, ObjectKind, Spec
from mlpp_monitoring.provider_host import ProviderError

CREATE_ATTEMPTS = 3
"""POSTs one `create` may send: a second one only after an answer that proves the first was
not performed (a refused connection); an ambiguous answer is followed by look-ups only."""

LOOKUP_FIRST_WAIT = 0.5
LOOKUP_MAX_WAIT = 15.0
"""Back-off of the look-ups after an ambiguous create: 0.5 s, doubling up to 15 s (the
last look is at the end of `HttpPolicy.create_wait`)."""


def _already_exists(label: str, ids: list[str]) -> str:
    return (
        f"{label} with the same natural key already exists (id {', '.join(ids)}), made "
        "outside this stack (or by an earlier run whose create got no clear answer): take "
        f"it over by setting {ADOPT_KEY} for this resource in the "
        "stack config (`mlpp-monitoring discover` prints the line), or delete it; Pulumi "
        "does not create a second one"
    )


def create_exactly_once(kind: ObjectKind[Spec], spec: Spec, wait: float) -> tuple[str, Spec]:
    """Create exactly one object with `spec`, whatever the answers; return its id and live
    spec. Raises ProviderError when a twin exists already (never create next to it), or
    when no object could be made or found: a second POST only when the first provably did
    nothing; after any other failure, look for the object (and keep looking) for `wait` s.
    """
    # A twin made by hand (or by an earlier create whose answer was lost) would page twice
    # at night: never create next to it, say how to take it over.
    existing = kind.find(spec)
    if existing:
        raise ProviderError(_already_exists(kind.label, existing))
    attempts = 0
    while True:
        attempts += 1
        try:
            return kind.create(spec)
        except (Unavailable, NotFound) as exc:
            failure = exc
        # The answer proves nothing was made (a refused connection): sending again cannot
        # make a twin. After a 429 the rate-limit budget is spent: it would be refused.
        if failure.not_performed:
            if attempts < CREATE_ATTEMPTS and failure.status != 429:
                continue
            # The vendor's reason last, with its one hint of what to do next.
            hint = "" if AGAIN_LATER in str(failure) else f"; {AGAIN_LATER}"
            raise ProviderError(
                f"{kind.label} could not be created after {attempts} attempt(s), and "
                f"none exists: {failure}{hint}"
            )
        # Ambiguous: the vendor may have created it (UptimeRobot has answered 404 to a
        # create that succeeded, and its list lags a create; a timeout may hide a
        # success). Keep looking; never POST again in this run.
        adopted = _await_created(kind, spec, failure, wait)
        if adopted is not None:
            return adopted
        raise ProviderError(
            f"{kind.label} create got no clear answer ({failure}), and no object with its "
            f"natural key appeared in {wait:g} s of looking: it was most "
            "likely not created. Run the same command again: it looks for the object "
            "before creating one, so it never makes a second one."
        )


def _await_created(
    kind: ObjectKind[Spec], spec: Spec, failure: ApiError, wait: float
) -> tuple[str, Spec] | None:
    """Look for the object an ambiguous create may have made, again and again with
    back-off, for `wait` seconds; the object brought to `spec`, or None."""
    deadline = time.monotonic() + wait
    pause = LOOKUP_FIRST_WAIT
    while True:
        try:
            found = kind.find(spec, fresh=True)
            lookup_error: ApiError | None = None
        except ApiError as exc:
            found, lookup_error = [], exc
        if found:
            return _adopt_created(kind, spec, failure, found)
        left = deadline - time.monotonic()
        if left <= 0:
            break
        time.sleep(min(pause, left))
        pause = min(pause * 2, LOOKUP_MAX_WAIT)
    if lookup_error is not None:
        raise ProviderError(
            f"{kind.label} create failed ({failure}) and looking for the object it may "
            f"have made failed too ({lookup_error}): check by hand before running again, "
            f"and set {ADOPT_KEY} to its id if it exists"
        )
    return None


def _adopt_created(
    kind: ObjectKind[Spec], spec: Spec, failure: ApiError, found: list[str]
) -> tuple[str, Spec]:
    """The one object an ambiguous create made, brought to `spec`."""
    if len(found) > 1:
        raise ProviderError(
            f"{kind.label} create failed ({failure}) and {len(found)} objects with the "
            f"same name now exist (ids {', '.join(found)}): delete the extras by hand"
        )
    try:
        return found[0], kind.update(found[0], spec)
    except ApiError as exc:
        raise ProviderError(
            f"{kind.label} {found[0]} was created, but bringing it to the declared state "
            f"failed ({exc}): set {ADOPT_KEY} to {found[0]} (or delete it) before running "
            "again, so that no second one is created"
        ) from None
