"""``recovery-hub serve``: one process with uvicorn, or several with gunicorn.

Several workers run under gunicorn with the app **preloaded**: the master imports and builds
the app once (the seconds that importing the GraphQL schema, the models and the plugins take),
then forks the workers, which answer within a fraction of a second — also when one is
restarted on a busy host. uvicorn's own ``--workers`` starts each worker as a fresh
interpreter that imports everything again, and restarts any that is not answering its health
check within a few seconds: on a busy host, workers were killed in a loop before they ever
answered (issue 12). Here, the window in which a worker must show it is alive is a setting
(``RECOVERY_HUB_WORKER_TIMEOUT_SECONDS``), and a worker never spends it importing.

Each worker runs the app's lifespan after the fork (its pool, its job runner); metrics of all
workers are added up through ``PROMETHEUS_MULTIPROC_DIR``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any

from .logs import configure_logging
from .settings import Settings

__all__ = ["serve"]


def _log_settings(settings: Settings) -> dict[str, str]:
    return {"format": settings.log_format or ("console" if settings.development else "json"),
            "level": settings.log_level}


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    proxies = settings.forwarded_allow_ips
    if workers <= 1:
        import uvicorn

        uvicorn.run("recovery_hub.asgi:app", host=host, port=port,
                    log_level=settings.log_level.lower(), log_config=None,
                    proxy_headers=proxies is not None, forwarded_allow_ips=proxies,
                    timeout_graceful_shutdown=int(settings.shutdown_grace_seconds))
        return
    metrics_dir = tempfile.mkdtemp(prefix="recovery-hub-metrics-")
    # Before prometheus-client is imported (the app imports it): every process writes there.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        _Gunicorn(settings, host=host, port=port, workers=workers).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _gunicorn_classes() -> tuple[type, type, type]:
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger
    from uvicorn_worker import UvicornWorker

    class Logs(Logger):  # type: ignore[misc]
        """gunicorn's lines go through our handler (JSON lines), like everything else."""

        def setup(self, cfg: Any) -> None:
            for log in (self.error_log, self.access_log):
                log.handlers = []
                log.propagate = True
            self.error_log.setLevel(logging.INFO)

    class Worker(UvicornWorker):  # type: ignore[misc]
        CONFIG_KWARGS = {"loop": "auto", "http": "auto", "lifespan": "on"}

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # UvicornWorker hands uvicorn's loggers gunicorn's handlers; we have ours.
            for name in ("uvicorn.error", "uvicorn.access"):
                logging.getLogger(name).handlers = []
                logging.getLogger(name).propagate = True

    return BaseApplication, Logs, Worker


class _Gunicorn:
    def __init__(self, settings: Settings, *, host: str, port: int, workers: int) -> None:
        self.settings = settings
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "preload_app": True,
            # How long a worker may go without showing it is alive before it is restarted:
            # long enough for a busy host, short enough to replace a stuck worker.
            "timeout": int(settings.worker_timeout_seconds),
            "graceful_timeout": int(settings.shutdown_grace_seconds),
            "keepalive": 5,
            "forwarded_allow_ips": settings.forwarded_allow_ips or "",
            "child_exit": _child_exit,
        }

    def run(self) -> None:
        base, logs, worker = _gunicorn_classes()
        settings, options = self.settings, self.options

        class Application(base):  # type: ignore[misc, valid-type]
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)
                self.cfg.set("logger_class", logs)
                self.cfg.set("worker_class", worker)

            def load(self) -> Any:
                configure_logging(**_log_settings(settings))  # type: ignore[arg-type]
                from .app import create_app

                return create_app(settings)

        Application().run()


def _child_exit(_server: Any, worker: Any) -> None:
    """A worker is gone: its live gauges (connections in use) no longer count."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
