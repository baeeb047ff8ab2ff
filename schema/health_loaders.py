"""The DataLoaders of the person's health record: observations, series, medication,
adherence and devices. One set per request (``Loaders.record``); each batches every person
(or goal, or medication) a query reaches into one statement."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from core.devices import reading as devices
from core.medication import services as medication
from core.models import RecoveryGoal
from core.observations import reading as observations
from core.paging import Page
from core.policy import AccessPolicy

__all__ = ["HealthRecordLoaders"]

Q = TypeVar("Q", bound=Hashable)
V = TypeVar("V")


def _by_id(fetch: Callable[[Sequence[int]], Awaitable[dict[int, V]]]
           ) -> DataLoader[int, V | None]:
    async def load(keys: list[int]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _per_parent(
    fetch: Callable[[list[int], Q], Awaitable[dict[int, V]]], missing: Callable[[], V],
) -> DataLoader[tuple[int, Q], V]:
    """Keys ``(parent id, query)``: one fetch per distinct query, for all its parents."""

    async def load(keys: list[tuple[int, Q]]) -> list[V]:
        by_query: dict[Q, list[int]] = defaultdict(list)
        for parent, query in keys:
            by_query[query].append(parent)
        found: dict[tuple[int, Q], V] = {}
        for query, parents in by_query.items():
            for parent, value in (await fetch(parents, query)).items():
                found[(parent, query)] = value
        return [found.get(key, missing()) for key in keys]

    return DataLoader(load_fn=load)


class HealthRecordLoaders:
    def __init__(self, session: AsyncSession, policy: AccessPolicy) -> None:
        s, p = session, policy
        self.observation = _by_id(lambda ids: observations.observations_by_ids(s, p, ids))
        self.observation_pages: DataLoader[
            tuple[int, observations.ObservationWindow], Page[Any]] = _per_parent(
            lambda ids, window: observations.observation_pages(s, p, ids, window),
            lambda: Page([], False))
        self.series: DataLoader[
            tuple[int, observations.SeriesQuery], list[observations.SeriesPoint]] = (
            _per_parent(lambda ids, query: observations.series_for_people(s, p, ids, query),
                        list))
        self.goal_progress = DataLoader[RecoveryGoal, observations.GoalProgress | None](
            load_fn=self._goal_progress(s, p))
        self.medication = _by_id(lambda ids: medication.medications_by_ids(s, p, ids))
        self.medications: DataLoader[tuple[int, bool], list[Any]] = _per_parent(
            lambda ids, stopped: medication.medications_for_people(
                s, p, ids, include_stopped=stopped), list)
        self.doses: DataLoader[tuple[int, tuple[dt.date, dt.date]], list[Any]] = _per_parent(
            lambda ids, period: medication.doses_for_medications(s, p, ids, *period), list)
        self.adherence: DataLoader[
            tuple[int, tuple[dt.date, dt.date]], list[medication.AdherenceWeek]] = (
            _per_parent(lambda ids, period: medication.adherence_for_people(s, p, ids, *period),
                        list))
        self.device = _by_id(lambda ids: devices.devices_by_ids(s, p, ids))
        self.devices: DataLoader[tuple[int, None], list[Any]] = _per_parent(
            lambda ids, _: devices.devices_for_people(s, p, ids), list)

    @staticmethod
    def _goal_progress(session: AsyncSession, policy: AccessPolicy) -> Callable[
            [list[RecoveryGoal]], Awaitable[list[observations.GoalProgress | None]]]:
        async def load(goals: list[RecoveryGoal]) -> list[observations.GoalProgress | None]:
            found = await observations.goal_progress(session, policy, goals)
            return [found.get(goal.id) for goal in goals]

        return load
