"""ELFT's own tables: eligibility assessments, support plans with their versions, and reviews.

They live in their own ``MetaData`` (not core's ``Base``): core's migrations and its schema
comparison never see them, and this plugin's migrations (plugins/elft/migrations) create them.
They refer to core's tables by foreign key; they never alter them.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.models import Budget, PaymentRoute, Person, RecoveryGoal, StaffMember
from core.models.base import Base, IdPK, UTCDateTime, id_type, utcnow

from ._common import enum_column

__all__ = [
    "DIALOG_ITEMS",
    "ElftBase",
    "EligibilityAssessment",
    "PlanStatus",
    "Review",
    "ReviewGoalScore",
    "ReviewKind",
    "SupportPlan",
    "SupportPlanGoal",
    "SupportPlanItem",
    "SupportPlanVersion",
]

# DIALOG (Priebe et al.): how satisfied the person is, 1 (totally dissatisfied) to 7 (totally
# satisfied), with eleven areas of life and care, in the scale's order.
DIALOG_ITEMS = (
    "mental_health",
    "physical_health",
    "job_situation",
    "accommodation",
    "leisure_activities",
    "partner_or_family",
    "friendships",
    "personal_safety",
    "medication",
    "practical_help",
    "meetings_with_professionals",
)


# Core's tables are in core's MetaData: refer to their columns, not to their names.
_PERSON = Person.__table__.c.id
_STAFF = StaffMember.__table__.c.id
_BUDGET = Budget.__table__.c.id
_GOAL = RecoveryGoal.__table__.c.id


class ElftBase(DeclarativeBase):
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # the current version is not signed off yet
    AGREED = "agreed"  # the current version is signed off


class ReviewKind(enum.StrEnum):
    START = "start"
    MIDPOINT = "midpoint"
    END = "end"


class EligibilityAssessment(IdPK, Timestamped, ElftBase):
    """A recorded PHB eligibility assessment: the criteria as found, and the outcome."""

    __tablename__ = "elft_eligibility_assessment"
    __table_args__ = (
        CheckConstraint("mental_health_cluster BETWEEN 1 AND 21", name="cluster_range"),
        # "The person's latest assessment".
        Index("ix_elft_eligibility_assessment_person_assessed", "person_id", "assessed_at"),
    )

    person_id: Mapped[int] = mapped_column(id_type, ForeignKey(_PERSON, ondelete="CASCADE"))
    assessed_by_staff_id: Mapped[int] = mapped_column(
        id_type, ForeignKey(_STAFF, ondelete="RESTRICT"))
    assessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    receiving_elft_treatment: Mapped[bool] = mapped_column(Boolean)
    mental_health_cluster: Mapped[int] = mapped_column(SmallInteger)
    ready_to_move_towards_discharge: Mapped[bool] = mapped_column(Boolean)
    section_117_aftercare: Mapped[bool] = mapped_column(Boolean)
    eligible: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class SupportPlan(IdPK, Timestamped, ElftBase):
    """A person's PHB support plan, "Me and My Goals". Its content is in versions."""

    __tablename__ = "elft_support_plan"
    __table_args__ = (CheckConstraint("period_end > period_start", name="period_order"),)

    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey(_PERSON, ondelete="CASCADE"), index=True)
    # The core budget this plan is for, once there is one.
    budget_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey(_BUDGET, ondelete="SET NULL"), index=True)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus))
    current_version: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)


class SupportPlanVersion(IdPK, ElftBase):
    """One version of a plan, as written; never changed afterwards except for its sign-off."""

    __tablename__ = "elft_support_plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    plan_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("elft_support_plan.id", ondelete="CASCADE"))
    # Denormalised from the plan so access filters need no join.
    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey(_PERSON, ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # Who wrote this version: the person themselves or a member of staff.
    by_person_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey(_PERSON, ondelete="SET NULL"))
    by_staff_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey(_STAFF, ondelete="SET NULL"))
    what_matters_to_me: Mapped[str] = mapped_column(Text)
    budget_purpose: Mapped[str] = mapped_column(Text)
    held_as: Mapped[PaymentRoute] = mapped_column(enum_column(PaymentRoute))
    care_coordinator_staff_id: Mapped[int] = mapped_column(
        id_type, ForeignKey(_STAFF, ondelete="RESTRICT"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    change_note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    signed_off_by_staff_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey(_STAFF, ondelete="RESTRICT"))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SupportPlanGoal(IdPK, ElftBase):
    """A recovery goal the version of the plan works towards."""

    __tablename__ = "elft_support_plan_goal"
    __table_args__ = (UniqueConstraint("version_id", "goal_id"),)

    version_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("elft_support_plan_version.id", ondelete="CASCADE"))
    goal_id: Mapped[int] = mapped_column(
        id_type, ForeignKey(_GOAL, ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class SupportPlanItem(IdPK, ElftBase):
    """What the budget is for: one planned purchase or service, serving one goal."""

    __tablename__ = "elft_support_plan_item"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    version_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("elft_support_plan_version.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    goal_id: Mapped[int] = mapped_column(
        id_type, ForeignKey(_GOAL, ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class Review(IdPK, Timestamped, ElftBase):
    """A start, midpoint or end review of a plan: due on a date, then held and recorded."""

    __tablename__ = "elft_review"
    __table_args__ = (
        UniqueConstraint("plan_id", "kind"),
        *(CheckConstraint(f"dialog_{name} BETWEEN 1 AND 7", name=f"dialog_{name}_range")
          for name in DIALOG_ITEMS),
        # Overdue reviews: "not held, due before today".
        Index("ix_elft_review_person_due", "person_id", "held_on", "due_on"),
    )

    plan_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("elft_support_plan.id", ondelete="CASCADE"))
    # Denormalised from the plan so access filters need no join.
    person_id: Mapped[int] = mapped_column(id_type, ForeignKey(_PERSON, ondelete="CASCADE"))
    kind: Mapped[ReviewKind] = mapped_column(enum_column(ReviewKind))
    due_on: Mapped[dt.date] = mapped_column(Date)
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_staff_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey(_STAFF, ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    clinical_note: Mapped[str | None] = mapped_column(Text)
    dialog_mental_health: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_physical_health: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_job_situation: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_accommodation: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_leisure_activities: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_partner_or_family: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_friendships: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_personal_safety: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_medication: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_practical_help: Mapped[int | None] = mapped_column(SmallInteger)
    dialog_meetings_with_professionals: Mapped[int | None] = mapped_column(SmallInteger)

    def dialog_scores(self) -> list[int] | None:
        scores = [getattr(self, f"dialog_{name}") for name in DIALOG_ITEMS]
        return None if any(score is None for score in scores) else scores


class ReviewGoalScore(IdPK, ElftBase):
    """Goal-based outcome: how far towards the goal, 0 (not at all) to 10 (reached)."""

    __tablename__ = "elft_review_goal_score"
    __table_args__ = (
        UniqueConstraint("review_id", "goal_id"),
        CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
    )

    review_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("elft_review.id", ondelete="CASCADE"))
    goal_id: Mapped[int] = mapped_column(
        id_type, ForeignKey(_GOAL, ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
