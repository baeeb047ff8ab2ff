"""The thin async Starlette adapter authlib lacks.

authlib's server is synchronous and framework-neutral: it wants an ``OAuth2Request`` and gives
back (status, body, headers). We build the request from Starlette's, then run authlib inside
``AsyncSession.run_sync``: its storage callbacks get a synchronous session on our async
connection (SQLAlchemy's greenlet bridge), so one request is one transaction, with no thread.

A refused request is rolled back; what must survive it (ending a grant whose code was used
twice) runs afterwards in its own transaction (auth/storage.py, ``later``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.models import utcnow
from core.unit_of_work import UnitOfWork

from .server import Answer, AuthorizationServer
from .storage import Store, using

__all__ = ["OAuthRequest", "OAuthService", "audience_of", "issuer_of", "to_response"]

T = TypeVar("T")

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def issuer_of(request: Request, configured: str | None) -> str:
    """Our identifier (RFC 8414 ``issuer``): the configured public URL, else this request's
    origin (fine on one host; set RECOVERY_HUB_ISSUER behind a proxy)."""
    if configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def audience_of(issuer: str) -> str:
    """The one API our tokens are good for."""
    return f"{issuer}/graphql"


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._data: dict[str, str] = {}
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._data.setdefault(key, value)
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class OAuthRequest(OAuth2Request):  # type: ignore[misc]
    """An authlib request from a Starlette one whose parameters were already read (query
    string for GET, the form body for POST)."""

    def __init__(self, request: Request, uri: str, params: Sequence[tuple[str, str]]) -> None:
        super().__init__(request.method, uri, headers=request.headers)
        self.payload = _Payload(params)
        self._params = dict(self.payload.data)

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return self._params


def to_response(answer: Answer) -> Response:
    if isinstance(answer.body, dict):
        headers = {name: value for name, value in answer.headers
                   if name.lower() != "content-type"}
        return JSONResponse(answer.body, status_code=answer.status,
                            headers={**headers, **_NO_STORE})
    return Response(answer.body or b"", status_code=answer.status,
                    headers=dict(answer.headers) | _NO_STORE)


def _insecure() -> Response:
    return JSONResponse({"error": "invalid_request",
                         "error_description": "OAuth needs HTTPS (or http to localhost)."},
                        status_code=400, headers=_NO_STORE)


@dataclass
class OAuthService:
    """What the OAuth routes share, built once per process."""

    server: AuthorizationServer
    uow: UnitOfWork
    configured_issuer: str | None

    def issuer(self, request: Request) -> str:
        return issuer_of(request, self.configured_issuer)

    def oauth_request(
        self, request: Request, params: Sequence[tuple[str, str]]
    ) -> OAuthRequest | Response:
        """authlib's request, or a 400 when it arrived over plain http from elsewhere."""
        query = f"?{request.url.query}" if request.url.query else ""
        try:
            return OAuthRequest(request, f"{self.issuer(request)}{request.url.path}{query}",
                                params)
        except InsecureTransportError:
            return _insecure()

    async def run(
        self, request: Request, call: Callable[[], T], *, write: bool
    ) -> tuple[T, Store]:
        """Run authlib in one transaction: committed if it wrote and did not fail, else
        rolled back; then what must outlive it (``store.later``)."""
        issuer = self.issuer(request)
        db = self.uow.db
        now = utcnow()

        def in_transaction(session: Session) -> tuple[T, Store]:
            with using(Store(session, now, issuer, audience_of(issuer))) as store:
                return call(), store

        async with db.write_session() if write else db.read_session() as session:
            try:
                result, store = await session.run_sync(in_transaction)
                # A rollback would expire the rows authlib answered with; a read-only
                # transaction commits nothing either way.
                if store.failed and write:
                    await session.rollback()
                else:
                    await session.commit()
            except BaseException:
                await session.rollback()
                raise
        for action in store.later:
            await action(self.uow)
        return result, store

    async def answer(
        self, request: Request, call: Callable[[OAuthRequest], Answer]
    ) -> Response:
        """Run a token, revocation or introspection request (form body) to the end."""
        if request.headers.get("content-type", "").split(";")[0].strip() != (
                "application/x-www-form-urlencoded"):
            return JSONResponse({"error": "invalid_request",
                                 "error_description": "Send the parameters as "
                                 "application/x-www-form-urlencoded."},
                                status_code=400, headers=_NO_STORE)
        form = await request.form()
        params = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
        oauth_request = self.oauth_request(request, params)
        if isinstance(oauth_request, Response):
            return oauth_request
        result, _ = await self.run(request, lambda: call(oauth_request), write=True)
        return to_response(result)
