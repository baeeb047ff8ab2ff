"""Checking what a user typed: text that must be given and fit, times with their zone. Shared
by core's services and the plugins' (each refusal is an ``InvalidInput`` with a stable code)."""

from __future__ import annotations

import datetime as dt

from .errors import InvalidInput

__all__ = ["aware", "optional_text", "required_text"]


def required_text(value: str | None, *, field: str, what: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"Please give {what}.", code="REQUIRED", field=field)
    if len(text) > max_length:
        raise InvalidInput(
            f"{what[0].upper()}{what[1:]} is too long: at most {max_length} characters.",
            code="TOO_LONG",
            field=field,
        )
    return text


def optional_text(value: str | None, *, field: str, what: str, max_length: int) -> str | None:
    if value is None or not value.strip():
        return None
    return required_text(value, field=field, what=what, max_length=max_length)


def aware(value: dt.datetime | None, *, field: str) -> dt.datetime | None:
    """A timestamp with its time zone, in UTC; a naive one is ambiguous, so refused."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("Give the time with its time zone, e.g. 2026-12-01T09:00:00Z.",
                           code="TIMEZONE_REQUIRED", field=field)
    return value.astimezone(dt.UTC)
