"""``recovery-hub clients add|list|remove`` (OAuth clients) and ``recovery-hub accounts
set-password``: what an operator does to let partner apps and people in."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select

from core.db import Database
from core.errors import DomainError
from core.events import EventDispatcher
from core.models import Organisation
from core.plugins import Plugins, access_rules
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import accounts, oauth
from core.unit_of_work import UnitOfWork

from .settings import Settings

__all__ = ["add_oauth_commands"]

T = TypeVar("T")


def _run(settings: Settings, plugins: Plugins,
         work: Callable[[UnitOfWork, AccessPolicy], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.database_url)
        try:
            uow = UnitOfWork(db, EventDispatcher(), plugins)
            return await work(uow, AccessPolicy(Principal.system(), access_rules(plugins)))
        finally:
            await db.dispose()

    return asyncio.run(run())


def _failed(error: DomainError) -> int:
    print(f"recovery-hub: {error.message} ({error.code})", file=sys.stderr)
    return 1


def _clients_add(args: argparse.Namespace, settings: Settings) -> int:
    scopes = [scope for given in args.scope for scope in given.split()]

    async def add(uow: UnitOfWork, policy: AccessPolicy) -> oauth.RegisteredClient:
        organisation_id = None
        if args.organisation:
            async with uow.db.reading() as session:
                organisation_id = await session.scalar(select(Organisation.id).where(
                    Organisation.ods_code == args.organisation.strip().upper()))
            if organisation_id is None:
                raise DomainError(f"No organisation has the ODS code {args.organisation!r}.",
                                  code="NOT_FOUND")
        return await oauth.register_client(
            uow, policy, name=args.name, purpose=args.purpose, scopes=scopes,
            redirect_uris=args.redirect_uri, organisation_id=organisation_id,
            confidential=not args.public, system=args.system, client_id=args.client_id)

    try:
        registered = _run(settings, args.plugins, add)
    except DomainError as error:
        return _failed(error)
    client = registered.client
    print(f"client_id: {client.client_id}")
    if registered.secret:
        print(f"client_secret: {registered.secret}")
        print("Keep the secret safe now: it is stored hashed and cannot be shown again.",
              file=sys.stderr)
    return 0


def _kind(client: Any) -> str:
    if client.system:
        return "system (client credentials)"
    return "public (PKCE)" if client.secret_digest is None else "confidential (PKCE + secret)"


def _clients_list(args: argparse.Namespace, settings: Settings) -> int:
    async def listing(uow: UnitOfWork, _policy: AccessPolicy) -> list[Any]:
        async with uow.db.reading() as session:
            return await oauth.list_clients(session)

    clients = _run(settings, args.plugins, listing)
    if not clients:
        print("No clients. Add one with: recovery-hub clients add --help", file=sys.stderr)
    for client in clients:
        print(f"{client.client_id}  {client.name}  [{_kind(client)}]")
        print(f"    scopes: {' '.join(client.scopes)}")
        for uri in client.redirect_uris:
            print(f"    redirect: {uri}")
    return 0


def _clients_remove(args: argparse.Namespace, settings: Settings) -> int:
    async def remove(uow: UnitOfWork, policy: AccessPolicy) -> None:
        await oauth.remove_client(uow, policy, args.client_id)

    try:
        _run(settings, args.plugins, remove)
    except DomainError as error:
        return _failed(error)
    print(f"Removed {args.client_id}: its tokens no longer work and the consents people gave "
          "it have ended.", file=sys.stderr)
    return 0


def _set_password(args: argparse.Namespace, settings: Settings) -> int:
    if sys.stdin.isatty():
        password = getpass.getpass("New password: ")
    else:
        password = sys.stdin.readline().rstrip("\n")

    async def set_password(uow: UnitOfWork, policy: AccessPolicy) -> None:
        await accounts.set_password(uow, policy, username=args.username, password=password)

    try:
        _run(settings, args.plugins, set_password)
    except DomainError as error:
        return _failed(error)
    print(f"Password set for {args.username.strip().lower()}.", file=sys.stderr)
    return 0


def add_oauth_commands(commands: argparse._SubParsersAction[Any]) -> None:
    clients = commands.add_parser(
        "clients", help="OAuth clients: partner frontends, people's apps, integrations"
    ).add_subparsers(dest="clients_command", required=True, metavar="ACTION")
    add = clients.add_parser(
        "add", help="register a client and print its client_id (and secret, once)",
        description="Register an app people sign in to (authorization code with PKCE, "
        "refresh tokens) or, with --system, a system integration (client credentials).")
    add.add_argument("--name", required=True, help="shown on the consent screen")
    add.add_argument("--purpose", required=True,
                     help="why it asks for information, shown on the consent screen")
    add.add_argument("--scope", action="append", required=True, metavar="SCOPES",
                     help="what it may ask for, e.g. 'patient/recovery_plan.rs "
                     "patient/wellbeing.cru' (repeatable)")
    add.add_argument("--redirect-uri", action="append", default=[], metavar="URI",
                     help="an exact redirect URI (repeatable)")
    add.add_argument("--organisation", metavar="ODS_CODE",
                     help="the organisation behind it, by ODS code")
    add.add_argument("--public", action="store_true",
                     help="a browser or phone app that cannot keep a secret")
    add.add_argument("--system", action="store_true",
                     help="a system integration: client credentials, system/... scopes")
    add.add_argument("--client-id", help="choose the client_id (default: generated)")
    add.set_defaults(handler=_clients_add)
    clients.add_parser("list", help="list registered clients",
                       description="List the clients that are not removed.").set_defaults(
        handler=_clients_list)
    remove = clients.add_parser(
        "remove", help="remove a client: its tokens and consents end now",
        description="Remove a client. Its tokens stop working and people's consents to it "
        "end; the record stays, so people's consent history still names it.")
    remove.add_argument("client_id", metavar="CLIENT_ID")
    remove.set_defaults(handler=_clients_remove)

    account = commands.add_parser("accounts", help="sign-in accounts").add_subparsers(
        dest="accounts_command", required=True, metavar="ACTION")
    password = account.add_parser(
        "set-password", help="set an account's password (read from the terminal or stdin)",
        description="Set the password an account signs in with on the consent screen. "
        "Stored hashed with Argon2id.")
    password.add_argument("username", metavar="USERNAME")
    password.set_defaults(handler=_set_password)
