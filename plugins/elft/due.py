"""Telling care coordinators what falls due: a support plan's reviews, and the eligibility
assessments that stop being current. A scheduled job (``elft.falling_due``, hourly) looks; each
review and each assessment is notified once (the notification's key), however often it looks
and however many workers run it.

Notifications name no one and no health detail: "A PHB review is due on 3 March 2026"; the
link (``aboutId``) opens the review for those the policy lets see it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, select

from core.jobs import Job
from core.models.base import utcnow
from core.notifications.service import Recipient, create_notification
from core.unit_of_work import UnitOfWork

from .models import EligibilityAssessment, Review, SupportPlan, SupportPlanVersion
from .settings import ElftSettings

__all__ = ["FALLING_DUE", "notify_falling_due"]

REVIEW_DUE = "elft.review_due"
ELIGIBILITY_ENDING = "elft.eligibility_ending"


def _coordinators() -> Any:
    """Each plan's care coordinator: the one its current version names."""
    return (select(SupportPlan.id.label("plan_id"), SupportPlan.person_id,
                   SupportPlanVersion.care_coordinator_staff_id.label("staff_id"),
                   SupportPlan.period_end)
            .join(SupportPlanVersion, and_(SupportPlanVersion.plan_id == SupportPlan.id,
                                           SupportPlanVersion.version
                                           == SupportPlan.current_version))
            .subquery())


async def notify_falling_due(uow: UnitOfWork, today: dt.date,
                             settings: ElftSettings) -> int:
    """Notify each care coordinator of reviews due within ``due_notice_days`` (or overdue)
    and of eligibility that stops being current within as many days. Returns how many
    notifications were created (0 when everything was notified before)."""
    horizon = today + dt.timedelta(days=settings.due_notice_days)
    coordinators = _coordinators()
    created = 0
    async with uow.begin() as tx:
        reviews = await tx.session.execute(
            select(Review.id, Review.kind, Review.due_on, coordinators.c.staff_id)
            .join(coordinators, coordinators.c.plan_id == Review.plan_id)
            .where(Review.held_on.is_(None), Review.due_on <= horizon)
            .order_by(Review.id))
        for review_id, kind, due_on, staff_id in reviews:
            when = (f"was due on {due_on:%-d %B %Y} and is overdue" if due_on < today
                    else f"is due on {due_on:%-d %B %Y}")
            created += await create_notification(
                tx, Recipient(staff_member_id=staff_id), kind=REVIEW_DUE,
                title=f"A PHB {kind.value} review is due",
                body=f"A {kind.value} review of a support plan on your caseload {when}.",
                about=("ElftReview", review_id), key=f"{REVIEW_DUE}:{review_id}",
            ) is not None

        # Each person's latest assessment, if eligible and ending soon; told to the
        # coordinator of their latest plan, else to whoever assessed them.
        latest = (select(EligibilityAssessment.person_id,
                         func.max(EligibilityAssessment.id).label("assessment_id"))
                  .group_by(EligibilityAssessment.person_id).subquery())
        plan_of = (select(coordinators.c.person_id, func.max(coordinators.c.plan_id)
                          .label("plan_id")).group_by(coordinators.c.person_id).subquery())
        valid = dt.timedelta(days=settings.eligibility_valid_days)
        ending = await tx.session.execute(
            select(EligibilityAssessment, coordinators.c.staff_id)
            .join(latest, latest.c.assessment_id == EligibilityAssessment.id)
            .outerjoin(plan_of, plan_of.c.person_id == EligibilityAssessment.person_id)
            .outerjoin(coordinators, coordinators.c.plan_id == plan_of.c.plan_id)
            .where(EligibilityAssessment.eligible.is_(True),
                   # current until some time on the horizon's day, or before
                   EligibilityAssessment.assessed_at
                   < dt.datetime.combine(horizon + dt.timedelta(days=1), dt.time(), dt.UTC)
                   - valid)
            .order_by(EligibilityAssessment.id))
        for assessment, staff_id in ending:
            until = (assessment.assessed_at + valid).date()
            created += await create_notification(
                tx, Recipient(staff_member_id=staff_id or assessment.assessed_by_staff_id),
                kind=ELIGIBILITY_ENDING, title="A PHB eligibility assessment is ending",
                body=f"An eligibility assessment on your caseload is current until "
                     f"{until:%-d %B %Y}: assess again before a new request is submitted.",
                about=("ElftEligibilityAssessment", assessment.id),
                key=f"{ELIGIBILITY_ENDING}:{assessment.id}",
            ) is not None
    return created


async def _falling_due(uow: UnitOfWork, _payload: dict[str, Any]) -> None:
    settings: ElftSettings = uow.plugins.config.settings("elft")
    await notify_falling_due(uow, utcnow().date(), settings)


FALLING_DUE = Job("elft.falling_due", _falling_due, every=dt.timedelta(hours=1))
