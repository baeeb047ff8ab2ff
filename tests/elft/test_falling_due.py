"""Care coordinators hear of reviews and eligibility falling due: once each, whoever looks
and however often (the scheduled job ``elft.falling_due``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from sqlalchemy import select

from core.notifications.models import Notification
from plugins.elft.due import ELIGIBILITY_ENDING, REVIEW_DUE, notify_falling_due
from plugins.elft.models import EligibilityAssessment, ReviewKind
from tests.support.graphql import GraphQLClient, gid

from .support import SETTINGS, ElftWorld
from .test_reviews import agreed_plan_reviews, record
from .test_support_plans import TODAY


async def _notifications(elft: ElftWorld) -> list[Notification]:
    async with elft.db.reading() as session:
        return list(await session.scalars(select(Notification).order_by(Notification.id)))


async def test_each_review_and_eligibility_falling_due_is_told_once(elft: ElftWorld) -> None:
    reviews = await agreed_plan_reviews(elft)  # start due in 80 days, midpoint 167, end 355
    async with elft.db.reading() as session:
        assessment = await session.scalar(select(EligibilityAssessment))
    assert assessment is not None
    ends = (assessment.assessed_at + dt.timedelta(days=SETTINGS.eligibility_valid_days)).date()

    assert await notify_falling_due(elft.uow, TODAY, SETTINGS) == 0
    start_notice = TODAY + dt.timedelta(days=80 - SETTINGS.due_notice_days)
    assert await notify_falling_due(elft.uow, start_notice - dt.timedelta(days=1),
                                    SETTINGS) == 0
    assert await notify_falling_due(elft.uow, start_notice, SETTINGS) == 1
    assert await notify_falling_due(elft.uow, start_notice, SETTINGS) == 0  # told already
    [start] = await _notifications(elft)
    assert (start.staff_member_id, start.kind, start.about_type, start.about_id) == (
        elft.world.amara, REVIEW_DUE, "ElftReview", reviews[ReviewKind.START])
    assert start.title == "A PHB start review is due"
    assert "Ngozi" not in start.body and "weight" not in start.body.lower()

    # The start review is held; near the end of the plan the other two and the eligibility
    # fall due, each told once.
    await record(elft, reviews[ReviewKind.START])
    late = ends - dt.timedelta(days=SETTINGS.due_notice_days)
    assert await notify_falling_due(elft.uow, late, SETTINGS) == 3
    assert await notify_falling_due(elft.uow, late + dt.timedelta(days=1), SETTINGS) == 0
    found = await _notifications(elft)
    assert sorted((n.kind, n.about_id) for n in found[1:]) == sorted([
        (REVIEW_DUE, reviews[ReviewKind.MIDPOINT]), (REVIEW_DUE, reviews[ReviewKind.END]),
        (ELIGIBILITY_ENDING, assessment.id)])
    assert {n.staff_member_id for n in found} == {elft.world.amara}


async def test_the_scheduled_job_tells_the_coordinator_through_the_api(
        elft: ElftWorld, unchanged: Any) -> None:
    reviews = await agreed_plan_reviews(elft)
    job = elft.uow.jobs["elft.falling_due"]
    assert job.every == dt.timedelta(hours=1)
    with time_machine.travel(dt.datetime.combine(TODAY + dt.timedelta(days=70), dt.time(9),
                                                 dt.UTC), tick=False):
        await job.handler(elft.uow, {})
    client = GraphQLClient(elft.uow)
    seen = await client.execute("{ viewer { notifications { edges { node { title aboutId } } } "
                                "} }", as_user="amara")
    assert seen.data["viewer"]["notifications"]["edges"] == [{"node": {
        "title": "A PHB start review is due", "aboutId": gid("ElftReview",
                                                             reviews[ReviewKind.START])}}]
    async with unchanged():  # Ngozi's care team lead is not her coordinator
        lead = await client.execute("{ viewer { unreadNotificationCount } }", as_user="james")
        assert lead.data == {"viewer": {"unreadNotificationCount": 0}}
