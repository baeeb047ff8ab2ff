"""The policy engine: the one place that decides who may read or change a person's data.

``decide(action, person_id, categories)`` answers for one principal, built once per request:

* **system** (the CLI, trusted start-up code): everything.
* **the person**: everything on their own record, except approving their own budget.
* **a representative** (carer, attorney, nominee): the categories and level (view or manage)
  the person gave them, while the link is active.
* **staff**, through each of their teams that has an active care relationship with the person
  (or an open break-glass session): what their roles in that team allow per category, and then
  - direct-care organisations (GP, trust): unless the person restricted that category;
  - consent-based organisations (voluntary sector, apps): only categories the person granted
    to that team or organisation, for now (consent active, not revoked, not expired).
  Break-glass gives read access only, and never past a restriction. Some actions are for one
  organisation alone (``require_acting_for``): only the holder of a funding pot pays from it.
* an **OAuth client** acting for any of these: its scopes narrow the result, never widen it;
  and, acting for the person or their representative (or for staff through an app that is not
  their own organisation's), only the categories the person consented to that app using:
  effective = policy ∩ scopes ∩ consent.
* a **system integration** (OAuth client credentials): the categories and actions its
  registration's scopes name, for any person; nothing an operator may do.

The effective permission per person is computed in one batch (``prime``) and cached for the
request, so every resolver and DataLoader reuses it. A person the principal may read nothing of
does not exist for them (``NotFound``); a category they may not read is refused by name.
Every refusal is logged with the rule that decided it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import Forbidden, NotFound
from .models import (
    BreakGlassAccess,
    CareRelationship,
    Consent,
    LegalBasis,
    Representative,
    RepresentativeAccess,
    Restriction,
    utcnow,
)
from .permissions import AccessRules, Action
from .principal import Principal, PrincipalKind, TeamRoles
from .scopes import actions_granted_by_scopes

__all__ = ["AccessJournal", "AccessPolicy", "Action", "Decision", "PersonAccess"]

log = logging.getLogger("recovery_hub.access")
Row = TypeVar("Row")

_PERSON_ACTIONS = frozenset({Action.READ, Action.CREATE, Action.UPDATE})
_REPRESENTATIVE_ACTIONS = {
    RepresentativeAccess.VIEW: frozenset({Action.READ}),
    RepresentativeAccess.MANAGE: _PERSON_ACTIONS,
}


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # Names the rule that decided, so a refusal can be explained and logged.
    rule: str
    # The first category refused, when one was.
    category: str | None = None


@dataclass
class PersonAccess:
    """What one principal may do to one person's data, per category, with the reasons."""

    person_id: int
    actions: dict[str, frozenset[Action]] = field(default_factory=dict)
    # category -> the rule that allowed it, or the rule that refused it
    rules: dict[str, str] = field(default_factory=dict)
    # no relationship at all: the rule that hides the person
    hidden_by: str | None = None
    break_glass: bool = False
    # Actions an OAuth client's scopes took away, per category.
    scoped_out: dict[str, frozenset[Action]] = field(default_factory=dict)
    # Categories the person has not consented to the OAuth client using.
    unconsented: set[str] = field(default_factory=set)
    # The team through which staff act, for approvals and the audit trail.
    team: TeamRoles | None = None
    # For staff: what they may do per category acting for each organisation of theirs (the
    # fund holder alone pays from a funding pot: ``require_acting_for``).
    by_organisation: dict[tuple[int, str], frozenset[Action]] = field(default_factory=dict)

    @property
    def visible(self) -> bool:
        return any(Action.READ in actions for actions in self.actions.values())


@dataclass
class AccessJournal:
    """What a request read and was refused, per person, for the audit trail. Shared by every
    policy object of one request (a mutation starts a fresh policy, not a fresh journal)."""

    read: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    refused: dict[int, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    # People whose access a service already audited in this request.
    audited: set[int] = field(default_factory=set)


@dataclass
class _StaffFacts:
    related: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    glass: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    consented: dict[int, list[Consent]] = field(default_factory=lambda: defaultdict(list))
    restricted: dict[int, list[Restriction]] = field(default_factory=lambda: defaultdict(list))


class AccessPolicy:
    def __init__(
        self,
        principal: Principal,
        rules: AccessRules | None = None,
        *,
        now: dt.datetime | None = None,
        journal: AccessJournal | None = None,
    ) -> None:
        """``rules`` default to core's categories with no roles: fine for the system, a person
        or a representative; staff need the roles their plugins declare."""
        self.principal = principal
        self.rules = rules or AccessRules()
        self.now = now or utcnow()
        self.journal = journal or AccessJournal()
        self._people: dict[int, PersonAccess] = {}
        # Resolvers prime concurrently (sibling fields, DataLoader batches): one at a time, so
        # people a first call is computing are not computed again by a second.
        self._priming = asyncio.Lock()

    # --- SQL: a coarse filter for lists, exact checks after ``prime`` --------------------

    def _active(self, starts: Any, ends: Any) -> ColumnElement[bool]:
        return and_(starts <= self.now, or_(ends.is_(None), ends > self.now))

    def _active_consent(self) -> ColumnElement[bool]:
        return and_(Consent.revoked_at.is_(None),
                    self._active(Consent.valid_from, Consent.valid_until))

    def person_filter(self, person_id_column: ColumnElement[int]) -> ColumnElement[bool]:
        """A SQL condition true for every person the principal may possibly read.

        A superset at worst (a consent for categories the role cannot read): rows that pass
        are checked exactly with ``can_read`` / ``readable`` after ``prime``.
        """
        principal = self.principal
        if principal.kind is PrincipalKind.SYSTEM:
            return true()
        if principal.kind is PrincipalKind.INTEGRATION:
            return true() if principal.scopes else false()
        if principal.kind is PrincipalKind.PERSON and principal.person_id is not None:
            return person_id_column == principal.person_id
        if principal.kind is PrincipalKind.REPRESENTATIVE and principal.account_id:
            return person_id_column.in_(self._representative_links().with_only_columns(
                Representative.person_id))
        if principal.kind is not PrincipalKind.STAFF or not principal.teams:
            return false()
        conditions: list[ColumnElement[bool]] = []
        direct = [t.team_id for t in principal.teams if self._reads_anything(t)
                  and t.legal_basis == LegalBasis.DIRECT_CARE]
        if direct:
            conditions.append(person_id_column.in_(
                select(CareRelationship.person_id).where(
                    CareRelationship.team_id.in_(direct),
                    self._active(CareRelationship.starts_at, CareRelationship.ends_at))))
            conditions.append(person_id_column.in_(
                select(BreakGlassAccess.person_id).where(
                    BreakGlassAccess.staff_member_id == principal.staff_member_id,
                    BreakGlassAccess.team_id.in_(direct),
                    BreakGlassAccess.expires_at > self.now)))
        for team in principal.teams:
            if team.legal_basis == LegalBasis.DIRECT_CARE or not self._reads_anything(team):
                continue
            conditions.append(person_id_column.in_(
                select(CareRelationship.person_id).where(
                    CareRelationship.team_id == team.team_id,
                    self._active(CareRelationship.starts_at, CareRelationship.ends_at),
                    exists().where(
                        Consent.person_id == CareRelationship.person_id,
                        or_(Consent.grantee_team_id == team.team_id,
                            Consent.grantee_organisation_id == team.organisation_id),
                        self._active_consent(),
                    ))))
        return or_(*conditions) if conditions else false()

    def _reads_anything(self, team: TeamRoles) -> bool:
        return bool(self.rules.readable_categories(team.roles))

    def _representative_links(self) -> Any:
        return select(Representative).where(
            Representative.account_id == self.principal.account_id,
            Representative.accepted_at.is_not(None),
            Representative.revoked_at.is_(None),
        )

    # --- computing effective access, once per person per request -------------------------

    async def prime(self, session: AsyncSession, person_ids: Iterable[int]) -> None:
        """Compute, in a fixed number of statements, access to each of these people."""
        asked = set(person_ids)
        if asked <= self._people.keys():
            return
        async with self._priming:
            await self._prime(session, sorted(asked - self._people.keys()))

    async def _prime(self, session: AsyncSession, wanted: list[int]) -> None:
        if not wanted:
            return
        kind = self.principal.kind
        if kind is PrincipalKind.STAFF:
            facts = await self._staff_facts(session, wanted)
            for pid in wanted:
                self._people[pid] = self._staff_access(pid, facts)
        elif kind is PrincipalKind.REPRESENTATIVE:
            links = list(await session.scalars(
                self._representative_links().where(Representative.person_id.in_(wanted))))
            for pid in wanted:
                self._people[pid] = self._representative_access(
                    pid, [link for link in links if link.person_id == pid])
        else:
            for pid in wanted:
                self._people[pid] = self._simple_access(pid)
        if self._client_needs_consent():
            consented: dict[int, set[str]] = defaultdict(set)
            for pid, categories in await session.execute(
                select(Consent.person_id, Consent.categories).where(
                    Consent.person_id.in_(wanted),
                    Consent.grantee_client_id == self.principal.client_id,
                    self._active_consent())):
                consented[pid].update(categories)
            for pid in wanted:
                self._narrow_to_client_consent(self._people[pid], consented[pid])

    def _client_needs_consent(self) -> bool:
        """Whether the OAuth client acts only within the person's consent to it."""
        principal = self.principal
        if principal.client_id is None or principal.kind in (
            PrincipalKind.SYSTEM, PrincipalKind.INTEGRATION, PrincipalKind.ANONYMOUS
        ):
            return False
        # Staff using their own organisation's app act under the organisation's legal basis.
        return not (principal.kind is PrincipalKind.STAFF
                    and principal.client_organisation_id is not None
                    and principal.client_organisation_id in {
                        team.organisation_id for team in principal.teams})

    @staticmethod
    def _narrow_to_client_consent(access: PersonAccess, consented: set[str]) -> None:
        for category in [c for c in access.actions if c not in consented]:
            del access.actions[category]
            access.unconsented.add(category)
            access.rules[category] = "no_client_consent"
        if not access.visible and access.hidden_by is None:
            access.hidden_by = "no_client_consent"

    def _everything(self, pid: int, actions: frozenset[Action], rule: str) -> PersonAccess:
        access = PersonAccess(pid)
        for category in self.rules.categories:
            self._grant(access, category, actions, rule)
        return access

    def _simple_access(self, pid: int) -> PersonAccess:
        principal = self.principal
        if principal.kind is PrincipalKind.SYSTEM:
            return self._everything(pid, frozenset(Action), "system")
        if principal.kind is PrincipalKind.INTEGRATION:
            if principal.scopes is None:  # never unscoped: that would be everything
                return PersonAccess(pid, hidden_by="scope_not_granted")
            access = self._everything(pid, frozenset(Action), "integration")
            if not access.visible:
                access.hidden_by = "scope_not_granted"
            return access
        if principal.kind is PrincipalKind.PERSON and principal.person_id == pid:
            return self._everything(pid, _PERSON_ACTIONS, "self")
        hidden = "not_own_record" if principal.kind is PrincipalKind.PERSON else "unauthenticated"
        return PersonAccess(pid, hidden_by=hidden)

    def _representative_access(self, pid: int, links: Sequence[Representative]) -> PersonAccess:
        if not links:
            return PersonAccess(pid, hidden_by="not_a_representative")
        access = PersonAccess(pid)
        for link in links:
            for category in link.categories:
                if category in self.rules.categories:
                    self._grant(access, category, _REPRESENTATIVE_ACTIONS[link.access],
                                "representative")
        return access

    async def _staff_facts(self, session: AsyncSession, pids: list[int]) -> _StaffFacts:
        principal = self.principal
        teams = list(principal.team_ids)
        orgs = sorted({t.organisation_id for t in principal.teams})
        facts = _StaffFacts()
        for team_id, pid in await session.execute(
            select(CareRelationship.team_id, CareRelationship.person_id).where(
                CareRelationship.team_id.in_(teams), CareRelationship.person_id.in_(pids),
                self._active(CareRelationship.starts_at, CareRelationship.ends_at))):
            facts.related[pid].add(team_id)
        for team_id, pid in await session.execute(
            select(BreakGlassAccess.team_id, BreakGlassAccess.person_id).where(
                BreakGlassAccess.staff_member_id == principal.staff_member_id,
                BreakGlassAccess.person_id.in_(pids), BreakGlassAccess.expires_at > self.now)):
            facts.glass[pid].add(team_id)
        for consent in await session.scalars(
            select(Consent).where(
                Consent.person_id.in_(pids), self._active_consent(),
                or_(Consent.grantee_team_id.in_(teams),
                    Consent.grantee_organisation_id.in_(orgs)))):
            facts.consented[consent.person_id].append(consent)
        for restriction in await session.scalars(
            select(Restriction).where(
                Restriction.person_id.in_(pids), Restriction.lifted_at.is_(None),
                or_(Restriction.team_id.in_(teams), Restriction.organisation_id.in_(orgs)))):
            facts.restricted[restriction.person_id].append(restriction)
        return facts

    def _staff_access(self, pid: int, facts: _StaffFacts) -> PersonAccess:
        access = PersonAccess(pid)
        paths = [(team, False) for team in self.principal.teams
                 if team.team_id in facts.related[pid]]
        paths += [(team, True) for team in self.principal.teams
                  if team.team_id in facts.glass[pid] and team.team_id not in facts.related[pid]]
        if not paths:
            access.hidden_by = "no_care_relationship"
            return access
        for category in self.rules.categories:
            refusal = "role_lacks_permission"
            for team, via_glass in paths:
                actions = self.rules.allowed_actions(team.roles, category)
                if not actions:
                    continue
                if via_glass:
                    actions &= {Action.READ}
                if team.legal_basis == LegalBasis.DIRECT_CARE:
                    if any(self._names(r.team_id, r.organisation_id, team) and
                           category in r.categories for r in facts.restricted[pid]):
                        refusal = "restricted_by_person"
                        continue
                    rule = "break_glass" if via_glass else "direct_care"
                elif any(self._names(c.grantee_team_id, c.grantee_organisation_id, team) and
                         category in c.categories for c in facts.consented[pid]):
                    rule = "consent"
                else:
                    refusal = "no_consent"
                    continue
                if self._grant(access, category, actions, rule, team.organisation_id):
                    access.team = access.team or team
                    access.break_glass = access.break_glass or via_glass
            if category not in access.actions:
                access.rules[category] = refusal
        if not access.visible and access.hidden_by is None:
            access.hidden_by = next(iter(set(access.rules.values())), "no_care_relationship")
        return access

    @staticmethod
    def _names(team_id: int | None, organisation_id: int | None, team: TeamRoles) -> bool:
        return team_id == team.team_id or organisation_id == team.organisation_id

    def _grant(self, access: PersonAccess, category: str, actions: frozenset[Action],
               rule: str, organisation_id: int | None = None) -> bool:
        """Add actions on a category, narrowed by the OAuth client's scopes if any (for staff:
        acting for the organisation of the team that gives them)."""
        if self.principal.scopes is not None:
            allowed = actions & actions_granted_by_scopes(self.principal.scopes, category)
            if actions - allowed:
                access.scoped_out[category] = (access.scoped_out.get(category, frozenset())
                                               | (actions - allowed))
            actions = allowed
            if not actions:
                access.rules.setdefault(category, "scope_not_granted")
                return False
        if not actions:
            return False
        access.actions[category] = access.actions.get(category, frozenset()) | actions
        access.rules[category] = rule
        if organisation_id is not None:
            key = (organisation_id, category)
            access.by_organisation[key] = access.by_organisation.get(key, frozenset()) | actions
        return True

    # --- questions ---------------------------------------------------------------------

    def may_read_directory(self) -> bool:
        """Organisations, teams, staff names and pot totals hold no person's data, but only
        signed-in principals may list them."""
        return self.principal.is_authenticated

    def own_notifications(self, person_column: Any, staff_column: Any) -> ColumnElement[bool]:
        """Notifications are read and marked only by the one they are for: the person (or an
        app acting for them: they carry no health detail) or the staff member. Not by a
        representative, not by the system through the API."""
        principal = self.principal
        if principal.kind is PrincipalKind.PERSON and principal.person_id is not None:
            mine: ColumnElement[bool] = person_column == principal.person_id
            return mine
        if principal.kind is PrincipalKind.STAFF and principal.staff_member_id is not None:
            theirs: ColumnElement[bool] = staff_column == principal.staff_member_id
            return theirs
        return false()

    def known(self, person_id: int) -> PersonAccess | None:
        """The cached access to a person, if computed in this request."""
        return self._people.get(person_id)

    def decide_cached(self, access: PersonAccess, action: Action,
                      categories: Iterable[str]) -> Decision:
        if access.hidden_by is not None and not access.visible:
            return Decision(False, access.hidden_by)
        allowed_rule = "none"
        for category in categories:
            if action not in access.actions.get(category, frozenset()):
                refusal = access.rules.get(category)
                if refusal is None or category in access.actions:
                    refusal = f"no_{action.value}_permission"
                if action in access.scoped_out.get(category, frozenset()):
                    refusal = "scope_not_granted"
                if category in access.unconsented:
                    refusal = "no_client_consent"
                if category not in self.rules.categories:
                    refusal = "unknown_category"
                return Decision(False, refusal, category)
            allowed_rule = access.rules[category]
        if allowed_rule == "none":  # no category named: "may they see the person at all?"
            return Decision(access.visible, "visible" if access.visible else "hidden")
        return Decision(True, allowed_rule)

    async def decide(
        self,
        session: AsyncSession,
        action: Action,
        person_id: int,
        categories: Iterable[str] = (),
    ) -> Decision:
        await self.prime(session, [person_id])
        return self.decide_cached(self._people[person_id], action, categories)

    async def require(
        self,
        session: AsyncSession,
        action: Action,
        person_id: int,
        categories: Iterable[str] = (),
        *,
        what: str = "person",
        field: str | None = None,
    ) -> Decision:
        """Allow, or raise.

        Someone who may not even see the person gets ``NotFound``: a refused person looks
        exactly like a missing one. Someone who may see them but not do this gets
        ``Forbidden``, naming the category.
        """
        wanted = list(categories)
        decision = await self.decide(session, action, person_id, wanted)
        if decision.allowed:
            return decision
        self.log_refusal(action, person_id, decision)
        if self._people[person_id].visible:
            category = f" ({decision.category})" if decision.category else ""
            raise Forbidden(f"You may not {action.value} this {what}{category}.", field=field)
        raise NotFound(what, field=field)

    async def require_acting_for(
        self,
        session: AsyncSession,
        action: Action,
        person_id: int,
        category: str,
        organisation_id: int,
        *,
        what: str,
        field: str | None = None,
        refusal: tuple[str, str],
    ) -> Decision:
        """Allow an action only to staff acting for one organisation (through one of its
        teams), or the system; e.g. only the organisation that holds a funding pot pays from
        it. Otherwise raise as ``require`` does, or ``Forbidden`` with ``refusal``
        (code, message) when the principal may do it, but not for that organisation."""
        decision = await self.require(session, action, person_id, [category], what=what,
                                      field=field)
        if self.principal.kind is PrincipalKind.SYSTEM:
            return decision
        if action in self._people[person_id].by_organisation.get((organisation_id, category),
                                                                   frozenset()):
            return decision
        refused = Decision(False, "not_acting_for_organisation", category)
        self.log_refusal(action, person_id, refused)
        code, message = refusal
        raise Forbidden(message, code=code, field=field)

    def renewed(self) -> AccessPolicy:
        """A policy for the rest of the request after a write: fresh facts, same journal."""
        return AccessPolicy(self.principal, self.rules, journal=self.journal)

    def note_read(self, person_id: int, category: str) -> None:
        self.journal.read[person_id].add(category)

    def note_refusal(self, person_id: int, category: str, rule: str) -> None:
        self.journal.refused[person_id][category] = rule

    def log_refusal(self, action: Action, person_id: int, decision: Decision) -> None:
        if action is Action.READ:
            self.note_refusal(person_id, decision.category or "person", decision.rule)
        principal = self.principal
        log.info(
            "access refused: principal=%s:%s client=%s action=%s person=%s category=%s rule=%s",
            principal.kind, principal.staff_member_id or principal.person_id
            or principal.account_id, principal.client_id, action, person_id,
            decision.category, decision.rule,
            # The same as fields, for a log collector to filter on.
            extra={"action": str(action), "person_id": person_id,
                   "category": decision.category, "rule": decision.rule},
        )

    def acting_team(self, person_id: int) -> TeamRoles | None:
        """The staff member's team that gives access to this person (after ``prime``)."""
        access = self._people.get(person_id)
        return access.team if access else None

    async def readable(
        self,
        session: AsyncSession,
        rows: Iterable[Row],
        category: str | None,
        person_of: Callable[[Row], int] = lambda row: row.person_id,  # type: ignore[attr-defined]
    ) -> list[Row]:
        """Keep the rows whose category the principal may read for their person (with no
        category: the rows of people the principal may see at all)."""
        found = list(rows)
        await self.prime(session, [person_of(row) for row in found])
        categories = [category] if category else []
        return [row for row in found if self.decide_cached(
            self._people[person_of(row)], Action.READ, categories).allowed]
