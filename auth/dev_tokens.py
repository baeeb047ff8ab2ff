"""Development tokens: a username signed with the server's secret (itsdangerous).

Only a server started in development mode accepts them. They carry no expiry and no scopes:
they stand for "this demo user, fully", which is what exploring with GraphiQL needs. The
prefix tells them apart from OAuth access tokens at a glance (and in logs).
"""

from __future__ import annotations

from itsdangerous import BadData, URLSafeSerializer

__all__ = ["issue_dev_token", "read_dev_token"]

_PREFIX = "rhdev."
# A salt of their own: a value signed for another purpose with the same secret is refused.
_SALT = "recovery-hub.dev-token"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def issue_dev_token(secret: str, username: str) -> str:
    return _PREFIX + _serializer(secret).dumps(username)


def read_dev_token(secret: str, token: str) -> str | None:
    """The username in a valid token, or None."""
    if not token.startswith(_PREFIX):
        return None
    try:
        username = _serializer(secret).loads(token.removeprefix(_PREFIX))
    except BadData:
        return None
    return username if isinstance(username, str) else None
