"""GP practices: the SMI register and the annual physical health check."""

from __future__ import annotations

from core.categories import DataCategory as C
from core.hookspecs import hookimpl
from core.permissions import READ_ONLY, READ_WRITE, Role


@hookimpl
def register_roles() -> list[Role]:
    return [
        Role(
            name="gp.clinician",
            title="GP or practice nurse",
            description="Runs the SMI physical health check and follows it up.",
            permissions={
                C.IDENTITY: READ_ONLY,
                C.CONTACT: READ_ONLY,
                C.PHYSICAL_HEALTH: READ_WRITE,
                C.MENTAL_HEALTH: READ_ONLY,
                C.MEDICATION: READ_WRITE,
                C.RECOVERY_PLAN: READ_ONLY,
                C.WELLBEING: READ_ONLY,
                C.APPOINTMENTS: READ_WRITE,
                C.CONSENT: READ_ONLY,
            },
        )
    ]
