"""``accessLog``: the person sees who looked at or changed their record, newest first; nobody
else sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.services import break_glass
from tests.support import records
from tests.support.graphql import GraphQLClient, gid
from tests.support.world import RULES, World

_NODE = """occurredAt actorKind staffMember { displayName } team { name } organisation { name }
categories refusedCategories operation outcome purpose breakGlass"""

MY_ACCESS_LOG = f"""
query MyAccessLog($first: Int, $after: String) {{
  me {{ accessLog(first: $first, after: $after) {{
    edges {{ node {{ {_NODE} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }} }}
}}"""

REASON = "Found unconscious in A&E; checking medication"


def _read(name: str) -> str:
    return f"query {name}($id: ID!) {{ person(id: $id) {{ displayName budgets {{ id }} }} }}"


def _entry(staff: str | None, team: str | None, operation: str, categories: list[str], *,
           refused: list[str] | tuple[str, ...] = (), outcome: str = "allowed",
           purpose: str | None = None, break_glass: bool = False) -> dict[str, Any]:
    """One line of the access log, as the person reads it (without the time)."""
    return {
        "actorKind": "staff" if staff else "system",
        "staffMember": {"displayName": staff} if staff else None,
        "team": {"name": team} if team else None,
        "organisation": {"name": "Test Trust"} if team else None,
        "categories": categories, "refusedCategories": list(refused), "operation": operation,
        "outcome": outcome, "purpose": purpose, "breakGlass": break_glass,
    }


async def _a_history(world: World, client: GraphQLClient) -> list[dict[str, Any]]:
    """What happens to Ngozi's record; her access log as she should see it, newest first."""
    ngozi = {"id": gid("Person", world.ngozi)}
    await client.execute(_read("ReviewNgozi"), ngozi, as_user="amara")
    await client.execute(_read("ReviewBelu"), {"id": gid("Person", world.belu)},
                         as_user="amara")  # not Ngozi's business
    await records.budget_request(world, by="amara", items=[("Swimming lessons", "120")])
    await records.goal(world, title="Swim once a week")  # by Ngozi herself: not listed
    await client.execute(_read("LookUpNgozi"), ngozi, as_user="stranger")
    await break_glass.break_glass(world.uow, await world.policy("stranger"),
                                  nhs_number="9990000018", reason=REASON)
    await client.execute(_read("EmergencyRead"), ngozi, as_user="stranger")
    opened = sorted(RULES.readable_categories(["elft.care_coordinator"]))
    return [
        _entry("Stranger Tester", "Other CMHT", "EmergencyRead", ["budget", "identity"],
               purpose=REASON, break_glass=True),
        _entry("Stranger Tester", "Other CMHT", "break_glass", opened, purpose=REASON,
               break_glass=True),
        _entry("Stranger Tester", "Other CMHT", "LookUpNgozi", [], refused=["person"],
               outcome="refused"),
        _entry("Amara Tester", "CMHT", "create_budget_request", ["budget"]),
        _entry("Amara Tester", "CMHT", "ReviewNgozi", ["budget", "identity"]),
        _entry(None, None, "register_person", ["contact", "identity"]),
    ]


def _without_time(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in edge["node"].items() if k != "occurredAt"} for edge in edges]


async def test_a_person_sees_who_accessed_their_record_newest_first(
    world: World, client: GraphQLClient
) -> None:
    expected = await _a_history(world, client)

    result = await client.execute(MY_ACCESS_LOG, as_user="ngozi")

    assert result.errors == []
    log = result.data["me"]["accessLog"]
    assert _without_time(log["edges"]) == expected
    assert log["pageInfo"]["hasNextPage"] is False
    times = [dt.datetime.fromisoformat(edge["node"]["occurredAt"]) for edge in log["edges"]]
    assert all(time.utcoffset() == dt.timedelta(0) for time in times)
    assert times == sorted(times, reverse=True)
    # Looking at her own log is not an access by someone else: it stays as it was.
    again = await client.execute(MY_ACCESS_LOG, as_user="ngozi")
    assert again.data == result.data


async def test_the_access_log_comes_in_pages(world: World, client: GraphQLClient) -> None:
    expected = await _a_history(world, client)

    seen: list[dict[str, Any]] = []
    after = None
    pages = []
    while True:
        result = await client.execute(MY_ACCESS_LOG, {"first": 4, "after": after},
                                      as_user="ngozi")
        assert result.errors == []
        log = result.data["me"]["accessLog"]
        pages.append((len(log["edges"]), log["pageInfo"]["hasNextPage"]))
        seen += _without_time(log["edges"])
        if not log["pageInfo"]["hasNextPage"]:
            break
        after = log["pageInfo"]["endCursor"]

    assert pages == [(4, True), (2, False)]
    assert seen == expected


async def test_staff_may_not_see_a_persons_access_log(
    world: World, client: GraphQLClient
) -> None:
    await _a_history(world, client)

    result = await client.execute(
        f"query($id: ID!) {{ person(id: $id) {{ displayName accessLog {{ edges {{ node {{ "
        f"{_NODE} }} }} }} }} }}", {"id": gid("Person", world.ngozi)}, as_user="amara")

    assert result.data == {"person": {"displayName": "Ngozi Example", "accessLog": None}}
    [error] = result.errors
    assert error["path"] == ["person", "accessLog"]
    assert error["extensions"] == {"code": "FORBIDDEN", "category": "access_log"}


async def test_another_person_cannot_see_it(world: World, client: GraphQLClient) -> None:
    await _a_history(world, client)
    query = ("query($id: ID!) { person(id: $id) { accessLog { edges { node { "
             f"{_NODE} }} }} }} }} }}")

    result = await client.execute(query, {"id": gid("Person", world.ngozi)}, as_user="belu")

    assert result.data == {"person": None}
    assert result.codes == ["NOT_FOUND"]
    # Belu's own log has Amara's read of her record, and nothing of Ngozi's.
    mine = await client.execute(MY_ACCESS_LOG, as_user="belu")
    assert _without_time(mine.data["me"]["accessLog"]["edges"]) == [
        _entry("Amara Tester", "CMHT", "ReviewBelu", ["budget", "identity"]),
        _entry(None, None, "register_person", ["contact", "identity"]),
    ]
