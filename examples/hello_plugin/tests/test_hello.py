"""The hello plugin, installed, in a whole Recovery Hub with the demo world.

Run with ``pytest`` here; ``RECOVERY_HUB_TEST_DATABASE=postgres pytest`` runs the same tests on
PostgreSQL.
"""

from __future__ import annotations

from recovery_hub.testing import StartPlatform

PERSON = "query($id: ID!) { person(id: $id) { displayName helloGreeting } }"


async def test_hello_greets_those_who_may_see_wellbeing(
    recovery_hub_platform: StartPlatform,
) -> None:
    hub = await recovery_hub_platform(demo=True)

    me = await hub.execute("{ me { id helloGreeting } }", as_user="ngozi")
    assert not me.errors
    assert me.data["me"]["helloGreeting"] == "Hello, Ngozi! How are you today?"
    ngozi = {"id": me.data["me"]["id"]}

    # Her care coordinator may see how she is doing.
    coordinator = await hub.execute(PERSON, ngozi, as_user="cc-amara")
    assert coordinator.errors == []
    assert coordinator.data["person"]["helloGreeting"] == "Hello, Ngozi! How are you today?"

    # The PHB lead clinician reads her identity and budget, not her wellbeing.
    clinician = await hub.execute(PERSON, ngozi, as_user="phb-lead-rosa")
    assert clinician.data["person"] == {"displayName": "Ngozi Adeyemi", "helloGreeting": None}
    assert clinician.codes == ["FORBIDDEN"]
    assert clinician.errors[0]["extensions"]["category"] == "wellbeing"
    assert clinician.errors[0]["path"] == ["person", "helloGreeting"]


async def test_hello_is_loaded_through_its_entry_point_unless_turned_off(
    recovery_hub_platform: StartPlatform,
) -> None:
    # Nothing here reads the database: no need to migrate it.
    hub = await recovery_hub_platform(migrate=False)
    assert hub.plugins.origins["hello"].startswith("entry point recovery_hub_hello")
    assert hub.rules.declared_by("hello.greeter") == "hello"
    assert "helloGreeting: String" in hub.platform.schema.as_str()

    off = await recovery_hub_platform(plugins_toml="[plugins.hello]\nenabled = false\n",
                                      migrate=False)
    assert "hello" in off.plugins.disabled
    assert "hello.greeter" not in off.rules.roles
    result = await off.execute("{ me { helloGreeting } }", as_user=None)
    assert [error["message"] for error in result.errors] == [
        "Cannot query field 'helloGreeting' on type 'Person'."
    ]
