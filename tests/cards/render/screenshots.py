"""Regenerate docs/screenshots, the README's pictures of the main cards, from cards/registry.py.

    .venv/bin/python -m tests.cards.render.screenshots           # rewrite docs/screenshots
    .venv/bin/python -m tests.cards.render.screenshots --check   # exit 1 if they are stale

The same renderer as tests/cards/test_render.py (render.cjs: the adaptivecards 3.0.6 JS renderer
in headless Debian Chromium, roughly Teams' light theme), so a picture is exactly what that test
renders for the sample: the card alone, 520 px wide.  Each is reduced to a 256-colour palette
(about a quarter of the size, no visible loss on a card's flat colours and anti-aliased text).
``--check`` renders again and compares pixels; differences in font rendering between machines
count as stale too, so it is a tool for people, not a CI gate (tests/cards/test_screenshots.py
checks the set of files and the README without a browser).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

from cards.registry import SAMPLES

ROOT = Path(__file__).resolve().parents[3]
RENDER_SCRIPT = Path(__file__).with_name("render.cjs")
SCREENSHOTS = ROOT / "docs" / "screenshots"


@dataclass(frozen=True, slots=True)
class Shot:
    """One README picture: the registry sample it shows and its file in docs/screenshots."""

    sample: str
    file: str


# In the README's order (section "What it looks like").
README_CARDS: tuple[Shot, ...] = (
    Shot("case.form", "case-form.png"),
    Shot("case.triage", "case-triage.png"),
    Shot("notice.channel", "notice.png"),
    Shot("consensus.round_shared", "consensus.png"),
    Shot("evaluation.results", "evaluation-results.png"),
    Shot("protocol.sign", "protocol-sign.png"),
)


def render(out_dir: Path, shots: tuple[Shot, ...] = README_CARDS) -> list[Path]:
    """Render ``shots`` with render.cjs and write the palette PNGs to ``out_dir``."""
    samples = {sample.name: sample for sample in SAMPLES}
    unknown = [shot.sample for shot in shots if shot.sample not in samples]
    if unknown:
        raise SystemExit(f"not in cards/registry.py: {unknown}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ssu-screenshots-") as tmp:
        source = Path(tmp) / "cards.json"
        cards = {shot.sample: samples[shot.sample].build() for shot in shots}
        source.write_text(json.dumps(cards, ensure_ascii=False), encoding="utf-8")
        raw = Path(tmp) / "raw"
        done = subprocess.run(
            ["node", str(RENDER_SCRIPT), str(source), str(raw)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise SystemExit(f"render.cjs failed:\n{done.stderr[-4000:]}")
        result = json.loads(done.stdout)
        written = []
        for shot in shots:
            problems = result["cards"][shot.sample]
            if problems["renderError"] or problems["pageErrors"]:
                raise SystemExit(f"{shot.sample} did not render: {problems}")
            written.append(_optimise(raw / f"{shot.sample}.png", out_dir / shot.file))
    return written


def _optimise(source: Path, target: Path) -> Path:
    with Image.open(source) as image:
        palette = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        palette.save(target, optimize=True)
    return target


def _differs(a: Path, b: Path) -> str | None:
    """None when the two pictures are the same size and (almost) the same pixels."""
    with Image.open(a) as left, Image.open(b) as right:
        if left.size != right.size:
            return f"{left.size[0]}×{left.size[1]} ≠ {right.size[0]}×{right.size[1]}"
        diff = ImageChops.difference(left.convert("L"), right.convert("L"))
        changed = sum(diff.point(lambda v: 255 if v > 48 else 0).histogram()[255:])
        if changed > left.size[0] * left.size[1] // 1000:
            return f"{changed} pixels differ"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.cards.render.screenshots", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=SCREENSHOTS, help="default: docs/screenshots")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if not args.check:
        for path in render(args.out):
            size = path.stat().st_size
            sys.stdout.write(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            sys.stdout.write(f"  {size // 1024} KB\n")
        return 0
    with tempfile.TemporaryDirectory(prefix="ssu-screenshots-check-") as tmp:
        fresh = Path(tmp)
        render(fresh)
        stale = []
        for shot in README_CARDS:
            committed = args.out / shot.file
            if not committed.exists():
                stale.append(f"{shot.file}: missing")
                continue
            reason = _differs(committed, fresh / shot.file)
            if reason:
                stale.append(f"{shot.file} ({shot.sample}): {reason}")
    if stale:
        sys.stdout.write("stale: " + "; ".join(stale) + "\n")
        sys.stdout.write("run: .venv/bin/python -m tests.cards.render.screenshots\n")
        return 1
    sys.stdout.write(f"{len(README_CARDS)} screenshots up to date\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
