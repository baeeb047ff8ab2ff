"""The person's medication list and the doses they took, skipped or took late.

A medication is on the list from ``started_on`` until ``stopped_on``; ``doses_per_day`` says
how many doses a day are expected (none for "when needed", which adherence leaves out). Each
dose is recorded once per day and slot (the first, second, ... dose of that day).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models._actor import RecordedThrough
from ..models._columns import enum_column_type
from ..models.base import Base, IdPK, UTCDateTime, id_type

__all__ = ["DoseStatus", "Medication", "MedicationDose"]


class DoseStatus(enum.StrEnum):
    TAKEN = "taken"
    LATE = "late"  # taken, but not when it should have been
    SKIPPED = "skipped"


class Medication(IdPK, RecordedThrough, Base):
    __tablename__ = "medication"

    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(200))  # "10 mg", "two 500 mg tablets"
    instructions: Mapped[str | None] = mapped_column(Text)  # "at night, with food"
    doses_per_day: Mapped[int | None] = mapped_column(Integer)  # None: when needed
    started_on: Mapped[dt.date] = mapped_column(Date)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    stop_reason: Mapped[str | None] = mapped_column(Text)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    stopped_by_person_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="SET NULL"))
    stopped_by_staff_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="SET NULL"))


class MedicationDose(IdPK, RecordedThrough, Base):
    __tablename__ = "medication_dose"
    __table_args__ = (
        UniqueConstraint("medication_id", "scheduled_date", "slot"),
        # Adherence: one person's doses between two dates.
        Index("ix_medication_dose_person_date", "person_id", "scheduled_date"),
    )

    medication_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("medication.id", ondelete="CASCADE"))
    # The medication's person, kept on the dose for the policy's filter and the index.
    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"))
    scheduled_date: Mapped[dt.date] = mapped_column(Date)
    slot: Mapped[int] = mapped_column(Integer)  # 1 = the day's first dose
    status: Mapped[DoseStatus] = mapped_column(enum_column_type(DoseStatus))
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
