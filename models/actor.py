"""Who acts on a workflow step, frozen at the start of the request."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """``org_id``: the org an admin acts for (its review records name it; None for the platform operator).
    ``scope_org_id``: the subtree that bounds what the actor may decide (None: unbounded).
    ``person_id``: set when a staff member acts for themself — such an actor never decides a review."""

    account_id: int | None
    name: str
    org_id: int | None = None
    scope_org_id: int | None = None
    person_id: int | None = None
