"""End to end in a browser: a member submits a case through the Agents Playground's web page.

The real bot (``ssu-bot serve``, demo organisation, SQLite) behind the Agents Playground, whose
page (the offline Teams client) is driven in headless Chromium (tests/e2e/browser.py).  The
signed-in mock user is the member Per Haugen: the Playground's page has no user switch, so the
test starts it with the repository's ``.m365agentsplayground.yml`` rewritten to make him the
current user.  In the page he chooses Norwegian (``språk`` → ``norsk``; the Playground says
en-US), types ``meld inn sak``, fills the case form card, reviews, submits and gets the receipt;
then ``mine saker`` lists the case.  The test reads the receipt's case number from the page and
checks that the bot stored that case for Per Haugen (the bot's SQLite file, read-only).

A screenshot after each step goes to ``artifacts/e2e/<nn>-<step>.png`` (gitignored).  Runs only
inside the loopback-only namespace of scripts/test: skipped elsewhere, failed under CI=true
(tests/e2e/conftest.py), like test_playground_help.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.i18n import t

from .browser import BOT_MESSAGES, COMPOSER, Browser, Loc, browser_missing_reason
from .conftest import PLAYGROUND_CONFIG
from .playground import REPO, BotProcess, Playground

pytestmark = [pytest.mark.playground]

ARTIFACTS = REPO / "artifacts" / "e2e"
MEMBER = "Per Haugen"
NB = "nb"
CASE_NUMBER = re.compile(r"\b(\d{2})/(\d{2})\b")
TITLE = "Felles rutine for varsling ved utskrivning – Gjøvik og Østre Toten"
FORM = {
    "case.field.title": TITLE,
    "case.field.submitter_org": "Gjøvik kommune",
    "case.field.anchored_with": "Åse Ødegård, kommunalsjef helse og omsorg",
    "case.field.background": "Pasienter skrives ut uten at kommunen får beskjed i tide.",
    "case.field.assessment": "En felles rutine gir færre reinnleggelser.",
}


def playground_config_as(user_name: str, directory: Path) -> Path:
    """The repository's Playground config with ``user_name`` as the signed-in user."""
    config: dict[str, Any] = yaml.safe_load(PLAYGROUND_CONFIG.read_text(encoding="utf-8"))
    users = [config["currentUser"], *config.get("users", [])]
    chosen = [u for u in users if u.get("name") == user_name]
    assert chosen, f"{PLAYGROUND_CONFIG} has no mock user {user_name!r}"
    config["currentUser"] = chosen[0]
    config["users"] = [u for u in users if u is not chosen[0]]
    path = directory / f"playground-{chosen[0]['id']}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
async def member_playground(bot: BotProcess, tmp_path: Path) -> AsyncIterator[Playground]:
    config = playground_config_as(MEMBER, tmp_path)
    async with Playground(bot.endpoint, config_file=config) as pg:
        yield pg


@pytest.fixture
async def browser(member_playground: Playground) -> AsyncIterator[Browser]:
    reason = browser_missing_reason()
    if reason:  # scripts/setup installs all of it; as for the card renders, CI must have it
        if os.environ.get("CI", "").lower() in {"true", "1"}:
            pytest.fail(f"CI must drive the Playground's page: {reason}")
        pytest.skip(reason)
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    async with Browser(allow=[member_playground.base_url], artifacts=ARTIFACTS) as b:
        yield b


def _stored_case(database: Path, year: int, number: int) -> dict[str, Any] | None:
    uri = f"{database.as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            "SELECT c.title, c.submitter_org, c.status, c.case_type, c.economic_impact,"
            " c.requested_meeting_id, c.meeting_id, c.submitter_name, p.name AS person,"
            " p.locale AS person_locale"
            " FROM case_record c LEFT JOIN person p ON p.id = c.submitter_person_id"
            " WHERE c.year = ? AND c.number = ?",
            (year, number),
        ).fetchone()
        return dict(row) if row is not None else None


@contextlib.asynccontextmanager
async def _explained(browser: Browser, bot: BotProcess) -> AsyncIterator[None]:
    """On failure: a screenshot of the page as it was, and the bot's log in the message."""
    try:
        yield
    except Exception as exc:
        with contextlib.suppress(Exception):
            await browser.screenshot("failed")
        raise AssertionError(
            f"{exc}\n--- page: {ARTIFACTS / 'failed.png'}\n--- bot log ---\n{bot.log_tail()}"
        ) from exc


async def test_member_submits_a_case_in_the_playground_page(
    bot: BotProcess, member_playground: Playground, browser: Browser
) -> None:
    async with _explained(browser, bot):
        await _submit_a_case(bot, member_playground, browser)


async def _submit_a_case(bot: BotProcess, pg: Playground, browser: Browser) -> None:
    started = time.monotonic()
    step = 0

    async def shot(name: str) -> None:
        nonlocal step
        step += 1
        await browser.screenshot(f"{step:02d}-{name}")

    last_bot = BOT_MESSAGES.last()

    # The page opens the personal chat as Per Haugen; the bot greets him (in English: the
    # Playground says en-US).
    await browser.goto(pg.base_url)
    await browser.wait(Loc().role("toolbar").text(MEMBER, exact=True))
    await browser.wait(last_bot.has_text(t("welcome.title", "en"), match_case=True))
    await shot("welcome")

    # He chooses Norwegian, as the README tells a user to.
    await browser.type(COMPOSER, "språk", enter=True)
    await browser.wait(last_bot.has_text(t("language.nb", NB), match_case=True))
    await browser.type(COMPOSER, "norsk", enter=True)
    await browser.wait(last_bot.has_text(t("language.saved", NB), match_case=True))
    await shot("language")

    # The case form card.
    await browser.type(COMPOSER, "meld inn sak", enter=True)
    form = last_bot.has_text(t("case.form.title", NB), match_case=True)
    await browser.wait(form.label(t("case.field.title", NB)))
    await shot("form")

    for key, value in FORM.items():
        await browser.fill(form.label(t(key, NB)), value)
    await browser.check(form.role("checkbox", t("case.field.anchored.toggle", NB)))
    await _choose(browser, form, t("case.field.case_type", NB), t("case.type.theme", NB))
    await _choose(browser, form, t("case.field.economic_impact", NB), t("case.impact.minor", NB))
    meeting = await _choose(
        browser, form, t("case.field.meeting", NB), t("case.meeting.body.SSU", NB)
    )
    # "SSU-møte 20. mai 2027 (frist for saker …)": the last, whose deadline is furthest away
    meeting_label = meeting.split(" (")[0]
    await shot("form-filled")

    # Review: the card turns into the summary to confirm.
    await browser.click(form.role("button", t("case.action.review", NB), exact=True))
    confirm = last_bot.has_text(t("case.confirm.title", NB), match_case=True)
    await browser.wait(confirm.role("button", t("case.action.confirm", NB), exact=True))
    confirm_text = await browser.text(confirm)
    assert TITLE in confirm_text and meeting_label in confirm_text, confirm_text
    await shot("confirm")

    # Submit: the receipt with the case number.
    await browser.click(confirm.role("button", t("case.action.confirm", NB), exact=True))
    receipt_title = t("case.receipt.title", NB).split("{number}")[0]
    receipt = last_bot.has_text(receipt_title, match_case=True)
    await browser.wait(receipt)
    receipt_text = await browser.text(receipt)
    await shot("receipt")

    found = re.search(re.escape(receipt_title) + CASE_NUMBER.pattern, receipt_text)
    assert found, f"no case number in the receipt:\n{receipt_text}"
    number, yy = int(found.group(1)), int(found.group(2))
    case_number = found.group(1) + "/" + found.group(2)
    for expected in (TITLE, meeting_label, t("case.status.submitted", NB)):
        assert expected in receipt_text, f"{expected!r} not in the receipt:\n{receipt_text}"

    # What the bot stored: that case, submitted by Per Haugen, who now reads Norwegian.
    year = 2000 + yy
    stored = _stored_case(bot.workdir / "bot.db", year, number)
    assert stored is not None, f"case {case_number} is not in the bot's database"
    assert stored["title"] == TITLE
    assert stored["submitter_org"] == FORM["case.field.submitter_org"]
    assert (stored["status"], stored["case_type"], stored["economic_impact"]) == (
        "submitted",
        "theme",
        "minor",
    )
    assert stored["requested_meeting_id"] is not None
    assert stored["meeting_id"] == stored["requested_meeting_id"]
    assert (stored["person"], stored["submitter_name"]) == (MEMBER, MEMBER)
    assert stored["person_locale"] == NB

    # And the bot lists it back to him (the title as written: the receipt above says
    # «mine saker» too, and has the number).
    await browser.type(COMPOSER, "mine saker", enter=True)
    mine = last_bot.has_text(t("case.mine.title", NB), match_case=True).has_text(case_number)
    await browser.wait(mine)
    assert TITLE in await browser.text(mine)
    await shot("my-cases")

    assert len(browser.screenshots) == step == 7
    assert all(p.stat().st_size > 10_000 for p in browser.screenshots), "a blank screenshot"
    (ARTIFACTS / "timing.txt").write_text(
        f"{time.monotonic() - started:.1f} s in the page (bot and Playground already up)\n",
        encoding="utf-8",
    )


async def _choose(browser: Browser, card: Loc, label: str, option: str) -> str:
    """Open the card's dropdown ``label`` and pick the last option containing ``option``;
    returns the option's full text.  (The Playground renders Input.ChoiceSet as a Fluent UI
    combobox whose listbox sits in a portal outside the card.)"""
    await browser.click(card.role("combobox", label))
    choice = Loc().role("option").has_text(option).last()
    await browser.wait(choice)
    text = (await browser.text(choice)).strip()
    await browser.click(choice)
    await browser.wait(Loc().role("listbox"), state="hidden")
    return text
