"""End to end: the real bot process behind the Agents Playground (an offline Teams client).

Starts ``.venv/bin/ssu-bot serve --port <free port>`` with a SQLite database and demo
data, opens the personal chat in the Playground (which sends installationUpdate and
conversationUpdate), writes ``hjelp`` and expects the help Adaptive Card back.

Runs only inside the loopback-only network namespace that scripts/test creates.
``SSU_E2E_BOT_COMMAND`` (a shell-quoted command with ``{port}``) replaces the bot
command, e.g. to check the harness against another bot; ``SSU_E2E_PLAYGROUND_CONFIG``
(a path, or ``builtin``) replaces the repository's ``.m365agentsplayground.yml``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from .conftest import playground_config
from .playground import ADAPTIVE_CARD, BotMessage, BotProcess, Playground

pytestmark = [pytest.mark.playground]


def _help_card(*words: str) -> Callable[[BotMessage], bool]:
    def match(message: BotMessage) -> bool:
        return any(
            any(w in json.dumps(card, ensure_ascii=False) for w in words)
            for card in message.adaptive_cards
        )

    return match


async def test_hjelp_in_personal_chat_answers_with_the_help_card(bot: BotProcess) -> None:
    async with Playground(bot.endpoint, config_file=playground_config()) as pg:
        chat, me = pg.personal_chat_id, pg.current_user_id
        # What the Teams client does when the user opens the bot's chat the first time
        # (the bot gets installationUpdate + conversationUpdate):
        await pg.open_conversation(chat)

        # 1. Typed in the Playground.  It says locale "en-US" in every activity, so a
        #    bot that follows the Teams locale answers in English here.
        mark = pg.mark()
        sent = await pg.send_message(chat, me, "hjelp")
        assert sent.get("messageId")
        typed = await _wait(pg, bot, _help_card("Hjelp", "Help"), mark)

        # 2. The same from a Teams client in Norwegian bokmål.
        mark = pg.mark()
        await pg.send_message_activity(chat, me, "hjelp", locale="nb-NO")
        norwegian = await _wait(pg, bot, _help_card("Hjelp"), mark)

    for reply in (typed, norwegian):
        assert reply.conversation_id == chat
        assert any(a.get("contentType") == ADAPTIVE_CARD for a in reply.attachments)
        assert all(card.get("type") == "AdaptiveCard" for card in reply.adaptive_cards)
    assert "Hjelp" in json.dumps(norwegian.adaptive_cards, ensure_ascii=False)


async def _wait(
    pg: Playground, bot: BotProcess, predicate: Callable[[BotMessage], bool], mark: int
) -> BotMessage:
    try:
        return await pg.wait_for_reply(predicate, timeout=30, since=mark)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n--- bot log ---\n{bot.log_tail()}") from None
