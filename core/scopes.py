"""OAuth scopes in the SMART v2 style over our data categories.

``patient/recovery_plan.rs`` — context ``patient``, ``user`` or ``system``; a data category (or
``*``); then the permissions: c(reate), r(ead), u(pdate), d(elete), s(earch). A client's scopes
can only narrow what the policy already allows its user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .permissions import Action

__all__ = ["actions_granted_by_scopes", "parse_scope"]

_SCOPE = re.compile(r"^(patient|user|system)/([a-z_*][a-z0-9_]*|\*)\.([cruds]+)$")
_LETTERS = {
    "c": {Action.CREATE},
    "r": {Action.READ},
    "s": {Action.READ},
    # Approving changes the state of a budget request: an update, in SMART terms.
    "u": {Action.UPDATE, Action.APPROVE},
    "d": set(),
}


def parse_scope(scope: str) -> tuple[str, str, frozenset[Action]] | None:
    """``(context, category, actions)``, or None for a scope that is not a data scope."""
    match = _SCOPE.match(scope)
    if match is None:
        return None
    context, category, letters = match.groups()
    actions: set[Action] = set()
    for letter in letters:
        actions |= _LETTERS[letter]
    return context, category, frozenset(actions)


def actions_granted_by_scopes(scopes: Iterable[str], category: str) -> frozenset[Action]:
    granted: set[Action] = set()
    for scope in scopes:
        parsed = parse_scope(scope)
        if parsed is not None and parsed[1] in (category, "*"):
            granted |= parsed[2]
    return frozenset(granted)
