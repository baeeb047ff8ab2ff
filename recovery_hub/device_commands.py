"""``recovery-hub devices sync|new-key|rotate-keys``: importing from device accounts, and the
keys their tokens are encrypted with."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from core.db import Database
from core.devices.connections import reseal_tokens
from core.devices.sync import sync_due
from core.devices.vault import new_key
from core.errors import DomainError
from core.events import EventDispatcher
from core.plugins import Plugins
from core.unit_of_work import UnitOfWork

from .devices import platform_devices
from .settings import Settings

__all__ = ["add_device_commands"]


def _uow(settings: Settings, plugins: Plugins) -> UnitOfWork:
    return UnitOfWork(Database(settings.database_url), EventDispatcher(), plugins,
                      platform_devices(settings, plugins))


def _sync(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        uow = _uow(settings, args.plugins)
        try:
            results = await sync_due(uow, device_ids=args.device or None)
        except DomainError as error:
            print(f"recovery-hub: {error.message} ({error.code})", file=sys.stderr)
            return 1
        finally:
            await uow.db.dispose()
        for result in results:
            state = result.error or ("done" if result.complete else
                                     f"waiting until {result.waiting_until:%H:%M} UTC")
            print(f"device {result.device_id}: {result.imported} new, {result.amended} "
                  f"revised, {result.unchanged} unchanged, {len(result.skipped)} skipped; "
                  f"{state}")
        print(f"{len(results)} device(s) imported.", file=sys.stderr)
        return 1 if any(result.error for result in results) else 0

    return asyncio.run(run())


def _new_key(_args: argparse.Namespace, _settings: Settings) -> int:
    print(new_key())
    return 0


def _rotate(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        uow = _uow(settings, args.plugins)
        try:
            count = await reseal_tokens(uow)
        except DomainError as error:
            print(f"recovery-hub: {error.message} ({error.code})", file=sys.stderr)
            return 1
        finally:
            await uow.db.dispose()
        print(f"{count} secret(s) encrypted again under the first key.", file=sys.stderr)
        return 0

    return asyncio.run(run())


def add_device_commands(commands: argparse._SubParsersAction[Any]) -> None:
    devices = commands.add_parser("devices", help="device accounts (Fitbit)").add_subparsers(
        dest="devices_command", required=True, metavar="ACTION")
    sync = devices.add_parser(
        "sync", help="import what is due from connected device accounts",
        description="Import every connected device that a notification asked for, that was "
        "never imported, or not for six hours (or only --device). Idempotent and "
        "rate-limit aware: run it every few minutes. Exits 1 if an import failed.")
    sync.add_argument("--device", type=int, action="append", metavar="ID",
                      help="only this device (repeatable)")
    sync.set_defaults(handler=_sync)
    devices.add_parser("new-key", help="print a new key for device tokens",
                       description="Print a key for RECOVERY_HUB_DEVICE_TOKEN_KEYS."
                       ).set_defaults(handler=_new_key)
    devices.add_parser(
        "rotate-keys", help="encrypt stored tokens again under the first key",
        description="After putting a new key first in RECOVERY_HUB_DEVICE_TOKEN_KEYS: "
        "encrypt every stored token under it. Then the old key can be removed."
    ).set_defaults(handler=_rotate)
