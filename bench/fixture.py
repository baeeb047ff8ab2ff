"""Who the scenarios act as, and the ids they need, read back from a generated database."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import text

from core.db import Database

from .scales import ACTORS

__all__ = ["Actor", "Fixture", "resolve"]

BENCH_POT = "Benchmark pot (submit and approve)"


@dataclass(frozen=True)
class Actor:
    username: str
    account_id: int
    person_id: int | None
    staff_id: int | None
    team_id: int | None
    organisation_id: int | None
    role: str | None


@dataclass(frozen=True)
class Fixture:
    actors: dict[str, Actor]  # by key of ACTORS
    drafts: list[int]  # draft requests for the mutation scenario, oldest first

    def actor(self, username: str) -> Actor:
        return next(a for a in self.actors.values() if a.username == username)

    @property
    def person(self) -> int:
        person = self.actors["person"].person_id
        assert person is not None
        return person

    def team(self, key: str) -> int:
        team = self.actors[key].team_id
        assert team is not None
        return team


async def resolve(db: Database) -> Fixture:
    actors = {}
    async with db.reading() as session:
        for key, username in ACTORS.items():
            account_id, person_id, staff_id = (await session.execute(text(
                "SELECT id, person_id, staff_member_id FROM user_account "
                "WHERE username = :u"), {"u": username})).one()
            team = org = role = None
            if staff_id is not None:
                team, org, roles = (await session.execute(text(
                    "SELECT m.team_id, t.organisation_id, m.roles FROM membership m "
                    "JOIN team t ON t.id = m.team_id WHERE m.staff_member_id = :s"),
                    {"s": staff_id})).one()
                role = (json.loads(roles) if isinstance(roles, str) else roles)[0]
            actors[key] = Actor(username, account_id, person_id, staff_id, team, org, role)
        drafts = list(await session.scalars(text(
            "SELECT r.id FROM budget_request r JOIN budget b ON b.id = r.budget_id "
            "JOIN funding_pot f ON f.id = b.funding_pot_id "
            "WHERE r.status = 'draft' AND f.name = :pot ORDER BY r.id"), {"pot": BENCH_POT}))
    return Fixture(actors, drafts)
