"""The OAuth 2 authorization server: authlib, configured and subclassed to OAuth 2.1 and the
Security BCP (RFC 9700).

authlib's defaults are looser than ours, so each is tightened here:

* PKCE is required of *every* client (authlib: public ones only) and only ``S256`` is
  accepted (authlib also takes ``plain``, and assumes it when no method is sent);
* ``redirect_uri`` is required and must equal a registered one exactly (authlib falls back to
  a default URI);
* codes are single-use even under concurrency, and a second redemption revokes what the first
  one issued (authlib deletes the code, so cannot tell reuse from a made-up code);
* refresh tokens rotate, and presenting a spent one revokes the whole grant;
* client credentials get no more than the client's registration, and no refresh token;
* no implicit grant, no password grant: they are never registered.

Storage is auth/storage.py; the Starlette adapter is auth/adapter.py.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any

from authlib.oauth2 import rfc6749, rfc7009, rfc7636, rfc7662, rfc9207
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
)
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge

from core.models import AuthorizationCode, ConsentStatus, OAuthClient, OAuthGrant
from core.opaque_tokens import digest, new_secret
from core.scopes import parse_scope

from . import storage
from .scope_choices import covers, scope_list

__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "CODE_LIFETIME",
    "REFRESH_TOKEN_LIFETIME",
    "Answer",
    "Approval",
    "AuthorizationServer",
    "Client",
]

CODE_LIFETIME = dt.timedelta(seconds=60)
ACCESS_TOKEN_LIFETIME = dt.timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=30)


@dataclass
class Answer:
    """An HTTP answer from authlib, before the adapter turns it into a Starlette response.
    ``location`` is what authlib's RFC 9207 extension adds ``iss`` to."""

    status: int
    body: Any
    headers: list[tuple[str, str]]

    @property
    def location(self) -> str | None:
        return next((value for name, value in self.headers if name.lower() == "location"), None)

    @location.setter
    def location(self, value: str) -> None:
        self.headers = [(n, v) for n, v in self.headers if n.lower() != "location"]
        self.headers.append(("Location", value))


@dataclass(frozen=True)
class Approval:
    """What the person (or staff member) allowed on the consent screen: authlib's
    ``grant_user`` on the authorization endpoint."""

    account_id: int
    consent_id: int | None
    scope: str


@dataclass(frozen=True)
class GrantHolder:
    """authlib's ``user`` at the token endpoint: the grant the tokens belong to."""

    grant_id: int
    account_id: int


class Client(rfc6749.ClientMixin):  # type: ignore[misc]
    """A registered client, as authlib asks about it."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row
        self.client_id = row.client_id

    @property
    def public(self) -> bool:
        return self.row.secret_digest is None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # the redirect URI is always required

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """All it registered for when it asks for nothing; None (``invalid_scope``) when it
        asks for anything it never registered for."""
        if not scope:
            return " ".join(self.row.scopes)
        if all(covers(self.row.scopes, item) for item in scope_list(scope)):
            return " ".join(scope_list(scope))
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.row.secret_digest
        return stored is not None and hmac.compare_digest(stored, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and not self.row.system

    def check_grant_type(self, grant_type: str) -> bool:
        if self.row.system:
            return grant_type == "client_credentials"
        return grant_type in ("authorization_code", "refresh_token")


class _Code(rfc6749.AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: AuthorizationCode, grant: OAuthGrant) -> None:
        self.row = row
        self.grant = grant
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class _Token(rfc6749.TokenMixin):  # type: ignore[misc]
    def __init__(self, record: storage.TokenRecord, *, refresh: bool) -> None:
        self.record = record
        self.refresh = refresh

    def check_client(self, client: Client) -> bool:
        return bool(self.record.token.client_id == client.client_id)

    def get_scope(self) -> str:
        return self.record.token.scope

    def get_expires_in(self) -> int:
        return int(ACCESS_TOKEN_LIFETIME.total_seconds())

    def is_expired(self) -> bool:
        token, now = self.record.token, storage.current().now
        expires = token.refresh_expires_at if self.refresh else token.access_expires_at
        return expires is None or expires <= now

    def is_revoked(self) -> bool:
        record, now = self.record, storage.current().now
        return bool(
            record.token.revoked_at is not None
            or (self.refresh and record.token.refreshed_at is not None)
            or record.client.removed_at is not None
            or (record.grant is not None and record.grant.revoked_at is not None)
            or (record.consent is not None
                and record.consent.status_at(now) is not ConsentStatus.ACTIVE)
        )

    def get_user(self) -> GrantHolder | None:
        grant = self.record.grant
        return GrantHolder(grant.id, grant.account_id) if grant else None

    def get_client(self) -> Client:
        return Client(self.record.client)


class _S256Only(rfc7636.CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, S256 only (RFC 9700 §2.1.1, OAuth 2.1 §4.1.1)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError(
                "PKCE is required: send code_challenge and code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier': PKCE is required.")
        super().validate_code_verifier(grant, result)


class _AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: Client) -> str:
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri:
            raise InvalidRequestError("Missing 'redirect_uri' in request.")
        if not client.check_redirect_uri(redirect_uri):
            raise InvalidRequestError("The 'redirect_uri' is not registered for this client.")
        return str(redirect_uri)

    def save_authorization_code(self, code: str, request: Any) -> None:
        approval: Approval = request.user
        data = request.payload.data
        storage.current().add_grant_with_code(
            client_id=request.client.client_id, account_id=approval.account_id,
            consent_id=approval.consent_id, scope=approval.scope, code=code,
            redirect_uri=request.payload.redirect_uri,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"], lifetime=CODE_LIFETIME)

    def query_authorization_code(self, code: str, client: Client) -> _Code | None:
        store = storage.current()
        found = store.code(code, client.client_id)
        if found is None:
            return None
        row, grant = found
        if row.used_at is not None:
            # RFC 6749 §4.1.2 / RFC 9700 §4.2.1: someone else may hold the tokens it gave.
            store.end_grant_later(grant.id, "code_reused")
            raise InvalidGrantError("The authorization code has already been used.")
        if row.expires_at <= store.now:
            raise InvalidGrantError("The authorization code has expired.")
        if not store.grant_is_live(grant):
            raise InvalidGrantError("The person has taken back what the code was for.")
        return _Code(row, grant)

    def create_token_response(self) -> tuple[int, Any, Any]:
        code: _Code = self.request.authorization_code
        store = storage.current()
        if not store.claim_code(code.row):
            store.end_grant_later(code.grant.id, "code_reused")
            raise InvalidGrantError("The authorization code has already been used.")
        return super().create_token_response()  # type: ignore[no-any-return]

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        """Kept, marked used: a second redemption must be recognised as one."""

    def authenticate_user(self, authorization_code: _Code) -> GrantHolder:
        grant = authorization_code.grant
        return GrantHolder(grant.id, grant.account_id)


class _RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation (RFC 9700 §4.14.2)

    def authenticate_refresh_token(self, refresh_token: str) -> _Token | None:
        store = storage.current()
        record = store.token(refresh_token, refresh=True)
        if record is None:
            return None
        token = _Token(record, refresh=True)
        if record.token.refreshed_at is not None and record.grant is not None:
            store.end_grant_later(record.grant.id, "refresh_token_reused")
            raise InvalidGrantError("The refresh token has already been used.")
        if token.is_expired():
            raise InvalidGrantError("The refresh token has expired.")
        if token.is_revoked() or record.grant is None:
            raise InvalidGrantError("The refresh token has been revoked.")
        return token

    def create_token_response(self) -> tuple[int, Any, Any]:
        token: _Token = self.request.refresh_token
        store = storage.current()
        if not store.claim_refresh_token(token.record.token):
            assert token.record.grant is not None
            store.end_grant_later(token.record.grant.id, "refresh_token_reused")
            raise InvalidGrantError("The refresh token has already been used.")
        return super().create_token_response()  # type: ignore[no-any-return]

    def authenticate_user(self, refresh_token: _Token) -> GrantHolder | None:
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token: _Token) -> None:
        """Already spent by ``create_token_response``; its access token lives out its
        (short) life so that requests in flight do not fail."""


class _ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """System integrations: confidential clients, their registered scopes at most."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_token_request(self) -> None:
        super().validate_token_request()
        allowed = self.request.client.get_allowed_scope(self.request.payload.scope)
        if allowed is None:
            raise InvalidScopeError("The client is not registered for that scope.")
        self.request.scope = allowed

    def create_token_response(self) -> tuple[int, Any, Any]:
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class _TokenLookup:
    SUPPORTED_TOKEN_TYPES = ("access_token", "refresh_token")

    def query_token(self, token_string: str, token_type_hint: str | None) -> _Token | None:
        store = storage.current()
        order = [True, False] if token_type_hint == "refresh_token" else [False, True]
        for refresh in order:
            record = store.token(token_string, refresh=refresh)
            if record is not None:
                return _Token(record, refresh=refresh)
        return None


class _Revocation(_TokenLookup, rfc7009.RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009. Revoking either token of a grant ends the grant, every token it issued and
    the consent it carries: "revoking either ends both" (DESIGN.md)."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def revoke_token(self, token: _Token, request: Any) -> None:
        store = storage.current()
        if token.record.grant is not None:
            store.end_grant_later(token.record.grant.id, "revoked_by_client")
        else:
            store.revoke_token(token.record.token)


class _Introspection(_TokenLookup, rfc7662.IntrospectionEndpoint):  # type: ignore[misc]
    """RFC 7662, for confidential clients, about their own tokens."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def check_permission(self, token: _Token, client: Client, request: Any) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: _Token) -> dict[str, Any]:
        row, store = token.record.token, storage.current()
        expires = row.refresh_expires_at if token.refresh else row.access_expires_at
        answer: dict[str, Any] = {
            "active": True,
            "client_id": row.client_id,
            "scope": row.scope,
            "token_type": "refresh_token" if token.refresh else "Bearer",
            "iat": int(row.created_at.timestamp()),
            "exp": int(expires.timestamp()) if expires else None,
            "iss": store.issuer,
            "aud": row.audience,
        }
        if token.record.grant is not None:
            answer["sub"] = f"account/{token.record.grant.account_id}"
        return answer


class _Issuer(rfc9207.IssuerParameter):  # type: ignore[misc]
    def get_issuer(self) -> str:
        return storage.current().issuer


class AuthorizationServer(rfc6749.AuthorizationServer):  # type: ignore[misc]
    """One per process; every request brings its own store (``storage.using``)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_token_generator("default", self._generate_token)
        self.register_grant(_AuthorizationCodeGrant, [_S256Only(required=True)])
        self.register_grant(_RefreshTokenGrant)
        self.register_grant(_ClientCredentialsGrant)
        self.register_endpoint(_Revocation)
        self.register_endpoint(_Introspection)
        self.register_extension(_Issuer())

    def query_client(self, client_id: str) -> Client | None:
        row = storage.current().client(client_id)
        return Client(row) if row is not None else None

    def validate_requested_scope(self, scope: str | None) -> None:
        if any(parse_scope(item) is None for item in scope_list(scope)):
            raise InvalidScopeError("Scopes look like patient/recovery_plan.rs.")

    @staticmethod
    def _generate_token(grant_type: str, client: Client, user: Any = None,
                        scope: str | None = None, expires_in: int | None = None,
                        include_refresh_token: bool = True) -> dict[str, Any]:
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": new_secret("rhat"),
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            "scope": scope or "",
        }
        if include_refresh_token:
            token["refresh_token"] = new_secret("rhrt")
        return token

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        holder: GrantHolder | None = request.user
        storage.current().add_token(
            access_token=token["access_token"], refresh_token=token.get("refresh_token"),
            client_id=request.client.client_id,
            grant_id=holder.grant_id if holder else None, scope=token["scope"],
            access_lifetime=ACCESS_TOKEN_LIFETIME, refresh_lifetime=REFRESH_TOKEN_LIFETIME)

    def create_oauth2_request(self, request: Any) -> Any:
        return request  # the adapter builds it

    def handle_response(self, status: int, body: Any, headers: Any) -> Answer:
        return Answer(status, body, list(headers))

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Answer:
        storage.current().failed = True
        return super().handle_error_response(request, error)  # type: ignore[no-any-return]

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: everything worth knowing is in the database or the audit trail."""
