"""Rate limits with the ``limits`` library: per address on ``/graphql`` and ``/oauth/token``,
and per signed-in client (an OAuth client, or a person's or staff member's account) on
``/graphql``. Moving windows, counted in Redis when ``RECOVERY_HUB_REDIS_URL`` is set (shared
by every worker and host), otherwise in this process. A request over a limit gets 429 with
``Retry-After`` (seconds) and a GraphQL-shaped error ``RATE_LIMITED``.

Behind a proxy, the address is the client's only when the proxy is trusted
(``RECOVERY_HUB_FORWARDED_ALLOW_IPS``): otherwise every person counts as the proxy.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .limits import refusal

__all__ = ["RateLimits", "RateLimitsByAddress", "parse_limit"]


def parse_limit(text: str) -> RateLimitItem:
    """``"300/minute"``, ``"10 per second"``, ... (``ValueError`` naming what is wrong)."""
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a rate such as '300/minute' or '10/second'") from None


@dataclass
class RateLimits:
    per_address: RateLimitItem
    per_client: RateLimitItem
    token_per_address: RateLimitItem
    limiter: MovingWindowRateLimiter
    namespace: str = "recovery_hub"
    # Our own connections to Redis, so that closing the app closes them.
    redis_pool: Any = None

    @classmethod
    def build(cls, *, per_address: str, per_client: str, token_per_address: str,
              redis_url: str | None) -> RateLimits:
        pool = None
        if redis_url:
            from redis.asyncio import ConnectionPool

            pool = ConnectionPool.from_url(redis_url)
            options: dict[str, Any] = {"implementation": "redispy",
                                       "key_prefix": "recovery_hub_rate",
                                       "connection_pool": pool}
            storage = storage_from_string(f"async+{redis_url}", **options)
        else:
            storage = storage_from_string("async+memory://")
        return cls(parse_limit(per_address), parse_limit(per_client),
                   parse_limit(token_per_address),
                   MovingWindowRateLimiter(storage),
                   redis_pool=pool)

    async def aclose(self) -> None:
        if self.redis_pool is not None:
            await self.redis_pool.aclose()

    async def refused(self, item: RateLimitItem, *who: str) -> Response | None:
        """``None`` if this request is within ``item`` for ``who``; else the 429 to send."""
        if await self.limiter.hit(item, self.namespace, *who):
            return None
        stats = await self.limiter.get_window_stats(item, self.namespace, *who)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        return refusal(429, "RATE_LIMITED", f"Too many requests: try again in {wait} "
                       "seconds.", headers={"Retry-After": str(wait)})


class RateLimitsByAddress:
    """ASGI middleware: the per-address limits, before anything else is done."""

    def __init__(self, app: ASGIApp, *, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path in ("/graphql", "/oauth/token"):
            address = (scope.get("client") or ("unknown", 0))[0]
            item = self.limits.per_address if path == "/graphql" else (
                self.limits.token_per_address)
            refused = await self.limits.refused(item, path, "address", address)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)
