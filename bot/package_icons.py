"""The app's two Teams icons, drawn deterministically with Pillow.

The motif is two linked rings, the partnership of the hospital trust and the municipalities, on
a calm health teal. ``color.png`` is 192×192 full colour; ``outline.png`` is 32×32 pure white on a
fully transparent background (Teams' rule). Regenerate the committed PNGs with::

    python -m bot.package_icons appPackage

Shapes are drawn at a multiple of the final size and scaled down, so edges are smooth; the
outline icon gets its antialiasing in the alpha channel only, so every pixel is white or clear.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

COLOR_SIZE = 192
OUTLINE_SIZE = 32
WHITE = (255, 255, 255)
BACKGROUND_TOP = (31, 128, 134)
BACKGROUND_BOTTOM = (19, 88, 96)
RING_LEFT = (255, 255, 255)
RING_RIGHT = (155, 227, 200)
_SUPERSAMPLE = 8


@dataclass(frozen=True, slots=True)
class RingGeometry:
    """Two rings side by side, as fractions of the icon's side."""

    radius: float
    offset: float
    thickness: float
    gap: float


COLOR_RINGS = RingGeometry(radius=0.215, offset=0.15, thickness=0.075, gap=0.014)
OUTLINE_RINGS = RingGeometry(radius=0.25, offset=0.17, thickness=0.095, gap=0.05)


def _annulus(side: int, cx: float, cy: float, radius: float, thickness: float) -> Image.Image:
    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)
    outer, inner = radius + thickness / 2, radius - thickness / 2
    draw.ellipse((cx - outer, cy - outer, cx + outer, cy + outer), fill=255)
    draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=0)
    return mask


def _half(side: int, *, top: bool) -> Image.Image:
    mask = Image.new("L", (side, side), 0)
    middle = side // 2
    box = (0, 0, side, middle) if top else (0, middle, side, side)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    return mask


def linked_rings(side: int, geometry: RingGeometry) -> tuple[Image.Image, Image.Image]:
    """Masks of the left and right ring at ``side`` pixels, woven: left over right at the top
    crossing, right over left at the bottom one, with a gap where one passes over the other."""
    centre = side / 2
    radius, offset = geometry.radius * side, geometry.offset * side
    thickness, gap = geometry.thickness * side, geometry.gap * side
    left = _annulus(side, centre - offset, centre, radius, thickness)
    right = _annulus(side, centre + offset, centre, radius, thickness)
    # A ring grown by the gap on both sides is the ring dilated by the gap: cut that away from
    # the ring passing underneath, in the half where the other one is on top.
    left_halo = _annulus(side, centre - offset, centre, radius, thickness + 2 * gap)
    right_halo = _annulus(side, centre + offset, centre, radius, thickness + 2 * gap)
    right = ImageChops.subtract(right, ImageChops.multiply(left_halo, _half(side, top=True)))
    left = ImageChops.subtract(left, ImageChops.multiply(right_halo, _half(side, top=False)))
    return left, right


def _downscale(mask: Image.Image, side: int) -> Image.Image:
    return mask.resize((side, side), Image.Resampling.LANCZOS)


def draw_color(side: int = COLOR_SIZE) -> Image.Image:
    """Full-colour icon: a rounded teal square with the two rings."""
    big = side * _SUPERSAMPLE
    gradient = Image.linear_gradient("L").resize((big, big))
    background = Image.composite(
        Image.new("RGB", (big, big), BACKGROUND_BOTTOM),
        Image.new("RGB", (big, big), BACKGROUND_TOP),
        gradient,
    )
    shape = Image.new("L", (big, big), 0)
    ImageDraw.Draw(shape).rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.2, fill=255)
    left, right = linked_rings(big, COLOR_RINGS)
    picture = background.copy()
    picture.paste(Image.new("RGB", (big, big), RING_RIGHT), mask=right)
    picture.paste(Image.new("RGB", (big, big), RING_LEFT), mask=left)
    icon = picture.resize((side, side), Image.Resampling.LANCZOS).convert("RGBA")
    icon.putalpha(_downscale(shape, side))
    return icon


def draw_outline(side: int = OUTLINE_SIZE) -> Image.Image:
    """Outline icon: the same rings in white; colour is constant, only alpha varies."""
    big = side * _SUPERSAMPLE
    left, right = linked_rings(big, OUTLINE_RINGS)
    alpha = _downscale(ImageChops.lighter(left, right), side)
    # Faint fringe pixels would read as grey smudges on dark themes: snap them to clear.
    alpha = alpha.point(lambda value: 0 if value < 24 else value)
    icon = Image.new("RGBA", (side, side), (*WHITE, 0))
    icon.putalpha(alpha)
    return icon


def write_icons(directory: Path) -> tuple[Path, Path]:
    """Write ``color.png`` and ``outline.png`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    color, outline = directory / "color.png", directory / "outline.png"
    draw_color().save(color, optimize=True)
    draw_outline().save(outline, optimize=True)
    return color, outline


if __name__ == "__main__":
    write_icons(Path(sys.argv[1] if len(sys.argv) > 1 else "appPackage"))
