"""The self-evaluation service on SQLite and PostgreSQL: opening after a meeting, anonymous
answers and changing them, refusals (audited, without the answer), closing, results with the
fewer-than-3 rule, the trend, the CSV export, question sets per year, non-respondents — and the
proof that nothing in the answer table or the logs links an answer to a person."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.evaluation import DEFAULT_QUESTIONS, QuestionSet, rating_id
from bot.domain.roles import Actor
from bot.services import evaluation as service
from bot.services.evaluation import (
    SYSTEM,
    AnswerStored,
    Opened,
    Refusal,
    Refused,
    ResultsView,
)
from bot.services.identity import Caller, resolve_actor
from bot.services.meetings import SystemPrincipal
from bot.teams.evaluation import poll_for
from storage import audit
from storage.db import transaction
from storage.evaluation_tables import Evaluation, EvaluationAnswer, EvaluationRespondent
from storage.meeting_tables import Meeting
from storage.models import AuditEntry, ConversationRef, Person
from storage.outbox_tables import OutboxMessage
from tests.conftest import load_demo_roster

Sessions = async_sessionmaker[AsyncSession]

LEADER = "hilde.vang@demo.ssu.example"
DEPUTY_LEADER = "ingrid.solberg@demo.ssu.example"
SECRETARY = "eva.lindqvist@demo.ssu.example"
OBSERVER = "sissel.ruud@demo.ssu.example"
PERSONAL_DEPUTY = "astrid.hovde@demo.ssu.example"
MEMBERS = (
    "per.haugen@demo.ssu.example",
    "kari.bakken@demo.ssu.example",
    "ola.nordby@demo.ssu.example",
    "sigrid.lunde@demo.ssu.example",
    "anders.moe@demo.ssu.example",
)
MEMBER = MEMBERS[0]
REGULAR_SEATS = 19
"""Leader, deputy leader and 17 members in the demo roster."""
COMMENT = "Felles forståelse, ett steg videre – hemmelig-merke-7731"


@pytest.fixture(autouse=True)
def _log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Log at DEBUG so a bad ``extra=`` key (one LogRecord reserves) fails here, not in prod."""
    caplog.set_level(logging.DEBUG, logger="bot.services.evaluation")


@pytest.fixture
async def demo(sessions: Sessions) -> Sessions:
    await load_demo_roster(sessions)
    return sessions


def now() -> datetime:
    return datetime.now(UTC)


async def actor(sessions: Sessions, email: str) -> Actor:
    async with transaction(sessions) as session:
        return await resolve_actor(session, caller=Caller(None, None, email, "nb", email))


async def add_meeting(
    sessions: Sessions,
    *,
    hours_ago: float = 3,
    body: str = "SSU",
    state: str = "held",
    start: datetime | None = None,
) -> int:
    """A meeting that started ``hours_ago`` (negative: in the future)."""
    begin = start or now() - timedelta(hours=hours_ago)
    async with transaction(sessions) as session:
        meeting = Meeting(
            body=body,
            title=f"{body}-møte",
            start_at=begin,
            end_at=begin + timedelta(hours=5),
            year=begin.year,
            form="physical",
            state=state,
            case_submission_at=begin - timedelta(days=21),
            notice_at=begin - timedelta(days=7),
            protocol_at=begin + timedelta(days=7),
        )
        session.add(meeting)
        await session.flush()
        assert meeting.id is not None
        return meeting.id


async def open_for(
    sessions: Sessions,
    meeting_id: object,
    *,
    who: Actor | SystemPrincipal = SYSTEM,
    present: Sequence[int] | None = None,
    chat: str | None = None,
) -> Opened | Refused:
    async with transaction(sessions) as session:
        return await service.open_evaluation(
            session,
            actor=who,
            meeting_id=meeting_id,
            now=now(),
            present=present,
            chat_conversation_id=chat,
            render=poll_for,
        )


async def opened(sessions: Sessions, **kw: Any) -> int:
    """A meeting with an open evaluation; returns the evaluation id."""
    result = await open_for(sessions, await add_meeting(sessions), **kw)
    assert isinstance(result, Opened), result
    return result.evaluation.id


def form(*ratings: int, comment: str = "") -> dict[str, str]:
    return {**{rating_id(i): str(r) for i, r in enumerate(ratings)}, "comment": comment}


async def answer(
    sessions: Sessions,
    who: Actor,
    evaluation_id: object,
    values: dict[str, str] | None = None,
    *,
    token: object = None,
    meeting_id: object = None,
) -> AnswerStored | Refused:
    async with transaction(sessions) as session:
        return await service.answer(
            session,
            actor=who,
            evaluation_id=evaluation_id,
            values=values if values is not None else form(4, 4, 4, 4, 4),
            token=token,
            meeting_id=meeting_id,
            rng=random.Random(7),
        )


async def stored_answers(sessions: Sessions, evaluation_id: int) -> list[EvaluationAnswer]:
    async with sessions() as session:
        query = select(EvaluationAnswer).where(EvaluationAnswer.evaluation_id == evaluation_id)
        return list((await session.exec(query)).all())


async def audit_rows(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with sessions() as session:
        return [e for e in await audit.all_entries(session) if e.action == action]


async def outbox_rows(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.exec(query)).all())


async def close(sessions: Sessions, evaluation_id: object, who: Actor | None = None) -> Any:
    closer = who or await actor(sessions, LEADER)
    async with transaction(sessions) as session:
        return await service.close_evaluation(
            session,
            actor=closer,
            evaluation_id=evaluation_id,
            now=now(),
        )


async def results(sessions: Sessions, evaluation_id: int, who: str = MEMBER) -> Any:
    reader = await actor(sessions, who)
    async with sessions() as session:
        return await service.results(
            session,
            actor=reader,
            evaluation_id=evaluation_id,
            rng=random.Random(3),
        )


# ------------------------------------------------------------------------------------ opening


async def test_the_chair_opens_it_and_every_member_present_gets_the_poll(demo: Sessions) -> None:
    meeting_id = await add_meeting(demo)
    result = await open_for(demo, meeting_id, who=await actor(demo, LEADER))
    assert isinstance(result, Opened) and result.created
    view = result.evaluation
    assert (view.eligible, view.answered, view.is_open) == (REGULAR_SEATS, 0, True)
    assert view.questions == DEFAULT_QUESTIONS
    rows = await outbox_rows(demo)
    assert result.sent == len(rows) == REGULAR_SEATS
    assert {r.kind for r in rows} == {service.KIND_POLL}
    assert all(r.mandatory and r.conversation_id is None for r in rows)
    card = rows[0].payload["card"]
    actions = [a for a in card["actions"] if a["verb"] == "evaluation.answer"]
    assert actions[0]["data"] == {"evaluation_id": view.id, "meeting_id": meeting_id}
    [entry] = await audit_rows(demo, "evaluation.open")
    assert entry.outcome == "ok" and json.loads(entry.detail)["eligible"] == REGULAR_SEATS
    assert len(await _non_respondents(demo, view.id)) == REGULAR_SEATS


async def test_the_secretariat_may_open_it_and_the_system_after_the_meeting(
    demo: Sessions,
) -> None:
    assert isinstance(
        await open_for(demo, await add_meeting(demo), who=await actor(demo, SECRETARY)), Opened
    )
    assert isinstance(await open_for(demo, await add_meeting(demo, hours_ago=30)), Opened)
    deputy = await actor(demo, DEPUTY_LEADER)
    assert isinstance(
        await open_for(demo, await add_meeting(demo, hours_ago=60), who=deputy), Opened
    )


@pytest.mark.parametrize("email", [MEMBER, OBSERVER, PERSONAL_DEPUTY])
async def test_others_may_not_open_it_and_the_attempt_is_audited(
    demo: Sessions, email: str
) -> None:
    meeting_id = await add_meeting(demo)
    result = await open_for(demo, meeting_id, who=await actor(demo, email))
    assert result == Refused(Refusal.NOT_ALLOWED)
    [entry] = await audit_rows(demo, "evaluation.open")
    assert entry.outcome == "refused" and json.loads(entry.detail) == {"reason": "not_allowed"}
    assert await outbox_rows(demo) == []


async def test_opening_twice_opens_nothing_and_sends_nothing(demo: Sessions) -> None:
    meeting_id = await add_meeting(demo)
    first = await open_for(demo, meeting_id)
    again = await open_for(demo, meeting_id, who=await actor(demo, LEADER))
    assert isinstance(first, Opened) and isinstance(again, Opened)
    assert not again.created and again.evaluation.id == first.evaluation.id
    assert len(await outbox_rows(demo)) == REGULAR_SEATS


async def test_only_started_uncancelled_ssu_meetings_are_evaluated(demo: Sessions) -> None:
    future = await add_meeting(demo, hours_ago=-48, state="notice_published")
    cancelled = await add_meeting(demo, state="cancelled")
    partnership = await add_meeting(demo, body="PA")
    strategy = await add_meeting(demo, body="STRATEGY", hours_ago=20)
    assert await open_for(demo, future) == Refused(Refusal.NOT_STARTED)
    assert await open_for(demo, cancelled) == Refused(Refusal.CANCELLED)
    assert await open_for(demo, partnership) == Refused(Refusal.NOT_EVALUATED)
    for forged in ("abc", "0", "²", "١٢", -3, None, 10**12, True):
        assert await open_for(demo, forged) == Refused(Refusal.NO_MEETING)
    assert isinstance(await open_for(demo, strategy), Opened)
    assert {
        json.loads(e.detail)["reason"]
        for e in await audit_rows(demo, "evaluation.open")
        if e.outcome == "refused"
    } == {
        "not_started",
        "cancelled",
        "not_evaluated",
        "no_meeting",
    }


async def people(sessions: Sessions, *emails: str) -> list[int]:
    async with sessions() as session:
        query = select(Person).where(col(Person.email).in_(emails))
        return sorted(p.id for p in (await session.exec(query)).all() if p.id is not None)


async def test_only_people_present_with_a_voice_in_ssu_may_answer(demo: Sessions) -> None:
    present = await people(demo, MEMBER, PERSONAL_DEPUTY, OBSERVER, SECRETARY)
    result = await open_for(demo, await add_meeting(demo), present=present)
    assert isinstance(result, Opened)
    assert result.evaluation.eligible == 2
    expected = await people(demo, MEMBER, PERSONAL_DEPUTY)
    async with demo() as session:
        query = select(EvaluationRespondent.person_id)
        assert sorted((await session.exec(query)).all()) == expected
    assert await open_for(
        demo, await add_meeting(demo, hours_ago=40), present=await people(demo, OBSERVER)
    ) == Refused(Refusal.NOBODY_PRESENT)


class _Present:
    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    async def present_member_ids(self, session: AsyncSession, meeting_id: int) -> list[int]:
        return self.ids


async def test_the_attendance_source_decides_who_was_present(demo: Sessions) -> None:
    meeting_id = await add_meeting(demo)
    ids = await people(demo, *MEMBERS[:3])
    async with transaction(demo) as session:
        result = await service.open_evaluation(
            session, actor=SYSTEM, meeting_id=meeting_id, now=now(), attendance=_Present(ids)
        )
    assert isinstance(result, Opened) and result.evaluation.eligible == 3
    assert result.sent == 0, "no render: nothing sent"


async def test_attendance_that_recorded_nobody_falls_back_to_the_regular_members(
    demo: Sessions,
) -> None:
    meeting_id = await add_meeting(demo)
    async with transaction(demo) as session:
        result = await service.open_evaluation(
            session, actor=SYSTEM, meeting_id=meeting_id, now=now(), attendance=_Present([])
        )
    assert isinstance(result, Opened) and result.evaluation.eligible == REGULAR_SEATS


async def test_the_poll_goes_to_the_meeting_chat_too(demo: Sessions) -> None:
    chat = "19:meeting_abc@thread.v2"
    result = await open_for(demo, await add_meeting(demo), chat=chat)
    assert isinstance(result, Opened) and result.posted_to_chat
    rows = await outbox_rows(demo)
    assert [r.conversation_id for r in rows if r.conversation_id] == [chat]


async def test_the_meeting_chat_is_found_from_the_teams_link_when_the_bot_is_there(
    demo: Sessions,
) -> None:
    from storage import calendar_sync as calendar_repo

    meeting_id = await add_meeting(demo)
    chat = "19:meeting_Zm9v@thread.v2"
    async with transaction(demo) as session:
        link = await calendar_repo.ensure_link(session, meeting_id=meeting_id, now=now())
        link.join_url = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0"
        session.add(link)
        session.add(
            ConversationRef(
                conversation_id=chat,
                conversation_type="groupChat",
                service_url="http://127.0.0.1:1/",
                reference_json="{}",
            )
        )
    result = await open_for(demo, meeting_id)
    assert isinstance(result, Opened)
    assert result.evaluation.chat_conversation_id == chat


async def test_the_meeting_chat_the_attendance_feature_linked_comes_first(
    demo: Sessions,
) -> None:
    from storage.attendance_tables import MeetingContext

    meeting_id = await add_meeting(demo)
    chat = "19:meeting_bGlua2Vk@thread.v2"
    async with transaction(demo) as session:
        session.add(MeetingContext(meeting_id=meeting_id, conversation_id=chat))
        session.add(
            ConversationRef(
                conversation_id=chat,
                conversation_type="groupChat",
                service_url="http://127.0.0.1:1/",
                reference_json="{}",
            )
        )
    result = await open_for(demo, meeting_id)
    assert isinstance(result, Opened) and result.evaluation.chat_conversation_id == chat


# ----------------------------------------------------------------------------------- answering


async def test_an_answer_is_stored_with_nothing_but_the_answer(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    member = await actor(demo, MEMBER)
    stored = await answer(demo, member, evaluation_id, form(5, 4, 3, 2, 1, comment=COMMENT))
    assert isinstance(stored, AnswerStored) and not stored.changed
    assert stored.evaluation.answered == 1
    [row] = await stored_answers(demo, evaluation_id)
    assert json.loads(row.ratings) == [5, 4, 3, 2, 1]
    assert row.comment == COMMENT
    assert row.token_hash != stored.token and len(stored.token) == 43
    assert member.person_id not in await _non_respondents(demo, evaluation_id)
    [entry] = await audit_rows(demo, "evaluation.answer")
    assert entry.actor_person_id == member.person_id and json.loads(entry.detail) == {}


async def _non_respondents(sessions: Sessions, evaluation_id: int) -> list[int]:
    async with sessions() as session:
        return await service.non_respondents(session, evaluation_id)


async def test_the_token_from_the_card_changes_the_answer_and_nothing_else(
    demo: Sessions,
) -> None:
    evaluation_id = await opened(demo)
    member = await actor(demo, MEMBER)
    first = await answer(demo, member, evaluation_id, form(1, 1, 1, 1, 1, comment="først"))
    other = await answer(demo, await actor(demo, MEMBERS[1]), evaluation_id, form(3, 3, 3, 3, 3))
    assert isinstance(first, AnswerStored) and isinstance(other, AnswerStored)
    changed = await answer(
        demo, member, evaluation_id, form(5, 5, 5, 5, 5, comment="endret"), token=first.token
    )
    assert isinstance(changed, AnswerStored) and changed.changed
    assert changed.token == first.token
    assert changed.evaluation.answered == 2
    rows = {
        json.dumps(json.loads(r.ratings)): r.comment
        for r in await stored_answers(demo, evaluation_id)
    }
    assert rows == {"[5, 5, 5, 5, 5]": "endret", "[3, 3, 3, 3, 3]": None}


async def test_a_second_answer_without_the_token_is_refused(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    member = await actor(demo, MEMBER)
    first = await answer(demo, member, evaluation_id, form(2, 2, 2, 2, 2))
    assert isinstance(first, AnswerStored)
    other_evaluation = await opened(demo)
    elsewhere = await answer(demo, member, other_evaluation, form(4, 4, 4, 4, 4))
    assert isinstance(elsewhere, AnswerStored)
    for token in (None, "", "x" * 43, elsewhere.token, first.token[:-1] + "A", 42):
        if token == first.token:
            continue
        refused = await answer(
            demo, member, evaluation_id, form(5, 5, 5, 5, 5, comment=COMMENT), token=token
        )
        assert refused == Refused(Refusal.ALREADY_ANSWERED)
    [row] = await stored_answers(demo, evaluation_id)
    assert json.loads(row.ratings) == [2, 2, 2, 2, 2]


async def test_someone_elses_token_does_not_let_a_non_respondent_overwrite(demo: Sessions) -> None:
    """A token only works for someone who has answered; a new respondent always adds a row."""
    evaluation_id = await opened(demo)
    first = await answer(demo, await actor(demo, MEMBER), evaluation_id, form(1, 1, 1, 1, 1))
    assert isinstance(first, AnswerStored)
    newcomer = await answer(
        demo, await actor(demo, MEMBERS[1]), evaluation_id, form(5, 5, 5, 5, 5), token=first.token
    )
    assert isinstance(newcomer, AnswerStored) and not newcomer.changed
    assert newcomer.token != first.token
    assert len(await stored_answers(demo, evaluation_id)) == 2


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        (OBSERVER, Refusal.NOT_ELIGIBLE),
        (SECRETARY, Refusal.NOT_ELIGIBLE),
        (PERSONAL_DEPUTY, Refusal.NOT_ELIGIBLE),
    ],
)
async def test_people_who_were_not_present_cannot_answer(
    demo: Sessions, email: str, reason: Refusal
) -> None:
    evaluation_id = await opened(demo)
    refused = await answer(
        demo, await actor(demo, email), evaluation_id, form(5, 5, 5, 5, 5, comment=COMMENT)
    )
    assert refused == Refused(reason)
    assert await stored_answers(demo, evaluation_id) == []


async def test_an_unknown_person_cannot_answer(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    stranger = Actor(None, "Ukjent", "00000000-0000-4000-8000-00000000dead")
    assert await answer(demo, stranger, evaluation_id) == Refused(Refusal.NOT_KNOWN)


async def test_forged_ids_and_another_meetings_card_are_refused(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    member = await actor(demo, MEMBER)
    for forged in ("999999", "1 OR 1=1", "²", None, "", -1, 3.5, {"id": 1}, True, 10**15):
        assert await answer(demo, member, forged) == Refused(Refusal.NOT_FOUND), forged
    other_meeting = await add_meeting(demo, hours_ago=50)
    refused = await answer(demo, member, evaluation_id, meeting_id=other_meeting)
    assert refused == Refused(Refusal.WRONG_MEETING)
    assert await stored_answers(demo, evaluation_id) == []


async def test_missing_ratings_come_back_with_the_fields_and_store_nothing(
    demo: Sessions,
) -> None:
    evaluation_id = await opened(demo)
    values = {"q1": "5", "q2": "9", "comment": COMMENT}
    refused = await answer(demo, await actor(demo, MEMBER), evaluation_id, values)
    assert isinstance(refused, Refused) and refused.reason is Refusal.INVALID
    assert [p.field for p in refused.problems] == ["q2", "q3", "q4", "q5"]
    assert refused.evaluation is not None and refused.evaluation.id == evaluation_id
    assert await stored_answers(demo, evaluation_id) == []
    assert await _non_respondents(demo, evaluation_id) != []
    [entry] = [e for e in await audit_rows(demo, "evaluation.answer") if e.outcome == "refused"]
    assert json.loads(entry.detail) == {"reason": "invalid", "fields": ["q2", "q3", "q4", "q5"]}


async def test_refusals_are_audited_without_the_answer(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    member = await actor(demo, MEMBER)
    secret = form(5, 1, 5, 1, 5, comment=COMMENT)
    await answer(demo, await actor(demo, OBSERVER), evaluation_id, secret)
    await answer(demo, member, "12345", secret)
    await answer(demo, member, evaluation_id, {**secret, "q3": "7"})
    await answer(demo, member, evaluation_id, secret)
    await answer(demo, member, evaluation_id, secret)
    await close(demo, evaluation_id)
    await answer(demo, await actor(demo, MEMBERS[1]), evaluation_id, secret)
    entries = await audit_rows(demo, "evaluation.answer")
    refused = [e for e in entries if e.outcome == "refused"]
    assert [json.loads(e.detail)["reason"] for e in refused] == [
        "not_eligible",
        "not_found",
        "invalid",
        "already_answered",
        "closed",
    ]
    for entry in entries:
        assert set(json.loads(entry.detail)) <= {"reason", "fields"}
        assert "hemmelig" not in entry.detail and "5, 1" not in entry.detail


# ------------------------------------------------------------------------------- anonymity proof


async def test_no_column_of_the_answer_table_links_an_answer_to_a_person(
    demo: Sessions, database_url: str
) -> None:
    evaluation_id = await opened(demo)
    respondents = [await actor(demo, email) for email in MEMBERS[:4]]
    for n, who in enumerate(respondents):
        await answer(demo, who, evaluation_id, form(n + 1, 3, 3, 3, 3, comment=f"svar {n}"))

    async with demo() as session:
        connection = await session.connection()

        def describe(sync: Any) -> dict[str, Any]:
            inspector = inspect(sync)
            return {
                table: (
                    {c["name"] for c in inspector.get_columns(table)},
                    inspector.get_foreign_keys(table),
                    inspector.get_pk_constraint(table)["constrained_columns"],
                )
                for table in ("evaluation_answer", "evaluation_respondent")
            }

        tables = await connection.run_sync(describe)
    answer_columns, answer_keys, answer_pk = tables["evaluation_answer"]
    assert answer_columns == {"token_hash", "evaluation_id", "ratings", "comment"}
    assert answer_pk == ["token_hash"], "no sequential id whose order could follow the answering"
    assert [k["referred_table"] for k in answer_keys] == ["evaluation"]
    respondent_columns, respondent_keys, _ = tables["evaluation_respondent"]
    assert respondent_columns == {"evaluation_id", "person_id", "answered"}
    assert {k["referred_table"] for k in respondent_keys} == {"evaluation", "person"}

    names = {str(v) for who in respondents for v in (who.aad_object_id, who.name) if v}
    person_ids = {who.person_id for who in respondents}
    for row in await stored_answers(demo, evaluation_id):
        columns = (row.token_hash, row.evaluation_id, row.ratings, row.comment)
        assert not any(name in str(value) for name in names for value in columns)
        assert not any(value in person_ids for value in columns if value != row.evaluation_id)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_postgres_row_versions_do_not_tell_which_answer_came_with_whom(
    demo: Sessions,
) -> None:
    """xmin (the writing transaction) is readable by anyone who can SELECT: every answer must
    carry the latest answer's transaction, not its own, or it would match the respondent row."""
    evaluation_id = await opened(demo)
    for email in MEMBERS[:4]:
        await answer(demo, await actor(demo, email), evaluation_id)
    async with demo() as session:
        connection = await session.connection()
        answers_xmin = set(
            (
                await connection.execute(
                    text("SELECT xmin::text FROM evaluation_answer WHERE evaluation_id = :e"),
                    {"e": evaluation_id},
                )
            ).scalars()
        )
        respondent_xmin = set(
            (
                await connection.execute(
                    text(
                        "SELECT xmin::text FROM evaluation_respondent "
                        "WHERE evaluation_id = :e AND answered"
                    ),
                    {"e": evaluation_id},
                )
            ).scalars()
        )
    assert len(answers_xmin) == 1
    assert len(respondent_xmin) == 4
    assert len(answers_xmin & respondent_xmin) == 1, "only the last respondent shares it"


async def test_no_log_line_links_an_answer_to_a_person(
    demo: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    """Everything logged while answering — the bot's lines and the SQL of aiosqlite and
    SQLAlchemy's echo at their most verbose — holds no part of the answer and the token, and the
    evaluation's own lines name no person."""
    evaluation_id = await opened(demo)
    member = await actor(demo, MEMBER)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    caplog.clear()
    first = await answer(demo, member, evaluation_id, form(5, 1, 5, 1, 5, comment=COMMENT))
    assert isinstance(first, AnswerStored)
    changed = form(2, 2, 2, 2, 2, comment=COMMENT + "!")
    await answer(demo, member, evaluation_id, changed, token=first.token)
    await answer(demo, member, evaluation_id, form(2, 2, 2, 2, 2, comment=COMMENT))
    async with demo() as session:
        await service.non_respondents(session, evaluation_id)
    lines = [(record.name, _everything_in(record)) for record in caplog.records]
    assert any(name == "bot.services.evaluation" for name, _ in lines)
    assert any(
        name.startswith("sqlalchemy.engine") and "evaluation_answer" in line for name, line in lines
    ), "the SQL echo ran (and was filtered)"
    names = {str(member.aad_object_id), member.name, MEMBER}
    for record in caplog.records:
        line = _everything_in(record)
        assert "hemmelig-merke-7731" not in line, line
        assert "[5, 1, 5, 1, 5]" not in line and "[2, 2, 2, 2, 2]" not in line, line
        assert first.token not in line
        if record.name.startswith(("bot.services.evaluation", "storage")):
            assert not any(value in line for value in names), line
            assert not set(_extras(record)) & PERSON_KEYS, line


PERSON_KEYS = {"person", "person_id", "actor", "actor_person_id", "aad", "aad_object_id", "user"}
"""How the code base names a person in a log line's extra fields."""


def _extras(record: logging.LogRecord) -> dict[str, object]:
    standard = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
    return {k: v for k, v in vars(record).items() if k not in standard}


def _everything_in(record: logging.LogRecord) -> str:
    """The message and every extra attribute of a log record, as one string."""
    return f"{record.getMessage()} {_extras(record)!r}"


# ------------------------------------------------------------------------------ closing, results


async def test_close_is_for_the_chair_and_the_secretariat_once(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    assert await close(demo, evaluation_id, await actor(demo, MEMBER)) == Refused(
        Refusal.NOT_ALLOWED
    )
    assert await close(demo, "nope", await actor(demo, SECRETARY)) == Refused(Refusal.NOT_FOUND)
    closed = await close(demo, evaluation_id, await actor(demo, SECRETARY))
    assert isinstance(closed, service.Closed) and not closed.evaluation.is_open
    assert closed.evaluation.closed_at is not None
    assert await close(demo, evaluation_id) == Refused(Refusal.CLOSED)
    outcomes = [
        (e.outcome, json.loads(e.detail).get("reason"))
        for e in await audit_rows(demo, "evaluation.close")
    ]
    assert outcomes == [
        ("refused", "not_allowed"),
        ("refused", "not_found"),
        ("ok", None),
        ("refused", "closed"),
    ]


async def test_after_close_answers_change_nothing(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    member = await actor(demo, MEMBER)
    first = await answer(demo, member, evaluation_id, form(3, 3, 3, 3, 3))
    assert isinstance(first, AnswerStored)
    await close(demo, evaluation_id)
    again = await answer(demo, member, evaluation_id, form(5, 5, 5, 5, 5), token=first.token)
    late = await answer(demo, await actor(demo, MEMBERS[1]), evaluation_id)
    assert again == late == Refused(Refusal.CLOSED)
    [row] = await stored_answers(demo, evaluation_id)
    assert json.loads(row.ratings) == [3, 3, 3, 3, 3]
    assert await _non_respondents(demo, evaluation_id) == []


async def test_results_are_hidden_until_close(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    for email in MEMBERS[:3]:
        await answer(demo, await actor(demo, email), evaluation_id)
    hidden = await results(demo, evaluation_id, who=LEADER)
    assert isinstance(hidden, Refused) and hidden.reason is Refusal.STILL_OPEN
    await close(demo, evaluation_id)
    shown = await results(demo, evaluation_id)
    assert isinstance(shown, ResultsView) and shown.summary.shown


async def test_fewer_than_three_answers_show_nothing(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    for email in MEMBERS[:2]:
        await answer(
            demo, await actor(demo, email), evaluation_id, form(5, 5, 5, 5, 1, comment=COMMENT)
        )
    await close(demo, evaluation_id)
    view = await results(demo, evaluation_id)
    assert isinstance(view, ResultsView)
    assert view.summary.respondents == 2 and not view.summary.shown
    assert view.summary.statements == () and view.summary.comments == ()
    assert view.trend == ()


async def test_three_answers_give_means_distributions_and_shuffled_comments(
    demo: Sessions,
) -> None:
    evaluation_id = await opened(demo)
    given = [
        form(5, 4, 3, 2, 1, comment="a"),
        form(3, 4, 3, 2, 1, comment="b"),
        form(4, 4, 3, 5, 1),
    ]
    for email, values in zip(MEMBERS, given, strict=False):
        await answer(demo, await actor(demo, email), evaluation_id, values)
    await close(demo, evaluation_id)
    view = await results(demo, evaluation_id)
    assert isinstance(view, ResultsView)
    assert [s.mean for s in view.summary.statements] == [4.0, 4.0, 3.0, 3.0, 1.0]
    assert view.summary.statements[3].distribution == (0, 2, 0, 0, 1)
    assert sorted(view.summary.comments) == ["a", "b"]
    assert view.evaluation.eligible == REGULAR_SEATS and view.evaluation.answered == 3


async def test_everyone_in_the_roster_may_read_results_but_nobody_else(demo: Sessions) -> None:
    evaluation_id = await opened(demo)
    await close(demo, evaluation_id)
    assert isinstance(await results(demo, evaluation_id, who=OBSERVER), ResultsView)
    async with demo() as session:
        stranger = Actor(None, "Ukjent", None)
        assert await service.results(
            session, actor=stranger, evaluation_id=evaluation_id
        ) == Refused(Refusal.NOT_KNOWN)


async def closed_with(
    sessions: Sessions, hours_ago: float, ratings: Sequence[int], voters: int = 3
) -> int:
    result = await open_for(sessions, await add_meeting(sessions, hours_ago=hours_ago))
    assert isinstance(result, Opened)
    for email in MEMBERS[:voters]:
        await answer(sessions, await actor(sessions, email), result.evaluation.id, form(*ratings))
    await close(sessions, result.evaluation.id)
    return result.evaluation.id


async def test_the_trend_has_the_earlier_meetings_with_three_answers_or_more(
    demo: Sessions,
) -> None:
    await closed_with(demo, 24 * 90, (2, 2, 2, 2, 2))
    await closed_with(demo, 24 * 60, (5, 5, 5, 5, 5), voters=2)
    await closed_with(demo, 24 * 30, (3, 3, 3, 3, 3))
    latest = await closed_with(demo, 3, (4, 4, 4, 4, 4))
    await closed_with(demo, 1, (1, 1, 1, 1, 1))
    view = await results(demo, latest)
    assert isinstance(view, ResultsView)
    assert [p.means for p in view.trend] == [(2.0,) * 5, (3.0,) * 5, (4.0,) * 5]


async def test_non_respondents_are_those_present_who_have_not_answered(demo: Sessions) -> None:
    present = await people(demo, *MEMBERS[:3])
    evaluation_id = await opened(demo, present=present)
    assert await _non_respondents(demo, evaluation_id) == present
    await answer(demo, await actor(demo, MEMBERS[1]), evaluation_id)
    answered = await people(demo, MEMBERS[1])
    assert await _non_respondents(demo, evaluation_id) == [p for p in present if p not in answered]
    assert await _non_respondents(demo, 424242) == []
    await close(demo, evaluation_id)
    assert await _non_respondents(demo, evaluation_id) == []


# -------------------------------------------------------------------------- CSV and question sets


async def test_the_csv_is_aggregated_per_meeting_and_for_the_secretariat(demo: Sessions) -> None:
    await closed_with(demo, 24 * 30, (5, 4, 3, 2, 1))
    await closed_with(demo, 3, (5, 5, 5, 5, 5), voters=2)
    header = [
        "date",
        "body",
        "id",
        "present",
        "answered",
        "no",
        "statement",
        "mean",
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    member, secretary = await actor(demo, MEMBER), await actor(demo, SECRETARY)
    async with transaction(demo) as session:
        refused = await service.csv_export(session, actor=member, header=header)
        exported = await service.csv_export(session, actor=secretary, header=header)
    assert refused == Refused(Refusal.NOT_ALLOWED)
    assert isinstance(exported, str)
    lines = exported.splitlines()
    assert lines[0] == ",".join(header)
    assert len(lines) == 1 + 2 * 5
    first = lines[1].split(",")
    assert first[1:6] == ["SSU", first[2], str(REGULAR_SEATS), "3", "1"]
    assert first[-6:] == ["5.00", "0", "0", "0", "0", "3"]
    too_few = lines[6].split(",")
    assert too_few[4] == "2" and too_few[-6:] == ["", "", "", "", "", ""]
    assert [e.outcome for e in await audit_rows(demo, "evaluation.export")] == ["refused", "ok"]


async def test_a_years_question_set_is_used_and_kept_with_each_evaluation(demo: Sessions) -> None:
    year = now().year
    custom = QuestionSet(
        ("Vi holdt tiden.", "Sakene var godt forberedt."),
        ("We kept time.", "The cases were well prepared."),
        ("Tid", "Forberedelse"),
        ("Time", "Preparation"),
        "Hva tar du med deg?",
        "What do you take with you?",
    )
    member, secretary = await actor(demo, MEMBER), await actor(demo, SECRETARY)
    async with transaction(demo) as session:
        assert await service.configure_questions(
            session, actor=member, year=year, questions=custom
        ) == Refused(Refusal.NOT_ALLOWED)
        broken = QuestionSet((), (), (), (), "", "")
        invalid = await service.configure_questions(
            session, actor=secretary, year=year, questions=broken
        )
        assert isinstance(invalid, Refused) and invalid.reason is Refusal.INVALID
        saved = await service.configure_questions(
            session, actor=secretary, year=year, questions=custom
        )
        assert saved == custom
    evaluation_id = await opened(demo)
    async with transaction(demo) as session:
        await service.configure_questions(
            session, actor=secretary, year=year, questions=DEFAULT_QUESTIONS
        )
        assert await service.question_set_for_year(session, year) == DEFAULT_QUESTIONS
        assert await service.question_set_for_year(session, year + 5) == DEFAULT_QUESTIONS
        view = await service.get_evaluation(session, actor=SYSTEM, evaluation_id=evaluation_id)
    assert not isinstance(view, Refused) and view.questions == custom
    two = await answer(demo, await actor(demo, MEMBER), evaluation_id, form(4, 5))
    assert isinstance(two, AnswerStored) and two.answer.ratings == (4, 5)


async def test_evaluations_are_counted_per_meeting(demo: Sessions) -> None:
    await opened(demo)
    await opened(demo)
    async with demo() as session:
        assert (await session.exec(select(func.count()).select_from(Evaluation))).one() == 2
