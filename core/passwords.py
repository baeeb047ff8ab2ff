"""Password hashing with Argon2id (argon2-cffi's defaults: the RFC 9106 low-memory profile).

Checking a password costs tens of milliseconds on purpose. An unknown username is checked
against a dummy hash, so the time taken does not tell anyone which usernames exist.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import InvalidInput

__all__ = ["MIN_PASSWORD_LENGTH", "check_new_password", "hash_password", "needs_rehash",
           "verify_password"]

# NCSC and NIST SP 800-63B: length, not composition rules.
MIN_PASSWORD_LENGTH = 10
_MAX_PASSWORD_LENGTH = 200

_HASHER = PasswordHasher()


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.",
                           code="PASSWORD_TOO_SHORT", field="password")
    if len(password) > _MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"Choose a password of at most {_MAX_PASSWORD_LENGTH} characters.",
                           code="PASSWORD_TOO_LONG", field="password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("not anyone's password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. An account without a password never matches."""
    if len(password) > _MAX_PASSWORD_LENGTH:
        return False
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)
