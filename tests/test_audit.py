"""The audit trail: one event per request per person touched by someone else, written with the
change it records, hash-chained so that an edited, deleted or reordered event is found."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import ChainReport, record_access, verify_chain
from core.db import Database
from core.models import (
    AuditChainHead,
    AuditEvent,
    BudgetApproval,
    BudgetRequest,
    BudgetRequestStatus,
    Person,
)
from core.unit_of_work import UnitOfWork
from tests.support import records
from tests.support.graphql import GraphQLClient, gid
from tests.support.operations import refusal, run
from tests.support.stored import stored, stored_rows
from tests.support.world import World

EXECUTABLE = Path(sys.executable).parent / "recovery-hub"
S = BudgetRequestStatus

REVIEW_PERSON = """
query ReviewPerson($id: ID!) {
  person(id: $id) {
    displayName nhsNumber givenName
    email postcode
    goals { edges { node { title person { displayName } } } }
    budgets { id }
  }
  again: person(id: $id) { familyName goals { edges { node { title } } } }
}"""


@pytest.fixture
def client(world: World) -> GraphQLClient:
    return GraphQLClient(world.uow)


# --- reading the trail back ------------------------------------------------------------------


async def _last_id(db: Database) -> int:
    async with db.reading() as session:
        return await session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) or 0


async def _since(db: Database, mark: int) -> list[AuditEvent]:
    """Events written after ``mark`` (an event id), oldest first."""
    return list(await stored_rows(db, AuditEvent, AuditEvent.id > mark))


async def _all(db: Database) -> list[AuditEvent]:
    return list(await stored_rows(db, AuditEvent))


async def _verify(db: Database) -> ChainReport:
    async with db.reading() as session:
        return await verify_chain(session)


def _entry(event: AuditEvent) -> dict[str, Any]:
    """What an information governance lead reads in one event."""
    return {
        "actor_kind": event.actor_kind,
        "actor_staff_id": event.actor_staff_id,
        "actor_person_id": event.actor_person_id,
        "actor_roles": event.actor_roles,
        "actor_team_id": event.actor_team_id,
        "actor_organisation_id": event.actor_organisation_id,
        "person_id": event.person_id,
        "categories": event.categories,
        "refused_categories": event.refused_categories,
        "operation": event.operation,
        "outcome": event.outcome,
        "rule": event.rule,
        "purpose": event.purpose,
        "break_glass": event.break_glass,
    }


def _amara(world: World, person: int, **overrides: Any) -> dict[str, Any]:
    """An event by Amara, care coordinator in the CMHT of the trust, reading under direct
    care."""
    return {
        "actor_kind": "staff", "actor_staff_id": world.amara, "actor_person_id": None,
        "actor_roles": ["elft.care_coordinator"], "actor_team_id": world.cmht,
        "actor_organisation_id": world.trust, "person_id": person, "refused_categories": [],
        "outcome": "allowed", "rule": "direct_care", "purpose": None, "break_glass": False,
        **overrides,
    }


# --- reads through GraphQL -------------------------------------------------------------------


async def test_staff_reading_a_person_leaves_one_event_for_the_whole_request(
    world: World, client: GraphQLClient, db: Database
) -> None:
    await records.goal(world, title="Swim once a week")  # by Ngozi: her own record, no event
    mark = await _last_id(db)
    before = dt.datetime.now(dt.UTC)

    result = await client.execute(REVIEW_PERSON, {"id": gid("Person", world.ngozi)},
                                  as_user="amara")

    assert result.errors == []
    assert result.data["person"]["goals"]["edges"] == [
        {"node": {"title": "Swim once a week", "person": {"displayName": "Ngozi Example"}}}]
    # Seven fields, two aliases of the person, the person again through her goal: one event.
    [event] = await _since(db, mark)
    assert _entry(event) == _amara(
        world, world.ngozi, operation="ReviewPerson",
        categories=["budget", "contact", "identity", "recovery_plan"])
    assert before <= event.occurred_at <= dt.datetime.now(dt.UTC)


async def test_a_caseload_leaves_one_event_per_person_listed(
    world: World, client: GraphQLClient, db: Database
) -> None:
    mark = await _last_id(db)

    result = await client.execute(
        "query Caseload { people { edges { node { displayName budgets { id } } } } }",
        as_user="amara")

    assert [edge["node"]["displayName"] for edge in result.data["people"]["edges"]] == [
        "Ngozi Example", "Belu Example"]
    events = await _since(db, mark)
    assert [_entry(event) for event in events] == [
        _amara(world, world.ngozi, operation="Caseload", categories=["budget", "identity"]),
        _amara(world, world.belu, operation="Caseload", categories=["budget", "identity"]),
    ]  # and nothing about Zed, whom Amara's team does not care for


async def test_a_refused_field_is_named_and_the_read_is_partly_refused(
    world: World, client: GraphQLClient, db: Database
) -> None:
    mark = await _last_id(db)

    result = await client.execute(
        "query Peek($id: ID!) { person(id: $id) { displayName accessLog { edges { node { "
        "operation } } } } }", {"id": gid("Person", world.ngozi)}, as_user="amara")

    assert result.data["person"] == {"displayName": "Ngozi Example", "accessLog": None}
    assert result.codes == ["FORBIDDEN"]
    [event] = await _since(db, mark)
    assert _entry(event) == _amara(world, world.ngozi, operation="Peek", categories=["identity"],
                                   refused_categories=["access_log"], outcome="partly_refused")


async def test_staff_refused_a_person_is_recorded_with_the_rule_that_refused(
    world: World, client: GraphQLClient, db: Database
) -> None:
    mark = await _last_id(db)

    result = await client.execute("query LookUp($id: ID!) { person(id: $id) { displayName } }",
                                  {"id": gid("Person", world.ngozi)}, as_user="stranger")

    assert result.data == {"person": None} and result.codes == ["NOT_FOUND"]
    [event] = await _since(db, mark)
    assert _entry(event) == {
        "actor_kind": "staff", "actor_staff_id": world.stranger, "actor_person_id": None,
        "actor_roles": ["elft.care_coordinator"], "actor_team_id": world.other_team,
        "actor_organisation_id": world.trust, "person_id": world.ngozi, "categories": [],
        "refused_categories": ["person"], "operation": "LookUp", "outcome": "refused",
        "rule": "no_care_relationship", "purpose": None, "break_glass": False,
    }


async def test_a_person_reading_their_own_record_leaves_no_event(
    world: World, client: GraphQLClient, db: Database
) -> None:
    await records.budget_request(world)  # by Ngozi, on her own record
    mark = await _last_id(db)

    result = await client.execute(
        "query Mine($id: ID!) { me { displayName email goals { edges { node { title } } } "
        "budgets { id } budgetRequests { edges { node { purpose } } } consents { edges { node { "
        "purpose } } } accessLog { edges { node { operation } } } } "
        "person(id: $id) { nhsNumber } viewer { username } }",
        {"id": gid("Person", world.ngozi)}, as_user="ngozi")

    assert result.errors == []
    assert result.data["person"] == {"nhsNumber": "9990000018"}
    assert await _since(db, mark) == []


async def test_a_request_without_a_token_adds_nothing_to_the_trail(
    world: World, client: GraphQLClient, db: Database
) -> None:
    mark = await _last_id(db)
    probe = "query Probe { " + " ".join(
        f'p{pk}: person(id: "{gid("Person", pk)}") {{ id }}' for pk in range(1, 21)) + " }"

    result = await client.execute(probe, as_user=None)

    assert set(result.data.values()) == {None} and set(result.codes) == {"NOT_FOUND"}
    # Nobody to name, nothing read: the refusal is logged, the trail is not theirs to grow.
    assert await _since(db, mark) == []


# --- writes: in the same transaction as the change ------------------------------------------


async def test_a_staff_mutation_leaves_one_event_and_reading_its_payload_adds_none(
    world: World, client: GraphQLClient, db: Database
) -> None:
    goal = await records.goal(world, by="belu", person=world.belu, title="Paint again")
    mark = await _last_id(db)

    payload = await run(client, "createBudgetRequest", {
        "budgetId": gid("Budget", world.notional_budget), "purpose": "Art classes",
        "items": [{"description": "Term of classes", "amount": "90",
                   "goalId": gid("RecoveryGoal", goal)}],
    }, as_user="amara")

    # The payload read the request, its items and the goal they serve (recovery plan).
    assert payload["budgetRequest"]["items"][0]["goal"]["title"] == "Paint again"
    [event] = await _since(db, mark)
    assert _entry(event) == _amara(world, world.belu, operation="create_budget_request",
                                   categories=["budget"])
    [request] = await stored_rows(db, BudgetRequest, BudgetRequest.person_id == world.belu)
    assert request.by_staff_id == world.amara


async def test_an_approval_that_fails_leaves_no_event(
    world: World, client: GraphQLClient, db: Database
) -> None:
    first = await records.budget_request(world, items=[("Course", "3000")], status=S.SUBMITTED)
    second = await records.budget_request(world, items=[("Course", "3000")],
                                          status=S.SUBMITTED)
    await run(client, "approveBudgetRequest", {"requestId": gid("BudgetRequest", first)},
              as_user="james")
    mark = await _last_id(db)

    # The pot (5,000 GBP) cannot cover a second 3,000: the approval, already added to the
    # transaction with the pot locked, rolls back.
    payload = await run(client, "approveBudgetRequest",
                        {"requestId": gid("BudgetRequest", second)}, as_user="james")

    assert refusal(payload)[0] == "POT_EXHAUSTED"
    assert await _since(db, mark) == []
    assert (await stored(db, BudgetRequest, second)).status is S.SUBMITTED
    assert await stored_rows(db, BudgetApproval, BudgetApproval.request_id == second) == []
    assert (await _verify(db)).ok


async def test_an_event_commits_and_rolls_back_with_the_change(
    world: World, uow: UnitOfWork, db: Database
) -> None:
    policy = await world.policy("amara")
    head_before = await stored(db, AuditChainHead, 1)

    class Failed(Exception):
        pass

    with pytest.raises(Failed):
        async with uow.begin() as tx:
            person = await tx.session.get_one(Person, world.belu)
            person.postcode = "E8 1AA"
            await record_access(tx.session, policy, person_id=world.belu,
                                operation="update_contact_details", categories=["contact"])
            raise Failed

    head = await stored(db, AuditChainHead, 1)
    assert (head.last_event_id, head.last_hash, head.event_count) == (
        head_before.last_event_id, head_before.last_hash, head_before.event_count)
    assert await _since(db, head_before.last_event_id) == []
    assert (await stored(db, Person, world.belu)).postcode is None

    async with uow.begin() as tx:
        person = await tx.session.get_one(Person, world.belu)
        person.postcode = "E8 1AA"
        await record_access(tx.session, policy, person_id=world.belu,
                            operation="update_contact_details", categories=["contact"])

    [event] = await _since(db, head_before.last_event_id)
    assert (event.person_id, event.operation, event.categories) == (
        world.belu, "update_contact_details", ["contact"])
    assert (await stored(db, Person, world.belu)).postcode == "E8 1AA"
    assert (await _verify(db)).ok


# --- the chain -----------------------------------------------------------------------------


async def _trail(world: World, client: GraphQLClient, db: Database) -> list[int]:
    """A trail of eight events: three registrations, reads by staff, one approval."""
    request = await records.budget_request(world, status=S.SUBMITTED)  # Ngozi's own: none
    for name, user, person in [("ReadOne", "amara", world.ngozi),
                               ("ReadTwo", "amara", world.belu),
                               ("ReadThree", "james", world.ngozi),
                               ("ReadFour", "stranger", world.belu)]:
        await client.execute(f"query {name}($id: ID!) {{ person(id: $id) {{ displayName }} }}",
                             {"id": gid("Person", person)}, as_user=user)
    await run(client, "approveBudgetRequest", {"requestId": gid("BudgetRequest", request)},
              as_user="james")
    ids = [event.id for event in await _all(db)]
    assert len(ids) == 8, ids
    return ids


async def test_each_event_links_to_the_one_before_and_the_head_records_the_end(
    world: World, client: GraphQLClient, db: Database
) -> None:
    await _trail(world, client, db)

    events = await _all(db)

    assert [event.operation for event in events] == [
        "register_person", "register_person", "register_person", "ReadOne", "ReadTwo",
        "ReadThree", "ReadFour", "approve_budget_request"]
    assert events[0].prev_hash == ""
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert all(re.fullmatch(r"[0-9a-f]{64}", event.hash) for event in events)
    assert len({event.hash for event in events}) == len(events)
    head = await stored(db, AuditChainHead, 1)
    assert (head.last_event_id, head.last_hash, head.event_count) == (
        events[-1].id, events[-1].hash, len(events))
    assert await _verify(db) == ChainReport(True, len(events))


async def _sql(db: Database, statement: Any, **params: Any) -> None:
    """Tampering: straight to the database, past the application."""
    async with db.engine.begin() as connection:
        await connection.execute(text(statement) if isinstance(statement, str) else statement,
                                 params)


@pytest.mark.parametrize(("column", "value"), [
    ("operation", "'ReadNothing'"),
    ("categories", """'["mental_health"]'"""),
    ("actor_staff_id", "NULL"),  # who did it
    ("outcome", "'refused'"),
])
async def test_editing_an_event_is_caught(
    world: World, client: GraphQLClient, db: Database, column: str, value: str
) -> None:
    ids = await _trail(world, client, db)
    middle = ids[4]

    await _sql(db, f"UPDATE audit_event SET {column} = {value} WHERE id = :id", id=middle)

    report = await _verify(db)
    assert (report.ok, report.bad_event_id) == (False, middle)
    assert report.problem == "its content was changed"


async def test_deleting_an_event_from_the_middle_is_caught(
    world: World, client: GraphQLClient, db: Database
) -> None:
    ids = await _trail(world, client, db)

    await _sql(db, "DELETE FROM audit_event WHERE id = :id", id=ids[4])

    report = await _verify(db)
    # The first event that no longer fits is the one after the gap.
    assert (report.ok, report.bad_event_id) == (False, ids[5])


async def test_deleting_the_last_event_is_caught_through_the_head(
    world: World, client: GraphQLClient, db: Database
) -> None:
    ids = await _trail(world, client, db)

    await _sql(db, "DELETE FROM audit_event WHERE id = :id", id=ids[-1])

    report = await _verify(db)
    assert (report.ok, report.bad_event_id) == (False, ids[-1])
    assert report.problem == "events are missing from the end of the trail"


async def test_deleting_the_last_event_and_the_head_is_caught(
    world: World, client: GraphQLClient, db: Database
) -> None:
    ids = await _trail(world, client, db)

    await _sql(db, "DELETE FROM audit_event WHERE id = :id", id=ids[-1])
    await _sql(db, "DELETE FROM audit_chain_head")

    report = await _verify(db)
    assert (report.ok, report.bad_event_id) == (False, ids[-2])


async def test_emptying_the_trail_is_caught(
    world: World, client: GraphQLClient, db: Database
) -> None:
    ids = await _trail(world, client, db)

    await _sql(db, "DELETE FROM audit_event")

    report = await _verify(db)
    assert (report.ok, report.events, report.bad_event_id) == (False, 0, ids[-1])


@pytest.mark.parametrize("with_hashes", [True, False], ids=["whole-rows", "content-only"])
async def test_swapping_two_events_is_caught(
    world: World, client: GraphQLClient, db: Database, with_hashes: bool
) -> None:
    ids = await _trail(world, client, db)
    first, second = ids[3], ids[5]
    table = AuditEvent.__table__
    kept = {"id"} if with_hashes else {"id", "prev_hash", "hash"}
    columns = [column for column in table.columns if column.name not in kept]
    async with db.reading() as session:
        rows = {row.id: row for row in await session.execute(
            select(table.c.id, *columns).where(table.c.id.in_([first, second])))}

    for target, source in [(first, second), (second, first)]:
        await _sql(db, update(table).where(table.c.id == target).values(
            {column.name: getattr(rows[source], column.name) for column in columns}))

    async with db.reading() as session:
        swapped = await session.scalar(select(table.c.operation).where(table.c.id == first))
    assert swapped == rows[second].operation  # the swap happened
    report = await _verify(db)
    assert (report.ok, report.bad_event_id) == (False, first)


class _AppendsAfterFirstStatement:
    """A session on which the app commits another event between verification's statements,
    as it does when an operator checks a live database."""

    def __init__(self, session: AsyncSession, append: Callable[[], Awaitable[None]]) -> None:
        self._session = session
        self._append = append
        self._statements = 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._session, name)
        if name not in {"get", "get_one", "execute", "scalar", "scalars", "stream",
                        "stream_scalars"}:
            return method

        async def statement(*args: Any, **kwargs: Any) -> Any:
            self._statements += 1
            if self._statements == 2:
                await self._append()
            return await method(*args, **kwargs)

        return statement


async def test_verifying_while_the_app_keeps_writing_raises_no_false_alarm(
    world: World, client: GraphQLClient, db: Database, uow: UnitOfWork
) -> None:
    ids = await _trail(world, client, db)
    policy = await world.policy("amara")

    async def append() -> None:
        async with uow.begin() as tx:
            await record_access(tx.session, policy, person_id=world.belu,
                                operation="update_goal", categories=["recovery_plan"])

    async with db.reading() as session:
        report = await verify_chain(_AppendsAfterFirstStatement(session, append))  # type: ignore[arg-type]

    assert report.ok, report
    # PostgreSQL's walk sees the new event (and checks it chains on); SQLite's snapshot not.
    assert report.events in {len(ids), len(ids) + 1}
    assert await _verify(db) == ChainReport(True, len(ids) + 1)


# --- recovery-hub audit verify ----------------------------------------------------------------


async def _audit_verify(database_url: str) -> tuple[int, str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("RECOVERY_HUB_")}
    env["RECOVERY_HUB_DATABASE_URL"] = database_url
    process = await asyncio.create_subprocess_exec(
        str(EXECUTABLE), "audit", "verify", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_command_line_check_passes_an_intact_trail_and_names_a_tampered_event(
    world: World, client: GraphQLClient, db: Database, database_url: str
) -> None:
    ids = await _trail(world, client, db)

    code, stdout, stderr = await _audit_verify(database_url)
    assert (code, stderr) == (0, "")
    assert stdout.strip() == f"The audit trail is intact: {len(ids)} events."

    await _sql(db, "UPDATE audit_event SET categories = '[]' WHERE id = :id", id=ids[3])

    code, stdout, stderr = await _audit_verify(database_url)
    assert (code, stdout) == (1, "")
    assert re.search(rf"\bevent {ids[3]}\b", stderr), stderr
    assert "tampered" in stderr and "Traceback" not in stderr


# --- concurrency -----------------------------------------------------------------------------


async def test_concurrent_writers_never_fork_the_chain(
    world: World, uow: UnitOfWork, db: Database
) -> None:
    mark = await _last_id(db)
    writers = 20
    policies = [await world.policy("amara" if i % 2 else "james") for i in range(writers)]
    # On PostgreSQL every writer first opens its transaction, so that all of them reach the
    # chain's head together. (SQLite's BEGIN IMMEDIATE already queues them at the start.)
    barrier = asyncio.Barrier(writers) if db.is_postgres else None

    async def write(i: int) -> None:
        async with uow.begin() as tx:
            if barrier is not None:
                await tx.session.execute(select(1))
                await barrier.wait()
            await record_access(tx.session, policies[i],
                                person_id=world.ngozi if i % 2 else world.belu,
                                operation=f"writer_{i}", categories=["recovery_plan"])

    await asyncio.wait_for(asyncio.gather(*(write(i) for i in range(writers))), 60)

    events = await _all(db)
    assert sorted(event.operation for event in events if event.id > mark) == sorted(
        f"writer_{i}" for i in range(writers))
    assert len({event.prev_hash for event in events}) == len(events)  # no fork
    head = await stored(db, AuditChainHead, 1)
    assert (head.event_count, head.last_hash) == (len(events), events[-1].hash)
    assert await _verify(db) == ChainReport(True, len(events))

