"""What dominates a scenario: a pyinstrument profile summarised by where the time goes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pyinstrument import Profiler

__all__ = ["Profile", "profile"]

# (area, substrings of a file path), most specific first
AREAS = (
    ("GraphQL execution (strawberry, graphql-core)", ("/strawberry/", "/graphql/")),
    ("SQLAlchemy (ORM, Core, rows)", ("/sqlalchemy/",)),
    ("database driver (aiosqlite, asyncpg, sqlite3)", ("/aiosqlite/", "/asyncpg/",
                                                       "sqlite3")),
    ("policy engine (core/policy.py)", ("/core/policy.py", "/core/permissions.py")),
    ("audit trail (core/audit.py)", ("/core/audit.py",)),
    ("core services and paging", ("/core/",)),
    ("schema/ resolvers, loaders, guards", ("/schema/",)),
    ("JSON encoding", ("/json/",)),
    ("event loop", ("/asyncio/", "selectors.py")),
)
WAITING = "waiting on the database (await)"


@dataclass
class Profile:
    seconds: float
    areas: list[tuple[str, float]]  # (area, share of time), largest first
    functions: list[tuple[str, float]]  # (function at file:line, share), largest first


def _area(path: str) -> str:
    for area, needles in AREAS:
        if any(needle in path for needle in needles):
            return area
    return "other (stdlib, pluggy, ...)"


def _summarise(root: Any) -> Profile:
    areas: dict[str, float] = defaultdict(float)
    functions: dict[str, float] = defaultdict(float)

    def walk(frame: Any, owner: Any) -> None:
        real = not frame.is_synthetic and frame.file_path not in (None, "", "<built-in>")
        owner = frame if real else owner
        own = frame.total_self_time if frame.is_synthetic else 0.0
        if own:
            if frame.identifier.startswith("[await]"):
                areas[WAITING] += own
            elif owner is not None:
                areas[_area(owner.file_path)] += own
                functions[f"{owner.function} ({owner.file_path_short}:{owner.line_no})"] += own
        for child in frame.children:
            walk(child, owner)

    walk(root, None)
    total = root.time or 1.0
    ordered = sorted(((a, t / total) for a, t in areas.items()), key=lambda x: -x[1])
    top = sorted(((f, t / total) for f, t in functions.items()), key=lambda x: -x[1])
    return Profile(root.time, ordered, top[:8])


async def profile(run: Callable[[], Awaitable[Any]], times: int) -> Profile:
    """Profile ``times`` runs (started inside the event loop, so awaits are attributed)."""
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    profiler.start()
    for _ in range(times):
        await run()
    session = profiler.stop()
    return _summarise(session.root_frame())
