"""The mutation's floor: submit, then approve, with the same rows written as
``core.services.budget_requests`` writes (status, history, sign-off, pot reservation and
ledger entry, and a chained audit event for each step), in hand-written SQL."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.audit import event_hash
from core.db import Database
from core.models.base import UTCDateTime, utcnow

from .fixture import Actor

__all__ = ["approve", "request_id", "submit"]

_AT = bindparam("at", type_=UTCDateTime())
_STEPS = [{"name": "sign_off", "title": "One sign-off", "roles": None}]


def request_id(value: int | str) -> int:
    """A request's id from its number or its global ID."""
    if isinstance(value, int):
        return value
    return int(base64.b64decode(value).decode().split(":", 1)[1])


def _gid(pk: int) -> str:
    return base64.b64encode(f"BudgetRequest:{pk}".encode()).decode()


def _lock(connection: AsyncConnection) -> str:
    return " FOR UPDATE" if connection.dialect.name == "postgresql" else ""


LOCK_REQUEST = (
    "SELECT r.status, r.person_id, r.total_pence, b.funding_pot_id, "
    "f.allocated_pence - f.committed_pence - f.paid_pence FROM budget_request r "
    "JOIN budget b ON b.id = r.budget_id JOIN funding_pot f ON f.id = b.funding_pot_id "
    "WHERE r.id = :id")
TRANSITION = text(
    "INSERT INTO budget_request_transition (request_id, from_status, to_status, changed_at, "
    "by_staff_id) VALUES (:id, :from_status, :to_status, :at, :staff)").bindparams(_AT)
AUDIT = text(
    "INSERT INTO audit_event (occurred_at, actor_kind, actor_person_id, actor_staff_id, "
    "actor_team_id, actor_account_id, actor_organisation_id, client_id, person_id, categories,"
    " operation, outcome, purpose, actor_roles, refused_categories, break_glass, rule, "
    "prev_hash, hash) VALUES (:at, 'staff', NULL, :staff, :team, :account, :org, NULL, "
    ":person, :categories, :operation, 'allowed', NULL, :roles, :refused, :glass, "
    "'direct_care', :prev, :hash) RETURNING id").bindparams(
        _AT, bindparam("categories", type_=JSON()), bindparam("roles", type_=JSON()),
        bindparam("refused", type_=JSON()))


async def _audit(connection: AsyncConnection, actor: Actor, person: int, operation: str,
                 at: Any) -> None:
    previous = (await connection.execute(text(
        "SELECT last_hash FROM audit_chain_head WHERE id = 1" + _lock(connection)))).scalar_one()
    event = SimpleNamespace(
        occurred_at=at, actor_kind="staff", actor_account_id=actor.account_id,
        actor_person_id=None, actor_staff_id=actor.staff_id, actor_team_id=actor.team_id,
        actor_organisation_id=actor.organisation_id, client_id=None, person_id=person,
        categories=["budget"], operation=operation, outcome="allowed", purpose=None,
        actor_roles=[actor.role], break_glass=False, refused_categories=[],
        rule="direct_care", prev_hash=previous)
    digest = event_hash(event)  # type: ignore[arg-type]
    event_id = (await connection.execute(AUDIT, {
        "at": at, "staff": actor.staff_id, "team": actor.team_id, "account": actor.account_id,
        "org": actor.organisation_id, "person": person, "categories": ["budget"],
        "operation": operation, "roles": [actor.role], "refused": [], "glass": False,
        "prev": previous, "hash": digest})).scalar_one()
    await connection.execute(text(
        "UPDATE audit_chain_head SET last_event_id = :id, last_hash = :hash, "
        "event_count = event_count + 1 WHERE id = 1"), {"id": event_id, "hash": digest})


async def submit(db: Database, request: int | str, actor: Actor) -> bytes:
    rid = request_id(request)
    async with db.write_session() as session, session.begin():
        connection = await session.connection()
        status, person, total, _pot, available = (await connection.execute(
            text(LOCK_REQUEST + _lock(connection)), {"id": rid})).one()
        if status != "draft" or total > available:
            raise ValueError(f"request {rid} cannot be submitted ({status})")
        at = utcnow()
        await connection.execute(text(
            "UPDATE budget_request SET status = 'submitted', approval_steps = :steps, "
            "approvals_required = 1, submitted_at = :at WHERE id = :id").bindparams(
                _AT, bindparam("steps", type_=JSON())), {"steps": _STEPS, "at": at, "id": rid})
        await connection.execute(TRANSITION, {"id": rid, "from_status": "draft",
                                              "to_status": "submitted", "at": at,
                                              "staff": actor.staff_id})
        await _audit(connection, actor, person, "submit_budget_request", at)
    return json.dumps({"data": {"submitBudgetRequest": {"budgetRequest": {
        "id": _gid(rid), "status": "SUBMITTED", "submittedAt": at.isoformat()},
        "userErrors": []}}}).encode()


async def approve(db: Database, request: int | str, actor: Actor) -> bytes:
    rid = request_id(request)
    async with db.write_session() as session, session.begin():
        connection = await session.connection()
        status, person, total, pot, _available = (await connection.execute(
            text(LOCK_REQUEST + _lock(connection)), {"id": rid})).one()
        decided = (await connection.execute(text(
            "SELECT id FROM budget_approval WHERE request_id = :id AND staff_member_id = :s"),
            {"id": rid, "s": actor.staff_id})).first()
        if status not in ("submitted", "awaiting_approval") or decided:
            raise ValueError(f"request {rid} cannot be approved ({status})")
        at = utcnow()
        reserved = await connection.execute(text(
            "UPDATE funding_pot SET committed_pence = committed_pence + :amount WHERE id = :pot"
            " AND allocated_pence - committed_pence - paid_pence >= :amount"),
            {"amount": total, "pot": pot})
        if reserved.rowcount != 1:
            raise ValueError("the pot is exhausted")
        await connection.execute(text(
            "INSERT INTO funding_pot_entry (pot_id, kind, amount_pence, available_delta_pence, "
            "request_id, recorded_at) VALUES (:pot, 'reservation', :amount, :delta, :id, :at)"
        ).bindparams(_AT), {"pot": pot, "amount": total, "delta": -total, "id": rid, "at": at})
        await connection.execute(text(
            "INSERT INTO budget_approval (request_id, staff_member_id, team_id, decision, step, "
            "decided_at) VALUES (:id, :staff, :team, 'approved', 'sign_off', :at)"
        ).bindparams(_AT), {"id": rid, "staff": actor.staff_id, "team": actor.team_id,
                            "at": at})
        await connection.execute(text(
            "UPDATE budget_request SET status = 'approved', decided_at = :at WHERE id = :id"
        ).bindparams(_AT), {"at": at, "id": rid})
        await connection.execute(TRANSITION, {"id": rid, "from_status": status,
                                              "to_status": "approved", "at": at,
                                              "staff": actor.staff_id})
        await _audit(connection, actor, person, "approve_budget_request", at)
    return json.dumps({"data": {"approveBudgetRequest": {"budgetRequest": {
        "id": _gid(rid), "status": "APPROVED", "decidedAt": at.isoformat(),
        "total": {"pence": total}}, "userErrors": []}}}).encode()
