"""Sign-in accounts and the principal each one acts as."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import Person, StaffMember, UserAccount
from ..passwords import check_new_password, hash_password
from ..policy import AccessPolicy
from ..principal import Principal, PrincipalKind
from ..unit_of_work import UnitOfWork
from ._common import optional_text
from .organisations import staff_principal

__all__ = [
    "create_account",
    "principal_for_account",
    "principal_for_username",
    "set_password",
]


async def create_account(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    username: str,
    person_id: int | None = None,
    staff_member_id: int | None = None,
    password_hash: str | None = None,
    display_name: str | None = None,
) -> UserAccount:
    """An account for a person, a staff member, or (with neither) a carer or representative."""
    if policy.principal.kind is not PrincipalKind.SYSTEM:
        raise Forbidden("Only an operator can create accounts.")
    if person_id is not None and staff_member_id is not None:
        raise InvalidInput("An account belongs to one person or one staff member, not both.",
                           code="INVALID_ACCOUNT_OWNER")
    username = username.strip().lower()
    if not username or len(username) > 100:
        raise InvalidInput("Please give a username of 1 to 100 characters.",
                           code="INVALID_USERNAME", field="username")
    account = UserAccount(username=username, person_id=person_id,
                          staff_member_id=staff_member_id, password_hash=password_hash,
                          display_name=optional_text(display_name, field="displayName",
                                                     what="a name", max_length=200))
    async with uow.begin() as tx:
        if person_id is not None:
            if await tx.session.get(Person, person_id) is None:
                raise NotFound("person", field="personId")
            if await tx.session.scalar(
                select(UserAccount.id).where(UserAccount.person_id == person_id)
            ):
                raise Conflict("This person already has an account.",
                               code="ALREADY_HAS_ACCOUNT", field="personId")
        if staff_member_id is not None:
            if await tx.session.get(StaffMember, staff_member_id) is None:
                raise NotFound("staff member", field="staffMemberId")
            if await tx.session.scalar(
                select(UserAccount.id).where(UserAccount.staff_member_id == staff_member_id)
            ):
                raise Conflict("This staff member already has an account.",
                               code="ALREADY_HAS_ACCOUNT", field="staffMemberId")
        if await tx.session.scalar(select(UserAccount.id).where(UserAccount.username == username)):
            raise Conflict("That username is taken.", code="USERNAME_TAKEN", field="username")
        tx.session.add(account)
    return account


async def set_password(
    uow: UnitOfWork, policy: AccessPolicy, *, username: str, password: str
) -> UserAccount:
    """Give an account a password (Argon2id-hashed), replacing any it had."""
    if policy.principal.kind is not PrincipalKind.SYSTEM:
        raise Forbidden("Only an operator can set passwords.")
    check_new_password(password)
    password_hash = hash_password(password)
    async with uow.begin() as tx:
        account = await tx.session.scalar(
            select(UserAccount).where(UserAccount.username == username.strip().lower())
        )
        if account is None:
            raise NotFound("account", field="username")
        account.password_hash = password_hash
    return account


async def principal_for_username(session: AsyncSession, username: str) -> Principal | None:
    account = await session.scalar(
        select(UserAccount).where(UserAccount.username == username.strip().lower())
    )
    if account is None:
        return None
    return await principal_for_account(session, account)


async def principal_for_account(session: AsyncSession, account: UserAccount) -> Principal:
    if account.person_id is not None:
        return Principal(kind=PrincipalKind.PERSON, person_id=account.person_id,
                         account_id=account.id, username=account.username)
    if account.staff_member_id is not None:
        principal = await staff_principal(session, account.staff_member_id,
                                          username=account.username)
        return replace(principal, account_id=account.id)
    # Neither a person nor staff: a carer or representative, acting through their links.
    return Principal(kind=PrincipalKind.REPRESENTATIVE, account_id=account.id,
                     username=account.username)
