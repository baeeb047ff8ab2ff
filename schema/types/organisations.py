"""Organisations, teams and staff: directory data, not a person's data."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import models

from ..context import Context
from ._node import ModelNode

__all__ = ["Organisation", "OrganisationKind", "LegalBasis", "StaffMember", "Team"]

OrganisationKind = strawberry.enum(models.OrganisationKind, name="OrganisationKind")
LegalBasis = strawberry.enum(
    models.LegalBasis,
    name="LegalBasis",
    description="Direct care reads under implied consent; consent reads only what was granted.",
)


@strawberry.type(description="A GP practice, NHS trust, voluntary organisation or commissioner.")
class Organisation(ModelNode, relay.Node):
    __model__ = models.Organisation
    loader_name = "organisation"

    id: relay.NodeID[int]
    name: str
    kind: OrganisationKind
    legal_basis: LegalBasis
    ods_code: str | None


@strawberry.type(description="A team within an organisation; care relationships are per team.")
class Team(ModelNode, relay.Node):
    __model__ = models.Team
    loader_name = "team"

    id: relay.NodeID[int]
    name: str

    @strawberry.field
    async def organisation(self: Any, info: Info[Context, None]) -> Organisation:
        return await info.context.loaders.organisation.load(self.organisation_id)


@strawberry.type(description="Someone who works in one or more teams.")
class StaffMember(ModelNode, relay.Node):
    __model__ = models.StaffMember
    loader_name = "staff_member"

    id: relay.NodeID[int]
    given_name: str
    family_name: str
    job_title: str | None

    @strawberry.field
    def display_name(self: Any) -> str:
        return str(self.display_name)
