"""What the authorization pages and endpoints share, built once per process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.identity_providers import IdentityProvider
from core.models import Person, UserAccount
from core.permissions import AccessRules
from core.unit_of_work import UnitOfWork

from .adapter import OAuthService

__all__ = ["AUTHORIZATION_FIELDS", "OAuthSite", "authorize_url", "display_name",
           "is_authorize_url"]

# The parameters of an authorization request that the pages carry from form to form.
AUTHORIZATION_FIELDS = ("response_type", "client_id", "redirect_uri", "scope", "state",
                        "code_challenge", "code_challenge_method")


@dataclass
class OAuthSite:
    service: OAuthService
    rules: AccessRules
    providers: Mapping[str, IdentityProvider]
    password_sign_in: bool

    @property
    def uow(self) -> UnitOfWork:
        return self.service.uow


def authorize_url(fields: Mapping[str, str]) -> str:
    """Back to the authorization endpoint with the same request (after signing in)."""
    kept = [(name, fields[name]) for name in AUTHORIZATION_FIELDS if fields.get(name)]
    return f"/oauth/authorize?{urlencode(kept)}"


def is_authorize_url(url: str) -> bool:
    """Only ever send a browser on to our own authorization endpoint (no open redirect)."""
    parts = urlsplit(url)
    return (not parts.scheme and not parts.netloc and parts.path == "/oauth/authorize"
            and "\\" not in url)


async def display_name(session: AsyncSession, account: UserAccount) -> str:
    """How the pages greet someone: their name, else their username."""
    if account.display_name:
        return account.display_name
    if account.person_id is not None:
        person = await session.scalar(select(Person).where(Person.id == account.person_id))
        if person is not None:
            return person.display_name
    return account.username
