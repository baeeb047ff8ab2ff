"""The Advocacy Project's demo data, loaded with core's and ELFT's as ``recovery-hub demo
load`` does: what Sam Carter, the demo PHB advisor, works from."""

from __future__ import annotations

from core.unit_of_work import UnitOfWork
from recovery_hub.app import load_demo_world
from tests.elft.support import ElftClient
from tests.support.world import PLUGINS, RULES

SAMS_DAY = """{
  advocacyProjectPipeline {
    entries { edges { node { stage person { givenName } request { purpose } } } }
  }
  advocacyProjectPaymentCases { edges { node {
    status approved { pence } daysToFirstPayment flags { code }
    request { purpose status paid { pence } }
    payments { edges { node { status amount { pence } accountReference } } }
    receipts { edges { node { description sentByPerson } } }
    reviews { edges { node { dueOn doneAt } } }
  } } }
}"""


async def test_sams_caseload_in_the_demo(uow: UnitOfWork) -> None:
    await load_demo_world(uow, RULES, PLUGINS)
    result = await ElftClient(uow).execute(SAMS_DAY, as_user="tap-sam")
    assert not result.errors, result.errors
    pipeline = [(e["node"]["person"]["givenName"], e["node"]["request"]["purpose"],
                 e["node"]["stage"])
                for e in result.data["advocacyProjectPipeline"]["entries"]["edges"]]
    # Marcus and Tomasz agreed that Sam's organisation sees their budget; nobody else did.
    assert sorted(pipeline) == [
        ("Marcus", "A laptop to finish GCSE coursework", "AWAITING_SIGN_OFF"),
        ("Marcus", "Printing GCSE coursework at home", "PAID"),
        ("Tomasz", "Stay Connected", "TO_SCHEDULE"),
    ]
    cases = {e["node"]["request"]["purpose"]: e["node"]
             for e in result.data["advocacyProjectPaymentCases"]["edges"]}
    printer = cases["Printing GCSE coursework at home"]
    assert (printer["status"], printer["approved"], printer["daysToFirstPayment"]) == (
        "OPEN", {"pence": 9_000}, 0)
    assert printer["request"] == {"purpose": "Printing GCSE coursework at home",
                                  "status": "PAID", "paid": {"pence": 9_000}}
    assert [p["node"]["accountReference"] for p in printer["payments"]["edges"]] == [
        "DP-MARCUS-01"]
    assert [(r["node"]["description"], r["node"]["sentByPerson"])
            for r in printer["receipts"]["edges"]] == [("Printer", True),
                                                       ("Ink cartridges", True)]
    assert [r["node"]["doneAt"] for r in printer["reviews"]["edges"]] == [None]
    assert printer["flags"] == []  # receipts match the plan, nothing overdue yet
    phone = cases["Stay Connected"]
    assert (phone["status"], phone["payments"]["edges"]) == ("OPEN", [])
