"""Scopes as a person sees them on the consent screen, and as a client may ask for them.

A request for ``patient/recovery_plan.rs patient/wellbeing.cru`` becomes two plain-English
choices, one per data category; the person ticks the ones they agree to, and the scope
granted keeps only those. A wildcard (``patient/*.rs``) is spelled out category by category,
so the person never agrees to "everything" without seeing what that is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.permissions import Action
from core.scopes import parse_scope

__all__ = ["CategoryChoice", "category_choices", "covers", "narrowed_scope", "scope_list"]

_WRITE = frozenset({Action.CREATE, Action.UPDATE, Action.APPROVE})


@dataclass(frozen=True)
class CategoryChoice:
    category: str
    description: str  # in the words a person reads (AccessRules.categories)
    changes: bool  # asks to add or change, not only to see


def scope_list(scope: str | None) -> list[str]:
    return (scope or "").split()


def _letters(scope: str) -> str:
    return scope.rsplit(".", 1)[1]


def covers(registered: Iterable[str], requested: str) -> bool:
    """Whether a client registered for ``registered`` may ask for ``requested``: the same
    context, the same category (or a registered ``*``), no permission letter more."""
    wanted = parse_scope(requested)
    if wanted is None:
        return False
    for scope in registered:
        have = parse_scope(scope)
        if (have is not None and have[0] == wanted[0] and have[1] in (wanted[1], "*")
                and set(_letters(requested)) <= set(_letters(scope))):
            return True
    return False


def category_choices(scope: str, categories: Mapping[str, str]) -> list[CategoryChoice]:
    """One choice per category the scope names, in the platform's order of categories."""
    actions: dict[str, set[Action]] = {}
    for item in scope_list(scope):
        parsed = parse_scope(item)
        if parsed is None:
            continue
        named = list(categories) if parsed[1] == "*" else [parsed[1]]
        for category in named:
            actions.setdefault(category, set()).update(parsed[2])
    return [CategoryChoice(category, description, bool(actions[category] & _WRITE))
            for category, description in categories.items() if category in actions]


def narrowed_scope(scope: str, chosen: Iterable[str], categories: Iterable[str]) -> str:
    """The scope the person granted: what was asked, for the chosen categories only."""
    keep = set(chosen)
    granted: list[str] = []
    for item in scope_list(scope):
        parsed = parse_scope(item)
        if parsed is None:
            continue
        context, category, _ = parsed
        if category == "*":
            granted += [f"{context}/{name}.{_letters(item)}" for name in categories
                        if name in keep]
        elif category in keep:
            granted.append(item)
    return " ".join(sorted(set(granted), key=granted.index))
