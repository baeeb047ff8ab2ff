"""SQLAlchemy models, one aggregate per module. Import models from here."""

# Domains with packages of their own (DESIGN.md) register their tables with the same
# metadata: imported here so that every table is registered wherever core's models are.
from core.jobs.models import BackgroundJob, JobStatus  # noqa: E402, I001
from core.notifications.models import Notification  # noqa: E402
from ..devices import models as _devices  # noqa: F401
from ..medication import models as _medication  # noqa: F401
from ..observations import models as _observations  # noqa: F401
from ._actor import RecordSource
from .access import (
    BreakGlassAccess,
    Representative,
    RepresentativeAccess,
    RepresentativeBasis,
    Restriction,
)
from .accounts import LoginAttempt, SignInSession, UserAccount
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
from .oauth import AuthorizationCode, OAuthClient, OAuthGrant, OAuthToken
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
    "AuthorizationCode",
    "BackgroundJob",
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
    "JobStatus",
    "LedgerEntryKind",
    "LegalBasis",
    "LoginAttempt",
    "Membership",
    "Notification",
    "OAuthClient",
    "OAuthGrant",
    "OAuthToken",
    "Organisation",
    "OrganisationKind",
    "PaymentRoute",
    "Person",
    "ProgressNote",
    "RecordSource",
    "RecoveryGoal",
    "Representative",
    "RepresentativeAccess",
    "RepresentativeBasis",
    "Restriction",
    "SignInSession",
    "StaffMember",
    "Team",
    "UserAccount",
    "utcnow",
]
