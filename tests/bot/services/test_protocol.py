"""The protocol service on both backends: draft from the meeting's data, edit, publish (late or
not), sign (who may, versions, twice, unpublished, forged ids), the final state, verification."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.meeting_rules import MeetingDraft, local_datetime
from bot.domain.meeting_state import MeetingState
from bot.domain.protocol import SignerSlot, version_sha
from bot.domain.roles import Actor
from bot.graph.port import StoredDocument
from bot.services import meetings as meetings_service
from bot.services import protocol as service
from bot.services.identity import Caller, resolve_actor
from bot.services.meetings import SYSTEM, MeetingChanged
from bot.services.protocol import ProtocolMessage, ProtocolView, Refusal, Refused, Signed
from storage import audit
from storage.attendance_tables import Attendance
from storage.case_tables import Case
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditEntry, Person
from storage.outbox_tables import OutboxMessage
from storage.protocol_tables import Protocol, ProtocolSignature
from tests.conftest import load_demo_roster

Sessions = async_sessionmaker[AsyncSession]
DAY = date(2026, 5, 21)
HELD_AT = datetime(2026, 5, 21, 13, 0, tzinfo=UTC)
SOON = datetime(2026, 5, 23, 10, 0, tzinfo=UTC)
LATE = datetime(2026, 6, 5, 10, 0, tzinfo=UTC)
STRANGER = Actor(None, "Ukjent", "00000000-0000-4000-8000-00000000dead")

LEADER = "hilde.vang@demo.ssu.example"
LEADER_DEPUTY = "tone.foss@demo.ssu.example"
DEPUTY_LEADER = "ingrid.solberg@demo.ssu.example"
DEPUTY_LEADER_DEPUTY = "astrid.hovde@demo.ssu.example"
MEMBER = "per.haugen@demo.ssu.example"
MEMBER_DEPUTY = "geir.lie@demo.ssu.example"
OBSERVER = "sissel.ruud@demo.ssu.example"
SECRETARY = "eva.lindqvist@demo.ssu.example"


@pytest.fixture(autouse=True)
def _log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Log at DEBUG so a bad ``extra=`` key (one LogRecord reserves) fails here."""
    caplog.set_level(logging.DEBUG, logger="bot.services.protocol")


@dataclass
class FakeStore:
    """A DocumentStore in memory; ``fail`` makes every put raise."""

    files: dict[str, bytes] = field(default_factory=dict)
    fail: bool = False

    async def put(self, path: str, content: bytes, *, content_type: str) -> StoredDocument:
        if self.fail:
            raise OSError("portal down")
        self.files[path] = content
        return StoredDocument(path, f"https://portal.example/{path}", len(content))


def render(message: ProtocolMessage) -> tuple[str, dict[str, Any]]:
    summary = f"{message.audience.value} {message.protocol.id} {message.protocol.sha256[:8]}"
    return summary, {"type": "AdaptiveCard", "version": "1.5", "body": []}


async def actor(sessions: Sessions, email: str) -> Actor:
    async with transaction(sessions) as session:
        return await resolve_actor(session, caller=Caller(None, None, email, "nb", email))


async def person_id(sessions: Sessions, email: str) -> int:
    async with transaction(sessions) as session:
        row = (await session.exec(select(Person).where(Person.email == email))).one()
        assert row.id is not None
        return row.id


async def held_meeting(
    sessions: Sessions,
    *,
    present: tuple[str, ...] = (LEADER, DEPUTY_LEADER, MEMBER, OBSERVER),
    absent_with_deputy: tuple[tuple[str, str], ...] = (),
    state: MeetingState = MeetingState.HELD,
) -> int:
    """An SSU meeting on 21 May 2026 that was held, with attendance recorded."""
    draft = MeetingDraft(
        body="SSU",
        start=local_datetime(DAY, time(9, 30)),
        end=local_datetime(DAY, time(14, 30)),
        form="hybrid",
        location="Fylkeshuset Lillehammer",
        region=None,
    )
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    async with transaction(sessions) as session:
        added = await meetings_service.add_meeting(session, actor=SYSTEM, draft=draft, now=now)
        assert isinstance(added, MeetingChanged)
        row = await session.get(Meeting, added.meeting.id)
        assert row is not None
        row.state = state.value
        session.add(row)
    meeting_id = added.meeting.id
    async with transaction(sessions) as session:
        for email in present:
            pid = await _pid(session, email)
            session.add(
                Attendance(meeting_id=meeting_id, person_id=pid, status="present", source="self")
            )
        for member, deputy in absent_with_deputy:
            mid, did = await _pid(session, member), await _pid(session, deputy)
            session.add(
                Attendance(
                    meeting_id=meeting_id,
                    person_id=mid,
                    status="absent",
                    source="absence",
                    absence_reported_at=now,
                )
            )
            session.add(
                Attendance(
                    meeting_id=meeting_id,
                    person_id=did,
                    status="present",
                    source="self",
                    replaces_person_id=mid,
                )
            )
    return meeting_id


async def _pid(session: AsyncSession, email: str) -> int:
    row = (await session.exec(select(Person).where(Person.email == email))).one()
    assert row.id is not None
    return row.id


async def add_case(sessions: Sessions, meeting_id: int, number: int, **changes: Any) -> int:
    async with transaction(sessions) as session:
        values: dict[str, Any] = dict(
            year=2026,
            number=number,
            submission_key=f"protocol-test-{meeting_id}-{number}",
            title=f"Felles rutine for utskrivning {number}",
            submitter_org="Hamar kommune",
            anchored_with="Kommunedirektør",
            case_type="decision",
            background="Rutinen for utskrivning fra sykehus til kommune er revidert.",
            assessment="Vurdering.",
            proposal="SSU slutter seg til rutinen.",
            economic_impact="minor",
            meeting_id=meeting_id,
            status="treated",
            route="ssu",
            section="decision",
        )
        values.update(changes)
        row = Case(**values)
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


@pytest.fixture
async def demo(sessions: Sessions) -> Sessions:
    await load_demo_roster(sessions)
    return sessions


async def draft(
    sessions: Sessions, meeting_id: int, who: str = SECRETARY
) -> ProtocolView | Refused:
    secretary = await actor(sessions, who)
    async with transaction(sessions) as session:
        return await service.draft_protocol(
            session, actor=secretary, meeting_id=meeting_id, now=SOON
        )


async def published(
    sessions: Sessions, store: FakeStore | None = None, **meeting: Any
) -> ProtocolView:
    meeting_id = await held_meeting(sessions, **meeting)
    await add_case(sessions, meeting_id, 3)
    drafted = await draft(sessions, meeting_id)
    assert isinstance(drafted, ProtocolView), drafted
    result = await service.publish_protocol(
        sessions,
        actor=await actor(sessions, SECRETARY),
        protocol_id=drafted.id,
        documents=store or FakeStore(),
        render=render,
        now=SOON,
    )
    assert isinstance(result, ProtocolView), result
    return result


async def sign(
    sessions: Sessions,
    who: str | Actor,
    protocol: ProtocolView,
    version: object = None,
    store: FakeStore | None = None,
    protocol_id: object = None,
) -> Signed | Refused:
    signer = who if isinstance(who, Actor) else await actor(sessions, who)
    return await service.sign_protocol(
        sessions,
        actor=signer,
        protocol_id=protocol.id if protocol_id is None else protocol_id,
        version=protocol.sha256 if version is None else version,
        documents=store or FakeStore(),
        render=render,
        now=SOON + timedelta(hours=1),
    )


async def audit_rows(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with transaction(sessions) as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))
        return list((await session.exec(query)).all())


async def state_of(sessions: Sessions, protocol_id: int) -> tuple[str, str, int]:
    async with transaction(sessions) as session:
        row = await session.get(Protocol, protocol_id)
        assert row is not None
        meeting = await session.get(Meeting, row.meeting_id)
        assert meeting is not None
        count = len(
            (
                await session.exec(
                    select(ProtocolSignature).where(ProtocolSignature.protocol_id == protocol_id)
                )
            ).all()
        )
        return row.state, meeting.state, count


# --------------------------------------------------------------------------------------------------
# Draft
# --------------------------------------------------------------------------------------------------


async def test_the_draft_states_the_meeting_from_its_own_data(demo: Sessions) -> None:
    meeting_id = await held_meeting(
        demo,
        absent_with_deputy=((DEPUTY_LEADER, DEPUTY_LEADER_DEPUTY),),
        present=(LEADER, MEMBER, OBSERVER),
    )
    await add_case(demo, meeting_id, 3)
    await add_case(demo, meeting_id, 4, case_type="theme", section="theme", status="scheduled")
    await add_case(demo, meeting_id, 5, status="triaged")  # not on this meeting's agenda
    result = await draft(demo, meeting_id)
    assert isinstance(result, ProtocolView), result
    text = result.text
    assert "Tid: 21.05.2026 kl. 09:30–14:30" in text
    assert "Sted: Fylkeshuset Lillehammer" in text
    assert "Behandlingsmåte: hybrid" in text
    assert "Hilde Vang" in text.split("Personlige")[0]
    assert (
        "- Astrid Hovde (Sykehuset Innlandet HF, administrerende direktør), for Ingrid Solberg"
        in text
    )
    assert "Observatører:\n- Sissel Ruud" in text
    assert "Sekretariat:\n- Eva Lindqvist" in text
    assert "Ingrid Solberg" in text.split("Forfall:")[1]
    assert "Sak 03/26" in text and "Sak 04/26" in text and "Sak 05/26" not in text
    assert result.version == 1 and result.state == "draft"
    assert result.deadline == datetime(2026, 5, 28, 12, 30, tzinfo=UTC)  # end + 7 days
    # the absent deputy leader's personal deputy signs in her place
    assert result.signer_names == {
        SignerSlot.LEADER: "Hilde Vang",
        SignerSlot.DEPUTY_LEADER: "Astrid Hovde",
    }
    entries = await audit_rows(demo, "protocol.version")
    assert json.loads(entries[-1].detail)["sha256"] == result.sha256
    again = await draft(demo, meeting_id)
    assert isinstance(again, ProtocolView) and again.id == result.id and again.version == 1


async def test_decisions_come_from_the_consensus_results(
    demo: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting_id = await held_meeting(demo)
    case_id = await add_case(demo, meeting_id, 3)

    def stance(name: str, deputy_for: str | None = None) -> Any:
        return SimpleNamespace(name=name, deputy_for=deputy_for)

    final = SimpleNamespace(
        decision_text="SSU slutter seg til rutinen, med endringene fra møtet.",
        consensus=False,
        supporters=(stance("Hilde Vang"), stance("Geir Lie", "Per Haugen")),
        objectors=(stance("Ingrid Solberg"),),
        abstainers=(),
        observer_input=(
            SimpleNamespace(
                name="Sissel Ruud", organisation="Statsforvalteren", text="Husk fastlegene."
            ),
        ),
        quorum=SimpleNamespace(present=12, total=19, required=10),
    )
    result = SimpleNamespace(case_id=case_id, final=final, earlier=(final,))

    async def results(_session: AsyncSession, _meeting_id: int) -> list[Any]:
        return [result]

    monkeypatch.setattr(service, "consensus_results", results)
    drafted = await draft(demo, meeting_id)
    assert isinstance(drafted, ProtocolView)
    text = drafted.text
    assert "Vedtak:\nSSU slutter seg til rutinen, med endringene fra møtet." in text
    assert "i 2 runder" in text and "12 av 19" in text and "Ikke konsensus." in text
    assert "For: Hilde Vang, Geir Lie (for Per Haugen)\nMot: Ingrid Solberg" in text
    assert "Innspill fra observatører:\n- Sissel Ruud (Statsforvalteren): Husk fastlegene." in text


@pytest.mark.parametrize("who", [MEMBER, OBSERVER, LEADER])
async def test_only_the_secretariat_drafts(demo: Sessions, who: str) -> None:
    meeting_id = await held_meeting(demo)
    result = await draft(demo, meeting_id, who)
    assert result == Refused(Refusal.NOT_ALLOWED)
    assert (await audit_rows(demo, "protocol.draft"))[-1].outcome == "refused"


async def test_no_draft_before_the_meeting_is_held_or_for_a_forged_meeting(demo: Sessions) -> None:
    planned = await held_meeting(demo, state=MeetingState.NOTICE_PUBLISHED)
    assert (await draft(demo, planned)) == Refused(Refusal.MEETING_NOT_HELD)
    secretary = await actor(demo, SECRETARY)
    for forged in ("999999", "1; DROP TABLE protocol", -1, None):
        async with transaction(demo) as session:
            result = await service.draft_protocol(session, actor=secretary, meeting_id=forged)
        assert result == Refused(Refusal.NOT_FOUND)


# --------------------------------------------------------------------------------------------------
# Edit and publish
# --------------------------------------------------------------------------------------------------


async def test_the_secretariat_edits_a_case_and_gets_a_new_version(demo: Sessions) -> None:
    meeting_id = await held_meeting(demo)
    case_id = await add_case(demo, meeting_id, 3)
    drafted = await draft(demo, meeting_id)
    assert isinstance(drafted, ProtocolView)
    secretary = await actor(demo, SECRETARY)
    edited = await service.edit_case(
        demo,
        actor=secretary,
        protocol_id=drafted.id,
        case_id=case_id,
        values={"decision": "Vedtak med æøå.", "process": "Drøftet i plenum."},
        base_sha=drafted.sha256,
    )
    assert isinstance(edited, ProtocolView)
    assert edited.version == 2 and edited.sha256 != drafted.sha256
    assert "Vedtak:\nVedtak med æøå." in edited.text
    same = await service.edit_case(
        demo,
        actor=secretary,
        protocol_id=drafted.id,
        case_id=case_id,
        values={"decision": "Vedtak med æøå."},
    )
    assert isinstance(same, ProtocolView) and same.version == 2  # unchanged: no new version
    stale = await service.edit_case(
        demo,
        actor=secretary,
        protocol_id=drafted.id,
        case_id=case_id,
        values={"decision": "Annet."},
        base_sha=drafted.sha256,
    )
    assert stale == Refused(Refusal.CHANGED_MEANWHILE, drafted.id)
    member = await service.edit_case(
        demo,
        actor=await actor(demo, MEMBER),
        protocol_id=drafted.id,
        case_id=case_id,
        values={"decision": "Annet."},
    )
    assert member == Refused(Refusal.NOT_ALLOWED)


async def test_publishing_stores_the_pdf_sends_it_and_asks_the_signers(demo: Sessions) -> None:
    store = FakeStore()
    result = await published(demo, store)
    assert result.state == "published" and not result.late
    assert list(store.files) == ["protokoller/2026/2026-05-21-SSU-protokoll-v1.pdf"]
    assert (
        result.document_url
        == "https://portal.example/protokoller/2026/2026-05-21-SSU-protokoll-v1.pdf"
    )
    assert result.meeting.state is MeetingState.PROTOCOL_PUBLISHED
    async with transaction(demo) as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    kinds = {r.kind for r in rows}
    assert kinds == {service.KIND_PUBLISHED, service.KIND_SIGN}
    signers = {r.recipient_person_id for r in rows if r.kind == service.KIND_SIGN}
    assert signers == {await person_id(demo, LEADER), await person_id(demo, DEPUTY_LEADER)}
    members = {r.recipient_person_id for r in rows if r.kind == service.KIND_PUBLISHED}
    assert await person_id(demo, MEMBER) in members and await person_id(demo, OBSERVER) in members
    entry = (await audit_rows(demo, "protocol.publish"))[-1]
    assert entry.outcome == "ok" and json.loads(entry.detail)["late"] is False
    again = await service.publish_protocol(
        demo,
        actor=await actor(demo, SECRETARY),
        protocol_id=result.id,
        documents=store,
        render=render,
        now=SOON,
    )
    assert again == Refused(Refusal.ALREADY_PUBLISHED, result.id)


async def test_a_publication_after_seven_days_is_recorded_as_late(demo: Sessions) -> None:
    meeting_id = await held_meeting(demo)
    drafted = await draft(demo, meeting_id)
    assert isinstance(drafted, ProtocolView)
    result = await service.publish_protocol(
        demo,
        actor=await actor(demo, SECRETARY),
        protocol_id=drafted.id,
        documents=FakeStore(),
        render=render,
        now=LATE,
    )
    assert isinstance(result, ProtocolView) and result.late
    detail = json.loads((await audit_rows(demo, "protocol.publish"))[-1].detail)
    assert detail["late"] is True and detail["deadline"].startswith("2026-05-28T12:30")


async def test_a_failed_upload_publishes_nothing(demo: Sessions) -> None:
    meeting_id = await held_meeting(demo)
    drafted = await draft(demo, meeting_id)
    assert isinstance(drafted, ProtocolView)
    result = await service.publish_protocol(
        demo,
        actor=await actor(demo, SECRETARY),
        protocol_id=drafted.id,
        documents=FakeStore(fail=True),
        render=render,
        now=SOON,
    )
    assert result == Refused(Refusal.STORAGE_FAILED, drafted.id)
    assert await state_of(demo, drafted.id) == ("draft", "held", 0)


# --------------------------------------------------------------------------------------------------
# Sign
# --------------------------------------------------------------------------------------------------


async def test_two_signatures_make_it_final(demo: Sessions) -> None:
    store = FakeStore()
    protocol = await published(demo, store)
    first = await sign(demo, LEADER, protocol, store=store)
    assert isinstance(first, Signed) and not first.final
    assert await state_of(demo, protocol.id) == ("published", "protocol_published", 1)
    second = await sign(demo, DEPUTY_LEADER, protocol, store=store)
    assert isinstance(second, Signed) and second.final
    assert await state_of(demo, protocol.id) == ("signed", "protocol_signed", 2)
    final = second.protocol
    assert final.final and final.signed_document_url is not None
    assert "protokoller/2026/2026-05-21-SSU-protokoll-v1-signert.pdf" in store.files
    signature = final.signatures[0]
    assert signature.aad_object_id == "b6a7dae6-c78f-5c97-81ab-8bf65a6722f6"
    assert signature.version_sha == protocol.sha256
    detail = json.loads((await audit_rows(demo, "protocol.sign"))[0].detail)
    assert (
        detail["sha256"] == protocol.sha256 and detail["aad_object_id"] == signature.aad_object_id
    )
    async with transaction(demo) as session:
        report = await service.verify_protocol(
            session, protocol_id=protocol.id, read_document=store.files.get
        )
    assert report.ok, report.reason
    # after the end nobody can sign or edit
    late = await sign(demo, LEADER, protocol, store=store)
    assert isinstance(late, Refused) and late.reason is Refusal.ALREADY_SIGNED
    edit = await service.edit_case(
        demo,
        actor=await actor(demo, SECRETARY),
        protocol_id=protocol.id,
        case_id=1,
        values={"decision": "x"},
    )
    assert isinstance(edit, Refused) and edit.reason is Refusal.FINAL


async def test_the_personal_deputy_of_an_absent_deputy_leader_signs(demo: Sessions) -> None:
    protocol = await published(
        demo,
        present=(LEADER, MEMBER),
        absent_with_deputy=((DEPUTY_LEADER, DEPUTY_LEADER_DEPUTY),),
    )
    refused = await sign(demo, DEPUTY_LEADER, protocol)
    assert isinstance(refused, Refused) and refused.reason is Refusal.NOT_SIGNER
    assert isinstance(await sign(demo, LEADER, protocol), Signed)
    done = await sign(demo, DEPUTY_LEADER_DEPUTY, protocol)
    assert isinstance(done, Signed) and done.final


@pytest.mark.parametrize("who", [MEMBER, OBSERVER, SECRETARY, LEADER_DEPUTY, MEMBER_DEPUTY])
async def test_others_may_not_sign(demo: Sessions, who: str) -> None:
    protocol = await published(demo)
    result = await sign(demo, who, protocol)
    assert result == Refused(Refusal.NOT_SIGNER, protocol.id)
    assert await state_of(demo, protocol.id) == ("published", "protocol_published", 0)
    assert (await audit_rows(demo, "protocol.sign"))[-1].outcome == "refused"


async def test_bad_signatures_are_refused_and_change_nothing(demo: Sessions) -> None:
    protocol = await published(demo)
    assert await sign(demo, STRANGER, protocol) == Refused(Refusal.NOT_KNOWN)
    assert await sign(demo, LEADER, protocol, version="0" * 64) == Refused(
        Refusal.OLD_VERSION, protocol.id
    )
    assert await sign(demo, LEADER, protocol, version="not a hash") == Refused(
        Refusal.OLD_VERSION, protocol.id
    )
    for forged in ("999999", "abc", 0, 2**40, "", {"id": 1}):
        assert await sign(demo, LEADER, protocol, protocol_id=forged) == Refused(Refusal.NOT_FOUND)
    assert await state_of(demo, protocol.id) == ("published", "protocol_published", 0)
    assert isinstance(await sign(demo, LEADER, protocol), Signed)
    assert await sign(demo, LEADER, protocol) == Refused(Refusal.ALREADY_SIGNED, protocol.id)
    assert await state_of(demo, protocol.id) == ("published", "protocol_published", 1)
    refusals = [e for e in await audit_rows(demo, "protocol.sign") if e.outcome == "refused"]
    assert len(refusals) == 10


async def test_an_unpublished_protocol_cannot_be_signed(demo: Sessions) -> None:
    meeting_id = await held_meeting(demo)
    drafted = await draft(demo, meeting_id)
    assert isinstance(drafted, ProtocolView)
    assert await sign(demo, LEADER, drafted) == Refused(Refusal.NOT_PUBLISHED, drafted.id)
    assert await state_of(demo, drafted.id) == ("draft", "held", 0)


async def test_an_edit_after_a_signature_voids_it_and_asks_again(demo: Sessions) -> None:
    store = FakeStore()
    protocol = await published(demo, store)
    assert isinstance(await sign(demo, LEADER, protocol, store=store), Signed)
    case_id = protocol.content.cases[0].case_id
    edited = await service.edit_case(
        demo,
        actor=await actor(demo, SECRETARY),
        protocol_id=protocol.id,
        case_id=case_id,
        values={"decision": "Rettet vedtak."},
        documents=store,
        render=render,
        now=SOON,
    )
    assert isinstance(edited, ProtocolView)
    assert edited.version == 2 and edited.signatures == ()
    assert "protokoller/2026/2026-05-21-SSU-protokoll-v2.pdf" in store.files
    # the deputy leader's card still carries the old hash
    old = await sign(demo, DEPUTY_LEADER, protocol, store=store)
    assert old == Refused(Refusal.OLD_VERSION, protocol.id)
    async with transaction(demo) as session:
        asks = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == service.KIND_SIGN))
        ).all()
        voided = (await session.exec(select(ProtocolSignature))).all()
    assert len(asks) == 4  # two signers, asked for version 1 and again for version 2
    assert all(s.voided_at is not None for s in voided)
    assert isinstance(await sign(demo, DEPUTY_LEADER, edited, store=store), Signed)
    done = await sign(demo, LEADER, edited, store=store)
    assert isinstance(done, Signed) and done.final
    assert done.protocol.sha256 == edited.sha256


async def test_a_signer_sends_it_back_with_a_comment(demo: Sessions) -> None:
    protocol = await published(demo)
    leader = await actor(demo, LEADER)
    async with transaction(demo) as session:
        short = await service.return_protocol(
            session,
            actor=leader,
            protocol_id=protocol.id,
            version=protocol.sha256,
            comment="nei",
            render=render,
            now=SOON,
        )
    assert isinstance(short, Refused) and short.reason is Refusal.INVALID
    async with transaction(demo) as session:
        result = await service.return_protocol(
            session,
            actor=leader,
            protocol_id=protocol.id,
            version=protocol.sha256,
            comment="Sak 03/26: vedtaket mangler endringene fra møtet.",
            render=render,
            now=SOON,
        )
    assert isinstance(result, service.Returned) and result.notified >= 1
    async with transaction(demo) as session:
        member = await service.return_protocol(
            session,
            actor=await actor(demo, MEMBER),
            protocol_id=protocol.id,
            version=protocol.sha256,
            comment="Jeg vil endre.",
            render=render,
            now=SOON,
        )
    assert member == Refused(Refusal.NOT_SIGNER, protocol.id)


async def test_protocols_to_sign_lists_only_the_signers_open_ones(demo: Sessions) -> None:
    protocol = await published(demo)
    leader, member_actor = await actor(demo, LEADER), await actor(demo, MEMBER)
    async with transaction(demo) as session:
        mine = await service.protocols_to_sign(session, actor=leader)
        member = await service.protocols_to_sign(session, actor=member_actor)
    assert [p.id for p in mine] == [protocol.id] and member == []
    assert isinstance(await sign(demo, LEADER, protocol), Signed)
    async with transaction(demo) as session:
        assert await service.protocols_to_sign(session, actor=leader) == []


# --------------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------------


async def test_verify_detects_an_edited_version_row(demo: Sessions) -> None:
    protocol = await published(demo)
    async with transaction(demo) as session:
        assert (await service.verify_protocol(session, protocol_id=protocol.id)).ok
        await session.exec(  # type: ignore[call-overload]
            text("UPDATE protocol_version SET text = replace(text, 'Hilde', 'Hilda')")
        )
    async with transaction(demo) as session:
        report = await service.verify_protocol(session, protocol_id=protocol.id)
    assert not report.ok and report.reason == "version 1: text does not match its hash"


async def test_verify_detects_a_recomputed_hash(demo: Sessions) -> None:
    """Someone who edits the text and fixes its hash still disagrees with the audit log."""
    protocol = await published(demo)
    async with transaction(demo) as session:
        await session.exec(  # type: ignore[call-overload]
            text("UPDATE protocol_version SET text = 'x', sha256 = :sha"),
            params={"sha": version_sha("x")},
        )
    async with transaction(demo) as session:
        report = await service.verify_protocol(session, protocol_id=protocol.id)
    assert not report.ok and report.reason == "version 1: hash differs from the audit log"


async def test_the_audit_table_refuses_update(demo: Sessions) -> None:
    await published(demo)
    with pytest.raises(Exception, match=r"(?i)append-only|not allowed|audit"):
        async with transaction(demo) as session:
            await session.exec(  # type: ignore[call-overload]
                text("UPDATE auditentry SET detail = '{}' WHERE action = 'protocol.version'")
            )


async def test_verify_refuses_an_unknown_protocol(demo: Sessions) -> None:
    async with transaction(demo) as session:
        report = await service.verify_protocol(session, protocol_id="4242")
    assert not report.ok and report.reason == "no protocol 4242"
    async with transaction(demo) as session:
        entries = await audit.all_entries(session)
    assert audit.verify_chain(entries).ok
