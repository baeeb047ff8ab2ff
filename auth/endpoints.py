"""The endpoints apps call directly (no browser): all form-encoded POSTs answering JSON.

    POST /oauth/token        RFC 6749 §3.2: codes, refresh tokens, client credentials
    POST /oauth/revoke       RFC 7009
    POST /oauth/introspect   RFC 7662
    GET  /.well-known/oauth-authorization-server   RFC 8414 metadata
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .adapter import audience_of
from .site import OAuthSite

__all__ = ["endpoint_routes", "metadata"]

_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def metadata(issuer: str) -> dict[str, Any]:
    """What an app needs to find its way (RFC 8414 §2)."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token",
                                  "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": _AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": _AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": _AUTH_METHODS[:2],
        "authorization_response_iss_parameter_supported": True,  # RFC 9207
    }


class _Endpoints:
    def __init__(self, site: OAuthSite) -> None:
        self.site = site
        self.server = site.service.server

    async def token(self, request: Request) -> Response:
        # RFC 8707: a token for some other API is not ours to give.
        form = await request.form()
        resource = form.get("resource")
        if resource is not None and resource != audience_of(self.site.service.issuer(request)):
            return JSONResponse({"error": "invalid_target",
                                 "error_description": "Tokens from here are for this API only."},
                                status_code=400, headers={"Cache-Control": "no-store"})
        return await self.site.service.answer(request, self.server.create_token_response)

    async def revoke(self, request: Request) -> Response:
        return await self.site.service.answer(
            request, lambda r: self.server.create_endpoint_response("revocation", r))

    async def introspect(self, request: Request) -> Response:
        return await self.site.service.answer(
            request, lambda r: self.server.create_endpoint_response("introspection", r))

    async def metadata(self, request: Request) -> Response:
        return JSONResponse(metadata(self.site.service.issuer(request)),
                            headers={"Cache-Control": "public, max-age=3600"})


def endpoint_routes(site: OAuthSite) -> list[Route]:
    endpoints = _Endpoints(site)
    return [
        Route("/oauth/token", endpoints.token, methods=["POST"]),
        Route("/oauth/revoke", endpoints.revoke, methods=["POST"]),
        Route("/oauth/introspect", endpoints.introspect, methods=["POST"]),
        Route("/.well-known/oauth-authorization-server", endpoints.metadata, methods=["GET"]),
    ]
