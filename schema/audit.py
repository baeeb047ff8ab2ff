"""Auditing reads: one event per person touched, written when the request is done."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from core.audit import record_reads

__all__ = ["AuditReads"]


class AuditReads(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        name = self.execution_context.operation_name or "anonymous operation"
        # Give the read connection back before taking a write one: a request holding one
        # connection while it waits for a second deadlocks the pool under load.
        await context.release_connection()
        await record_reads(context.uow, context.policy, name)
