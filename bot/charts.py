"""Charts as PNG bytes, drawn with matplotlib's Agg renderer (no display, no files).

Why here and how: the self-evaluation's results card embeds its trend chart as a ``data:`` URI
(Teams shows such images in bot cards without any hosting), and the whole card must stay under
Teams' 28 KB. So the chart is small (about 560×260 px), drawn on a private ``Figure`` with the
Agg canvas — never pyplot, whose global state is not safe across concurrent turns — and then
reduced to a small palette with Pillow, which shrinks a line chart to a few kilobytes. Drawing
takes tens of milliseconds of CPU: call it from a worker thread (``asyncio.to_thread``).
matplotlib, numpy and Pillow are imported on the first chart, not with this module: they take
about half a second and 40 MB, and the server must start without them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Final

from bot.domain.evaluation import SCALE, TrendPoint

__all__ = ["DEFAULT_HEIGHT_PX", "DEFAULT_WIDTH_PX", "trend_chart"]

DEFAULT_WIDTH_PX: Final = 560
DEFAULT_HEIGHT_PX: Final = 260
_DPI: Final = 80
_PALETTE_COLOURS: Final = 32
# Distinguishable for the common colour-vision deficiencies (Okabe–Ito), plus a marker each.
_COLOURS: Final = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000")
_MARKERS: Final = ("o", "s", "^", "D", "v", "P", "X")


def trend_chart(
    points: Sequence[TrendPoint],
    series: Sequence[str],
    *,
    title: str,
    y_label: str,
    width_px: int = DEFAULT_WIDTH_PX,
    height_px: int = DEFAULT_HEIGHT_PX,
) -> bytes:
    """Mean per statement (one line each, named by ``series``) per meeting (``points``, oldest
    first) on the 1–5 scale, as PNG bytes of exactly ``width_px``×``height_px``."""
    if not points:
        raise ValueError("a trend chart needs at least one meeting")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_px / _DPI, height_px / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(points)))
    for index, name in enumerate(series):
        values = [p.means[index] if index < len(p.means) else float("nan") for p in points]
        axes.plot(
            positions,
            values,
            label=name,
            color=_COLOURS[index % len(_COLOURS)],
            marker=_MARKERS[index % len(_MARKERS)],
            markersize=4,
            linewidth=1.6,
        )
    axes.set_ylim(SCALE[0] - 0.2, SCALE[-1] + 0.2)
    axes.set_yticks(list(SCALE))
    axes.set_xticks(positions, [p.label for p in points], fontsize=8)
    axes.set_xlim(-0.3, max(len(points) - 1, 1) + 0.3)
    axes.set_ylabel(y_label, fontsize=8)
    axes.set_title(title, fontsize=9)
    axes.tick_params(axis="y", labelsize=8)
    axes.grid(axis="y", linewidth=0.5, alpha=0.5)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(
        loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, frameon=False, handlelength=1.5
    )
    figure.subplots_adjust(left=0.08, right=0.72, top=0.88, bottom=0.12)
    raw = io.BytesIO()
    figure.savefig(raw, format="png", dpi=_DPI)
    return _small_png(raw.getvalue())


def _small_png(png: bytes) -> bytes:
    """The same picture with a 32-colour palette: a line chart loses nothing visible."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        reduced = image.convert("RGB").quantize(colors=_PALETTE_COLOURS)
        out = io.BytesIO()
        reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()
