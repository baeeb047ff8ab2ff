"""Errors a user can cause, each with a stable code and a message a person understands.

    DomainError                 base: code, message, field
    ├── InvalidInput            the input is wrong in itself (INVALID_NHS_NUMBER, EMPTY_TITLE, ...)
    ├── NotFound                NOT_FOUND: does not exist, or you may not know it exists
    ├── Forbidden               FORBIDDEN: you can see it but may not do this to it
    ├── InvalidTransition       INVALID_TRANSITION: not allowed from the current state
    └── Conflict                the world disagrees (POT_EXHAUSTED, ALREADY_APPROVED, ...)

Services raise these before changing anything; the unit of work rolls back, so a refused
request leaves the database as it was. The GraphQL layer maps them to ``userErrors``.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
]


class DomainError(Exception):
    default_code = "INVALID"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field


class InvalidInput(DomainError):
    default_code = "INVALID_INPUT"


class NotFound(DomainError):
    default_code = "NOT_FOUND"

    def __init__(self, what: str = "record", *, field: str | None = None):
        super().__init__(f"No {what} with that ID was found.", field=field)


class Forbidden(DomainError):
    default_code = "FORBIDDEN"


class InvalidTransition(DomainError):
    default_code = "INVALID_TRANSITION"


class Conflict(DomainError):
    default_code = "CONFLICT"
