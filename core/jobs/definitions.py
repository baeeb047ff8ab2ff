"""What a background job is, and the registry of every job core and the plugins define.

A job is an async function of the unit of work and a JSON payload::

    async def remind(uow: UnitOfWork, payload: dict[str, Any]) -> None: ...

    Job("elft.reviews_falling_due", remind, every=dt.timedelta(hours=1))

It may run more than once (a worker that dies mid-job is rescued, a retry follows a failure
after part of the work was done): write it so that running it again changes nothing more —
a unique key on what it creates (``create_notification(..., key=...)``), a status it checks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.permissions import ConfigurationError

if TYPE_CHECKING:
    from core.plugins import Plugins
    from core.unit_of_work import UnitOfWork

__all__ = ["Job", "JobHandler", "JobRegistry", "job_registry"]

JobHandler = Callable[["UnitOfWork", dict[str, Any]], Awaitable[None]]

_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
_CRON_FIELDS = 5


@dataclass(frozen=True, slots=True)
class Job:
    """A job others can enqueue by ``name``; with ``every`` or ``cron`` it also runs on a
    schedule (once per fire time, whatever the number of workers).

    :param name: ``<plugin>.<job>`` (core's start with ``core.``)
    :param handler: ``async def handler(uow, payload) -> None``; an exception is a failure
    :param every: run every so often (anchored to midnight UTC, 1 January 2024)
    :param cron: a crontab line in UTC, e.g. ``"0 7 * * *"`` (07:00 every day)
    :param max_attempts: a failure is retried until this many attempts were made
    :param retry_after: the wait before the first retry; it doubles each time, up to an hour
    :param timeout: an attempt running longer is ended and counts as a failure
    """

    name: str
    handler: JobHandler
    every: dt.timedelta | None = None
    cron: str | None = None
    max_attempts: int = 5
    retry_after: dt.timedelta = dt.timedelta(seconds=30)
    timeout: dt.timedelta = dt.timedelta(minutes=5)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigurationError(f"job {self.name!r}: name it '<plugin>.<job>' in "
                                     "lower case")
        if self.every is not None and self.cron is not None:
            raise ConfigurationError(f"job {self.name!r}: give 'every' or 'cron', not both")
        if self.every is not None and self.every < dt.timedelta(seconds=1):
            raise ConfigurationError(f"job {self.name!r}: 'every' is at least one second")
        if self.cron is not None and len(self.cron.split()) != _CRON_FIELDS:
            raise ConfigurationError(f"job {self.name!r}: cron {self.cron!r} needs five "
                                     "fields: minute hour day month weekday")
        if self.max_attempts < 1:
            raise ConfigurationError(f"job {self.name!r}: max_attempts is at least 1")

    @property
    def scheduled(self) -> bool:
        return self.every is not None or self.cron is not None

    def describe_schedule(self) -> str:
        return f"every {self.every}" if self.every is not None else f"cron {self.cron}"

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt: doubling, at most an hour."""
        delay: dt.timedelta = self.retry_after * 2 ** (attempts - 1)
        return min(delay, dt.timedelta(hours=1))


class JobRegistry(Mapping[str, Job]):
    """Every job by name: core's and those of the plugins (hook ``register_jobs``)."""

    def __init__(self, jobs: Mapping[str, Job]) -> None:
        self._jobs = dict(jobs)

    def __getitem__(self, name: str) -> Job:
        return self._jobs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._jobs)

    def __len__(self) -> int:
        return len(self._jobs)

    def require(self, name: str) -> Job:
        try:
            return self._jobs[name]
        except KeyError:
            raise ConfigurationError(
                f"no background job {name!r}: known jobs are {', '.join(sorted(self))}"
            ) from None

    def scheduled(self) -> list[Job]:
        return [job for job in self._jobs.values() if job.scheduled]


def _core_jobs() -> list[Job]:
    from core.devices.jobs import DEVICE_JOBS
    from core.jobs.rescue import RESCUE
    from core.notifications.email import EMAIL_NOTIFICATION

    return [RESCUE, EMAIL_NOTIFICATION, *DEVICE_JOBS]


def job_registry(plugins: Plugins, extra: list[Job] | None = None) -> JobRegistry:
    """Core's jobs and each plugin's, refusing a name used twice (naming both owners) and a
    plugin's job not named after the plugin."""
    jobs: dict[str, Job] = {}
    owners: dict[str, str] = {}

    def add(owner: str, job: Job) -> None:
        if not isinstance(job, Job):
            raise ConfigurationError(f"plugin {owner!r}: register_jobs returned {job!r}, "
                                     "not a core.jobs.Job")
        if not job.name.startswith(f"{owner}."):
            raise ConfigurationError(f"plugin {owner!r}: job {job.name!r} must be named "
                                     f"'{owner}.<job>'")
        if job.name in jobs:
            raise ConfigurationError(f"job {job.name!r} is registered by both "
                                     f"{owners[job.name]!r} and {owner!r}")
        jobs[job.name] = job
        owners[job.name] = owner

    for job in _core_jobs():
        add("core", job)
    for plugin, declared in plugins.implementations("register_jobs"):
        for job in declared or []:
            add(plugin, job)
    for job in extra or []:
        add(job.name.split(".", 1)[0], job)
    return JobRegistry(jobs)
