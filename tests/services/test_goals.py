"""Recovery goals: setting them, changing them, steps, progress and completion."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.db import Database
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.events import DomainEvent, GoalCompleted
from core.models import (
    AuditEvent,
    GoalStatus,
    GoalStatusChange,
    GoalStep,
    ProgressNote,
    RecoveryGoal,
)
from core.services import goals
from tests.support.event_log import EventLog
from tests.support.refusals import raises, refused
from tests.support.stored import stored, stored_rows
from tests.support.world import World

UNKNOWN = 999_999
G = GoalStatus

# What a goal in each status may become, as the product describes it: active and paused goals
# can be paused, resumed, completed or given up; completed and abandoned ones picked up again.
ALLOWED = {
    G.ACTIVE: {G.PAUSED, G.COMPLETED, G.ABANDONED},
    G.PAUSED: {G.ACTIVE, G.COMPLETED, G.ABANDONED},
    G.COMPLETED: {G.ACTIVE},
    G.ABANDONED: {G.ACTIVE},
}
# How to bring a new (active) goal to each status.
PATH = {G.ACTIVE: [], G.PAUSED: [G.PAUSED], G.COMPLETED: [G.COMPLETED],
        G.ABANDONED: [G.ABANDONED]}


async def _goal(world: World, *, by: str = "ngozi", person: int | None = None,
                status: GoalStatus = G.ACTIVE, steps: list[str] | None = None) -> int:
    policy = await world.policy(by)
    goal = await goals.create_goal(world.uow, policy, person_id=person or world.ngozi,
                                   title="Swim once a week", steps=steps or [])
    for step in PATH[status]:
        await goals.update_goal(world.uow, policy, goal.id, status=step)
    return goal.id


async def _history(db: Database, goal_id: int) -> list[tuple[Any, ...]]:
    rows = await stored_rows(db, GoalStatusChange, GoalStatusChange.goal_id == goal_id)
    return [(row.from_status, row.to_status, row.reason) for row in rows]


# --- create_goal -------------------------------------------------------------------------------


async def test_a_person_sets_a_goal_with_steps(world: World, db: Database) -> None:
    created = await goals.create_goal(
        world.uow, await world.policy("ngozi"), person_id=world.ngozi, title="  Lose weight ",
        what_matters_to_me="Keeping up with my kids.", target_date=dt.date(2031, 6, 1),
        steps=["Walk to the shops", " Swap fizzy drinks for water "])
    goal = await stored(db, RecoveryGoal, created.id)
    assert (goal.person_id, goal.title, goal.what_matters_to_me, goal.target_date) == (
        world.ngozi, "Lose weight", "Keeping up with my kids.", dt.date(2031, 6, 1))
    assert (goal.status, goal.completed_at) == (G.ACTIVE, None)
    assert (goal.by_person_id, goal.by_staff_id) == (world.ngozi, None)
    steps = await stored_rows(db, GoalStep, GoalStep.goal_id == created.id)
    assert [(s.position, s.description, s.done_at) for s in steps] == [
        (1, "Walk to the shops", None), (2, "Swap fizzy drinks for water", None)]
    assert await _history(db, created.id) == [(None, G.ACTIVE, None)]
    assert await stored_rows(db, AuditEvent, AuditEvent.operation == "create_goal") == []


async def test_a_care_coordinator_sets_a_goal_and_it_is_audited(
    world: World, db: Database
) -> None:
    created = await goals.create_goal(world.uow, await world.policy("amara"),
                                      person_id=world.belu, title="Stay connected")
    goal = await stored(db, RecoveryGoal, created.id)
    assert (goal.person_id, goal.by_person_id, goal.by_staff_id) == (world.belu, None,
                                                                     world.amara)
    [audit] = await stored_rows(db, AuditEvent, AuditEvent.operation == "create_goal")
    assert (audit.person_id, audit.actor_staff_id, audit.categories) == (
        world.belu, world.amara, ["recovery_plan"])


async def test_create_goal_refuses_bad_input(world: World, unchanged: Any) -> None:
    ngozi = await world.policy("ngozi")
    async with unchanged():
        for arguments, code, field in [
            ({"title": "  "}, "REQUIRED", "title"),
            ({"title": "x" * 201}, "TOO_LONG", "title"),
            ({"what_matters_to_me": "x" * 5001}, "TOO_LONG", "whatMattersToMe"),
            ({"steps": ["Walk", " "]}, "REQUIRED", "steps.1"),
            ({"steps": ["x" * 501]}, "TOO_LONG", "steps.0"),
        ]:
            error = await raises(InvalidInput, goals.create_goal(
                world.uow, ngozi, **{"person_id": world.ngozi, "title": "Swim", **arguments}))
            assert (error.code, error.field) == (code, field), arguments


async def test_no_goal_for_someone_you_cannot_see(world: World, unchanged: Any) -> None:
    async with unchanged():
        for username, person_id in [("ngozi", world.belu), ("stranger", world.ngozi),
                                    ("amara", world.zed), ("amara", UNKNOWN),
                                    ("system", UNKNOWN)]:
            error = await raises(NotFound, goals.create_goal(
                world.uow, await world.policy(username), person_id=person_id, title="Swim"))
            assert (error.code, error.field) == ("NOT_FOUND", "personId"), (username, person_id)


# --- update_goal -------------------------------------------------------------------------------


async def test_update_changes_only_what_is_given(world: World, db: Database) -> None:
    ngozi = await world.policy("ngozi")
    goal_id = (await goals.create_goal(world.uow, ngozi, person_id=world.ngozi, title="Swim",
                                       what_matters_to_me="Feeling strong",
                                       target_date=dt.date(2030, 1, 1))).id
    await goals.update_goal(world.uow, ngozi, goal_id, title=" Swim twice a week ")
    goal = await stored(db, RecoveryGoal, goal_id)
    assert (goal.title, goal.what_matters_to_me, goal.target_date, goal.status) == (
        "Swim twice a week", "Feeling strong", dt.date(2030, 1, 1), G.ACTIVE)
    await goals.update_goal(world.uow, ngozi, goal_id, what_matters_to_me="",
                            target_date=dt.date(2030, 6, 1))
    goal = await stored(db, RecoveryGoal, goal_id)
    assert (goal.title, goal.what_matters_to_me, goal.target_date) == (
        "Swim twice a week", None, dt.date(2030, 6, 1))
    assert await _history(db, goal_id) == [(None, G.ACTIVE, None)]


async def test_status_changes_are_kept_with_their_reasons(
    world: World, db: Database, events: EventLog
) -> None:
    goal_id = await _goal(world)
    amara = await world.policy("amara")
    await goals.update_goal(world.uow, amara, goal_id, status=G.PAUSED, reason="In hospital")
    await goals.update_goal(world.uow, amara, goal_id, status=G.PAUSED)  # no change
    await goals.update_goal(world.uow, amara, goal_id, status=G.COMPLETED)
    completed = await stored(db, RecoveryGoal, goal_id)
    assert completed.status is G.COMPLETED and completed.completed_at is not None
    assert events.events == [GoalCompleted(person_id=world.ngozi, goal_id=goal_id)]
    await goals.update_goal(world.uow, amara, goal_id, status=G.ACTIVE, reason="Again")
    reopened = await stored(db, RecoveryGoal, goal_id)
    assert (reopened.status, reopened.completed_at) == (G.ACTIVE, None)
    assert await _history(db, goal_id) == [
        (None, G.ACTIVE, None), (G.ACTIVE, G.PAUSED, "In hospital"),
        (G.PAUSED, G.COMPLETED, None), (G.COMPLETED, G.ACTIVE, "Again")]
    changes = await stored_rows(db, GoalStatusChange, GoalStatusChange.goal_id == goal_id)
    assert [c.by_staff_id for c in changes[1:]] == [world.amara] * 3


async def test_every_status_change_is_allowed_or_refused_as_described(
    world: World, db: Database, unchanged: Any
) -> None:
    ngozi = await world.policy("ngozi")
    pairs = [(a, b) for a in ALLOWED for b in G if b is not a]
    goal_of = {pair: await _goal(world, status=pair[0]) for pair in pairs}
    async with unchanged():
        for (from_status, to_status), goal_id in goal_of.items():
            if to_status not in ALLOWED[from_status]:
                error = await raises(InvalidTransition, goals.update_goal(
                    world.uow, ngozi, goal_id, title="Changed too", status=to_status))
                assert (error.code, error.field) == ("INVALID_TRANSITION", "status"), (
                    from_status, to_status)
    for (from_status, to_status), goal_id in goal_of.items():
        if to_status in ALLOWED[from_status]:
            await goals.update_goal(world.uow, ngozi, goal_id, status=to_status)
            assert (await stored(db, RecoveryGoal, goal_id)).status is to_status


async def test_update_goal_refuses_bad_input_and_unknown_goals(
    world: World, unchanged: Any
) -> None:
    goal_id = await _goal(world)
    belu_goal = await _goal(world, by="belu", person=world.belu)
    ngozi = await world.policy("ngozi")
    async with unchanged():
        for title, code in [("", "REQUIRED"), ("x" * 201, "TOO_LONG")]:
            error = await raises(InvalidInput,
                                 goals.update_goal(world.uow, ngozi, goal_id, title=title))
            assert (error.code, error.field) == (code, "title")
    async with unchanged():
        for username, target in [("ngozi", belu_goal), ("stranger", goal_id), ("ngozi", UNKNOWN),
                                 ("system", UNKNOWN)]:
            error = await raises(NotFound, goals.update_goal(
                world.uow, await world.policy(username), target, title="Mine now"))
            assert (error.code, error.field) == ("NOT_FOUND", "goalId"), (username, target)


# --- steps and progress --------------------------------------------------------------------------


async def test_steps_are_added_at_the_end(world: World, db: Database) -> None:
    goal_id = await _goal(world, steps=["Buy goggles", "Find a pool"])
    empty_goal = await _goal(world)
    amara = await world.policy("amara")
    step = await goals.add_step(world.uow, amara, goal_id, description=" Book a lesson ")
    first = await goals.add_step(world.uow, amara, empty_goal, description="Start")
    steps = await stored_rows(db, GoalStep, GoalStep.goal_id == goal_id)
    assert [(s.position, s.description) for s in steps] == [
        (1, "Buy goggles"), (2, "Find a pool"), (3, "Book a lesson")]
    assert (step.position, step.by_staff_id, first.position) == (3, world.amara, 1)
    audits = await stored_rows(db, AuditEvent, AuditEvent.operation == "add_goal_step")
    assert [(a.person_id, a.actor_staff_id) for a in audits] == [(world.ngozi, world.amara)] * 2


async def test_add_step_refuses_bad_input_and_unknown_goals(
    world: World, unchanged: Any
) -> None:
    goal_id = await _goal(world)
    ngozi = await world.policy("ngozi")
    async with unchanged():
        for description, code in [(" ", "REQUIRED"), ("x" * 501, "TOO_LONG")]:
            error = await raises(InvalidInput,
                                 goals.add_step(world.uow, ngozi, goal_id, description=description))
            assert (error.code, error.field) == (code, "description")
    async with unchanged():
        for username, target in [("belu", goal_id), ("stranger", goal_id), ("ngozi", UNKNOWN)]:
            error = await raises(NotFound, goals.add_step(
                world.uow, await world.policy(username), target, description="Mine"))
            assert (error.code, error.field) == ("NOT_FOUND", "goalId")


async def test_progress_is_recorded_on_active_and_paused_goals(
    world: World, db: Database
) -> None:
    active, paused = await _goal(world), await _goal(world, status=G.PAUSED)
    ngozi = await world.policy("ngozi")
    await goals.record_progress(world.uow, ngozi, active, text=" Swam 10 lengths ",
                                progress_percent=0)
    await goals.record_progress(world.uow, ngozi, active, text="Swam 40", progress_percent=100)
    await goals.record_progress(world.uow, await world.policy("amara"), paused,
                                text="Resting for now")
    notes = await stored_rows(db, ProgressNote, ProgressNote.goal_id == active)
    assert [(n.text, n.progress_percent, n.by_person_id) for n in notes] == [
        ("Swam 10 lengths", 0, world.ngozi), ("Swam 40", 100, world.ngozi)]
    [note] = await stored_rows(db, ProgressNote, ProgressNote.goal_id == paused)
    assert (note.text, note.progress_percent, note.by_staff_id) == (
        "Resting for now", None, world.amara)


async def test_record_progress_refuses(world: World, unchanged: Any) -> None:
    goal_id = await _goal(world)
    ngozi = await world.policy("ngozi")
    async with unchanged():
        for arguments, code, field in [
            ({"text": ""}, "REQUIRED", "text"),
            ({"progress_percent": -1}, "INVALID_PROGRESS", "progressPercent"),
            ({"progress_percent": 101}, "INVALID_PROGRESS", "progressPercent"),
        ]:
            error = await raises(InvalidInput, goals.record_progress(
                world.uow, ngozi, goal_id, **{"text": "Swam", **arguments}))
            assert (error.code, error.field) == (code, field), arguments
    for status in [G.COMPLETED, G.ABANDONED]:
        closed = await _goal(world, status=status)
        error = await refused(unchanged, InvalidTransition,
                              goals.record_progress(world.uow, ngozi, closed, text="Swam"))
        assert (error.code, error.field) == ("INVALID_TRANSITION", "goalId"), status
    async with unchanged():
        for username, target in [("stranger", goal_id), ("belu", goal_id), ("ngozi", UNKNOWN)]:
            error = await raises(NotFound, goals.record_progress(
                world.uow, await world.policy(username), target, text="Swam"))
            assert (error.code, error.field) == ("NOT_FOUND", "goalId")


# --- complete_goal -----------------------------------------------------------------------------


async def test_completing_a_goal_tells_subscribers_after_it_is_saved(
    world: World, db: Database
) -> None:
    goal_id = await _goal(world, status=G.PAUSED)
    seen: list[tuple[DomainEvent, GoalStatus]] = []

    async def look_in_the_database(event: DomainEvent) -> None:
        assert isinstance(event, GoalCompleted)
        goal = await stored(db, RecoveryGoal, event.goal_id)  # another session: committed?
        seen.append((event, goal.status))

    world.uow.events.subscribe(look_in_the_database)
    policy = await world.policy("ngozi")
    await goals.complete_goal(world.uow, policy, goal_id, note=" Did it! ")
    assert seen == [(GoalCompleted(person_id=world.ngozi, goal_id=goal_id), G.COMPLETED)]
    goal = await stored(db, RecoveryGoal, goal_id)
    assert goal.completed_at == policy.now
    assert (await _history(db, goal_id))[-1] == (G.PAUSED, G.COMPLETED, "Did it!")


async def test_complete_goal_refuses_and_tells_nobody(
    world: World, unchanged: Any, events: EventLog
) -> None:
    for status in [G.COMPLETED, G.ABANDONED]:
        goal_id = await _goal(world, status=status)
        events.clear()
        error = await refused(unchanged, InvalidTransition, goals.complete_goal(
            world.uow, await world.policy("ngozi"), goal_id))
        assert (error.code, error.field) == ("INVALID_TRANSITION", "goalId")
    goal_id = await _goal(world)
    events.clear()
    async with unchanged():
        for username, target in [("stranger", goal_id), ("belu", goal_id), ("ngozi", UNKNOWN)]:
            error = await raises(NotFound, goals.complete_goal(
                world.uow, await world.policy(username), target))
            assert (error.code, error.field) == ("NOT_FOUND", "goalId")
    error = await refused(unchanged, InvalidInput, goals.complete_goal(
        world.uow, await world.policy("ngozi"), goal_id, note="x" * 5001))
    assert (error.code, error.field) == ("TOO_LONG", "note")
    assert events.events == []


# --- batch readers -----------------------------------------------------------------------------


async def test_batch_readers_return_only_goals_the_reader_may_see(world: World) -> None:
    ngozis = await _goal(world, steps=["Buy goggles"])
    await goals.record_progress(world.uow, await world.policy("ngozi"), ngozis, text="Went")
    zeds = await _goal(world, by="system", person=world.zed, steps=["Walk"])
    await goals.record_progress(world.uow, await world.policy("system"), zeds, text="Walked")
    ids = [ngozis, zeds, UNKNOWN]

    async def read(username: str) -> tuple[set[int], ...]:
        policy = await world.policy(username)
        async with world.uow.db.reading() as session:
            found = await goals.goals_by_ids(session, policy, ids)
            steps = await goals.steps_for_goals(session, policy, ids)
            history = await goals.status_history_for_goals(session, policy, ids)
        return (set(found), {k for k, v in steps.items() if v},
                {k for k, v in history.items() if v})

    assert await read("ngozi") == ({ngozis},) * 3
    assert await read("amara") == ({ngozis},) * 3
    assert await read("zed") == ({zeds},) * 3
    assert await read("stranger") == (set(),) * 3
    assert await read("system") == ({ngozis, zeds},) * 3
