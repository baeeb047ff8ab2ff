"""One test per hook (tests/test_plugin_docs.py checks there is one): each shows its hook doing
its job through the real platform.

Registration hooks are shown through GraphQL on a running platform
(``recovery_hub.testing.running_platform``) over the test world; budget and event hooks
through the services, on a unit of work whose plugins are core's and the test's only (so that
a partner plugin's rules do not decide the outcome); operations hooks through the
``recovery-hub`` command. The plugins are tests/support/sample_plugin and small ones built here.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect as inspect_schema
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from core.approvals import ItemProblem
from core.db import Database
from core.errors import Conflict, InvalidInput
from core.events import DomainEvent, EventDispatcher
from core.hookspecs import hookimpl
from core.migrate import alembic_config, upgrade_async
from core.models import (
    BudgetApproval,
    BudgetRequest,
    BudgetRequestStatus,
    Consent,
    GoalStatus,
    Organisation,
    RecoveryGoal,
)
from core.permissions import ConfigurationError
from core.plugins import load_plugins
from core.services import budget_requests, consents, goals
from core.services.budget_requests import ItemInput
from core.unit_of_work import UnitOfWork
from recovery_hub.cli import _parser
from recovery_hub.testing import Hub, StartPlatform, running_platform
from tests.support import sample_plugin
from tests.support.cli import Cli
from tests.support.graphql import gid
from tests.support.plugins import SAMPLE_MODULE, add_staff, failing_commits, installed, python_path
from tests.support.stored import stored, stored_rows
from tests.support.world import World

S = BudgetRequestStatus
PERSON = "query($id: ID!) { person(id: $id) { displayName sampleNote } }"


@asynccontextmanager
async def _hub(database_url: str, *, sample: bool = True,
               plugins_toml: str | None = None) -> AsyncIterator[Hub]:
    """The platform over the test's (migrated) database: the shipped plugins, and the sample
    plugin unless ``sample`` is false."""
    async with running_platform(database_url, plugins_toml=plugins_toml,
                                plugins={"sample": sample_plugin} if sample else None,
                                entry_points=False, migrate=False) as hub:
        yield hub


def _uow(db: Database, **plugins: object) -> UnitOfWork:
    """A unit of work with core's defaults and these plugins only."""
    loaded = load_plugins(None, entries=[], extra=plugins, entry_points=False)
    return UnitOfWork(db, EventDispatcher(), loaded)


# --- access: categories and roles ---------------------------------------------------------


async def test_hook_register_data_categories(world: World, database_url: str) -> None:
    grant = ("mutation($input: GrantConsentInput!) { grantConsent(input: $input) "
             "{ consent { categories } userErrors { code field } } }")
    consent = {"personId": gid("Person", world.ngozi),
               "granteeId": gid("Organisation", world.charity),
               "categories": ["sample.visits", "wellbeing"], "purpose": "Café visits"}

    async with _hub(database_url) as hub:
        assert hub.rules.categories["sample.visits"] == "Your visits to the Sample Café"
        granted = await hub.execute(grant, {"input": consent}, as_user="ngozi")
    async with _hub(database_url, sample=False) as without:
        refused = await without.execute(grant, {"input": consent}, as_user="ngozi")

    assert granted.payload("grantConsent") == {
        "consent": {"categories": ["sample.visits", "wellbeing"]}, "userErrors": []}
    assert refused.payload("grantConsent") == {
        "consent": None, "userErrors": [{"code": "UNKNOWN_CATEGORY", "field": "categories"}]}


async def test_hook_register_roles(world: World, database_url: str) -> None:
    await add_staff(world, "vic", world.cmht, ["sample.visitor"])
    query = "query($id: ID!) { person(id: $id) { displayName email } }"
    ngozi = {"id": gid("Person", world.ngozi)}

    async with _hub(database_url) as hub:
        assert hub.rules.declared_by("sample.visitor") == "sample"
        seen = await hub.execute(query, ngozi, as_user="vic")
    async with _hub(database_url, sample=False) as without:
        unknown_role = await without.execute(query, ngozi, as_user="vic")

    # The role reads identity, through the CMHT's care relationship; contact it may not.
    assert seen.data == {"person": {"displayName": "Ngozi Example", "email": None}}
    assert seen.codes == ["FORBIDDEN"]
    assert seen.errors[0]["extensions"]["category"] == "contact"
    # Without the plugin the role grants nothing: the person is not there at all.
    assert unknown_role.data == {"person": None}
    assert unknown_role.codes == ["NOT_FOUND"]


# --- settings ----------------------------------------------------------------------------


async def test_hook_register_settings(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "plugins.toml"
    path.write_text('[plugins.sample.settings]\ngreeting = "Hi"\n'
                    "second_sign_off_over_pence = 1000\n")
    plugins = load_plugins(path, extra={"sample": sample_plugin}, entry_points=False)
    assert plugins.config.settings("sample") == sample_plugin.SampleSettings(
        greeting="Hi", second_sign_off_over_pence=1000)

    async with _hub(database_url, plugins_toml=path.read_text()) as hub:
        result = await hub.execute("{ sampleCafe { greeting } }", as_user=None)
    assert result.data == {"sampleCafe": {"greeting": "Hi"}}

    path.write_text("[plugins.sample.settings]\nsecond_sign_off_over_pence = 0\n")
    with pytest.raises(ConfigurationError) as refused:
        load_plugins(path, extra={"sample": sample_plugin}, entry_points=False)
    assert str(refused.value) == (
        f"{path}: plugins.sample.settings.second_sign_off_over_pence: expected pence from 1 to "
        "100000000, got 0")


# --- GraphQL -------------------------------------------------------------------------------


async def test_hook_register_types(database_url: str) -> None:
    query = '{ __type(name: "SampleBadge") { name fields { name } } }'
    async with _hub(database_url) as hub:
        assert "type SampleBadge {" in hub.platform.schema.as_str()
        found = await hub.execute(query, as_user=None)
    async with _hub(database_url, sample=False) as without:
        missing = await without.execute(query, as_user=None)
    # No field returns the type: it is in the schema because the hook registered it.
    assert found.data == {"__type": {"name": "SampleBadge", "fields": [{"name": "name"}]}}
    assert missing.data == {"__type": None}


async def test_hook_register_fields(world: World, database_url: str) -> None:
    async with _hub(database_url) as hub:
        mine = await hub.execute("{ me { givenName sampleNote } }", as_user="ngozi")
        coordinator = await hub.execute(PERSON, {"id": gid("Person", world.ngozi)},
                                        as_user="amara")
    assert mine.data == {"me": {"givenName": "Ngozi", "sampleNote": "Hello, Ngozi"}}
    assert coordinator.errors == []
    assert coordinator.data == {"person": {"displayName": "Ngozi Example",
                                           "sampleNote": "Hello, Ngozi"}}


async def test_hook_register_queries(database_url: str) -> None:
    async with _hub(database_url) as hub:
        assert "sampleCafe: SampleCafe!" in hub.platform.schema.as_str()
        result = await hub.execute("{ sampleCafe { name greeting } }", as_user=None)
    assert result.errors == []
    assert result.data == {"sampleCafe": {"name": "Sample Café", "greeting": "Hello"}}


async def test_hook_register_mutations(world: World, database_url: str, db: Database) -> None:
    suggest = ("mutation($input: SampleSuggestGoalInput!) { sampleSuggestGoal(input: $input) "
               "{ goal { title status } userErrors { code field } } }")
    ngozi = {"input": {"personId": gid("Person", world.ngozi)}}
    async with _hub(database_url) as hub:
        suggested = await hub.execute(suggest, ngozi, as_user="ngozi")
        refused = await hub.execute(suggest, ngozi, as_user="stranger")

    assert suggested.payload("sampleSuggestGoal") == {
        "goal": {"title": "Visit the Sample Café", "status": "ACTIVE"}, "userErrors": []}
    # It writes through core's service, so the policy engine decides: a stranger sees nobody.
    assert refused.payload("sampleSuggestGoal") == {
        "goal": None, "userErrors": [{"code": "NOT_FOUND", "field": "personId"}]}
    goals_stored = await stored_rows(db, RecoveryGoal, RecoveryGoal.person_id == world.ngozi)
    assert [goal.title for goal in goals_stored] == ["Visit the Sample Café"]


# --- budgets -------------------------------------------------------------------------------


async def test_hook_approval_steps(world: World, db: Database) -> None:
    uow = _uow(db, sample=sample_plugin)
    amara = await world.policy("amara")

    async def submitted(amount: str) -> int:
        request = await budget_requests.create_request(
            uow, amara, budget_id=world.budget, purpose="Getting fit",
            items=[ItemInput("Swimming lessons", amount)])
        await budget_requests.submit_request(uow, amara, request.id)
        return request.id

    small, large = await submitted("120"), await submitted("600")
    assert (await stored(db, BudgetRequest, small)).approvals_required == 1  # core's default
    large_request = await stored(db, BudgetRequest, large)
    assert large_request.approvals_required == 2
    assert [step["name"] for step in large_request.approval_steps or []] == ["first", "second"]

    james = await world.policy("james")
    await budget_requests.approve_request(uow, james, large)
    assert (await stored(db, BudgetRequest, large)).status is S.AWAITING_APPROVAL
    with pytest.raises(Conflict) as again:  # the second sign-off needs a second person
        await budget_requests.approve_request(uow, james, large)
    assert again.value.code == "ALREADY_DECIDED"

    await add_staff(world, "rosa", world.cmht, ["elft.team_lead"])
    await budget_requests.approve_request(uow, await world.policy("rosa"), large)
    assert (await stored(db, BudgetRequest, large)).status is S.APPROVED
    approvals = await stored_rows(db, BudgetApproval, BudgetApproval.request_id == large)
    assert [approval.step for approval in approvals] == ["first", "second"]
    assert len({approval.staff_member_id for approval in approvals}) == 2

    await budget_requests.approve_request(uow, james, small)
    assert (await stored(db, BudgetRequest, small)).status is S.APPROVED


class NeedsAGoal:
    """A plugin that refuses to submit a request for someone with no recovery goal yet."""

    @hookimpl
    async def check_submission(self, request: BudgetRequest, session: Any) -> list[Any]:
        goal = await session.scalar(
            select(RecoveryGoal.id).where(RecoveryGoal.person_id == request.person_id))
        if goal is not None:
            return []
        return [ItemProblem("NO_GOAL", "Set a recovery goal first.")]


async def test_hook_check_submission(world: World, db: Database, unchanged: Any) -> None:
    uow = _uow(db, needs_a_goal=NeedsAGoal())
    amara = await world.policy("amara")
    request = await budget_requests.create_request(
        uow, amara, budget_id=world.budget, purpose="Getting fit",
        items=[ItemInput("Swimming lessons", "120")])

    async with unchanged():
        with pytest.raises(InvalidInput) as refused:
            await budget_requests.submit_request(uow, amara, request.id)
    assert (refused.value.code, refused.value.field) == ("NO_GOAL", "requestId")

    await goals.create_goal(uow, amara, person_id=world.ngozi, title="Swim every week")
    await budget_requests.submit_request(uow, amara, request.id)
    assert (await stored(db, BudgetRequest, request.id)).status is S.SUBMITTED


async def test_hook_validate_budget_item(world: World, database_url: str, unchanged: Any) -> None:
    create = ("mutation($input: CreateBudgetRequestInput!) { createBudgetRequest(input: $input) "
              "{ budgetRequest { status } userErrors { code field message } } }")
    items = [{"description": "Art materials", "amount": "40"},
             {"description": "Glitter by the kilo", "amount": "12"}]
    request = {"input": {"budgetId": gid("Budget", world.budget), "purpose": "Art",
                         "items": items}}

    async with _hub(database_url) as hub:
        async with unchanged():
            refused = await hub.execute(create, request, as_user="amara")
        accepted = await hub.execute(create, {"input": {**request["input"],
                                                        "items": items[:1]}}, as_user="amara")
    assert refused.payload("createBudgetRequest") == {"budgetRequest": None, "userErrors": [
        {"code": "SAMPLE_NOT_FUNDABLE", "field": "items.1.description",
         "message": "The café cannot fund glitter from a budget."}]}
    assert accepted.payload("createBudgetRequest") == {"budgetRequest": {"status": "DRAFT"},
                                                       "userErrors": []}


# --- domain events, after commit -----------------------------------------------------------


class EventRecorder:
    """A plugin that records each event hook call, with the event's row as a new session saw
    it at that moment: what was committed."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, DomainEvent, Any]] = []

    def of(self, hook: str) -> list[tuple[DomainEvent, Any]]:
        return [(event, seen) for name, event, seen in self.calls if name == hook]

    async def _record(self, hook: str, event: DomainEvent, uow: UnitOfWork) -> None:
        model: Any
        for attribute, model, column in (("goal_id", RecoveryGoal, "status"),
                                         ("request_id", BudgetRequest, "status"),
                                         ("consent_id", Consent, "revoked_at")):
            if hasattr(event, attribute):
                async with uow.db.reading() as session:
                    row = await session.get(model, getattr(event, attribute))
                seen = "no such row" if row is None else getattr(row, column)
        self.calls.append((hook, event, seen))

    @hookimpl
    def goal_completed(self, event: DomainEvent, uow: UnitOfWork) -> Awaitable[None]:
        return self._record("goal_completed", event, uow)

    @hookimpl
    def budget_request_submitted(self, event: DomainEvent, uow: UnitOfWork) -> Awaitable[None]:
        return self._record("budget_request_submitted", event, uow)

    @hookimpl
    def budget_request_approved(self, event: DomainEvent, uow: UnitOfWork) -> Awaitable[None]:
        return self._record("budget_request_approved", event, uow)

    @hookimpl
    def budget_request_rejected(self, event: DomainEvent, uow: UnitOfWork) -> Awaitable[None]:
        return self._record("budget_request_rejected", event, uow)

    @hookimpl
    def budget_request_withdrawn(self, event: DomainEvent, uow: UnitOfWork) -> Awaitable[None]:
        return self._record("budget_request_withdrawn", event, uow)

    @hookimpl
    def consent_granted(self, event: DomainEvent, uow: UnitOfWork) -> Awaitable[None]:
        return self._record("consent_granted", event, uow)

    @hookimpl
    def consent_revoked(self, event: DomainEvent, uow: UnitOfWork) -> Awaitable[None]:
        return self._record("consent_revoked", event, uow)


Change = Callable[[], Awaitable[Any]]


class _EventCase:
    """One event hook's test: ``prepare`` sets the scene and returns the change that raises
    the event; the change is tried once with its commit failing, then for real."""

    def __init__(self, world: World, monkeypatch: pytest.MonkeyPatch, unchanged: Any) -> None:
        self.world = world
        self.monkeypatch = monkeypatch
        self.unchanged = unchanged
        self.recorder = EventRecorder()
        self.uow = _uow(world.uow.db, recorder=self.recorder)

    async def request(self, *, submitted: bool) -> int:
        amara = await self.world.policy("amara")
        request = await budget_requests.create_request(
            self.uow, amara, budget_id=self.world.budget, purpose="Getting fit",
            items=[ItemInput("Swimming lessons", "120")])
        if submitted:
            await budget_requests.submit_request(self.uow, amara, request.id)
        return request.id

    async def fires_after_commit_only(self, hook: str, change: Change) -> tuple[Any, Any]:
        """(event, the row as committed when the hook ran) of the one call of ``hook``."""
        self.recorder.calls.clear()
        with failing_commits(self.uow.db, self.monkeypatch):
            async with self.unchanged():
                with pytest.raises(RuntimeError, match="the commit failed"):
                    await change()
        assert self.recorder.calls == []  # rolled back: no hook was called
        await change()
        calls = self.recorder.of(hook)
        assert len(calls) == 1, self.recorder.calls
        return calls[0]


@pytest.fixture
def case(world: World, monkeypatch: pytest.MonkeyPatch, unchanged: Any) -> _EventCase:
    return _EventCase(world, monkeypatch, unchanged)


async def test_hook_goal_completed(case: _EventCase) -> None:
    ngozi = await case.world.policy("ngozi")
    goal = await goals.create_goal(case.uow, ngozi, person_id=case.world.ngozi, title="Swim")
    event, seen = await case.fires_after_commit_only(
        "goal_completed", lambda: goals.complete_goal(case.uow, ngozi, goal.id))
    assert (event.goal_id, event.person_id) == (goal.id, case.world.ngozi)
    assert seen is GoalStatus.COMPLETED


async def test_hook_budget_request_submitted(case: _EventCase) -> None:
    request_id = await case.request(submitted=False)
    amara = await case.world.policy("amara")
    event, seen = await case.fires_after_commit_only(
        "budget_request_submitted",
        lambda: budget_requests.submit_request(case.uow, amara, request_id))
    assert (event.request_id, event.person_id) == (request_id, case.world.ngozi)
    assert seen is S.SUBMITTED


async def test_hook_budget_request_approved(case: _EventCase) -> None:
    request_id = await case.request(submitted=True)
    james = await case.world.policy("james")
    event, seen = await case.fires_after_commit_only(
        "budget_request_approved",
        lambda: budget_requests.approve_request(case.uow, james, request_id))
    assert (event.request_id, event.total_pence, event.payment_route) == (
        request_id, 12_000, "direct_payment")
    assert seen is S.APPROVED


async def test_hook_budget_request_rejected(case: _EventCase) -> None:
    request_id = await case.request(submitted=True)
    james = await case.world.policy("james")
    event, seen = await case.fires_after_commit_only(
        "budget_request_rejected",
        lambda: budget_requests.reject_request(case.uow, james, request_id, reason="Not now"))
    assert event.request_id == request_id
    assert seen is S.REJECTED


async def test_hook_budget_request_withdrawn(case: _EventCase) -> None:
    request_id = await case.request(submitted=False)
    amara = await case.world.policy("amara")
    event, seen = await case.fires_after_commit_only(
        "budget_request_withdrawn",
        lambda: budget_requests.withdraw_request(case.uow, amara, request_id))
    assert event.request_id == request_id
    assert seen is S.WITHDRAWN


async def _grant(case: _EventCase) -> Consent:
    return await consents.grant_consent(
        case.uow, await case.world.policy("ngozi"), person_id=case.world.ngozi,
        grantee_organisation_id=case.world.charity, categories=["wellbeing"],
        purpose="Sessions")


async def test_hook_consent_granted(case: _EventCase) -> None:
    event, seen = await case.fires_after_commit_only("consent_granted", lambda: _grant(case))
    assert event.person_id == case.world.ngozi
    assert seen is None  # stored, and not revoked


async def test_hook_consent_revoked(case: _EventCase) -> None:
    consent = await _grant(case)
    ngozi = await case.world.policy("ngozi")
    event, seen = await case.fires_after_commit_only(
        "consent_revoked", lambda: consents.revoke_consent(case.uow, ngozi, consent.id))
    assert event.consent_id == consent.id
    assert seen is not None  # revoked_at, as committed


# --- operations ----------------------------------------------------------------------------


async def test_hook_register_commands(tmp_path: Path) -> None:
    site = installed(tmp_path / "site", "sample", SAMPLE_MODULE)
    (tmp_path / "plugins.toml").write_text('[plugins.sample.settings]\ngreeting = "Hi"\n')
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'unused.db'}")
    env = {**python_path(site), "RECOVERY_HUB_PLUGINS_FILE": str(tmp_path / "plugins.toml")}

    greeted = await cli.ok("sample-greet", "--name", "Ngozi", env=env)
    assert greeted.stdout == "Hi, Ngozi!\n"

    # In-process too: the command is in the parser, beside core's.
    commands = next(action for action in _parser(load_plugins(
        tmp_path / "plugins.toml", extra={"sample": sample_plugin}, entry_points=False))._actions
        if isinstance(action, argparse._SubParsersAction))
    assert {"serve", "sample-greet"} <= set(commands.choices)


def _tables(connection: Connection) -> set[str]:
    return set(inspect_schema(connection).get_table_names())


async def test_hook_load_demo_data(fresh_database_url: str, tmp_path: Path) -> None:
    site = installed(tmp_path / "site", "sample", SAMPLE_MODULE)
    cli = Cli(tmp_path, fresh_database_url)
    await cli.ok("db", "upgrade", env=python_path(site))
    loaded = await cli.ok("demo", "load", env=python_path(site))
    assert "Demo data loaded." in loaded.stderr

    database = Database(fresh_database_url)
    try:
        async with database.reading() as session:
            names = set(await session.scalars(select(Organisation.name)))
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(_tables)
    finally:
        await database.dispose()
    # Core's demo world, and the plugin's.
    assert {"Somerford Grove Practice", "Sample Café"} <= names
    assert "sample_visit" in tables  # `db upgrade` ran the plugin's migration


async def test_hook_migration_directories(
    recovery_hub_platform: StartPlatform, recovery_hub_database_url: str, tmp_path: Path
) -> None:
    # plugins.toml lists no shipped plugin: core's migrations and the sample plugin's only.
    hub = await recovery_hub_platform(plugins_toml="", plugins={"sample": sample_plugin},
                                      entry_points=False)
    assert hub.plugins.migration_directories() == [
        str(Path(sample_plugin.__file__).parent / "migrations")]
    async with hub.db.engine.connect() as connection:
        tables = await connection.run_sync(_tables)
        versions = set((await connection.execute(
            text("SELECT version_num FROM alembic_version"))).scalars())
    assert {"sample_visit", "person", "budget_request"} <= tables
    core_heads = ScriptDirectory.from_config(alembic_config(recovery_hub_database_url))
    assert versions == set(core_heads.get_heads()) | {"sample_0001"}

    # Upgrading again with the plugin is a no-op; without it, `db upgrade` refuses the
    # database rather than lose track of the plugin's tables.
    await upgrade_async(recovery_hub_database_url, plugins=hub.plugins)
    (tmp_path / "plugins.toml").write_text("")
    refused = await Cli(tmp_path, recovery_hub_database_url).run("db", "upgrade")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == (
        "recovery-hub: the database was migrated by a plugin that is not enabled now (Can't "
        "locate revision identified by 'sample_0001'); enable that plugin in plugins.toml "
        "(or install it again) and upgrade again\n")
    result = await hub.execute("{ sampleCafe { name } }", as_user=None)
    assert result.data == {"sampleCafe": {"name": "Sample Café"}}
