"""The Advocacy Project's settings, read from ``[plugins.advocacy_project.settings]``."""

from __future__ import annotations

from dataclasses import dataclass

from core.plugin_config import SettingError

__all__ = ["AdvocacySettings"]


@dataclass(frozen=True)
class AdvocacySettings:
    # The first review is due this many days after the first payment (the regulations: 3 months).
    first_review_within_days: int = 90
    # Then a review at least this often.
    review_every_days: int = 365
    # Paid money without receipts for this many days is flagged as building up unspent.
    unspent_after_days: int = 90

    def __post_init__(self) -> None:
        for key in ("first_review_within_days", "review_every_days", "unspent_after_days"):
            if getattr(self, key) <= 0:
                raise SettingError(key, "a whole number above 0", getattr(self, key))
