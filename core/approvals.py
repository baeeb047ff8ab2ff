"""What a budget request needs before it is approved, and what a PHB may not buy.

Plugins decide both (hooks ``approval_steps`` and ``validate_budget_item``); core applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ApprovalStep", "ItemProblem"]


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    """One sign-off, by one person holding one of ``roles`` (None: any role that may approve
    budgets) in a team that cares for the person."""

    name: str
    title: str
    roles: frozenset[str] | None = None

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "title": self.title,
                "roles": sorted(self.roles) if self.roles is not None else None}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ApprovalStep:
        roles = data.get("roles")
        return cls(name=str(data["name"]), title=str(data["title"]),
                   roles=frozenset(roles) if isinstance(roles, list) else None)


@dataclass(frozen=True, slots=True)
class ItemProblem:
    """Why an item cannot be funded: a stable code and words for the person."""

    code: str
    message: str
