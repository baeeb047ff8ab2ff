"""Signing in: a password checked under throttling and lockout, and the browser session that
follows (the authorization pages of auth/ use it; the API itself takes bearer tokens only).

Throttling counts recent failures in ``login_attempt``, never in process memory, so every
worker and host agrees:

* an account with ``MAX_ACCOUNT_FAILURES`` failures in ``WINDOW`` since its last success is
  locked until the oldest of them is ``WINDOW`` old; while locked, passwords are not even
  checked (and the tries are not counted, so nobody can keep a person locked out forever
  just by trying, beyond one window at a time);
* an address with ``MAX_ADDRESS_FAILURES`` failures in ``WINDOW`` is refused for a while,
  whichever usernames it tries.

An attempt is written as failed *before* the password is checked and corrected afterwards,
so a burst of parallel guesses is counted in full.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import DomainError
from ..models import LoginAttempt, SignInSession, UserAccount, utcnow
from ..opaque_tokens import digest, new_secret
from ..passwords import hash_password, needs_rehash, verify_password
from ..unit_of_work import UnitOfWork

__all__ = [
    "MAX_ACCOUNT_FAILURES",
    "MAX_ADDRESS_FAILURES",
    "SESSION_LIFETIME",
    "WINDOW",
    "SignInRefused",
    "SignedIn",
    "account_for_session",
    "end_session",
    "sign_in_with_password",
    "start_session",
]

MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 30
WINDOW = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(minutes=30)
_KEEP_ATTEMPTS = dt.timedelta(days=1)


class SignInRefused(DomainError):
    """WRONG_CREDENTIALS, ACCOUNT_LOCKED or TOO_MANY_ATTEMPTS; never says which of username
    and password was wrong."""

    def __init__(self, message: str, *, code: str, retry_after: dt.timedelta | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


def _minutes(delta: dt.timedelta) -> str:
    minutes = max(1, int(-(-delta.total_seconds() // 60)))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class SignedIn:
    account: UserAccount
    # The browser session's secret: goes in a cookie, never stored.
    session_token: str


async def _refuse_if_throttled(
    session: AsyncSession, username: str, remote_address: str | None, now: dt.datetime
) -> None:
    since = now - WINDOW
    last_success = await session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)))
    failures = list(await session.scalars(
        select(LoginAttempt.attempted_at).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > max(since, last_success or since))
        .order_by(LoginAttempt.attempted_at)))
    if len(failures) >= MAX_ACCOUNT_FAILURES:
        wait = failures[-MAX_ACCOUNT_FAILURES] + WINDOW - now
        raise SignInRefused(
            "There have been too many tries to sign in to this account, so we have paused it "
            f"to keep it safe. Try again in {_minutes(wait)}.",
            code="ACCOUNT_LOCKED", retry_after=wait)
    if remote_address is not None:
        from_address = await session.scalar(
            select(func.count()).select_from(LoginAttempt).where(
                LoginAttempt.remote_address == remote_address,
                LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > since))
        if (from_address or 0) >= MAX_ADDRESS_FAILURES:
            raise SignInRefused(
                "There have been too many tries to sign in from this connection. "
                f"Try again in {_minutes(WINDOW)}.", code="TOO_MANY_ATTEMPTS",
                retry_after=WINDOW)


async def sign_in_with_password(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    remote_address: str | None,
    now: dt.datetime | None = None,
) -> SignedIn:
    """Check a password and start a browser session, or raise ``SignInRefused``."""
    now = now or utcnow()
    username = username.strip().lower()[:100]
    async with uow.begin() as tx:
        # Serialises attempts on one account (PostgreSQL; SQLite's write lock already does).
        account = await tx.session.scalar(
            select(UserAccount).where(UserAccount.username == username).with_for_update())
        await _refuse_if_throttled(tx.session, username, remote_address, now)
        await tx.session.execute(delete(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.attempted_at < now - _KEEP_ATTEMPTS))
        attempt = LoginAttempt(username=username, remote_address=remote_address,
                               succeeded=False, attempted_at=now)
        tx.session.add(attempt)
    # Argon2 takes a while and releases the GIL: keep the event loop (and the lock) free.
    stored_hash = account.password_hash if account else None
    if account is None or not await asyncio.to_thread(verify_password, stored_hash, password):
        raise SignInRefused("The username or password is not right. Check them and try again.",
                            code="WRONG_CREDENTIALS")
    rehashed = (await asyncio.to_thread(hash_password, password)
                if stored_hash and needs_rehash(stored_hash) else None)
    token = new_secret("rhss")
    async with uow.begin() as tx:
        await tx.session.execute(
            update(LoginAttempt).where(LoginAttempt.id == attempt.id).values(succeeded=True))
        if rehashed is not None:
            await tx.session.execute(update(UserAccount).where(UserAccount.id == account.id)
                                     .values(password_hash=rehashed))
        await _add_session(tx.session, account.id, token, "password", now)
    return SignedIn(account, token)


async def _add_session(
    session: AsyncSession, account_id: int, token: str, method: str, now: dt.datetime
) -> None:
    # The account's finished sessions go as a new one starts: the table stays small.
    await session.execute(delete(SignInSession).where(
        SignInSession.account_id == account_id, SignInSession.expires_at < now))
    session.add(SignInSession(token_digest=digest(token), account_id=account_id, method=method,
                              expires_at=now + SESSION_LIFETIME, created_at=now))


async def start_session(
    uow: UnitOfWork, *, username: str, method: str, now: dt.datetime | None = None
) -> SignedIn | None:
    """A browser session for an account that signed in elsewhere (an upstream identity
    provider, ``method`` naming it); None when no such account exists here."""
    now = now or utcnow()
    token = new_secret("rhss")
    async with uow.begin() as tx:
        account = await tx.session.scalar(
            select(UserAccount).where(UserAccount.username == username.strip().lower()))
        if account is None:
            return None
        await _add_session(tx.session, account.id, token, method, now)
    return SignedIn(account, token)


async def account_for_session(
    session: AsyncSession, token: str, now: dt.datetime | None = None
) -> UserAccount | None:
    """The account a live browser session belongs to."""
    now = now or utcnow()
    return await session.scalar(
        select(UserAccount).join(SignInSession, SignInSession.account_id == UserAccount.id)
        .where(SignInSession.token_digest == digest(token), SignInSession.expires_at > now,
               SignInSession.ended_at.is_(None)))


async def end_session(uow: UnitOfWork, token: str, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    async with uow.begin() as tx:
        await tx.session.execute(
            update(SignInSession).where(
                SignInSession.token_digest == digest(token), SignInSession.ended_at.is_(None))
            .values(ended_at=now))
