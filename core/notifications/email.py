"""The job that emails a notification: that there is one, never what it says.

The email names no person and no health detail (emails are read on shared screens and kept by
mail providers): it says a notification is waiting and links to where it can be read after
signing in. Sent at least once: a worker that dies between sending and recording it sends
again on the retry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from core.jobs.definitions import Job
from core.models import Person, StaffMember
from core.models.base import utcnow
from core.unit_of_work import UnitOfWork

from .mail import send_mail
from .models import Notification
from .service import EMAIL_JOB

__all__ = ["EMAIL_NOTIFICATION", "EMAIL_SUBJECT", "email_text"]

EMAIL_SUBJECT = "You have a new notification in Recovery Hub"


def email_text(public_url: str | None) -> str:
    where = (f"Sign in to read it: {public_url}/" if public_url
             else "Sign in to Recovery Hub to read it.")
    return (
        "Hello,\n\n"
        f"You have a new notification in Recovery Hub. {where}\n\n"
        "For your privacy, our emails never say what a notification is about.\n"
    )


async def email_notification(uow: UnitOfWork, payload: dict[str, Any]) -> None:
    mail = uow.mail
    if mail is None:
        return
    async with uow.db.reading() as session:
        notification = await session.get(Notification, int(payload["notification_id"]))
        if notification is None or notification.emailed_at is not None:
            return
        if notification.person_id is not None:
            address = await session.scalar(
                select(Person.email).where(Person.id == notification.person_id))
        else:
            address = await session.scalar(
                select(StaffMember.email).where(StaffMember.id == notification.staff_member_id))
    if not address:
        return
    await send_mail(mail, to=address, subject=EMAIL_SUBJECT, text=email_text(mail.public_url))
    async with uow.begin() as tx:
        await tx.session.execute(update(Notification).where(
            Notification.id == notification.id).values(emailed_at=utcnow()))


EMAIL_NOTIFICATION = Job(EMAIL_JOB, email_notification, max_attempts=8)
