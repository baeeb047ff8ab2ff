"""Column helpers shared by the model modules."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum

__all__ = ["enum_column_type"]


def enum_column_type(enum_class: type[enum.Enum]) -> Enum:
    """Store an enum as its string value (portable, readable in SQL, no native PG enum)."""

    def values(members: Any) -> list[str]:
        return [member.value for member in members]

    return Enum(
        enum_class,
        native_enum=False,
        length=40,
        values_callable=values,
        validate_strings=True,
        name=enum_class.__name__.lower(),
    )
