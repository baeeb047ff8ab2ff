"""The access matrix: every role × category × action × situation, against docs/access-control.md.

The table in the docs is the specification an information governance lead reads. This test
parses it and checks the policy engine's decision for every role, category and action, for a
person with no relationship, a relationship only, a relationship and consent, a restriction,
and a revoked consent — on both backends.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from core.models import CareBasis, OrganisationKind, Restriction
from core.permissions import Action
from core.policy import AccessPolicy
from core.principal import Principal, PrincipalKind
from core.services import accounts, consents, organisations, people
from core.services.accounts import principal_for_username
from core.unit_of_work import UnitOfWork
from tests.support.world import RULES

DOC = Path(__file__).parent.parent / "docs" / "access-control.md"
LETTERS = {"r": Action.READ, "c": Action.CREATE, "u": Action.UPDATE, "a": Action.APPROVE}
RESTRICTED = ("contact", "budget", "mental_health")
SITUATIONS = ("no_relationship", "relationship", "consent", "restriction", "revoked")


@dataclass(frozen=True)
class MatrixRow:
    role: str
    direct_care: bool
    actions: dict[str, frozenset[Action]]


def documented_matrix() -> list[MatrixRow]:
    text = DOC.read_text()
    table = text.split("<!-- matrix:start -->")[1].split("<!-- matrix:end -->")[0]
    lines = [line.strip() for line in table.strip().splitlines()]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    categories = header[2:]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        role = re.sub(r"`", "", cells[0])
        actions = {
            category: frozenset(LETTERS[letter] for letter in cell if letter in LETTERS)
            for category, cell in zip(categories, cells[2:], strict=True)
        }
        rows.append(MatrixRow(role, cells[1] == "direct care", actions))
    return rows


MATRIX = documented_matrix()


def test_the_documented_matrix_covers_every_role_and_category() -> None:
    assert {row.role for row in MATRIX} == set(RULES.roles)
    for row in MATRIX:
        assert set(row.actions) == set(RULES.categories), row.role


def expected(row: MatrixRow, situation: str, category: str) -> frozenset[Action]:
    if situation == "no_relationship":
        return frozenset()
    if row.direct_care:
        if situation == "restriction" and category in RESTRICTED:
            return frozenset()
        return row.actions[category]
    if situation in ("consent", "restriction"):
        return row.actions[category]
    return frozenset()  # consent-based, with no consent or a revoked one


async def build_matrix_world(uow: UnitOfWork) -> dict[str, int]:
    """One team and one staff member per role; one person per situation."""
    system = AccessPolicy(Principal.system(), RULES)
    now = system.now
    direct = await organisations.create_organisation(
        uow, system, name="A trust", kind=OrganisationKind.MENTAL_HEALTH_TRUST)
    voluntary = await organisations.create_organisation(
        uow, system, name="A charity", kind=OrganisationKind.VOLUNTARY_ORGANISATION)
    teams: dict[str, tuple[int, int]] = {}
    for row in MATRIX:
        organisation = direct if row.direct_care else voluntary
        team = await organisations.create_team(uow, system, organisation_id=organisation.id,
                                               name=row.role)
        staff = await organisations.add_staff_member(uow, system, given_name=row.role,
                                                     family_name="Staff")
        await organisations.add_membership(uow, system, staff_member_id=staff.id,
                                           team_id=team.id, roles=[row.role])
        await accounts.create_account(uow, system, username=row.role,
                                      staff_member_id=staff.id)
        teams[row.role] = (team.id, organisation.id)

    people_ids: dict[str, int] = {}
    for number, situation in zip(("9990000018", "9990000026", "9990000034", "9990000042",
                                  "9990000050"), SITUATIONS, strict=True):
        person = await people.register_person(uow, system, given_name=situation,
                                              family_name="Person", nhs_number=number)
        people_ids[situation] = person.id
        if situation == "no_relationship":
            continue
        for team_id, _ in teams.values():
            await organisations.start_care_relationship(
                uow, system, team_id=team_id, person_id=person.id,
                basis=CareBasis.CARE_COORDINATION, starts_at=now - dt.timedelta(days=1))
        if situation in ("consent", "restriction", "revoked"):
            granted = await consents.grant_consent(
                uow, system, person_id=person.id, grantee_organisation_id=voluntary.id,
                categories=list(RULES.categories), purpose="Everything, for the matrix")
            if situation == "revoked":
                await consents.revoke_consent(uow, system, granted.id)
        if situation == "restriction":
            async with uow.begin() as tx:
                for row in MATRIX:
                    if row.direct_care:
                        tx.session.add(Restriction(person_id=person.id,
                                                   team_id=teams[row.role][0],
                                                   categories=list(RESTRICTED)))
    return people_ids


async def test_every_role_category_action_and_situation(uow: UnitOfWork) -> None:
    people_ids = await build_matrix_world(uow)
    mismatches: list[str] = []
    async with uow.db.reading() as session:
        for row in MATRIX:
            principal = await principal_for_username(session, row.role)
            assert principal is not None
            policy = AccessPolicy(principal, RULES)
            for situation, person_id in people_ids.items():
                allowed_somewhere = False
                for category in RULES.categories:
                    want = expected(row, situation, category)
                    allowed_somewhere |= Action.READ in want
                    for action in Action:
                        decision = await policy.decide(session, action, person_id, [category])
                        if decision.allowed != (action in want):
                            mismatches.append(
                                f"{row.role} {action.value} {category} [{situation}]: "
                                f"engine {'allows' if decision.allowed else 'refuses'} "
                                f"({decision.rule}), the table says otherwise"
                            )
                visible = await policy.decide(session, Action.READ, person_id, [])
                if visible.allowed != allowed_somewhere:
                    mismatches.append(f"{row.role} sees person [{situation}]: "
                                      f"{visible.allowed}, expected {allowed_somewhere}")
    assert not mismatches, "\n".join(mismatches[:40])


async def test_the_person_and_strangers(uow: UnitOfWork) -> None:
    """The person may do everything but approve; another person nothing, in every case."""
    people_ids = await build_matrix_world(uow)
    async with uow.db.reading() as session:
        for situation, person_id in people_ids.items():
            other_id = people_ids["consent" if situation == "no_relationship" else
                                  "no_relationship"]
            own = AccessPolicy(Principal(PrincipalKind.PERSON, person_id=person_id), RULES)
            stranger = AccessPolicy(Principal(PrincipalKind.PERSON, person_id=other_id), RULES)
            for category in RULES.categories:
                for action in Action:
                    mine = await own.decide(session, action, person_id, [category])
                    assert mine.allowed == (action is not Action.APPROVE), (category, action)
                    theirs = await stranger.decide(session, action, person_id, [category])
                    assert not theirs.allowed
