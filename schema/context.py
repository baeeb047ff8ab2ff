"""The per-request context: who is asking, their access policy, a read session and loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from core.permissions import AccessRules
from core.policy import AccessPolicy
from core.principal import Principal
from core.unit_of_work import UnitOfWork

from .loaders import Loaders

__all__ = ["Context"]


@dataclass
class Context:
    uow: UnitOfWork
    session: AsyncSession
    principal: Principal
    policy: AccessPolicy
    loaders: Loaders
    request: Request | None = None
    # Filled in by the error masking extension: the id a user quotes to support.
    correlation_id: str | None = field(default=None)

    @classmethod
    def build(
        cls,
        uow: UnitOfWork,
        session: AsyncSession,
        principal: Principal,
        rules: AccessRules,
        request: Request | None = None,
    ) -> Context:
        # The effective permission is computed once per request, here, and shared by every
        # resolver and DataLoader.
        policy = AccessPolicy(principal, rules)
        return cls(uow=uow, session=session, principal=principal, policy=policy,
                   loaders=Loaders(session, policy), request=request)

    async def release_connection(self) -> None:
        """End the read transaction, returning its connection to the pool until the next
        read. A request then holds at most one connection at a time."""
        await self.session.commit()

    async def after_write(self) -> None:
        """Start a fresh read snapshot and forget cached rows after a mutation committed."""
        await self.session.commit()
        self.loaders.clear()
        self.policy = self.policy.renewed()
        self.loaders = Loaders(self.session, self.policy)
