"""Turning the audit trail off for one benchmark, without touching production code.

Reads are audited by the ``AuditReads`` schema extension: ``without_read_audit`` builds the
same schema without it. Writes are audited inside the services (``record_access`` in the same
transaction as the change): ``install`` wraps the budget-request service's ``record_access``
so that it does nothing while ``AUDIT_OFF`` is set, which only the unaudited app and the
in-process "audit off" runs do.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import strawberry

from core.permissions import AccessRules
from core.plugins import Plugins
from core.services import budget_requests
from schema.audit import AuditReads
from schema.build import build_schema

__all__ = ["AUDIT_OFF", "install", "without_read_audit"]

AUDIT_OFF: ContextVar[bool] = ContextVar("recovery_hub_bench_audit_off", default=False)
_original = budget_requests.record_access


async def _record_access_unless_off(*args: Any, **kwargs: Any) -> None:
    if AUDIT_OFF.get():
        return
    await _original(*args, **kwargs)


def install() -> None:
    budget_requests.record_access = _record_access_unless_off  # type: ignore[assignment]


def without_read_audit(rules: AccessRules, plugins: Plugins) -> strawberry.Schema:
    """The production schema (no introspection, masked errors) minus the read audit."""
    schema = build_schema(development=False, rules=rules, plugins=plugins)
    schema.extensions = tuple(e for e in schema.extensions if e is not AuditReads)
    return schema
