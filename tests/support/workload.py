"""Teams traffic over HTTP against a running bot (BotHarness or ``ssu-bot serve``), for the fault
tests: the three kinds of work a person does — submit a case (form → confirmation → receipt),
answer a consensus round, answer the self-evaluation — each returning what the person was told.

    async with TeamsClient(bot.messages_url, connector) as client:
        outcome = await submit_case(client, user, title="Rutine 7")
        if outcome.accepted: ...               # the receipt came: the case must be stored

Every answer is classified from what a person would see: ``accepted`` (the receipt, "your answer
is registered"), ``apology`` (the bot's error.apology, as a card or a message), or ``other``
with the text (a refusal, a stale card). A 5xx, a transport error or silence is ``broken``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import t
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import Person
from tests.fakes.connector import FakeConnector
from tests.support import activities
from tests.support.activities import TeamsUser
from tests.support.harness import card_text, cards_in

ACCEPTED_CASE = "Saken er meldt inn"
CONFIRM_CASE = "Se over saken før du sender den inn"
ACCEPTED_CONSENSUS = "Svaret ditt er registrert"
UNCHANGED_CONSENSUS = "Svaret ditt var allerede registrert slik"
APOLOGY = t("error.apology", "nb", ref="@@").split("@@")[0][:40]


class Result(StrEnum):
    ACCEPTED = "accepted"
    APOLOGY = "apology"
    OTHER = "other"
    BROKEN = "broken"


@dataclass
class Answer:
    """One request and what came back: the HTTP status, an invoke's card, the replies posted."""

    status: int
    body: Any = None
    replies: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def text(self) -> str:
        parts: list[str] = []
        if isinstance(self.body, dict) and isinstance(self.body.get("value"), dict):
            parts.append(card_text(self.body["value"]))
        for reply in self.replies:
            if reply.get("text"):
                parts.append(str(reply["text"]))
            parts.extend(card_text(c) for c in cards_in(reply))
        return re.sub(r"\\(.)", r"\1", "\n".join(parts))  # as shown: markdown escapes removed

    @property
    def card(self) -> dict[str, Any] | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("value"), dict):
            return dict(self.body["value"])
        for reply in self.replies:
            for document in cards_in(reply):
                return document
        return None

    def result(self, accepted: str) -> Result:
        if self.error is not None or not 200 <= self.status < 300:
            return Result.BROKEN
        text = self.text
        if APOLOGY in text:
            return Result.APOLOGY
        if accepted in text:
            return Result.ACCEPTED
        if not text:
            return Result.BROKEN
        return Result.OTHER


class TeamsClient:
    """Posts activities as Teams would; replies are read back from the fake connector."""

    def __init__(self, url: str, connector: FakeConnector, *, timeout: float = 30.0) -> None:
        self.url = url
        self.connector = connector
        self.timeout = timeout
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> TeamsClient:
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()

    async def post(self, body: dict[str, Any]) -> Answer:
        assert self.http is not None
        try:
            async with self.http.post(self.url, json=body) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            return Answer(0, error=f"{type(error).__name__}: {error}")
        payload: Any = None
        if raw:
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = raw.decode("utf-8", "replace")
        replies = [p.activity for p in self.connector.posted if p.reply_to_id == body["id"]]
        return Answer(status, payload, replies)

    async def say(self, user: TeamsUser, text: str, **fields: Any) -> Answer:
        return await self.post(
            activities.message(text, service_url=self.connector.url, user=user, **fields)
        )

    async def act(
        self, user: TeamsUser, verb: str, data: dict[str, Any] | None = None, **fields: Any
    ) -> Answer:
        return await self.post(
            activities.card_action(verb, data, service_url=self.connector.url, user=user, **fields)
        )


# -- the three kinds of work ----------------------------------------------------------------------


def case_form(title: str) -> dict[str, str]:
    return {
        "title": title,
        "submitter_org": "Hamar kommune",
        "anchored": "true",
        "anchored_with": "Kari Nordmann, kommunalsjef",
        "case_type": "decision",
        "background": "Pasienter skrives ut uten at kommunen er varslet.",
        "assessment": "En felles rutine vil gi tryggere overganger.",
        "proposal": "SSU slutter seg til rutinen.",
        "economic_impact": "none",
        "meeting": "",
        "attachments": "",
    }


@dataclass
class CaseOutcome:
    """How far one submission got: the draft (its submission key) and the last answer."""

    result: Result
    step: str
    draft_id: str | None = None
    text: str = ""

    @property
    def accepted(self) -> bool:
        return self.result is Result.ACCEPTED


def _draft_id(answer: Answer) -> str | None:
    document = answer.card
    try:
        draft = document["actions"][0]["data"]["draft_id"] if document else None
    except (KeyError, IndexError, TypeError):
        return None
    return draft if isinstance(draft, str) else None


async def submit_case(client: TeamsClient, user: TeamsUser, *, title: str) -> CaseOutcome:
    """``meld inn sak`` → the filled form → confirm. Stops at the first step that is not what a
    working bot answers, and says which step and what the person saw."""
    opened = await client.say(user, "meld inn sak")
    draft = _draft_id(opened)
    if draft is None:
        kind = opened.result("@@never@@")
        return CaseOutcome(kind, "form", None, opened.text or str(opened.error or opened.status))
    checked = await client.act(
        user, "case.submit", {"draft_id": draft, "intent": "submit", **case_form(title)}
    )
    if checked.result(CONFIRM_CASE) is not Result.ACCEPTED:
        return CaseOutcome(
            checked.result(CONFIRM_CASE), "check", draft, checked.text or str(checked.status)
        )
    sent = await client.act(user, "case.submit", {"draft_id": draft, "intent": "confirm"})
    return CaseOutcome(sent.result(ACCEPTED_CASE), "confirm", draft, sent.text or str(sent.status))


async def answer_consensus(
    client: TeamsClient, user: TeamsUser, *, round_id: int, chat: str, position: str
) -> tuple[Result, str]:
    answer = await client.act(
        user,
        "consensus.respond",
        {"item_id": round_id, "position": position},
        conversation_id=chat,
        conversation_type="groupChat",
    )
    text = answer.text or str(answer.error or answer.status)
    result = answer.result(ACCEPTED_CONSENSUS)
    if result is Result.OTHER and UNCHANGED_CONSENSUS in text:  # stored before: same answer
        result = Result.ACCEPTED
    return result, text


@dataclass
class EvaluationTarget:
    evaluation_id: int
    meeting_id: int
    questions: int


def _answer_token(document: dict[str, Any] | None) -> str | None:
    for action in (document or {}).get("actions", []):
        if action.get("verb") == "evaluation.answer":
            token = action.get("data", {}).get("answer_token")
            return token if isinstance(token, str) else None
    return None


async def answer_evaluation(
    client: TeamsClient,
    user: TeamsUser,
    target: EvaluationTarget,
    *,
    rating: int,
    token: str | None,
) -> tuple[Result, str | None, str]:
    """Answer (or, with the card's ``token``, change) the self-evaluation. Accepted = the card
    came back with the token to change it, i.e. the answer is stored."""
    values: dict[str, Any] = {f"q{n + 1}": str(rating) for n in range(target.questions)}
    values.update(evaluation_id=target.evaluation_id, meeting_id=target.meeting_id, comment="")
    if token:
        values["answer_token"] = token
    answer = await client.act(user, "evaluation.answer", values)
    given = _answer_token(answer.card)
    result = answer.result("@@never@@")
    text = answer.text or str(answer.error or answer.status)
    if result is Result.OTHER and given is not None:
        return Result.ACCEPTED, given, text
    return result, token, text


# -- seeding ---------------------------------------------------------------------------------


async def open_evaluation_for(
    sessions: async_sessionmaker[AsyncSession], emails: list[str]
) -> EvaluationTarget:
    """An SSU meeting that ended an hour ago with its self-evaluation open to ``emails``."""
    from bot.domain.calendar import OSLO
    from bot.services import evaluation as evaluation_service

    now = datetime.now(UTC)
    start = now - timedelta(hours=5)
    async with transaction(sessions) as session:
        meeting = Meeting(
            body="SSU",
            title="SSU-møte (evaluering)",
            start_at=start,
            end_at=now - timedelta(hours=1),
            year=start.astimezone(OSLO).year,
            form="physical",
            state="held",
            case_submission_at=start - timedelta(days=21),
            notice_at=start - timedelta(days=7),
            protocol_at=start + timedelta(days=7),
        )
        session.add(meeting)
        await session.flush()
        assert meeting.id is not None
        found = await session.exec(select(Person.id).where(col(Person.email).in_(emails)))
        present = [pid for pid in found.all() if pid is not None]
        opened = await evaluation_service.open_evaluation(
            session,
            actor=evaluation_service.SYSTEM,
            meeting_id=meeting.id,
            now=now,
            present=present,
            render=None,
        )
    assert isinstance(opened, evaluation_service.Opened), opened
    view = opened.evaluation
    return EvaluationTarget(view.id, meeting.id, view.questions.count)


async def open_consensus_round(
    client: TeamsClient,
    sessions: async_sessionmaker[AsyncSession],
    *,
    chair: TeamsUser,
    present: list[TeamsUser],
    chat: str,
) -> int:
    """Through the bot, as in a meeting: the chair opens an SSU meeting in its chat, everyone in
    ``present`` checks in, and the chair starts a consensus round on a decision case. Returns the
    round's id."""
    from types import SimpleNamespace

    from storage import cases as case_repo
    from storage.case_tables import Case
    from storage.consensus_tables import ConsensusRound
    from tests.bot.teams.test_consensus_chat import PROPOSAL, insert_meeting

    where = {"conversation_id": chat, "conversation_type": "groupChat"}
    shim: Any = SimpleNamespace(sessions=sessions)
    meeting_id = await insert_meeting(shim)
    opened = await client.act(chair, "meeting.open", {"meeting_id": meeting_id}, **where)
    assert "Møtet er åpnet" in opened.text, opened.text
    for user in present:
        checked = await client.act(user, "attendance.check_in", {"meeting_id": meeting_id}, **where)
        assert "Du er sjekket inn" in checked.text, (user.name, checked.text)
    async with transaction(sessions) as session:  # numbered as the bot numbers its cases
        year = datetime.now(UTC).year
        case = Case(
            year=year,
            number=await case_repo.next_number(session, year=year),
            submission_key=f"consensus-{meeting_id}",
            title="Felles rutine for utskrivning",
            submitter_org="Hamar kommune",
            anchored_with="Kommunaldirektør",
            case_type="decision",
            background="Bakgrunn.",
            assessment="Vurdering.",
            proposal=PROPOSAL,
            economic_impact="minor",
            meeting_id=meeting_id,
            status="triaged",
            route="ssu",
            section="decision",
        )
        session.add(case)
        await session.flush()
        case_id = case.id
    started = await client.act(
        chair, "consensus.start", {"case_id": case_id, "decision_text": PROPOSAL}, **where
    )
    assert "Konsensusrunden er startet" in started.text, started.text
    async with sessions() as session:
        row = (await session.exec(select(ConsensusRound))).one()
    assert row.id is not None
    return row.id
