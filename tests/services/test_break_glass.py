"""Break-glass: a direct-care professional opens a record they have no relationship with."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.db import Database
from core.errors import DomainError, Forbidden, NotFound
from core.models import AuditEvent, BreakGlassAccess
from core.permissions import Action
from core.services import break_glass, goals, people
from core.services.break_glass import BREAK_GLASS_HOURS
from tests.support import access
from tests.support.stored import stored, stored_rows
from tests.support.world import World

REASON = "Admitted to A&E, unconscious"


async def _decide(world: World, username: str, action: Action, category: str) -> str | None:
    """The rule that allows ``action``, or None when refused."""
    policy = await world.policy(username)
    async with world.uow.db.reading() as session:
        decision = await policy.decide(session, action, world.ngozi, [category])
    return decision.rule if decision.allowed else None


async def test_a_stranger_opens_a_record_by_nhs_number_for_some_hours(
    world: World, db: Database
) -> None:
    assert await _decide(world, "stranger", Action.READ, "identity") is None
    policy = await world.policy("stranger")

    opened = await break_glass.break_glass(world.uow, policy, nhs_number="999 000 0018",
                                           reason=f"  {REASON}  ")

    row = await stored(db, BreakGlassAccess, opened.id)
    assert (row.staff_member_id, row.team_id, row.person_id) == (
        world.stranger, world.other_team, world.ngozi)
    assert row.reason == REASON
    assert row.expires_at == policy.now + dt.timedelta(hours=BREAK_GLASS_HOURS)
    assert BREAK_GLASS_HOURS == 4
    assert await _decide(world, "stranger", Action.READ, "identity") == "break_glass"
    assert await _decide(world, "stranger", Action.READ, "recovery_plan") == "break_glass"


async def test_the_opening_is_audited_with_its_reason(world: World, db: Database) -> None:
    await access.opening(world)

    [event] = await stored_rows(db, AuditEvent, AuditEvent.operation == "break_glass")
    assert (event.person_id, event.actor_staff_id, event.actor_team_id) == (
        world.ngozi, world.stranger, world.other_team)
    assert (event.purpose, event.break_glass, event.rule) == (REASON, True, "break_glass")
    assert "identity" in event.categories and "recovery_plan" in event.categories


async def test_an_opening_is_read_only(world: World, unchanged: Any) -> None:
    await access.opening(world)

    assert await _decide(world, "stranger", Action.UPDATE, "recovery_plan") is None
    async with unchanged():
        with pytest.raises(Forbidden):
            await goals.create_goal(world.uow, await world.policy("stranger"),
                                    person_id=world.ngozi, title="Rest")
        with pytest.raises(Forbidden):
            await people.update_contact_details(world.uow, await world.policy("stranger"),
                                                world.ngozi, phone="0")


async def test_an_opening_ends_after_its_hours(world: World) -> None:
    opening_id = await access.opening(world)
    await access.expire_opening(world, opening_id)

    assert await _decide(world, "stranger", Action.READ, "identity") is None
    async with world.uow.db.reading() as session:
        with pytest.raises(NotFound):
            await people.get_person(session, await world.policy("stranger"), world.ngozi)


async def test_an_opening_keeps_the_persons_restrictions(world: World) -> None:
    await access.restriction(world, organisation=world.trust, categories=["mental_health"])

    await access.opening(world)

    assert await _decide(world, "stranger", Action.READ, "mental_health") is None
    assert await _decide(world, "stranger", Action.READ, "recovery_plan") == "break_glass"


async def test_nothing_opens_when_the_person_withheld_everything_the_role_reads(
    world: World, unchanged: Any
) -> None:
    await access.restriction(world, team=world.other_team, categories=list(
        (await world.policy("stranger")).rules.readable_categories(["elft.care_coordinator"])))

    async with unchanged():
        with pytest.raises(Forbidden):
            await access.opening(world)


async def test_an_expired_opening_can_be_renewed(world: World, db: Database) -> None:
    await access.expire_opening(world, await access.opening(world))

    await access.opening(world, reason="Still in A&E, still unconscious")

    assert await _decide(world, "stranger", Action.READ, "identity") == "break_glass"
    assert len(await stored_rows(db, BreakGlassAccess)) == 2


@pytest.mark.parametrize(
    ("who", "nhs_number", "reason", "code", "field"),
    [
        ("ngozi", "9990000018", REASON, "FORBIDDEN", None),
        ("carer", "9990000018", REASON, "FORBIDDEN", None),
        ("cleo", "9990000018", REASON, "FORBIDDEN", None),
        ("stranger", "999 000 0019", REASON, "INVALID_NHS_NUMBER", "nhsNumber"),
        ("stranger", "12345", REASON, "INVALID_NHS_NUMBER", "nhsNumber"),
        ("stranger", "9990000042", REASON, "NOT_FOUND", "nhsNumber"),
        ("stranger", "9990000018", "", "REASON_TOO_SHORT", "reason"),
        ("stranger", "9990000018", "  urgent    ", "REASON_TOO_SHORT", "reason"),
        ("stranger", "9990000018", "x" * 2001, "TOO_LONG", "reason"),
        ("amara", "9990000018", REASON, "ALREADY_HAS_ACCESS", "nhsNumber"),
    ],
    ids=["a-person", "a-carer", "consent-based-staff", "bad-check-digit", "too-short-number",
         "unknown-number", "no-reason", "short-reason", "long-reason", "already-in-care"],
)
async def test_a_wrong_opening_changes_nothing(
    world: World, unchanged: Any, who: str, nhs_number: str, reason: str, code: str,
    field: str | None
) -> None:
    await access.carer(world)
    await access.charity_worker(world)

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await access.opening(world, by=who, nhs_number=nhs_number, reason=reason)
    assert (error.value.code, error.value.field) == (code, field)
    assert error.value.message.strip()


async def test_an_open_record_is_not_opened_twice(world: World, unchanged: Any) -> None:
    await access.opening(world)

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await access.opening(world)
    assert error.value.code == "ALREADY_HAS_ACCESS"
