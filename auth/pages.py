"""The pages a person sees while an app asks for their information: sign in, the consent
screen, and a page for links we cannot use.

Server-rendered HTML that works without JavaScript, written for WCAG 2.2 AA: a label on every
control, fieldsets with legends for each group, an error summary that names and links to each
problem, a visible focus ring, targets at least 44 px tall, text that reflows at 360 px wide,
colours with at least 4.5:1 contrast. The wording is short and plain: the person may be unwell,
anxious, or on a small phone.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

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

_CSS = """
*,*::before,*::after{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;background:#f0f4f5;color:#212b32;
font:1.1875rem/1.5 "Frutiger W01",Arial,system-ui,sans-serif}
.skip,.visually-hidden{position:absolute;left:-999rem}
.skip:focus{position:static;display:block;padding:.5rem 1rem;background:#ffeb3b;color:#212b32}
header{background:#005eb8;color:#fff;padding:.75rem 0}
header p{margin:0 auto;max-width:40rem;padding:0 1rem;font-weight:700;font-size:1.25rem}
main{display:block;margin:0 auto;max-width:40rem;padding:1rem 1rem 3rem}
.card{background:#fff;padding:1rem;margin:0 0 1.5rem;border-radius:4px}
h1{font-size:1.75rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.3125rem;line-height:1.3;margin:0 0 .5rem}
p{margin:0 0 1rem}
a{color:#005eb8;text-decoration:underline;text-underline-offset:.15em}
.hint{color:#4c6272;font-size:1rem;display:block}
fieldset{border:0;margin:0 0 1.5rem;padding:0;min-width:0}
fieldset>.hint,fieldset>.error-message{margin:0 0 .75rem}
legend{padding:0;margin:0 0 .25rem}
.field{margin:0 0 1.25rem}
label{display:block;font-weight:700;margin:0 0 .25rem}
input[type=text],input[type=password]{display:block;width:100%;max-width:24rem;
min-height:2.75rem;padding:.25rem .5rem;font:inherit;color:inherit;background:#fff;
border:2px solid #4c6272;border-radius:0}
.choice{display:flex;align-items:flex-start;gap:.75rem;margin:0 0 .75rem;
padding:.5rem;background:#fff;border:1px solid #d8dde0;border-radius:4px}
.choice input{flex:none;width:1.75rem;height:1.75rem;margin:.1rem 0 0;accent-color:#005eb8}
.choice label{font-weight:400;margin:0;flex:1;min-height:2rem;cursor:pointer}
.actions{display:flex;flex-wrap:wrap;gap:1rem;margin:1.5rem 0}
button,.button{display:inline-block;min-height:2.75rem;min-width:8rem;padding:.5rem 1.25rem;
font:inherit;font-weight:700;text-align:center;text-decoration:none;cursor:pointer;
border:2px solid #00662f;border-radius:4px;background:#007f3b;color:#fff}
button.secondary,.button.secondary{background:#fff;color:#212b32;border-color:#4c6272}
button.link{min-width:0;min-height:2.75rem;padding:0;border:0;background:none;color:#005eb8;
font-weight:400;text-decoration:underline}
:focus-visible{outline:3px solid #212b32;outline-offset:3px;box-shadow:0 0 0 3px #ffeb3b}
input:focus-visible{outline-offset:0;box-shadow:0 0 0 6px #ffeb3b}
.error-summary{border:4px solid #d5281b;background:#fff;padding:1rem;margin:0 0 1.5rem}
.error-summary ul{margin:0;padding-left:1.25rem}
.error-summary a{color:#d5281b;font-weight:700}
.error-message{color:#d5281b;font-weight:700;display:block;margin:0 0 .25rem}
.field-error{border-left:4px solid #d5281b;padding-left:.75rem}
.field-error input[type=text],.field-error input[type=password]{border-color:#d5281b}
dl{margin:0}dt{font-weight:700}dd{margin:0 0 .75rem}
@media (max-width:30rem){.actions button,.actions .button{width:100%}}
"""

# Content-Security-Policy allows exactly this stylesheet and nothing else inline.
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()


@dataclass(frozen=True)
class Problem:
    """A problem with what was typed or chosen: shown in the summary and by the control."""

    field: str  # the id of the control it is about
    message: str


def _page(title: str, body: str, *, problems: Sequence[Problem] = ()) -> str:
    prefix = "Error: " if problems else ""
    return (
        '<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{prefix}{escape(title)} – Recovery Hub</title>\n<style>{_CSS}</style>\n"
        '</head>\n<body>\n<a class="skip" href="#main">Skip to main content</a>\n'
        "<header><p>Recovery Hub</p></header>\n"
        f'<main id="main" tabindex="-1">\n{_error_summary(problems)}{body}</main>\n'
        "</body>\n</html>\n"
    )


def _error_summary(problems: Sequence[Problem]) -> str:
    if not problems:
        return ""
    items = "".join(f'<li><a href="#{escape(p.field)}">{escape(p.message)}</a></li>'
                    for p in problems)
    return ('<div class="error-summary" role="alert" aria-labelledby="error-summary-title">'
            '<h2 id="error-summary-title">There is a problem</h2>'
            f"<ul>{items}</ul></div>\n")


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                   for name, value in fields.items())


def _problem_for(problems: Sequence[Problem], field: str) -> Problem | None:
    return next((p for p in problems if p.field == field), None)


def _text_field(field: str, label: str, *, kind: str, autocomplete: str, value: str = "",
                problems: Sequence[Problem] = ()) -> str:
    problem = _problem_for(problems, field)
    error = (f'<span class="error-message" id="{field}-error">'
             f'<span class="visually-hidden">Error: </span>{escape(problem.message)}</span>'
             if problem else "")
    described = f' aria-describedby="{field}-error" aria-invalid="true"' if problem else ""
    extra = ' autocapitalize="none" spellcheck="false"' if kind == "text" else ""
    return (f'<div class="field{" field-error" if problem else ""}">'
            f'<label for="{field}">{label}</label>{error}'
            f'<input id="{field}" name="{field}" type="{kind}" autocomplete="{autocomplete}"'
            f'{extra}{described} value="{escape(value)}"></div>')


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
    asking = (f"<p><strong>{escape(app_name)}</strong> wants to connect to your Recovery Hub "
              "record. Sign in first. Then you choose what to share, if anything.</p>"
              if app_name else "")
    form = ""
    if passwords:
        form = (
            '<form method="post" action="/oauth/sign-in" novalidate>'
            f'{_hidden({"csrf": csrf, "next": next_url})}'
            + _text_field("username", "Username", kind="text", autocomplete="username",
                          value=username, problems=problems)
            + _text_field("password", "Password", kind="password",
                          autocomplete="current-password", problems=problems)
            + '<div class="actions"><button type="submit">Sign in</button></div></form>'
        )
    upstream = "".join(
        f'<form method="post" action="/oauth/sign-in/{escape(name)}">'
        f'{_hidden({"csrf": csrf, "next": next_url})}'
        f'<div class="actions"><button type="submit" class="secondary">{escape(title)}'
        "</button></div></form>"
        for name, title in providers)
    if form and upstream:
        upstream = "<h2>Or</h2>" + upstream
    return _page("Sign in", f'<h1>Sign in</h1>{asking}<div class="card">{form}{upstream}</div>',
                 problems=problems)


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


def _choice(choice: CategoryChoice, checked: bool) -> str:
    what = "It could see and change this." if choice.changes else "It could see this."
    ident = f"category-{choice.category.replace('.', '-')}"
    return (f'<div class="choice"><input type="checkbox" id="{escape(ident)}" name="category" '
            f'value="{escape(choice.category)}"{" checked" if checked else ""}>'
            f'<label for="{escape(ident)}">{escape(choice.description)}'
            f'<span class="hint">{what}</span></label></div>')


def _duration(value: str, label: str, checked: bool) -> str:
    return (f'<div class="choice"><input type="radio" id="duration-{value}" name="duration" '
            f'value="{value}"{" checked" if checked else ""}>'
            f'<label for="duration-{value}">{label}</label></div>')


def consent_page(
    screen: ConsentScreen,
    *,
    ticked: Sequence[str] = (),
    duration: str = DEFAULT_DURATION,
    problems: Sequence[Problem] = (),
) -> str:
    """Nothing is ticked to start with: consent is something the person does, not a default
    they fail to undo (UK GDPR, Article 4(11))."""
    who = escape(screen.app_name)
    organisation = (f" from <strong>{escape(screen.organisation)}</strong>"
                    if screen.organisation else "")
    categories_problem = _problem_for(problems, "categories")
    error = ('<span class="error-message" id="categories-error">'
             f'<span class="visually-hidden">Error: </span>{escape(categories_problem.message)}'
             "</span>"
             if categories_problem else "")
    # The summary links to the first checkbox; the fieldset names the whole group.
    first = (f"category-{screen.choices[0].category.replace('.', '-')}"
             if screen.choices else "categories")
    if screen.for_person:
        heading = f"Do you want to share your information with {who}?"
        group = "What do you agree to share?"
        hint = ("Tick each kind of information you agree to share. You can share less than "
                "it asks for.")
    else:
        heading = f"Do you want {who} to act as you?"
        group = "What may it do as you?"
        hint = "Tick what it may do. You can allow less than it asks for."
    durations = ""
    if screen.for_person:
        durations = (
            '<fieldset><legend><h2>For how long?</h2></legend>'
            + "".join(_duration(value, label, value == duration)
                      for value, (label, _) in DURATIONS.items())
            + "</fieldset>")
    body = (
        f"<h1>{heading}</h1>"
        f'<div class="card"><p><strong>{who}</strong>{organisation} is asking.</p>'
        f'<dl><dt>Why it is asking</dt><dd>{escape(screen.purpose)}</dd></dl></div>'
        '<form method="post" action="/oauth/authorize" novalidate>'
        f'{_hidden({**screen.request_fields, "csrf": screen.csrf})}'
        f'<fieldset id="categories" aria-describedby="categories-hint'
        f'{" categories-error" if error else ""}"><legend><h2>{group}</h2></legend>'
        f'<span class="hint" id="categories-hint">{hint}</span>{error}'
        + "".join(_choice(choice, choice.category in ticked) for choice in screen.choices)
        + "</fieldset>"
        + durations
        + "<p>You can stop sharing at any time: in your Recovery Hub app, under "
          "<strong>Connected apps</strong>.</p>"
          '<div class="actions">'
          '<button type="submit" name="decision" value="allow">Allow</button>'
          '<button type="submit" name="decision" value="deny" class="secondary">Deny</button>'
          "</div></form>"
          '<form method="post" action="/oauth/sign-out">'
        + _hidden({**screen.request_fields, "csrf": screen.csrf})
        + f"<p>Signed in as {escape(screen.signed_in_as)}. "
          '<button type="submit" class="link">Not you? Sign out</button></p></form>'
    )
    summary = [Problem(first, p.message) if p.field == "categories" else p for p in problems]
    return _page(heading.replace("?", ""), body, problems=summary)


def problem_page(title: str, explanation: str, *, detail: str | None = None) -> str:
    """For a link we cannot use (unknown app, unregistered redirect): we never send the
    person on to an address we do not know."""
    technical = (f'<p class="hint">For the app\'s support team: {escape(detail)}</p>'
                 if detail else "")
    return _page(title, f'<h1>{escape(title)}</h1><div class="card"><p>{escape(explanation)}'
                        f"</p>{technical}</div>")
