"""The Advocacy Project: holds the fund and pays PHB direct payments, by the person's consent."""

from __future__ import annotations

from core.categories import DataCategory as C
from core.hookspecs import hookimpl
from core.permissions import READ_ONLY, READ_WRITE, Role


@hookimpl
def register_roles() -> list[Role]:
    return [
        Role(
            name="advocacy_project.phb_advisor",
            title="PHB advisor",
            description="Pays direct payments and monitors how they are spent.",
            permissions={
                C.IDENTITY: READ_ONLY,
                C.CONTACT: READ_ONLY,
                C.BUDGET: READ_WRITE,
            },
        )
    ]
