"""Relay global IDs: opaque to clients, decoded and type-checked here."""

from __future__ import annotations

from strawberry import relay

from core.errors import NotFound

__all__ = ["decode_id", "decode_typed_id", "encode_id"]


def encode_id(type_name: str, pk: int) -> str:
    return relay.to_base64(type_name, pk)


def decode_typed_id(value: str, allowed: tuple[str, ...], *, field: str) -> tuple[str, int]:
    """Which of the allowed types a global ID names, and the row id inside it.

    A malformed ID, an ID of another type and an ID of a row you may not see all look the same
    to the caller: NOT_FOUND, naming the input field.
    """
    try:
        type_name, raw = relay.from_base64(value)
        pk = int(raw)
    except (ValueError, TypeError):
        raise NotFound(allowed[0].lower(), field=field) from None
    if type_name not in allowed or pk <= 0:
        raise NotFound(allowed[0].lower(), field=field)
    return type_name, pk


def decode_id(value: str, expected: str, *, field: str) -> int:
    """The row id inside a global ID of the expected type, or NOT_FOUND."""
    return decode_typed_id(value, (expected,), field=field)[1]
