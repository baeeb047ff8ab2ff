"""Notifications: each person and staff member reads and marks their own, through the policy
(someone else's is NOT_FOUND and nothing changes); created once per key; emailed through a real
SMTP server without a word of what they say, retried when the server is away."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import select, update

from core.jobs import BackgroundJob, JobStatus
from core.jobs.runner import JobRunner
from core.models import Person, StaffMember
from core.notifications.email import EMAIL_SUBJECT
from core.notifications.mail import MailSettings
from core.notifications.models import Notification
from core.notifications.service import EMAIL_JOB, Recipient, create_notification
from core.unit_of_work import UnitOfWork
from tests.support.graphql import GraphQLClient, gid
from tests.support.smtp import free_port, smtp_server
from tests.support.world import World

MINE = """query($unread: Boolean!) { viewer { unreadNotificationCount
  notifications(first: 10, unreadOnly: $unread) { edges { node {
    id kind title body read readAt aboutId } } } } }"""
MARK = """mutation($ids: [ID!]!) { markNotificationsRead(input: {ids: $ids}) {
  notifications { id read } userErrors { field code message } } }"""


async def _notify(uow: UnitOfWork, recipient: Recipient, title: str,
                  key: str | None = None, about: tuple[str, int] | None = None) -> int | None:
    async with uow.begin() as tx:
        return await create_notification(tx, recipient, kind="test.note", title=title,
                                         body="Something to look at.", key=key, about=about)


async def test_each_reads_and_marks_their_own_notifications(world: World) -> None:
    client = GraphQLClient(world.uow)
    first = await _notify(world.uow, Recipient(person_id=world.ngozi), "Your first")
    second = await _notify(world.uow, Recipient(person_id=world.ngozi), "Your second",
                           about=("RecoveryGoal", 7))
    await _notify(world.uow, Recipient(person_id=world.belu), "Belu's")
    await _notify(world.uow, Recipient(staff_member_id=world.amara), "Amara's")
    assert first is not None and second is not None

    mine = await client.execute(MINE, {"unread": False}, as_user="ngozi")
    assert not mine.errors
    viewer = mine.data["viewer"]
    assert viewer["unreadNotificationCount"] == 2
    nodes = [edge["node"] for edge in viewer["notifications"]["edges"]]
    assert [node["title"] for node in nodes] == ["Your second", "Your first"]  # newest first
    assert nodes[0]["aboutId"] == gid("RecoveryGoal", 7) and nodes[1]["aboutId"] is None
    assert {node["read"] for node in nodes} == {False}

    marked = await client.execute(MARK, {"ids": [gid("Notification", first)]}, as_user="ngozi")
    assert marked.payload("markNotificationsRead") == {
        "notifications": [{"id": gid("Notification", first), "read": True}], "userErrors": []}
    unread = (await client.execute(MINE, {"unread": True}, as_user="ngozi")).data["viewer"]
    assert unread["unreadNotificationCount"] == 1
    assert [e["node"]["title"] for e in unread["notifications"]["edges"]] == ["Your second"]

    amara = (await client.execute(MINE, {"unread": False}, as_user="amara")).data["viewer"]
    assert [e["node"]["title"] for e in amara["notifications"]["edges"]] == ["Amara's"]


async def test_someone_elses_notification_is_not_found_and_nothing_changes(
        world: World, unchanged: Any) -> None:
    client = GraphQLClient(world.uow)
    ngozis = await _notify(world.uow, Recipient(person_id=world.ngozi), "Ngozi's")
    belus = await _notify(world.uow, Recipient(person_id=world.belu), "Belu's")
    assert ngozis is not None and belus is not None
    async with unchanged():
        # Belu's own id first: one that is not hers refuses the whole request.
        refused = await client.execute(
            MARK, {"ids": [gid("Notification", belus), gid("Notification", ngozis)]},
            as_user="belu")
        assert refused.payload("markNotificationsRead") == {"notifications": [], "userErrors": [
            {"field": "ids.1", "code": "NOT_FOUND",
             "message": "No notification with that ID was found."}]}
        # Her care coordinator may read her record, not her notifications.
        as_staff = await client.execute(MARK, {"ids": [gid("Notification", ngozis)]},
                                        as_user="amara")
        assert as_staff.payload("markNotificationsRead")["userErrors"][0]["code"] == "NOT_FOUND"
        node = await client.execute("query($id: ID!) { node(id: $id) { id } }",
                                    {"id": gid("Notification", ngozis)}, as_user="amara")
        assert node.data == {"node": None}
        nobody = await client.execute(MINE, {"unread": False}, as_user=None)
        assert nobody.data == {"viewer": None}
        empty = await client.execute(MARK, {"ids": []}, as_user="ngozi")
        assert empty.payload("markNotificationsRead")["userErrors"][0]["code"] == "REQUIRED"


async def test_a_notification_with_a_key_is_created_once(world: World) -> None:
    assert await _notify(world.uow, Recipient(person_id=world.ngozi), "Once", key="k:1")
    assert await _notify(world.uow, Recipient(person_id=world.ngozi), "Again", key="k:1") is None
    async with world.uow.db.reading() as session:
        titles = list(await session.scalars(select(Notification.title)))
    assert titles == ["Once"]


async def test_listing_notifications_costs_the_same_for_one_or_many(
        world: World, count_statements: Any) -> None:
    client = GraphQLClient(world.uow)
    counts = []
    for more in (1, 9):  # one notification, then ten
        for n in range(more):
            await _notify(world.uow, Recipient(person_id=world.ngozi), f"Note {n}",
                          about=("RecoveryGoal", n + 1))
        with count_statements() as counter:
            result = await client.execute(MINE, {"unread": False}, as_user="ngozi")
        assert not result.errors
        counts.append(counter.count)
    # The principal, the people represented (viewer), the page, the unread count.
    assert counts[0] == counts[1] == 4, counts


# --- email -----------------------------------------------------------------------------------


async def _emailable(world: World) -> None:
    async with world.uow.begin() as tx:
        await tx.session.execute(update(Person).where(Person.id == world.ngozi)
                                 .values(email="ngozi@example.org"))
        await tx.session.execute(update(StaffMember).where(StaffMember.id == world.amara)
                                 .values(email="amara@elft.example"))


async def _email_jobs(uow: UnitOfWork) -> list[BackgroundJob]:
    async with uow.db.reading() as session:
        return list(await session.scalars(select(BackgroundJob).where(
            BackgroundJob.name == EMAIL_JOB).order_by(BackgroundJob.id)))


async def test_a_notification_is_emailed_once_without_what_it_says(world: World) -> None:
    await _emailable(world)
    uow = world.uow
    with smtp_server() as mailbox:
        uow.mail = MailSettings(host=mailbox.host, port=mailbox.port,
                                sender="Recovery Hub <hub@example.org>",
                                public_url="https://hub.example.org")
        try:
            async with JobRunner(uow):
                await _notify(uow, Recipient(person_id=world.ngozi),
                              "Your review with Amara is on Tuesday", about=("RecoveryGoal", 1))
                await _notify(uow, Recipient(staff_member_id=world.amara), "Ngozi's review")
                messages = await asyncio.to_thread(mailbox.wait_for, 2)
                jobs = await _email_jobs(uow)
                # Delivered again (a rescue pass): the email is not sent twice.
                for job in jobs:
                    async with uow.begin() as tx:
                        await tx.session.execute(update(BackgroundJob).where(
                            BackgroundJob.id == job.id).values(status=JobStatus.QUEUED.value))
                    await JobRunner(uow, work=False).run_one(job.id)
        finally:
            uow.mail = None
    assert sorted(message["To"] for message in messages) == ["amara@elft.example",
                                                              "ngozi@example.org"]
    assert len(mailbox.messages) == 2
    for message in messages:
        assert message["Subject"] == EMAIL_SUBJECT
        assert message["From"] == "Recovery Hub <hub@example.org>"
        text = message.get_content()
        assert "https://hub.example.org/" in text
        for secret in ("review", "Amara", "Ngozi", "Tuesday", "Something to look at"):
            assert secret not in text and secret not in message["Subject"]
    async with uow.db.reading() as session:
        emailed = list(await session.scalars(select(Notification.emailed_at)))
    assert all(emailed)


async def test_an_email_is_retried_while_the_mail_server_is_away(world: World) -> None:
    await _emailable(world)
    uow = world.uow
    port = free_port()
    uow.mail = MailSettings(host="127.0.0.1", port=port, timeout_seconds=5)
    try:
        await _notify(uow, Recipient(person_id=world.ngozi), "Hello")
        [job] = await _email_jobs(uow)
        async with JobRunner(uow, work=False) as runner:
            failed = await runner.run_one(job.id)
            [after] = await _email_jobs(uow)
            assert (failed.status, after.attempts) == (JobStatus.QUEUED, 1)
            assert (after.last_error or "").startswith("SMTPConnectError: ")
            assert after.run_after > job.run_after + dt.timedelta(seconds=29)
            with smtp_server() as mailbox:
                uow.mail = MailSettings(host=mailbox.host, port=mailbox.port)
                async with uow.begin() as tx:  # its time has come
                    await tx.session.execute(update(BackgroundJob).where(
                        BackgroundJob.id == job.id).values(run_after=after.created_at))
                done = await runner.run_one(job.id)
                [message] = await asyncio.to_thread(mailbox.wait_for, 1)
    finally:
        uow.mail = None
    assert done.status is JobStatus.DONE and message["To"] == "ngozi@example.org"
