"""Observations: a person's measurements and self-tracking, one row per reading.

The one table that grows to hundreds of millions of rows (wearables: a few rows per person per
day). Every query asks for one person's (or one caseload's) readings of one kind between two
times, so:

* the index ``(person_id, kind, effective_at)`` serves every read: a series or a page is one
  range scan whatever the table's size; on PostgreSQL it also carries (``INCLUDE``) what a
  series aggregates, so a chart is an index-only scan;
* on PostgreSQL the table is hash-partitioned by person (``core/migrations/versions/
  0007_health_record.py``; the choice, and why not by time, is in docs/health-record.md);
* nothing refers to an observation by foreign key (a partitioned table's key includes the
  person): links between readings (``derived_from_id``, ``replaced_by_id``) are plain ids.

Corrections never delete or overwrite what a person or staff recorded: the reading is marked
``entered_in_error`` with who, when and why, and a replacement, if given, is a new reading. A
provider's revision of a device reading (today's steps growing) amends that reading
(``amended_at``).
"""

from __future__ import annotations

import datetime as dt
import enum
import re

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..models._actor import RecordedThrough
from ..models._columns import enum_column_type
from ..models.base import Base, IdPK, UTCDateTime, id_type

__all__ = ["Observation", "ObservationStatus", "is_observation_partition"]

_PARTITION = re.compile(r"observation_p\d{2}")


def is_observation_partition(table_name: str | None) -> bool:
    """A partition of ``observation`` on PostgreSQL (made by the migration, not a model):
    schema comparisons leave them out."""
    return table_name is not None and _PARTITION.fullmatch(table_name) is not None


class ObservationStatus(enum.StrEnum):
    FINAL = "final"
    ENTERED_IN_ERROR = "entered_in_error"


class Observation(IdPK, RecordedThrough, Base):
    __tablename__ = "observation"
    __table_args__ = (
        Index("ix_observation_person_kind_time", "person_id", "kind", "effective_at",
              postgresql_include=["effective_date", "category", "status", "unit", "value",
                                  "second_value", "id"]),
        # One reading per provider record: importing the same log again finds it.
        Index("uq_observation_device_reading", "person_id", "device_id", "external_id",
              unique=True, postgresql_where=text("external_id IS NOT NULL"),
              sqlite_where=text("external_id IS NOT NULL")),
    )

    person_id: Mapped[int] = mapped_column(id_type, ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    # The kind's category when recorded: the reading's label for the policy engine.
    category: Mapped[str] = mapped_column(String(60))
    effective_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The day it was true for the person (in the record's time zone, Europe/London): what
    # series bucket by, the same on both backends.
    effective_date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    second_value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    value_code: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ObservationStatus] = mapped_column(
        enum_column_type(ObservationStatus), default=ObservationStatus.FINAL)
    device_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("device.id", ondelete="SET NULL"))
    # The provider's id for the reading ("steps:2026-03-01", a sleep log's id).
    external_id: Mapped[str | None] = mapped_column(String(100))
    amended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A BMI worked out from this person's weight reading (and latest height).
    derived_from_id: Mapped[int | None] = mapped_column(BigInteger)
    # Marked entered in error: when, why, by whom, and the reading that replaced it.
    entered_in_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    entered_in_error_reason: Mapped[str | None] = mapped_column(Text)
    error_by_person_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="SET NULL"))
    error_by_staff_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="SET NULL"))
    replaced_by_id: Mapped[int | None] = mapped_column(BigInteger)
