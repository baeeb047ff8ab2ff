"""The device providers and the token vault: built once at start-up (``Devices.build``) and
carried by the unit of work (``uow.devices``) to the device services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import Conflict, InvalidInput
from ..permissions import ConfigurationError
from .providers import DeviceProvider
from .vault import TokenVault

if TYPE_CHECKING:
    import httpx2

    from ..plugins import Plugins
    from .fitbit import FitbitSettings

__all__ = ["Devices"]


@dataclass
class Devices:
    providers: dict[str, DeviceProvider] = field(default_factory=dict)
    vault: TokenVault | None = None
    # A connection must be finished this soon after the person was sent to the provider.
    connection_lifetime: dt.timedelta = dt.timedelta(minutes=10)
    # How far back the first import of a new connection reaches.
    backfill_days: int = 30
    # An import older than this is due again, notification or not (`devices sync --due`).
    stale_after: dt.timedelta = dt.timedelta(hours=6)

    @classmethod
    def build(
        cls,
        plugins: Plugins | None = None,
        *,
        token_keys: Sequence[str] = (),
        fitbit: FitbitSettings | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> Devices:
        """Core's Fitbit provider when its settings are given, then each plugin's (hook
        ``register_device_providers``); a name used twice stops start-up naming both."""
        providers: dict[str, DeviceProvider] = {}
        owners: dict[str, str] = {}
        if fitbit is not None:
            from .fitbit import Fitbit

            providers["fitbit"], owners["fitbit"] = Fitbit(fitbit, transport=transport), "core"
        if plugins is not None:
            for plugin, contributed in plugins.implementations("register_device_providers"):
                for provider in contributed or []:
                    if not isinstance(provider, DeviceProvider):
                        raise ConfigurationError(
                            f"plugin {plugin!r}: {provider!r} is not a DeviceProvider "
                            "(core/devices/providers.py)")
                    if provider.name in providers:
                        first = owners[provider.name]
                        raise ConfigurationError(
                            f"device provider {provider.name!r} is registered by both "
                            f"{first if first == 'core' else f'plugin {first!r}'} and "
                            f"plugin {plugin!r}")
                    providers[provider.name], owners[provider.name] = provider, plugin
        return cls(providers, TokenVault(token_keys) if token_keys else None)

    def provider(self, name: str, *, field: str = "provider") -> DeviceProvider:
        found = self.providers.get(name)
        if found is None:
            known = ", ".join(sorted(self.providers)) or "none are set up here"
            raise InvalidInput(f"Unknown device provider {name!r} (known: {known}).",
                               code="UNKNOWN_PROVIDER", field=field)
        return found

    def require_vault(self) -> TokenVault:
        if self.vault is None:
            raise Conflict("Devices cannot be connected here yet: the operator has not set "
                           "a key for their tokens.", code="DEVICES_NOT_CONFIGURED")
        return self.vault
