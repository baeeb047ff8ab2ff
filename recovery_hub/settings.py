"""Settings from the environment. Production is the default; development is explicit."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.devices.fitbit import FitbitSettings
from core.devices.vault import new_key

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///var/recovery-hub.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    plugins_file: str = "plugins.toml"
    development: bool = False
    # Signs development tokens. In development it defaults to one kept in var/dev-secret, so
    # that `recovery-hub token` and `recovery-hub serve` agree.
    secret_key: str | None = field(default=None, repr=False)
    request_timeout_seconds: float = 30.0
    # Our public URL (https://...), the OAuth issuer; tokens are for <issuer>/graphql. By
    # default each request's own origin: set it when behind a proxy or on several hosts.
    issuer: str | None = None
    # Local passwords on the sign-in page; off when only upstream identity providers (NHS
    # login, NHS CIS2: plugin hook register_identity_providers) may be used.
    password_sign_in: bool = True
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    # Device accounts (docs/health-record.md): keys that encrypt their tokens, newest first;
    # in development, one kept in var/device-token-key unless given.
    device_token_keys: tuple[str, ...] = field(default=(), repr=False)
    fitbit: FitbitSettings | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        settings = cls(
            database_url=env.get("RECOVERY_HUB_DATABASE_URL", DEFAULT_DATABASE_URL),
            plugins_file=env.get("RECOVERY_HUB_PLUGINS_FILE", "plugins.toml"),
            development=env.get("RECOVERY_HUB_DEV", "").lower() in ("1", "true", "yes"),
            secret_key=env.get("RECOVERY_HUB_SECRET_KEY") or None,
            issuer=env.get("RECOVERY_HUB_ISSUER") or None,
            password_sign_in=env.get("RECOVERY_HUB_PASSWORD_SIGN_IN", "1").lower()
            not in ("0", "false", "no"),
            device_token_keys=tuple(key.strip() for key in env.get(
                "RECOVERY_HUB_DEVICE_TOKEN_KEYS", "").split(",") if key.strip()),
            fitbit=_fitbit(env),
        )
        return replace(settings, **overrides)  # type: ignore[arg-type]

    def device_keys(self) -> tuple[str, ...]:
        """The keys for device tokens; in development without any, one kept in var/."""
        if self.device_token_keys or not self.development:
            return self.device_token_keys
        return (_kept(Path("var") / "device-token-key", new_key),)

    def dev_secret(self) -> str | None:
        """The development-token secret, or None in production (dev tokens refused)."""
        if not self.development:
            return None
        if self.secret_key:
            return self.secret_key
        return _kept(Path("var") / "dev-secret", lambda: secrets.token_hex(32))


def _kept(path: Path, make: Callable[[], str]) -> str:
    """A development secret kept in a file, made the first time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Created owner-only in one step; if two processes race, the first one wins.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(make())
    return path.read_text().strip()


def _fitbit(env: Mapping[str, str]) -> FitbitSettings | None:
    """Fitbit, when its app's client id, secret and redirect URI are all given."""
    given = {name: env.get(f"RECOVERY_HUB_FITBIT_{name.upper()}") or None for name in (
        "client_id", "client_secret", "redirect_uri", "authorize_url", "api_url",
        "verification_code", "subscriber_id")}
    if not (given["client_id"] and given["client_secret"] and given["redirect_uri"]):
        return None
    return FitbitSettings(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
