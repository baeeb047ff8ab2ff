"""The pages a person sees while an app asks for their information: sign in, the consent
screen, and a page for links we cannot use.

Server-rendered HTML that works without JavaScript, written for WCAG 2.2 AA: a label on every
control, fieldsets with legends for each group, an error summary that names and links to each
problem, a visible focus ring, targets at least 44 px tall, text that reflows at 360 px wide,
colours with at least 4.5:1 contrast. The wording is short and plain: the person may be unwell,
anxious, or on a small phone.

The HTML is in ``auth/templates/`` (Jinja2, autoescaped: whatever a person, an app or a
database supplies is escaped unless a template marks it safe, which only the stylesheet is).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .scope_choices import CategoryChoice

__all__ = [
    "DURATIONS",
    "STYLE_HASH",
    "ConsentScreen",
    "Problem",
    "consent_page",
    "problem_page",
    "sign_in_page",
]

# value -> (label, days); None: until the person stops it.
DURATIONS: dict[str, tuple[str, int | None]] = {
    "30d": ("For 1 month", 30),
    "90d": ("For 3 months", 90),
    "365d": ("For 1 year", 365),
    "ongoing": ("Until I stop it", None),
}
DEFAULT_DURATION = "90d"

_TEMPLATES = Path(__file__).parent / "templates"
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a misspelt variable is an error, not an empty string
    trim_blocks=True,
)
_CSS = (_TEMPLATES / "style.css").read_text()

# Content-Security-Policy allows exactly this stylesheet and nothing else inline.
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()


@dataclass(frozen=True)
class Problem:
    """A problem with what was typed or chosen: shown in the summary and by the control."""

    field: str  # the id of the control it is about
    message: str


def _render(template: str, *, title: str, problems: Sequence[Problem] = (),
            **values: Any) -> str:
    return _ENVIRONMENT.get_template(template).render(
        title=title, problems=problems, style=Markup(_CSS), **values)


def sign_in_page(
    *,
    app_name: str | None,
    next_url: str,
    csrf: str,
    username: str = "",
    problems: Sequence[Problem] = (),
    providers: Sequence[tuple[str, str]] = (),
    passwords: bool = True,
) -> str:
    """``providers``: (name, button text) of each upstream identity provider."""
    return _render("sign_in.html", title="Sign in", problems=problems, app_name=app_name,
                   next_url=next_url, csrf=csrf, username=username, providers=providers,
                   passwords=passwords)


@dataclass(frozen=True)
class ConsentScreen:
    app_name: str
    organisation: str | None
    purpose: str
    choices: Sequence[CategoryChoice]
    # the authorization request, carried through the form unchanged
    request_fields: Mapping[str, str]
    csrf: str
    signed_in_as: str
    # a person consents for a period; a staff member lets an app act as them
    for_person: bool = True


def consent_page(
    screen: ConsentScreen,
    *,
    ticked: Sequence[str] = (),
    duration: str = DEFAULT_DURATION,
    problems: Sequence[Problem] = (),
) -> str:
    """Nothing is ticked to start with: consent is something the person does, not a default
    they fail to undo (UK GDPR, Article 4(11))."""
    if screen.for_person:
        heading = f"Do you want to share your information with {screen.app_name}?"
        group = "What do you agree to share?"
        hint = ("Tick each kind of information you agree to share. You can share less than "
                "it asks for.")
    else:
        heading = f"Do you want {screen.app_name} to act as you?"
        group = "What may it do as you?"
        hint = "Tick what it may do. You can allow less than it asks for."
    # The summary links to the first checkbox; the fieldset names the whole group.
    first = (f"category-{screen.choices[0].category.replace('.', '-')}"
             if screen.choices else "categories")
    summary = [Problem(first, p.message) if p.field == "categories" else p for p in problems]
    return _render(
        "consent.html", title=heading.replace("?", ""), problems=summary, screen=screen,
        heading=heading, group=group, hint=hint, ticked=ticked, duration=duration,
        durations=DURATIONS, form_fields={**screen.request_fields, "csrf": screen.csrf},
        categories_problem=next((p for p in problems if p.field == "categories"), None))


def problem_page(title: str, explanation: str, *, detail: str | None = None) -> str:
    """For a link we cannot use (unknown app, unregistered redirect): we never send the
    person on to an address we do not know."""
    return _render("problem.html", title=title, explanation=explanation, detail=detail)
