"""PHB eligibility: the assessment, its outcome, and no submission without a current one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.errors import Forbidden, InvalidInput, NotFound
from core.models import AuditEvent, BudgetRequest, BudgetRequestStatus
from core.services import budget_requests
from core.services.budget_requests import ItemInput
from plugins.elft import eligibility
from plugins.elft.eligibility import EligibilityBasis, basis_of, unmet_criteria
from plugins.elft.models import EligibilityAssessment
from tests.support.policies import as_of
from tests.support.refusals import raises, refused
from tests.support.stored import stored, stored_rows
from tests.support.world import World

from .support import SETTINGS, ElftWorld, build_elft_world


def _assessment(**found: Any) -> EligibilityAssessment:
    criteria = {"receiving_elft_treatment": True, "mental_health_cluster": 4,
                "ready_to_move_towards_discharge": True, "section_117_aftercare": False}
    return EligibilityAssessment(**{**criteria, **found})


@pytest.mark.parametrize(("found", "basis", "unmet"), [
    ({}, EligibilityBasis.PILOT_CRITERIA, []),
    ({"mental_health_cluster": 3}, EligibilityBasis.NOT_ELIGIBLE,
     ["mental health cluster 3, below 4"]),
    ({"receiving_elft_treatment": False}, EligibilityBasis.NOT_ELIGIBLE,
     ["not receiving treatment from ELFT"]),
    ({"ready_to_move_towards_discharge": False}, EligibilityBasis.NOT_ELIGIBLE,
     ["not yet ready to move towards discharge"]),
    # Section 117 aftercare gives a legal right to a PHB, whatever the pilot's criteria.
    ({"section_117_aftercare": True, "mental_health_cluster": 2,
      "ready_to_move_towards_discharge": False}, EligibilityBasis.SECTION_117,
     ["mental health cluster 2, below 4", "not yet ready to move towards discharge"]),
])
def test_the_outcome_follows_the_criteria(found: dict[str, Any], basis: EligibilityBasis,
                                          unmet: list[str]) -> None:
    assessment = _assessment(**found)
    assert basis_of(assessment) is basis
    assert unmet_criteria(assessment) == unmet


async def _record(world: World, by: str = "amara", **found: Any) -> EligibilityAssessment:
    criteria = {"receiving_elft_treatment": True, "mental_health_cluster": 5,
                "ready_to_move_towards_discharge": True, "section_117_aftercare": False}
    return await eligibility.record_assessment(world.uow, await world.policy(by),
                                               person_id=world.ngozi, **{**criteria, **found})


async def test_an_assessment_records_who_when_what_and_is_audited(world: World) -> None:
    recorded = await _record(world, note="Discussed at the CPA review.")
    row = await stored(world.uow.db, EligibilityAssessment, recorded.id)
    assert (row.person_id, row.assessed_by_staff_id, row.eligible, row.mental_health_cluster,
            row.note) == (world.ngozi, world.amara, True, 5, "Discussed at the CPA review.")
    assert row.assessed_at.tzinfo is not None
    [event] = await stored_rows(world.uow.db, AuditEvent,
                                AuditEvent.operation == "elft_record_eligibility")
    assert (event.person_id, event.actor_staff_id) == (world.ngozi, world.amara)
    assert sorted(event.categories) == ["budget", "mental_health"]


async def test_recording_refuses(world: World, unchanged: Any) -> None:
    async with unchanged():
        for cluster in (0, 22, -1):
            error = await raises(InvalidInput, _record(world, mental_health_cluster=cluster))
            assert (error.code, error.field) == ("INVALID_CLUSTER", "mentalHealthCluster")
        error = await raises(Forbidden, _record(world, by="ngozi"))
        assert error.code == "STAFF_ONLY"
        error = await raises(NotFound, _record(world, by="stranger"))  # no relationship
        assert error.field == "personId"
        error = await raises(InvalidInput, _record(world, note="x" * 5001))
        assert error.code == "TOO_LONG"


async def _draft(world: World) -> int:
    request = await budget_requests.create_request(
        world.uow, await world.policy("amara"), budget_id=world.budget, purpose="Fitness",
        items=[ItemInput("Swimming lessons", "40")])
    return request.id


async def test_no_submission_without_an_assessment(world: World, unchanged: Any) -> None:
    await build_elft_world(world, eligible=False)
    draft = await _draft(world)
    error = await refused(unchanged, InvalidInput, budget_requests.submit_request(
        world.uow, await world.policy("amara"), draft))
    assert (error.code, error.field) == ("NO_ELIGIBILITY_ASSESSMENT", "requestId")


async def test_no_submission_when_the_latest_assessment_found_not_eligible(
    elft: ElftWorld, unchanged: Any
) -> None:
    world = elft.world
    await _record(world, mental_health_cluster=2)  # newer than the eligible one
    draft = await _draft(world)
    error = await refused(unchanged, InvalidInput, budget_requests.submit_request(
        world.uow, await world.policy("amara"), draft))
    assert error.code == "NOT_ELIGIBLE"
    assert "mental health cluster 2, below 4" in error.message
    await _record(world, section_117_aftercare=True, mental_health_cluster=2)
    await budget_requests.submit_request(world.uow, await world.policy("amara"), draft)
    assert (await stored(world.uow.db, BudgetRequest, draft)).status is (
        BudgetRequestStatus.SUBMITTED)


async def test_an_assessment_stops_being_current(elft: ElftWorld, unchanged: Any) -> None:
    # Dated from the assessment itself, not from the clock: the ELFT world is built once per
    # database and may be minutes old when this test runs.
    world = elft.world
    draft = await _draft(world)
    [assessment] = await stored_rows(world.uow.db, EligibilityAssessment,
                                     EligibilityAssessment.person_id == world.ngozi)
    expires = assessment.assessed_at + dt.timedelta(days=SETTINGS.eligibility_valid_days)
    amara = await world.policy("amara")
    later = as_of(amara, expires + dt.timedelta(seconds=1))
    error = await refused(unchanged, InvalidInput,
                          budget_requests.submit_request(world.uow, later, draft))
    assert error.code == "ELIGIBILITY_EXPIRED"
    just_in_time = as_of(amara, expires - dt.timedelta(seconds=1))
    await budget_requests.submit_request(world.uow, just_in_time, draft)
