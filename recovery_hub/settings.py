"""Settings from the environment. Production is the default; development is explicit.

Every setting is a ``RECOVERY_HUB_<NAME>`` environment variable, read and checked by
pydantic-settings (``Settings.from_env()``); a bad value stops start-up with
``SettingsError`` naming the variable, the value and what was expected. In code and tests,
``Settings(database_url=..., development=True)`` builds settings without reading the
environment. docs/operations.md lists them all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.devices.fitbit import FitbitSettings
from core.devices.vault import new_key

__all__ = ["DEFAULT_DATABASE_URL", "ENV_PREFIX", "Settings", "SettingsError"]

DEFAULT_DATABASE_URL = "sqlite:///var/recovery-hub.db"
ENV_PREFIX = "RECOVERY_HUB_"


class SettingsError(ValueError):
    """An environment variable with a value that cannot be used."""


class Settings(BaseModel):
    """What an operator can set. Field ``x`` is the variable ``RECOVERY_HUB_X``."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True,
                              validate_by_alias=True)

    database_url: str = DEFAULT_DATABASE_URL
    plugins_file: str = "plugins.toml"
    # RECOVERY_HUB_DEV=1, as `serve --dev`.
    development: bool = Field(False, validation_alias="RECOVERY_HUB_DEV")
    # Signs development tokens. In development it defaults to one kept in var/dev-secret, so
    # that `recovery-hub token` and `recovery-hub serve` agree.
    secret_key: str | None = Field(None, repr=False)
    # Our public URL (https://...), the OAuth issuer; tokens are for <issuer>/graphql. By
    # default each request's own origin: set it when behind a proxy or on several hosts.
    issuer: str | None = None
    # Local passwords on the sign-in page; off when only upstream identity providers (NHS
    # login, NHS CIS2: plugin hook register_identity_providers) may be used.
    password_sign_in: bool = True

    # --- requests -------------------------------------------------------------------------
    request_timeout_seconds: float = Field(30.0, gt=0)
    max_depth: int = Field(12, ge=1)
    max_aliases: int = Field(30, ge=0)
    max_tokens: int = Field(3000, ge=1)
    # Checked before any work (docs/operations.md#limits): 413 past the body size, 400 for
    # JSON nested deeper, a list with more entries or a text longer than these.
    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_json_depth: int = Field(32, ge=4)
    max_list_entries: int = Field(500, ge=1)
    max_text_length: int = Field(50_000, ge=10)
    # Moving windows ("300/minute"): per client address on /graphql, per signed-in client or
    # account on /graphql, per address on /oauth/token. Shared through Redis when configured.
    rate_limit_per_address: str = "600/minute"
    rate_limit_per_client: str = "300/minute"
    rate_limit_token_per_address: str = "30/minute"
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed ("10.0.0.1,10.0.0.2" or
    # "*"); none: the connecting address is the client's.
    forwarded_allow_ips: str | None = None
    # On SIGTERM, requests and jobs in flight get this long to finish.
    shutdown_grace_seconds: float = Field(30.0, ge=0)
    # `serve --workers N`: a worker silent this long is restarted (gunicorn's timeout).
    worker_timeout_seconds: float = Field(60.0, ge=5)

    # --- the database ---------------------------------------------------------------------
    # Connections per worker process (and as many again in overflow).
    pool_size: int = Field(10, ge=1)
    pool_timeout_seconds: float = Field(30.0, gt=0)

    # --- logs -----------------------------------------------------------------------------
    # "json": one JSON object a line (production's default); "console": readable (dev's).
    log_format: Literal["json", "console"] | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # --- background jobs ------------------------------------------------------------------
    # "embedded": each app process also runs jobs (nothing else to start; the SQLite default).
    # "worker": only `recovery-hub worker` processes run them; the app enqueues.
    jobs: Literal["embedded", "worker"] = "embedded"
    # Wakes job workers on other processes through Redis pub/sub (else PostgreSQL's
    # LISTEN/NOTIFY, or in-process only on SQLite); rate limits are shared there too.
    redis_url: str | None = None

    # --- email ------------------------------------------------------------------------------
    # No SMTP host, no email: notifications stay in the app.
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = Field(None, repr=False)
    # "starttls" upgrades a plain connection; "tls" connects with TLS (port 465).
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    mail_from: str = "Recovery Hub <no-reply@recovery-hub.invalid>"

    # --- devices (docs/health-record.md) ------------------------------------------------------
    # Keys that encrypt device tokens, newest first, comma-separated ("recovery-hub devices
    # new-key"); in development, one kept in var/device-token-key unless given.
    device_token_keys: Annotated[tuple[str, ...], NoDecode] = Field((), repr=False)
    # Fitbit, when its app's client id, secret and redirect URI are all given.
    fitbit_client_id: str | None = None
    fitbit_client_secret: str | None = Field(None, repr=False)
    fitbit_redirect_uri: str | None = None
    fitbit_authorize_url: str | None = None
    fitbit_api_url: str | None = None
    fitbit_verification_code: str | None = Field(None, repr=False)
    fitbit_subscriber_id: str | None = None

    @field_validator("device_token_keys", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(key.strip() for key in value.split(",") if key.strip())
        return value

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+", "sqlite+")):
            raise ValueError("use sqlite:///path/to/file.db or postgresql://user@host/dbname")
        return value

    @field_validator("rate_limit_per_address", "rate_limit_per_client",
                     "rate_limit_token_per_address")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        from .rate_limits import parse_limit

        parse_limit(value)
        return value

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """The settings in ``RECOVERY_HUB_*`` variables, then ``overrides``.

        Raises ``SettingsError`` naming each variable whose value is wrong.
        """
        try:
            found = _FromEnvironment(**overrides)
        except ValidationError as error:
            raise SettingsError(_explain(error)) from None
        return Settings.model_validate(found.model_dump())

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed, checked like the originals."""
        values = {**self.model_dump(), **changes}
        try:
            return Settings.model_validate(values)
        except ValidationError as error:
            raise SettingsError(_explain(error)) from None

    @property
    def fitbit(self) -> FitbitSettings | None:
        """Fitbit's app, when its client id, secret and redirect URI are all given."""
        if not (self.fitbit_client_id and self.fitbit_client_secret
                and self.fitbit_redirect_uri):
            return None
        optional = {name: value for name in ("authorize_url", "api_url", "verification_code",
                                             "subscriber_id")
                    if (value := getattr(self, f"fitbit_{name}")) is not None}
        return FitbitSettings(client_id=self.fitbit_client_id,
                              client_secret=self.fitbit_client_secret,
                              redirect_uri=self.fitbit_redirect_uri, **optional)

    @property
    def public_url(self) -> str | None:
        """Where people reach us (links in emails): the issuer, when set."""
        return self.issuer.rstrip("/") if self.issuer else None

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


class _FromEnvironment(BaseSettings, Settings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore",
                                      validate_by_name=True, validate_by_alias=True,
                                      env_ignore_empty=True)


def _variable(location: tuple[int | str, ...]) -> str:
    name = str(location[0]) if location else "?"
    return name if name.startswith(ENV_PREFIX) else f"{ENV_PREFIX}{name.upper()}"


def _explain(error: ValidationError) -> str:
    problems = []
    for problem in error.errors():
        value = problem.get("input")
        shown = f"={value!r}" if isinstance(value, str | int | float) else ""
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{_variable(problem['loc'])}{shown}: {message}")
    return "; ".join(problems)
