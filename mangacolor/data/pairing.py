"""Pairs: a colour target and, where a source has one, its real B&W input, checked by content.

A B&W file is paired with its colour file only when their content matches
(`content_match`: the outlines of the two, downscaled, lie and run alike); one
that does not match, or cannot be read, is set aside, its colour page trains with
input derived from it, and `content_checked` says how many were set aside and why,
in one PairingWarning.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from mangacolor.data.images import DataError, opened, to_8bit


class PairingWarning(UserWarning):
    """B&W files of a paired source were set aside (content not matching, or unreadable); one per call."""


@dataclass(frozen=True)
class Pair:
    """One training example: a coloured target and, where the source has one, a real B&W input."""

    color: str
    bw: str | None = None


MATCH_SIZE = 64  # both files are compared as MATCH_SIZE x MATCH_SIZE lightness (area-averaged)
# Measured by bench/pairing_threshold.py (300 bundled drawings and 60 manga-like pages, seed 0):
# genuine B&W versions (grayscale, also JPEG, rescaled, cropped 2%; XDoG line art, also thick,
# JPEG, with screentone; screentone; ink) median 0.94, 1st percentile 0.64, lowest 0.29 (4 of
# 3548 below 0.47: the ink of one drawing, three line-art versions of pages); mismatched
# (another drawing's versions, the real B&W drawings, a text page, pages of the same panel
# layout with other drawings) median 0.07, 99th percentile 0.32, highest 0.43 (none of 2100
# at 0.47 or more). Two drawings of one outline on white do match (Jupiter's and Venus's discs: 0.69).
MATCH_THRESHOLD = 0.47
_scores: dict[tuple, float | tuple[str, str]] = {}  # (colour, B&W files) -> score, or (why not, detail)


def _match_thumbnail(path: str | os.PathLike) -> np.ndarray:
    """A file's lightness, area-downscaled to MATCH_SIZE x MATCH_SIZE (stretched), in [0, 1].

    Cheap on large files: a JPEG is decoded at a fraction of its size (`draft`).
    Raises DataError naming a file that cannot be read."""
    with opened(path) as im:
        if im.mode in ("L", "RGB"):
            im.draft("L", (2 * MATCH_SIZE, 2 * MATCH_SIZE))  # JPEG only; others decode in full
        im.load()
        small = to_8bit(ImageOps.exif_transpose(im), "L").resize((MATCH_SIZE, MATCH_SIZE), Image.BOX)
        return np.asarray(small, np.float32) / 255.0


def _smooth(x: np.ndarray) -> np.ndarray:
    """The mean over 3 x 3 pixels (edges repeated)."""
    h, w = x.shape
    padded = np.pad(x, 1, mode="edge")
    return sum(padded[i : i + h, j : j + w] for i in range(3) for j in range(3)) / 9.0


def _outlines(lightness: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the outlines are (gradient magnitude) and which way they run (the gradient
    as a complex number, squared: its angle doubled, so that a line with dark on one side
    and one with dark on the other agree), both smoothed over 3 x 3 pixels."""
    gy, gx = np.zeros_like(lightness), np.zeros_like(lightness)
    gy[1:-1] = lightness[2:] - lightness[:-2]
    gx[:, 1:-1] = lightness[:, 2:] - lightness[:, :-2]
    return _smooth(np.hypot(gx, gy)), _smooth((gx + 1j * gy) ** 2)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / norm if norm > 1e-12 else 0.0  # a blank image matches nothing


def _match_score(color: np.ndarray, bw: np.ndarray) -> float:
    (color_edges, color_ways), (bw_edges, bw_ways) = _outlines(color), _outlines(bw)
    norm = float(np.sqrt((np.abs(color_ways) ** 2).sum() * (np.abs(bw_ways) ** 2).sum()))
    agree = float(np.vdot(bw_ways, color_ways).real) / norm if norm > 1e-12 else 0.0
    return (_correlation(color_edges, bw_edges) + agree) / 2.0


def content_match(color: str | os.PathLike, bw: str | os.PathLike) -> float:
    """How well a B&W file shows the same picture as a colour file, from -1 to 1 (1: the same
    outlines); MATCH_THRESHOLD or more makes a pair.

    Both are compared as lightness at MATCH_SIZE x MATCH_SIZE: the mean of the
    correlation of their edge maps (where the outlines are) and of how well the
    directions of their outlines agree. Outlines rather than lightness, because line
    art (ink on white paper) keeps the outlines of a coloured page but not its tones:
    a colour drawing and its own line art can correlate in lightness less than two
    different drawings on white do. Raises DataError naming a file that cannot be read.
    """
    return _match_score(_match_thumbnail(color), _match_thumbnail(bw))


def _file_key(path: str) -> tuple:
    try:
        st = os.stat(path)
        return (path, st.st_size, st.st_mtime_ns)
    except OSError:
        return (path, None, None)


def _score_or_reason(pair: Pair) -> float | tuple[str, str]:
    """The pair's content_match, or why it cannot be measured and the error (cached while
    neither file changes)."""
    key = (_file_key(pair.color), _file_key(pair.bw))
    if key not in _scores:
        try:
            bw = _match_thumbnail(pair.bw)
        except DataError as e:
            _scores[key] = ("cannot be read", str(e))
        else:
            try:
                _scores[key] = _match_score(_match_thumbnail(pair.color), bw)
            except DataError as e:
                _scores[key] = ("have a colour file that cannot be read", str(e))
    return _scores[key]


def content_checked(pairs: list[Pair], bw_folder: Path) -> list[Pair]:
    """The pairs whose B&W file matches its colour file's content; the others with bw=None,
    reported in one PairingWarning (how many, why, the first few files)."""
    with_bw = [p for p in pairs if p.bw]
    if not with_bw:
        return pairs
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:  # decoding releases the GIL
        verdicts = dict(zip(with_bw, pool.map(_score_or_reason, with_bw), strict=True))
    mismatch = f"do not match their colour file's content (content_match below {MATCH_THRESHOLD})"
    set_aside: dict[str, list[str]] = {}
    checked = []
    for p in pairs:
        verdict = verdicts.get(p)
        if verdict is None or (isinstance(verdict, float) and verdict >= MATCH_THRESHOLD):
            checked.append(p)
            continue
        why, detail = (mismatch, Path(p.bw).name) if isinstance(verdict, float) else verdict
        set_aside.setdefault(why, []).append(detail)
        checked.append(Pair(color=p.color))
    if set_aside:
        total = sum(len(v) for v in set_aside.values())
        parts = [f"{len(v)} {why}: {'; '.join(v[:3])}{'; ...' if len(v) > 3 else ''}" for why, v in set_aside.items()]
        warnings.warn(
            f"{total} of {len(with_bw)} B&W files in {bw_folder} set aside, their colour pages train with "
            f"input derived from the colour: {'. '.join(parts)}",
            PairingWarning,
            stacklevel=3,
        )
    return checked
