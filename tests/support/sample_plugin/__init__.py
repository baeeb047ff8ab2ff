"""A sample plugin that implements every kind of hook, for the plugin system's tests.

The tests load it in code (``load_plugins(..., extra={"sample": sample_plugin})``) or, for the
``recovery-hub`` command run as a subprocess, as an installed entry point
(tests/support/plugins.py). Its event hooks are left to the tests' own recorders.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import strawberry
from strawberry.types import Info

from core.approvals import ApprovalStep, ItemProblem
from core.categories import DataCategory as C
from core.hookspecs import FieldContribution, hookimpl
from core.models import Budget, BudgetRequest, OrganisationKind
from core.permissions import READ_ONLY, READ_WRITE, AccessRules, Role
from core.plugin_config import PluginConfig, SettingError
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import goals, organisations
from core.unit_of_work import UnitOfWork
from schema.context import Context
from schema.errors import UserError, attempt
from schema.guards import data
from schema.ids import decode_id
from schema.types.goals import RecoveryGoal

NAME = "sample"
VISITS = "sample.visits"
CAFE = "Sample Café"


@dataclass(frozen=True)
class SampleSettings:
    greeting: str = "Hello"
    second_sign_off_over_pence: int = 50_000
    refused_words: list[str] = field(default_factory=lambda: ["glitter"])

    def __post_init__(self) -> None:
        if not 1 <= self.second_sign_off_over_pence <= 100_000_000:
            raise SettingError("second_sign_off_over_pence", "pence from 1 to 100000000",
                               self.second_sign_off_over_pence)


def _settings(config: PluginConfig) -> SampleSettings:
    settings: SampleSettings = config.settings(NAME)
    return settings


@hookimpl
def register_settings() -> type:
    return SampleSettings


@hookimpl
def register_data_categories() -> dict[str, str]:
    return {VISITS: "Your visits to the Sample Café"}


@hookimpl
def register_roles() -> list[Role]:
    return [Role("sample.visitor", "Café volunteer",
                 permissions={C.IDENTITY: READ_ONLY, VISITS: READ_WRITE},
                 description="Greets people at the café; sees who they are, nothing more.")]


@strawberry.type(description="Only registered through register_types: no field returns it.")
class SampleBadge:
    name: str


@strawberry.type
class SampleCafe:
    name: str
    greeting: str


@strawberry.type
class SampleQuery:
    @strawberry.field(description="The café and its greeting (from plugins.toml).")
    def sample_cafe(self, info: Info[Context, None]) -> SampleCafe:
        settings = _settings(info.context.uow.plugins.config)
        return SampleCafe(name=CAFE, greeting=settings.greeting)


@strawberry.input
class SampleSuggestGoalInput:
    person_id: strawberry.ID


@strawberry.type
class SampleSuggestGoalPayload:
    goal: RecoveryGoal | None
    user_errors: list[UserError]


@strawberry.type
class SampleMutation:
    @strawberry.mutation(description="Suggest a goal: visiting the café.")
    async def sample_suggest_goal(
        self, info: Info[Context, None], input: SampleSuggestGoalInput
    ) -> SampleSuggestGoalPayload:
        ctx = info.context
        goal, errors = await attempt(ctx, lambda: goals.create_goal(
            ctx.uow, ctx.policy, person_id=decode_id(input.person_id, "Person",
                                                     field="personId"),
            title=f"Visit the {CAFE}"))
        return SampleSuggestGoalPayload(goal=goal, user_errors=errors)  # type: ignore[arg-type]


@data(C.WELLBEING, description="A greeting, for people who may see how someone is doing.")
def _sample_note(root: Any, info: Info[Context, None]) -> str | None:
    return f"{_settings(info.context.uow.plugins.config).greeting}, {root.given_name}"


@hookimpl
def register_types() -> list[type]:
    return [SampleBadge]


@hookimpl
def register_fields() -> list[FieldContribution]:
    return [FieldContribution(on="Person", name="sampleNote", field=_sample_note)]


@hookimpl
def register_queries() -> list[type]:
    return [SampleQuery]


@hookimpl
def register_mutations() -> list[type]:
    return [SampleMutation]


@hookimpl
def approval_steps(request: BudgetRequest, budget: Budget,
                   config: PluginConfig) -> list[ApprovalStep] | None:
    if request.total_pence <= _settings(config).second_sign_off_over_pence:
        return None  # core's default: one sign-off
    return [ApprovalStep("first", "First sign-off"), ApprovalStep("second", "Second sign-off")]


@hookimpl
def validate_budget_item(description: str, config: PluginConfig) -> list[ItemProblem]:
    words = [word for word in _settings(config).refused_words if word in description.lower()]
    return [ItemProblem("SAMPLE_NOT_FUNDABLE", f"The café cannot fund {word} from a budget.")
            for word in words]


def _greet(args: argparse.Namespace, _settings_of_the_hub: Any) -> int:
    print(f"{args.greeting}, {args.name}!")
    return 0


@hookimpl
def register_commands(subparsers: Any, config: PluginConfig) -> None:
    greet = subparsers.add_parser("sample-greet", help="greet someone the café's way",
                                  description="Print the café's greeting (plugins.toml).")
    greet.add_argument("--name", required=True)
    greet.set_defaults(handler=_greet, greeting=_settings(config).greeting)


@hookimpl
async def load_demo_data(uow: UnitOfWork, rules: AccessRules) -> None:
    system = AccessPolicy(Principal.system(), rules)
    await organisations.create_organisation(uow, system, name=CAFE,
                                            kind=OrganisationKind.VOLUNTARY_ORGANISATION)


@hookimpl
def migration_directories() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]
