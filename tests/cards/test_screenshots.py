"""The README's card pictures (docs/screenshots): the set of files, their size, the README section.

No browser here: ``python -m tests.cards.render.screenshots`` renders them (``--check`` compares),
with the renderer tests/cards/test_render.py checks every card with.
"""

from __future__ import annotations

import re

from PIL import Image

from cards.registry import SAMPLES
from tests.cards.render.screenshots import README_CARDS, ROOT, SCREENSHOTS

README = ROOT / "README.md"
MAX_TOTAL_BYTES = 400 * 1024


def test_every_readme_card_is_a_registry_sample_with_its_own_file() -> None:
    names = {sample.name for sample in SAMPLES}
    assert [s.sample for s in README_CARDS if s.sample not in names] == []
    files = [s.file for s in README_CARDS]
    assert len(files) == len(set(files))
    assert all(re.fullmatch(r"[a-z0-9-]+\.png", f) for f in files), files


def test_docs_screenshots_holds_exactly_the_readme_cards_as_small_pngs() -> None:
    present = sorted(p.name for p in SCREENSHOTS.iterdir())
    assert present == sorted(s.file for s in README_CARDS), (
        "regenerate: .venv/bin/python -m tests.cards.render.screenshots"
    )
    total = 0
    for shot in README_CARDS:
        path = SCREENSHOTS / shot.file
        total += path.stat().st_size
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.mode == "P", f"{shot.file}: not reduced to a palette"
            width, height = image.size
            assert 500 <= width <= 600 and 100 <= height <= 2000, (shot.file, image.size)
            colours = image.convert("RGB").getcolors(maxcolors=256) or []
            assert len(colours) > 8, f"{shot.file}: almost blank"
    assert total <= MAX_TOTAL_BYTES, f"docs/screenshots is {total // 1024} KB"


def test_readme_shows_each_screenshot_and_how_to_regenerate_them() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## What it looks like", 1)
    assert len(section) == 2, "README.md has no 'What it looks like' section"
    body = section[1].split("\n## ", 1)[0]
    shown = re.findall(r'src="(docs/screenshots/[^"]+)"', body)
    assert shown == [f"docs/screenshots/{s.file}" for s in README_CARDS]
    assert "python -m tests.cards.render.screenshots" in body
