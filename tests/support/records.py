"""Putting records into a test world through the services, as the named user, before a test
looks at them through the API."""

from __future__ import annotations

from collections.abc import Sequence

from core.models import BudgetRequestStatus
from core.services import budget_requests, consents, goals
from core.services.budget_requests import ItemInput

from .world import World

__all__ = ["budget_request", "consent", "goal", "progress_note"]

S = BudgetRequestStatus


async def goal(
    world: World,
    *,
    by: str = "ngozi",
    person: int | None = None,
    title: str = "Swim once a week",
    steps: Sequence[str] = (),
) -> int:
    """A goal for ``person`` (Ngozi unless given), set by user ``by``."""
    created = await goals.create_goal(world.uow, await world.policy(by),
                                      person_id=person or world.ngozi, title=title, steps=steps)
    return created.id


async def progress_note(world: World, goal_id: int, *, by: str = "ngozi",
                        text: str = "Went once") -> int:
    note = await goals.record_progress(world.uow, await world.policy(by), goal_id, text=text)
    return note.id


async def budget_request(
    world: World,
    *,
    by: str = "ngozi",
    budget: int | None = None,
    items: Sequence[tuple[str, str]] = (("Swimming lessons", "120"),),
    goal_id: int | None = None,
    status: BudgetRequestStatus = S.DRAFT,
    approver: str = "james",
) -> int:
    """A request on ``budget`` (Ngozi's unless given), brought to ``status`` (draft, submitted,
    approved or rejected); ``goal_id`` links every item to that goal."""
    request = await budget_requests.create_request(
        world.uow, await world.policy(by), budget_id=budget or world.budget,
        purpose="Getting fit again",
        items=[ItemInput(description=d, amount=a, goal_id=goal_id) for d, a in items],
    )
    if status is S.DRAFT:
        return request.id
    await budget_requests.submit_request(world.uow, await world.policy(by), request.id)
    if status is S.APPROVED:
        await budget_requests.approve_request(world.uow, await world.policy(approver),
                                              request.id, note="Fine")
    elif status is S.REJECTED:
        await budget_requests.reject_request(world.uow, await world.policy(approver),
                                             request.id, reason="Not this time")
    else:
        assert status is S.SUBMITTED, status
    return request.id


async def consent(
    world: World,
    *,
    by: str = "ngozi",
    person: int | None = None,
    organisation: int | None = None,
    team: int | None = None,
    categories: Sequence[str] = ("budget",),
    revoked: bool = False,
) -> int:
    """A consent by ``person`` (Ngozi unless given) for an organisation (the charity unless a
    team is given), optionally revoked straight away."""
    policy = await world.policy(by)
    created = await consents.grant_consent(
        world.uow, policy, person_id=person or world.ngozi,
        grantee_organisation_id=None if team else (organisation or world.charity),
        grantee_team_id=team, categories=categories, purpose="Arranging sessions",
    )
    if revoked:
        await consents.revoke_consent(world.uow, await world.policy(by), created.id)
    return created.id
