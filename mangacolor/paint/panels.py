"""Colouring a page through its layout: panel by panel, with bubbles, lettering and gutters kept.

Each panel (layout.py), trimmed to its drawing and a margin of paper (`content`), is
cropped as an image of its own: the network sees it at its working size rather than as a
sliver of the whole page, and flattening stops at the crop's border, inside the frame, so
the panel's paper is the paper around its drawing rather than one closed region to fill.
The panels' colour layers are put back into a page-size layer, and the pixels the layout
protects (gutters, frames, speech bubbles, lettering: `kept`) are composed exactly as drawn. page.py runs these steps.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from scipy import ndimage

from mangacolor import color
from mangacolor.paint.compose import PAPER
from mangacolor.paint.hints import Hints, Point, hint_channels, read_points
from mangacolor.paint.layout import Box, Layout
from mangacolor.paint.settings import PaintSettings


def crop_hints(hints: Hints, box: Box, page_shape: tuple[int, ...]) -> Hints:
    """The page's hints that fall in `box`, in the box's own coordinates; None if none does.

    Points (also a JSON file's) move with the box; a scribble or ready hint channels are
    laid out at the page's resolution and cropped."""
    if hints is None:
        return None
    if isinstance(hints, (str, os.PathLike)) and Path(hints).suffix.lower() == ".json":
        hints = read_points(hints)
    x, y, w, h = box
    if isinstance(hints, (list, tuple)) and all(isinstance(p, Point) for p in hints):
        for p in hints:
            if not (0 <= p.x < page_shape[1] and 0 <= p.y < page_shape[0]):
                raise ValueError(f"hint at ({p.x:g}, {p.y:g}) is outside the page ({page_shape[1]} x {page_shape[0]})")
        inside = [Point(p.x - x, p.y - y, p.color) for p in hints if x <= p.x < x + w and y <= p.y < y + h]
        return inside or None
    channels = hint_channels(hints, page_shape, page_shape[:2])[y : y + h, x : x + w]
    return channels if channels[..., -1].any() else None


def content(lightness: np.ndarray, box: Box, kept: np.ndarray | None, settings: PaintSettings) -> Box | None:
    """The part of a panel the network colours: the box around its drawing's ink (not what is
    `hidden`) with a margin of paper, `content_margin` of the panel's long side, so that the
    drawing is seen as large as it can be and its paper still touches the crop's border; None
    for a panel with no drawing. (A bubble's outline taken for the drawing made the crop half
    again as tall and the drawing that much smaller to the network: bench/pages.py.)"""
    x, y, w, h = box
    ink = (lightness[y : y + h, x : x + w] < settings.ink_lightness) & ~hidden(kept, box, settings)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return None
    margin = round(settings.content_margin * max(w, h))
    top, left = max(0, rows[0] - margin), max(0, cols[0] - margin)
    bottom, right = min(h, rows[-1] + 1 + margin), min(w, cols[-1] + 1 + margin)
    return x + left, y + top, right - left, bottom - top


def hidden(kept: np.ndarray | None, box: Box, settings: PaintSettings) -> np.ndarray:
    """(h, w) bool of `box`: what is not the drawing, the pixels `kept` as drawn (bubbles,
    lettering, gutters) and those within `content_margin` / 4 of the box's long side of them
    (a bubble's outline, the frame's edge)."""
    x, y, w, h = box
    if kept is None:
        return np.zeros((h, w), bool)
    reach = max(1, round(settings.content_margin / 4 * max(w, h)))
    around = kept[max(0, y - reach) : y + h + reach, max(0, x - reach) : x + w + reach]
    grown = ndimage.binary_dilation(around, iterations=reach)
    return grown[min(y, reach) : min(y, reach) + h, min(x, reach) : min(x, reach) + w]


def kept(layout: Layout, lightness: np.ndarray, settings: PaintSettings) -> np.ndarray | None:
    """The pixels composed exactly as drawn: outside the panels (gutters, frames, margins) when
    panels are coloured one by one, the lettering, and the speech bubbles (with a `bubble_tint`,
    only their lettering: the rest takes the tint). None where nothing is kept."""
    if layout.plain:
        return None
    keep = np.zeros(layout.shape, bool)
    if settings.panels and not layout.whole_page:
        keep[:] = True
        for x, y, w, h in layout.panels:
            keep[y : y + h, x : x + w] = False
    if settings.protect_text:
        keep |= layout.text
    if settings.protect_bubbles:
        for inside in layout.bubbles:
            keep |= inside if settings.bubble_tint is None else inside & (lightness < settings.paper_lightness)
    return keep if keep.any() else None


def assemble(shape: tuple[int, ...], boxes: list[Box], layers: list[np.ndarray]) -> np.ndarray:
    """The panels' colour layers in a page-size layer (H, W, 3) of paper."""
    page = np.empty((*shape[:2], 3), np.float32)
    page[:] = PAPER
    for (x, y, w, h), layer in zip(boxes, layers, strict=True):
        page[y : y + h, x : x + w] = layer
    return page


def protect(layer: np.ndarray, layout: Layout | None, keep: np.ndarray | None, settings: PaintSettings) -> np.ndarray:
    """The colour layer with paper where pixels are kept, and a `bubble_tint` on bubble paper."""
    if layout is not None and settings.protect_bubbles and settings.bubble_tint is not None and layout.bubbles:
        lab = color.rgb_to_lab(np.asarray(settings.bubble_tint, np.float32) / 255.0)
        tint = np.array([float(lab[0]) / 100.0, float(lab[1]), float(lab[2])], np.float32)
        for inside in layout.bubbles:
            layer[inside] = tint
    if keep is not None:
        layer[keep] = PAPER
    return layer
