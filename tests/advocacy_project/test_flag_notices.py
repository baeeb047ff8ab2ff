"""PHB advisors hear of what monitoring noticed, once per thing noticed (the scheduled job
``advocacy_project.monitoring_flags``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.notifications.models import Notification
from plugins.advocacy_project.flag_notices import KIND, notify_flags
from tests.elft.support import ElftWorld
from tests.support.world import PLUGINS

from .support import build_advocacy_world

SETTINGS = PLUGINS.config.settings("advocacy_project")


async def test_each_flag_is_told_to_the_pot_holders_advisors_once(elft: ElftWorld) -> None:
    w = await build_advocacy_world(elft)
    case = await w.approved_case("200", "Laptop")
    payment = await w.scheduled(case)  # due today
    today = payment.due_on
    assert await notify_flags(elft.uow, today, SETTINGS) == 0  # nothing overdue yet

    overdue = today + dt.timedelta(days=3)
    assert await notify_flags(elft.uow, overdue, SETTINGS) == 2  # Ada and Abe
    assert await notify_flags(elft.uow, overdue + dt.timedelta(days=1), SETTINGS) == 0
    async with elft.db.reading() as session:
        found = list(await session.scalars(select(Notification).order_by(Notification.id)))
    assert {n.staff_member_id for n in found} == {w.ada, w.abe}  # not Otto: not the holder
    assert {(n.kind, n.title, n.about_type, n.about_id) for n in found} == {
        (KIND, "A payment is overdue", "AdvocacyProjectPaymentCase", case.id)}
    assert all("Laptop" not in n.body and "Ngozi" not in n.body for n in found)
    assert elft.uow.jobs["advocacy_project.monitoring_flags"].cron == "0 7 * * *"
