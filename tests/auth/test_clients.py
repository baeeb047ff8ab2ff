"""Registering partner apps: ``recovery-hub clients add|list|remove`` and the rules behind it
(exact, safe redirect URIs; scopes over known categories; integrations keep a secret)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import DomainError
from core.migrate import upgrade_async
from core.models import OAuthClient, UserAccount
from core.opaque_tokens import digest
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import accounts, oauth
from core.unit_of_work import UnitOfWork
from tests.support.cli import EXECUTABLE, Cli
from tests.support.world import PLUGINS, World


@pytest.mark.parametrize(("change", "code"), [
    ({"redirect_uris": ["http://app.example/cb"]}, "INVALID_REDIRECT_URI"),  # not https
    ({"redirect_uris": ["https://app.example/cb#top"]}, "INVALID_REDIRECT_URI"),
    ({"redirect_uris": ["javascript:alert(1)"]}, "INVALID_REDIRECT_URI"),
    ({"redirect_uris": []}, "NO_REDIRECT_URI"),
    ({"scopes": ["patient/nonsense.rs"]}, "INVALID_SCOPE"),
    ({"scopes": ["system/identity.rs"]}, "INVALID_SCOPE"),  # a person's app
    ({"scopes": []}, "INVALID_SCOPE"),
    ({"name": " "}, "REQUIRED"),
    ({"purpose": ""}, "REQUIRED"),
    ({"system": True, "redirect_uris": [], "scopes": ["system/identity.rs"],
      "confidential": False}, "PUBLIC_SYSTEM_CLIENT"),
    ({"client_id": "no spaces please"}, "INVALID_CLIENT_ID"),
])
async def test_registration_refuses_what_is_unsafe_or_unknown(
    world: World, change: dict[str, object], code: str
) -> None:
    given: dict[str, object] = {
        "name": "App", "purpose": "Why", "scopes": ["patient/identity.rs"],
        "redirect_uris": ["https://app.example/cb"]} | change
    with pytest.raises(DomainError) as refused:
        await oauth.register_client(world.uow, await world.policy("system"),
                                    **given)  # type: ignore[arg-type]
    assert refused.value.code == code


async def test_registration_is_for_operators_and_keeps_only_a_digest(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        await oauth.register_client(world.uow, await world.policy("ngozi"), name="App",
                                    purpose="Why", scopes=["patient/identity.rs"],
                                    redirect_uris=["https://app.example/cb"])
    assert refused.value.code == "FORBIDDEN"
    registered = await oauth.register_client(
        world.uow, await world.policy("system"), name="App", purpose="Why",
        scopes=["patient/identity.rs"],
        redirect_uris=["https://app.example/cb", "http://127.0.0.1:8123/cb",
                       "uk.example.app:/callback"])
    assert registered.secret and registered.secret.startswith("rhcs_")
    assert registered.client.secret_digest == digest(registered.secret)
    with pytest.raises(DomainError) as taken:
        await oauth.register_client(world.uow, await world.policy("system"), name="App",
                                    purpose="Why", scopes=["patient/identity.rs"],
                                    redirect_uris=["https://app.example/cb"],
                                    client_id=registered.client.client_id)
    assert taken.value.code == "CLIENT_ID_TAKEN"


async def test_the_clients_command(tmp_path: Path) -> None:
    database = tmp_path / "hub.db"
    url = f"sqlite:///{database}"
    await upgrade_async(url, plugins=PLUGINS)
    cli = Cli(tmp_path, url)
    added, system, bad = await asyncio.gather(
        cli.ok("clients", "add", "--name", "Recovery Diary", "--purpose", "Your goals",
               "--scope", "patient/recovery_plan.rs patient/wellbeing.rs",
               "--redirect-uri", "https://diary.example/cb", "--public",
               "--client-id", "diary"),
        cli.ok("clients", "add", "--name", "GP feed", "--purpose", "Health checks",
               "--scope", "system/physical_health.rs", "--system"),
        cli.run("clients", "add", "--name", "X", "--purpose", "Y", "--scope", "patient/x.rs",
                "--redirect-uri", "https://x.example/cb"))
    assert added.stdout == "client_id: diary\n"
    secret = re.search(r"client_secret: (rhcs_\S+)", system.stdout)
    assert secret, system.stdout
    assert "cannot be shown again" in system.stderr
    assert bad.returncode == 1 and "(INVALID_SCOPE)" in bad.stderr

    listed = await cli.ok("clients", "list")
    assert "diary  Recovery Diary  [public (PKCE)]" in listed.stdout
    assert "[system (client credentials)]" in listed.stdout
    assert secret.group(1) not in listed.stdout

    db = Database(url)
    try:
        await accounts.create_account(UnitOfWork(db), AccessPolicy(Principal.system()),
                                      username="belu")
        # accounts set-password reads the password from stdin when it is not a terminal.
        process = await asyncio.create_subprocess_exec(
            str(EXECUTABLE), "accounts", "set-password", "belu", cwd=tmp_path, env=cli.env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        (_, stderr), removed = await asyncio.gather(
            process.communicate(b"a brand new password\n"), cli.ok("clients", "remove", "diary"))
        assert process.returncode == 0, stderr
        assert "consents people gave it have ended" in removed.stderr
        async with db.reading() as session:
            stored = await session.scalar(select(UserAccount.password_hash).where(
                UserAccount.username == "belu"))
            assert await session.scalar(select(OAuthClient.removed_at).where(
                OAuthClient.client_id == "diary")) is not None
    finally:
        await db.dispose()
    assert stored is not None and stored.startswith("$argon2id$")
