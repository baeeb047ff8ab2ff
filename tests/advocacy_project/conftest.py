"""Fixtures for The Advocacy Project's tests: ELFT's world (tests/elft), on both backends, plus
an advisor Ngozi consented to, and one in another organisation she did not consent to."""

from __future__ import annotations

from tests.elft.conftest import client, elft, uow  # noqa: F401  (fixtures)
