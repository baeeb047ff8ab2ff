"""Upstream identity providers: signing in through NHS login (people) or NHS CIS2 (staff)
instead of, or beside, a local password.

A deployment adds one with the plugin hook ``register_identity_providers``
(core/hookspecs.py, docs/plugins.md). The sign-in page shows a button per provider; auth/
does the round trip (a fresh ``state``, ``nonce`` and PKCE verifier per attempt, the state
checked on return) and the provider does the OpenID Connect part: where to send the browser,
and, when it comes back, which local account the upstream identity is.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .permissions import ConfigurationError

if TYPE_CHECKING:
    from .plugins import Plugins
    from .unit_of_work import UnitOfWork

__all__ = ["IdentityProvider", "UpstreamSignIn", "identity_providers"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class UpstreamSignIn:
    """One attempt to sign in upstream, from leaving Recovery Hub to coming back."""

    state: str  # ties the callback to this browser; checked before ``complete`` is called
    nonce: str  # for the ID token (OpenID Connect Core §3.1.2.1)
    code_verifier: str  # PKCE with the provider (send its S256 challenge)
    redirect_uri: str  # our callback: register it with the provider

    @property
    def code_challenge(self) -> str:
        """The S256 PKCE challenge for ``code_verifier`` (RFC 7636 §4.2)."""
        sha = hashlib.sha256(self.code_verifier.encode()).digest()
        return base64.urlsafe_b64encode(sha).decode().rstrip("=")


class IdentityProvider(Protocol):
    """What a plugin returns from ``register_identity_providers``."""

    name: str  # in URLs (/oauth/sign-in/<name>) and in the sign-in record: "nhs_login"
    title: str  # the button: "Continue with NHS login"

    def authorization_url(self, attempt: UpstreamSignIn) -> str:
        """Where to send the browser to sign in upstream."""
        ...

    def complete(
        self, attempt: UpstreamSignIn, params: Mapping[str, str], uow: UnitOfWork
    ) -> Awaitable[str | None]:
        """On return (``params``: the callback's query string): exchange the code, check the
        ID token, and answer the username of the local account it is, or None to refuse."""
        ...


def identity_providers(plugins: Plugins) -> dict[str, IdentityProvider]:
    """Every plugin's providers by name, checked once at start-up."""
    found: dict[str, IdentityProvider] = {}
    owner: dict[str, str] = {}
    for plugin, providers in plugins.implementations("register_identity_providers"):
        for provider in providers or []:
            name = getattr(provider, "name", None)
            if not isinstance(name, str) or not _NAME.match(name):
                raise ConfigurationError(
                    f"plugin {plugin!r}: identity provider name {name!r} must be 2 to 40 "
                    "lower-case letters, digits or '_'")
            if name in found:
                raise ConfigurationError(
                    f"identity provider {name!r} is registered by both plugin "
                    f"{owner[name]!r} and plugin {plugin!r}")
            found[name], owner[name] = provider, plugin
    return found
