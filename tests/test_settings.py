"""Settings come from RECOVERY_HUB_* variables, checked: a bad value stops start-up with a
message naming the variable, its value and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from recovery_hub.settings import Settings, SettingsError
from tests.support.cli import Cli


def test_every_setting_comes_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"DATABASE_URL": "postgresql://db/hub", "DEV": "1", "POOL_SIZE": "25",
                        "REQUEST_TIMEOUT_SECONDS": "12.5", "JOBS": "worker",
                        "REDIS_URL": "redis://127.0.0.1:6379/0", "SMTP_HOST": "mail.nhs.net",
                        "SMTP_PORT": "587", "SMTP_SECURITY": "starttls",
                        "PASSWORD_SIGN_IN": "0", "LOG_FORMAT": "console"}.items():
        monkeypatch.setenv(f"RECOVERY_HUB_{name}", value)
    settings = Settings.from_env()
    assert (settings.database_url, settings.development, settings.pool_size) == (
        "postgresql://db/hub", True, 25)
    assert (settings.request_timeout_seconds, settings.jobs, settings.redis_url) == (
        12.5, "worker", "redis://127.0.0.1:6379/0")
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "mail.nhs.net", 587, "starttls")
    assert (settings.password_sign_in, settings.log_format) == (False, "console")
    # Built in code, settings read no environment.
    assert Settings() == Settings(database_url="sqlite:///var/recovery-hub.db")
    assert Settings().development is False


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("POOL_SIZE", "lots", "RECOVERY_HUB_POOL_SIZE='lots': Input should be a valid integer"),
    ("POOL_SIZE", "0", "RECOVERY_HUB_POOL_SIZE='0': Input should be greater than or equal to 1"),
    ("DEV", "maybe", "RECOVERY_HUB_DEV='maybe': Input should be a valid boolean"),
    ("JOBS", "sometimes", "RECOVERY_HUB_JOBS='sometimes': Input should be 'embedded' or "
                          "'worker'"),
    ("DATABASE_URL", "mysql://db/hub", "RECOVERY_HUB_DATABASE_URL='mysql://db/hub': use "
                                       "sqlite:///path/to/file.db or postgresql://"),
    ("SMTP_PORT", "70000", "RECOVERY_HUB_SMTP_PORT='70000': Input should be less than or "
                           "equal to 65535"),
])
def test_a_bad_value_is_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                              message: str) -> None:
    monkeypatch.setenv(f"RECOVERY_HUB_{variable}", value)
    with pytest.raises(SettingsError) as raised:
        Settings.from_env()
    assert str(raised.value).startswith(message)


async def test_the_command_line_refuses_to_start_on_a_bad_value(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'never-created.db'}")
    ran = await cli.run("serve", env={"RECOVERY_HUB_REQUEST_TIMEOUT_SECONDS": "soon"})
    assert ran.returncode == 2
    assert ran.stderr.startswith("recovery-hub: cannot start: "
                                 "RECOVERY_HUB_REQUEST_TIMEOUT_SECONDS='soon': Input should be a "
                                 "valid number")
    assert "Traceback" not in ran.stderr
    assert not (tmp_path / "never-created.db").exists()
