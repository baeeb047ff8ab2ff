"""Hook specifications: how plugins extend Recovery Hub without touching core.

Plugins implement these with ``@hookimpl`` (``from core.hookspecs import hookimpl``). Hooks are
called with keyword arguments only; a spec may gain arguments, never lose them, and an
implementation may take any subset of a spec's arguments. Hooks that register things return
lists (or mappings); the host merges them and refuses duplicates at start-up with an error
naming both plugins. Registration hooks run once, at start-up — never per request.

Every hook is documented, with an example, in docs/plugins.md; tests/test_plugin_docs.py fails
when one is not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import argparse

    from sqlalchemy.ext.asyncio import AsyncSession

    from .approvals import ApprovalStep, ItemProblem
    from .devices.providers import DeviceProvider
    from .events import (
        BudgetRequestApproved,
        BudgetRequestRejected,
        BudgetRequestSubmitted,
        BudgetRequestWithdrawn,
        ConsentGranted,
        ConsentRevoked,
        GoalCompleted,
    )
    from .identity_providers import IdentityProvider
    from .jobs import Job
    from .models import Budget, BudgetItem, BudgetRequest
    from .observations.kinds import ObservationKind
    from .permissions import AccessRules, Role
    from .plugin_config import PluginConfig
    from .unit_of_work import UnitOfWork

__all__ = ["PROJECT", "FieldContribution", "hookimpl", "hookspec"]

PROJECT = "recovery_hub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class FieldContribution:
    """A field a plugin adds to a core GraphQL type, e.g. ``coreArts`` on ``Person``.

    ``field`` is a ``strawberry.field(...)`` with a resolver; on a type that holds a person's
    data it must carry a data category (``schema.guards.data(category)``), or start-up fails.
    """

    def __init__(self, on: str, name: str, field: Any) -> None:
        self.on = on  # the GraphQL type name: "Person", "RecoveryGoal", "BudgetRequest", ...
        self.name = name  # the GraphQL field name, camelCase
        self.field = field


# --- access: categories and roles -----------------------------------------------------------


@hookspec
def register_data_categories() -> dict[str, str]:  # type: ignore[empty-body]
    """Add data categories: ``{name: what it means, in words a person reads}``.

    Name them ``<plugin>.<category>``. Core's categories (identity, contact, recovery_plan,
    budget, ...) always exist; declaring one of them again, or one another plugin declared,
    stops start-up.
    """


@hookspec
def register_roles() -> list[Role]:  # type: ignore[empty-body]
    """Declare roles staff can hold, with what each may do per data category.

    Name roles ``<plugin>.<role>``. A role claiming a category that does not exist stops
    start-up with an error naming the plugin. Roles only ever act inside the policy engine's
    checks (care relationship, legal basis, consent): a role cannot widen access past them.
    """


# --- settings ----------------------------------------------------------------------------


@hookspec
def register_settings() -> type | None:  # type: ignore[empty-body]
    """The plugin's settings: a dataclass whose fields all have defaults.

    The table ``[plugins.<name>.settings]`` of plugins.toml is checked against it at start-up
    (unknown keys, wrong types, and ``ValueError`` raised by ``__post_init__`` stop start-up
    naming the file and the key). Hooks that take ``config`` read it back with
    ``config.settings("<name>")``.
    """


# --- GraphQL --------------------------------------------------------------------------------


@hookspec
def register_types() -> list[type]:  # type: ignore[empty-body]
    """Strawberry types to include in the schema. Their names must start with the plugin's
    prefix (``CoreArtsSession``, ``ElftEligibility``)."""


@hookspec
def register_fields() -> list[FieldContribution]:  # type: ignore[empty-body]
    """Fields to add to core types (``FieldContribution(on="Person", name="coreArts", ...)``).
    Fields on a person's data need a data category; the policy engine enforces it."""


@hookspec
def register_queries() -> list[type]:  # type: ignore[empty-body]
    """Strawberry types whose fields become top-level queries. Field names must start with
    the plugin's prefix in camelCase (``elftCaseload``)."""


@hookspec
def register_mutations() -> list[type]:  # type: ignore[empty-body]
    """Strawberry types whose fields become mutations, named with the plugin's prefix."""


# --- the person's record -------------------------------------------------------------------


@hookspec
def register_observation_kinds() -> list[ObservationKind]:  # type: ignore[empty-body]
    """Kinds of observation to add to core's (weight, blood pressure, mood, ...): a code
    named ``<plugin>.<kind>``, a display name, a data category, scales (unit and plausible
    range of each number) or codes, and FHIR codings. A duplicate code, an unknown category or
    a kind with nothing to record stops start-up naming the plugin."""


@hookspec
def register_device_providers(  # type: ignore[empty-body]
    config: PluginConfig,
) -> list[DeviceProvider]:
    """Services a person connects a device account from, to import readings (the Google
    Health API, a blood-pressure monitor's cloud): ``core.devices.providers.DeviceProvider``.
    Names are unique across core and plugins; a duplicate stops start-up naming both."""


# --- budgets --------------------------------------------------------------------------------


@hookspec(firstresult=True)
def approval_steps(  # type: ignore[empty-body]
    request: BudgetRequest, budget: Budget, items: Sequence[BudgetItem], config: PluginConfig
) -> list[ApprovalStep] | None:
    """The sign-offs a budget request needs, decided when it is submitted.

    ``items`` are the request's items, in order. The first plugin to return a list wins;
    core's default (one sign-off by any role that may approve budgets) runs last. Each step is
    filled by a different person, never the requester.
    """


@hookspec
def check_submission(  # type: ignore[empty-body]
    request: BudgetRequest,
    budget: Budget,
    items: Sequence[BudgetItem],
    session: AsyncSession,
    config: PluginConfig,
) -> Awaitable[list[ItemProblem] | None] | list[ItemProblem] | None:
    """Problems that stop a draft request being submitted (e.g. no current eligibility
    assessment), checked inside the submission's transaction after core's own checks.

    ``session`` is that transaction's session (read with it, never commit);
    ``request.submitted_at`` is the moment of submission. May return an awaitable. Any problem
    refuses the submission with the first problem's code and message; nothing is saved.
    """


@hookspec
def validate_budget_item(  # type: ignore[empty-body]
    description: str, amount_pence: int, config: PluginConfig
) -> list[ItemProblem] | None:
    """Problems with one item of a budget request, e.g. a purchase a PHB may not fund.
    Any problem refuses the request with the problem's code and message; nothing is saved."""


# --- domain events, after commit ------------------------------------------------------------


@hookspec
def goal_completed(event: GoalCompleted, uow: UnitOfWork) -> Awaitable[None] | None:
    """A recovery goal was completed. Runs after the commit; may return an awaitable."""


@hookspec
def budget_request_submitted(
    event: BudgetRequestSubmitted, uow: UnitOfWork
) -> Awaitable[None] | None:
    """A budget request was submitted for sign-off."""


@hookspec
def budget_request_approved(
    event: BudgetRequestApproved, uow: UnitOfWork
) -> Awaitable[None] | None:
    """A budget request got its last sign-off; its money is reserved in the funding pot."""


@hookspec
def budget_request_rejected(
    event: BudgetRequestRejected, uow: UnitOfWork
) -> Awaitable[None] | None:
    """A budget request was refused."""


@hookspec
def budget_request_withdrawn(
    event: BudgetRequestWithdrawn, uow: UnitOfWork
) -> Awaitable[None] | None:
    """A budget request was withdrawn; any reservation went back to the pot."""


@hookspec
def consent_granted(event: ConsentGranted, uow: UnitOfWork) -> Awaitable[None] | None:
    """A person (or staff on their behalf) granted a consent."""


@hookspec
def consent_revoked(event: ConsentRevoked, uow: UnitOfWork) -> Awaitable[None] | None:
    """A consent was revoked; access already ended with the commit."""


# --- signing in ----------------------------------------------------------------------------


@hookspec
def register_identity_providers(  # type: ignore[empty-body]
    config: PluginConfig,
) -> list[IdentityProvider]:
    """Upstream OpenID Connect providers the sign-in page offers: NHS login for people, NHS
    CIS2 for staff (core/identity_providers.py).

    Each maps the upstream identity to a local account (e.g. by NHS number) or refuses. With
    ``RECOVERY_HUB_PASSWORD_SIGN_IN=0`` they are the only way to sign in. Names are unique
    across plugins; a duplicate stops start-up naming both plugins.
    """


# --- operations -----------------------------------------------------------------------------


@hookspec
def register_commands(subparsers: argparse._SubParsersAction[Any], config: PluginConfig) -> None:
    """Add ``recovery-hub`` sub-commands. Set ``handler=fn(args, settings) -> int`` with
    ``set_defaults`` on each parser you add; a name core or another plugin uses stops start-up."""


@hookspec
def register_jobs(config: PluginConfig) -> list[Job]:  # type: ignore[empty-body]
    """Background jobs (``core.jobs.Job``): ones services enqueue by name
    (``core.jobs.enqueue(tx, name, payload, key=...)``) and ones that run on a schedule
    (``every=`` or ``cron=``), once per fire time whatever the number of workers.

    Name them ``<plugin>.<job>``; a name another plugin uses stops start-up naming both.
    A job may run again after a failure or a crash: make it idempotent (keys on what it
    creates). docs/jobs.md says how jobs run.
    """


@hookspec
def load_demo_data(  # type: ignore[empty-body]
    uow: UnitOfWork, rules: AccessRules, config: PluginConfig
) -> Awaitable[None] | None:
    """Add the plugin's demo data (``recovery-hub demo load``): called once core's demo
    organisations, staff, people, goals, consents and budgets exist, before core's demo budget
    requests are made, so that a plugin's rules for submitting them can be met."""


@hookspec
def migration_directories() -> list[str]:  # type: ignore[empty-body]
    """Alembic version directories for the plugin's own tables, which ``recovery-hub db
    upgrade`` runs (``core.migrate.upgrade(..., plugins=...)``). A plugin never alters core
    tables; its revisions are a branch of their own (``branch_labels``) whose first revision
    ``depends_on`` a core revision."""
