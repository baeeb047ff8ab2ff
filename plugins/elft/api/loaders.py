"""ELFT's DataLoaders: one set per request and per policy, like core's (schema/loaders.py).

Core's ``Context`` knows nothing of plugins, so the set hangs off the context and is made
again whenever the context's policy is renewed (after a mutation commits).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.policy import AccessPolicy
from schema.context import Context

from .. import eligibility, reviews, support_plans, views

__all__ = ["ElftLoaders", "loaders"]

K = TypeVar("K")
V = TypeVar("V")


def _by_key(fetch: Callable[[Sequence[K]], Awaitable[dict[K, V]]],
            missing: Any = None) -> DataLoader[K, Any]:
    async def load(keys: list[K]) -> list[Any]:
        found = await fetch(keys)
        return [found.get(key, missing() if callable(missing) else missing) for key in keys]

    return DataLoader(load_fn=load)


class ElftLoaders:
    def __init__(self, session: AsyncSession, policy: AccessPolicy) -> None:
        self.policy = policy
        s, p = session, policy
        self.assessment = _by_key(lambda ids: eligibility.assessments_by_ids(s, p, ids))
        self.latest_eligibility = _by_key(
            lambda ids: eligibility.latest_assessments(s, p, ids))
        self.plan = _by_key(lambda ids: support_plans.plans_by_ids(s, p, ids))
        self.current_plan = _by_key(lambda ids: support_plans.current_plans(s, p, ids))
        self.plan_versions = _by_key(lambda ids: support_plans.versions_of_plans(s, p, ids),
                                     list)
        self.version_goal_ids = _by_key(lambda ids: support_plans.goals_of_versions(s, p, ids),
                                        list)
        self.version_items = _by_key(lambda ids: support_plans.items_of_versions(s, p, ids),
                                     list)
        self.review = _by_key(lambda ids: reviews.reviews_by_ids(s, p, ids))
        self.plan_reviews = _by_key(lambda ids: reviews.reviews_of_plans(s, p, ids), list)
        self.open_reviews = _by_key(lambda ids: reviews.open_reviews_of_people(s, p, ids), list)
        self.goal_scores = _by_key(lambda ids: reviews.goal_scores_of_reviews(s, p, ids), list)
        self.awaiting_sign_off = _by_key(
            lambda ids: views.awaiting_sign_off_counts(s, p, ids), 0)


def loaders(info: Info[Context, None]) -> ElftLoaders:
    """This request's ELFT loaders, for the context's current policy."""
    context = info.context
    found: ElftLoaders | None = getattr(context, "_elft_loaders", None)
    if found is None or found.policy is not context.policy:
        found = ElftLoaders(context.session, context.policy)
        context._elft_loaders = found  # type: ignore[attr-defined]
    return found
