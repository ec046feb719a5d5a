"""`meld inn sak` through the running app: form → validation → confirmation → receipt.

Every test talks HTTP to the real app (the `bot` fixture: SQLite, demo roster, fake connector), so
routing, the dialog state on the database and the invoke responses are all real.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.domain.cases import FORM_FIELDS, case_year, format_case_number
from cards.base import MAX_CARD_BYTES
from storage.case_tables import Case
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditEntry
from storage.outbox_tables import OutboxMessage
from tests.support import activities
from tests.support.activities import UNKNOWN, TeamsUser
from tests.support.harness import BotHarness, card_text, cards_in, demo_users

USERS = demo_users()
MEMBER = USERS["per.haugen@demo.ssu.example"]
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
FIRST = format_case_number(1, case_year(datetime.now(UTC)))


def shown(document: dict[str, Any]) -> str:
    """The card's text as a reader sees it (markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", card_text(document))


def inputs(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input.") and "id" in node:
                found[node["id"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


def filled(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Felles rutine for utskrivning",
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
    values.update(changes)
    return values


async def add_meeting(
    bot: BotHarness, *, days: float, deadline_days: float | None = None, body: str = "SSU"
) -> int:
    now = datetime.now(UTC)
    start = now + timedelta(days=days)
    deadline = now + timedelta(days=days - 21 if deadline_days is None else deadline_days)
    async with transaction(bot.sessions) as session:
        meeting = Meeting(
            body=body,
            title=f"{body}-møte",
            start_at=start,
            end_at=start + timedelta(hours=5),
            year=start.year,
            form="physical",
            case_submission_at=deadline,
            notice_at=start - timedelta(days=7),
            protocol_at=start + timedelta(days=7),
        )
        session.add(meeting)
        await session.flush()
        assert meeting.id is not None
        return meeting.id


async def open_form(bot: BotHarness, user: TeamsUser, text: str = "meld inn sak") -> dict[str, Any]:
    before = len(bot.connector.activities(user.personal_conversation))
    await bot.say(user, text)
    replies = await bot.replies_to(user, before + 1)
    [document] = list(cards_in(replies[-1]))
    return document


def draft_of(document: dict[str, Any]) -> str:
    draft = document["actions"][0]["data"]["draft_id"]
    assert isinstance(draft, str)
    return draft


async def send(
    bot: BotHarness, user: TeamsUser, draft: str, intent: str = "submit", **values: Any
) -> dict[str, Any]:
    status, body = await bot.act(
        user, "case.submit", {"draft_id": draft, "intent": intent, **values}
    )
    assert status == 200, body
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    document = body["value"]
    assert len(json.dumps(document, ensure_ascii=False).encode()) <= MAX_CARD_BYTES
    return document  # type: ignore[no-any-return]


async def cases(bot: BotHarness) -> list[Case]:
    async with bot.sessions() as session:
        return list((await session.exec(select(Case).order_by(col(Case.id)))).all())


async def refused_submissions(bot: BotHarness) -> int:
    async with bot.sessions() as session:
        query = select(func.count()).where(
            AuditEntry.action == "case.submit", AuditEntry.outcome == "refused"
        )
        return int((await session.exec(query)).one())


# --------------------------------------------------------------------------------------------------


async def test_the_form_has_every_contract_input_labelled_and_the_open_meetings(
    bot: BotHarness,
) -> None:
    open_meeting = await add_meeting(bot, days=60)
    closed = await add_meeting(bot, days=12, deadline_days=-1)
    dialog_meeting = await add_meeting(bot, days=50, body="DIALOG")
    document = await open_form(bot, MEMBER)
    fields = inputs(document)
    assert set(fields) == set(FORM_FIELDS)
    assert all(field.get("label") for field in fields.values())
    assert fields["anchored"]["type"] == "Input.Toggle"
    assert fields["anchored"]["isRequired"] is True
    assert fields["anchored"]["valueOn"] == "true"
    assert fields["anchored"]["title"] == "Saken er avklart med nærmeste leder"
    assert [c["value"] for c in fields["case_type"]["choices"]] == [
        "decision",
        "theme",
        "report",
        "other",
    ]
    assert [c["title"] for c in fields["case_type"]["choices"]] == [
        "Beslutningssak",
        "Temasak",
        "Referatsak",
        "Annet",
    ]
    assert [c["value"] for c in fields["economic_impact"]["choices"]] == ["none", "minor", "major"]
    offered = [c["value"] for c in fields["meeting"]["choices"]]
    assert offered == ["", str(open_meeting)]
    assert str(closed) not in offered and str(dialog_meeting) not in offered
    assert fields["title"]["maxLength"] == 200
    assert fields["background"]["label"] == "Bakgrunn"
    assert fields["assessment"]["label"] == "Vurdering"
    assert fields["proposal"]["label"] == "Forslag til vedtak"
    assert "Økonomiske/administrative konsekvenser" in fields["economic_impact"]["label"]
    assert {a["verb"] for a in document["actions"]} == {"case.submit"}


async def test_the_form_in_english(bot: BotHarness) -> None:
    english = replace(MEMBER, locale="en-US")
    fields = inputs(await open_form(bot, english, "submit case"))
    assert fields["background"]["label"] == "Background"
    assert fields["anchored"]["title"] == "The case is clarified with my nearest leader"


async def test_a_case_goes_from_form_to_confirmation_to_receipt_with_its_number(
    bot: BotHarness,
) -> None:
    meeting = await add_meeting(bot, days=60)
    draft = draft_of(await open_form(bot, MEMBER))
    confirm = await send(bot, MEMBER, draft, **filled(meeting=str(meeting)))
    text = shown(confirm)
    assert "Se over saken før du sender den inn" in text
    assert "Felles rutine for utskrivning" in text and "SSU slutter seg til rutinen." in text
    assert [a["data"]["intent"] for a in confirm["actions"]] == ["confirm", "edit"]
    assert await cases(bot) == []
    receipt = await send(bot, MEMBER, draft, "confirm")
    text = shown(receipt)
    assert f"Saken er meldt inn – sak {FIRST}" in text
    assert "SSU-møte" in text and "Innmeldt" in text
    [case] = await cases(bot)
    assert case.submission_key == draft and case.meeting_id == meeting
    await bot.say(MEMBER, "mine saker")
    replies = await bot.replies_to(MEMBER, 2)
    listing = shown(next(cards_in(replies[-1])))
    assert f"Sak {FIRST}: Felles rutine for utskrivning" in listing
    assert "Innmeldt" in listing and "SSU-møte" in listing


async def test_empty_and_whitespace_fields_come_back_in_the_same_card_with_errors(
    bot: BotHarness,
) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    document = await send(
        bot, MEMBER, draft, **filled(title="   ", background="\n \n", proposal="", anchored="false")
    )
    text = shown(document)
    assert "Saken er ikke sendt inn. Rett opp feltene som er merket." in text
    assert "Fyll ut dette feltet." in text
    assert "Saken må være avklart med nærmeste leder før den meldes inn." in text
    assert "Beslutningssaker må ha forslag til vedtak." in text
    assert set(inputs(document)) == set(FORM_FIELDS)
    assert inputs(document)["submitter_org"]["value"] == "Hamar kommune"
    assert draft_of(document) == draft
    assert await cases(bot) == []
    assert await refused_submissions(bot) == 1


async def test_ten_thousand_character_fields_are_refused_cut_and_never_stored(
    bot: BotHarness,
) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    huge = "x" * 10_000
    document = await send(
        bot, MEMBER, draft, **filled(title=huge, background=huge, assessment=huge, proposal=huge)
    )
    text = shown(document)
    assert "For lang tekst (10000 tegn; høyst 200)" in text
    assert "For lang tekst (10000 tegn; høyst 4000)" in text
    assert len(inputs(document)["title"]["value"]) == 200
    assert await cases(bot) == []


async def test_forged_choices_and_links_are_refused(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    document = await send(
        bot,
        MEMBER,
        draft,
        **filled(
            case_type="<b>urgent</b>",
            economic_impact="none; drop table",
            meeting="424242",
            attachments="https://ok.example/a\njavascript:alert(1)",
        ),
    )
    text = shown(document)
    assert "Velg et av alternativene i listen." in text
    assert "Dette møtet finnes ikke." in text
    assert "Lenke nr. 2 må være en nettadresse som begynner med https://" in text
    assert "<b>urgent</b>" not in json.dumps(document)
    assert await cases(bot) == []


async def test_markdown_and_html_in_the_title_are_shown_literally(bot: BotHarness) -> None:
    title = "**Viktig** <img src=x onerror=alert(1)> [lenke](https://evil.example)"
    draft = draft_of(await open_form(bot, MEMBER))
    confirm = await send(bot, MEMBER, draft, **filled(title=title))
    receipt = await send(bot, MEMBER, draft, "confirm")
    for document in (confirm, receipt):
        raw = card_text(document)
        assert "\\*\\*Viktig\\*\\*" in raw
        assert "\\<img src" in raw and "<img" not in raw.replace("\\<img", "")
        assert "\\[lenke\\]\\(https://evil\\.example\\)" in raw
        assert title not in raw
        assert title in shown(document)
    [case] = await cases(bot)
    assert case.title == title


async def test_a_double_click_on_send_makes_one_case(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    await send(bot, MEMBER, draft, **filled())
    results = await asyncio.gather(
        *(
            bot.act(MEMBER, "case.submit", {"draft_id": draft, "intent": "confirm"})
            for _ in range(3)
        )
    )
    assert len(await cases(bot)) == 1
    assert all(status == 200 for status, _ in results)
    texts = [shown(body["value"]) for _, body in results]
    assert any(f"sak {FIRST}" in text for text in texts)
    # A click that loses the race for the dialog state (its e-tag is stale when the turn ends)
    # gets the generic apology card from the adapter; it never makes a second case.
    assert all(f"sak {FIRST}" in text or text.startswith("Beklager") for text in texts)
    again = await send(bot, MEMBER, draft, "confirm")
    assert f"sak {FIRST}" in shown(again)


async def test_a_redelivered_invoke_does_not_make_a_second_case(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    await send(bot, MEMBER, draft, **filled())
    confirm = activities.card_action(
        "case.submit",
        {"draft_id": draft, "intent": "confirm"},
        service_url=bot.connector.url,
        user=MEMBER,
    )
    first = await bot.post(confirm)
    again = await bot.post(confirm)
    assert first[0] == again[0] == 200
    assert f"sak {FIRST}" in shown(again[1]["value"])
    assert "allerede sendt inn" in shown(again[1]["value"])
    assert len(await cases(bot)) == 1


async def test_a_half_filled_form_survives_a_restart_and_comes_back(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    await send(bot, MEMBER, draft, **filled(background="", assessment="", proposal=""))
    await bot.restart()
    document = await open_form(bot, MEMBER)
    assert "Her er utkastet ditt fra sist." in shown(document)
    assert draft_of(document) == draft
    assert inputs(document)["title"]["value"] == "Felles rutine for utskrivning"
    assert inputs(document)["anchored"]["value"] == "true"
    await bot.restart()
    confirm = await send(bot, MEMBER, draft, **filled())
    assert "Se over saken" in shown(confirm)
    await bot.restart()
    receipt = await send(bot, MEMBER, draft, "confirm")
    assert f"sak {FIRST}" in shown(receipt)
    assert len(await cases(bot)) == 1


async def test_a_form_card_still_works_after_another_command(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    await bot.say(MEMBER, "hjelp")
    confirm = await send(bot, MEMBER, draft, **filled())
    assert "Se over saken" in shown(confirm)
    receipt = await send(bot, MEMBER, draft, "confirm")
    assert f"sak {FIRST}" in shown(receipt)


async def test_a_raw_submit_without_a_card_is_validated_and_confirmed(bot: BotHarness) -> None:
    status, body = await bot.act(MEMBER, "case.submit", filled())
    assert status == 200
    confirm = body["value"]
    assert "Se over saken" in shown(confirm)
    receipt = await send(bot, MEMBER, draft_of(confirm), "confirm")
    assert f"sak {FIRST}" in shown(receipt)


async def test_edit_goes_back_to_the_filled_form(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    await send(bot, MEMBER, draft, **filled())
    form = await send(bot, MEMBER, draft, "edit")
    assert inputs(form)["title"]["value"] == "Felles rutine for utskrivning"
    confirm = await send(bot, MEMBER, draft, **filled(title="Ny tittel"))
    assert "Ny tittel" in shown(confirm)
    await send(bot, MEMBER, draft, "confirm")
    [case] = await cases(bot)
    assert case.title == "Ny tittel"


async def test_cancel_stores_nothing(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    document = await send(bot, MEMBER, draft, "cancel")
    assert "Innmeldingen er avbrutt. Ingenting er lagret." in shown(document)
    stale = await send(bot, MEMBER, draft, "confirm")
    assert "ikke lenger aktivt" in shown(stale)
    assert await cases(bot) == []


async def test_typing_while_the_form_waits_gets_a_hint(bot: BotHarness) -> None:
    await open_form(bot, MEMBER)
    await bot.say(MEMBER, "hva nå?")
    replies = await bot.replies_to(MEMBER, 2)
    assert "Se over og send inn" in replies[-1]["text"]


async def test_the_help_button_verb_opens_the_form(bot: BotHarness) -> None:
    status, body = await bot.act(MEMBER, "case.new")
    assert status == 200
    assert set(inputs(body["value"])) == set(FORM_FIELDS)


async def test_after_the_deadline_the_case_goes_to_the_next_meeting_and_says_so(
    bot: BotHarness,
) -> None:
    late = await add_meeting(bot, days=10, deadline_days=-0.5)
    later = await add_meeting(bot, days=80)
    draft = draft_of(await open_form(bot, MEMBER))
    confirm = await send(bot, MEMBER, draft, **filled(meeting=str(late)))
    assert "Fristen for å melde inn saker til SSU-møte" in shown(confirm)
    assert "Saken meldes derfor inn til SSU-møte" in shown(confirm)
    receipt = await send(bot, MEMBER, draft, "confirm")
    assert "var gått ut. Saken er meldt inn til SSU-møte" in shown(receipt)
    [case] = await cases(bot)
    assert (case.requested_meeting_id, case.meeting_id) == (late, later)


async def test_a_major_case_is_flagged_for_ssu(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    confirm = await send(bot, MEMBER, draft, **filled(economic_impact="major"))
    assert "skal besluttes i Strategisk samarbeidsutvalg (SSU)" in shown(confirm)


async def test_someone_outside_the_roster_may_submit_and_follow_it(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, UNKNOWN))
    await send(bot, UNKNOWN, draft, **filled())
    await send(bot, UNKNOWN, draft, "confirm")
    [case] = await cases(bot)
    assert case.submitter_person_id is None
    assert case.submitter_conversation_id == UNKNOWN.personal_conversation
    await bot.say(UNKNOWN, "mine saker")
    replies = await bot.replies_to(UNKNOWN, 2)
    assert f"Sak {FIRST}" in shown(next(cards_in(replies[-1])))


async def test_my_cases_when_there_are_none(bot: BotHarness) -> None:
    await bot.say(MEMBER, "my cases")
    [reply] = await bot.replies_to(MEMBER)
    assert "Du har ikke meldt inn noen saker ennå." in shown(next(cards_in(reply)))


async def test_a_triage_card_through_the_app_changes_what_the_submitter_sees(
    bot: BotHarness,
) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    await send(bot, MEMBER, draft, **filled(title="Sak med **stjerner**"))
    await send(bot, MEMBER, draft, "confirm")
    [case] = await cases(bot)
    status, body = await bot.act(SECRETARY, "case.triage.show", {"case_id": case.id})
    card = body["value"]
    assert "Sak med \\*\\*stjerner\\*\\*" in card_text(card)
    assert {a["verb"] for a in card["actions"]} == {"case.triage"}
    assert card["refresh"]["action"]["verb"] == "case.triage.show"
    status, body = await bot.act(
        SECRETARY, "case.triage", {"case_id": case.id, "route": "au", "section": "report"}
    )
    assert status == 200 and "er vurdert" in shown(body["value"])
    assert "Ferdigbehandles i arbeidsutvalget (AU)" in shown(body["value"])
    await bot.say(MEMBER, "mine saker")
    replies = await bot.replies_to(MEMBER, 2)
    assert "Vurdert av sekretariatet" in shown(next(cards_in(replies[-1])))


async def test_triage_cards_and_status_notes_go_through_the_outbox(bot: BotHarness) -> None:
    draft = draft_of(await open_form(bot, MEMBER))
    await send(bot, MEMBER, draft, **filled(title="Sak med **stjerner**"))
    await send(bot, MEMBER, draft, "confirm")
    await send(bot, MEMBER, draft, "confirm")  # a repeat enqueues nothing new
    [case] = await cases(bot)
    async with bot.sessions() as session:
        triage = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "case_triage"))
        ).all()
    assert len(triage) == 2 and all(row.mandatory for row in triage)
    card = triage[0].payload["card"]
    assert "Sak med \\*\\*stjerner\\*\\*" in card_text(card)
    assert card["actions"][0]["data"] == {"case_id": case.id}
    await bot.act(
        SECRETARY, "case.triage", {"case_id": case.id, "route": "ssu", "section": "decision"}
    )
    async with bot.sessions() as session:
        [note] = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "case_status"))
        ).all()
    assert note.recipient_person_id == case.submitter_person_id
    assert "Vurdert av sekretariatet" in note.payload["text"]


async def test_triage_messages_gives_each_secretary_a_card(bot: BotHarness) -> None:
    from bot.teams.cases import triage_messages

    draft = draft_of(await open_form(bot, MEMBER))
    await send(bot, MEMBER, draft, **filled())
    await send(bot, MEMBER, draft, "confirm")
    [case] = await cases(bot)
    assert case.id is not None
    async with bot.sessions() as session:
        messages = await triage_messages(session, case_id=case.id)
        missing = await triage_messages(session, case_id=999_999)
    assert len(messages) == 2 and missing == []
    assert all(card["actions"][0]["data"] == {"case_id": case.id} for _, card in messages)


async def test_a_forged_case_verb_is_refused_and_audited(bot: BotHarness) -> None:
    status, body = await bot.act(MEMBER, "case.delete", {"case_id": 1})
    assert status == 200
    assert "Denne handlingen kjenner jeg ikke igjen" in shown(body["value"])
    async with bot.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == "case.delete")
        [entry] = (await session.exec(query)).all()
    assert entry.outcome == "refused"


async def test_a_case_from_a_channel_is_not_reported_back_into_the_channel(
    bot: BotHarness,
) -> None:
    channel = {"conversation_id": "19:channel@thread.tacv2", "conversation_type": "channel"}
    status, body = await bot.post(
        activities.card_action(
            "case.submit", filled(), service_url=bot.connector.url, user=UNKNOWN, **channel
        )
    )
    draft = draft_of(body["value"])
    status, body = await bot.post(
        activities.card_action(
            "case.submit",
            {"draft_id": draft, "intent": "confirm"},
            service_url=bot.connector.url,
            user=UNKNOWN,
            **channel,
        )
    )
    assert status == 200 and "Saken er meldt inn" in shown(body["value"])
    [case] = await cases(bot)
    assert case.submitter_conversation_id is None
