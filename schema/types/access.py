"""What shapes access to a person's record: their restrictions and their representatives."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import models
from core.categories import DataCategory as C
from core.services import representatives

from ..context import Context
from ..guards import data
from ._node import ModelNode
from .organisations import Organisation, StaffMember, Team

if TYPE_CHECKING:
    from .people import Person

__all__ = [
    "Representative",
    "RepresentativeAccess",
    "RepresentativeBasis",
    "RepresentativeStatus",
    "Restriction",
]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]

RepresentativeBasis = strawberry.enum(
    models.RepresentativeBasis,
    name="RepresentativeBasis",
    description="Why they act for the person: a CARER the person invited, a LASTING_POWER_OF_"
    "ATTORNEY, a NOMINEE for direct payments, or a DEPUTY of the Court of Protection.",
)
RepresentativeAccess = strawberry.enum(
    models.RepresentativeAccess,
    name="RepresentativeAccess",
    description="VIEW reads the chosen categories; MANAGE also creates and changes them.",
)
RepresentativeStatus = strawberry.enum(
    representatives.RepresentativeStatus,
    name="RepresentativeStatus",
    description="INVITED until accepted (or EXPIRED if not in time), then ACTIVE until REVOKED.",
)


async def _recorded_by(info: Info[Context, None], row: Any) -> StaffMember | None:
    """The staff member who recorded a row for the person, if one did."""
    if row.by_staff_id is None:
        return None
    return await info.context.loaders.staff_member.load(row.by_staff_id)


@strawberry.type(description="Categories a person withholds from a direct-care team or "
                 "organisation.")
class Restriction(ModelNode, relay.Node):
    __model__ = models.Restriction
    __person_data__ = True
    loader_name = "restriction"

    id: relay.NodeID[int]
    categories: list[str] | None = data(C.CONSENT)
    reason: str | None = data(C.CONSENT)
    created_at: dt.datetime | None = data(C.CONSENT)
    lifted_at: dt.datetime | None = data(C.CONSENT)

    @data(C.CONSENT, description="True until it is lifted.")
    def active(self: Any) -> bool | None:
        return self.lifted_at is None

    @data(C.CONSENT)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.CONSENT, description="Set when a whole organisation is restricted.")
    async def organisation(self: Any, info: Info[Context, None]) -> Organisation | None:
        if self.organisation_id is None:
            return None
        return await info.context.loaders.organisation.load(self.organisation_id)

    @data(C.CONSENT, description="Set when one team is restricted.")
    async def team(self: Any, info: Info[Context, None]) -> Team | None:
        if self.team_id is None:
            return None
        return await info.context.loaders.team.load(self.team_id)

    @data(C.CONSENT, description="The staff member who recorded it, if not the person.")
    async def recorded_by(self: Any, info: Info[Context, None]) -> StaffMember | None:
        return await _recorded_by(info, self)


@strawberry.type(description="Someone acting for a person: a carer, attorney, nominee or deputy.")
class Representative(ModelNode, relay.Node):
    __model__ = models.Representative
    __person_data__ = True
    loader_name = "representative"

    id: relay.NodeID[int]
    name: str | None = data(C.CONSENT)
    basis: RepresentativeBasis | None = data(C.CONSENT)
    access: RepresentativeAccess | None = data(C.CONSENT)
    categories: list[str] | None = data(C.CONSENT)
    invitation_expires_at: dt.datetime | None = data(
        C.CONSENT, description="When the invitation code stops working.")
    accepted_at: dt.datetime | None = data(C.CONSENT)
    revoked_at: dt.datetime | None = data(C.CONSENT)
    created_at: dt.datetime | None = data(C.CONSENT)

    @data(C.CONSENT)
    def status(self: Any, info: Info[Context, None]) -> RepresentativeStatus | None:
        return representatives.representative_status(self, info.context.policy.now)

    @data(C.CONSENT)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.CONSENT, description="The staff member who invited them, if not the person.")
    async def recorded_by(self: Any, info: Info[Context, None]) -> StaffMember | None:
        return await _recorded_by(info, self)
