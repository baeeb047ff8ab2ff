"""Background jobs: defined by core and plugins, enqueued in a service's transaction, run by
APScheduler 4 in the app process or in ``recovery-hub worker`` processes (docs/jobs.md).

    from core.jobs import Job, enqueue

    async def send_reminder(uow: UnitOfWork, payload: dict[str, Any]) -> None: ...

    # in a plugin (hook register_jobs): a job others enqueue, and one that runs every hour
    Job("questionnaires.send_reminder", send_reminder)
    Job("elft.reviews_falling_due", find_reviews_due, every=dt.timedelta(hours=1))

    # in a service, inside ``async with uow.begin() as tx``: runs once the change commits
    await enqueue(tx, "questionnaires.send_reminder", {"assignment_id": 12},
                  key=f"reminder:12:{due_on}")
"""

# The runner (core.jobs.runner.JobRunner) is imported where a process runs jobs: importing
# it here would tie the models' import to the unit of work's.
from .definitions import Job, JobHandler, JobRegistry, job_registry
from .models import BackgroundJob, JobStatus
from .queue import enqueue

__all__ = [
    "BackgroundJob",
    "Job",
    "JobHandler",
    "JobRegistry",
    "JobStatus",
    "enqueue",
    "job_registry",
]
