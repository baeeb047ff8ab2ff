"""The server's real output: JSON lines, each with the request id; the policy's refusals are
there (docs/access-control.md promises they are logged)."""

from __future__ import annotations

from pathlib import Path

import httpx

from auth.dev_tokens import issue_dev_token
from tests.support.graphql import gid
from tests.support.server import running_server
from tests.support.world import World

SECRET = "a-development-secret-for-the-log-test-0123456789"


async def test_a_refusal_reaches_the_servers_log_with_its_request_id(
        world: World, tmp_path: Path) -> None:
    async with running_server(tmp_path, world.uow.db.url.render_as_string(hide_password=False),
                              "--dev", env={"RECOVERY_HUB_SECRET_KEY": SECRET}) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            response = await client.post(
                "/graphql", json={"query": "query($id: ID!) { person(id: $id) { displayName } }",
                                  "variables": {"id": gid("Person", world.ngozi)}},
                headers={"Authorization": f"Bearer {issue_dev_token(SECRET, 'stranger')}",
                         "X-Request-ID": "refused-request-0001"})
            anonymous = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert response.headers["x-request-id"] == "refused-request-0001"
    assert len(anonymous.headers["x-request-id"]) == 32  # made here when none was given

    lines = server.log_lines()  # every line parses as JSON
    refusals = [line for line in lines if line["logger"] == "recovery_hub.access"]
    assert refusals, lines
    refusal = refusals[0]
    assert refusal["request_id"] == "refused-request-0001"
    assert refusal["level"] == "info"
    assert refusal["event"].startswith("access refused: principal=staff:")
    assert f"person={world.ngozi}" in refusal["event"]
    assert {"timestamp", "rule"} <= set(refusal)
    # uvicorn's own lines come through the same handler, the access line with the request id.
    assert any(line["logger"] == "uvicorn.access" and line.get("request_id")
               == "refused-request-0001" for line in lines)
    # ... without uvicorn's coloured copy of its messages (terminal escape codes in a log).
    started = [line for line in lines if line["event"].startswith("Started server process")]
    assert started and all("color_message" not in line for line in lines)
