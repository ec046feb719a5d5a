"""The protocol through the running app on both backends: the secretariat drafts, edits a case
and publishes; the leader lists ``protokoller til signering`` and signs; a member's signature and
an old version's are refused with a clear message; the second signature makes it final."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.graph.factory import CALENDAR
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.protocol_tables import Protocol
from tests.bot.services.test_protocol import (
    DEPUTY_LEADER,
    LEADER,
    MEMBER,
    SECRETARY,
    add_case,
    held_meeting,
)
from tests.support.activities import TeamsUser
from tests.support.harness import BotHarness, card_text, cards_in, demo_users


async def act(bot: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    status, body = await bot.act(user, verb, data)
    assert status == 200, body
    return dict(body["value"])


async def say(bot: BotHarness, user: TeamsUser, text: str) -> str:
    status, _ = await bot.say(user, text)
    assert status in (200, 201, 202)
    [reply] = await bot.replies_to(user, 1)
    return "\n".join(card_text(c) for c in cards_in(reply)) or str(reply.get("text"))


def _action(card: dict[str, Any], verb: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    assert found, verb
    return found[0]


async def test_draft_edit_publish_and_sign_in_teams(bot_on: BotHarness) -> None:
    users = demo_users()
    secretary, leader, deputy, member = (
        users[SECRETARY],
        users[LEADER],
        users[DEPUTY_LEADER],
        users[MEMBER],
    )
    assert bot_on.app.get(CALENDAR) is not None
    meeting_id = await held_meeting(bot_on.sessions)
    case_id = await add_case(bot_on.sessions, meeting_id, 3)

    listing = await say(bot_on, secretary, "protokoll")
    assert "21.05.2026 SSU" in listing

    drafted = await act(bot_on, secretary, "protocol.draft", {"meeting_id": meeting_id})
    assert "Protokoll – utkast" in card_text(drafted)
    save = _action(drafted, "protocol.edit")["data"]
    edited = await act(
        bot_on,
        secretary,
        "protocol.edit",
        {
            **save,
            f"decision_{case_id}": "SSU slutter seg til rutinen. Æ, ø og å.",
            f"treated_{case_id}": "Rutinen.",
        },
    )
    assert "Lagret som ny versjon." in card_text(edited)
    publish = _action(edited, "protocol.publish")["data"]

    refused = await act(bot_on, member, "protocol.publish", publish)
    assert "Bare sekretariatet" in card_text(refused)

    published = await act(bot_on, secretary, "protocol.publish", publish)
    assert "Protokollen er publisert" in card_text(published)

    waiting = await say(bot_on, leader, "protokoller til signering")
    assert "Protokoller til signering" in waiting and "Signer" in waiting

    async with transaction(bot_on.sessions) as session:
        row = (await session.exec(select(Protocol))).one()
    sign = {"protocol_id": row.id, "version": row.current_sha}

    not_signer = await act(bot_on, member, "protocol.sign", sign)
    assert "Bare leder og nestleder" in card_text(not_signer)
    old = await act(bot_on, leader, "protocol.sign", {**sign, "version": "0" * 64})
    assert "endret etter at dette kortet" in card_text(old)
    forged = await act(bot_on, leader, "protocol.sign", {**sign, "protocol_id": "99999"})
    assert "Fant ikke protokollen" in card_text(forged)

    first = await act(bot_on, leader, "protocol.sign", sign)
    assert "Signaturen er registrert." in card_text(first)
    twice = await act(bot_on, leader, "protocol.sign", sign)
    assert "allerede signert" in card_text(twice)
    final = await act(bot_on, deputy, "protocol.sign", sign)
    assert "ferdig signert og arkivert" in card_text(final)

    async with transaction(bot_on.sessions) as session:
        row = (await session.exec(select(Protocol))).one()
        meeting = await session.get(Meeting, row.meeting_id)
    assert row.state == "signed" and meeting is not None and meeting.state == "protocol_signed"
    assert row.signed_document_path is not None
    pdf = bot_on.settings.var_dir / "portal" / row.signed_document_path
    assert pdf.is_file()


async def test_a_signer_sends_it_back(bot_on: BotHarness) -> None:
    users = demo_users()
    secretary, leader = users[SECRETARY], users[LEADER]
    meeting_id = await held_meeting(bot_on.sessions)
    drafted = await act(bot_on, secretary, "protocol.draft", {"meeting_id": meeting_id})
    await act(bot_on, secretary, "protocol.publish", _action(drafted, "protocol.publish")["data"])
    async with transaction(bot_on.sessions) as session:
        row = (await session.exec(select(Protocol))).one()
    data = {"protocol_id": row.id, "version": row.current_sha}
    short = await act(bot_on, leader, "protocol.return", {**data, "comment": "nei"})
    assert "Skriv en kommentar" in card_text(short)
    sent = await act(
        bot_on, leader, "protocol.return", {**data, "comment": "Deltakerlisten mangler Per."}
    )
    assert "Sendt tilbake til sekretariatet" in card_text(sent)
