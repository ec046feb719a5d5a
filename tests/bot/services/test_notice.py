"""The agenda and notice services on SQLite and PostgreSQL: the agenda made with its standing
numbers, reordering and minutes, the fit warning; publishing (document stored, versions, the
meeting and its cases moved on, channel and personal messages, deputies, the calendar body),
and every refusal — not allowed, forged ids, missing proposals, late without a reason,
unchanged, storage failing, changed meanwhile — audited with nothing else changed."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.meeting_rules import MeetingDraft, local_datetime
from bot.domain.roles import Actor
from bot.graph.documents import LocalDocuments
from bot.graph.port import StoredDocument
from bot.services import agenda as agenda_service
from bot.services import attendance as attendance_service
from bot.services import cases as case_service
from bot.services import meetings as meetings_service
from bot.services import notice as service
from bot.services.identity import Caller, resolve_actor
from bot.services.meetings import SYSTEM, MeetingChanged
from bot.teams.agenda import attendance_deputies
from cards.attendance import render_absence_notice
from cards.notice import render_notice_message
from storage.agenda_tables import AgendaPlacement, AgendaRecord, NoticeVersion
from storage.calendar_tables import CalendarJob
from storage.case_tables import Case
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditEntry, ConversationRef, Person
from storage.outbox_tables import OutboxMessage
from tests.conftest import load_demo_roster

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = date(2026, 12, 17)  # a Thursday; notice deadline 10 December 09:30
LATE = datetime(2026, 12, 14, 12, 0, tzinfo=UTC)
SECRETARY = "eva.lindqvist@demo.ssu.example"
LEADER = "hilde.vang@demo.ssu.example"
MEMBER = "per.haugen@demo.ssu.example"  # personal deputy: Geir Lie
DEPUTY = "geir.lie@demo.ssu.example"
OBSERVER = "sissel.ruud@demo.ssu.example"
CHANNEL = "19:ssu-general@thread.tacv2"
STRANGER = Actor(None, "Ukjent", "00000000-0000-4000-8000-00000000dead")


@pytest.fixture(autouse=True)
def _log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Log at DEBUG so a bad ``extra=`` key (one LogRecord reserves) fails here."""
    caplog.set_level(logging.DEBUG, logger="bot.services.notice")
    caplog.set_level(logging.DEBUG, logger="bot.services.agenda")


@pytest.fixture
async def demo(sessions: Sessions) -> Sessions:
    await load_demo_roster(sessions)
    return sessions


class Store:
    """A DocumentStore that keeps what it was given (or fails, like a SharePoint outage)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.documents: dict[str, bytes] = {}

    async def put(self, path: str, content: bytes, *, content_type: str) -> StoredDocument:
        if self.fail:
            raise RuntimeError("SharePoint is down")
        self.documents[path] = content
        return StoredDocument(path, f"https://portal.example/{path}", len(content))


async def actor(sessions: Sessions, email: str) -> Actor:
    async with transaction(sessions) as session:
        return await resolve_actor(session, caller=Caller(None, None, email, "nb", email))


async def person_id(sessions: Sessions, email: str) -> int:
    who = await actor(sessions, email)
    assert who.person_id is not None
    return who.person_id


async def add_meeting(sessions: Sessions, day: date = DAY) -> int:
    draft = MeetingDraft(
        body="SSU",
        start=local_datetime(day, time(9, 30)),
        end=local_datetime(day, time(14, 30)),
        form="hybrid",
        location="Fylkeshuset Lillehammer",
        region=None,
    )
    async with transaction(sessions) as session:
        result = await meetings_service.add_meeting(session, actor=SYSTEM, draft=draft, now=NOW)
    assert isinstance(result, MeetingChanged)
    return result.meeting.id


def form(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Felles rutine for utskrivning",
        "submitter_org": "Hamar kommune",
        "anchored": "true",
        "anchored_with": "Kari Nordmann, kommunalsjef",
        "case_type": "decision",
        "background": "Bakgrunn.",
        "assessment": "Vurdering.",
        "proposal": "SSU slutter seg til rutinen.",
        "economic_impact": "none",
        "meeting": "",
        "attachments": "https://portal.example/sak.pdf",
    }
    values.update(changes)
    return values


async def add_case(
    sessions: Sessions,
    meeting_id: int | None,
    *,
    section: str = "decision",
    route: str = "ssu",
    minutes: str = "30",
    triage: bool = True,
    **changes: Any,
) -> int:
    secretary = await actor(sessions, SECRETARY)
    async with transaction(sessions) as session:
        submitted = await case_service.submit_case(
            session, actor=secretary, values=form(**changes), key=uuid.uuid4().hex, now=NOW
        )
        assert isinstance(submitted, case_service.Submitted)
        case_id = submitted.case.id
        if triage:
            triaged = await case_service.triage_case(
                session,
                actor=secretary,
                case_id=case_id,
                values={
                    "route": route,
                    "section": section,
                    "meeting": str(meeting_id),
                    "minutes": minutes,
                },
                now=NOW,
            )
            assert isinstance(triaged, case_service.Triaged)
        elif meeting_id is not None:
            row = await session.get(Case, case_id)
            assert row is not None
            row.meeting_id = meeting_id
            session.add(row)
    return case_id


async def add_channel(sessions: Sessions, conversation_id: str = CHANNEL) -> None:
    async with transaction(sessions) as session:
        session.add(
            ConversationRef(
                conversation_id=conversation_id,
                conversation_type="channel",
                team_id="19:team",
                service_url="https://smba.example/",
                reference_json=json.dumps({"conversation": {"id": conversation_id}}),
            )
        )


async def show(sessions: Sessions, who: Actor, meeting_id: object, now: datetime = NOW) -> Any:
    async with transaction(sessions) as session:
        return await agenda_service.show_agenda(session, actor=who, meeting_id=meeting_id, now=now)


async def publish(
    sessions: Sessions,
    who: Actor,
    meeting_id: object,
    *,
    store: Any = None,
    reason: str = "",
    now: datetime = NOW,
    deputies: Any = None,
) -> service.Published | service.Refused:
    return await service.publish_notice(
        sessions,
        actor=who,
        meeting_id=meeting_id,
        documents=store or Store(),
        render=render_notice_message,
        reason=reason,
        now=now,
        deputies=deputies or attendance_deputies,
    )


async def rows(sessions: Sessions, model: Any) -> list[Any]:
    async with transaction(sessions) as session:
        return list((await session.exec(select(model))).all())


async def audits(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with transaction(sessions) as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))
        return list((await session.exec(query)).all())


async def state_of(sessions: Sessions, meeting_id: int) -> str:
    async with transaction(sessions) as session:
        row = await session.get(Meeting, meeting_id)
        assert row is not None
        return row.state


async def statuses(sessions: Sessions) -> dict[int, str]:
    return {c.id: c.status for c in await rows(sessions, Case)}


# --------------------------------------------------------------------------------------------------
# The agenda
# --------------------------------------------------------------------------------------------------


async def test_the_agenda_is_made_once_with_the_next_case_numbers(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    first = await add_case(demo, meeting)
    await add_case(demo, meeting, section="theme", case_type="theme", proposal="")
    secretary = await actor(demo, SECRETARY)
    view = await show(demo, secretary, meeting)
    assert isinstance(view, agenda_service.AgendaView)
    labels = [i.label for i in view.agenda.items]
    assert labels == ["03/26", "04/26", "01/26", None, "02/26"]
    assert view.agenda.items[2].case_id == first
    assert view.can_edit and view.can_publish
    again = await show(demo, secretary, str(meeting))
    assert isinstance(again, agenda_service.AgendaView)
    assert [i.label for i in again.agenda.items] == labels
    [created] = await audits(demo, "agenda.create")
    assert json.loads(created.detail)["approval_number"] == 3
    # The series goes on after them.
    later = await add_case(demo, None, triage=False)
    async with transaction(demo) as session:
        row = await session.get(Case, later)
        assert row is not None and row.number == 5


async def test_untriaged_cases_are_counted_not_listed(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    await add_case(demo, meeting, triage=False)
    view = await show(demo, await actor(demo, SECRETARY), meeting)
    assert isinstance(view, agenda_service.AgendaView)
    assert len(view.agenda.cases) == 1
    assert view.loaded.untriaged == 1


async def test_the_leader_sees_the_agenda_but_a_member_does_not(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    leader = await show(demo, await actor(demo, LEADER), meeting)
    assert isinstance(leader, agenda_service.AgendaView)
    assert not leader.can_edit and leader.can_publish
    for who in (await actor(demo, MEMBER), STRANGER):
        refused = await show(demo, who, meeting)
        assert refused == agenda_service.Refused(
            agenda_service.RefusalReason.NOT_ALLOWED, meeting_id=meeting
        )
    assert len(await audits(demo, "agenda.view")) == 2
    assert len(await rows(demo, AgendaRecord)) == 1  # made by the leader's look only


@pytest.mark.parametrize("forged", ["abc", "-1", -1, 0, True, 10**12, "99999", None, "1 OR 1=1"])
async def test_forged_meeting_ids_are_refused_and_audited(demo: Sessions, forged: object) -> None:
    secretary = await actor(demo, SECRETARY)
    refused = await show(demo, secretary, forged)
    assert isinstance(refused, agenda_service.Refused)
    assert refused.reason is agenda_service.RefusalReason.NOT_FOUND
    [entry] = await audits(demo, "agenda.view")
    assert entry.outcome == "refused"
    published = await publish(demo, secretary, forged)
    assert isinstance(published, service.Refused)
    assert published.reason is service.Refusal.NOT_FOUND
    assert [e.outcome for e in await audits(demo, "notice.publish")] == ["refused"]
    assert await rows(demo, AgendaRecord) == []
    assert await rows(demo, NoticeVersion) == []


async def test_moving_a_case_within_its_section(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    a = await add_case(demo, meeting)
    b = await add_case(demo, meeting)
    c = await add_case(demo, meeting, section="theme")
    secretary = await actor(demo, SECRETARY)
    async with transaction(demo) as session:
        moved = await agenda_service.move_item(
            session, actor=secretary, meeting_id=meeting, case_id=str(b), direction="up", now=NOW
        )
    assert isinstance(moved, agenda_service.AgendaView)
    assert [i.case_id for i in moved.agenda.cases] == [b, a, c]
    placements = {p.case_id: p.position for p in await rows(demo, AgendaPlacement)}
    assert placements == {b: 1, a: 2}
    [entry] = await audits(demo, "agenda.move")
    assert json.loads(entry.detail)["order"] == [b, a]
    for case_id, direction in ((b, "up"), (c, "down"), (c, "sideways"), (999, "up"), ("x", "up")):
        async with transaction(demo) as session:
            refused = await agenda_service.move_item(
                session,
                actor=secretary,
                meeting_id=meeting,
                case_id=case_id,
                direction=direction,
                now=NOW,
            )
        assert isinstance(refused, agenda_service.Refused)
    assert {p.case_id: p.position for p in await rows(demo, AgendaPlacement)} == placements
    assert [e.outcome for e in await audits(demo, "agenda.move")] == ["ok"] + ["refused"] * 5
    async with transaction(demo) as session:
        leader = await agenda_service.move_item(
            session,
            actor=await actor(demo, LEADER),
            meeting_id=meeting,
            case_id=a,
            direction="up",
            now=NOW,
        )
    assert isinstance(leader, agenda_service.Refused)
    assert leader.reason is agenda_service.RefusalReason.NOT_ALLOWED


async def test_minutes_are_saved_all_at_once_or_not_at_all(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    a = await add_case(demo, meeting, minutes="60")
    secretary = await actor(demo, SECRETARY)
    async with transaction(demo) as session:
        refused = await agenda_service.set_minutes(
            session,
            actor=secretary,
            meeting_id=meeting,
            values={f"minutes_case_{a}": "45", "minutes_lunch": "500"},
            now=NOW,
        )
    assert isinstance(refused, agenda_service.Refused)
    assert [p.code for p in refused.problems] == ["lunch_range"]
    assert refused.values["minutes_lunch"] == "500"
    assert await rows(demo, AgendaPlacement) == []
    async with transaction(demo) as session:
        view = await agenda_service.set_minutes(
            session,
            actor=secretary,
            meeting_id=meeting,
            values={f"minutes_case_{a}": "45", "minutes_lunch": "0", "minutes_approval": "4"},
            now=NOW,
        )
    assert isinstance(view, agenda_service.AgendaView)
    assert [i.minutes for i in view.agenda.items] == [4, 3, 45]
    assert view.agenda.lunch is None
    [record] = await rows(demo, AgendaRecord)
    assert (record.approval_minutes, record.lunch_minutes) == (4, 0)
    [placement] = await rows(demo, AgendaPlacement)
    assert placement.minutes == 45
    assert [e.outcome for e in await audits(demo, "agenda.minutes")] == ["refused", "ok"]


async def test_an_agenda_longer_than_the_meeting_is_flagged(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    for _ in range(2):
        await add_case(demo, meeting, minutes="120")
    view = await show(demo, await actor(demo, SECRETARY), meeting)
    assert isinstance(view, agenda_service.AgendaView)
    assert view.agenda.total_minutes == 2 + 3 + 240 + 30
    assert view.agenda.fits
    await add_case(demo, meeting, section="theme", minutes="60")
    view = await show(demo, await actor(demo, SECRETARY), meeting)
    assert isinstance(view, agenda_service.AgendaView)
    assert not view.agenda.fits and view.agenda.over_by == 35


async def test_a_cancelled_meeting_has_no_agenda_to_change(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    async with transaction(demo) as session:
        await meetings_service.cancel_meeting(
            session, actor=SYSTEM, meeting_id=meeting, reason="For få saker"
        )
    refused = await show(demo, await actor(demo, SECRETARY), meeting)
    assert isinstance(refused, agenda_service.Refused)
    assert refused.reason is agenda_service.RefusalReason.WRONG_STATE


# --------------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------------


async def test_publishing_stores_sends_schedules_and_audits(demo: Sessions, tmp_path: Path) -> None:
    meeting = await add_meeting(demo)
    decision = await add_case(demo, meeting)
    report = await add_case(
        demo, meeting, section="theme", route="au", case_type="report", proposal=""
    )
    waiting = await add_case(demo, meeting, triage=False)
    await add_channel(demo)
    await add_channel(demo, f"{CHANNEL};messageid=1700000000000")
    store = LocalDocuments(tmp_path / "portal")
    secretary = await actor(demo, SECRETARY)
    result = await publish(demo, secretary, meeting, store=store)
    assert isinstance(result, service.Published), result
    assert result.version == 1 and not result.late and result.calendar
    assert result.document.path == "innkallinger/2026/2026-12-17-SSU-innkalling-v1.docx"
    stored = tmp_path / "portal" / result.document.path
    text = "\n".join(p.text for p in docx.Document(str(stored)).paragraphs)
    assert "Innkalling til møte i Strategisk samarbeidsutvalg" in text
    assert "Møteform: hybrid møte (fysisk og Teams)" in text
    assert "Referatsaker" in text  # the AU-routed case is reported for information
    assert await state_of(demo, meeting) == "notice_published"
    assert await statuses(demo) == {
        decision: "scheduled",
        report: "scheduled",
        waiting: "submitted",
    }
    assert result.scheduled == tuple(sorted((decision, report)))

    messages = await rows(demo, OutboxMessage)
    channel = [m for m in messages if m.conversation_id is not None]
    assert [m.conversation_id for m in channel] == [CHANNEL]
    people = {m.recipient_person_id for m in messages if m.recipient_person_id is not None}
    assert people == set(result.recipients)
    for email in (MEMBER, LEADER, OBSERVER, SECRETARY):
        assert await person_id(demo, email) in people
    assert await person_id(demo, DEPUTY) not in people  # nobody is absent
    assert len(people) == 19 + 6 + 2  # members, observers, the secretariat
    assert all(m.kind == service.KIND_NOTICE and m.mandatory for m in messages)
    assert {m.deadline_key for m in messages} == {"notice:v1"}
    member_id, observer_id = await person_id(demo, MEMBER), await person_id(demo, OBSERVER)
    member_card = next(m.payload["card"] for m in messages if m.recipient_person_id == member_id)
    dumped = json.dumps(member_card, ensure_ascii=False)
    assert result.document.url in dumped and "meeting.absence" in dumped
    observer_card = next(
        m.payload["card"] for m in messages if m.recipient_person_id == observer_id
    )
    assert "meeting.absence" not in json.dumps(observer_card)

    jobs = [j for j in await rows(demo, CalendarJob) if j.op == "update"]
    [job] = jobs
    body = json.loads(job.payload or "{}")["body_html"]
    assert "Godkjenning av innkalling og saksliste (2 min)" in body
    assert "Frist for å melde inn saker" in body  # the meeting's own lines are kept
    [version] = await rows(demo, NoticeVersion)
    assert (version.version, version.late, version.channels) == (1, False, 1)
    assert json.loads(version.case_ids) == [decision, report]
    [entry] = [e for e in await audits(demo, "notice.publish") if e.outcome == "ok"]
    detail = json.loads(entry.detail)
    assert detail["from"] == "planned" and detail["to"] == "notice_published"
    assert detail["late"] is False and detail["recipients"] == len(people)
    assert len(await audits(demo, "case.schedule")) == 2


async def test_publishing_twice_without_changes_is_refused(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    secretary = await actor(demo, SECRETARY)
    store = Store()
    assert isinstance(await publish(demo, secretary, meeting, store=store), service.Published)
    before = len(await rows(demo, OutboxMessage))
    again = await publish(demo, secretary, meeting, store=store)
    assert again == service.Refused(service.Refusal.UNCHANGED, meeting, version=1)
    assert len(await rows(demo, OutboxMessage)) == before
    assert len(await rows(demo, NoticeVersion)) == 1
    assert len(store.documents) == 1
    assert [e.outcome for e in await audits(demo, "notice.publish")] == ["ok", "refused"]


async def test_republishing_after_a_change_makes_a_new_version(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    case = await add_case(demo, meeting)
    secretary = await actor(demo, SECRETARY)
    store = Store()
    assert isinstance(await publish(demo, secretary, meeting, store=store), service.Published)
    async with transaction(demo) as session:
        await agenda_service.set_minutes(
            session, actor=secretary, meeting_id=meeting, values={f"minutes_case_{case}": "50"}
        )
    view = await show(demo, secretary, meeting)
    assert isinstance(view, agenda_service.AgendaView) and view.loaded.changed
    second = await publish(demo, await actor(demo, LEADER), meeting, store=store)
    assert isinstance(second, service.Published)
    assert second.version == 2 and second.scheduled == ()
    assert sorted(store.documents) == [
        "innkallinger/2026/2026-12-17-SSU-innkalling-v1.docx",
        "innkallinger/2026/2026-12-17-SSU-innkalling-v2.docx",
    ]
    keys = {m.deadline_key for m in await rows(demo, OutboxMessage)}
    assert keys == {"notice:v1", "notice:v2"}
    assert await state_of(demo, meeting) == "notice_published"
    [_, entry] = [e for e in await audits(demo, "notice.publish") if e.outcome == "ok"]
    assert json.loads(entry.detail)["from"] == "notice_published"
    assert entry.actor_person_id == await person_id(demo, LEADER)


async def test_a_decision_case_without_a_proposal_blocks_publishing(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    bare = await add_case(demo, meeting, case_type="theme", proposal="", section="decision")
    secretary = await actor(demo, SECRETARY)
    refused = await publish(demo, secretary, meeting)
    assert isinstance(refused, service.Refused)
    assert refused.reason is service.Refusal.MISSING_PROPOSALS
    async with transaction(demo) as session:
        label = (await session.get(Case, bare)).number  # type: ignore[union-attr]
    assert refused.missing == (f"{label:02d}/26",)
    assert await state_of(demo, meeting) == "planned"
    assert set((await statuses(demo)).values()) == {"triaged"}
    assert await rows(demo, OutboxMessage) == []
    assert await rows(demo, NoticeVersion) == []
    assert await rows(demo, AgendaRecord) == []  # not even the standing items' numbers
    [entry] = await audits(demo, "notice.publish")
    assert entry.outcome == "refused"
    assert json.loads(entry.detail)["missing"] == [f"{label:02d}/26"]


async def test_late_publishing_needs_a_reason_and_is_audited_as_late(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    secretary = await actor(demo, SECRETARY)
    for reason in ("", "  ", "kort"):
        refused = await publish(demo, secretary, meeting, now=LATE, reason=reason)
        assert isinstance(refused, service.Refused)
        assert refused.reason is service.Refusal.REASON_REQUIRED
        assert [p.code for p in refused.problems] == ["reason_required"]
    assert await state_of(demo, meeting) == "planned"
    assert await rows(demo, AgendaRecord) == []
    too_long = await publish(demo, secretary, meeting, now=LATE, reason="x" * 1001)
    assert isinstance(too_long, service.Refused)
    assert [p.code for p in too_long.problems] == ["too_long"]
    store = Store()
    reason = "Hastesak om vinterberedskap; må behandles før jul."
    published = await publish(demo, secretary, meeting, now=LATE, reason=reason, store=store)
    assert isinstance(published, service.Published)
    assert published.late and published.reason == reason
    [version] = await rows(demo, NoticeVersion)
    assert version.late and version.reason == reason
    ok = [e for e in await audits(demo, "notice.publish") if e.outcome == "ok"]
    assert json.loads(ok[0].detail)["late"] is True
    assert json.loads(ok[0].detail)["reason"] == reason
    [data] = store.documents.values()
    import io

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert f"Kortere innkallingsfrist enn normalt, begrunnet med: {reason}" in text


async def test_only_the_secretariat_and_the_leadership_publish(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    for who in (await actor(demo, MEMBER), await actor(demo, OBSERVER), STRANGER):
        refused = await publish(demo, who, meeting)
        assert refused == service.Refused(service.Refusal.NOT_ALLOWED, meeting)
    assert await rows(demo, AgendaRecord) == []
    assert await rows(demo, OutboxMessage) == []
    assert [e.outcome for e in await audits(demo, "notice.publish")] == ["refused"] * 3
    deputy_leader = await actor(demo, "ingrid.solberg@demo.ssu.example")
    assert isinstance(await publish(demo, deputy_leader, meeting), service.Published)


async def test_a_failing_document_store_changes_nothing(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    refused = await publish(demo, await actor(demo, SECRETARY), meeting, store=Store(fail=True))
    assert refused == service.Refused(service.Refusal.STORAGE_FAILED, meeting)
    assert await state_of(demo, meeting) == "planned"
    assert await rows(demo, NoticeVersion) == []
    assert await rows(demo, OutboxMessage) == []
    [entry] = await audits(demo, "notice.publish")
    assert json.loads(entry.detail)["reason"] == "storage_failed"


async def test_a_change_while_the_document_uploads_is_not_published(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    case = await add_case(demo, meeting)
    secretary = await actor(demo, SECRETARY)
    async with transaction(demo) as session:
        prepared = await service.prepare_publication(
            session, actor=secretary, meeting_id=meeting, now=NOW
        )
    assert isinstance(prepared, service.Prepared)
    async with transaction(demo) as session:
        await agenda_service.set_minutes(
            session, actor=secretary, meeting_id=meeting, values={f"minutes_case_{case}": "10"}
        )
    document = StoredDocument("x.docx", "https://portal.example/x.docx", 1)
    async with transaction(demo) as session:
        refused = await service.record_publication(
            session,
            actor=secretary,
            prepared=prepared,
            document=document,
            render=render_notice_message,
        )
    assert refused == service.Refused(service.Refusal.CHANGED_MEANWHILE, meeting)
    assert await state_of(demo, meeting) == "planned"
    assert await rows(demo, NoticeVersion) == []


async def test_a_started_or_cancelled_meeting_gets_no_notice(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    secretary = await actor(demo, SECRETARY)
    during = datetime(2026, 12, 17, 9, 0, tzinfo=UTC)
    started = await publish(demo, secretary, meeting, now=during, reason="For sent, men likevel")
    assert started == service.Refused(service.Refusal.MEETING_STARTED, meeting)
    async with transaction(demo) as session:
        await meetings_service.cancel_meeting(
            session, actor=SYSTEM, meeting_id=meeting, reason="Avlyst"
        )
    cancelled = await publish(demo, secretary, meeting)
    assert cancelled == service.Refused(service.Refusal.WRONG_STATE, meeting)


async def test_the_deputy_of_an_absent_member_gets_the_notice(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    member = await actor(demo, MEMBER)
    async with transaction(demo) as session:
        reported = await attendance_service.report_absence(
            session, actor=member, now=NOW, render=render_absence_notice, meeting_id=meeting
        )
    assert isinstance(reported, attendance_service.AbsenceReported)
    result = await publish(demo, await actor(demo, SECRETARY), meeting)
    assert isinstance(result, service.Published)
    deputy = await person_id(demo, DEPUTY)
    assert deputy in result.recipients
    [message] = [
        m
        for m in await rows(demo, OutboxMessage)
        if m.recipient_person_id == deputy and m.kind == service.KIND_NOTICE
    ]
    assert "vararepresentant" in json.dumps(message.payload["card"], ensure_ascii=False)
    job = [j for j in await rows(demo, CalendarJob) if j.op == "update"][-1]
    emails = {a["email"] for a in json.loads(job.payload or "{}")["attendees"]}
    assert DEPUTY in emails


async def test_a_deputy_called_in_after_publication_gets_it_through_the_hook(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    result = await publish(demo, await actor(demo, SECRETARY), meeting)
    assert isinstance(result, service.Published)
    hooks = attendance_service.AttendanceHooks()
    hooks.on_deputy_called(
        service.deputy_listener(render_notice_message, deputies=attendance_deputies)
    )
    member = await actor(demo, MEMBER)
    later = NOW + timedelta(days=3)
    async with transaction(demo) as session:
        reported = await attendance_service.report_absence(
            session,
            actor=member,
            now=later,
            render=render_absence_notice,
            meeting_id=meeting,
            hooks=hooks,
        )
    assert isinstance(reported, attendance_service.AbsenceReported)
    deputy = await person_id(demo, DEPUTY)
    notices = [
        m
        for m in await rows(demo, OutboxMessage)
        if m.recipient_person_id == deputy and m.kind == service.KIND_NOTICE
    ]
    assert [m.deadline_key for m in notices] == ["notice:v1"]
    [version] = await rows(demo, NoticeVersion)
    assert deputy in json.loads(version.recipients)
    # The absence rebuilt the calendar body; the hook put the agenda back, last.
    last = [j for j in await rows(demo, CalendarJob) if j.op == "update"][-1]
    payload = json.loads(last.payload or "{}")
    assert "Godkjenning av innkalling og saksliste" in payload["body_html"]
    assert DEPUTY in {a["email"] for a in payload["attendees"]}
    assert len(await audits(demo, "notice.deputy")) == 1


async def test_the_hook_does_nothing_before_the_notice(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    hooks = attendance_service.AttendanceHooks()
    hooks.on_deputy_called(service.deputy_listener(render_notice_message))
    async with transaction(demo) as session:
        await attendance_service.report_absence(
            session,
            actor=await actor(demo, MEMBER),
            now=NOW,
            render=render_absence_notice,
            meeting_id=meeting,
            hooks=hooks,
        )
    assert [m for m in await rows(demo, OutboxMessage) if m.kind == service.KIND_NOTICE] == []


async def test_a_meeting_without_a_calendar_entry_still_gets_its_notice(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    async with transaction(demo) as session:
        for job in (await session.exec(select(CalendarJob))).all():
            await session.delete(job)
        from storage.calendar_tables import CalendarEventLink

        for link in (await session.exec(select(CalendarEventLink))).all():
            await session.delete(link)
    result = await publish(demo, await actor(demo, SECRETARY), meeting)
    assert isinstance(result, service.Published)
    assert not result.calendar
    assert await rows(demo, CalendarJob) == []


async def test_preview_shows_what_would_be_published(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting, case_type="theme", proposal="", section="decision")
    async with transaction(demo) as session:
        preview = await service.preview_notice(
            session, actor=await actor(demo, LEADER), meeting_id=meeting, now=LATE
        )
    assert isinstance(preview, service.NoticePreview)
    assert preview.late and preview.can_publish and preview.next_version == 1
    assert preview.missing == ("01/26",)
    async with transaction(demo) as session:
        refused = await service.preview_notice(
            session, actor=await actor(demo, MEMBER), meeting_id=meeting
        )
    assert refused == service.Refused(service.Refusal.NOT_ALLOWED, meeting)


async def test_people_with_reminders_off_still_get_the_notice(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    await add_case(demo, meeting)
    member = await person_id(demo, MEMBER)
    async with transaction(demo) as session:
        person = await session.get(Person, member)
        assert person is not None
        person.reminders_enabled = False
        session.add(person)
    result = await publish(demo, await actor(demo, SECRETARY), meeting)
    assert isinstance(result, service.Published)
    assert member in result.recipients


_ = Collection
