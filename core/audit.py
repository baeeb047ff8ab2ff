"""The audit trail: append-only, hash-chained, one event per request per person touched.

Each event stores the SHA-256 of its own content and of the previous event's hash. Appends lock
the single ``audit_chain_head`` row (``FOR UPDATE`` on PostgreSQL; on SQLite the write
transaction holds the database lock from ``BEGIN IMMEDIATE``), so concurrent writers queue and
the chain never forks. Events are written in the same transaction as the change they record;
reads are written at the end of the request. ``verify_chain`` (core/audit_verify.py) finds an
edited, deleted or reordered event, whatever was written into it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .audit_verify import ChainReport, verify_chain
from .metrics import metrics, timed
from .models import AuditChainHead, AuditEvent, BreakGlassAccess, utcnow
from .policy import AccessPolicy
from .principal import PrincipalKind
from .unit_of_work import UnitOfWork

__all__ = [
    "ChainReport",
    "append_events",
    "event_hash",
    "record_access",
    "record_reads",
    "verify_chain",
]


def event_hash(event: AuditEvent) -> str:
    """SHA-256 of the event's content and the previous hash. The row id is left out so that a
    batch can be chained before it is inserted; order is still fixed by ``prev_hash``."""
    content = [
        event.occurred_at.isoformat(), event.actor_kind, event.actor_account_id,
        event.actor_person_id,
        event.actor_staff_id, event.actor_team_id, event.actor_organisation_id,
        event.client_id, event.person_id, list(event.categories), event.operation,
        event.outcome, event.purpose, list(event.actor_roles or []), bool(event.break_glass),
        list(event.refused_categories or []),
        event.rule, event.prev_hash,
    ]
    encoded = json.dumps(content, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode()).hexdigest()


async def _lock_head(session: AsyncSession) -> AuditChainHead:
    head = await session.scalar(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
        .execution_options(populate_existing=True)
    )
    if head is None:  # the migration creates it; an emptied table gets a fresh one
        head = AuditChainHead(id=1, last_hash="", event_count=0)
        session.add(head)
    return head


async def append_events(session: AsyncSession, events: Sequence[AuditEvent]) -> None:
    """Chain and add events in the caller's transaction."""
    if not events:
        return
    with timed(metrics().audit_write):  # the lock queues concurrent writers: watch its wait
        await _append(session, events)


async def _append(session: AsyncSession, events: Sequence[AuditEvent]) -> None:
    head = await _lock_head(session)
    previous = head.last_hash
    for event in events:
        # Fill defaults now: the hash must cover exactly what is stored.
        event.occurred_at = event.occurred_at or utcnow()
        event.categories = list(event.categories or [])
        event.actor_roles = list(event.actor_roles or [])
        event.refused_categories = list(event.refused_categories or [])
        event.break_glass = bool(event.break_glass)
        event.prev_hash = previous
        event.hash = previous = event_hash(event)
    # One executemany INSERT whatever the number of events, then the head. (The head's lock
    # is held, so the highest id is the last of ours.)
    columns = [c.key for c in AuditEvent.__table__.columns if c.key != "id"]
    await session.execute(insert(AuditEvent),
                          [{key: getattr(event, key) for key in columns} for event in events])
    head.last_hash = previous
    head.last_event_id = await session.scalar(select(func.max(AuditEvent.id)))
    head.event_count = (head.event_count or 0) + len(events)
    await session.flush()


def _event(
    policy: AccessPolicy,
    *,
    person_id: int,
    operation: str,
    categories: Iterable[str],
    outcome: str,
    rule: str | None,
    purpose: str | None = None,
    refused: Iterable[str] = (),
    break_glass: bool = False,
) -> AuditEvent:
    principal = policy.principal
    access = policy.known(person_id)
    team = (access.team if access else None) or (principal.teams[0] if principal.teams else None)
    return AuditEvent(
        occurred_at=utcnow(),
        actor_kind=str(principal.kind),
        actor_account_id=principal.account_id,
        actor_person_id=principal.person_id,
        actor_staff_id=principal.staff_member_id,
        actor_team_id=team.team_id if team else None,
        actor_organisation_id=team.organisation_id if team else None,
        actor_roles=sorted(team.roles) if team else [],
        client_id=principal.client_id,
        person_id=person_id,
        categories=sorted(set(categories)),
        refused_categories=sorted(set(refused)),
        operation=operation,
        outcome=outcome,
        rule=rule,
        purpose=purpose,
        break_glass=break_glass or bool(access and access.break_glass),
    )


def _is_own_record(policy: AccessPolicy, person_id: int) -> bool:
    """The person acting on their own record, themselves. An app acting for them is
    audited: the person sees in their access log what each app read."""
    principal = policy.principal
    return (principal.kind is PrincipalKind.PERSON and principal.person_id == person_id
            and principal.client_id is None)


async def record_access(
    session: AsyncSession,
    policy: AccessPolicy,
    *,
    person_id: int,
    operation: str,
    categories: Iterable[str] = (),
    outcome: str = "allowed",
    purpose: str | None = None,
    break_glass: bool = False,
) -> None:
    """Audit a use case in its own transaction, unless the person acts on their own record."""
    policy.journal.audited.add(person_id)
    if _is_own_record(policy, person_id):
        return
    access = policy.known(person_id)
    wanted = list(categories)
    rule = access.rules.get(wanted[0]) if access and wanted else None
    await append_events(session, [_event(policy, person_id=person_id, operation=operation,
                                         categories=wanted, outcome=outcome, rule=rule,
                                         purpose=purpose, break_glass=break_glass)])


async def _break_glass_reasons(
    session: AsyncSession, policy: AccessPolicy, events: Sequence[AuditEvent]
) -> None:
    """A read during a break-glass opening carries the reason given for it, for the person."""
    glass = {event.person_id: event for event in events if event.break_glass}
    staff_id = policy.principal.staff_member_id
    if not glass or staff_id is None:
        return
    openings = await session.execute(
        select(BreakGlassAccess.person_id, BreakGlassAccess.reason)
        .where(BreakGlassAccess.staff_member_id == staff_id,
               BreakGlassAccess.person_id.in_(list(glass)),
               BreakGlassAccess.expires_at > policy.now)
        .order_by(BreakGlassAccess.id)
    )
    for person_id, reason in openings:  # the latest opening's reason wins
        glass[person_id].purpose = reason


async def record_reads(uow: UnitOfWork, policy: AccessPolicy, operation: str) -> int:
    """At the end of a request: one event per person read (or refused) by someone else."""
    journal = policy.journal
    if not policy.principal.is_authenticated:
        # Nobody to name and nothing read: the policy logs the refusal. Writing events here
        # would let anyone without a token append to the trail and queue on its lock.
        return 0
    events: list[AuditEvent] = []
    for person_id in sorted(set(journal.read) | set(journal.refused)):
        if person_id in journal.audited or _is_own_record(policy, person_id):
            continue
        read = journal.read.get(person_id, set())
        refused = journal.refused.get(person_id, {})
        outcome = "refused" if not read else ("partly_refused" if refused else "allowed")
        access = policy.known(person_id)
        rule = (next(iter(sorted(set(refused.values()))), None) if not read else
                (access.rules.get(sorted(read)[0]) if access else None))
        events.append(_event(policy, person_id=person_id, operation=operation,
                             categories=read, refused=refused, outcome=outcome, rule=rule))
    if events:
        async with uow.begin() as tx:
            await _break_glass_reasons(tx.session, policy, events)
            await append_events(tx.session, events)
    journal.audited.update(event.person_id for event in events if event.person_id)
    return len(events)
