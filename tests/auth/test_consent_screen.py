"""The consent screen as HTML: who is asking and why, each category in plain English, nothing
ticked for the person, a label for every control, and headers that keep it from being framed
or restyled. (The browser test, test_browser_flow.py, checks it with axe-core.)"""

from __future__ import annotations

from html.parser import HTMLParser

from auth.browser import SESSION_COOKIE, csrf_for_session
from core.services import accounts
from tests.support.oauth import PARTNER, Hub, Pkce, query_of
from tests.support.world import RULES


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.buttons: list[str] = []
        self.legends = 0
        self.html_lang: str | None = None
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_lang = found.get("lang")
        if tag == "input" and found.get("type") != "hidden":
            self.inputs.append(found)
        if tag == "label" and found.get("for"):
            self.labels.add(str(found["for"]))
        if tag == "legend":
            self.legends += 1
        if tag == "button":
            self._in_button = True
            self.buttons.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.buttons[-1] += data.strip()


def _controls(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html)
    return parser


async def test_the_consent_screen_says_who_asks_why_and_for_what(oauth_hub: Hub) -> None:
    await oauth_hub.sign_in_browser("ngozi")
    page = await oauth_hub.consent_page(oauth_hub.authorize_params(
        Pkce(), client_id=PARTNER, scope="patient/identity.rs patient/wellbeing.cru"))
    assert page.status_code == 200
    text = page.text
    assert "<strong>Sessions Planner</strong> from <strong>Test Charity</strong>" in text
    assert "To plan your sessions with you." in text
    assert RULES.categories["identity"] in text and RULES.categories["wellbeing"] in text
    assert "It could see this." in text and "It could see and change this." in text
    assert RULES.categories["budget"] not in text  # only what was asked

    controls = _controls(text)
    assert controls.html_lang == "en-GB"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    for control in controls.inputs:
        assert control.get("id") in controls.labels, control
    assert not [c for c in controls.inputs if c.get("type") == "checkbox" and "checked" in c]
    assert [c["value"] for c in controls.inputs if c.get("type") == "radio"
            and "checked" in c] == ["90d"]
    assert controls.legends == 2
    assert controls.buttons == ["Allow", "Deny", "Not you? Sign out"]

    headers = page.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "form-action 'self' https://app.example" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"]  # default-src 'none'
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"


async def test_a_wildcard_scope_is_spelled_out(oauth_hub: Hub) -> None:
    await oauth_hub.sign_in_browser("ngozi")
    page = await oauth_hub.consent_page(oauth_hub.authorize_params(
        Pkce(), client_id=PARTNER, scope="patient/*.rs"))
    boxes = [c["value"] for c in _controls(page.text).inputs if c.get("type") == "checkbox"]
    assert boxes == list(RULES.categories)
    answer = await oauth_hub.decide(oauth_hub.authorize_params(
        Pkce(), client_id=PARTNER, scope="patient/*.rs"), categories=["wellbeing", "contact"])
    code = query_of(answer.headers["location"])["code"]
    assert code


async def test_staff_approve_an_app_acting_as_them(oauth_hub: Hub) -> None:
    await oauth_hub.sign_in_browser("amara")
    params = oauth_hub.authorize_params(Pkce(), client_id=PARTNER, scope="user/identity.rs")
    page = await oauth_hub.consent_page(params)
    assert "Do you want Sessions Planner to act as you?" in page.text
    assert "For how long?" not in page.text
    answer = await oauth_hub.decide(params, categories=["identity"])
    assert "code" in query_of(answer.headers["location"])


async def test_a_representative_cannot_connect_apps_yet(oauth_hub: Hub) -> None:
    world = oauth_hub.world
    system = await world.policy("system")
    await accounts.create_account(world.uow, system, username="carer")  # nobody's record
    await oauth_hub.sign_in_browser("carer")
    answer = await oauth_hub.consent_page(oauth_hub.authorize_params(Pkce()))
    query = query_of(answer.headers["location"])
    assert query["error"] == "access_denied"
    assert "representatives" in query["error_description"]
    # Posting Allow directly gets the same answer, and nothing is granted.
    params = oauth_hub.authorize_params(Pkce())
    csrf = csrf_for_session(oauth_hub.http.cookies[SESSION_COOKIE])
    posted = await oauth_hub.http.post("/oauth/authorize", data={
        **params, "csrf": csrf, "decision": "allow", "category": "identity"})
    assert query_of(posted.headers["location"])["error"] == "access_denied"
