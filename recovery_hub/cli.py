"""``recovery-hub``: serve the API, migrate, load demo data, print the schema, get a dev token."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from auth.dev_tokens import issue_dev_token
from core.db import Database
from core.events import EventDispatcher
from core.migrate import upgrade
from core.permissions import ConfigurationError
from core.plugins import Plugins, access_rules, load_plugins
from core.services.accounts import principal_for_username
from core.unit_of_work import UnitOfWork
from schema.build import build_schema

from .device_commands import add_device_commands
from .logs import configure_logging
from .oauth_commands import add_oauth_commands
from .settings import Settings, SettingsError

__all__ = ["main"]


def _ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _configure_logging(settings: Settings) -> None:
    configure_logging(
        format=settings.log_format or ("console" if settings.development else "json"),
        level=settings.log_level)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from .serving import serve

    if args.dev:
        settings = settings.replace(development=True)
    _configure_logging(settings)
    mode = "development (GraphiQL on, dev tokens accepted)" if settings.development else (
        "production")
    logging.getLogger("recovery_hub").info(
        "Recovery Hub on http://%s:%s/graphql in %s mode, %s worker(s)", args.host, args.port,
        mode, args.workers)
    if settings.development:
        import os

        os.environ["RECOVERY_HUB_DEV"] = "1"  # for the one uvicorn process, which reads it
    serve(settings, host=args.host, port=args.port, workers=args.workers)
    return 0


def _worker(_args: argparse.Namespace, settings: Settings) -> int:
    """Run background jobs until SIGTERM or SIGINT, then finish the jobs in flight."""
    import signal

    from core.jobs.runner import JobRunner

    from .app import mail_settings

    _configure_logging(settings)
    log = logging.getLogger("recovery_hub.worker")

    async def run() -> int:
        plugins: Plugins = _args.plugins
        db = Database(settings.database_url, pool_size=settings.pool_size,
                      pool_timeout=settings.pool_timeout_seconds)
        uow = UnitOfWork(db, EventDispatcher(), plugins)
        uow.mail = mail_settings(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            async with JobRunner(uow, redis_url=settings.redis_url) as runner:
                log.info("worker %s running jobs: %s", runner.identity, ", ".join(sorted(uow.jobs)))
                await stop.wait()
                log.info("worker %s stopping: finishing the jobs in flight", runner.identity)
        finally:
            await db.dispose()
        return 0

    return asyncio.run(run())


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    _ensure_sqlite_directory(settings.database_url)
    upgrade(settings.database_url, plugins=args.plugins)
    print("Database is up to date.", file=sys.stderr)
    return 0


def _demo_load(args: argparse.Namespace, settings: Settings) -> int:
    from .app import load_demo_world
    from .demo import demo_is_loaded

    async def run() -> int:
        db = Database(settings.database_url)
        try:
            if await demo_is_loaded(db):
                if args.if_empty:
                    print("Demo data is already loaded.", file=sys.stderr)
                    return 0
                print("The database is not empty: demo data loads only into an empty one.",
                      file=sys.stderr)
                return 1
            plugins: Plugins = args.plugins
            await load_demo_world(UnitOfWork(db, EventDispatcher(), plugins),
                                  access_rules(plugins), plugins)
            print("Demo data loaded.", file=sys.stderr)
            return 0
        finally:
            await db.dispose()

    return asyncio.run(run())


def _dev_token(settings: Settings, username: str) -> str | None:
    async def exists() -> bool:
        db = Database(settings.database_url)
        try:
            async with db.reading() as session:
                return await principal_for_username(session, username) is not None
        finally:
            await db.dispose()

    if not asyncio.run(exists()):
        return None
    secret = settings.replace(development=True).dev_secret()
    assert secret is not None
    return issue_dev_token(secret, username.strip().lower())


def _token(args: argparse.Namespace, settings: Settings) -> int:
    token = _dev_token(settings, args.username)
    if token is None:
        print(f"No user {args.username!r}. Demo users: "
              f"{', '.join(u.username for u in _demo_users())}.", file=sys.stderr)
        return 1
    print(token)
    return 0


def _demo_users():  # type: ignore[no-untyped-def]
    from .demo import DEMO_USERS

    return DEMO_USERS


def _demo_tokens(_args: argparse.Namespace, settings: Settings) -> int:
    print("\nDemo users. In GraphiQL, open Headers and paste "
          '{"Authorization": "Bearer <token>"}; or run: recovery-hub token --as <user>\n')
    for user in _demo_users():
        token = _dev_token(settings, user.username)
        if token is not None:
            print(f"  {user.username:<14} {user.who}\n  {'':<14} {token}\n")
    return 0


def _audit_verify(_args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when the trail is intact; 1 naming the first tampered event, whatever was
    written into the rows; 2 when the database cannot be read at all."""
    from core.audit import verify_chain

    async def run() -> int:
        db = Database(settings.database_url)
        try:
            async with db.reading() as session:
                report = await verify_chain(session)
        except Exception as error:  # the database, not the trail: say so, no traceback
            print(f"recovery-hub: cannot read the audit trail: {type(error).__name__}: "
                  f"{str(error).splitlines()[0] if str(error) else ''}", file=sys.stderr)
            return 2
        finally:
            await db.dispose()
        if report.ok:
            print(report.message())
            return 0
        print(report.message(), file=sys.stderr)
        return 1

    return asyncio.run(run())


def _schema_print(args: argparse.Namespace, _settings: Settings) -> int:
    plugins: Plugins = args.plugins
    print(build_schema(development=True, rules=access_rules(plugins), plugins=plugins).as_str())
    return 0


def _parser(plugins: Plugins | None = None) -> argparse.ArgumentParser:
    """The command line: core's commands and the plugins' (``register_commands``)."""
    plugins = plugins or load_plugins(None, entries=[], entry_points=False)
    parser = argparse.ArgumentParser(
        prog="recovery-hub",
        description="Recovery Hub: a GraphQL platform for recovery goals, Personal Health "
        "Budgets and consent. The database comes from RECOVERY_HUB_DATABASE_URL "
        "(default sqlite:///var/recovery-hub.db).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the GraphQL API",
                                description="Serve /graphql. Production mode unless --dev.")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--dev", action="store_true",
                       help="development mode: GraphiQL, introspection, dev tokens")
    serve.set_defaults(handler=_serve)

    commands.add_parser(
        "worker", help="run background jobs (scheduled reviews, reminders, emails)",
        description="Run background jobs until stopped (SIGTERM finishes the jobs in flight). "
        "Start as many as you like, on any host: each job runs once. With "
        "RECOVERY_HUB_JOBS=worker the app leaves all jobs to these.").set_defaults(
        handler=_worker)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION")
    db.add_parser("upgrade", help="migrate the database to the latest schema",
                  description="Create or migrate the database. Safe to run again.").set_defaults(
        handler=_db_upgrade)

    demo = commands.add_parser("demo", help="demo data").add_subparsers(
        dest="demo_command", required=True, metavar="ACTION")
    load = demo.add_parser("load", help="load the City & Hackney demo data",
                           description="Load demo data into an empty database.")
    load.add_argument("--if-empty", action="store_true",
                      help="do nothing (and succeed) if data is already there")
    load.set_defaults(handler=_demo_load)
    demo.add_parser("tokens", help="print a development token for each demo user",
                    description="Print each demo user with a development bearer token."
                    ).set_defaults(handler=_demo_tokens)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(
        dest="audit_command", required=True, metavar="ACTION")
    audit.add_parser(
        "verify", help="check the audit trail's hash chain",
        description="Walk the hash-chained audit trail. Exits 1, naming the first bad event, "
        "if an event was edited, deleted or reordered.").set_defaults(handler=_audit_verify)

    schema = commands.add_parser("schema", help="the GraphQL schema").add_subparsers(
        dest="schema_command", required=True, metavar="ACTION")
    schema.add_parser("print", help="print the schema (SDL) to stdout",
                      description="Print the GraphQL schema in SDL.").set_defaults(
        handler=_schema_print)

    token = commands.add_parser(
        "token", help="print a development bearer token for a user",
        description="Development only: print a bearer token that a server started with "
        "--dev accepts for this user (e.g. ngozi, belu, cc-amara).")
    token.add_argument("--as", dest="username", required=True, metavar="USER")
    token.set_defaults(handler=_token)
    add_oauth_commands(commands)
    add_device_commands(commands)
    listing = commands.add_parser("plugins", help="installed plugins").add_subparsers(
        dest="plugins_command", required=True, metavar="ACTION")
    listing.add_parser(
        "list", help="each plugin: where it came from, enabled or not, the hooks it implements",
        description="List core's, the shipped and the installed plugins.").set_defaults(
        handler=_plugins_list)
    for name, register in plugins.callers("register_commands", subparsers=commands):
        try:
            register()
        except argparse.ArgumentError as error:  # e.g. a command core or a plugin has
            raise ConfigurationError(f"plugin {name!r}: {error}") from None
    parser.set_defaults(plugins=plugins)
    return parser


def _plugins_list(args: argparse.Namespace, _settings: Settings) -> int:
    plugins: Plugins = args.plugins
    for name in plugins.names():
        print(f"{name}  enabled  {plugins.origins.get(name, '')}")
        print(f"    hooks: {', '.join(plugins.hooks_of(name)) or '(none)'}")
    for name, origin in plugins.disabled.items():
        print(f"{name}  disabled  {origin}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 2, with a message on stderr, when a setting, a plugin or plugins.toml is wrong."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"recovery-hub: cannot start: {error}", file=sys.stderr)
        return 2
    try:
        parser = _parser(load_plugins(Path(settings.plugins_file)))
    except ConfigurationError as error:
        print(f"recovery-hub: cannot start: {error}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args, settings))
    except ConfigurationError as error:
        print(f"recovery-hub: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
