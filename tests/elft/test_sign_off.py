"""Delegated sign-off: the boundaries, exactly, and who may fill each step."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from core.errors import Conflict, Forbidden, InvalidTransition
from core.models import BudgetApproval, BudgetRequest, BudgetRequestStatus
from core.permissions import ConfigurationError
from core.plugin_config import PluginEntry
from core.plugins import load_plugins
from core.services import budget_requests
from plugins.elft.settings import ElftSettings
from plugins.elft.sign_off import (
    SignOffRoute,
    approval_steps_for,
    is_stay_connected,
    route_of_steps,
)
from tests.support.refusals import raises, refused
from tests.support.stored import stored, stored_rows

from .support import ElftWorld, ledger_balanced

S = BudgetRequestStatus
DEFAULTS = ElftSettings()


def _route(pence: int, *descriptions: str, settings: ElftSettings = DEFAULTS) -> SignOffRoute:
    steps = approval_steps_for(pence, list(descriptions) or ["Swimming lessons"], settings)
    route = route_of_steps([step.name for step in steps])
    assert route is not None
    return route


@pytest.mark.parametrize(("pence", "route"), [
    (1, SignOffRoute.SINGLE_CLINICIAN),
    (25_000, SignOffRoute.SINGLE_CLINICIAN),  # £250.00: one clinician
    (25_001, SignOffRoute.TEAM_LEAD_CO_SIGN),  # £250.01: a team lead co-signs
    (75_000, SignOffRoute.TEAM_LEAD_CO_SIGN),  # £750.00
    (75_001, SignOffRoute.PANEL),  # £750.01: the E-Approval panel
    (10_000_000, SignOffRoute.PANEL),
])
def test_the_default_boundaries_are_exact(pence: int, route: SignOffRoute) -> None:
    assert _route(pence) is route


def test_steps_name_the_roles_that_may_fill_them() -> None:
    clinicians = {"elft.team_lead", "elft.phb_lead_clinician"}
    [one] = approval_steps_for(25_000, ["Gym"], DEFAULTS)
    assert one.roles == clinicians
    first, co_sign = approval_steps_for(60_000, ["Laptop"], DEFAULTS)
    assert (first.roles, co_sign.roles) == (clinicians, {"elft.team_lead"})
    panel = approval_steps_for(90_000, ["Course"], DEFAULTS)
    assert [step.roles for step in panel] == [{"elft.lived_experience_reviewer"},
                                             {"elft.phb_lead_clinician"}, {"elft.commissioner"}]


def test_stay_connected_is_a_phone_or_sim_up_to_its_limit() -> None:
    assert _route(29_999, "Smartphone", "12 months SIM card") is SignOffRoute.STAY_CONNECTED
    assert _route(30_000, "Mobile phone") is SignOffRoute.STAY_CONNECTED  # £300.00: still
    assert _route(30_001, "Mobile phone") is SignOffRoute.TEAM_LEAD_CO_SIGN  # over the limit
    assert _route(5_000, "SIM card", "Phone case") is SignOffRoute.STAY_CONNECTED
    assert _route(5_000, "SIM card", "Headphones") is SignOffRoute.SINGLE_CLINICIAN
    assert not is_stay_connected([])
    assert not is_stay_connected(["Simulation game"])


def test_settings_move_the_boundaries() -> None:
    settings = ElftSettings(single_clinician_limit_pence=10_000, team_lead_limit_pence=50_000,
                            stay_connected_limit_pence=20_000)
    assert _route(10_000, settings=settings) is SignOffRoute.SINGLE_CLINICIAN
    assert _route(10_001, settings=settings) is SignOffRoute.TEAM_LEAD_CO_SIGN
    assert _route(50_001, settings=settings) is SignOffRoute.PANEL
    assert _route(20_001, "SIM card", settings=settings) is SignOffRoute.TEAM_LEAD_CO_SIGN


@pytest.mark.parametrize(("table", "message"), [
    ({"single_clinician_limit_pence": 0}, "single_clinician_limit_pence: expected a whole "
                                          "number above 0"),
    ({"team_lead_limit_pence": 25_000}, "team_lead_limit_pence: expected more than"),
    ({"stay_connected_limit_pence": 80_000}, "stay_connected_limit_pence: expected at most"),
    ({"single_clinician_limit_pence": 250.0}, "expected a whole number"),
    ({"panel_size": 3}, "unknown setting"),
])
def test_bad_settings_stop_start_up(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_plugins(None, entries=[PluginEntry("elft", settings=table)], entry_points=False)


# --- through the services, on both backends ------------------------------------------------


async def _steps(elft: ElftWorld, request_id: int) -> list[str]:
    request = await stored(elft.db, BudgetRequest, request_id)
    return [step["name"] for step in request.approval_steps or []]  # type: ignore[misc]


async def test_each_route_is_fixed_at_submission(elft: ElftWorld) -> None:
    assert await _steps(elft, await elft.request("250.00")) == ["clinician"]
    assert await _steps(elft, await elft.request("250.01")) == ["clinician",
                                                               "team_lead_co_sign"]
    assert await _steps(elft, await elft.request("750.00")) == ["clinician",
                                                               "team_lead_co_sign"]
    assert await _steps(elft, await elft.request("750.01")) == [
        "panel_lived_experience", "panel_phb_lead_clinician", "panel_commissioner"]
    assert await _steps(elft, await elft.request("280", "Smartphone and SIM card")) == [
        "stay_connected_fast_track"]


async def test_one_clinician_signs_off_up_to_the_limit(
    elft: ElftWorld, unchanged: Any
) -> None:
    by_ngozi = await elft.request("250.00", by="ngozi")
    assert (await elft.approve(by_ngozi, "james")).status is S.APPROVED  # a team lead
    by_amara = await elft.request("180")
    assert (await elft.approve(by_amara, "rosa")).status is S.APPROVED  # a PHB lead clinician
    # A care coordinator raises requests and writes plans; she does not sign off.
    error = await refused(unchanged, Forbidden, elft.approve(await elft.request("20",
                                                                            by="ngozi"),
                                                           "amara"))
    assert (error.code, error.field) == ("FORBIDDEN", "requestId")
    by_james = await elft.request("180", by="james")
    error = await refused(unchanged, Forbidden, elft.approve(by_james, "james"))
    assert error.code == "SELF_APPROVAL"


async def test_a_co_signed_request_needs_two_people_one_a_team_lead(
    elft: ElftWorld, unchanged: Any
) -> None:
    laptop = await elft.request("600", "Laptop", by="tariq")
    error = await refused(unchanged, Forbidden, elft.approve(laptop, "tariq"))
    assert error.code == "SELF_APPROVAL"  # he raised it
    assert (await elft.approve(laptop, "rosa")).status is S.AWAITING_APPROVAL
    assert (await elft.approve(laptop, "james")).status is S.APPROVED
    approvals = await stored_rows(elft.db, BudgetApproval, BudgetApproval.request_id == laptop)
    assert [(a.staff_member_id, a.step) for a in approvals] == [
        (elft.rosa, "clinician"), (elft.world.james, "team_lead_co_sign")]

    by_ngozi = await elft.request("600", "Laptop", by="ngozi")
    await elft.approve(by_ngozi, "tariq")
    error = await refused(unchanged, Forbidden, elft.approve(by_ngozi, "rosa"))
    assert error.code == "WRONG_ROLE"  # only a team lead co-signs
    assert "team lead co-signs" in error.message
    assert (await elft.approve(by_ngozi, "james")).status is S.APPROVED


async def test_a_team_lead_cannot_both_sign_and_co_sign(elft: ElftWorld, unchanged: Any) -> None:
    laptop = await elft.request("600", "Laptop", by="ngozi")
    await elft.approve(laptop, "james")  # fills the clinician's step
    error = await refused(unchanged, Conflict, elft.approve(laptop, "james"))
    assert error.code == "ALREADY_DECIDED"
    assert (await elft.approve(laptop, "tariq")).status is S.APPROVED


async def test_the_panel_is_three_distinct_people_in_three_roles(
    elft: ElftWorld, unchanged: Any
) -> None:
    course = await elft.request("900", "Clothes-making course")
    for wrong, code in (("james", "WRONG_ROLE"), ("tariq", "WRONG_ROLE"),
                        ("amara", "FORBIDDEN")):
        error = await raises(Forbidden, elft.approve(course, wrong))
        assert error.code == code
    assert (await elft.approve(course, "grace")).status is S.AWAITING_APPROVAL
    # Her seat is taken (by her): nothing else on this request is hers to sign.
    error = await refused(unchanged, Forbidden, elft.approve(course, "grace"))
    assert error.code == "WRONG_ROLE"
    assert (await elft.approve(course, "helen")).status is S.AWAITING_APPROVAL
    pot_before = await ledger_balanced(elft.db, elft.world.pot)
    assert (await elft.approve(course, "rosa")).status is S.APPROVED
    pot = await ledger_balanced(elft.db, elft.world.pot)
    assert pot.committed_pence == pot_before.committed_pence + 90_000
    approvals = await stored_rows(elft.db, BudgetApproval, BudgetApproval.request_id == course)
    assert {(a.staff_member_id, a.step) for a in approvals} == {
        (elft.grace, "panel_lived_experience"), (elft.helen, "panel_commissioner"),
        (elft.rosa, "panel_phb_lead_clinician")}


async def test_the_fast_track_is_one_clinician_and_recorded(elft: ElftWorld) -> None:
    phone = await elft.request("280", "Smartphone with a 12 months SIM card")
    assert (await elft.approve(phone, "james")).status is S.APPROVED
    [approval] = await stored_rows(elft.db, BudgetApproval, BudgetApproval.request_id == phone)
    assert approval.step == "stay_connected_fast_track"


async def test_a_withdrawn_or_rejected_request_takes_no_sign_off(
    elft: ElftWorld, unchanged: Any
) -> None:
    withdrawn = await elft.request("100")
    await budget_requests.withdraw_request(elft.uow, await elft.policy("amara"), withdrawn)
    rejected = await elft.request("100")
    await budget_requests.reject_request(elft.uow, await elft.policy("james"), rejected,
                                         reason="Not in the plan")
    async with unchanged():
        for request_id in (withdrawn, rejected):
            error = await raises(InvalidTransition, elft.approve(request_id, "rosa"))
            assert error.code == "INVALID_TRANSITION"


def test_the_guide_and_plugins_toml_state_the_defaults() -> None:
    """docs/elft.md's settings block and plugins.toml's are exactly ELFT's defaults."""
    root = Path(__file__).parents[2]
    guide = (root / "docs" / "elft.md").read_text()
    block = guide.split("```toml\n", 1)[1].split("```", 1)[0]
    documented = tomllib.loads(block)["plugins"]["elft"]["settings"]
    assert documented == dataclasses.asdict(DEFAULTS)
    shipped = load_plugins(root / "plugins.toml", entry_points=False)
    assert shipped.config.settings("elft") == DEFAULTS
    for words in ("£250.00 or less", "more than £250.00, up to and including £750.00",
                  "more than £750.00", "£300.00 or less"):
        assert words in guide
