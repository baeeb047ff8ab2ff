"""Consent mutations through the API: grantConsent and revokeConsent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support import records
from tests.support.graphql import GraphQLClient, gid
from tests.support.operations import UNKNOWN, refusal, run
from tests.support.world import World


def _grant(world: World, **changes: Any) -> dict[str, Any]:
    """Ngozi's consent for the charity to see her budget, with ``changes``."""
    return {
        "personId": gid("Person", world.ngozi),
        "granteeId": gid("Organisation", world.charity),
        "categories": ["budget"],
        "purpose": "Arranging sessions",
        **changes,
    }


def _at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


async def _my_consents(client: GraphQLClient, user: str) -> list[dict[str, Any]]:
    result = await client.execute(
        "{ me { consents { edges { node { id status categories } } } } }", as_user=user)
    assert not result.errors
    return [edge["node"] for edge in result.data["me"]["consents"]["edges"]]


# --- grantConsent --------------------------------------------------------------------------


async def test_person_grants_an_organisation_consent_online(
    world: World, client: GraphQLClient
) -> None:
    payload = await run(client, "grantConsent", _grant(
        world, categories=["recovery_plan", "budget", "budget"], purpose=" Planning "),
        as_user="ngozi")

    assert payload["userErrors"] == []
    consent = payload["consent"]
    assert consent["categories"] == ["budget", "recovery_plan"]
    assert consent["purpose"] == "Planning"
    assert consent["status"] == "ACTIVE"
    assert (consent["recordedHow"], consent["recordedOnBehalf"], consent["recordedBy"]) == (
        "ONLINE", False, None)
    assert consent["granteeOrganisation"] == {"name": "Test Charity"}
    assert consent["granteeTeam"] is None
    assert consent["person"] == {"id": gid("Person", world.ngozi)}
    assert consent["validUntil"] is None
    assert consent["revokedAt"] is None
    assert await _my_consents(client, "ngozi") == [
        {"id": consent["id"], "status": "ACTIVE", "categories": ["budget", "recovery_plan"]}]


async def test_consent_to_a_team(world: World, client: GraphQLClient) -> None:
    payload = await run(client, "grantConsent", _grant(
        world, granteeId=gid("Team", world.charity_team)), as_user="ngozi")

    assert payload["consent"]["granteeTeam"] == {"name": "Sessions"}
    assert payload["consent"]["granteeOrganisation"] is None


async def test_a_period_in_any_time_zone_comes_back_in_utc(
    world: World, client: GraphQLClient
) -> None:
    payload = await run(client, "grantConsent", _grant(
        world, validFrom="2099-06-01T09:00:00+01:00", validUntil="2099-12-01T09:00:00Z"),
        as_user="ngozi")

    consent = payload["consent"]
    assert _at(consent["validFrom"]) == dt.datetime(2099, 6, 1, 8, tzinfo=dt.UTC)
    assert consent["validFrom"].endswith("+00:00")
    assert _at(consent["validUntil"]) == dt.datetime(2099, 12, 1, 9, tzinfo=dt.UTC)
    assert consent["status"] == "PENDING"


async def test_a_consent_that_has_ended_is_expired(world: World, client: GraphQLClient) -> None:
    payload = await run(client, "grantConsent", _grant(
        world, validFrom="2020-01-01T00:00:00Z", validUntil="2021-01-01T00:00:00Z"),
        as_user="ngozi")

    assert payload["consent"]["status"] == "EXPIRED"


@pytest.mark.parametrize(("how", "expected"), [(None, "PAPER"), ("PHONE", "PHONE"),
                                               ("IN_PERSON", "IN_PERSON")])
async def test_staff_record_consent_on_the_persons_behalf(
    world: World, client: GraphQLClient, how: str | None, expected: str
) -> None:
    payload = await run(client, "grantConsent", _grant(world, recordedHow=how),
                        as_user="amara")

    assert payload["userErrors"] == []
    consent = payload["consent"]
    assert (consent["recordedHow"], consent["recordedOnBehalf"]) == (expected, True)
    assert consent["recordedBy"] == {"displayName": "Amara Tester"}
    assert [c["id"] for c in await _my_consents(client, "ngozi")] == [consent["id"]]


@pytest.mark.parametrize(("user", "how"), [("amara", "ONLINE"), ("ngozi", "PAPER")])
async def test_who_records_a_consent_decides_how(
    world: World, client: GraphQLClient, unchanged: Any, user: str, how: str
) -> None:
    async with unchanged():
        payload = await run(client, "grantConsent", _grant(world, recordedHow=how),
                            as_user=user)

    assert refusal(payload) == ("INVALID_RECORDED_HOW", "recordedHow")


@pytest.mark.parametrize("user", ["belu", "stranger", None])
async def test_no_consent_for_someone_you_may_not_see(
    world: World, client: GraphQLClient, unchanged: Any, user: str | None
) -> None:
    async with unchanged():
        payload = await run(client, "grantConsent", _grant(world), as_user=user)

    assert refusal(payload) == ("NOT_FOUND", "personId")


@pytest.mark.parametrize(("type_name", "row"), [
    ("Organisation", None), ("Team", None), ("Person", "belu"), ("FundingPot", "pot"),
], ids=["no-such-organisation", "no-such-team", "a-person", "a-pot"])
async def test_the_grantee_must_be_an_organisation_or_team_that_exists(
    world: World, client: GraphQLClient, unchanged: Any, type_name: str, row: str | None
) -> None:
    grantee = gid(type_name, getattr(world, row) if row else UNKNOWN)

    async with unchanged():
        payload = await run(client, "grantConsent", _grant(world, granteeId=grantee),
                            as_user="ngozi")

    assert refusal(payload) == ("NOT_FOUND", "granteeId")


async def test_a_consent_names_at_least_one_category(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    async with unchanged():
        payload = await run(client, "grantConsent", _grant(world, categories=[]),
                            as_user="ngozi")

    assert refusal(payload) == ("NO_CATEGORIES", "categories")


async def test_a_consent_needs_a_purpose(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    async with unchanged():
        payload = await run(client, "grantConsent", _grant(world, purpose=""), as_user="ngozi")

    assert refusal(payload) == ("REQUIRED", "purpose")


@pytest.mark.parametrize("field", ["validFrom", "validUntil"])
async def test_a_time_without_a_zone_is_refused(
    world: World, client: GraphQLClient, unchanged: Any, field: str
) -> None:
    async with unchanged():
        payload = await run(client, "grantConsent", _grant(world, **{
            field: "2099-01-01T00:00:00"}), as_user="ngozi")

    assert refusal(payload) == ("TIMEZONE_REQUIRED", field)


# --- revokeConsent -------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["ngozi", "amara"])
async def test_revoking_is_effective_at_once(
    world: World, client: GraphQLClient, user: str
) -> None:
    consent_id = await records.consent(world)

    payload = await run(client, "revokeConsent", {"consentId": gid("Consent", consent_id)},
                        as_user=user)

    assert payload["userErrors"] == []
    assert payload["consent"]["status"] == "REVOKED"
    assert payload["consent"]["revokedAt"] is not None
    assert await _my_consents(client, "ngozi") == [
        {"id": gid("Consent", consent_id), "status": "REVOKED", "categories": ["budget"]}]


async def test_a_revoked_consent_cannot_be_revoked_again(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    consent_id = await records.consent(world, revoked=True)

    async with unchanged():
        payload = await run(client, "revokeConsent", {"consentId": gid("Consent", consent_id)},
                            as_user="ngozi")

    assert refusal(payload) == ("ALREADY_REVOKED", "consentId")


@pytest.mark.parametrize("user", ["belu", "stranger", "zed", None])
async def test_someone_elses_consent_cannot_be_revoked(
    world: World, client: GraphQLClient, unchanged: Any, user: str | None
) -> None:
    consent_id = await records.consent(world)

    async with unchanged():
        payload = await run(client, "revokeConsent", {"consentId": gid("Consent", consent_id)},
                            as_user=user)

    assert refusal(payload) == ("NOT_FOUND", "consentId")
