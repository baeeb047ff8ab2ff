"""One set of DataLoaders per request, each backed by a policy-filtered batch query.

Every relation a query can follow goes through a loader here, so the number of SQL statements a
query runs does not grow with the number of rows, and every nested load obeys the same access
policy as a top-level one (the batch readers in core filter by ``policy.person_filter``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from core.models import BudgetRequest, Consent, ProgressNote, RecoveryGoal, StaffMember
from core.notifications import service as notifications
from core.paging import Page, pages_per_parent
from core.policy import AccessPolicy
from core.services import (
    budget_requests,
    consents,
    funding,
    goals,
    oauth,
    organisations,
    people,
    representatives,
    restrictions,
)

from .health_loaders import HealthRecordLoaders

__all__ = ["Loaders", "PageKey", "by_id_loader", "pages_loader"]

K = TypeVar("K")
V = TypeVar("V")

# (parent id, first, after id)
PageKey = tuple[int, int, int | None]


def by_id_loader(
    fetch: Callable[[Sequence[K]], Awaitable[dict[K, V]]],
) -> DataLoader[K, V | None]:
    """Rows by id from a batch reader; an id it does not return (missing, or not readable)
    loads as None."""

    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _grouped(
    fetch: Callable[[Sequence[int]], Awaitable[dict[int, list[V]]]],
) -> DataLoader[int, list[V]]:
    async def load(keys: list[int]) -> list[list[V]]:
        found = await fetch(keys)
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


def pages_loader(
    session: AsyncSession, parent_column: Any, statement: Select[Any]
) -> DataLoader[PageKey, Page[Any]]:
    """Pages of children per parent, in id order; keys asking for the same window share one
    query. ``statement`` selects the child model, already narrowed by the policy's
    ``person_filter``; each child's fields are then guarded by their data category."""
    model = parent_column.class_

    async def load(keys: list[PageKey]) -> list[Page[Any]]:
        by_window: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        for parent_id, first, after in keys:
            by_window[(first, after)].append(parent_id)
        results: dict[PageKey, Page[Any]] = {}
        for (first, after), parent_ids in by_window.items():
            pages = await pages_per_parent(session, model, statement, parent_column, model.id,
                                           parent_ids, first=first, after=after)
            for parent_id, found in pages.items():
                results[(parent_id, first, after)] = found
        return [results[key] for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, session: AsyncSession, policy: AccessPolicy) -> None:
        self._session = session
        self._policy = policy
        s, p = session, policy
        self.person = by_id_loader(lambda ids: people.people_by_ids(s, p, ids))
        self.goal = by_id_loader(lambda ids: goals.goals_by_ids(s, p, ids))
        self.notification = by_id_loader(
            lambda ids: notifications.notifications_by_ids(s, p, ids))
        self.budget = by_id_loader(lambda ids: funding.budgets_by_ids(s, p, ids))
        self.budget_request = by_id_loader(lambda ids: budget_requests.requests_by_ids(s, p, ids))
        self.consent = by_id_loader(lambda ids: consents.consents_by_ids(s, p, ids))
        # The name a person knows an app by (consents to apps show it).
        self.client_name = by_id_loader(lambda ids: oauth.client_names(s, ids))
        # Directory data (organisations, teams, staff, pot totals): no person's data, but
        # only for signed-in principals.
        self.organisation = self._directory(
            lambda ids: organisations.organisations_by_ids(s, ids))
        self.team = self._directory(lambda ids: organisations.teams_by_ids(s, ids))
        self.staff_member = self._directory(self._staff_by_ids)
        self.funding_pot = self._directory(lambda ids: funding.pots_by_ids(s, ids))
        self.restriction = by_id_loader(lambda ids: restrictions.restrictions_by_ids(s, p, ids))
        self.representative = by_id_loader(
            lambda ids: representatives.representatives_by_ids(s, p, ids)
        )
        self.goal_steps = _grouped(lambda ids: goals.steps_for_goals(s, p, ids))
        self.goal_history = _grouped(lambda ids: goals.status_history_for_goals(s, p, ids))
        self.budgets_of_person = _grouped(lambda ids: funding.budgets_for_people(s, p, ids))
        self.request_items = _grouped(lambda ids: budget_requests.items_for_requests(s, p, ids))
        self.request_approvals = _grouped(
            lambda ids: budget_requests.approvals_for_requests(s, p, ids)
        )
        self.restrictions_of_person = _grouped(
            lambda ids: restrictions.restrictions_for_people(s, p, ids)
        )
        self.representatives_of_person = _grouped(
            lambda ids: representatives.representatives_for_people(s, p, ids)
        )
        f = policy.person_filter
        self.goals_of_person = self._pages(
            RecoveryGoal.person_id, select(RecoveryGoal).where(f(RecoveryGoal.person_id))
        )
        self.requests_of_person = self._pages(
            BudgetRequest.person_id, select(BudgetRequest).where(f(BudgetRequest.person_id))
        )
        self.requests_of_budget = self._pages(
            BudgetRequest.budget_id, select(BudgetRequest).where(f(BudgetRequest.person_id))
        )
        self.consents_of_person = self._pages(
            Consent.person_id, select(Consent).where(f(Consent.person_id))
        )
        # The person's health record: observations, medication, devices.
        self.record = HealthRecordLoaders(session, policy)
        self.progress_of_goal = self._pages(
            ProgressNote.goal_id,
            select(ProgressNote)
            .join(RecoveryGoal, RecoveryGoal.id == ProgressNote.goal_id)
            .where(f(RecoveryGoal.person_id)),
        )

    def _directory(
        self, fetch: Callable[[Sequence[int]], Awaitable[dict[int, V]]]
    ) -> DataLoader[int, V | None]:
        async def signed_in_only(ids: Sequence[int]) -> dict[int, V]:
            if not self._policy.may_read_directory():
                return {}
            return await fetch(ids)

        return by_id_loader(signed_in_only)

    async def _staff_by_ids(self, ids: Sequence[int]) -> dict[int, StaffMember]:
        # Staff names and job titles are directory data, shown on a person's own record.
        rows = await self._session.scalars(select(StaffMember).where(StaffMember.id.in_(ids)))
        return {row.id: row for row in rows}

    def _pages(
        self, parent_column: Any, statement: Select[Any]
    ) -> DataLoader[PageKey, Page[Any]]:
        return pages_loader(self._session, parent_column, statement)

    def clear(self) -> None:
        """Forget everything loaded: called after a mutation changed the data."""
        for value in [*vars(self).values(), *vars(self.record).values()]:
            if isinstance(value, DataLoader):
                value.clear_all()
