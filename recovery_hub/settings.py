"""Settings from the environment. Production is the default; development is explicit."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

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
        )
        return replace(settings, **overrides)  # type: ignore[arg-type]

    def dev_secret(self) -> str | None:
        """The development-token secret, or None in production (dev tokens refused)."""
        if not self.development:
            return None
        if self.secret_key:
            return self.secret_key
        path = Path("var") / "dev-secret"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Created owner-only in one step; if two processes race, the first one wins.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
        return path.read_text().strip()
