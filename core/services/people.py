"""People: registering a person, their details, and who may list whom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..categories import DataCategory
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import Person
from ..nhs_number import normalise_nhs_number
from ..policy import AccessPolicy, Action
from ..principal import PrincipalKind
from ..unit_of_work import UnitOfWork
from ._common import optional_text, required_text

__all__ = [
    "get_person",
    "people_by_ids",
    "readable_people_statement",
    "register_person",
    "update_contact_details",
]


def _check_date_of_birth(value: dt.date | None, today: dt.date) -> dt.date | None:
    if value is not None and (value > today or value.year < 1900):
        raise InvalidInput(
            "The date of birth must be in the past.", code="INVALID_DATE_OF_BIRTH",
            field="dateOfBirth",
        )
    return value


async def register_person(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    given_name: str,
    family_name: str,
    nhs_number: str | None = None,
    preferred_name: str | None = None,
    date_of_birth: dt.date | None = None,
    email: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
) -> Person:
    """Create a person's record. Staff and the system may; people register through sign-up."""
    if policy.principal.kind not in (PrincipalKind.STAFF, PrincipalKind.SYSTEM):
        raise Forbidden("Only staff can register a person.")
    person = Person(
        given_name=required_text(given_name, field="givenName", what="a first name",
                                 max_length=100),
        family_name=required_text(family_name, field="familyName", what="a last name",
                                  max_length=100),
        nhs_number=normalise_nhs_number(nhs_number) if nhs_number else None,
        preferred_name=optional_text(preferred_name, field="preferredName",
                                     what="a preferred name", max_length=100),
        date_of_birth=_check_date_of_birth(date_of_birth, policy.now.date()),
        email=optional_text(email, field="email", what="an email address", max_length=254),
        phone=optional_text(phone, field="phone", what="a phone number", max_length=32),
        address=optional_text(address, field="address", what="an address", max_length=500),
        postcode=optional_text(postcode, field="postcode", what="a postcode", max_length=10),
    )
    async with uow.begin() as tx:
        if person.nhs_number is not None:
            taken = await tx.session.scalar(
                select(Person.id).where(Person.nhs_number == person.nhs_number)
            )
            if taken is not None:
                raise Conflict(
                    "A person with that NHS number is already registered.",
                    code="DUPLICATE_NHS_NUMBER",
                    field="nhsNumber",
                )
        tx.session.add(person)
        try:
            await tx.session.flush()
        except IntegrityError:  # a concurrent registration won the race
            raise Conflict(
                "A person with that NHS number is already registered.",
                code="DUPLICATE_NHS_NUMBER",
                field="nhsNumber",
            ) from None
        await record_access(tx.session, policy, person_id=person.id, operation="register_person",
                      categories=[DataCategory.IDENTITY, DataCategory.CONTACT])
    return person


async def update_contact_details(
    uow: UnitOfWork,
    policy: AccessPolicy,
    person_id: int,
    *,
    preferred_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
) -> Person:
    """Change how the person likes to be called and contacted. ``None`` leaves a field as is."""
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.UPDATE, person_id, [DataCategory.CONTACT])
        person = await tx.session.get(Person, person_id)
        if person is None:  # the system principal passes the policy for any ID
            raise NotFound("person")
        if preferred_name is not None:
            person.preferred_name = optional_text(preferred_name, field="preferredName",
                                                  what="a preferred name", max_length=100)
        if email is not None:
            person.email = optional_text(email, field="email", what="an email address",
                                         max_length=254)
        if phone is not None:
            person.phone = optional_text(phone, field="phone", what="a phone number",
                                         max_length=32)
        if address is not None:
            person.address = optional_text(address, field="address", what="an address",
                                           max_length=500)
        if postcode is not None:
            person.postcode = optional_text(postcode, field="postcode", what="a postcode",
                                            max_length=10)
        await record_access(tx.session, policy, person_id=person_id,
                      operation="update_contact_details", categories=[DataCategory.CONTACT])
    return person


def readable_people_statement(policy: AccessPolicy) -> Select[tuple[Person]]:
    """People the principal may read: their own record, or their teams' caseload."""
    return select(Person).where(policy.person_filter(Person.id))


async def get_person(session: AsyncSession, policy: AccessPolicy, person_id: int) -> Person:
    await policy.require(session, Action.READ, person_id)
    person = await session.get(Person, person_id)
    if person is None:  # the system principal passes the policy for any ID
        raise NotFound("person")
    return person


async def people_by_ids(
    session: AsyncSession, policy: AccessPolicy, ids: Sequence[int]
) -> dict[int, Person]:
    """Batch getter for DataLoaders: unreadable or missing IDs are simply absent."""
    rows = await session.scalars(
        readable_people_statement(policy).where(Person.id.in_(set(ids)))
    )
    visible = await policy.readable(session, rows, None, lambda person: person.id)
    return {person.id: person for person in visible}
