"""``ssu-bot serve`` killed with SIGKILL right after it accepted a case, a consensus answer and the
final protocol signature (issue 9), then started again: all three are stored, and every message
that was due — including those on the wire at the kill — is delivered exactly once afterwards.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlmodel import col, select

from storage.case_tables import Case
from storage.consensus_tables import ConsensusAnswer
from storage.db import create_engine, session_factory
from storage.outbox_tables import FINAL_STATES, OutboxMessage
from storage.protocol_tables import Protocol, ProtocolSignature
from tests.bot.services.test_protocol import (
    DEPUTY_LEADER,
    LEADER,
    SECRETARY,
    add_case,
    held_meeting,
)
from tests.conftest import load_demo_roster
from tests.fakes.connector import FakeConnector
from tests.support.harness import demo_users
from tests.support.processes import BotProcess, bot_env, until
from tests.support.workload import (
    ACCEPTED_CONSENSUS,
    Result,
    TeamsClient,
    answer_consensus,
    open_consensus_round,
    submit_case,
)

USERS = demo_users()
MEMBER = USERS["per.haugen@demo.ssu.example"]
CHAT = "19:meeting_a2lsbC1yZXN0YXJ0@thread.v2"
CHANNEL = "19:general-ssu@thread.tacv2"
PROACTIVE = "send_to_conversation"


def _action_data(document: dict[str, object] | None, verb: str) -> dict[str, object]:
    found: list[dict[str, object]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb:
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    assert found, verb
    return found[0]


async def test_sigkill_after_accepting_work_then_restart_keeps_it_and_delivers_once(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    await load_demo_roster(sessions)
    meeting_id = await held_meeting(sessions)
    await add_case(sessions, meeting_id, 3)
    secretary, leader, deputy = USERS[SECRETARY], USERS[LEADER], USERS[DEPUTY_LEADER]
    env = bot_env(
        database_url,
        tmp_path / "var",
        SSU_OUTBOX_LEASE_SECONDS="2",
        SSU_OUTBOX_SEND_TIMEOUT_SECONDS="2",
        SSU_OUTBOX_SWEEP_INTERVAL_SECONDS="1",
    )
    bot = BotProcess(env, tmp_path / "serve.log")

    async def outbox_states() -> Counter[str]:
        async with sessions() as session:
            return Counter((await session.exec(select(OutboxMessage.state))).all())

    async def outbox_settled() -> bool:
        return not {"pending", "sending"} & set(await outbox_states())

    try:
        async with FakeConnector() as connector, TeamsClient(bot.messages_url, connector) as client:
            await bot.start()
            # Everyone involved has talked to the bot; it is in the team's channel.
            for user in (secretary, leader, deputy, MEMBER):
                assert (await client.say(user, "hjelp")).status in (200, 201)
            channel = {"tenant": {"id": "t"}, "team": {"id": CHANNEL}, "channel": {"id": CHANNEL}}
            await client.say(
                secretary,
                "<at>SSU-assistenten</at> hjelp",
                conversation_id=CHANNEL,
                conversation_type="channel",
                channelData=channel,
            )
            # A published protocol the leader has signed; a consensus round with the member in.
            drafted = await client.act(secretary, "protocol.draft", {"meeting_id": meeting_id})
            publish = _action_data(drafted.card, "protocol.publish")
            published = await client.act(secretary, "protocol.publish", publish)
            assert "Protokollen er publisert" in published.text, published.text
            async with sessions() as session:
                protocol = (await session.exec(select(Protocol))).one()
            sign = {"protocol_id": protocol.id, "version": protocol.current_sha}
            first = await client.act(leader, "protocol.sign", sign)
            assert "Signaturen er registrert." in first.text, first.text
            round_id = await open_consensus_round(
                client, sessions, chair=leader, present=[leader, MEMBER], chat=CHAT
            )
            await until(outbox_settled, 30, "the set-up's messages were never sent")
            delivered_before = len(connector.requests_for(PROACTIVE))

            # From now on no proactive message arrives: each is on the wire (hung) at the kill.
            connector.hang_next(1_000_000, match=lambda r: r.operation == PROACTIVE)
            case = await submit_case(client, MEMBER, title="Rutine for legemidler ved utskrivning")
            assert case.accepted, (case.step, case.text)
            answered, text = await answer_consensus(
                client, MEMBER, round_id=round_id, chat=CHAT, position="agree"
            )
            assert answered is Result.ACCEPTED, (ACCEPTED_CONSENSUS, text)
            final = await client.act(deputy, "protocol.sign", sign)
            assert "ferdig signert og arkivert" in final.text, final.text

            async def on_the_wire() -> bool:
                return connector.in_flight > 0

            await until(on_the_wire, 10, "no message was on its way when the bot was killed")
            await bot.kill()

            # Accepted before the kill = committed: all three are in the database.
            async with sessions() as session:
                stored_case = (
                    await session.exec(select(Case).where(Case.submission_key == case.draft_id))
                ).one()
                answer = (await session.exec(select(ConsensusAnswer))).one()
                protocol = (await session.exec(select(Protocol))).one()
                signatures = (
                    await session.exec(
                        select(ProtocolSignature).where(col(ProtocolSignature.voided_at).is_(None))
                    )
                ).all()
            assert stored_case.title == "Rutine for legemidler ved utskrivning"
            assert answer.person_name == MEMBER.name and answer.position == "agree"
            assert protocol.state == "signed" and len(signatures) == 2
            waiting = await outbox_states()
            assert waiting["pending"] + waiting["sending"] > 0, waiting

            connector.clear_faults()
            connector.release_hangs()
            await bot.start()
            await until(outbox_settled, 60, "the restarted bot did not deliver what was due")
            await bot.stop()
            posted = [p for p in connector.posted if p.operation == PROACTIVE]
            async with sessions() as session:
                rows = (await session.exec(select(OutboxMessage))).all()
    finally:
        await bot.kill()
        await engine.dispose()

    assert {row.state for row in rows} <= {s.value for s in FINAL_STATES}
    sent = [row for row in rows if row.state == "sent"]
    ids = Counter(p.activity_id for p in posted)
    assert len(posted) == len(sent), "a message was delivered twice, or one sent was not"
    assert all(ids[row.activity_id] == 1 for row in sent)
    assert delivered_before < len(posted)
    kinds = Counter(row.kind for row in sent)
    assert kinds["protocol_signed"] == 1, kinds
    assert bot.lines("outbox message in doubt"), "no message was in doubt after the kill"
    assert "Traceback" not in bot.text(), bot.tail()
