"""Who is asking: the person, someone acting for them, a staff member in their teams, or the
system; possibly through an OAuth client whose scopes narrow what they may do."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["Principal", "PrincipalKind", "TeamRoles"]


class PrincipalKind(enum.StrEnum):
    PERSON = "person"
    STAFF = "staff"
    REPRESENTATIVE = "representative"  # a carer, attorney or nominee acting for people
    SYSTEM = "system"  # the CLI and start-up tasks: trusted code, not a user
    # A partner's system through OAuth client credentials (e.g. a GP system feed): only what
    # its registration allows, never the operator's powers.
    INTEGRATION = "integration"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class TeamRoles:
    """The roles a staff member holds in one team."""

    team_id: int
    organisation_id: int
    roles: frozenset[str]
    # "direct_care" or "consent": the organisation's legal basis (core.models.LegalBasis).
    legal_basis: str = "consent"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    person_id: int | None = None
    staff_member_id: int | None = None
    account_id: int | None = None
    teams: tuple[TeamRoles, ...] = ()
    username: str | None = None
    # Set when an OAuth client acts for the principal; its scopes narrow, never widen.
    client_id: str | None = None
    scopes: frozenset[str] | None = field(default=None)
    # The organisation that registered the client, if any: staff using their own
    # organisation's app act under its legal basis; any other app needs the person's consent.
    client_organisation_id: int | None = None

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(kind=PrincipalKind.ANONYMOUS)

    @classmethod
    def system(cls) -> Principal:
        return cls(kind=PrincipalKind.SYSTEM)

    @property
    def team_ids(self) -> tuple[int, ...]:
        return tuple(t.team_id for t in self.teams)

    @property
    def is_authenticated(self) -> bool:
        return self.kind is not PrincipalKind.ANONYMOUS
