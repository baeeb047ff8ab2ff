"""Sending email through an SMTP server, with aiosmtplib."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal

import aiosmtplib

__all__ = ["MailSettings", "send_mail"]


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where mail goes (the operator's RECOVERY_HUB_SMTP_* settings)."""

    host: str
    port: int = 25
    sender: str = "Recovery Hub <no-reply@recovery-hub.invalid>"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: Literal["none", "starttls", "tls"] = "none"
    timeout_seconds: float = 30.0
    # Links in emails point here (the public URL); none, no link.
    public_url: str | None = None


async def send_mail(settings: MailSettings, *, to: str, subject: str, text: str) -> str:
    """Send a plain-text email; returns its Message-ID. Raises on any SMTP failure (the
    caller, a job, retries)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="recovery-hub")
    message.set_content(text)
    await aiosmtplib.send(
        message, hostname=settings.host, port=settings.port,
        username=settings.username, password=settings.password,
        use_tls=settings.security == "tls", start_tls=settings.security == "starttls",
        timeout=settings.timeout_seconds,
    )
    return str(message["Message-ID"])
