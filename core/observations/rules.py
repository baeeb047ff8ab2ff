"""Checking a reading against its kind before anything is stored.

Every refusal is an ``InvalidInput`` with a stable code naming the input field (the API's
camelCase names): UNKNOWN_KIND, WRONG_UNIT, VALUE_REQUIRED, VALUE_NOT_TAKEN, OUT_OF_RANGE,
UNKNOWN_CODE, DIASTOLIC_ABOVE_SYSTOLIC (a kind's own rule), FUTURE_TIME, BEFORE_BIRTH,
TIMEZONE_REQUIRED, TOO_LONG.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..errors import InvalidInput
from ..inputs import aware, optional_text
from .kinds import Kinds, ObservationKind, Quantity

__all__ = [
    "FUTURE_LEEWAY",
    "RECORD_TIME_ZONE",
    "CheckedReading",
    "Reading",
    "check_reading",
    "check_target",
    "kind_of",
    "local_date",
    "start_of_day",
]

# The record's days are London's: "mood on 3 March" is the person's 3 March, whatever the
# server's clock says. (A person's own time zone is a later change: one column on person.)
RECORD_TIME_ZONE = ZoneInfo("Europe/London")
# Clocks disagree a little; a reading further in the future than this is a mistake.
FUTURE_LEEWAY = dt.timedelta(minutes=5)
_NOTE_LENGTH = 2000
_FIELDS = {"value": "value", "second_value": "secondValue"}


def local_date(at: dt.datetime) -> dt.date:
    """The record's day of an instant."""
    return at.astimezone(RECORD_TIME_ZONE).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """The instant a day of the record starts, in UTC (midnight in London)."""
    return dt.datetime.combine(day, dt.time(), RECORD_TIME_ZONE).astimezone(dt.UTC)


@dataclass(frozen=True)
class Reading:
    """A reading as it was typed or received. ``effective_at`` (when it was true) defaults
    to the moment it is recorded; ``unit`` to the kind's default unit."""

    kind: str
    value: float | None = None
    second_value: float | None = None
    unit: str | None = None
    value_code: str | None = None
    note: str | None = None
    effective_at: dt.datetime | None = None


@dataclass(frozen=True)
class CheckedReading:
    kind: ObservationKind
    value: float | None
    second_value: float | None
    unit: str | None
    value_code: str | None
    note: str | None
    effective_at: dt.datetime
    effective_date: dt.date


def kind_of(kinds: Kinds, code: str, *, field: str = "kind") -> ObservationKind:
    found = kinds.get(code)
    if found is None:
        raise InvalidInput(
            f"Unknown kind of observation {code!r}. Known kinds: {', '.join(sorted(kinds))}.",
            code="UNKNOWN_KIND", field=field)
    return found


def _number(quantity: Quantity | None, given: float | None, name: str, unit: str,
            prefix: str) -> float | None:
    field = f"{prefix}{_FIELDS[name]}"
    if quantity is None:
        if given is not None:
            raise InvalidInput("This kind of reading has no such number.",
                               code="VALUE_NOT_TAKEN", field=field)
        return None
    if given is None:
        if quantity.required:
            raise InvalidInput(f"Please give the {quantity.display.lower()}.",
                               code="VALUE_REQUIRED", field=field)
        return None
    shown = quantity.unit or unit
    if not math.isfinite(given) or not quantity.minimum <= given <= quantity.maximum:
        raise InvalidInput(
            f"{quantity.display} must be between {quantity.minimum:g} and "
            f"{quantity.maximum:g} {shown}.", code="OUT_OF_RANGE", field=field)
    return round(given, quantity.decimals)


def check_reading(
    kind: ObservationKind,
    reading: Reading,
    *,
    now: dt.datetime,
    born: dt.date | None,
    prefix: str = "",
) -> CheckedReading:
    """The reading, rounded and completed, or ``InvalidInput`` naming the field at fault
    (``prefix`` + the API's field name, e.g. ``replacement.value``)."""
    effective_at = aware(reading.effective_at, field=f"{prefix}effectiveAt") or now
    if effective_at > now + FUTURE_LEEWAY:
        raise InvalidInput("That time is in the future: give when it was true.",
                           code="FUTURE_TIME", field=f"{prefix}effectiveAt")
    if born is not None and local_date(effective_at) < born:
        raise InvalidInput("That time is before the person was born.",
                           code="BEFORE_BIRTH", field=f"{prefix}effectiveAt")
    note = None
    if reading.note is not None:
        if not kind.takes_note and reading.note.strip():
            raise InvalidInput(f"A {kind.display.lower()} reading takes no note.",
                               code="VALUE_NOT_TAKEN", field=f"{prefix}note")
        note = optional_text(reading.note, field=f"{prefix}note", what="the note",
                             max_length=_NOTE_LENGTH)

    value_code = None
    if kind.codes:
        if reading.value_code is None and not kind.scales:
            raise InvalidInput(f"Please choose one of: {', '.join(kind.codes)}.",
                               code="VALUE_REQUIRED", field=f"{prefix}valueCode")
        if reading.value_code is not None and reading.value_code not in kind.codes:
            raise InvalidInput(f"{kind.display} is one of: {', '.join(kind.codes)}.",
                               code="UNKNOWN_CODE", field=f"{prefix}valueCode")
        value_code = reading.value_code
    elif reading.value_code is not None:
        raise InvalidInput(f"A {kind.display.lower()} reading takes a number, not a code.",
                           code="VALUE_NOT_TAKEN", field=f"{prefix}valueCode")

    unit = value = second = None
    if kind.scales:
        scale = kind.scale(reading.unit)
        if scale is None:
            units = " or ".join(s.unit for s in kind.scales)
            raise InvalidInput(f"{kind.display} is recorded in {units}, not {reading.unit}.",
                               code="WRONG_UNIT", field=f"{prefix}unit")
        unit = scale.unit
        value = _number(scale.value, reading.value, "value", unit, prefix)
        second = _number(scale.second_value, reading.second_value, "second_value", unit, prefix)
        if value is None and second is None and value_code is None:
            raise InvalidInput(f"Please give at least one number for {kind.display.lower()}.",
                               code="VALUE_REQUIRED", field=f"{prefix}value")
        problem = kind.rule(value, second) if kind.rule else None
        if problem is not None:
            raise InvalidInput(problem.message, code=problem.code,
                               field=f"{prefix}{problem.field}")
    elif reading.value is not None or reading.second_value is not None:
        raise InvalidInput(f"A {kind.display.lower()} reading takes a code, not a number.",
                           code="VALUE_NOT_TAKEN", field=f"{prefix}value")
    elif reading.unit is not None:
        raise InvalidInput(f"A {kind.display.lower()} reading has no unit.",
                           code="WRONG_UNIT", field=f"{prefix}unit")
    return CheckedReading(kind, value, second, unit, value_code, note, effective_at,
                          local_date(effective_at))


def check_target(kinds: Kinds, code: str, value: float, *, field: str) -> tuple[str, float]:
    """A goal's target measurement: a numeric kind and a plausible value in its default
    unit, rounded; or ``InvalidInput`` on ``field.kind`` / ``field.value``."""
    kind = kind_of(kinds, code, field=f"{field}.kind")
    scale = kind.scale(None)
    if scale is None or scale.value is None:
        raise InvalidInput(f"{kind.display} has no number to aim for.",
                           code="NOT_A_MEASUREMENT", field=f"{field}.kind")
    checked = _number(scale.value, value, "value", scale.unit, f"{field}.")
    assert checked is not None
    return kind.code, checked
