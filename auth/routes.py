"""Every route of the authorization server, for the composition root to mount."""

from __future__ import annotations

from starlette.routing import Route

from core.identity_providers import identity_providers
from core.permissions import AccessRules
from core.plugins import Plugins
from core.unit_of_work import UnitOfWork

from .adapter import OAuthService
from .authorization_endpoint import authorization_routes
from .endpoints import endpoint_routes
from .server import AuthorizationServer
from .sign_in import sign_in_routes
from .site import OAuthSite

__all__ = ["oauth_routes"]


def oauth_routes(
    uow: UnitOfWork,
    rules: AccessRules,
    plugins: Plugins,
    *,
    issuer: str | None = None,
    password_sign_in: bool = True,
) -> list[Route]:
    """``issuer``: our public URL (RECOVERY_HUB_ISSUER); by default each request's origin."""
    site = OAuthSite(service=OAuthService(AuthorizationServer(), uow, issuer), rules=rules,
                     providers=identity_providers(plugins), password_sign_in=password_sign_in)
    return [*endpoint_routes(site), *authorization_routes(site), *sign_in_routes(site)]
