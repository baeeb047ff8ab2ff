"""Consents a person has given, and to whom."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import models
from core.categories import DataCategory as C

from ..context import Context
from ..guards import data
from ._node import ModelNode
from .organisations import Organisation, StaffMember, Team

if TYPE_CHECKING:
    from .people import Person

__all__ = ["Consent", "ConsentRecordedHow", "ConsentStatus"]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]

ConsentStatus = strawberry.enum(models.ConsentStatus, name="ConsentStatus")
ConsentRecordedHow = strawberry.enum(
    models.ConsentRecordedHow,
    name="ConsentRecordedHow",
    description="ONLINE by the person; otherwise recorded by staff on the person's behalf.",
)


@strawberry.type(description="Permission to use some categories of a person's data.")
class Consent(ModelNode, relay.Node):
    __model__ = models.Consent
    __person_data__ = True
    loader_name = "consent"

    id: relay.NodeID[int]
    categories: list[str] | None = data(C.CONSENT)
    purpose: str | None = data(C.CONSENT)
    valid_from: dt.datetime | None = data(C.CONSENT)
    valid_until: dt.datetime | None = data(C.CONSENT)
    recorded_how: ConsentRecordedHow | None = data(C.CONSENT)
    revoked_at: dt.datetime | None = data(C.CONSENT)
    created_at: dt.datetime | None = data(C.CONSENT)

    @data(C.CONSENT, description="Active, revoked, expired, or pending (not started yet).")
    def status(self: Any, info: Info[Context, None]) -> ConsentStatus | None:
        return self.status_at(info.context.policy.now)  # type: ignore[no-any-return]

    @data(C.CONSENT, description="True when staff recorded it for the person.")
    def recorded_on_behalf(self: Any) -> bool | None:
        return self.recorded_how is not models.ConsentRecordedHow.ONLINE

    @data(C.CONSENT)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.CONSENT)
    async def grantee_organisation(self: Any, info: Info[Context, None]) -> Organisation | None:
        if self.grantee_organisation_id is None:
            return None
        return await info.context.loaders.organisation.load(self.grantee_organisation_id)

    @data(C.CONSENT)
    async def grantee_team(self: Any, info: Info[Context, None]) -> Team | None:
        if self.grantee_team_id is None:
            return None
        return await info.context.loaders.team.load(self.grantee_team_id)

    @data(C.CONSENT, description="The app it was given to (OAuth client ID), for a consent "
          "given on the consent screen.")
    def grantee_client_id(self: Any) -> str | None:
        return self.grantee_client_id  # type: ignore[no-any-return]

    @data(C.CONSENT, description="The name of the app it was given to: a connected app.")
    async def grantee_client_name(self: Any, info: Info[Context, None]) -> str | None:
        if self.grantee_client_id is None:
            return None
        return await info.context.loaders.client_name.load(self.grantee_client_id)

    @data(C.CONSENT, description="The staff member who recorded it, if not the person.")
    async def recorded_by(self: Any, info: Info[Context, None]) -> StaffMember | None:
        if self.by_staff_id is None:
            return None
        return await info.context.loaders.staff_member.load(self.by_staff_id)
