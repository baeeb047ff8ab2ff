"""Top-level queries."""

from __future__ import annotations

import strawberry
from sqlalchemy import func, or_, select
from strawberry import relay
from strawberry.types import Info

from core.errors import DomainError
from core.models import Organisation as OrganisationRow
from core.models import Person as PersonRow
from core.notifications.models import Notification as NotificationRow
from core.notifications.service import notifications_statement, unread_count
from core.paging import Page, page
from core.principal import PrincipalKind
from core.services.people import get_person, readable_people_statement
from core.services.representatives import people_represented

from .context import Context
from .errors import PublicError
from .ids import decode_id
from .pagination import connection, window
from .types.notifications import Notification
from .types.observations import ObservationKind
from .types.organisations import Organisation, StaffMember, Team
from .types.people import Person

__all__ = ["Query"]

PrincipalKindEnum = strawberry.enum(PrincipalKind, name="PrincipalKind")


@strawberry.type
class TeamRole:
    team: Team
    roles: list[str]


@strawberry.type(description="Who is signed in.")
class Viewer:
    kind: PrincipalKindEnum
    username: str | None
    person: Person | None = strawberry.field(description="Set when a person is signed in.")
    staff_member: StaffMember | None = strawberry.field(description="Set for staff.")
    teams: list[TeamRole]
    representing: list[Person] = strawberry.field(
        description="For a carer or representative: the people they act for now."
    )

    @strawberry.field(description="Your notifications, newest first.")
    async def notifications(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None,
        unread_only: bool = False,
    ) -> relay.Connection[Notification]:
        ctx = info.context
        size, after_id = window(first, after)
        found = await page(ctx.session, notifications_statement(ctx.policy,
                                                                unread_only=unread_only),
                           NotificationRow.id, first=size, after=after_id, newest_first=True)
        return connection(found, after_id)

    @strawberry.field(description="How many of your notifications you have not read.")
    async def unread_notification_count(self, info: Info[Context, None]) -> int:
        return await unread_count(info.context.session, info.context.policy)


@strawberry.input(description="Narrow a list of people.")
class PeopleFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of a given, family or preferred name."
    )


@strawberry.type
class Query:
    node: relay.Node | None = relay.node(description="Any object by its global ID.")

    @strawberry.field(description="The signed-in person's own record (null for staff).")
    async def me(self, info: Info[Context, None]) -> Person | None:
        principal = info.context.principal
        if principal.kind is not PrincipalKind.PERSON or principal.person_id is None:
            return None
        return await info.context.loaders.person.load(principal.person_id)  # type: ignore[return-value]

    @strawberry.field(description="Who is signed in, and in which teams and roles.")
    async def viewer(self, info: Info[Context, None]) -> Viewer | None:
        ctx = info.context
        principal = ctx.principal
        if not principal.is_authenticated:
            return None
        person = await ctx.loaders.person.load(principal.person_id) if principal.person_id else None
        staff = (
            await ctx.loaders.staff_member.load(principal.staff_member_id)
            if principal.staff_member_id
            else None
        )
        teams = await ctx.loaders.team.load_many(list(principal.team_ids))
        represented = await people_represented(ctx.session, ctx.policy)
        for someone in represented:
            ctx.loaders.person.prime(someone.id, someone)
        return Viewer(
            kind=principal.kind,
            username=principal.username,
            person=person,  # type: ignore[arg-type]
            staff_member=staff,  # type: ignore[arg-type]
            teams=[
                TeamRole(team=team, roles=sorted(member.roles))  # type: ignore[arg-type]
                for team, member in zip(teams, principal.teams, strict=True)
            ],
            representing=represented,  # type: ignore[arg-type]
        )

    @strawberry.field(description="One person. NOT_FOUND unless you may see them.")
    async def person(self, info: Info[Context, None], id: strawberry.ID) -> Person | None:
        ctx = info.context
        try:
            pk = decode_id(id, "Person", field="id")
            return await get_person(ctx.session, ctx.policy, pk)  # type: ignore[return-value]
        except DomainError as error:
            raise PublicError(error) from None

    @strawberry.field(
        description="People you may see: for staff, your teams' caseload; for a person, "
        "themselves."
    )
    async def people(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        filter: PeopleFilter | None = None,
    ) -> relay.Connection[Person]:
        ctx = info.context
        size, after_id = window(first, after)
        statement = readable_people_statement(ctx.policy)
        if filter is not None and filter.search and filter.search.strip():
            # What a person typed is literal text: "%" and "_" are not wildcards.
            typed = filter.search.strip().lower()
            escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            statement = statement.where(
                or_(
                    func.lower(PersonRow.given_name).like(pattern, escape="\\"),
                    func.lower(PersonRow.family_name).like(pattern, escape="\\"),
                    func.lower(PersonRow.preferred_name).like(pattern, escape="\\"),
                )
            )
        found = await page(ctx.session, statement, PersonRow.id, first=size, after=after_id)
        # The SQL filter may let through someone whose consent covers nothing the role reads.
        found = Page(await ctx.policy.readable(ctx.session, found.items, None,
                                               lambda person: person.id), found.has_next)
        for person in found.items:
            ctx.loaders.person.prime(person.id, person)
        return connection(found, after_id)

    @strawberry.field(description="The organisations taking part.")
    async def organisations(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Organisation]:
        ctx = info.context
        if not ctx.policy.may_read_directory():
            return connection(Page([], False), None)
        size, after_id = window(first, after)
        found = await page(ctx.session, select(OrganisationRow), OrganisationRow.id,
                           first=size, after=after_id)
        return connection(found, after_id)

    @strawberry.field(description="Kinds of observation that can be recorded, core's and the "
                      "plugins': units, ranges, codes. No one's data.")
    def observation_kinds(self, info: Info[Context, None]) -> list[ObservationKind]:
        return list(info.context.uow.plugins.observation_kinds.values())  # type: ignore[arg-type]
