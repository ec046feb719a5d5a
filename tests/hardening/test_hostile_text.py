"""Every hostile string (tests/hardening/hostile.py) in every text input the bot has, through the
running app: stored exactly (or refused with a clear message when over a limit), shown only
escaped, and never breaking a card (valid JSON, under 28 KB).

One test per input surface loops over the whole corpus and reports every problem at once, so one
app start serves the corpus. Storage is checked on SQLite and PostgreSQL (NUL and unpaired
surrogates are where the two differ).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.cli import DEMO_ROSTER
from bot.domain.calendar import Body, MeetingForm, deadlines_for, public_holiday_name, to_oslo
from bot.domain.meeting_rules import meeting_title
from bot.domain.meeting_state import MeetingState
from bot.teams.commands import PHRASES
from storage.case_tables import Case
from storage.db import transaction
from storage.evaluation_tables import Evaluation, EvaluationAnswer
from storage.meeting_tables import Meeting
from storage.models import Person
from storage.outbox_tables import OutboxMessage
from tests.hardening.hostile import (
    CORPUS,
    Hostile,
    at_edge,
    banner_texts,
    card_problems,
    case_field,
    message_key,
    no_traceback,
    shown_texts,
    shows,
    trimmed,
)
from tests.support.activities import TeamsUser
from tests.support.harness import BotHarness, cards_in, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
SINGLE_LINE = ("title", "submitter_org", "anchored_with")
MULTI_LINE = ("background", "assessment", "proposal")
VALID_CASE = {
    "title": "Felles rutine for utskrivning",
    "submitter_org": "Hamar kommune",
    "anchored": "true",
    "anchored_with": "Kommunaldirektør",
    "case_type": "decision",
    "background": "Bakgrunn.",
    "assessment": "Vurdering.",
    "proposal": "Forslag til vedtak.",
    "economic_impact": "none",
    "meeting": "",
    "attachments": "",
}


class Report:
    """Problems per corpus entry, asserted once at the end with everything that went wrong."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def card(self, where: str, hostile: Hostile, document: Any, *, stored: str | None) -> None:
        for problem in card_problems(document, hostile):
            self.problems.append(f"{hostile.name} / {where}: {problem}")
        if stored and not shows(document, stored):
            self.problems.append(f"{hostile.name} / {where}: the text is not shown (escaped)")

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def _card(body: Any) -> dict[str, Any]:
    assert isinstance(body, dict) and "value" in body, body
    value = body["value"]
    assert isinstance(value, dict)
    return value


def _action_data(document: dict[str, Any], intent: str) -> dict[str, Any]:
    for action in document.get("actions", []):
        data = action.get("data") or {}
        if data.get("intent") == intent:
            return dict(data)
    raise AssertionError(f"no {intent!r} action in {json.dumps(document)[:300]}")


def _fits(hostile: Hostile, limit: int, *, multiline: bool) -> bool:
    return len(case_field(hostile.text, multiline=multiline)) <= limit


async def _cases(bot: BotHarness) -> list[Case]:
    async with bot.sessions() as session:
        return list((await session.exec(select(Case).order_by(col(Case.id)))).all())


# ---------------------------------------------------------------------------------- chat


async def test_hostile_chat_text_gets_the_pointer_to_help_and_is_never_echoed(
    bot: BotHarness,
) -> None:
    report = Report()
    for hostile in CORPUS:
        before = len(bot.connector.activities())
        status, _ = await bot.say(MEMBER, hostile.text)
        report.check(status == 201, f"{hostile.name}: HTTP {status}")
        replies = bot.connector.activities()[before:]
        report.check(len(replies) == 1, f"{hostile.name}: {len(replies)} replies")
        for reply in replies:
            key = message_key(reply.get("text") or "", "nb")
            wanted = "error.too_long" if len(hostile.text) > 10_000 else "error.unknown_command"
            report.check(key == wanted, f"{hostile.name}: reply {reply.get('text')!r}")
            report.check(not no_traceback(reply), f"{hostile.name}: traceback in reply")
    report.assert_clean()


async def test_hostile_text_inside_a_command_is_not_a_command(bot: BotHarness) -> None:
    """A command phrase with hostile text around it is unknown text, not the command."""
    report = Report()
    for phrase in sorted(PHRASES):
        for hostile in CORPUS[:6]:
            before = len(bot.connector.activities())
            await bot.say(MEMBER, f"{phrase} {hostile.text}")
            [reply] = bot.connector.activities()[before:]
            key = message_key(reply.get("text") or "", "nb")
            report.check(key == "error.unknown_command", f"{phrase!r}+{hostile.name}: {reply}")
    report.assert_clean()


async def test_hostile_answers_to_open_dialogs_are_refused_clearly(bot: BotHarness) -> None:
    """Typed while a dialog waits: the language prompt asks again (or takes a number in the text
    as the choice, as botbuilder's ChoicePrompt does), the case form points to the card; nothing
    the person typed comes back."""
    report = Report()
    expected = (
        ("språk", {"language.invalid", "language.saved"}),
        ("meld inn sak", {"case.hint"}),
    )
    for command, wanted in expected:
        for hostile in CORPUS:
            if len(hostile.text) > 10_000:
                continue
            await bot.say(MEMBER, command)
            before = len(bot.connector.activities())
            await bot.say(MEMBER, hostile.text)
            replies = bot.connector.activities()[before:]
            texts = [r.get("text") or "" for r in replies]
            report.check(
                len(texts) == 1 and message_key(texts[0], "nb") in wanted,
                f"{command} + {hostile.name}: {texts}",
            )
            for reply in replies:
                for document in cards_in(reply):
                    report.card(command, hostile, document, stored=None)
        await bot.say(MEMBER, "hjelp")
    report.assert_clean()


async def test_a_hostile_display_name_is_shown_escaped_in_the_help_card(bot: BotHarness) -> None:
    report = Report()
    for n, hostile in enumerate(CORPUS):
        stranger = TeamsUser(f"29:stranger-{n}", f"00000000-0000-4000-8000-{n:012d}", hostile.text)
        status, _ = await bot.say(stranger, "hjelp")
        report.check(status == 201, f"{hostile.name}: HTTP {status}")
        [reply] = await bot.replies_to(stranger)
        [document] = list(cards_in(reply))
        report.card("help card", hostile, document, stored=None)
    report.assert_clean()


# --------------------------------------------------------------------------------- cases


async def _submit(
    bot: BotHarness, user: TeamsUser, values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The card after «Se over», and the receipt after «Send inn» when the form passed."""
    status, body = await bot.act(user, "case.submit", {"intent": "submit", **values})
    assert status == 200, (status, body)
    checked = _card(body)
    if any(a.get("data", {}).get("intent") == "confirm" for a in checked.get("actions", [])):
        status, body = await bot.act(user, "case.submit", _action_data(checked, "confirm"))
        assert status == 200, (status, body)
        return checked, _card(body)
    return checked, None


async def test_hostile_case_fields_are_stored_exactly_and_shown_escaped(
    bot_on: BotHarness,
) -> None:
    """Every text field of the template at once, then every card that shows the case: the
    confirmation, the receipt, `mine saker`, the triage card (as the outbox holds it and as
    `case.triage.show` renders it)."""
    bot = bot_on
    report = Report()
    for hostile in CORPUS:
        values = dict(VALID_CASE)
        values.update({name: hostile.text for name in SINGLE_LINE + MULTI_LINE})
        fits = all(_fits(hostile, 200, multiline=False) for _ in SINGLE_LINE) and _fits(
            hostile, 4_000, multiline=True
        )
        before = await _cases(bot)
        confirm, receipt = await _submit(bot, MEMBER, values)
        after = await _cases(bot)
        if not fits:
            report.check(receipt is None, f"{hostile.name}: over the limit, yet accepted")
            report.check(after == before, f"{hostile.name}: refused, yet a case was stored")
            errors = [message_key(text, "nb") for text in banner_texts(confirm)]
            report.check(
                "case.errors.banner" in errors and "case.error.too_long" in errors,
                f"{hostile.name}: refusal without a clear message: {errors}",
            )
            report.card("refused form", hostile, confirm, stored=None)
            continue
        report.card(
            "confirmation", hostile, confirm, stored=case_field(hostile.text, multiline=True)
        )
        if receipt is None:
            report.check(False, f"{hostile.name}: refused: {banner_texts(confirm)}")
            continue
        [case] = [c for c in after if c not in before]
        for name in SINGLE_LINE:
            wanted = case_field(hostile.text, multiline=False)
            report.check(
                getattr(case, name) == wanted,
                f"{hostile.name}: {name} stored as {getattr(case, name)!r}, not {wanted!r}",
            )
        for name in MULTI_LINE:
            wanted = case_field(hostile.text, multiline=True)
            report.check(
                getattr(case, name) == wanted,
                f"{hostile.name}: {name} stored as {getattr(case, name)!r}, not {wanted!r}",
            )
        title = case.title
        report.card("receipt", hostile, receipt, stored=title)
        before_replies = len(bot.connector.activities())
        await bot.say(MEMBER, "mine saker")
        [mine] = [d for a in bot.connector.activities()[before_replies:] for d in cards_in(a)]
        report.card("mine saker", hostile, mine, stored=title)
        _, body = await bot.act(SECRETARY, "case.triage.show", {"case_id": case.id})
        report.card("triage card", hostile, _card(body), stored=case.background)
        async with bot.sessions() as session:
            notices = (await session.exec(select(OutboxMessage))).all()
        for notice in notices:
            document = notice.payload.get("card")
            if document and f'"case_id": {case.id}' in json.dumps(document):
                report.card("triage notice", hostile, document, stored=title)
    report.assert_clean()


async def test_the_longest_allowed_markdown_still_fits_every_case_card(bot: BotHarness) -> None:
    """4,000 characters that plain() must all escape (twice as long shown) in each long field."""
    specials = ("*_[]()<>#" * 500)[:4_000]
    values = dict(VALID_CASE)
    values.update({name: specials for name in MULTI_LINE})
    values.update({name: specials[:200] for name in SINGLE_LINE})
    hostile = Hostile("specials_4000", specials, ("**", "[]("))
    confirm, receipt = await _submit(bot, MEMBER, values)
    report = Report()
    report.card("confirmation", hostile, confirm, stored=specials)
    assert receipt is not None, banner_texts(confirm)
    report.card("receipt", hostile, receipt, stored=specials[:200])
    [case] = await _cases(bot)
    assert case.background == specials
    _, body = await bot.act(SECRETARY, "case.triage.show", {"case_id": case.id})
    report.card("triage card", hostile, _card(body), stored=specials)
    report.assert_clean()


async def test_hostile_attachment_lines_are_refused_with_the_line_named(bot: BotHarness) -> None:
    report = Report()
    for hostile in CORPUS:
        values = dict(VALID_CASE)
        values["attachments"] = hostile.text
        confirm, receipt = await _submit(bot, MEMBER, values)
        report.check(receipt is None, f"{hostile.name}: a hostile attachment was accepted")
        errors = {message_key(text, "nb") for text in banner_texts(confirm)}
        report.check(
            bool(errors & {"case.error.link_not_https", "case.error.too_long"}),
            f"{hostile.name}: refused without naming the link: {errors}",
        )
        report.card("refused form", hostile, confirm, stored=None)
    assert await _cases(bot) == []
    report.assert_clean()


async def test_hostile_triage_choices_are_refused_and_change_nothing(bot: BotHarness) -> None:
    _, receipt = await _submit(bot, MEMBER, dict(VALID_CASE))
    assert receipt is not None
    [case] = await _cases(bot)
    report = Report()
    for hostile in CORPUS:
        for field in ("route", "section", "minutes", "meeting"):
            values = {"route": "ssu", "section": "decision", "minutes": "20", "meeting": ""}
            values[field] = hostile.text
            _, body = await bot.act(SECRETARY, "case.triage", {"case_id": case.id, **values})
            document = _card(body)
            errors = {message_key(text, "nb") for text in banner_texts(document)}
            report.check(
                "case.triage.errors" in errors or "case.refused.invalid" in errors,
                f"{hostile.name} in {field}: no clear refusal: {errors}",
            )
            report.card(f"triage {field}", hostile, document, stored=None)
    [after] = await _cases(bot)
    assert (after.status, after.route, after.minutes) == ("submitted", None, None)
    report.assert_clean()


# ------------------------------------------------------------------------------ meetings


def _free_days(count: int) -> list[str]:
    """Working days next year, none a public holiday (meetings must not fall on one)."""
    day = datetime.now(UTC).date().replace(month=1, day=10)
    day = day.replace(year=day.year + 1)
    found: list[str] = []
    while len(found) < count:
        if day.weekday() < 5 and public_holiday_name(day) is None:
            found.append(day.isoformat())
        day += timedelta(days=1)
    return found


async def _meeting(bot: BotHarness, meeting_id: int) -> Meeting:
    async with bot.sessions() as session:
        return (await session.exec(select(Meeting).where(Meeting.id == meeting_id))).one()


async def _year_card(bot: BotHarness, user: TeamsUser, year: int) -> dict[str, Any]:
    _, body = await bot.act(user, "meeting.list", {"year": str(year)})
    return _card(body)


async def test_hostile_meeting_places_and_cancel_reasons_are_stored_and_shown_escaped(
    bot_on: BotHarness,
) -> None:
    """`meeting.add` with a hostile place, then `meeting.cancel` with a hostile reason; both are
    shown in the year's list (`meeting.list`) to a member."""
    bot = bot_on
    report = Report()
    days = _free_days(len(CORPUS))
    for hostile, day in zip(CORPUS, days, strict=True):
        data = {
            "step": "submit",
            "body": "AU",
            "date": day,
            "start": "09:00",
            "end": "11:00",
            "form": "physical",
            "location": hostile.text,
        }
        status, body = await bot.act(SECRETARY, "meeting.add", data)
        report.check(status == 200, f"{hostile.name}: HTTP {status}")
        document = _card(body)
        place = trimmed(hostile.text)
        async with bot.sessions() as session:
            rows = (await session.exec(select(Meeting).where(Meeting.body == "AU"))).all()
        added = [row for row in rows if to_oslo(row.start_at).date().isoformat() == day]
        if len(place) > 200:
            report.check(not added, f"{hostile.name}: a place over 200 characters was stored")
            errors = {message_key(text, "nb") for text in banner_texts(document)}
            report.check(
                "meeting.problem.location_too_long" in errors,
                f"{hostile.name}: refused without saying why: {errors}",
            )
            report.card("refused add", hostile, document, stored=None)
            continue
        if len(added) != 1:
            report.check(False, f"{hostile.name}: not added: {banner_texts(document)}")
            continue
        [meeting] = added
        report.check(
            meeting.location == place,
            f"{hostile.name}: place stored as {meeting.location!r}, not {place!r}",
        )
        report.card("meeting added", hostile, document, stored=None)
        year = to_oslo(meeting.start_at).year
        report.card("year list", hostile, await _year_card(bot, MEMBER, year), stored=place)
        cancel = {"meeting_id": meeting.id, "step": "submit", "reason": hostile.text}
        status, body = await bot.act(SECRETARY, "meeting.cancel", cancel)
        document = _card(body)
        reason = trimmed(hostile.text)
        meeting = await _meeting(bot, meeting.id or 0)
        if len(reason) > 1_000:
            report.check(meeting.state != "cancelled", f"{hostile.name}: long reason accepted")
            errors = {message_key(text, "nb") for text in banner_texts(document)}
            report.check(
                "meeting.problem.reason_too_long" in errors,
                f"{hostile.name}: long reason refused without saying why: {errors}",
            )
            report.card("refused cancel", hostile, document, stored=None)
            continue
        report.check(
            meeting.cancel_reason == reason,
            f"{hostile.name}: reason stored as {meeting.cancel_reason!r}, not {reason!r}",
        )
        report.card("meeting cancelled", hostile, document, stored=None)
        listing = await _year_card(bot, MEMBER, year)
        report.card("year list, cancelled", hostile, listing, stored=reason)
    report.assert_clean()


async def test_hostile_meeting_form_values_are_refused_clearly(bot: BotHarness) -> None:
    """Dates, times, body, form and region are choices or formats: hostile text is refused with
    the field named, and no meeting is stored."""
    report = Report()
    [day] = _free_days(1)
    valid = {"step": "submit", "body": "AU", "date": day, "start": "09:00", "end": "11:00"}
    valid |= {"form": "physical", "location": "Hamar"}
    for hostile in CORPUS:
        for field in ("body", "date", "end_date", "start", "end", "form", "region"):
            _, body = await bot.act(SECRETARY, "meeting.add", {**valid, field: hostile.text})
            document = _card(body)
            errors = [message_key(text, "nb") for text in banner_texts(document)]
            report.check(
                any(key and key.startswith("meeting.problem.") for key in errors),
                f"{hostile.name} in {field}: no clear refusal: {errors}",
            )
            report.card(f"add with {field}", hostile, document, stored=None)
    async with bot.sessions() as session:
        assert (await session.exec(select(Meeting))).all() == []
    report.assert_clean()


# ---------------------------------------------------------------------------- evaluation


async def _held_meeting(bot: BotHarness, *, days_ago: int) -> int:
    start = to_oslo(datetime.now(UTC) - timedelta(days=days_ago)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    end = start + timedelta(hours=5)
    deadlines = deadlines_for(Body.SSU, start, end)
    async with transaction(bot.sessions) as session:
        row = Meeting(
            body="SSU",
            title=meeting_title(Body.SSU, start, end),
            start_at=start.astimezone(UTC),
            end_at=end.astimezone(UTC),
            year=start.year,
            form=MeetingForm.physical.value,
            online=False,
            location="Hamar",
            state=MeetingState.HELD.value,
            case_submission_at=deadlines.case_submission.astimezone(UTC),
            notice_at=deadlines.notice.astimezone(UTC),
            protocol_at=deadlines.protocol.astimezone(UTC),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


def _ratings(evaluation: Evaluation, value: str = "4") -> dict[str, str]:
    """``q1`` … ``qN`` for the evaluation's statements (stored per language)."""
    statements = json.loads(evaluation.questions)["statements"]
    count = len(next(iter(statements.values()))) if isinstance(statements, dict) else 0
    assert count > 0, evaluation.questions
    return {f"q{i + 1}": value for i in range(count)}


def _voices() -> list[TeamsUser]:
    with DEMO_ROSTER.open(encoding="utf-8") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["body"] == "SSU" and row["role"] in {"leader", "deputy_leader", "member"}
        ]
    return [USERS[row["email"]] for row in rows]


async def test_hostile_evaluation_comments_are_stored_and_shown_escaped_in_the_results(
    bot_on: BotHarness,
) -> None:
    """Each voice answers with a hostile comment; the secretariat closes the evaluation and the
    results card shows every comment escaped (or shortened to fit, still escaped)."""
    bot = bot_on
    report = Report()
    voices = _voices()
    half = len(CORPUS) // 2  # two meetings: at most one comment per voice, at least 3 answers
    batches = [CORPUS[:half], CORPUS[half:]]
    assert all(3 <= len(batch) <= len(voices) for batch in batches)
    for n, batch in enumerate(batches):
        meeting_id = await _held_meeting(bot, days_ago=n + 1)
        await bot.act(SECRETARY, "evaluation.start", {"meeting_id": meeting_id})
        async with bot.sessions() as session:
            evaluation = (
                await session.exec(select(Evaluation).where(Evaluation.meeting_id == meeting_id))
            ).one()
        ratings = _ratings(evaluation)
        stored: list[str] = []
        for voice, hostile in zip(voices, batch, strict=False):
            data = {"evaluation_id": evaluation.id, **ratings, "comment": hostile.text}
            _, body = await bot.act(voice, "evaluation.answer", data)
            document = _card(body)
            comment = trimmed(hostile.text)
            if len(comment) > 500:
                errors = {message_key(text, "nb") for text in banner_texts(document)}
                report.check(
                    "evaluation.problem.comment_too_long" in errors,
                    f"{hostile.name}: long comment refused without saying why: {errors}",
                )
            else:
                stored.append(comment)
            report.card("poll after answer", hostile, document, stored=None)
        async with bot.sessions() as session:
            answers = (
                await session.exec(
                    select(EvaluationAnswer).where(EvaluationAnswer.evaluation_id == evaluation.id)
                )
            ).all()
        report.check(
            sorted(a.comment or "" for a in answers) == sorted(stored),
            f"batch {n}: comments stored as {[a.comment for a in answers]!r}",
        )
        _, body = await bot.act(SECRETARY, "evaluation.close", {"evaluation_id": evaluation.id})
        results = _card(body)
        for hostile in batch:
            report.card("results", hostile, results, stored=None)
        shown = sum(shows(results, comment, chars=20) for comment in stored if comment)
        report.check(shown >= 1, f"batch {n}: the results card shows no comment")
    report.assert_clean()


async def test_hostile_ratings_are_refused_with_the_statement_named(bot: BotHarness) -> None:
    meeting_id = await _held_meeting(bot, days_ago=1)
    await bot.act(SECRETARY, "evaluation.start", {"meeting_id": meeting_id})
    async with bot.sessions() as session:
        evaluation = (await session.exec(select(Evaluation))).one()
    report = Report()
    for hostile in CORPUS:
        data = {"evaluation_id": evaluation.id, **_ratings(evaluation), "comment": "ok"}
        data["q1"] = hostile.text
        _, body = await bot.act(MEMBER, "evaluation.answer", data)
        document = _card(body)
        errors = {message_key(text, "nb") for text in banner_texts(document)}
        wanted = {"evaluation.problem.rating_invalid", "evaluation.problem.rating_missing"}
        report.check(
            "evaluation.poll.errors" in errors and bool(errors & wanted),
            f"{hostile.name}: no clear refusal: {errors}",
        )
        report.card("poll refused", hostile, document, stored=None)
    async with bot.sessions() as session:
        assert (await session.exec(select(EvaluationAnswer))).all() == []
    report.assert_clean()


# ------------------------------------------------------------------ settings, attendance


async def test_hostile_language_choices_are_refused_and_keep_the_language(
    bot: BotHarness,
) -> None:
    report = Report()
    for hostile in CORPUS:
        _, body = await bot.act(MEMBER, "settings.language", {"language": hostile.text})
        document = _card(body)
        errors = {message_key(text, "nb") for text in banner_texts(document)}
        errors |= {message_key(text, "nb") for text in _texts(document)}
        report.check("language.invalid" in errors, f"{hostile.name}: no clear refusal: {errors}")
        report.card("language", hostile, document, stored=None)
    async with bot.sessions() as session:
        people = (await session.exec(select(Person).where(col(Person.locale).is_not(None)))).all()
    assert people == []
    report.assert_clean()


def _texts(document: dict[str, Any]) -> Iterable[str]:
    return shown_texts(document)


async def test_hostile_attendance_values_are_refused_clearly(bot: BotHarness) -> None:
    meeting_id = await _held_meeting(bot, days_ago=0)
    report = Report()
    for hostile in CORPUS:
        for verb, data in (
            ("attendance.set", {"meeting_id": meeting_id, "person_id": 2, "status": hostile.text}),
            ("attendance.set", {"meeting_id": meeting_id, "person_id": hostile.text}),
            ("attendance.check_in", {"meeting_id": hostile.text}),
            ("meeting.absence", {"meeting_id": hostile.text}),
        ):
            status, body = await bot.act(SECRETARY, verb, data)
            report.check(status == 200, f"{hostile.name} {verb}: HTTP {status}")
            document = _card(body)
            errors = [message_key(text, "nb") for text in banner_texts(document)]
            report.check(
                bool(errors) and all(errors) and "error.apology" not in errors,
                f"{hostile.name} {verb} {sorted(data)}: no clear refusal: {errors}",
            )
            report.card(verb, hostile, document, stored=None)
        data = {"meeting_id": meeting_id, "confirm": hostile.text}
        _, body = await bot.act(SECRETARY, "meeting.close", data)
        document = _card(body)
        report.check(
            "attendance.close.title" in {message_key(text, "nb") for text in shown_texts(document)},
            f"{hostile.name}: meeting.close without «yes» does not ask to confirm",
        )
        report.card("meeting.close", hostile, document, stored=None)
    assert (await _meeting(bot, meeting_id)).state == MeetingState.HELD.value
    report.assert_clean()


# ----------------------------------------------------------------------------- consensus

CHAT = "19:meeting_aG9zdGlsZWNvbnNlbnN1cw@thread.v2"
IN_CHAT = {"conversation_id": CHAT, "conversation_type": "groupChat"}
OBSERVER = USERS["sissel.ruud@demo.ssu.example"]
LEADER = USERS["hilde.vang@demo.ssu.example"]


async def _open_meeting_in_chat(bot: BotHarness, present: Iterable[TeamsUser]) -> int:
    start = to_oslo(datetime.now(UTC) + timedelta(hours=1)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=5)
    deadlines = deadlines_for(Body.SSU, start, end)
    async with transaction(bot.sessions) as session:
        row = Meeting(
            body="SSU",
            title=meeting_title(Body.SSU, start, end),
            start_at=start.astimezone(UTC),
            end_at=end.astimezone(UTC),
            year=start.year,
            form=MeetingForm.physical.value,
            online=False,
            location="Hamar",
            state=MeetingState.NOTICE_PUBLISHED.value,
            case_submission_at=deadlines.case_submission.astimezone(UTC),
            notice_at=deadlines.notice.astimezone(UTC),
            protocol_at=deadlines.protocol.astimezone(UTC),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        meeting_id = row.id
    status, _ = await bot.act(LEADER, "meeting.open", {"meeting_id": meeting_id}, **IN_CHAT)
    assert status == 200
    for user in present:
        await bot.act(user, "attendance.check_in", {"meeting_id": meeting_id}, **IN_CHAT)
    return meeting_id


async def _decision_case(bot: BotHarness, meeting_id: int, n: int) -> int:
    async with transaction(bot.sessions) as session:
        row = Case(
            year=2026,
            number=100 + n,
            submission_key=f"hostile-consensus-{n:04d}",
            title="Felles rutine",
            submitter_org="Hamar kommune",
            anchored_with="Leder",
            case_type="decision",
            background="Bakgrunn.",
            assessment="Vurdering.",
            proposal="Forslag til vedtak.",
            economic_impact="minor",
            meeting_id=meeting_id,
            status="triaged",
            route="ssu",
            section="decision",
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def test_hostile_consensus_texts_are_stored_and_shown_escaped(bot_on: BotHarness) -> None:
    """The chair's decision text (one round per string), a member's objection reason and an
    observer's input (changed through the whole corpus): stored as the consensus rules
    normalise them, shown escaped in the round card posted in the meeting chat and in each
    person's own view."""
    from storage.consensus_tables import ConsensusAnswer, ConsensusInput, ConsensusRound

    bot = bot_on
    report = Report()
    meeting_id = await _open_meeting_in_chat(bot, [LEADER, MEMBER, OBSERVER])
    first_round: int | None = None
    for n, hostile in enumerate(CORPUS):
        case_id = await _decision_case(bot, meeting_id, n)
        data = {"case_id": case_id, "decision_text": hostile.text}
        posted_before = len(bot.connector.activities(CHAT))
        status, body = await bot.act(LEADER, "consensus.start", data, **IN_CHAT)
        report.check(status == 200, f"{hostile.name}: HTTP {status}")
        document = _card(body)
        wanted = case_field(hostile.text, multiline=True)
        async with bot.sessions() as session:
            rounds = (
                await session.exec(select(ConsensusRound).where(ConsensusRound.case_id == case_id))
            ).all()
        if len(wanted) > 4_000:
            report.check(not rounds, f"{hostile.name}: an overlong decision text was stored")
            report.check(bool(banner_texts(document)), f"{hostile.name}: refused without a word")
            report.card("refused start", hostile, document, stored=None)
            continue
        if len(rounds) != 1:
            report.check(False, f"{hostile.name}: no round: {banner_texts(document)}")
            continue
        report.check(
            rounds[0].decision_text == wanted,
            f"{hostile.name}: decision stored as {rounds[0].decision_text!r}",
        )
        first_round = first_round or rounds[0].id
        report.card("round started", hostile, document, stored=None)
        for activity in bot.connector.activities(CHAT)[posted_before:]:
            for posted in cards_in(activity):
                report.card("round card in the chat", hostile, posted, stored=wanted)
    assert first_round is not None
    item = {"item_id": first_round}
    for hostile in CORPUS:
        wanted = case_field(hostile.text, multiline=True)
        answer = {**item, "position": "object", "reason": hostile.text}
        _, body = await bot.act(MEMBER, "consensus.respond", answer, **IN_CHAT)
        report.card("own answer", hostile, _card(body), stored=None)
        async with bot.sessions() as session:
            stored = (await session.exec(select(ConsensusAnswer))).all()
        reasons = [a.reason for a in stored if a.round_id == first_round]
        if len(wanted) > 1_000:
            report.check(wanted not in reasons, f"{hostile.name}: an overlong reason was stored")
        else:
            report.check(reasons == [wanted], f"{hostile.name}: reason stored as {reasons!r}")
            for update in bot.connector.updates(CHAT)[-1:]:
                for shared in cards_in(update):
                    report.card("round card updated", hostile, shared, stored=None)
        _, body = await bot.act(
            OBSERVER, "consensus.input", {**item, "input": hostile.text}, **IN_CHAT
        )
        report.card("observer input", hostile, _card(body), stored=None)
        async with bot.sessions() as session:
            inputs = [i.text for i in (await session.exec(select(ConsensusInput))).all()]
        if len(wanted) > 2_000:
            report.check(wanted not in inputs, f"{hostile.name}: an overlong input was stored")
        else:
            report.check(wanted in inputs, f"{hostile.name}: input stored as {inputs[-1:]!r}")
    _, body = await bot.act(LEADER, "consensus.refresh", item, **IN_CHAT)
    report.card("chair's view", CORPUS[0], _card(body), stored=None)
    report.assert_clean()


def _inputs(document: dict[str, Any]) -> dict[str, Any]:
    """Every input's id and value, as Teams merges them into the action's data."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input.") and "id" in node:
                found[node["id"]] = node.get("value", "")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


async def test_hostile_places_in_the_year_plan_are_stored_and_shown_escaped(
    bot: BotHarness,
) -> None:
    """`meeting.plan.approve` takes a place per proposed meeting (`<slot>.location`): the corpus
    goes into next year's and the year after's plans, a string per slot."""
    report = Report()
    remaining = list(CORPUS)
    year = datetime.now(UTC).year + 1
    while remaining:
        _, body = await bot.act(SECRETARY, "meeting.plan.show", {"year": str(year)})
        values = _inputs(_card(body))
        slots = sorted(key for key in values if key.endswith(".location"))
        assert slots, "the plan card has no place inputs"
        placed = dict(zip(slots, remaining, strict=False))
        remaining = remaining[len(placed) :]
        data = {**values, **{slot: h.text for slot, h in placed.items()}, "year": year}
        _, body = await bot.act(SECRETARY, "meeting.plan.approve", data)
        document = _card(body)
        too_long = [h for h in placed.values() if len(trimmed(h.text)) > 200]
        async with bot.sessions() as session:
            stored = {
                m.location
                for m in (await session.exec(select(Meeting).where(Meeting.year == year))).all()
            }
        if too_long:
            errors = {message_key(text, "nb") for text in banner_texts(document)}
            report.check(
                "meeting.problem.location_too_long" in errors,
                f"{year}: an overlong place refused without saying why: {errors}",
            )
            report.check(not stored, f"{year}: refused, yet meetings were stored")
            for hostile in too_long:
                report.card("refused plan", hostile, document, stored=None)
            remaining += [hostile for hostile in placed.values() if hostile not in too_long]
            year += 1
            continue
        for hostile in placed.values():
            place = trimmed(hostile.text) or None
            report.check(place in stored, f"{hostile.name}: place not stored as {place!r}")
            report.card("plan applied", hostile, document, stored=None)
        listing = await _year_card(bot, MEMBER, year)
        for hostile in placed.values():
            report.card("year list", hostile, listing, stored=trimmed(hostile.text))
        year += 1
    report.assert_clean()


# ------------------------------------------------------------------------------ protocol


def _protocol_text(text: str) -> str:
    """A protocol field as stored (bot/domain/protocol.py): NFC, LF line ends, lines and the
    whole trimmed — control characters are kept (they are hashed as written)."""
    value = unicodedata.normalize("NFC", at_edge(text).replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def _execute_data(document: dict[str, Any], verb: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb:
                found.append(dict(node.get("data") or {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert found, f"no {verb} in {json.dumps(document)[:300]}"
    return found[0]


async def test_hostile_protocol_texts_are_stored_shown_escaped_and_signed(
    bot_on: BotHarness,
) -> None:
    """The secretariat's per-case texts (treated, process, decision) through the corpus, each
    edit a new hashed version; a signer's send-back comment (stored on one line); then both
    signatures, so the hostile text also goes through the signed PDF."""
    from storage.protocol_tables import Protocol, ProtocolComment, ProtocolVersion
    from tests.bot.services.test_protocol import DEPUTY_LEADER, add_case, held_meeting
    from tests.bot.services.test_protocol import LEADER as LEADER_EMAIL

    bot = bot_on
    report = Report()
    leader, deputy = USERS[LEADER_EMAIL], USERS[DEPUTY_LEADER]
    meeting_id = await held_meeting(bot.sessions)
    case_id = await add_case(bot.sessions, meeting_id, 3)
    _, body = await bot.act(SECRETARY, "protocol.draft", {"meeting_id": meeting_id})
    document = _card(body)
    for hostile in CORPUS:
        save = _execute_data(document, "protocol.edit")
        fields = {f"{name}_{case_id}": hostile.text for name in ("treated", "process", "decision")}
        _, body = await bot.act(SECRETARY, "protocol.edit", {**save, **fields})
        edited = _card(body)
        wanted = _protocol_text(hostile.text)
        async with bot.sessions() as session:
            latest = (
                await session.exec(select(ProtocolVersion).order_by(col(ProtocolVersion.id).desc()))
            ).first()
        assert latest is not None
        if len(wanted) > 4_000:
            report.check(
                wanted not in latest.content, f"{hostile.name}: an overlong text was stored"
            )
            report.check(bool(banner_texts(edited)), f"{hostile.name}: refused without a word")
            report.card("refused edit", hostile, edited, stored=None)
        else:
            stored = json.loads(latest.content)
            texts = [value for case in stored.get("cases", []) for value in case.values() if value]
            report.check(wanted in texts, f"{hostile.name}: not stored as {wanted!r}")
            report.card("edited draft", hostile, edited, stored=None)
            document = edited
    _, body = await bot.act(
        SECRETARY, "protocol.publish", _execute_data(document, "protocol.publish")
    )
    report.check(not banner_texts(_card(body)), f"publish refused: {banner_texts(_card(body))}")
    async with bot.sessions() as session:
        row = (await session.exec(select(Protocol))).one()
    for hostile in CORPUS:
        data = {"protocol_id": row.id, "version": row.current_sha, "comment": hostile.text}
        async with bot.sessions() as session:
            before = len((await session.exec(select(ProtocolComment))).all())
        _, body = await bot.act(leader, "protocol.return", data)
        sent_back = _card(body)
        report.card("sent back", hostile, sent_back, stored=None)
        async with bot.sessions() as session:
            comments = [c.text for c in (await session.exec(select(ProtocolComment))).all()]
        if banner_texts(sent_back):
            report.check(len(comments) == before, f"{hostile.name}: refused, yet stored")
        else:
            report.check(
                len(comments) == before + 1 and " ".join(at_edge(hostile.text).split()) in comments,
                f"{hostile.name}: comment stored as {comments[-1:]!r}",
            )
    _, body = await bot.act(SECRETARY, "protocol.draft", {"meeting_id": meeting_id})
    for hostile in CORPUS:
        report.card("the protocol with its comments", hostile, _card(body), stored=None)
    for user in (leader, deputy):
        _, body = await bot.act(
            user, "protocol.sign", {"protocol_id": row.id, "version": row.current_sha}
        )
        report.check(not banner_texts(_card(body)), f"signing refused: {banner_texts(_card(body))}")
    async with bot.sessions() as session:
        row = (await session.exec(select(Protocol))).one()
    report.check(row.state == "signed", f"the protocol is {row.state}, not signed")
    report.assert_clean()
