"""The floor: the rows each scenario returns, fetched with hand-written SQL on the same backend
and driver (SQLAlchemy ``text()`` on ``core.db.Database``'s engine) and encoded to JSON. No
GraphQL, no policy, no audit of reads.

Pages are fetched exactly as the API fetches them (keyset, ``first + 1`` rows to know whether
there is a next page, per-parent windows with ``row_number()``), so the ratio to the floor is
the cost of GraphQL, the policy and the audit trail, not of a different query plan. The
mutation's floor (``floor_writes.py``) makes the same writes as the service, audit events
included.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import Database
from core.models.base import UTCDateTime, utcnow
from core.observations.rules import start_of_day

from . import floor_writes

__all__ = ["Floor", "FloorResult"]

_NOW = bindparam("now", type_=UTCDateTime())


def _sql(statement: str, *expanding: str, now: bool = False) -> Any:
    clause = text(statement)
    binds = [bindparam(name, expanding=True) for name in expanding]
    if now:
        binds.append(_NOW)
    return clause.bindparams(*binds) if binds else clause


_ACTIVE = ("SELECT cr.person_id FROM care_relationship cr WHERE cr.team_id = :team "
           "AND cr.starts_at <= :now AND (cr.ends_at IS NULL OR cr.ends_at > :now)")
PEOPLE_PAGE = _sql(
    "SELECT p.id, p.given_name, p.family_name, p.preferred_name, p.nhs_number, "
    f"p.date_of_birth FROM person p WHERE p.id IN ({_ACTIVE}) AND p.id > :after "
    "ORDER BY p.id LIMIT :limit", now=True)
GOALS_OF_PEOPLE = _sql(
    "SELECT person_id, id, title, status, target_date FROM (SELECT person_id, id, title, "
    "status, target_date, row_number() OVER (PARTITION BY person_id ORDER BY id) AS n "
    "FROM recovery_goal WHERE person_id IN :ids) AS g WHERE n <= :limit "
    "ORDER BY person_id, id", "ids")
BUDGETS_OF_PEOPLE = _sql(
    "SELECT id, person_id, payment_route, period_start, period_end FROM budget "
    "WHERE person_id IN :ids ORDER BY person_id, period_start DESC, id DESC", "ids")
REQUESTS_OF_BUDGETS = _sql(
    "SELECT budget_id, id, status, total_pence, submitted_at FROM (SELECT budget_id, id, "
    "status, total_pence, submitted_at, row_number() OVER (PARTITION BY budget_id ORDER BY id)"
    " AS n FROM budget_request WHERE budget_id IN :ids) AS r WHERE n <= :limit "
    "ORDER BY budget_id, id", "ids")
REQUESTS_OF_PEOPLE = _sql(
    "SELECT person_id, id, status, purpose, total_pence, submitted_at FROM (SELECT person_id, "
    "id, status, purpose, total_pence, submitted_at, row_number() OVER (PARTITION BY "
    "person_id ORDER BY id) AS n FROM budget_request WHERE person_id IN :ids) AS r "
    "WHERE n <= :limit ORDER BY person_id, id", "ids")
ITEMS_OF_REQUESTS = _sql(
    "SELECT request_id, description, amount_pence FROM budget_item WHERE request_id IN :ids "
    "ORDER BY request_id, id", "ids")
QUEUE_BY_STATUS = _sql(
    "SELECT r.id, r.person_id, r.status, r.purpose, r.total_pence, r.submitted_at, "
    "p.given_name, p.family_name, p.preferred_name FROM budget_request r "
    "JOIN person p ON p.id = r.person_id WHERE r.status IN ('submitted', 'awaiting_approval') "
    f"AND r.person_id IN ({_ACTIVE}) ORDER BY r.id", now=True)
ME = _sql("SELECT id, given_name, family_name, preferred_name, nhs_number FROM person "
          "WHERE id = :person")
MY_GOALS = _sql("SELECT id, title, what_matters_to_me, status, target_date FROM recovery_goal "
                "WHERE person_id = :person ORDER BY id LIMIT 21")
STEPS = _sql("SELECT goal_id, description, position, done_at FROM goal_step "
             "WHERE goal_id IN :ids ORDER BY goal_id, position", "ids")
NOTES = _sql(
    "SELECT goal_id, text, progress_percent, created_at FROM (SELECT goal_id, id, text, "
    "progress_percent, created_at, row_number() OVER (PARTITION BY goal_id ORDER BY id) AS n "
    "FROM progress_note WHERE goal_id IN :ids) AS g WHERE n <= 6 ORDER BY goal_id, id", "ids")
MY_BUDGETS = _sql(
    "SELECT b.id, b.payment_route, b.period_start, b.period_end, f.name FROM budget b "
    "JOIN funding_pot f ON f.id = b.funding_pot_id WHERE b.person_id = :person "
    "ORDER BY b.period_start DESC, b.id DESC")
MY_REQUESTS = _sql("SELECT id, status, purpose, total_pence, submitted_at, decided_at "
                   "FROM budget_request WHERE person_id = :person ORDER BY id LIMIT 21")
MY_CONSENTS = _sql(
    "SELECT c.id, c.categories, c.purpose, c.valid_from, c.valid_until, CASE "
    "WHEN c.revoked_at IS NOT NULL THEN 'REVOKED' WHEN :now < c.valid_from THEN 'PENDING' "
    "WHEN c.valid_until IS NOT NULL AND :now >= c.valid_until THEN 'EXPIRED' "
    "ELSE 'ACTIVE' END, o.name FROM consent c LEFT JOIN organisation o "
    "ON o.id = c.grantee_organisation_id WHERE c.person_id = :person ORDER BY c.id LIMIT 21",
    now=True)
ACCESS_LOG_PAGE = _sql(
    "SELECT e.id, e.occurred_at, e.actor_kind, e.actor_roles, e.categories, "
    "e.refused_categories, e.operation, e.outcome, e.purpose, e.break_glass, s.given_name, "
    "s.family_name, s.job_title, t.name, o.name FROM audit_event e "
    "LEFT JOIN staff_member s ON s.id = e.actor_staff_id "
    "LEFT JOIN team t ON t.id = e.actor_team_id "
    "LEFT JOIN organisation o ON o.id = e.actor_organisation_id "
    "WHERE e.person_id = :person AND e.id < :before ORDER BY e.id DESC LIMIT :limit")


# One kind's series for one person: what core/observations/reading.py asks, by hand. The
# bucket's first day is the dialect's (``{bucket}``); gaps are filled in Python.
SERIES = (
    "SELECT bucket, count(*), min(v), max(v), avg(v), max(last) FROM (SELECT {bucket} AS "
    "bucket, value AS v, first_value(value) OVER (PARTITION BY {bucket} ORDER BY "
    "effective_at DESC, id DESC) AS last FROM observation WHERE person_id = :person AND "
    "kind = :kind AND category = :category AND effective_at >= :from_at AND effective_at < "
    ":to_at AND effective_date >= :since AND effective_date <= :until AND status = 'final' "
    "AND unit = :unit AND value IS NOT NULL) AS r "
    "GROUP BY bucket")
_BUCKETS = {
    ("sqlite", "WEEK"): "date(effective_date, 'weekday 0', '-6 days')",
    ("postgresql", "WEEK"): "CAST(date_trunc('week', effective_date) AS DATE)",
    ("sqlite", "DAY"): "effective_date",
    ("postgresql", "DAY"): "effective_date",
}
_SERIES_KINDS = {"weight": ("physical_health", "kg", 1), "mood": ("wellbeing", "{score_1_5}", 0)}


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(type(value))


def _json_list(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _name(preferred: str | None, given: str, family: str) -> str:
    return f"{preferred or given} {family}"


@dataclass
class FloorResult:
    body: bytes
    rows: int
    last_id: int | None = None  # the page's last id: where the next page starts
    has_next: bool = False


class Floor:
    """One instance per process, over its own ``Database`` (same engine settings)."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)

    async def close(self) -> None:
        await self.db.dispose()

    async def run(self, name: str, params: dict[str, Any]) -> FloorResult:
        if name == "submit":
            return FloorResult(await floor_writes.submit(self.db, **params), 3)
        if name == "approve":
            return FloorResult(await floor_writes.approve(self.db, **params), 5)
        async with self.db.engine.connect() as connection:
            result: FloorResult = await getattr(self, f"_{name}")(connection, **params)
            await connection.rollback()
        return result

    async def _people_page(self, connection: AsyncConnection, team: int, first: int,
                           after: int | None) -> tuple[list[Any], bool]:
        rows = (await connection.execute(PEOPLE_PAGE, {
            "team": team, "now": utcnow(), "after": after or 0, "limit": first + 1})).all()
        return rows[:first], len(rows) > first

    async def _caseload(self, connection: AsyncConnection, team: int, first: int,
                        after: int | None = None) -> FloorResult:
        people, has_next = await self._people_page(connection, team, first, after)
        ids = [row[0] for row in people]
        goals = defaultdict(list)
        for person_id, gid, title, status, target in await connection.execute(
                GOALS_OF_PEOPLE, {"ids": ids, "limit": 11}):
            goals[person_id].append({"id": gid, "title": title, "status": status.upper(),
                                     "targetDate": target})
        budgets = defaultdict(list)
        by_id = {}
        for bid, person_id, route, start, end in await connection.execute(
                BUDGETS_OF_PEOPLE, {"ids": ids}):
            by_id[bid] = {"id": bid, "paymentRoute": route.upper(), "periodStart": start,
                          "periodEnd": end, "requests": []}
            budgets[person_id].append(by_id[bid])
        count = len(people) + sum(map(len, goals.values())) + len(by_id)
        requests = await connection.execute(REQUESTS_OF_BUDGETS, {"ids": list(by_id),
                                                                  "limit": 11})
        for bid, _rid, status, total, submitted in requests:
            by_id[bid]["requests"].append({"status": status.upper(), "total": {"pence": total},
                                           "submittedAt": submitted})
            count += 1
        data = [{"id": pid, "displayName": _name(preferred, given, family), "nhsNumber": nhs,
                 "dateOfBirth": born, "goals": goals[pid][:10],
                 "budgets": [{**b, "requests": b["requests"][:10]} for b in budgets[pid]]}
                for pid, given, family, preferred, nhs, born in people]
        return self._encode({"people": data, "hasNextPage": has_next}, count,
                            ids[-1] if ids else None, has_next)

    async def _approval_queue(self, connection: AsyncConnection, team: int, first: int,
                              after: int | None = None) -> FloorResult:
        people, has_next = await self._people_page(connection, team, first, after)
        ids = [row[0] for row in people]
        requests = defaultdict(list)
        by_id = {}
        for person_id, rid, status, purpose, total, submitted in await connection.execute(
                REQUESTS_OF_PEOPLE, {"ids": ids, "limit": 101}):
            by_id[rid] = {"id": rid, "status": status.upper(), "purpose": purpose,
                          "total": {"pence": total}, "submittedAt": submitted, "items": []}
            requests[person_id].append(by_id[rid])
        count = len(people) + len(by_id)
        for rid, description, amount in await connection.execute(ITEMS_OF_REQUESTS,
                                                                  {"ids": list(by_id)}):
            by_id[rid]["items"].append({"description": description,
                                        "amount": {"pence": amount}})
            count += 1
        data = [{"id": pid, "displayName": _name(preferred, given, family),
                 "budgetRequests": requests[pid][:100]}
                for pid, given, family, preferred, _nhs, _born in people]
        return self._encode({"people": data, "hasNextPage": has_next}, count,
                            ids[-1] if ids else None, has_next)

    async def _approval_queue_by_status(self, connection: AsyncConnection,
                                        team: int) -> FloorResult:
        """What a status-filtered queue query would cost (the API has none)."""
        found = (await connection.execute(QUEUE_BY_STATUS, {"team": team, "now": utcnow()}
                                          )).all()
        by_id = {rid: {"id": rid, "person": {"id": pid, "displayName": _name(pr, gi, fa)},
                       "status": status.upper(), "purpose": purpose, "total": {"pence": total},
                       "submittedAt": submitted, "items": []}
                 for rid, pid, status, purpose, total, submitted, gi, fa, pr in found}
        count = len(by_id)
        for rid, description, amount in await connection.execute(ITEMS_OF_REQUESTS,
                                                                  {"ids": list(by_id)}):
            by_id[rid]["items"].append({"description": description,
                                        "amount": {"pence": amount}})
            count += 1
        return self._encode(list(by_id.values()), count)

    async def _dashboard(self, connection: AsyncConnection, person: int) -> FloorResult:
        pid, given, family, preferred, nhs = (await connection.execute(
            ME, {"person": person})).one()
        goals = [{"id": gid, "title": title, "whatMattersToMe": why, "status": status.upper(),
                  "targetDate": target, "steps": [], "progressNotes": []}
                 for gid, title, why, status, target in await connection.execute(
                     MY_GOALS, {"person": person})][:20]
        by_goal = {goal["id"]: goal for goal in goals}
        count = 1 + len(goals)
        for gid, description, position, done in await connection.execute(
                STEPS, {"ids": list(by_goal)}):
            by_goal[gid]["steps"].append({"description": description, "position": position,
                                          "doneAt": done})
            count += 1
        for gid, note, percent, created in await connection.execute(
                NOTES, {"ids": list(by_goal)}):
            by_goal[gid]["progressNotes"].append({"text": note, "progressPercent": percent,
                                                  "createdAt": created})
            count += 1
        budgets = [{"id": bid, "paymentRoute": route.upper(), "periodStart": start,
                    "periodEnd": end, "fundingPot": {"name": pot}}
                   for bid, route, start, end, pot in await connection.execute(
                       MY_BUDGETS, {"person": person})]
        requests = [{"id": rid, "status": status.upper(), "purpose": purpose,
                     "total": {"pence": total}, "submittedAt": submitted, "decidedAt": decided}
                    for rid, status, purpose, total, submitted, decided in
                    await connection.execute(MY_REQUESTS, {"person": person})][:20]
        consents = [{"id": cid, "categories": _json_list(categories), "purpose": purpose,
                     "validFrom": valid_from, "validUntil": until, "status": status,
                     "granteeOrganisation": {"name": org} if org else None}
                    for cid, categories, purpose, valid_from, until, status, org in
                    await connection.execute(MY_CONSENTS, {"person": person,
                                                           "now": utcnow()})][:20]
        count += len(budgets) + len(requests) + len(consents)
        return self._encode({"me": {"id": pid, "displayName": _name(preferred, given, family),
                                    "nhsNumber": nhs, "goals": goals, "budgets": budgets,
                                    "budgetRequests": requests, "consents": consents}}, count)

    async def _access_log(self, connection: AsyncConnection, person: int, first: int,
                          before: int | None = None) -> FloorResult:
        rows = (await connection.execute(ACCESS_LOG_PAGE, {
            "person": person, "before": before or 2**62, "limit": first + 1})).all()
        entries = [{
            "occurredAt": at, "actorKind": kind, "actorRoles": _json_list(roles),
            "categories": _json_list(categories), "refusedCategories": _json_list(refused),
            "operation": operation, "outcome": outcome, "purpose": purpose,
            "breakGlass": bool(glass),
            "staffMember": {"displayName": f"{given} {family}", "jobTitle": job}
            if given else None,
            "team": {"name": team} if team else None,
            "organisation": {"name": org} if org else None,
        } for (_id, at, kind, roles, categories, refused, operation, outcome, purpose, glass,
               given, family, job, team, org) in rows[:first]]
        last = rows[:first][-1][0] if rows else None
        return self._encode({"accessLog": entries}, len(entries), last, len(rows) > first)

    async def _health_series(self, connection: AsyncConnection, person: int) -> FloorResult:
        from .scenarios import SERIES_PERIODS

        dialect = connection.dialect.name
        charts: dict[str, Any] = {}
        count = 0
        for kind, (since, until, bucket) in SERIES_PERIODS.items():
            category, unit, decimals = _SERIES_KINDS[kind]
            found = {}
            for start, n, low, high, mean, last in await connection.execute(
                    text(SERIES.format(bucket=_BUCKETS[(dialect, bucket)])).bindparams(
                        bindparam("from_at", type_=UTCDateTime()),
                        bindparam("to_at", type_=UTCDateTime())),
                    {"person": person, "kind": kind, "category": category, "since": since,
                     "until": until, "unit": unit, "from_at": start_of_day(since),
                     "to_at": start_of_day(until + dt.timedelta(days=1))}):
                day = start if isinstance(start, dt.date) else dt.date.fromisoformat(start)
                found[day] = {"count": n, "min": low, "max": high,
                              "mean": round(mean, decimals + 1), "last": last}
                count += 1
            step = dt.timedelta(days=7 if bucket == "WEEK" else 1)
            day, points = since - dt.timedelta(days=since.weekday() if bucket == "WEEK" else 0), []
            while day <= until:
                points.append({"start": day, "end": day + step - dt.timedelta(days=1),
                               **found.get(day, {"count": 0, "min": None, "max": None,
                                                 "mean": None, "last": None})})
                day += step
            charts[kind] = {"unit": unit, "points": points}
        return self._encode({"me": charts}, count)

    @staticmethod
    def _encode(data: Any, rows: int, last_id: int | None = None,
                has_next: bool = False) -> FloorResult:
        body = json.dumps({"data": data}, default=_default).encode()
        return FloorResult(body, rows, last_id, has_next)

