"""Hello: the smallest Recovery Hub plugin — one role, and one field on Person.

The plugin's name is its entry point's name, ``hello``: its roles are ``hello.<role>``, its
GraphQL types ``Hello...`` and its fields ``hello...``.
"""

from __future__ import annotations

from typing import Any

from core.categories import DataCategory as C
from core.hookspecs import FieldContribution, hookimpl
from core.permissions import READ_ONLY, Role
from schema.guards import data


@hookimpl
def register_roles() -> list[Role]:
    return [
        Role("hello.greeter", "Greeter",
             permissions={C.IDENTITY: READ_ONLY, C.WELLBEING: READ_ONLY},
             description="Welcomes people at the front desk and asks how they are."),
    ]


# A field on a person's data carries its data category: whoever may not read the person's
# wellbeing gets null and a FORBIDDEN error naming "wellbeing".
@data(C.WELLBEING, description="A friendly hello, for those who may see how the person is.")
def hello_greeting(root: Any) -> str | None:
    return f"Hello, {root.preferred_name or root.given_name}! How are you today?"


@hookimpl
def register_fields() -> list[FieldContribution]:
    return [FieldContribution(on="Person", name="helloGreeting", field=hello_greeting)]
