"""Opaque secrets we hand out (codes, tokens, client secrets, session cookies) and the
digests we keep of them.

Each is 256 random bits with a short prefix naming what it is (``rhat_`` an access token), so
a leaked one is recognisable (secret scanners, logs) and one kind is never taken for another.
We store only the SHA-256: a database leak gives away nothing that works, and because the
secret is random, not chosen by a person, a fast hash is enough.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["digest", "new_secret"]


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    """The hex SHA-256 we store and look up by."""
    return hashlib.sha256(secret.encode()).hexdigest()
