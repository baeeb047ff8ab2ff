"""How many SQL statements the caseload query runs: pinned, and the same for 5 people or 50.

Every relation goes through a DataLoader, so the count depends on the shape of the query, not
on the number of rows. If this fails with a count that grows with the caseload, a relation is
being loaded per row (N+1). If it fails with a new constant, a change added or saved a
statement for every request: check that was meant, then re-pin.

The audit trail's writes at the end of the request (one event per person read) are counted
apart from the reads, so each half is pinned on its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.caseload import Caseload
from tests.support.graphql import GraphQLClient
from tests.support.world import World

CASELOAD_QUERY = """query($first: Int!) { people(first: $first) { edges { node {
  displayName
  goals { edges { node {
    title
    steps { description }
    progressNotes { edges { node { text } } }
  } } }
  budgetRequests { edges { node {
    status
    total { pence }
    items { description goal { title } }
    approvals { decision staffMember { displayName } }
  } } }
  consents { edges { node { categories granteeOrganisation { name } } } }
} } } }"""

# Signing in (the account, the staff member's teams) plus the caseload query's reads.
PINNED_READS = 17
# Writing one audit event per person read, chained, in one transaction after the query.
PINNED_AUDIT = 5


def _is_audit(statement: str) -> bool:
    return "audit_event" in statement or "audit_chain_head" in statement


async def _count(client: GraphQLClient, caseload: Caseload, count_statements: Any
                 ) -> tuple[int, int]:
    """(reads, audit trail statements) of the caseload query as the team lead."""
    size = len(caseload.people)
    with count_statements() as counter:
        result = await client.execute(CASELOAD_QUERY, {"first": size}, as_user=caseload.lead)

    assert not result.errors, result.errors
    people = [edge["node"] for edge in result.data["people"]["edges"]]
    assert len(people) == size
    for person in people:  # everything was there to load, and was loaded
        [goal] = [edge["node"] for edge in person["goals"]["edges"]]
        assert [step["description"] for step in goal["steps"]] == ["First", "Second"]
        assert goal["progressNotes"]["edges"] == [{"node": {"text": "Started"}}]
        [request] = [edge["node"] for edge in person["budgetRequests"]["edges"]]
        assert request["status"] == "APPROVED"
        assert request["items"][0]["goal"] == {"title": goal["title"]}
        assert request["approvals"] == [{"decision": "APPROVED",
                                         "staffMember": {"displayName": "Casey Staff"}}]
        [consent] = [edge["node"] for edge in person["consents"]["edges"]]
        assert consent["granteeOrganisation"] == {"name": "Test Charity"}
    audit = sum(1 for statement in counter.statements if _is_audit(statement))
    return counter.count - audit, audit


# database URL -> the counts measured there: building 50 full records takes seconds, so the
# two tests below share one measurement per backend.
_MEASURED: dict[str, dict[int, tuple[int, int]]] = {}


@pytest.fixture
async def counts(world: World, count_statements: Any) -> dict[int, tuple[int, int]]:
    """Caseload size -> (reads, audit trail statements), for 5 and for 50 people."""
    key = world.uow.db.url.render_as_string(hide_password=False)
    if key not in _MEASURED:
        client = GraphQLClient(world.uow)
        caseload = await Caseload(world).open()
        found = {}
        for size in (5, 50):
            await caseload.grow_to(size)
            found[size] = await _count(client, caseload, count_statements)
        _MEASURED[key] = found
    return _MEASURED[key]


async def test_caseload_query_reads_with_the_same_statements_for_5_people_or_50(
    counts: dict[int, tuple[int, int]],
) -> None:
    assert (counts[5][0], counts[50][0]) == (PINNED_READS, PINNED_READS)


async def test_auditing_the_caseload_read_takes_the_same_statements_for_5_people_or_50(
    counts: dict[int, tuple[int, int]],
) -> None:
    assert (counts[5][1], counts[50][1]) == (PINNED_AUDIT, PINNED_AUDIT)
