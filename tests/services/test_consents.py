"""Consents: a person shares categories of their data with an organisation or a team."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.categories import CORE_CATEGORIES
from core.db import Database
from core.errors import Conflict, InvalidInput, NotFound
from core.events import ConsentGranted, ConsentRevoked, DomainEvent
from core.models import AuditEvent, Consent, ConsentRecordedHow, ConsentStatus
from core.permissions import AccessRules
from core.policy import AccessPolicy
from core.services import consents
from tests.support import policies
from tests.support.event_log import EventLog
from tests.support.refusals import raises, refused
from tests.support.stored import stored, stored_rows
from tests.support.world import World

UNKNOWN = 999_999
HOW = ConsentRecordedHow


async def _consent(world: World, *, by: str = "ngozi", person: int | None = None) -> int:
    created = await consents.grant_consent(
        world.uow, await world.policy(by), person_id=person or world.ngozi,
        grantee_organisation_id=world.charity, categories=["wellbeing"],
        purpose="Sports sessions")
    return created.id


async def test_a_person_grants_consent_online(
    world: World, db: Database, events: EventLog
) -> None:
    ngozi = await world.policy("ngozi")
    until = ngozi.now + dt.timedelta(days=365)
    created = await consents.grant_consent(
        world.uow, ngozi, person_id=world.ngozi, grantee_organisation_id=world.charity,
        categories=["wellbeing", "recovery_plan", "wellbeing"],
        purpose=" Joining sports sessions ", valid_until=until)
    consent = await stored(db, Consent, created.id)
    assert (consent.person_id, consent.grantee_organisation_id, consent.grantee_team_id) == (
        world.ngozi, world.charity, None)
    assert consent.categories == ["recovery_plan", "wellbeing"]
    assert consent.purpose == "Joining sports sessions"
    assert (consent.valid_from, consent.valid_until) == (ngozi.now, until)
    assert (consent.recorded_how, consent.by_person_id, consent.by_staff_id) == (
        HOW.ONLINE, world.ngozi, None)
    assert consent.status_at(ngozi.now) is ConsentStatus.ACTIVE
    assert consent.status_at(until) is ConsentStatus.EXPIRED
    assert events.events == [ConsentGranted(person_id=world.ngozi, consent_id=created.id)]
    assert await stored_rows(db, AuditEvent, AuditEvent.operation == "grant_consent") == []


async def test_staff_record_consent_given_on_paper_by_phone_or_in_person(
    world: World, db: Database
) -> None:
    amara = await world.policy("amara")
    recorded = []
    for how in [None, HOW.PHONE, HOW.IN_PERSON, HOW.PAPER]:
        created = await consents.grant_consent(
            world.uow, amara, person_id=world.belu, grantee_team_id=world.charity_team,
            categories=["budget"], purpose="Paying for a Fitbit", recorded_how=how)
        consent = await stored(db, Consent, created.id)
        recorded.append((consent.recorded_how, consent.by_staff_id, consent.grantee_team_id))
    assert recorded == [(how, world.amara, world.charity_team)
                        for how in (HOW.PAPER, HOW.PHONE, HOW.IN_PERSON, HOW.PAPER)]
    audits = await stored_rows(db, AuditEvent, AuditEvent.operation == "grant_consent")
    assert {(a.person_id, a.actor_staff_id, tuple(a.categories)) for a in audits} == {
        (world.belu, world.amara, ("budget",))}


async def test_a_consent_starting_later_is_pending_until_then(
    world: World, db: Database
) -> None:
    belu = await world.policy("belu")
    starts = belu.now + dt.timedelta(days=7)
    created = await consents.grant_consent(
        world.uow, belu, person_id=world.belu, grantee_organisation_id=world.charity,
        categories=["wellbeing"], purpose="From next week", valid_from=starts)
    consent = await stored(db, Consent, created.id)
    assert consent.valid_from == starts
    assert consent.status_at(belu.now) is ConsentStatus.PENDING
    assert consent.status_at(starts) is ConsentStatus.ACTIVE


async def test_a_category_a_plugin_added_may_be_shared(world: World, db: Database) -> None:
    rules = AccessRules({**CORE_CATEGORIES, "core_arts.attendance": "Session registers"})
    ngozi = AccessPolicy((await world.policy("ngozi")).principal, rules)
    created = await consents.grant_consent(
        world.uow, ngozi, person_id=world.ngozi, grantee_organisation_id=world.charity,
        categories=["core_arts.attendance"], purpose="Session registers")
    assert (await stored(db, Consent, created.id)).categories == ["core_arts.attendance"]


async def test_grant_consent_refuses_bad_input(
    world: World, unchanged: Any, events: EventLog
) -> None:
    ngozi = await world.policy("ngozi")
    now = ngozi.now
    both = {"grantee_organisation_id": world.charity, "grantee_team_id": world.charity_team}
    async with unchanged():
        for arguments, code, field in [
            (both, "INVALID_GRANTEE", "grantee"),
            ({"grantee_organisation_id": None}, "INVALID_GRANTEE", "grantee"),
            ({"categories": []}, "NO_CATEGORIES", "categories"),
            ({"categories": ["wellbeing", "tarot"]}, "UNKNOWN_CATEGORY", "categories"),
            ({"purpose": "  "}, "REQUIRED", "purpose"),
            ({"purpose": "x" * 2001}, "TOO_LONG", "purpose"),
            ({"valid_from": now, "valid_until": now}, "INVALID_PERIOD", "validUntil"),
            ({"valid_from": now + dt.timedelta(days=2), "valid_until": now + dt.timedelta(days=1)},
             "INVALID_PERIOD", "validUntil"),
            ({"valid_until": now - dt.timedelta(days=1)}, "INVALID_PERIOD", "validUntil"),
            ({"valid_from": dt.datetime(2030, 1, 1)}, "TIMEZONE_REQUIRED", "validFrom"),
            ({"valid_until": dt.datetime(2030, 1, 1)}, "TIMEZONE_REQUIRED", "validUntil"),
            ({"recorded_how": HOW.PAPER}, "INVALID_RECORDED_HOW", "recordedHow"),
        ]:
            error = await raises(InvalidInput, consents.grant_consent(
                world.uow, ngozi, **{"person_id": world.ngozi, "categories": ["wellbeing"],
                                     "purpose": "Sessions",
                                     "grantee_organisation_id": world.charity, **arguments}))
            assert (error.code, error.field) == (code, field), arguments
    error = await refused(unchanged, InvalidInput, consents.grant_consent(
        world.uow, await world.policy("amara"), person_id=world.ngozi, categories=["budget"],
        purpose="Sessions", grantee_organisation_id=world.charity, recorded_how=HOW.ONLINE))
    assert (error.code, error.field) == ("INVALID_RECORDED_HOW", "recordedHow")
    error = await refused(unchanged, InvalidInput, consents.grant_consent(
        world.uow, ngozi, person_id=world.ngozi, categories=["tarot"], purpose="Sessions",
        grantee_organisation_id=world.charity))
    assert "tarot" in error.message
    assert events.events == []


async def test_grant_consent_refuses_unknown_people_and_grantees(
    world: World, unchanged: Any
) -> None:
    async with unchanged():
        for username, person_id in [("ngozi", world.belu), ("stranger", world.ngozi),
                                    ("amara", world.zed), ("system", UNKNOWN)]:
            error = await raises(NotFound, consents.grant_consent(
                world.uow, await world.policy(username), person_id=person_id,
                categories=["wellbeing"], purpose="Sessions",
                grantee_organisation_id=world.charity))
            assert (error.code, error.field) == ("NOT_FOUND", "personId"), (username, person_id)
    async with unchanged():
        for grantee in [{"grantee_organisation_id": UNKNOWN}, {"grantee_team_id": UNKNOWN}]:
            error = await raises(NotFound, consents.grant_consent(
                world.uow, await world.policy("ngozi"), person_id=world.ngozi,
                categories=["wellbeing"], purpose="Sessions", **grantee))
            assert (error.code, error.field) == ("NOT_FOUND", "granteeId")


async def test_revoking_is_effective_at_once_and_announced_after_it_is_saved(
    world: World, db: Database
) -> None:
    consent_id = await _consent(world)
    seen: list[tuple[DomainEvent, ConsentStatus]] = []

    async def look_in_the_database(event: DomainEvent) -> None:
        assert isinstance(event, ConsentRevoked)
        consent = await stored(db, Consent, event.consent_id)
        seen.append((event, consent.status_at(policies.system().now)))

    world.uow.events.subscribe(look_in_the_database)
    ngozi = await world.policy("ngozi")
    await consents.revoke_consent(world.uow, ngozi, consent_id)
    consent = await stored(db, Consent, consent_id)
    assert (consent.revoked_at, consent.revoked_by_person_id, consent.revoked_by_staff_id) == (
        ngozi.now, world.ngozi, None)
    assert consent.status_at(ngozi.now) is ConsentStatus.REVOKED
    assert seen == [(ConsentRevoked(person_id=world.ngozi, consent_id=consent_id),
                     ConsentStatus.REVOKED)]


async def test_the_care_team_may_revoke_and_it_is_audited(world: World, db: Database) -> None:
    consent_id = await _consent(world, by="belu", person=world.belu)
    await consents.revoke_consent(world.uow, await world.policy("james"), consent_id)
    consent = await stored(db, Consent, consent_id)
    assert (consent.revoked_by_person_id, consent.revoked_by_staff_id) == (None, world.james)
    [audit] = await stored_rows(db, AuditEvent, AuditEvent.operation == "revoke_consent")
    assert (audit.person_id, audit.actor_staff_id, audit.categories) == (
        world.belu, world.james, ["wellbeing"])


async def test_revoke_consent_refuses(world: World, unchanged: Any, events: EventLog) -> None:
    consent_id = await _consent(world)
    async with unchanged():
        for username, target in [("belu", consent_id), ("stranger", consent_id),
                                 ("ngozi", UNKNOWN)]:
            error = await raises(NotFound, consents.revoke_consent(
                world.uow, await world.policy(username), target))
            assert (error.code, error.field) == ("NOT_FOUND", "consentId"), (username, target)
    await consents.revoke_consent(world.uow, await world.policy("ngozi"), consent_id)
    events.clear()
    async with unchanged():
        for username in ["ngozi", "amara"]:
            error = await raises(Conflict, consents.revoke_consent(
                world.uow, await world.policy(username), consent_id))
            assert (error.code, error.field) == ("ALREADY_REVOKED", "consentId")
    assert events.events == []


async def test_consents_by_ids_follows_the_policy(world: World) -> None:
    ngozis = await _consent(world)
    belus = await _consent(world, by="belu", person=world.belu)
    ids = [ngozis, belus, UNKNOWN]

    async def read(username: str) -> set[int]:
        policy = await world.policy(username)
        async with world.uow.db.reading() as session:
            return set(await consents.consents_by_ids(session, policy, ids))

    assert await read("ngozi") == {ngozis}
    assert await read("amara") == {ngozis, belus}
    assert await read("stranger") == set()
