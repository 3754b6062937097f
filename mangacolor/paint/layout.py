"""Step 3 of colouring a page, continued: where a manga page's panels, speech bubbles and lettering are.

A manga page is framed panels on white paper. Each frame is a long straight ink line
around its panel, and the gutters between frames are paper. `find_layout` finds them on
the page's L* with classical image processing (labels, morphology and line profiles,
milliseconds on an A4 page), with the speech bubbles and the lettering outside them
(lettering.py), and returns a `Layout` a user can look at and correct before colouring.

A page whose drawings are not all inside frames (borderless or irregular panels, or a
single drawing on white, such as the bundled B&W drawings) is one whole-page panel; with
neither frames nor bubbles it is a drawing, whose words (a label, a signature) are part of
it, and it is coloured exactly as a drawing always was. The thresholds are fields of
PaintSettings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from mangacolor.paint.lettering import find_bubbles, find_text
from mangacolor.paint.settings import PaintSettings

Box = tuple[int, int, int, int]  # x, y, w, h in page pixels, from the top left
EIGHT = np.ones((3, 3), bool)  # ink is connected through corners


@dataclass
class Layout:
    """What a page is made of; every field can be changed before colouring (`Colorizer.colorize(...,
    layout=...)`).

    shape: the page's (H, W).
    panels: the paper inside each panel's frame, (x, y, w, h), frame lines excluded, rows from
        the top, left to right; one box of the whole page where no frames were found.
    bubbles: one (H, W) bool mask per speech bubble: its inside, paper and lettering.
    text: (H, W) bool: lettering found outside bubbles (narration, captions), as boxes around its lines.
    """

    shape: tuple[int, int]
    panels: list[Box]
    bubbles: list[np.ndarray]
    text: np.ndarray

    @property
    def whole_page(self) -> bool:
        return self.panels == [(0, 0, self.shape[1], self.shape[0])]

    @property
    def plain(self) -> bool:
        """A page coloured as one drawing: no frames, no bubbles, no lettering found."""
        return self.whole_page and not self.bubbles and not self.text.any()


def whole(shape: tuple[int, ...]) -> Layout:
    """The layout of a single drawing: one whole-page panel, nothing else."""
    h, w = shape[:2]
    return Layout((h, w), [(0, 0, w, h)], [], np.zeros((h, w), bool))


def find_layout(lightness: np.ndarray, settings: PaintSettings) -> Layout:
    """The panels, bubbles and lettering of a page, from its L* (H, W)."""
    ink = lightness < settings.ink_lightness
    bubbles = find_bubbles(lightness, ink, settings)
    zones = bubble_zones(bubbles, ink.shape)
    text = find_text(lightness, ink & ~zones, settings)
    layout = whole(ink.shape)
    layout.bubbles, layout.text = bubbles, text
    panels, frames = find_panels(ink & ~zones, zones, settings)
    if _a_page_of_panels(frames, ink & ~zones & ~text, settings):
        layout.panels = panels
    elif not bubbles:  # a single drawing: a word in it (a label, a signature) is coloured with it
        layout.text = np.zeros(ink.shape, bool)
    return layout


def _a_page_of_panels(frames: list[Box], loose: np.ndarray, settings: PaintSettings) -> bool:
    """Whether frames make a page of panels: `min_panels` of them, covering `panel_cover` of the
    page, and holding all of its ink (`loose`: not lettering or bubbles) but `loose_ink`."""
    covered = sum(w * h for _, _, w, h in frames) / loose.size
    return (
        len(frames) >= settings.min_panels
        and covered >= settings.panel_cover
        and _loose_ink(loose, frames) <= settings.loose_ink
    )


def bubble_zones(bubbles: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """The bubbles with their outlines: each inside grown by a few pixels (more on larger pages)."""
    reach = max(3, round(max(shape) / 250))
    zones = np.zeros(shape, bool)
    for inside in bubbles:
        rows, cols = np.nonzero(inside)
        box = (
            slice(max(0, rows.min() - reach), rows.max() + reach + 1),
            slice(max(0, cols.min() - reach), cols.max() + reach + 1),
        )
        zones[box] |= ndimage.distance_transform_edt(~inside[box]) <= reach
    return zones


def find_panels(ink: np.ndarray, zones: np.ndarray, settings: PaintSettings) -> tuple[list[Box], list[Box]]:
    """Framed panels: (the paper inside each frame, each frame's outer box), rows from the top.

    A frame is a connected piece of ink whose bounding box is ringed by long straight lines:
    rows and columns of it that are mostly ink, covering `frame_coverage` of each side (a
    bubble drawn over a frame, `zones`, counts as covering it)."""
    labels, _ = ndimage.label(ink, EIGHT)
    h, w = ink.shape
    found = []
    for label, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None or _area(box) < settings.min_panel * h * w:
            continue
        inner = _frame(labels[box] == label, zones[box], settings.frame_coverage)
        if inner is not None:
            x, y = box[1].start, box[0].start
            outer = (x, y, box[1].stop - x, box[0].stop - y)
            found.append(((x + inner[0], y + inner[1], inner[2], inner[3]), outer))
    found = [(inner, outer) for inner, outer in found if not any(_inside(outer, o) for _, o in found if o != outer)]
    found.sort(key=lambda pair: (pair[0][1], pair[0][0]))
    return [inner for inner, _ in found], [outer for _, outer in found]


def _area(box: tuple[slice, slice]) -> int:
    return (box[0].stop - box[0].start) * (box[1].stop - box[1].start)


def _inside(a: Box, b: Box) -> bool:
    """Box a lies within box b."""
    return a[0] >= b[0] and a[1] >= b[1] and a[0] + a[2] <= b[0] + b[2] and a[1] + a[3] <= b[1] + b[3]


def _frame(piece: np.ndarray, zones: np.ndarray, coverage: float) -> Box | None:
    """The paper inside a frame, in the piece's own coordinates, or None if the piece has no
    frame. Lines are looked for on the piece thickened by a pixel, so a frame drawn slightly
    askew still makes long rows, with the bubbles over it (`zones`) counted as line; the box
    starts a pixel inside the frame's inner edge."""
    rows = _long_lines(_thicken(piece) | zones, coverage)
    cols = _long_lines(_thicken(piece.T) | zones.T, coverage)
    if rows is None or cols is None:
        return None
    (top, bottom), (left, right) = rows, cols
    if bottom - top < 8 or right - left < 8:
        return None
    inner = piece[top + 1 : bottom, left + 1 : right]
    sides = (inner[0], inner[-1], inner[:, 0], inner[:, -1])
    if any(side.mean() > 0.5 for side in sides):  # still on the line: a thick blot, not a frame
        return None
    return left + 1, top + 1, right - left - 1, bottom - top - 1


def _thicken(piece: np.ndarray) -> np.ndarray:
    """The piece with each row also taking the ink of the rows above and below it."""
    thick = piece.copy()
    thick[1:] |= piece[:-1]
    thick[:-1] |= piece[1:]
    return thick


def _long_lines(piece: np.ndarray, coverage: float) -> tuple[int, int] | None:
    """The inner edges of the first and last runs of rows that are ink across `coverage` of
    the piece's width, if there are two such runs, as (last row of the first, first row of the last)."""
    long = np.flatnonzero(piece.mean(axis=1) >= coverage)
    if long.size < 2:
        return None
    breaks = np.flatnonzero(np.diff(long) > 1)
    if breaks.size == 0:
        return None
    return int(long[breaks[0]]), int(long[breaks[-1] + 1])


def _loose_ink(ink: np.ndarray, frames: list[Box]) -> float:
    """The share of the page's ink outside every frame: drawings in no panel."""
    inside = np.zeros(ink.shape, bool)
    for x, y, w, h in frames:
        inside[y : y + h, x : x + w] = True
    total = np.count_nonzero(ink)
    return np.count_nonzero(ink & ~inside) / total if total else 0.0
