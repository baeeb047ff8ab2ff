"""The pages' HTML escapes whatever an app, a person or the database supplies, exactly once,
in text and in attributes alike (the templates in auth/templates/ are autoescaped)."""

from __future__ import annotations

from html.parser import HTMLParser

from auth.pages import ConsentScreen, Problem, consent_page, problem_page, sign_in_page
from auth.scope_choices import CategoryChoice

HOSTILE = "<script>alert('x')</script>&\""


class _Parsed(HTMLParser):
    """Text, attribute values and any script elements, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.scripts = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self._in_title = tag == "title"
        self.attributes += [value for _, value in attrs if value]

    def handle_endtag(self, tag: str) -> None:
        self._in_title = self._in_title and tag != "title"

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.title += data


def _parsed(html: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(html)
    return parsed


def test_an_app_named_with_markup_is_shown_as_its_name_everywhere() -> None:
    screen = ConsentScreen(
        app_name=HOSTILE, organisation=HOSTILE, purpose=HOSTILE,
        choices=[CategoryChoice("wellbeing", HOSTILE, False)],
        request_fields={"state": HOSTILE}, csrf="token", signed_in_as=HOSTILE)
    page = _parsed(consent_page(screen, problems=[Problem("categories", HOSTILE)]))
    assert page.scripts == 0
    # The title once had the name escaped twice ("&lt;" shown to the person).
    assert page.title == (
        f"Error: Do you want to share your information with {HOSTILE} – Recovery Hub")
    assert sum(HOSTILE in text for text in page.text) >= 5  # name, organisation, purpose, ...
    assert HOSTILE in page.attributes  # the state, carried through the form unchanged


def test_the_sign_in_page_keeps_what_was_typed_and_the_next_address_intact() -> None:
    page = _parsed(sign_in_page(app_name=HOSTILE, next_url=f"/oauth/authorize?state={HOSTILE}",
                                csrf="token", username=HOSTILE,
                                problems=[Problem("username", HOSTILE)],
                                providers=[("nhs-login", HOSTILE)]))
    assert page.scripts == 0
    assert HOSTILE in page.attributes  # the username typed
    assert f"/oauth/authorize?state={HOSTILE}" in page.attributes
    assert [text for text in page.text if HOSTILE in text]


def test_a_problem_page_escapes_its_detail() -> None:
    page = _parsed(problem_page(HOSTILE, HOSTILE, detail=HOSTILE))
    assert page.scripts == 0
    assert page.title == f"{HOSTILE} – Recovery Hub"
