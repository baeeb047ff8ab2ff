"""Telling PHB advisors what monitoring noticed. A scheduled job
(``advocacy_project.monitoring_flags``, daily at 07:00 UTC) computes the flags of open cases
(monitoring.py) and notifies the advisors of the organisation holding each case's pot, once
per flag: the same flag seen again the next day is not notified again.

Notifications say which kind of flag, never the person or what was bought.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.jobs import Job
from core.models import Membership, Team
from core.models.base import utcnow
from core.notifications.service import Recipient, create_notification
from core.policy import AccessPolicy
from core.principal import Principal
from core.unit_of_work import UnitOfWork

from .models import CaseStatus, PaymentCase
from .monitoring import FlagCode, flags_of_cases
from .settings import AdvocacySettings

__all__ = ["MONITORING_FLAGS", "notify_flags"]

KIND = "advocacy_project.monitoring_flag"
ADVISOR = "advocacy_project.phb_advisor"
_TITLES = {
    FlagCode.SPEND_NOT_IN_PLAN: "Spending that is not in a plan",
    FlagCode.UNSPENT_BUILDING_UP: "Money paid without receipts",
    FlagCode.PAYMENT_OVERDUE: "A payment is overdue",
    FlagCode.REVIEW_OVERDUE: "A review is overdue",
}


async def _advisors(uow: UnitOfWork, organisation_ids: set[int]) -> dict[int, list[int]]:
    """Each organisation's PHB advisors (staff ids)."""
    found: dict[int, list[int]] = defaultdict(list)
    async with uow.db.reading() as session:
        rows = await session.execute(
            select(Team.organisation_id, Membership.staff_member_id, Membership.roles)
            .join(Membership, Membership.team_id == Team.id)
            .where(Team.organisation_id.in_(organisation_ids))
            .order_by(Membership.staff_member_id))
        for organisation_id, staff_id, roles in rows:
            if ADVISOR in (roles or []) and staff_id not in found[organisation_id]:
                found[organisation_id].append(staff_id)
    return found


async def notify_flags(uow: UnitOfWork, today: dt.date, settings: AdvocacySettings) -> int:
    """Notify advisors of each open case's flags not notified before; how many were new."""
    system = AccessPolicy(Principal.system(), now=dt.datetime.combine(today, dt.time(),
                                                                      dt.UTC))
    async with uow.db.reading() as session:
        cases = {case.id: case for case in await session.scalars(
            select(PaymentCase).where(PaymentCase.status == CaseStatus.OPEN))}
        flags = await flags_of_cases(session, system, list(cases), today=today,
                                     settings=settings) if cases else {}
    advisors = await _advisors(uow, {case.organisation_id for case in cases.values()})
    created = 0
    async with uow.begin() as tx:
        for case_id, case_flags in sorted(flags.items()):
            for flag in case_flags:
                # One flag is one thing noticed: its code and its words (a date, an amount).
                noticed = hashlib.sha256(flag.message.encode()).hexdigest()[:16]
                for staff_id in advisors.get(cases[case_id].organisation_id, []):
                    created += await create_notification(
                        tx, Recipient(staff_member_id=staff_id), kind=KIND,
                        title=_TITLES.get(flag.code, "Monitoring noticed something"),
                        body="Monitoring noticed something on a payment case you hold: "
                             "open the case to see it.",
                        about=("AdvocacyProjectPaymentCase", case_id),
                        key=f"{KIND}:{case_id}:{flag.code}:{noticed}:{staff_id}",
                    ) is not None
    return created


async def _monitoring_flags(uow: UnitOfWork, _payload: dict[str, Any]) -> None:
    settings: AdvocacySettings = uow.plugins.config.settings("advocacy_project")
    await notify_flags(uow, utcnow().date(), settings)


MONITORING_FLAGS = Job("advocacy_project.monitoring_flags", _monitoring_flags, cron="0 7 * * *")
