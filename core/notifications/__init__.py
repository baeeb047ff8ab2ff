"""In-app notifications for a person or a staff member, and their delivery by email.

    from core.notifications.service import Recipient, create_notification

    # inside ``async with uow.begin() as tx``, with the change the notification tells of
    await create_notification(tx, Recipient(staff_member_id=coordinator_id),
                              kind="elft.review_due", title="A PHB review is due",
                              body="A review on your caseload is due on 3 March.",
                              about=("ElftReview", review.id), key=f"elft.review_due:{review.id}")

Titles and bodies never carry health detail or a person's name: they show on lock screens.
Emails say only that a notification is waiting (core/notifications/email.py). What it is about
sits behind the link (``about``), which the policy engine guards.

Modules: ``models`` (Notification), ``service`` (create, list, mark read), ``mail``
(MailSettings, send_mail through aiosmtplib), ``email`` (the job that emails one).
"""

from .models import Notification

__all__ = ["Notification"]
