"""Access policies that tests build without a signed-in user, with the world's rules."""

from __future__ import annotations

import datetime as dt

from core.policy import AccessPolicy
from core.principal import Principal

from .world import RULES

__all__ = ["anonymous", "as_of", "system"]


def system() -> AccessPolicy:
    return AccessPolicy(Principal.system(), RULES)


def anonymous() -> AccessPolicy:
    return AccessPolicy(Principal.anonymous(), RULES)


def as_of(policy: AccessPolicy, now: dt.datetime) -> AccessPolicy:
    """A fresh policy of the same principal and rules, deciding as at ``now``."""
    return AccessPolicy(policy.principal, policy.rules, now=now)
