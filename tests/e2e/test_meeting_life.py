"""End to end: a meeting's whole life, from the year's plan to the signed protocol, in Teams.

The real bot (``ssu-bot serve``: the demo roster imported, no meetings yet, SQLite, the
scheduler delivering the outbox) behind the Microsoft 365 Agents Playground, driven through the
Playground's HTTP API only.  Everyone has a Teams client of their own: one Playground per mock
user of ``.m365agentsplayground.yml`` (its page shows one signed-in user; another user's
one-to-one chat with the bot is not shown there), each with that user as the signed-in user and a
personal chat of their own.  The meeting chat (the group chat) and the committee's team channel
are in the secretariat's client, where every mock user is a member and writes as themselves.
Each person first chooses Norwegian on the help card (Hjelp → Språk): the Playground says en-US.
Messages a bot sends later (the outbox: triage card, notices, polls, signing cards) reach each
person in their own client, as in Teams.

The chain, each step checking what the person sees (card texts and numbers):

1. Eva (secretariat) approves next year's meeting plan (``møteplan``);
2. Per (member) submits a case (``meld inn sak``), once with a required field missing (the same
   card comes back with the error), then complete; confirms; gets the receipt with ``NN/YY``;
3. Eva gets the triage card and routes the case to SSU as a decision case on the first meeting;
4. Eva brings that meeting forward to start in a minute or two, today (there is no fake clock: a
   case deadline not yet passed means a meeting at least three weeks away, and only a meeting
   whose start has come can be evaluated), builds the agenda and publishes the notice — late
   now, so first refused without a reason, then with one; the team channel and everyone called
   get it;
5. Per reports his absence with the notice's button; Geir (his personal deputy) gets the notice;
6. Hilde (leader) opens the meeting in the meeting chat (``åpne møte``); Hilde, Ingrid, Geir and
   Sissel check in; Eva records the members who are no mock users as present; quorum holds;
7. Hilde puts the case to a consensus round; Hilde, Ingrid and Geir answer (Ingrid changes her
   answer), Sissel (observer) gives input that is not counted; the live tally; closed: consensus;
8. once its start has come, the meeting ends (a Teams meetingEnd event, sent as a custom
   activity): the self-evaluation goes to those present; three answer; Hilde closes it; the
   results show the means;
9. Eva drafts and publishes the protocol; Hilde and Ingrid sign it on their personal cards
   (``protocol.sign``); the protocol is final.

The wall time of the whole run and of each step is printed (``-s`` shows it) and recorded as the
test's ``wall_time_seconds`` property; what every client showed is written to
``artifacts/e2e-meeting-life/transcript.txt``, the bot's log beside it.  Most of the run is the
wait for the meeting's start.  Runs only inside the loopback-only namespace of scripts/test:
skipped elsewhere, failed under CI=true (tests/e2e/conftest.py); also skipped on a Norwegian
public holiday, when no meeting may be held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.domain.calendar import OSLO, meeting_days, public_holiday_name
from bot.i18n import t

from .conftest import DEMO_ROSTER, PLAYGROUND_CONFIG
from .playground import (
    REPO,
    BotMessage,
    BotProcess,
    Playground,
    PlaygroundError,
    card_actions,
    card_choices,
    card_inputs,
    card_text,
)

pytestmark = [pytest.mark.playground]

log = logging.getLogger(__name__)

NB = "nb"
WAIT = 60.0
"""Seconds to wait for one specific reply: generous for a busy 2-CPU CI machine, yet bounded."""
CASE_NUMBER = re.compile(r"\b(\d{1,4})/(\d{2})\b")

EVA, HILDE, INGRID, PER, GEIR, SISSEL = (
    "user-secretary",
    "user-leader",
    "user-deputy-leader",
    "user-member",
    "user-personal-deputy",
    "user-observer",
)


# --------------------------------------------------------------------------------------------------
# The clients
# --------------------------------------------------------------------------------------------------


def client_config(user_id: str, directory: Path) -> Path:
    """The repository's Playground config with ``user_id`` as the signed-in user and a personal
    chat of their own (the bot keeps one conversation per chat id)."""
    config: dict[str, Any] = yaml.safe_load(PLAYGROUND_CONFIG.read_text(encoding="utf-8"))
    users = [config["currentUser"], *config.get("users", [])]
    (me,) = [u for u in users if u["id"] == user_id]
    config["currentUser"] = me
    config["users"] = [u for u in users if u is not me]
    config["personalChat"] = {"id": f"a:personal-{user_id}"}
    path = directory / f"playground-{user_id}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Person:
    """A mock user and their own Teams client (a Playground with them signed in)."""

    user_id: str
    name: str
    pg: Playground

    @property
    def chat(self) -> str:
        return self.pg.personal_chat_id


@dataclass
class Card:
    """A card as one person sees it: which client, chat and message it is in, and its JSON."""

    pg: Playground
    conversation_id: str
    message_id: str
    content: dict[str, Any]

    @property
    def text(self) -> str:
        return card_text(self.content)


@dataclass
class Life:
    """The run: the bot, everyone's client, and what the steps learn on the way."""

    bot: BotProcess
    people: dict[str, Person]
    room: Playground  # the secretariat's client: the meeting chat and the team channel
    started: float = field(default_factory=time.monotonic)
    steps: list[tuple[str, float]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)

    def record(self, line: str) -> None:
        self.actions.append(f"[{time.monotonic() - self.started:6.1f} s] {line}")

    # ---------------------------------------------------------------------------------- waiting
    async def wait(
        self,
        pg: Playground,
        conversation_id: str,
        predicate: Callable[[BotMessage], bool],
        since: int,
        what: str,
        timeout: float = WAIT,
    ) -> BotMessage:
        def match(message: BotMessage) -> bool:
            return message.conversation_id == conversation_id and predicate(message)

        try:
            return await pg.wait_for_reply(match, timeout=timeout, since=since)
        except TimeoutError as exc:
            raise AssertionError(
                f"waiting for {what} in {conversation_id} ({pg.current_user_id}'s client): {exc}"
                f"\n--- bot log ---\n{self.bot.log_tail()}"
            ) from None

    async def wait_card(
        self,
        pg: Playground,
        conversation_id: str,
        since: int,
        what: str,
        *needles: str,
        timeout: float = WAIT,
    ) -> Card:
        """The first card (from ``since``) in that chat whose text has every needle."""

        def has(message: BotMessage) -> bool:
            return any(all(n in card_text(c) for n in needles) for c in message.adaptive_cards)

        message = await self.wait(pg, conversation_id, has, since, what, timeout)
        content = next(c for c in message.adaptive_cards if all(n in card_text(c) for n in needles))
        return Card(pg, conversation_id, message.message_id, content)

    # ----------------------------------------------------------------------------------- acting
    async def say(self, person: Person, text: str) -> int:
        """``person`` writes ``text`` in their chat with the bot; returns the mark to wait from."""
        mark = person.pg.mark()
        self.record(f"{person.name} writes {text!r} in the chat with the bot")
        await person.pg.send_message(person.chat, person.user_id, text)
        return mark

    async def say_in_meeting_chat(self, person: Person, text: str) -> int:
        """``person`` writes ``@SSU-assistenten text`` in the meeting chat (as themselves: the
        Playground's message API would say the signed-in user wrote it)."""
        mark = self.room.mark()
        self.record(f"{person.name} writes {text!r} in the meeting chat")
        await self.room.send_message_activity(
            self.room.group_chat_id, person.user_id, text, mention_bot=True
        )
        return mark

    async def press(
        self,
        person: Person,
        card: Card,
        verb: str,
        *,
        data: Mapping[str, Any] | None = None,
        inputs: Mapping[str, str] | None = None,
    ) -> Card:
        """``person`` presses the Action.Execute ``verb`` (the first whose data has ``data``) on
        ``card``; the card's inputs go with it, as in a client, ``inputs`` typed over them.
        Returns the card the bot answers with (which replaces it)."""
        candidates = [
            a
            for a in card_actions(card.content, verb)
            if all((a.get("data") or {}).get(k) == v for k, v in (data or {}).items())
        ]
        assert candidates, f"no {verb} button {data or ''} on the card:\n{card.text}"
        action = candidates[0]
        values: dict[str, Any] = {}
        if action.get("associatedInputs") != "none":
            values = card_inputs(card.content)
            values.update(inputs or {})
        try:
            answer = await card.pg.invoke_card_action(
                card.conversation_id,
                person.user_id,
                card.message_id,
                verb,
                data=dict(action.get("data") or {}),
                inputs=values,
                title=action.get("title"),
            )
        except PlaygroundError as exc:
            raise AssertionError(
                f"{person.name} pressed {verb}: {exc}\n--- bot log ---\n{self.bot.log_tail()}"
            ) from None
        content = answer.get("value")
        assert isinstance(content, dict) and content.get("type") == "AdaptiveCard", answer
        typed = {k: v for k, v in (inputs or {}).items() if v}
        self.record(
            f"{person.name} presses {action.get('title') or verb!r} ({verb}"
            f"{f', {typed}' if typed else ''}) -> "
            + " | ".join(card_text(content).splitlines()[:3])
        )
        return Card(card.pg, card.conversation_id, card.message_id, content)

    def done(self, step: str) -> None:
        elapsed = time.monotonic() - self.started
        self.steps.append((step, elapsed))
        log.info("e2e step done", extra={"step": step, "elapsed": round(elapsed, 1)})


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def run_started() -> float:
    """When the run began: before the bot process starts (requested before it)."""
    return time.monotonic()


@pytest.fixture
async def life(run_started: float, roster_bot: BotProcess, tmp_path: Path) -> AsyncIterator[Life]:
    """Everyone's client started (in parallel); the steps open the chats."""
    config: dict[str, Any] = yaml.safe_load(PLAYGROUND_CONFIG.read_text(encoding="utf-8"))
    users = [config["currentUser"], *config["users"]]
    clients = [
        Playground(roster_bot.endpoint, config_file=client_config(u["id"], tmp_path)) for u in users
    ]
    entered: list[Playground] = []
    try:
        results = await asyncio.gather(*(c.__aenter__() for c in clients), return_exceptions=True)
        entered = [c for c, r in zip(clients, results, strict=True) if r is c]
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        people = {
            u["id"]: Person(u["id"], u["name"], pg) for u, pg in zip(users, clients, strict=True)
        }
        room = people[EVA].pg
        yield Life(roster_bot, people, room, started=run_started)
    finally:
        await asyncio.gather(*(c.close() for c in entered), return_exceptions=True)


# --------------------------------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------------------------------


async def step_0_everyone_installs_and_chooses_norwegian(life: Life) -> None:
    """Each person opens the bot's chat (the welcome card), then Help → Language → Norsk."""

    async def one(person: Person) -> None:
        mark = person.pg.mark()
        await person.pg.open_conversation(person.chat)
        welcome = await life.wait_card(
            person.pg, person.chat, mark, f"the welcome card for {person.name}", "SSU"
        )
        helped = await life.press(person, welcome, "help.show")
        assert person.name in helped.text, helped.text
        choose = await life.press(person, helped, "settings.language")
        saved = await life.press(person, choose, "settings.language", inputs={"language": NB})
        assert t("language.saved", NB) in saved.text, saved.text

    await asyncio.gather(*(one(p) for p in life.people.values()))
    room = life.room
    for conversation in (room.group_chat_id, room.team["id"]):
        mark = room.mark()
        await room.open_conversation(conversation)
        await life.wait_card(room, conversation, mark, "the welcome card", "SSU")
    life.done("0 clients")


async def step_1_secretariat_approves_the_year(life: Life) -> None:
    eva = life.people[EVA]
    year = datetime.now(OSLO).year + 1
    mark = await life.say(eva, "møteplan")
    plan = await life.wait_card(
        eva.pg, eva.chat, mark, "the plan card", t("meeting.plan.title", NB, year=year)
    )
    assert "SSU-møte torsdag" in plan.text, plan.text
    approved = await life.press(eva, plan, "meeting.plan.approve", data={"year": year})
    assert t("meeting.applied.title", NB, year=year) in approved.text, approved.text
    created = re.search(r"(\d+) møter er opprettet", approved.text)
    assert created is not None and int(created.group(1)) >= 4, approved.text
    life.done("1 plan")


async def step_2_member_submits_a_case(life: Life) -> None:
    per = life.people[PER]
    mark = await life.say(per, "meld inn sak")
    form = await life.wait_card(
        per.pg, per.chat, mark, "the case form", t("case.form.title", NB), t("case.field.title", NB)
    )
    choices = [(v, title) for v, title in card_choices(form.content, "meeting") if v]
    ssu = [(v, title) for v, title in choices if title.startswith("SSU-møte")]
    assert ssu, f"no SSU meeting offered: {choices}"
    meeting_id = ssu[0][0]  # the first SSU meeting of next year
    life.facts["meeting_id"] = int(meeting_id)
    typed = {
        "title": "Felles rutine for utskrivning av eldre pasienter",
        "submitter_org": "Sykehuset Innlandet HF, divisjon Gjøvik-Lillehammer",
        "anchored": "true",
        "anchored_with": "Åse Ødegård, divisjonsdirektør",
        "case_type": "decision",
        "background": "Eldre pasienter skrives ut uten at kommunen får beskjed i tide.",
        "assessment": "En felles rutine gir færre reinnleggelser og tryggere overganger.",
        "proposal": "",  # left out: a decision case needs one
        "economic_impact": "minor",
        "meeting": meeting_id,
        "attachments": "https://portal.example/saker/utskrivning.pdf",
    }
    again = await life.press(per, form, "case.submit", data={"intent": "submit"}, inputs=typed)
    assert t("case.errors.banner", NB) in again.text, again.text
    assert t("case.error.proposal_required", NB) in again.text, again.text
    assert t("case.form.title", NB) in again.text
    kept = card_inputs(again.content)
    assert kept["title"] == typed["title"] and kept["meeting"] == meeting_id, kept

    typed["proposal"] = "SSU slutter seg til felles rutine for utskrivning av eldre pasienter."
    confirm = await life.press(per, again, "case.submit", data={"intent": "submit"}, inputs=typed)
    assert t("case.confirm.title", NB) in confirm.text, confirm.text
    assert typed["title"] in confirm.text and typed["proposal"] in confirm.text, confirm.text
    receipt = await life.press(per, confirm, "case.submit", data={"intent": "confirm"})
    number = CASE_NUMBER.search(receipt.text)
    assert number is not None, receipt.text
    assert number.group(2) == f"{datetime.now(OSLO).year % 100:02d}", receipt.text
    assert t("case.receipt.title", NB, number=number.group(0)) in receipt.text, receipt.text
    life.facts["case_number"] = number.group(0)
    life.facts["case_title"] = typed["title"]
    life.facts["proposal"] = typed["proposal"]
    life.done("2 case")


async def step_3_secretariat_triages_the_case(life: Life) -> None:
    eva, per = life.people[EVA], life.people[PER]
    number = life.facts["case_number"]
    # The triage card comes through the outbox to each secretary's own chat.
    triage = await life.wait_card(
        eva.pg, eva.chat, 0, "the triage card", t("case.triage.title", NB, number=number)
    )
    assert life.facts["case_title"] in triage.text and life.facts["proposal"] in triage.text
    mark = per.pg.mark()
    triaged = await life.press(
        eva,
        triage,
        "case.triage",
        inputs={
            "route": "ssu",
            "meeting": str(life.facts["meeting_id"]),
            "section": "decision",
            "minutes": "30",
        },
    )
    assert t("case.triage.done", NB, number=number) in triaged.text, triaged.text
    for shown in (
        t("case.route.ssu", NB),
        t("case.section.decision", NB),
        t("case.minutes", NB, minutes=30),
    ):
        assert shown in triaged.text, (shown, triaged.text)
    # The submitter is told (a note in his chat).
    await life.wait(
        per.pg,
        per.chat,
        lambda m: number in m.all_text() and t("case.route.ssu", NB) in m.all_text(),
        mark,
        "the status note to the submitter",
    )
    life.done("3 triage")


LEAD = timedelta(seconds=45)
"""At least this long from bringing the meeting forward to its start: the notice must be
published before the meeting begins (the bot refuses it after), even on a slow machine."""


def meeting_time_today() -> tuple[datetime, datetime]:
    """The meeting brought forward: it starts on the first whole minute (the form takes hours
    and minutes) at least ``LEAD`` from now, and lasts an hour (or until midnight), Oslo time."""
    earliest = datetime.now(OSLO) + LEAD
    start = earliest.replace(second=0, microsecond=0)
    if start < earliest:
        start += timedelta(minutes=1)
    midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), OSLO)
    end = min(start + timedelta(hours=1), midnight)
    return start, end


def holiday_today() -> str | None:
    """The Norwegian public holiday the meeting would fall on, if any: no meeting may be held
    on one (the bot refuses to move it there), so on those days the chain cannot run."""
    start, end = meeting_time_today()
    for day in meeting_days(start, end + timedelta(minutes=10)):
        name = public_holiday_name(day)
        if name is not None:
            return f"{day.isoformat()} is {name}"
    return None


async def step_4_meeting_brought_forward_and_notice_published(life: Life) -> None:
    eva = life.people[EVA]
    meeting_id = life.facts["meeting_id"]

    # The first meeting of next year is brought forward to today.
    start, end = meeting_time_today()
    mark = await life.say(eva, "neste møte")
    upcoming = await life.wait_card(
        eva.pg, eva.chat, mark, "the next meeting", t("meeting.next.title", NB)
    )
    move = await life.press(eva, upcoming, "meeting.move", data={"meeting_id": meeting_id})
    assert t("meeting.move.title", NB) in move.text, move.text
    moved = await life.press(
        eva,
        move,
        "meeting.move",
        data={"step": "submit"},
        inputs={
            "date": start.date().isoformat(),
            "end_date": end.date().isoformat() if end.date() != start.date() else "",
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
        },
    )
    assert t("meeting.move.done_title", NB) in moved.text, moved.text
    life.facts["start"], life.facts["end"] = start, end

    # The agenda of the meeting, then the notice: past its deadline now, so with a reason.
    mark = await life.say(eva, "saksliste")
    agenda = await life.wait_card(eva.pg, eva.chat, mark, "the agenda", t("agenda.title", NB))
    assert life.facts["case_title"] in agenda.text, agenda.text
    assert t("agenda.part.decision", NB) in agenda.text
    # "… (passert: kortere frist må begrunnes)": the notice deadline is behind us now.
    passed = t("agenda.deadline.passed", NB, date="", time="").split("(")[1].rstrip(")")
    assert passed in agenda.text, agenda.text
    preview = await life.press(eva, agenda, "notice.preview", data={"meeting_id": meeting_id})
    assert t("notice.preview.title", NB) in preview.text, preview.text
    assert life.facts["case_title"] in preview.text, preview.text
    refused = await life.press(
        eva, preview, "notice.publish", data={"meeting_id": meeting_id}, inputs={"reason": ""}
    )
    assert t("notice.preview.title", NB) in refused.text, refused.text
    assert t("notice.error.reason_required", NB, limit=5) in refused.text, refused.text
    reason = "Hastesak: utskrivningsrutinen må vedtas før jul."
    before = {p.user_id: p.pg.mark() for p in life.people.values()}
    channel_mark = life.room.mark()
    published = await life.press(
        eva, refused, "notice.publish", data={"meeting_id": meeting_id}, inputs={"reason": reason}
    )
    assert t("notice.published.title", NB) in published.text, published.text
    assert t("notice.published.late", NB) in published.text
    assert reason in published.text

    # The team channel gets the notice, and so does every member and observer personally.
    title_part = "Innkalling"
    await life.wait_card(
        life.room,
        life.room.team["id"],
        channel_mark,
        "the notice in the team channel",
        title_part,
        life.facts["case_title"],
    )
    life.facts["notices"] = {}
    for user in (PER, HILDE, INGRID, SISSEL):
        person = life.people[user]
        life.facts["notices"][user] = await life.wait_card(
            person.pg,
            person.chat,
            before[user],
            f"the notice to {person.name}",
            title_part,
            life.facts["case_title"],
            t("notice.card.late", NB),
        )
    life.done("4 notice")


async def step_5_member_absent_deputy_gets_the_notice(life: Life) -> None:
    per, geir, eva = life.people[PER], life.people[GEIR], life.people[EVA]
    notice: Card = life.facts["notices"][PER]
    geir_mark, eva_mark = geir.pg.mark(), eva.pg.mark()
    reported = await life.press(
        per, notice, "meeting.absence", data={"meeting_id": life.facts["meeting_id"]}
    )
    assert t("attendance.absence.title", NB) in reported.text, reported.text
    assert t("attendance.absence.deputy", NB, name=geir.name) in reported.text, reported.text
    # Geir is called in, and gets the notice with its documents personally.
    await life.wait(
        geir.pg,
        geir.chat,
        lambda m: t("attendance.deputy.title", NB) in m.all_text(),
        geir_mark,
        "the call-in to the personal deputy",
    )
    life.facts["notices"][GEIR] = await life.wait_card(
        geir.pg,
        geir.chat,
        geir_mark,
        "the notice to the personal deputy",
        t("notice.card.deputy", NB),
        life.facts["case_title"],
    )
    # The secretariat is told.
    await life.wait(
        eva.pg,
        eva.chat,
        lambda m: per.name in m.all_text() and geir.name in m.all_text(),
        eva_mark,
        "the absence note to the secretariat",
    )
    life.done("5 absence")


def _ssu_members() -> list[str]:
    """The names of the voting members of SSU in the demo roster."""
    import csv

    with DEMO_ROSTER.open(encoding="utf-8") as f:
        return [
            row["name"]
            for row in csv.DictReader(f)
            if row["body"] == "SSU" and row["role"] in {"leader", "deputy_leader", "member"}
        ]


QUORUM = re.compile(r"(\d+) av (\d+) medlemmer er til stede.*?minst (\d+)", re.DOTALL)


async def step_6_meeting_opened_attendance_and_quorum(life: Life) -> None:
    hilde, eva = life.people[HILDE], life.people[EVA]
    room, chat = life.room, life.room.group_chat_id
    meeting_id = life.facts["meeting_id"]
    # The Teams call starts.  The embedded calendar gives the meeting no Teams link, so the bot
    # cannot tell which meeting this chat belongs to, and says how to link it.
    mark = room.mark()
    life.record("Teams: the meeting's call starts (meetingStart in the meeting chat)")
    await room.meeting_event(chat, "start", hilde.user_id, title="SSU-møte")
    await life.wait(
        room,
        chat,
        lambda m: t("attendance.event.not_linked", NB) in m.text,
        mark,
        "the hint to open the meeting",
    )
    mark = await life.say_in_meeting_chat(hilde, "åpne møte")
    candidates = await life.wait_card(
        room, chat, mark, "the meetings to open", t("attendance.open.title", NB)
    )
    opened = await life.press(hilde, candidates, "meeting.open", data={"meeting_id": meeting_id})
    assert t("attendance.opened", NB) in opened.text, opened.text
    assert t("attendance.quorum.no", NB) in opened.text, opened.text

    # Everyone in the chat sees their own view of the card (Teams refreshes it for them).
    for user in (HILDE, INGRID, GEIR, SISSEL):
        person = life.people[user]
        mine = await life.press(person, opened, "attendance.refresh")
        checked = await life.press(person, mine, "attendance.check_in")
        assert t("attendance.check_in.done", NB) in checked.text, (person.name, checked.text)
    # Per is absent and Geir sits in his seat.
    per, geir = life.people[PER].name, life.people[GEIR].name
    by_deputy = t("attendance.line.by_deputy", NB, name=f"**{per}**", deputy=geir)
    assert by_deputy in checked.text, checked.text

    # The secretariat records the members who are in the room but have no Teams client here.
    view = await life.press(eva, checked, "attendance.refresh")
    counted = QUORUM.search(view.text)
    assert counted is not None, view.text
    present, total, required = (int(g) for g in counted.groups())
    assert (present, total) == (3, 19), view.text  # Hilde, Ingrid and Geir in Per's seat
    mock_names = {p.name for p in life.people.values()}
    offered = dict((title, value) for value, title in card_choices(view.content, "person_id"))
    others = [n for n in _ssu_members() if n not in mock_names and n in offered]
    for name in others[: required - present]:
        view = await life.press(
            eva, view, "attendance.set", inputs={"person_id": offered[name], "status": "present"}
        )
        assert t("attendance.correct.saved", NB) in view.text, view.text
    counted = QUORUM.search(view.text)
    assert counted is not None and int(counted.group(1)) == required, view.text
    assert t("attendance.quorum.yes", NB) in view.text, view.text
    life.facts["attendance"] = view
    life.facts["present"] = required
    life.done("6 quorum")


async def step_7_consensus_round(life: Life) -> None:
    hilde, ingrid, geir, sissel = (life.people[u] for u in (HILDE, INGRID, GEIR, SISSEL))
    room, chat = life.room, life.room.group_chat_id
    mark = await life.say_in_meeting_chat(hilde, "konsensus")
    listing = await life.wait_card(
        room,
        chat,
        mark,
        "the decision cases",
        t("consensus.start.title", NB),
        life.facts["case_title"],
    )
    prepare = await life.press(hilde, listing, "consensus.start")
    assert t("consensus.prepare.title", NB) in prepare.text, prepare.text
    assert card_inputs(prepare.content)["decision_text"] == life.facts["proposal"]
    posted_mark = room.mark()
    started = await life.press(hilde, prepare, "consensus.start")
    assert t("consensus.started.title", NB) in started.text, started.text
    # The round is posted in the chat for everyone: that message shows the live tally.
    shared = await life.wait_card(
        room,
        chat,
        posted_mark,
        "the round in the meeting chat",
        t("consensus.title", NB),
        life.facts["proposal"],
    )
    assert (
        t("consensus.tally", NB, agree=0, object=0, abstain=0, pending=life.facts["present"])
        in shared.text
    ), shared.text

    async def answer(person: Person, position: str, reason: str = "") -> Card:
        mine = await life.press(person, shared, "consensus.refresh")
        inputs = {"position": position, "reason": reason}
        saved = await life.press(person, mine, "consensus.respond", inputs=inputs)
        assert t("consensus.saved", NB) in saved.text, (person.name, saved.text)
        return saved

    await answer(hilde, "agree")
    await answer(ingrid, "object", "Kommunene må få tid til å forankre rutinen.")
    await answer(geir, "agree")
    eligible = life.facts["present"]

    def tally(agree: int, objections: int) -> str:
        answered = agree + objections
        return t(
            "consensus.tally",
            NB,
            agree=agree,
            object=objections,
            abstain=0,
            pending=eligible - answered,
        )

    live = await life.wait_card(
        room, chat, posted_mark, "the live tally with an objection", tally(2, 1)
    )
    assert "Kommunene må få tid til å forankre rutinen." in live.text, live.text
    changed = await answer(ingrid, "agree")
    assert t("consensus.form.mine", NB, position=t("consensus.position.agree", NB)) in changed.text

    # The observer's input is kept apart and not counted.
    sissel_view = await life.press(sissel, shared, "consensus.refresh")
    assert t("consensus.input.title", NB) in sissel_view.text, sissel_view.text
    assert t("consensus.form.title", NB) not in sissel_view.text, sissel_view.text
    remark = "Statsforvalteren støtter en felles rutine."
    given = await life.press(sissel, sissel_view, "consensus.input", inputs={"input": remark})
    assert t("consensus.input_saved", NB) in given.text, given.text
    live = await life.wait_card(
        room, chat, posted_mark, "the live tally with the observer's input", remark, tally(3, 0)
    )
    assert t("consensus.inputs.title", NB) in live.text, live.text

    chair = await life.press(hilde, live, "consensus.refresh")
    assert t("consensus.would_be.consensus", NB) in chair.text, chair.text
    closed = await life.press(hilde, chair, "consensus.close")
    assert t("consensus.closed_banner", NB) in closed.text, closed.text
    assert t("consensus.outcome.consensus", NB) in closed.text, closed.text
    assert t("consensus.outcome.decided", NB) in closed.text, closed.text
    for name in (hilde.name, ingrid.name, geir.name):
        assert name in closed.text, (name, closed.text)
    life.done("7 consensus")


async def step_8_meeting_ends_and_self_evaluation(life: Life) -> None:
    hilde = life.people[HILDE]
    room, chat = life.room, life.room.group_chat_id
    # The evaluation is for a meeting that has begun by its own clock: wait for its start.
    start: datetime = life.facts["start"]
    wait = (start - datetime.now(OSLO)).total_seconds() + 1
    if wait > 0:
        await asyncio.sleep(wait)
    marks = {p.user_id: p.pg.mark() for p in life.people.values()}
    chat_mark = room.mark()
    life.record("Teams: the meeting's call ends (meetingEnd in the meeting chat)")
    await room.meeting_event(chat, "end", hilde.user_id, title="SSU-møte")
    ended = await life.wait_card(
        room, chat, chat_mark, "the final attendance", t("attendance.closed.held", NB)
    )
    assert t("attendance.quorum.yes", NB) in ended.text, ended.text

    # The poll goes to everyone present with a say; three of them answer.
    ratings = {HILDE: "5", INGRID: "4", GEIR: "3"}
    for user, rating in ratings.items():
        person = life.people[user]
        poll = await life.wait_card(
            person.pg,
            person.chat,
            marks[user],
            f"the poll to {person.name}",
            t("evaluation.poll.title", NB),
        )
        inputs = {k: rating for k in card_inputs(poll.content) if re.fullmatch(r"q\d+", k)}
        assert len(inputs) == 5, poll.text
        inputs["comment"] = f"Godt møte ({person.name.split()[0]})."
        saved = await life.press(person, poll, "evaluation.answer", inputs=inputs)
        assert t("evaluation.poll.saved", NB).split(".")[0] in saved.text, saved.text

    mark = await life.say(hilde, "evaluering")
    status = await life.wait_card(
        hilde.pg, hilde.chat, mark, "the evaluation status", t("evaluation.status.title", NB)
    )
    assert t("evaluation.status.hidden", NB) in status.text, status.text
    results = await life.press(hilde, status, "evaluation.close")
    assert t("evaluation.results.title", NB) in results.text, results.text
    assert t("evaluation.results.count", NB, answered=3, eligible=life.facts["present"]) in (
        results.text
    ), results.text
    means = re.findall(r"Snitt (\d+[,.]\d+)", results.text)
    assert len(means) == 5 and all(m.replace(",", ".") == "4.0" for m in means), results.text
    life.done("8 evaluation")


async def step_9_protocol_published_and_signed(life: Life) -> None:
    eva, hilde, ingrid = life.people[EVA], life.people[HILDE], life.people[INGRID]
    mark = await life.say(eva, "protokoll")
    candidates = await life.wait_card(
        eva.pg,
        eva.chat,
        mark,
        "the meetings with a protocol to write",
        t("protocol.candidates.title", NB),
    )
    draft = await life.press(
        eva, candidates, "protocol.draft", data={"meeting_id": life.facts["meeting_id"]}
    )
    assert t("protocol.draft.title", NB) in draft.text, draft.text
    assert life.facts["case_title"] in draft.text and life.facts["proposal"] in draft.text
    signers = {u: life.people[u].pg.mark() for u in (HILDE, INGRID)}
    published = await life.press(eva, draft, "protocol.publish")
    assert t("protocol.published.notice", NB) in published.text, published.text

    final: Card | None = None
    channel = life.room.mark()
    for user in (HILDE, INGRID):
        person = life.people[user]
        to_sign = await life.wait_card(
            person.pg,
            person.chat,
            signers[user],
            f"the protocol to sign for {person.name}",
            t("protocol.sign.title", NB),
        )
        assert life.facts["case_title"] in to_sign.text, to_sign.text
        signed = await life.press(person, to_sign, "protocol.sign")
        if user == HILDE:
            assert t("protocol.sign.done", NB) in signed.text, signed.text
        else:
            final = signed
    assert final is not None
    assert t("protocol.sign.final", NB) in final.text, final.text
    for name in (hilde.name, ingrid.name):
        assert name in final.text, (name, final.text)
    # The signed protocol is posted to the team.
    archived = t("protocol.msg.signed", NB, when="§").split("§")[1].strip()
    await life.wait(
        life.room,
        life.room.team["id"],
        lambda m: archived in m.all_text(),
        channel,
        "the signed protocol in the team channel",
    )
    life.done("9 protocol")


# --------------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------------


ARTIFACTS = REPO / "artifacts" / "e2e-meeting-life"


def transcript(life: Life) -> str:
    """What every client showed, in order: for the CI artifact and for reading a failure."""
    lines = [f"wall time {time.monotonic() - life.started:.1f} s"]
    lines += [f"  step {name:<12} done at {at:6.1f} s" for name, at in life.steps]
    lines += ["", "===== what the people did", *life.actions]
    for person in life.people.values():
        lines.append(f"\n===== {person.name}'s client ({person.user_id})")
        for message in person.pg.messages:
            who = "bot" if message.from_id == person.pg.bot_id else message.from_id
            lines.append(f"--- {message.action} in {message.conversation_id} from {who}")
            if message.text:
                lines.append(message.text)
            for content in message.adaptive_cards:
                lines.append(card_text(content))
    return "\n".join(lines) + "\n"


async def test_a_meeting_from_the_year_plan_to_the_signed_protocol(
    life: Life, record_property: Callable[[str, object], None]
) -> None:
    holiday = holiday_today()
    if holiday is not None:
        pytest.skip(f"no SSU meeting can be held today: {holiday}")
    try:
        await step_0_everyone_installs_and_chooses_norwegian(life)
        await step_1_secretariat_approves_the_year(life)
        await step_2_member_submits_a_case(life)
        await step_3_secretariat_triages_the_case(life)
        await step_4_meeting_brought_forward_and_notice_published(life)
        await step_5_member_absent_deputy_gets_the_notice(life)
        await step_6_meeting_opened_attendance_and_quorum(life)
        await step_7_consensus_round(life)
        await step_8_meeting_ends_and_self_evaluation(life)
        await step_9_protocol_published_and_signed(life)
    finally:
        total = time.monotonic() - life.started
        record_property("wall_time_seconds", round(total, 1))
        print(f"\nmeeting life: wall time {total:.1f} s")
        for name, at in life.steps:
            print(f"  step {name:<12} done at {at:6.1f} s")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_save_artifacts, life)


def _save_artifacts(life: Life) -> None:
    (ARTIFACTS / "transcript.txt").write_text(transcript(life), encoding="utf-8")
    with contextlib.suppress(OSError):
        shutil.copyfile(life.bot.log_path, ARTIFACTS / "bot.log")
