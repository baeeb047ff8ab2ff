"""Core's own behaviour, shipped as an internal plugin so that other plugins can override it."""

from __future__ import annotations

from .approvals import ApprovalStep
from .hookspecs import hookimpl

__all__ = ["ONE_SIGN_OFF"]

ONE_SIGN_OFF = [ApprovalStep(name="sign_off", title="One sign-off")]


@hookimpl(trylast=True)
def approval_steps() -> list[ApprovalStep]:
    """Without a plugin's delegated limits: one sign-off by any role that may approve."""
    return list(ONE_SIGN_OFF)
