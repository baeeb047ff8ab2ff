"""The scenarios: who asks, which GraphQL operation, and how many pages make one flow.

A flow is what a client does to show one screen. Lists are cursor connections of at most 100
(``schema.pagination.MAX_PAGE_SIZE``), so a caseload of 500 is five pages and a 1,000-event
access log is ten: the flow follows ``endCursor`` from page to page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .scales import ACCESS_LOG_EVENTS, ACTORS, HISTORY_ENDS

__all__ = ["APPROVE", "HEALTH_SERIES", "SCENARIOS", "SERIES_PERIODS", "SUBMIT", "Scenario"]

DASHBOARD = """query Dashboard {
  me {
    id displayName nhsNumber
    goals(first: 20) { edges { node {
      id title whatMattersToMe status targetDate
      steps { description position doneAt }
      progressNotes(first: 5) { edges { node { text progressPercent createdAt } } }
    } } }
    budgets { id paymentRoute periodStart periodEnd fundingPot { name } }
    budgetRequests(first: 20) { edges { node {
      id status purpose total { pence } submittedAt decidedAt
    } } }
    consents(first: 20) { edges { node {
      id categories purpose status validFrom validUntil granteeOrganisation { name }
    } } }
  }
}"""

# PHB status: the requests of each budget (newest budget first). There is no review model yet:
# the next review (start, midpoint, end) is read off the current budget's period.
CASELOAD = """query Caseload($first: Int!, $after: String) {
  people(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id displayName nhsNumber dateOfBirth
      goals(first: 10) { edges { node { id title status targetDate } } }
      budgets { id paymentRoute periodStart periodEnd
        requests(first: 10) { edges { node { status total { pence } submittedAt } } } }
    } }
  }
}"""

ACCESS_LOG = """query AccessLog($first: Int!, $after: String) {
  me { accessLog(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      occurredAt actorKind actorRoles categories refusedCategories operation outcome purpose
      breakGlass staffMember { displayName jobTitle } team { name } organisation { name }
    } }
  } }
}"""

# The API has no "requests awaiting my sign-off" query and no status filter: the queue is the
# team's people with their requests, filtered to SUBMITTED / AWAITING_APPROVAL by the client.
APPROVAL_QUEUE = """query ApprovalQueue($first: Int!, $after: String) {
  people(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id displayName
      budgetRequests(first: 100) { edges { node {
        id status purpose total { pence } submittedAt items { description amount { pence } }
      } } }
    } }
  }
}"""

# A person's charts: a year of weight by week, the last 90 days of mood by day (the tracked
# year ends the day before HISTORY_ENDS: bench/tracking.py).
_LAST_DAY = HISTORY_ENDS.date() - dt.timedelta(days=1)
SERIES_PERIODS = {
    "weight": (_LAST_DAY - dt.timedelta(days=364), _LAST_DAY, "WEEK"),
    "mood": (_LAST_DAY - dt.timedelta(days=89), _LAST_DAY, "DAY"),
}
HEALTH_SERIES = f"""query HealthSeries {{
  me {{
    weight: observationSeries(kind: "weight", from: "{SERIES_PERIODS['weight'][0]}",
                              to: "{SERIES_PERIODS['weight'][1]}", bucket: WEEK) {{
      unit points {{ start end count min max mean last }} }}
    mood: observationSeries(kind: "mood", from: "{SERIES_PERIODS['mood'][0]}",
                            to: "{SERIES_PERIODS['mood'][1]}", bucket: DAY) {{
      unit points {{ start end count min max mean last }} }}
  }}
}}"""

SUBMIT = """mutation Submit($id: ID!) {
  submitBudgetRequest(input: {requestId: $id}) {
    budgetRequest { id status submittedAt } userErrors { field code message }
  }
}"""

APPROVE = """mutation Approve($id: ID!) {
  approveBudgetRequest(input: {requestId: $id}) {
    budgetRequest { id status decidedAt total { pence } } userErrors { field code message }
  }
}"""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    actor: str  # username (ACTORS)
    query: str
    operation: str
    page_size: int | None = None  # None: one request, no paging
    pages: int = 1
    # Where the paged connection is in the result.
    connection: tuple[str, ...] = ()
    floor: str = ""  # the floor's name for it (bench/floor.py)
    mutation: bool = False
    # The floor-throughput target applies (dashboard, approval queue).
    http_target: bool = False


SCENARIOS = (
    Scenario("dashboard", "A person's own dashboard (me: goals, budgets, requests, consents)",
             ACTORS["person"], DASHBOARD, "Dashboard", floor="dashboard", http_target=True),
    Scenario("caseload_50", "Care coordinator's caseload of 50 (goals, PHB status, periods)",
             ACTORS["coordinator_small"], CASELOAD, "Caseload", page_size=50, pages=1,
             connection=("people",), floor="caseload"),
    Scenario("caseload_500", "Care coordinator's caseload of 500 (5 pages of 100)",
             ACTORS["coordinator_large"], CASELOAD, "Caseload", page_size=100, pages=5,
             connection=("people",), floor="caseload"),
    Scenario("access_log", f"A person's access log ({ACCESS_LOG_EVENTS:,} events, 10 pages)",
             ACTORS["person"], ACCESS_LOG, "AccessLog", page_size=100,
             pages=ACCESS_LOG_EVENTS // 100, connection=("me", "accessLog"),
             floor="access_log"),
    Scenario("approval_queue", "Team lead's approval queue over a CMHT of 500 (5 pages)",
             ACTORS["lead_large"], APPROVAL_QUEUE, "ApprovalQueue", page_size=100, pages=5,
             connection=("people",), floor="approval_queue", http_target=True),
    Scenario("health_series", "A person's charts: a year of daily weight by week, 90 days of "
             "mood by day", ACTORS["person"], HEALTH_SERIES, "HealthSeries",
             floor="health_series"),
    Scenario("submit_approve", "Submit a budget request, then approve it (audited writes)",
             ACTORS["coordinator_mutation"], SUBMIT, "Submit", floor="submit_approve",
             mutation=True),
)
