"""Creating notifications (in the transaction of what they tell), listing one's own, marking
them read. Who may read which notification is the policy's ``own_notifications``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models.base import utcnow
from core.policy import AccessPolicy
from core.unit_of_work import Transaction, UnitOfWork

from .models import BODY_LENGTH, TITLE_LENGTH, Notification

__all__ = [
    "EMAIL_JOB",
    "MAX_MARKED_AT_ONCE",
    "Recipient",
    "create_notification",
    "mark_read",
    "notifications_by_ids",
    "notifications_statement",
    "unread_count",
]

EMAIL_JOB = "core.email_notification"
MAX_MARKED_AT_ONCE = 100


@dataclass(frozen=True, slots=True)
class Recipient:
    """One person or one staff member."""

    person_id: int | None = None
    staff_member_id: int | None = None

    def __post_init__(self) -> None:
        if (self.person_id is None) == (self.staff_member_id is None):
            raise ValueError("a notification is for one person or one staff member")


def _checked(text: str, what: str, limit: int) -> str:
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > limit:
        raise ValueError(f"a notification's {what} is 1 to {limit} characters: {text!r}")
    return cleaned


async def create_notification(
    tx: Transaction, recipient: Recipient, *, kind: str, title: str, body: str,
    about: tuple[str, int] | None = None, key: str | None = None, email: bool = True,
) -> int | None:
    """Notify ``recipient`` when ``tx`` commits, and email them if mail is configured.

    ``about`` is the node it is about: (GraphQL type name, row id). ``key`` makes it happen
    once: a second notification with a key already used is not created, and ``None`` is
    returned. Text is for a lock screen: no health detail, no names (``ValueError`` for text
    that is empty or too long — a programming error, not a user's).
    """
    values: dict[str, Any] = {
        "person_id": recipient.person_id, "staff_member_id": recipient.staff_member_id,
        "kind": _checked(kind, "kind", 60), "title": _checked(title, "title", TITLE_LENGTH),
        "body": _checked(body, "body", BODY_LENGTH),
        "about_type": about[0] if about else None, "about_id": about[1] if about else None,
        "key": key, "created_at": utcnow(),
    }
    table: Any = Notification.__table__
    dialect = tx.session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    notification_id = await tx.session.scalar(
        insert.values(values).on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id))
    if notification_id is None:
        return None
    if email and tx.uow.mail is not None:
        from core.jobs.queue import enqueue

        await enqueue(tx, EMAIL_JOB, {"notification_id": int(notification_id)},
                      key=f"{EMAIL_JOB}:{notification_id}")
    return int(notification_id)


def notifications_statement(policy: AccessPolicy, *, unread_only: bool = False) -> Select[Any]:
    """The principal's own notifications (page them newest first)."""
    statement = select(Notification).where(
        policy.own_notifications(Notification.person_id, Notification.staff_member_id))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement


async def unread_count(session: AsyncSession, policy: AccessPolicy) -> int:
    return int(await session.scalar(select(func.count()).select_from(
        notifications_statement(policy, unread_only=True).subquery())) or 0)


async def notifications_by_ids(session: AsyncSession, policy: AccessPolicy,
                               ids: Sequence[int]) -> dict[int, Notification]:
    rows = await session.scalars(notifications_statement(policy).where(
        Notification.id.in_(set(ids))))
    return {row.id: row for row in rows}


async def mark_read(uow: UnitOfWork, policy: AccessPolicy, ids: Sequence[int],
                    *, at: dt.datetime | None = None) -> list[Notification]:
    """Mark some of one's own notifications read (again is fine). Any id that is not one of
    one's own is ``NOT_FOUND``, and nothing is marked."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise InvalidInput("Give at least one notification.", code="REQUIRED", field="ids")
    if len(wanted) > MAX_MARKED_AT_ONCE:
        raise InvalidInput(f"Mark at most {MAX_MARKED_AT_ONCE} notifications at once.",
                           code="TOO_MANY", field="ids")
    async with uow.begin() as tx:
        found = await notifications_by_ids(tx.session, policy, wanted)
        for index, notification_id in enumerate(wanted):
            if notification_id not in found:
                raise NotFound("notification", field=f"ids.{index}")
        await tx.session.execute(
            update(Notification).where(Notification.id.in_(wanted),
                                       Notification.read_at.is_(None))
            .values(read_at=at or policy.now))
        rows = await tx.session.scalars(select(Notification).where(
            Notification.id.in_(wanted)).order_by(Notification.id.desc())
            .execution_options(populate_existing=True))
        return list(rows)
