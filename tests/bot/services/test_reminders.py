"""The reminder service on both backends: the facts it reads, the people it resolves, the outbox
rows it plans (once, whenever and however often it runs), and the listing of a day."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import OSLO
from bot.domain.reminders import KEY_PREFIX, ReminderKind
from bot.services import reminders as service
from bot.services.meetings import SYSTEM, apply_plan
from cards.reminders import reminder_card
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import Person
from storage.outbox_tables import OutboxMessage
from tests.conftest import load_demo_roster

Sessions = async_sessionmaker[AsyncSession]
K = ReminderKind
EVA, MARTIN = "eva.lindqvist@demo.ssu.example", "martin.sorli@demo.ssu.example"
HILDE, INGRID = "hilde.vang@demo.ssu.example", "ingrid.solberg@demo.ssu.example"
PER, GEIR = "per.haugen@demo.ssu.example", "geir.lie@demo.ssu.example"
NOV = "SSU 2026-11-19"


def at(day: str, clock: str = "06:00", fold: int = 0) -> datetime:
    """A moment in Oslo wall-clock time (``fold`` picks the second 02:30 in October)."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), OSLO).replace(
        fold=fold
    )


@pytest.fixture
async def plan(sessions: Sessions) -> Sessions:
    """The demo roster and the 2026 meeting plan, as ``ssu-bot plan 2026 --apply`` makes it."""
    await load_demo_roster(sessions)
    async with transaction(sessions) as session:
        await apply_plan(session, actor=SYSTEM, year=2026, source="cli")
    return sessions


async def people(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        return {p.email: p.id for p in (await session.exec(select(Person))).all() if p.id}


async def turn_off(sessions: Sessions, *emails: str) -> None:
    async with transaction(sessions) as session:
        await session.exec(
            update(Person).where(col(Person.email).in_(emails)).values(reminders_enabled=False)  # type: ignore[call-overload]
        )


async def rows(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.exec(query)).all())


async def run_planner(sessions: Sessions, now: datetime, **options: object) -> int:
    async with transaction(sessions) as session:
        return await service.plan_reminders(session, now, **options)  # type: ignore[arg-type]


async def listing(sessions: Sessions, day: date) -> list[service.ListedReminder]:
    async with sessions() as session:
        return await service.reminders_on(session, day)


# --------------------------------------------------------------------------------------------------
# What is due, to whom
# --------------------------------------------------------------------------------------------------


async def test_the_notice_day_of_the_november_meeting(plan: Sessions) -> None:
    async with plan() as session:
        [due] = await service.due_reminders(session, date(2026, 11, 12), date(2026, 11, 12))
    assert due.reminder.kind is K.NOTICE and due.reminder.subject == NOV
    assert due.reminder.due == at("2026-11-12", "09:00")
    assert due.reminder.deadline == at("2026-11-12", "09:30")
    assert [(r.email, r.mandatory) for r in due.recipients] == [
        (EVA, True),
        (HILDE, False),
        (MARTIN, True),
    ]
    assert due.meeting is not None and due.meeting.title == "SSU-møte torsdag 19. november 2026"


async def test_the_meeting_reminder_goes_to_everyone_called(plan: Sessions) -> None:
    async with plan() as session:
        [due] = await service.due_reminders(session, date(2026, 11, 18), date(2026, 11, 18))
    emails = {r.email for r in due.recipients}
    assert due.reminder.kind is K.MEETING
    # 19 members, 6 observers and the secretariat; personal deputies are not called
    assert len(emails) == 27 and {EVA, MARTIN, HILDE, PER} <= emails and GEIR not in emails
    assert not any(r.mandatory for r in due.recipients)


async def test_case_reminders_go_to_members_and_the_secretariat(plan: Sessions) -> None:
    async with plan() as session:
        [due] = await service.due_reminders(session, date(2026, 10, 22), date(2026, 10, 22))
    assert due.reminder.kind is K.CASE_SUBMISSION and due.reminder.subject == NOV
    emails = {r.email for r in due.recipients}
    assert len(emails) == 21 and {EVA, MARTIN, HILDE, INGRID, PER} <= emails


async def test_missing_sources_contribute_nothing(plan: Sessions) -> None:
    april = (date(2026, 4, 1), date(2026, 4, 30))
    async with plan() as session:
        everything = await service.due_reminders(session, *april)
        roster_only = await service.due_reminders(session, *april, sources=(service.roster_source,))
        nothing = await service.due_reminders(session, *april, sources=())
    assert {d.reminder.kind for d in everything} >= {K.BUDGET, K.CASE_SUBMISSION, K.NOTICE}
    assert {d.reminder.kind for d in roster_only} == {K.BUDGET}
    assert nothing == []
    [budget] = [d for d in roster_only if d.reminder.due.day == 17]
    assert {r.email for r in budget.recipients} == {EVA, MARTIN, HILDE, INGRID}


# --------------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------------


async def test_planning_enqueues_today_once(plan: Sessions) -> None:
    ids = await people(plan)
    assert await run_planner(plan, at("2026-11-12"), render=reminder_card) == 3
    assert await run_planner(plan, at("2026-11-12"), render=reminder_card) == 0
    assert await run_planner(plan, at("2026-11-12", "23:59")) == 0
    stored = await rows(plan)
    assert {r.recipient_person_id for r in stored} == {ids[EVA], ids[HILDE], ids[MARTIN]}
    for row in stored:
        assert (row.kind, row.subject, row.state) == ("notice", NOV, "pending")
        assert row.deadline_key.startswith(f"{KEY_PREFIX}meeting:")
        assert row.deadline_key.endswith("/notice/0d@20261112T0830Z")
        assert row.not_before == at("2026-11-12", "09:00").astimezone(UTC)
        assert row.expires_at == at("2026-11-12", "09:30").astimezone(UTC)
        assert row.mandatory == (row.recipient_person_id != ids[HILDE])
        assert row.payload["card"]["type"] == "AdaptiveCard"
        assert row.payload["summary"].startswith("Påminnelse: innkallingen til SSU-møte 19.11.2026")


async def test_without_a_card_builder_the_reminder_is_text(plan: Sessions) -> None:
    assert await run_planner(plan, at("2026-11-12")) == 3
    [row, *_] = await rows(plan)
    assert row.payload["card"] is None
    assert row.payload["text"] == (
        "Påminnelse: innkallingen til SSU-møte 19.11.2026 skal ut innen 12.11.2026 09:30."
    )


async def test_reminders_off_stops_all_but_the_secretariats_own_deadlines(plan: Sessions) -> None:
    ids = await people(plan)
    await turn_off(plan, EVA, HILDE, PER)
    assert await run_planner(plan, at("2026-11-12")) == 2  # the notice: Eva and Martin
    assert {r.recipient_person_id for r in await rows(plan)} == {ids[EVA], ids[MARTIN]}
    [notice] = await listing(plan, date(2026, 11, 12))
    assert notice.recipients == (EVA, MARTIN)

    created = await run_planner(plan, at("2026-11-18"))  # the meeting reminder is not mandatory
    meeting_rows = [r for r in await rows(plan) if r.kind == "meeting"]
    assert created == len(meeting_rows) == 24
    assert not {ids[EVA], ids[HILDE], ids[PER]} & {r.recipient_person_id for r in meeting_rows}
    [meeting] = await listing(plan, date(2026, 11, 18))
    assert EVA not in meeting.recipients and PER not in meeting.recipients


async def test_after_downtime_missed_reminders_are_caught_up_once_or_dropped(
    plan: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    """Case deadline Thursday 29 October 09:30: reminders on 22 (7 days) and 28 October (1 day)."""
    assert await run_planner(plan, at("2026-10-21")) == 0
    # Down from the 21st to Monday 26th: the 7-day reminder is still valid (until the 28th).
    assert await run_planner(plan, at("2026-10-26", "10:00")) == 21
    seven = await rows(plan)
    assert {r.deadline_key.split("/")[3][:2] for r in seven} == {"7d"}
    assert all(r.not_before == at("2026-10-22", "09:00").astimezone(UTC) for r in seven)
    assert all(r.expires_at == at("2026-10-28", "09:00").astimezone(UTC) for r in seven)
    assert await run_planner(plan, at("2026-10-26", "10:05")) == 0

    # Down again from the 27th until after the deadline: the 1-day reminder is recorded once,
    # with a warning, for the outbox to drop; it is never sent late.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.services.reminders"):
        assert await run_planner(plan, at("2026-10-29", "10:00")) == 21
    missed = [r for r in caplog.records if r.getMessage().startswith("reminder missed")]
    assert len(missed) == 21
    assert all(r.kind == "case_submission" for r in missed)  # type: ignore[attr-defined]
    one_day = [r for r in await rows(plan) if "/1d@" in r.deadline_key]
    assert len(one_day) == 21 and all(r.expires_at <= at("2026-10-29", "10:00") for r in one_day)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.services.reminders"):
        assert await run_planner(plan, at("2026-10-30")) == 0
    assert not [r for r in caplog.records if r.getMessage().startswith("reminder missed")]


@pytest.mark.parametrize(
    ("first", "last", "dst_day"),
    [
        ("2026-10-20", "2026-10-30", "2026-10-25"),  # back to winter time: 02:00–03:00 twice
        ("2026-03-25", "2026-04-02", "2026-03-29"),  # to summer time: 02:00–03:00 never happens
    ],
)
async def test_daylight_saving_days_neither_double_nor_skip_the_plan(
    plan: Sessions, first: str, last: str, dst_day: str
) -> None:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    async with plan() as session:
        expected = {
            (d.reminder.kind.value, d.reminder.key, r.person_id)
            for d in await service.due_reminders(session, start, end)
            for r in d.recipients
        }
    assert expected, "the window has reminders"
    total = 0
    for day in days:
        total += await run_planner(plan, at(day.isoformat()))
        if day.isoformat() == dst_day:  # the planner woken at odd times on the change day
            for clock, fold in (("00:30", 0), ("02:30", 0), ("02:30", 1), ("03:30", 0)):
                total += await run_planner(plan, at(day.isoformat(), clock, fold))
    stored = [
        (r.kind, r.deadline_key, r.recipient_person_id)
        for r in await rows(plan)
        if start <= r.not_before.astimezone(OSLO).date() <= end
    ]
    assert len(stored) == len(set(stored)) == total - _before(await rows(plan), start)
    assert set(stored) == expected
    for day in days:  # and again, every day: nothing new
        assert await run_planner(plan, at(day.isoformat(), "12:00")) == 0


def _before(stored: list[OutboxMessage], day: date) -> int:
    """Rows of the catch-up window before ``day`` (planned on the first run)."""
    return sum(1 for r in stored if r.not_before.astimezone(OSLO).date() < day)


# --------------------------------------------------------------------------------------------------
# Listing
# --------------------------------------------------------------------------------------------------


async def test_listing_says_what_was_sent_and_keeps_what_was_planned(plan: Sessions) -> None:
    [before] = await listing(plan, date(2026, 11, 12))
    assert before.to_contract_dict() == {
        "kind": "notice",
        "due": "2026-11-12T09:00:00+01:00",
        "deadline": "2026-11-12T09:30:00+01:00",
        "subject": NOV,
        "recipients": [EVA, HILDE, MARTIN],
        "sent": False,
    }
    await run_planner(plan, at("2026-11-12"))
    async with transaction(plan) as session:
        await session.exec(update(OutboxMessage).values(state="sent"))  # type: ignore[call-overload]
    [sent] = await listing(plan, date(2026, 11, 12))
    assert sent.sent and sent.key == before.key

    # The notice is published afterwards: the data no longer gives the reminder, the record does.
    async with transaction(plan) as session:
        await session.exec(
            update(Meeting)
            .where(col(Meeting.title).contains("19. november"))
            .values(  # type: ignore[call-overload]
                state="notice_published"
            )
        )
    [kept] = await listing(plan, date(2026, 11, 12))
    assert kept.to_contract_dict() == {**before.to_contract_dict(), "sent": True}
    assert await listing(plan, date(2026, 11, 13)) == []


# --------------------------------------------------------------------------------------------------
# Adapters of features that are landing: they are read when installed
# --------------------------------------------------------------------------------------------------


async def test_open_evaluations_remind_who_has_not_answered(plan: Sessions) -> None:
    evaluation = pytest.importorskip("bot.services.evaluation")
    ids = await people(plan)
    present = [ids[PER], ids[HILDE], ids[EVA], ids["kari.bakken@demo.ssu.example"]]
    async with transaction(plan) as session:
        september = (
            await session.exec(select(Meeting).where(col(Meeting.title).contains("17. september")))
        ).one()
        opened = await evaluation.open_evaluation(
            session,
            actor=SYSTEM,
            meeting_id=september.id,
            now=at("2026-09-17", "14:00"),
            present=present,
        )
    assert isinstance(opened, evaluation.Opened)
    async with plan() as session:
        due = await service.due_reminders(session, date(2026, 9, 18), date(2026, 9, 18))
    [reminder] = [d for d in due if d.reminder.kind is K.EVALUATION]
    assert reminder.reminder.subject == "SSU 2026-09-17"
    assert reminder.reminder.evaluation_id == opened.evaluation.id
    # the secretariat does not evaluate: only the members present
    assert {r.person_id for r in reminder.recipients} == {
        ids[PER],
        ids[HILDE],
        ids["kari.bakken@demo.ssu.example"],
    }


async def test_absence_and_deputies_change_the_meeting_reminder(plan: Sessions) -> None:
    tables = pytest.importorskip("storage.attendance_tables")
    ids = await people(plan)
    async with transaction(plan) as session:
        november = (
            await session.exec(select(Meeting).where(col(Meeting.title).contains("19. november")))
        ).one()
        session.add(
            tables.Attendance(
                meeting_id=november.id, person_id=ids[PER], status="absent", source="absence"
            )
        )
        session.add(
            tables.Attendance(
                meeting_id=november.id,
                person_id=ids[GEIR],
                status="called_in",
                source="absence",
                replaces_person_id=ids[PER],
            )
        )
    [due] = await listing(plan, date(2026, 11, 18))
    assert GEIR in due.recipients and PER not in due.recipients


class _Store:
    """A document store in memory (the protocol's PDF goes somewhere)."""

    async def put(self, path: str, content: bytes, *, content_type: str) -> object:
        from bot.graph.port import StoredDocument

        return StoredDocument(path, f"https://portal.example/{path}", len(content))


def _render(message: object) -> tuple[str, dict[str, object]]:
    return "protokoll", {"type": "AdaptiveCard", "version": "1.5", "body": []}


async def test_published_protocols_remind_who_has_not_signed(plan: Sessions) -> None:
    protocol = pytest.importorskip("bot.services.protocol")
    from bot.services.identity import Caller, resolve_actor

    async def actor(email: str) -> object:
        async with transaction(plan) as session:
            return await resolve_actor(session, caller=Caller(None, None, email, "nb", email))

    ids = await people(plan)
    async with transaction(plan) as session:
        november = (
            await session.exec(select(Meeting).where(col(Meeting.title).contains("19. november")))
        ).one()
        november.state = "held"
        session.add(november)
    async with transaction(plan) as session:
        drafted = await protocol.draft_protocol(
            session, actor=await actor(EVA), meeting_id=november.id, now=at("2026-11-20", "10:00")
        )
    assert isinstance(drafted, protocol.ProtocolView), drafted
    published = await protocol.publish_protocol(
        plan,
        actor=await actor(EVA),
        protocol_id=drafted.id,
        documents=_Store(),
        render=_render,
        now=at("2026-11-20", "15:00"),  # a Friday
    )
    assert isinstance(published, protocol.ProtocolView), published

    async with plan() as session:
        due = await service.due_reminders(session, date(2026, 11, 20), date(2026, 11, 27))
    signatures = [d for d in due if d.reminder.kind is K.SIGNATURE]
    assert [d.reminder.due.date().isoformat() for d in signatures] == [
        "2026-11-23",
        "2026-11-25",
        "2026-11-27",
    ]
    assert {r.email for r in signatures[0].recipients} == {HILDE, INGRID}
    assert signatures[0].reminder.version == published.sha256
    assert signatures[0].reminder.protocol_id == published.id
    # published: the protocol deadline reminders stop
    assert not [d for d in due if d.reminder.kind is K.PROTOCOL]

    signed = await protocol.sign_protocol(
        plan,
        actor=await actor(HILDE),
        protocol_id=published.id,
        version=published.sha256,
        documents=_Store(),
        render=_render,
        now=at("2026-11-23", "08:00"),
    )
    assert isinstance(signed, protocol.Signed), signed
    async with plan() as session:
        [left] = [
            d
            for d in await service.due_reminders(session, date(2026, 11, 23), date(2026, 11, 23))
            if d.reminder.kind is K.SIGNATURE
        ]
    assert [r.person_id for r in left.recipients] == [ids[INGRID]]
