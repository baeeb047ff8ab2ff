"""What the authorization pages need from the browser: the sign-in cookie, protection against
cross-site requests, and the headers every page goes out with.

* The session cookie holds a random secret (we keep its digest): HttpOnly, SameSite=Lax,
  scoped to /oauth, Secure over HTTPS.
* Forms carry a CSRF token. Once signed in, it is derived from the session secret, which
  another site cannot read; before, it is a random value also set in a cookie (double submit),
  which another site cannot set.
* Pages may not be framed (clickjacking a consent screen would be an attack on consent
  itself), load nothing but their own stylesheet, and may only post to us — and, for the
  consent form, be redirected on to the app's registered address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .pages import STYLE_HASH, problem_page

__all__ = [
    "SESSION_COOKIE",
    "clear_session_cookie",
    "csrf_for_session",
    "csrf_is_valid",
    "expired_form",
    "html",
    "keep_pre_session_csrf",
    "pre_session_csrf",
    "session_token",
    "set_session_cookie",
]

SESSION_COOKIE = "rh_session"
_CSRF_COOKIE = "rh_csrf"
_PATH = "/oauth"


def _secure(request: Request, issuer: str) -> bool:
    return issuer.startswith("https://") or request.url.scheme == "https"


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def set_session_cookie(response: Response, request: Request, issuer: str, token: str,
                       max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path=_PATH, httponly=True,
                        samesite="lax", secure=_secure(request, issuer))


def clear_session_cookie(response: Response, request: Request, issuer: str) -> None:
    response.delete_cookie(SESSION_COOKIE, path=_PATH, httponly=True, samesite="lax",
                           secure=_secure(request, issuer))


def csrf_for_session(token: str) -> str:
    return hashlib.sha256(f"csrf:{token}".encode()).hexdigest()[:43]


def pre_session_csrf(request: Request) -> str:
    """The double-submit value for forms shown before sign-in (reused while the cookie
    lasts, so that two open tabs both work)."""
    return request.cookies.get(_CSRF_COOKIE) or secrets.token_urlsafe(32)


def keep_pre_session_csrf(response: Response, request: Request, issuer: str,
                          value: str) -> None:
    response.set_cookie(_CSRF_COOKIE, value, max_age=3600, path=_PATH, httponly=True,
                        samesite="lax", secure=_secure(request, issuer))


def csrf_is_valid(request: Request, submitted: str | None) -> bool:
    if not submitted:
        return False
    token = session_token(request)
    expected = [csrf_for_session(token)] if token else []
    if cookie := request.cookies.get(_CSRF_COOKIE):
        expected.append(cookie)
    return any(hmac.compare_digest(submitted, value) for value in expected)


def _form_target(redirect_uri: str) -> str:
    """The CSP source for the app's redirect URI: its origin, or its private-use scheme."""
    parts = urlsplit(redirect_uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def html(body: str, *, status: int = 200, redirect_uri: str | None = None) -> HTMLResponse:
    form_action = "'self'" + (f" {_form_target(redirect_uri)}" if redirect_uri else "")
    return HTMLResponse(body, status_code=status, headers={
        "Content-Security-Policy": (
            f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'self'; "
            f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    })


def expired_form() -> HTMLResponse:
    """A form without a valid CSRF token: maybe old, maybe posted by another site."""
    return html(problem_page(
        "This page has expired",
        "For your safety, we could not use that form. Go back to the app and start again."),
        status=403)
