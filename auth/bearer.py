"""Reading the bearer token of a request (RFC 6750), from the Authorization header only:
never from the query string or the body, where it would end up in logs and histories."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from core.principal import Principal
from core.services.accounts import principal_for_username

from .access_tokens import ACCESS_TOKEN_PREFIX, TokenRefused, principal_for_access_token
from .dev_tokens import read_dev_token

__all__ = ["InvalidToken", "authenticate"]


class InvalidToken(Exception):
    """The request carried a token we do not accept: answer 401, never guess."""


def _bearer(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("use the Authorization header: Bearer <token>")
    return token.strip()


async def authenticate(
    connection: HTTPConnection,
    session: AsyncSession,
    *,
    dev_secret: str | None,
    audience: str | None = None,
) -> Principal:
    """The principal a request acts as; anonymous when it carries no token.

    OAuth access tokens always work (for ``audience``: this API); development tokens only
    when the server runs in development mode (``dev_secret``)."""
    token = _bearer(connection)
    if token is None:
        return Principal.anonymous()
    if token.startswith(ACCESS_TOKEN_PREFIX) and audience is not None:
        try:
            return await principal_for_access_token(session, token, audience=audience)
        except TokenRefused as refused:
            raise InvalidToken(str(refused)) from None
    username = read_dev_token(dev_secret, token) if dev_secret else None
    if username is None:
        raise InvalidToken("the token is not valid here")
    principal = await principal_for_username(session, username)
    if principal is None:
        raise InvalidToken("the token's account no longer exists")
    return principal
