"""The trend chart: a real PNG (Pillow opens it), of the size asked for, small enough to embed in
a card as a data: URI, drawn without pyplot or any file."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.charts import DEFAULT_HEIGHT_PX, DEFAULT_WIDTH_PX, trend_chart
from bot.domain.evaluation import DEFAULT_QUESTIONS, TrendPoint

MAX_PNG_BYTES = 12_000
"""Base64 makes it a third larger: the chart must leave most of a 28 KB card to the text."""


def points(count: int) -> list[TrendPoint]:
    return [
        TrendPoint(f"{10 + n:02d}.0{1 + n % 9}.26", tuple(1 + ((n + i) % 9) / 2 for i in range(5)))
        for n in range(count)
    ]


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.mark.parametrize("meetings", [1, 2, 8])
def test_the_chart_is_a_small_png_of_the_size_asked_for(meetings: int) -> None:
    png = trend_chart(
        points(meetings), DEFAULT_QUESTIONS.short_nb, title="Snitt per påstand", y_label="Snitt"
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = opened(png)
    assert image.format == "PNG"
    assert image.size == (DEFAULT_WIDTH_PX, DEFAULT_HEIGHT_PX)
    assert image.mode == "P", "a palette image: a fraction of the size of full colour"
    assert len(png) < MAX_PNG_BYTES


def test_the_chart_draws_the_lines_not_just_a_blank_canvas() -> None:
    image = opened(
        trend_chart(points(4), DEFAULT_QUESTIONS.short_en, title="Mean", y_label="Mean")
    ).convert("RGB")
    colours = image.getcolors(maxcolors=256)
    assert colours is not None and len(colours) > 5
    blue = 0
    for count, colour in colours:
        assert isinstance(colour, tuple)
        red, _green, bluish = colour[:3]
        blue += count if bluish > 150 and red < 80 else 0
    assert blue > 50, "the first statement's line (blue) is there"


def test_other_sizes_and_fewer_statements() -> None:
    png = trend_chart(
        points(3), ("Tid", "Forberedelse"), title="t", y_label="y", width_px=400, height_px=200
    )
    assert opened(png).size == (400, 200)


def test_no_meetings_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        trend_chart([], DEFAULT_QUESTIONS.short_nb, title="t", y_label="y")
