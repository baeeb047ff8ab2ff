"""SQLAlchemy models, one aggregate per module. Import models from here."""

from .access import (
    BreakGlassAccess,
    Representative,
    RepresentativeAccess,
    RepresentativeBasis,
    Restriction,
)
from .accounts import UserAccount
from .audit import AuditChainHead, AuditEvent
from .base import Base, utcnow
from .budgets import (
    ApprovalDecision,
    Budget,
    BudgetApproval,
    BudgetItem,
    BudgetRequest,
    BudgetRequestStatus,
    BudgetRequestTransition,
    FundingPot,
    FundingPotEntry,
    LedgerEntryKind,
    PaymentRoute,
)
from .care import CareBasis, CareRelationship
from .consent import Consent, ConsentRecordedHow, ConsentStatus
from .goals import GoalStatus, GoalStatusChange, GoalStep, ProgressNote, RecoveryGoal
from .organisations import (
    DEFAULT_LEGAL_BASIS,
    LegalBasis,
    Membership,
    Organisation,
    OrganisationKind,
    StaffMember,
    Team,
)
from .people import Person

__all__ = [
    "DEFAULT_LEGAL_BASIS",
    "ApprovalDecision",
    "AuditChainHead",
    "AuditEvent",
    "BreakGlassAccess",
    "Base",
    "Budget",
    "BudgetApproval",
    "BudgetItem",
    "BudgetRequest",
    "BudgetRequestStatus",
    "BudgetRequestTransition",
    "CareBasis",
    "CareRelationship",
    "Consent",
    "ConsentRecordedHow",
    "ConsentStatus",
    "FundingPot",
    "FundingPotEntry",
    "GoalStatus",
    "GoalStatusChange",
    "GoalStep",
    "LedgerEntryKind",
    "LegalBasis",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "PaymentRoute",
    "Person",
    "ProgressNote",
    "RecoveryGoal",
    "Representative",
    "RepresentativeAccess",
    "RepresentativeBasis",
    "Restriction",
    "StaffMember",
    "Team",
    "UserAccount",
    "utcnow",
]
