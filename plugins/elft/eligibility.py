"""PHB eligibility: a recorded assessment, and whether a person has a current eligible one.

A person is eligible when they have Section 117 aftercare (which gives a legal right to a
Personal Health Budget), or when all three of the pilot's criteria hold: they receive treatment
from ELFT, their mental health cluster is 4 or higher, and they are ready to move towards
discharge. An assessment is current for ``eligibility_valid_days`` (default 365) after it was
made; a newer assessment replaces an older one, eligible or not.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.approvals import ItemProblem
from core.audit import record_access
from core.categories import DataCategory as C
from core.errors import Forbidden, InvalidInput
from core.policy import AccessPolicy, Action
from core.unit_of_work import UnitOfWork

from ._common import optional_text
from .models import EligibilityAssessment
from .settings import ElftSettings

__all__ = [
    "EligibilityBasis",
    "assessments_by_ids",
    "basis_of",
    "latest_assessments",
    "record_assessment",
    "submission_problem",
    "unmet_criteria",
    "valid_until",
]

MIN_CLUSTER = 4
CLUSTERS = range(1, 22)  # mental health clusters 1 to 21
CATEGORIES = (C.MENTAL_HEALTH, C.BUDGET)


class EligibilityBasis(enum.StrEnum):
    SECTION_117 = "section_117"  # a legal right to a PHB
    PILOT_CRITERIA = "pilot_criteria"  # ELFT treatment, cluster 4+, ready towards discharge
    NOT_ELIGIBLE = "not_eligible"


def unmet_criteria(assessment: EligibilityAssessment) -> list[str]:
    """The pilot criteria that did not hold, in words (empty when all held)."""
    unmet = []
    if not assessment.receiving_elft_treatment:
        unmet.append("not receiving treatment from ELFT")
    if assessment.mental_health_cluster < MIN_CLUSTER:
        unmet.append(f"mental health cluster {assessment.mental_health_cluster}, below "
                     f"{MIN_CLUSTER}")
    if not assessment.ready_to_move_towards_discharge:
        unmet.append("not yet ready to move towards discharge")
    return unmet


def basis_of(assessment: EligibilityAssessment) -> EligibilityBasis:
    if assessment.section_117_aftercare:
        return EligibilityBasis.SECTION_117
    if not unmet_criteria(assessment):
        return EligibilityBasis.PILOT_CRITERIA
    return EligibilityBasis.NOT_ELIGIBLE


def valid_until(assessment: EligibilityAssessment, settings: ElftSettings) -> dt.datetime:
    return assessment.assessed_at + dt.timedelta(days=settings.eligibility_valid_days)


async def record_assessment(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    receiving_elft_treatment: bool,
    mental_health_cluster: int,
    ready_to_move_towards_discharge: bool,
    section_117_aftercare: bool,
    note: str | None = None,
) -> EligibilityAssessment:
    """Record who assessed, when, what they found, and the outcome."""
    staff_id = policy.principal.staff_member_id
    if staff_id is None:
        raise Forbidden("PHB eligibility is assessed by a clinician in the person's care team.",
                        code="STAFF_ONLY")
    if mental_health_cluster not in CLUSTERS:
        raise InvalidInput("The mental health cluster is a number from 1 to 21.",
                           code="INVALID_CLUSTER", field="mentalHealthCluster")
    note_text = optional_text(note, field="note", what="a note", max_length=5000)
    assessment = EligibilityAssessment(
        person_id=person_id, assessed_by_staff_id=staff_id, assessed_at=policy.now,
        receiving_elft_treatment=receiving_elft_treatment,
        mental_health_cluster=mental_health_cluster,
        ready_to_move_towards_discharge=ready_to_move_towards_discharge,
        section_117_aftercare=section_117_aftercare, note=note_text, created_at=policy.now,
    )
    assessment.eligible = basis_of(assessment) is not EligibilityBasis.NOT_ELIGIBLE
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.CREATE, person_id, CATEGORIES,
                             field="personId")
        tx.session.add(assessment)
        await record_access(tx.session, policy, person_id=person_id,
                            operation="elft_record_eligibility", categories=CATEGORIES)
    return assessment


async def _latest(session: AsyncSession, person_id: int) -> EligibilityAssessment | None:
    return await session.scalar(
        select(EligibilityAssessment)
        .where(EligibilityAssessment.person_id == person_id)
        .order_by(EligibilityAssessment.assessed_at.desc(), EligibilityAssessment.id.desc())
        .limit(1)
    )


async def submission_problem(session: AsyncSession, person_id: int, at: dt.datetime,
                             settings: ElftSettings) -> ItemProblem | None:
    """Why a budget request for this person cannot be submitted now, if it cannot."""
    latest = await _latest(session, person_id)
    if latest is None:
        return ItemProblem("NO_ELIGIBILITY_ASSESSMENT",
                           "This person has no PHB eligibility assessment yet: a clinician "
                           "records one before a request is submitted.")
    if not latest.eligible:
        return ItemProblem("NOT_ELIGIBLE",
                           "The latest PHB eligibility assessment found this person not "
                           "eligible: " + "; ".join(unmet_criteria(latest)) + ".")
    if valid_until(latest, settings) <= at:
        return ItemProblem("ELIGIBILITY_EXPIRED",
                           f"The PHB eligibility assessment of "
                           f"{latest.assessed_at:%d %B %Y} is more than "
                           f"{settings.eligibility_valid_days} days old: assess again first.")
    return None


async def latest_assessments(
    session: AsyncSession, policy: AccessPolicy, person_ids: Sequence[int]
) -> dict[int, EligibilityAssessment]:
    """Each person's latest assessment, for people the principal may see."""
    rows = await session.scalars(
        select(EligibilityAssessment)
        .where(EligibilityAssessment.person_id.in_(set(person_ids)),
               policy.person_filter(EligibilityAssessment.person_id))
        .order_by(EligibilityAssessment.person_id, EligibilityAssessment.assessed_at,
                  EligibilityAssessment.id)
    )
    latest = {row.person_id: row for row in rows}  # the last of each person's rows wins
    return {row.person_id: row for row in await policy.readable(session, latest.values(), None)}


async def assessments_by_ids(session: AsyncSession, policy: AccessPolicy,
                             ids: Sequence[int]) -> dict[int, EligibilityAssessment]:
    rows = await session.scalars(select(EligibilityAssessment).where(
        EligibilityAssessment.id.in_(set(ids)),
        policy.person_filter(EligibilityAssessment.person_id)))
    return {row.id: row for row in await policy.readable(session, rows, None)}
