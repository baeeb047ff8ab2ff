"""Core Arts & Sports: sessions, device loans and questionnaires, by the person's consent."""

from __future__ import annotations

from core.categories import DataCategory as C
from core.hookspecs import hookimpl
from core.permissions import READ_ONLY, READ_WRITE, Role


@hookimpl
def register_roles() -> list[Role]:
    return [
        Role(
            name="core_arts.sessions_coordinator",
            title="Sessions coordinator",
            description="Runs sessions, lends devices, sends questionnaires.",
            permissions={
                C.IDENTITY: READ_ONLY,
                C.CONTACT: READ_ONLY,
                C.RECOVERY_PLAN: READ_WRITE,
                # The physical health check and what the person tracks, by consent (seed 000).
                C.PHYSICAL_HEALTH: READ_ONLY,
                C.WELLBEING: READ_WRITE,
                C.BUDGET: READ_ONLY,
            },
        )
    ]
