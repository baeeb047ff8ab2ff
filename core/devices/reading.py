"""Reading a person's devices (category ``physical_health``): the list, in one statement
for a whole caseload."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..categories import DataCategory
from ..policy import AccessPolicy
from .models import Device

__all__ = ["CATEGORY", "devices_by_ids", "devices_for_people"]

CATEGORY = DataCategory.PHYSICAL_HEALTH


async def devices_by_ids(session: AsyncSession, policy: AccessPolicy,
                         ids: Sequence[int]) -> dict[int, Device]:
    rows = await session.scalars(select(Device).where(
        Device.id.in_(set(ids)), policy.person_filter(Device.person_id)))
    return {row.id: row for row in await policy.readable(session, rows, CATEGORY)}


async def devices_for_people(session: AsyncSession, policy: AccessPolicy,
                             person_ids: Sequence[int]) -> dict[int, list[Device]]:
    """Each person's devices, connected or not, in the order connected."""
    rows = await session.scalars(
        select(Device).where(Device.person_id.in_(set(person_ids)),
                             policy.person_filter(Device.person_id))
        .order_by(Device.person_id, Device.id))
    grouped: dict[int, list[Device]] = defaultdict(list)
    for row in await policy.readable(session, rows, CATEGORY):
        grouped[row.person_id].append(row)
    return grouped
