"""Conversation basics through the running app: welcome, help per role, language, identity."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlmodel import select

from storage.models import ConversationRef, Person
from tests.fakes.connector import FakeConnector
from tests.support import activities
from tests.support.activities import UNKNOWN
from tests.support.harness import BotHarness, card_text, cards_in, demo_users, settings_for

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
LEADER = USERS["hilde.vang@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
OBSERVER = USERS["sissel.ruud@demo.ssu.example"]


async def _only_card(bot: BotHarness, user: activities.TeamsUser) -> str:
    [reply] = await bot.replies_to(user)
    [document] = list(cards_in(reply))
    return card_text(document)


async def test_help_shows_a_member_what_members_can_do(bot: BotHarness) -> None:
    await bot.say(MEMBER, "hjelp")
    text = await _only_card(bot, MEMBER)
    assert "Hei, Per Haugen! Du er registrert som medlem." in text
    assert "**språk**" in text
    assert "sekretariat kan du også" not in text


async def test_help_shows_the_secretariat_its_extra_duties(bot: BotHarness) -> None:
    await bot.say(SECRETARY, "HJELP")
    text = await _only_card(bot, SECRETARY)
    assert "Som sekretariat kan du også" in text


async def test_help_shows_the_leader_the_chair_duties(bot: BotHarness) -> None:
    await bot.say(LEADER, "  Hjelp! ")
    assert "Som leder eller nestleder kan du også" in await _only_card(bot, LEADER)


async def test_help_lists_the_secretariats_phrases(bot: BotHarness) -> None:
    await bot.say(SECRETARY, "hjelp")
    text = await _only_card(bot, SECRETARY)
    for phrase in ("saksliste", "åpne møte", "avslutt møte", "start evaluering", "protokoll"):
        assert f"**{phrase}**" in text
    assert "**konsensus**" not in text


async def test_help_lists_the_chairs_phrases(bot: BotHarness) -> None:
    await bot.say(LEADER, "hjelp")
    text = await _only_card(bot, LEADER)
    assert "**konsensus** – start en konsensusrunde" in text
    assert "**protokoller til signering**" in text


async def test_help_lists_the_chairs_phrases_in_english(bot: BotHarness) -> None:
    english = replace(LEADER, locale="en-US")
    await bot.say(english, "help")
    assert "**consensus** – start a consensus round" in await _only_card(bot, english)


async def test_a_member_is_not_shown_the_role_phrases(bot: BotHarness) -> None:
    await bot.say(MEMBER, "hjelp")
    text = await _only_card(bot, MEMBER)
    assert "**konsensus**" not in text
    assert "**saksliste**" not in text


async def test_help_tells_an_unknown_person_they_may_still_submit_a_case(bot: BotHarness) -> None:
    await bot.say(UNKNOWN, "hjelp")
    text = await _only_card(bot, UNKNOWN)
    assert "alle kan melde inn en sak" in text
    assert "mine saker" not in text


async def test_help_is_in_english_when_the_teams_locale_is_english(bot: BotHarness) -> None:
    english = replace(OBSERVER, locale="en-US")
    await bot.say(english, "help")
    text = await _only_card(bot, english)
    assert "Help – what can I do for you?" in text
    assert "You are registered as observer." in text


async def test_help_lists_only_commands_the_bot_has_wired(bot: BotHarness) -> None:
    from bot.app import BOT

    wired = bot.app[BOT].available_commands
    await bot.say(MEMBER, "hjelp")
    text = await _only_card(bot, MEMBER)
    assert ("**møteplan**" in text) == ("meeting_plan" in wired)
    assert ("**meld inn sak**" in text) == ("submit_case" in wired)


async def test_a_failing_turn_gets_a_short_apology_without_a_stack_trace(
    bot: BotHarness,
) -> None:
    from bot.app import BOT
    from bot.teams.commands import Command

    async def explode(*_: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    bot.app[BOT]._commands[Command.HELP] = explode
    status, _ = await bot.say(MEMBER, "hjelp")
    [reply] = await bot.replies_to(MEMBER)
    assert status in {200, 201}
    assert reply["text"].startswith("Beklager, noe gikk galt hos meg.")
    assert "Traceback" not in reply["text"] and "passwd" not in reply["text"]


async def test_unknown_text_gets_a_pointer_to_help(bot: BotHarness) -> None:
    await bot.say(MEMBER, "hva skjer?")
    [reply] = await bot.replies_to(MEMBER)
    assert "Skriv «hjelp»" in reply["text"]


async def test_oversized_text_is_refused_with_a_clear_message(bot: BotHarness) -> None:
    await bot.say(MEMBER, "a" * 10_001)
    [reply] = await bot.replies_to(MEMBER)
    assert "for lang" in reply["text"]


async def test_install_sends_a_welcome_and_saves_the_conversation_reference(
    bot: BotHarness,
) -> None:
    await bot.post(activities.installation(service_url=bot.connector.url, user=MEMBER))
    text = await _only_card(bot, MEMBER)
    assert "Velkommen til SSU-assistenten" in text
    async with bot.sessions() as session:
        ref = (await session.exec(select(ConversationRef))).one()
        person = (await session.exec(select(Person).where(Person.id == ref.person_id))).one()
    assert ref.conversation_id == MEMBER.personal_conversation
    assert ref.service_url == bot.connector.url
    assert person.email == "per.haugen@demo.ssu.example"
    assert person.teams_user_id == MEMBER.teams_id


async def test_every_activity_refreshes_a_changed_service_url(bot: BotHarness) -> None:
    await bot.say(MEMBER, "hjelp")
    await bot.replies_to(MEMBER)
    moved = activities.message("hjelp", service_url=bot.connector.url + "emea/", user=MEMBER)
    await bot.post(moved)
    async with bot.sessions() as session:
        ref = (await session.exec(select(ConversationRef))).one()
    assert ref.service_url.endswith("/emea/")


async def test_a_person_is_found_by_teams_id_when_the_aad_id_is_missing(bot: BotHarness) -> None:
    await bot.say(MEMBER, "hjelp")
    await bot.replies_to(MEMBER)
    without_aad = replace(MEMBER, aad_object_id=None)
    await bot.say(without_aad, "hjelp")
    replies = await bot.replies_to(without_aad, 2)
    assert "Hei, Per Haugen!" in card_text(list(cards_in(replies[-1])))


async def test_a_person_is_found_by_email_from_teams_as_last_resort(bot: BotHarness) -> None:
    stranger_ids = activities.TeamsUser("29:new-device", None, "Per H.")
    bot.connector.set_members(
        stranger_ids.personal_conversation,
        [{"id": "29:new-device", "name": "Per H.", "email": "Per.Haugen@demo.ssu.example"}],
    )
    await bot.say(stranger_ids, "hjelp")
    assert "Hei, Per Haugen!" in await _only_card(bot, stranger_ids)


async def test_activities_from_another_tenant_are_refused(
    sqlite_url: str, tmp_path: Path, connector: FakeConnector
) -> None:
    settings = settings_for(
        sqlite_url, tmp_path / "var", MicrosoftAppTenantId="99999999-0000-4000-8000-000000000000"
    )
    harness = BotHarness(settings, connector)
    await harness.start()
    try:
        await harness.say(MEMBER, "hjelp")
        [reply] = await harness.replies_to(MEMBER)
        assert "bare tilgjengelig for Helsefellesskap Innlandet" in reply["text"]
        async with harness.sessions() as session:
            assert (await session.exec(select(ConversationRef))).all() == []
    finally:
        await harness.stop()


async def test_language_dialog_started_before_a_restart_continues_after_it(
    bot: BotHarness,
) -> None:
    await bot.say(MEMBER, "språk")
    [prompt] = await bot.replies_to(MEMBER)
    assert "Hvilket språk" in prompt["text"]
    await bot.restart()
    await bot.say(MEMBER, "English")
    replies = await bot.replies_to(MEMBER, 2)
    assert replies[-1]["text"] == "OK, I will use English from now on."
    async with bot.sessions() as session:
        person = (
            await session.exec(select(Person).where(Person.email == "per.haugen@demo.ssu.example"))
        ).one()
    assert person.locale == "en"
    await bot.say(MEMBER, "hjelp")
    replies = await bot.replies_to(MEMBER, 3)
    assert "Help – what can I do for you?" in card_text(list(cards_in(replies[-1])))


async def test_language_card_action_stores_the_choice(bot: BotHarness) -> None:
    status, body = await bot.act(MEMBER, "settings.language", {"language": "en"})
    assert status == 200
    assert "I will use English" in card_text(body["value"])


async def test_language_card_action_rejects_an_unknown_language(bot: BotHarness) -> None:
    status, body = await bot.act(MEMBER, "settings.language", {"language": "klingon"})
    assert status == 200
    assert "Velg et av språkene" in card_text(body["value"])
    async with bot.sessions() as session:
        person = (
            await session.exec(select(Person).where(Person.email == "per.haugen@demo.ssu.example"))
        ).one()
    assert person.locale is None


async def test_a_lost_state_race_is_not_answered_with_an_apology(bot: BotHarness) -> None:
    from bot.teams.state_storage import DatabaseStorage
    from storage.bot_state import ETagConflict

    original = DatabaseStorage.write

    async def racing_write(self: DatabaseStorage, changes: dict[str, object]) -> None:
        raise ETagConflict(next(iter(changes)))

    DatabaseStorage.write = racing_write  # type: ignore[method-assign]
    try:
        await bot.say(MEMBER, "språk")
        [reply] = await bot.replies_to(MEMBER)
    finally:
        DatabaseStorage.write = original  # type: ignore[method-assign]
    assert "Hvilket språk" in reply["text"]
    assert not any("Beklager" in (a.get("text") or "") for a in bot.connector.activities())
