"""Development tokens: a username signed with the server's secret (HMAC-SHA256).

Only a server started in development mode accepts them. They carry no expiry and no scopes:
they stand for "this demo user, fully", which is what exploring with GraphiQL needs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["issue_dev_token", "read_dev_token"]

_PREFIX = "rhdev"


def _sign(secret: str, username: str) -> str:
    return hmac.new(secret.encode(), f"{_PREFIX}:{username}".encode(), hashlib.sha256).hexdigest()


def issue_dev_token(secret: str, username: str) -> str:
    encoded = base64.urlsafe_b64encode(username.encode()).decode().rstrip("=")
    return f"{_PREFIX}.{encoded}.{_sign(secret, username)}"


def read_dev_token(secret: str, token: str) -> str | None:
    """The username in a valid token, or None."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != _PREFIX:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        username = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(parts[2], _sign(secret, username)):
        return None
    return username
