"""Every card in cards/registry.py: structural invariants in Python, then a real render.

The render test runs the adaptivecards 3.0.6 JS renderer in headless Debian Chromium through
playwright-core (tests/cards/render/render.cjs), once for all cards, and saves a screenshot per
card to artifacts/cards/<name>.png. It skips only outside CI when node, the npm packages in
tests/e2e or /usr/bin/chromium are missing; with CI=true it must run.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import pytest

import cards
from cards.base import CARD_VERSION, MAX_CARD_BYTES
from cards.registry import SAMPLES, CardSample, build_all

ROOT = Path(__file__).resolve().parents[2]
RENDER_SCRIPT = Path(__file__).with_name("render") / "render.cjs"
NODE_MODULES = ROOT / "tests" / "e2e" / "node_modules"
ARTIFACTS = ROOT / "artifacts" / "cards"
CHROMIUM = Path(os.environ.get("SSU_CHROMIUM", "/usr/bin/chromium"))
NAME = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")

# Adaptive Cards 1.5, as Teams renders it.
ELEMENTS_1_5 = frozenset(
    {
        "TextBlock",
        "Image",
        "Media",
        "RichTextBlock",
        "ActionSet",
        "Container",
        "ColumnSet",
        "FactSet",
        "ImageSet",
        "Table",
        "Input.Text",
        "Input.Number",
        "Input.Date",
        "Input.Time",
        "Input.Toggle",
        "Input.ChoiceSet",
    }
)
ACTIONS_1_5 = frozenset(
    {
        "Action.Execute",
        "Action.Submit",
        "Action.OpenUrl",
        "Action.ShowCard",
        "Action.ToggleVisibility",
    }
)


def _ids(samples: tuple[CardSample, ...] = SAMPLES) -> list[str]:
    return [sample.name for sample in samples]


# ---------------------------------------------------------------------------------------- walking


def _elements(card: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every element (not action) in the card, nested ones and those in ShowCard cards included."""
    for action in _actions(card):
        if action.get("type") == "Action.ShowCard" and isinstance(action.get("card"), dict):
            yield from _elements(action["card"])
    yield from _element_tree(card.get("body", []))


def _element_tree(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if not isinstance(item, dict):
            continue
        yield item
        for key in ("items", "columns", "rows", "cells", "images"):
            if isinstance(item.get(key), list):
                yield from _element_tree(item[key])


def _actions(node: Any) -> Iterator[dict[str, Any]]:
    """Every action anywhere: card actions, ActionSets, selectAction, refresh, ShowCard cards."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str) and node["type"].startswith("Action."):
            yield node
        for value in node.values():
            yield from _actions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _actions(value)


def _payload_bytes(card: dict[str, Any]) -> int:
    """Conservative size: ASCII-escaped, default separators (larger than what goes on the wire)."""
    return len(json.dumps(card).encode("utf-8"))


# ------------------------------------------------------------------------- structure, no browser


def test_sample_names_are_unique_and_file_safe() -> None:
    names = _ids()
    assert len(names) == len(set(names)), "duplicate CardSample names"
    assert [n for n in names if not NAME.fullmatch(n)] == []


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids())
def test_card_structure(sample: CardSample) -> None:
    card = sample.build()
    assert json.loads(json.dumps(card)) == card, "not plain JSON"
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == CARD_VERSION == "1.5"
    assert _payload_bytes(card) < MAX_CARD_BYTES

    elements = list(_elements(card))
    assert elements, "empty card"
    unknown = {e.get("type") for e in elements} - ELEMENTS_1_5 - {"Column", "TableRow"}
    assert not unknown, f"not Adaptive Cards 1.5 elements: {unknown}"

    inputs = [e for e in elements if str(e.get("type", "")).startswith("Input.")]
    unlabelled = [e.get("id") for e in inputs if not str(e.get("label") or "").strip()]
    assert unlabelled == [], f"inputs without a label: {unlabelled}"
    ids = [e.get("id") for e in inputs]
    assert all(isinstance(i, str) and i for i in ids), f"inputs without an id: {ids}"
    assert len(ids) == len(set(ids)), f"duplicate input ids: {ids}"

    actions = list(_actions(card))
    assert {a["type"] for a in actions} <= ACTIONS_1_5
    refresh = card.get("refresh", {}).get("action")
    for action in actions:
        if action["type"] == "Action.Execute":
            assert str(action.get("verb") or "").strip(), f"Action.Execute without verb: {action}"
        if action is not refresh and action["type"] != "Action.ToggleVisibility":
            assert str(action.get("title") or "").strip(), f"button without a title: {action}"
        if action["type"] == "Action.Submit":
            assert sample.submit_reason, (
                "Teams cards use Action.Execute; document an Action.Submit fallback with "
                "CardSample(submit_reason=...)"
            )


def _public_card_builders() -> dict[str, Callable[..., Any]]:
    builders: dict[str, Callable[..., Any]] = {}
    for module_info in pkgutil.iter_modules(cards.__path__):
        module = importlib.import_module(f"cards.{module_info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and name.endswith("_card")
                and not name.startswith("_")
            ):
                builders[f"{module.__name__}.{name}"] = value
    return builders


def test_every_card_builder_has_a_sample() -> None:
    """A `*_card` function in cards/ that no CardSample calls is a card nobody has looked at."""
    called: set[CodeType] = set()

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            called.add(frame.f_code)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        build_all()
    finally:
        sys.setprofile(previous)
    builders = _public_card_builders()
    assert builders, "found no card builders"
    missing = sorted(name for name, f in builders.items() if f.__code__ not in called)
    assert missing == [], f"add a CardSample to cards/registry.py for: {missing}"


# --------------------------------------------------------------------------- the real renderer


def _renderer_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    for package in ("playwright-core", "adaptivecards", "markdown-it"):
        if not (NODE_MODULES / package / "package.json").is_file():
            return f"{package} is not in tests/e2e/node_modules (run scripts/setup)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    reason = _renderer_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must render the cards: {reason}")
        pytest.skip(reason)
    source = tmp_path_factory.mktemp("cards") / "cards.json"
    source.write_text(json.dumps(build_all(), ensure_ascii=False), encoding="utf-8")
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    started = time.monotonic()
    done = subprocess.run(
        ["node", str(RENDER_SCRIPT), str(source), str(ARTIFACTS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"render.cjs failed:\n{done.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(done.stdout)
    result["timing"]["wallMs"] = round((time.monotonic() - started) * 1000)
    (ARTIFACTS / "timing.json").write_text(json.dumps(result["timing"]) + "\n", encoding="utf-8")
    return result


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids())
def test_card_renders_in_chromium(rendered: dict[str, Any], sample: CardSample) -> None:
    name = sample.name
    result = rendered["cards"][name]
    assert result["renderError"] is None, result["renderError"]
    assert result["pageErrors"] == []
    events = result["parse"] + result["validation"]
    unexpected = [e for e in events if e["event"] not in sample.known_findings]
    assert unexpected == [], f"parse/validation errors: {unexpected}"
    gone = set(sample.known_findings) - {e["event"] for e in events}
    assert not gone, f"fixed: remove {sorted(gone)} from known_findings of {name!r}"
    assert result["version"] == "1.5"
    assert result["unlabelled"] == [], f"inputs without a label: {result['unlabelled']}"
    screenshot = ARTIFACTS / f"{name}.png"
    header = screenshot.read_bytes()[:24]
    assert header.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert width >= 500 and height >= 60, f"suspicious screenshot size {width}×{height}"


def test_render_is_quick_enough(rendered: dict[str, Any]) -> None:
    """One browser for all cards: well under a second a card on the 2-core CI machine."""
    timing = rendered["timing"]
    assert timing["renderMs"] < 1000 * max(len(SAMPLES), 10), timing
