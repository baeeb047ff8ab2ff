"""End to end in a real browser: Debian's Chromium, driven by Playwright, against the real app
under uvicorn (production mode) with a temporary SQLite database and the demo data.

A demo person signs in with the keyboard, grants two of the three kinds of information an app
asks for, and the app exchanges the code with PKCE; its token reads what was granted and is
refused the third. The person then revokes the consent (through their own Recovery Hub app)
and the same token is refused. On the way: screenshots of the sign-in page and the consent
screen at 360 px and desktop widths (var/test-artifacts/browser/), axe-core on both (no serious
or critical violations), a visible focus ring, and no sideways scrolling on a small phone.

Skipped only when Chromium or Playwright is missing and CI is not set; with CI=true it fails.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from core.db import Database
from core.events import EventDispatcher
from core.migrate import upgrade_async
from core.plugins import access_rules, load_plugins
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import oauth
from core.unit_of_work import UnitOfWork
from recovery_hub.app import load_demo_world
from recovery_hub.demo import DEMO_PASSWORD
from tests.support.oauth import Pkce, query_of

ROOT = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "assets" / "axe.min.js"
ARTIFACTS = ROOT / "var" / "test-artifacts" / "browser"
IN_CI = os.environ.get("CI", "").lower() == "true"
APP_REDIRECT = "http://localhost:8765/callback"  # answered by the test (page.route)
ASKED = "patient/identity.rs patient/recovery_plan.rs patient/contact.rs"


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser test must run)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn on a free port, over a new SQLite database with the demo data
    and two registered apps."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    plugins = load_plugins(ROOT / "plugins.toml")

    async def prepare() -> None:
        await upgrade_async(url, plugins=plugins)
        db = Database(url)
        try:
            uow = UnitOfWork(db, EventDispatcher(), plugins)
            rules = access_rules(plugins)
            await load_demo_world(uow, rules, plugins)
            system = AccessPolicy(Principal.system(), rules)
            await oauth.register_client(
                uow, system, name="Recovery Diary", purpose="To show your goals in your diary.",
                scopes=ASKED.split(), redirect_uris=[APP_REDIRECT], confidential=False,
                client_id="diary")
            await oauth.register_client(
                uow, system, name="Recovery Hub", purpose="Your own Recovery Hub app.",
                scopes=["patient/consent.cru"], redirect_uris=[APP_REDIRECT],
                confidential=False, client_id="hub-app")
        finally:
            await db.dispose()

    # A thread of its own: the test's event loop is not running yet.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, prepare()).result()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOVERY_HUB_")}
    env |= {"RECOVERY_HUB_DATABASE_URL": url, "RECOVERY_HUB_PLUGINS_FILE": "plugins.toml"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "recovery_hub.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"uvicorn exited: {output}")
            time.sleep(0.05)
        else:
            pytest.fail("uvicorn did not start in 10 s")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    _need(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - the test extras install it
        _need(False, "Playwright is not installed (pip install -e '.[test]')")
        raise
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                   args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 360, "height": 800})
        try:
            yield await context.new_page()
        finally:
            await context.close()
            await browser.close()


async def _axe(page: Any, name: str) -> None:
    """axe-core's WCAG 2.x A/AA and best-practice rules: nothing serious or critical."""
    await page.evaluate(AXE.read_text())
    results = await page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})""")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]])
           for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{name}: {bad}"
    assert results["passes"], f"{name}: axe checked nothing"


async def _screenshots(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (360, 1280):
        await page.set_viewport_size({"width": width, "height": 800})
        await page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        # Usable on a small phone: nothing wider than the screen.
        assert await page.evaluate("document.documentElement.scrollWidth") <= width, name
    await page.set_viewport_size({"width": 360, "height": 800})


async def _focus_is_visible(page: Any) -> None:
    style = await page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }""")
    assert style[0] != "none" and style[1] != "0px", style


async def _allow(page: Any, pkce: Pkce, client_id: str, scope: str,
                 labels: list[str]) -> str:
    """Tick ``labels`` with the keyboard, press Allow, and return the code the app gets."""
    for label in labels:
        await page.get_by_label(label).focus()
        await _focus_is_visible(page)
        await page.keyboard.press("Space")
    await page.get_by_role("button", name="Allow").focus()
    await _focus_is_visible(page)
    await page.screenshot(path=str(ARTIFACTS / f"focus-{client_id}-360.png"), full_page=True)
    async with page.expect_request(lambda r: r.url.startswith(APP_REDIRECT)) as landed:
        await page.keyboard.press("Enter")
    query = query_of((await landed.value).url)
    assert query["state"] == f"state-{client_id}"
    return query["code"]


def _authorize_url(base: str, client_id: str, scope: str, pkce: Pkce) -> str:
    return f"{base}/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": APP_REDIRECT,
        "scope": scope, "state": f"state-{client_id}", "code_challenge": pkce.challenge,
        "code_challenge_method": "S256"})


async def _token(http: httpx.AsyncClient, client_id: str, code: str, pkce: Pkce) -> str:
    answer = await http.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": client_id,
        "redirect_uri": APP_REDIRECT, "code_verifier": pkce.verifier})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def test_a_person_connects_an_app_in_a_browser_and_takes_it_back(
    page: Any, server: str
) -> None:
    from core.categories import CORE_CATEGORIES as C

    await page.route(f"{APP_REDIRECT}**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>App</title>Back"))
    diary = Pkce()
    await page.goto(_authorize_url(server, "diary", ASKED, diary))
    await page.get_by_role("heading", name="Sign in").wait_for()
    await _screenshots(page, "sign-in")
    await _axe(page, "sign-in")

    # Keyboard only: skip link, username, password, Enter.
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await _focus_is_visible(page)
    await page.keyboard.type("ngozi")
    await page.keyboard.press("Tab")
    await page.keyboard.type(DEMO_PASSWORD)
    await page.keyboard.press("Enter")
    await page.get_by_role("heading", name="Do you want to share your information with "
                           "Recovery Diary?").wait_for()
    await _screenshots(page, "consent")
    await _axe(page, "consent")

    code = await _allow(page, diary, "diary", ASKED,
                        [C["identity"], C["recovery_plan"]])  # not contact
    async with httpx.AsyncClient(base_url=server) as http:
        token = await _token(http, "diary", code, diary)
        me = "{ me { givenName phone goals { edges { node { title } } } } }"
        read = (await http.post("/graphql", json={"query": me},
                                headers={"Authorization": f"Bearer {token}"})).json()
        assert read["data"]["me"]["givenName"] == "Ngozi"
        assert "Lose weight" in [e["node"]["title"]
                                 for e in read["data"]["me"]["goals"]["edges"]]
        assert read["data"]["me"]["phone"] is None
        assert [(e["extensions"]["code"], e["extensions"]["category"])
                for e in read["errors"]] == [("FORBIDDEN", "contact")]

        # The person, in their own Recovery Hub app, sees the connected app and revokes it.
        own = Pkce()
        await page.goto(_authorize_url(server, "hub-app", "patient/consent.cru", own))
        hub_token = await _token(http, "hub-app", await _allow(
            page, own, "hub-app", "patient/consent.cru", [C["consent"]]), own)
        mine = (await http.post("/graphql", headers={"Authorization": f"Bearer {hub_token}"},
                                json={"query": "{ me { consents { edges { node { id "
                                      "granteeClientName status } } } } }"})).json()
        apps = {e["node"]["granteeClientName"]: e["node"]
                for e in mine["data"]["me"]["consents"]["edges"]}
        assert apps["Recovery Diary"]["status"] == "ACTIVE"
        revoked = (await http.post(
            "/graphql", headers={"Authorization": f"Bearer {hub_token}"},
            json={"query": "mutation R($id: ID!) { revokeConsent(input: {consentId: $id}) "
                  "{ consent { status } userErrors { code } } }",
                  "variables": {"id": apps["Recovery Diary"]["id"]}})).json()
        assert revoked["data"]["revokeConsent"] == {"consent": {"status": "REVOKED"},
                                                    "userErrors": []}

        refused = await http.post("/graphql", json={"query": me},
                                  headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401
        assert "consent" in refused.json()["errors"][0]["message"]
