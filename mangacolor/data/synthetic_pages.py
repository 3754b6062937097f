"""Synthetic manga pages with a colour truth: the page benchmark's (bench/pages.py), the tests' and
notebook 05's, since manga pages of our own to ship are none.

A page is an A4 sheet (150 dpi: 1240 x 1754 px) of framed panels on white paper with
white gutters. Each panel holds one of the bundled COLOUR drawings as B&W line art
(`data.simulation.lineart_of`, as the `lineart` input is made for evaluation), so the
coloured drawing is the truth; some panels have a speech bubble (a white ellipse with an
outline and lettering drawn by PIL) and one a line of narration on the panel's paper.
Everything is drawn from a seed: the same seed, the same page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mangacolor.data.images import load_image
from mangacolor.data.simulation import lineart_of
from mangacolor.data.sources import sample_pairs

Box = tuple[int, int, int, int]  # x, y, w, h in page pixels

A4 = (1240, 1754)  # width, height at 150 dpi
ROWS = ((0.30, (0.58, 0.42)), (0.36, (0.38, 0.62)), (0.34, (0.5, 0.5)))  # row height, panel widths (shares)
LINES = [("WHERE ARE YOU", "GOING?"), ("WAIT FOR ME!",), ("I SAW IT", "OVER THERE."), ("NOT AGAIN...", "LOOK!")]


@dataclass
class SyntheticPage:
    """A B&W page, its colour truth, and where everything is (the analysis's truth)."""

    bw: np.ndarray  # uint8 RGB, ink on white
    truth: np.ndarray  # uint8 RGB, the drawings in colour, all else as on `bw`
    panels: list[Box]  # the paper inside each frame (frame lines excluded)
    drawings: list[Box]  # where each drawing lies
    line_art: list[np.ndarray] = field(default_factory=list)  # each drawing's B&W, as on the page
    bubbles: list[np.ndarray] = field(default_factory=list)  # (H, W) bool: each bubble's inside
    text: list[Box] = field(default_factory=list)  # lettering outside bubbles


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def grid(size: tuple[int, int] = A4, rows=ROWS, margin: float = 0.05, gutter: float = 0.02) -> list[Box]:
    """Panel frames (outer boxes) in rows, with white margins and gutters."""
    width, height = size
    m, g = round(margin * width), round(gutter * width)
    boxes, y = [], m
    usable_h = height - 2 * m - g * (len(rows) - 1)
    for share_h, widths in rows:
        h = round(share_h * usable_h)
        usable_w = width - 2 * m - g * (len(widths) - 1)
        x = m
        for share_w in widths:
            w = round(share_w * usable_w)
            boxes.append((x, y, w, h))
            x += w + g
        y += h + g
    return boxes


def line_art(rgb: np.ndarray) -> np.ndarray:
    """The coloured drawing as black lines on white (uint8 RGB), as the `lineart` input is made."""
    return np.repeat(lineart_of(rgb)[..., None], 3, axis=-1)


def draw_bubble(
    bw: Image.Image, truth: Image.Image, box: Box, lines: list[str], outline: int = 3, column: bool = False
) -> np.ndarray:
    """A white ellipse with an outline and centred lettering on both pages; its inside as a mask.
    `column`: one line set top to bottom, letter under letter, as Japanese is set."""
    x, y, w, h = box
    size = max(12, w // 3 if column else h // 6)
    font = _font(size)
    for image in (bw, truth):
        draw = ImageDraw.Draw(image)
        draw.ellipse([x, y, x + w, y + h], fill="white", outline="black", width=outline)
        if column:
            for i, letter in enumerate(lines[0]):
                centre = y + h / 2 + (i - (len(lines[0]) - 1) / 2) * size
                draw.text((x + w / 2, centre), letter, fill="black", font=font, anchor="mm")
        else:
            text = "\n".join(lines)
            draw.multiline_text((x + w / 2, y + h / 2), text, fill="black", font=font, anchor="mm", align="center")
    inside = Image.new("L", bw.size, 0)
    ImageDraw.Draw(inside).ellipse([x + outline, y + outline, x + w - outline, y + h - outline], fill=255)
    return np.asarray(inside) > 127


def draw_text(bw: Image.Image, truth: Image.Image, xy: tuple[int, int], text: str, size: int) -> Box:
    """Lettering on the paper (narration), on both pages; its box."""
    font = _font(size)
    for image in (bw, truth):
        ImageDraw.Draw(image).text(xy, text, fill="black", font=font)
    left, top, right, bottom = ImageDraw.Draw(bw).textbbox(xy, text, font=font)
    return left, top, right - left, bottom - top


def _place(drawing: np.ndarray, room: Box) -> tuple[np.ndarray, Box]:
    """The drawing scaled to fit `room`, and where it goes (centred)."""
    x, y, w, h = room
    scale = min(w / drawing.shape[1], h / drawing.shape[0])
    size = max(1, round(drawing.shape[1] * scale)), max(1, round(drawing.shape[0] * scale))
    resized = np.asarray(Image.fromarray(drawing).resize(size, Image.Resampling.BICUBIC))
    return resized, (x + (w - size[0]) // 2, y + (h - size[1]) // 2, size[0], size[1])


def make_page(
    drawings: list[np.ndarray], seed: int = 0, size: tuple[int, int] = A4, frame: int = 4, bubbles: int = 3
) -> SyntheticPage:
    """A page of framed panels, one coloured drawing each (as line art), `bubbles` speech
    bubbles in panels 0, 3 and 4 (in that order) and a line of narration in the last panel."""
    rng = np.random.default_rng(seed)
    bw, truth = Image.new("RGB", size, "white"), Image.new("RGB", size, "white")
    frames = grid(size)
    page = SyntheticPage(np.zeros(0), np.zeros(0), [], [])
    with_bubble = [0, 3, 4][:bubbles]
    for i, (x, y, w, h) in enumerate(frames):
        ImageDraw.Draw(bw).rectangle([x, y, x + w - 1, y + h - 1], outline="black", width=frame)
        ImageDraw.Draw(truth).rectangle([x, y, x + w - 1, y + h - 1], outline="black", width=frame)
        inner = (x + frame, y + frame, w - 2 * frame, h - 2 * frame)
        page.panels.append(inner)
        pad = round(0.05 * min(w, h))
        band = round(0.3 * h) if i in with_bubble or i == len(frames) - 1 else 0
        room = (inner[0] + pad, inner[1] + pad + band, inner[2] - 2 * pad, inner[3] - 2 * pad - band)
        colour, where = _place(drawings[i % len(drawings)], room)
        art = line_art(colour)
        bw.paste(Image.fromarray(art), where[:2])
        truth.paste(Image.fromarray(colour), where[:2])
        page.drawings.append(where)
        page.line_art.append(art)
        if i in with_bubble:
            bw_, bh = round(0.5 * inner[2]), round(0.26 * h)
            left = inner[0] + pad if rng.random() < 0.5 else inner[0] + inner[2] - pad - bw_
            lines = LINES[int(rng.integers(0, len(LINES)))]
            page.bubbles.append(draw_bubble(bw, truth, (left, inner[1] + pad // 2, bw_, bh), list(lines)))
        elif i == len(frames) - 1:
            page.text.append(draw_text(bw, truth, (inner[0] + pad, inner[1] + pad), "MEANWHILE, AT THE RIVER...", 24))
    page.bw, page.truth = np.asarray(bw), np.asarray(truth)
    return page


def sample_drawings(count: int = 6, seed: int = 0) -> list[np.ndarray]:
    """`count` coloured drawings of the bundled test split, picked by `seed` (never trained on)."""
    pairs = sample_pairs("test")
    picked = np.random.default_rng(seed).choice(len(pairs), count, replace=False)
    return [load_image(pairs[int(i)].color) for i in picked]
