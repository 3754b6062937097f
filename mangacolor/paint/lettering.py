"""Speech bubbles and lettering on a manga page, found on its L* by labels and morphology.

A speech bubble is a closed region of white paper inside an outline that holds lettering:
letters are small pieces of ink, about one size, set close together in lines. A region of
a drawing that is closed and white holds nothing (a cat's body), a few scattered strokes
(the dashes on a stone) or large shapes (the drawing inside a panel's frame): none of them
is lettering. Lettering outside bubbles (narration, captions) is the same small close
pieces of ink standing on white paper, away from any drawing. Used by layout.py; the
thresholds are fields of PaintSettings.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

from mangacolor.paint.settings import PaintSettings

EIGHT = np.ones((3, 3), bool)
GAP = 0.6  # letters of one line stand closer than this many letter heights apart
MIN_LETTER = 7  # px: the median letter is at least this tall (smaller is not read; drawings' marks are)
BLOCK_SCALE = 4  # lines of letters are grouped on a copy of the page this many times smaller
SOLIDITY = 0.8  # a bubble fills this share of its convex hull at least: an ellipse, a box, a soft cloud
INK = (0.005, 0.2)  # share of a bubble's inside its lettering covers (dense kanji up to about 0.15)
ROOM = 15  # a bubble's inside is this many square letter heights at least: a word and a margin
LETTERS = 0.5  # share of the pieces that are letters, at least: the others are stops, commas, accents
ASPECT = 0.5  # median width / height of letters, at least: hatching and stitches are thinner
VARIETY = 0.08  # letters differ in width (coefficient of variation at least): a screentone's dots do not
MAX_PIECES = 2000  # a block of lettering holds fewer pieces of ink; a screentone's dots are more (and cost n^2)


def find_bubbles(lightness: np.ndarray, ink: np.ndarray, settings: PaintSettings) -> list[np.ndarray]:
    """Speech bubbles: (H, W) bool masks of each one's inside (its paper and its lettering)."""
    labels, _ = ndimage.label(~ink)
    area = np.bincount(labels.ravel())
    low, high = (share * ink.size for share in settings.bubble_area)
    found = []
    for label, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None or not low <= area[label] <= high or _touches_border(box, ink.shape):
            continue
        inside = _bubble(labels[box] == label, lightness[box], settings)
        if inside is not None:
            mask = np.zeros(ink.shape, bool)
            mask[box] = inside
            found.append(mask)
    return found


def _touches_border(box: tuple[slice, slice], shape: tuple[int, int]) -> bool:
    return box[0].start == 0 or box[1].start == 0 or box[0].stop == shape[0] or box[1].stop == shape[1]


def _bubble(region: np.ndarray, lightness: np.ndarray, settings: PaintSettings) -> np.ndarray | None:
    """The region with its holes filled, if it is a speech bubble: white paper, a compact
    shape, and inside it lettering and nothing else."""
    if np.mean(lightness[region] >= settings.paper_lightness) < 0.95:
        return None
    inside = ndimage.binary_fill_holes(region)
    marks = inside & ~region
    if not INK[0] <= marks.sum() / inside.sum() <= INK[1]:
        return None
    labels, count = ndimage.label(marks, EIGHT)
    if count < settings.min_glyphs:
        return None
    boxes = _boxes(ndimage.find_objects(labels))
    heights = boxes[:, 3] - boxes[:, 1]
    if heights.max() > 0.4 * region.shape[0] or (boxes[:, 2] - boxes[:, 0]).max() > 0.8 * region.shape[1]:
        return None  # a shape too large for a letter: a drawing's part
    height = letter_height(boxes, settings.min_glyphs)
    if height == 0 or inside.sum() < ROOM * height**2:
        return None
    if _grouped(boxes, region.shape, settings.min_glyphs).mean() < 0.8 or _solidity(inside) < SOLIDITY:
        return None
    return inside


def _solidity(mask: np.ndarray) -> float:
    """The share of its convex hull a mask fills (pixels as unit squares around their centres)."""
    rows, cols = np.nonzero(mask)
    try:
        hull = ConvexHull(np.column_stack([rows, cols]))
    except QhullError:  # a line: no area
        return 1.0
    return len(rows) / (hull.volume + hull.area / 2 + 1)  # the hull of the squares, not of their centres


def _boxes(slices: list[tuple[slice, slice] | None]) -> np.ndarray:
    """(N, 4) int: x0, y0, x1, y1 of each labelled piece."""
    return np.array([(s[1].start, s[0].start, s[1].stop, s[0].stop) for s in slices if s is not None], int).reshape(
        -1, 4
    )


def letter_height(boxes: np.ndarray, min_glyphs: int) -> float:
    """The median letter's height if pieces of ink (boxes x0, y0, x1, y1) read as lettering,
    else 0. Letters are the pieces at least 0.4 times as tall as the tallest (not the stops
    and commas): at least `min_glyphs` of them and LETTERS of all pieces, the median one at
    least MIN_LETTER px tall and ASPECT as wide, nearly all of one height (within half the
    median) but of VARIETY in width, and nearly every piece beside a neighbour in a line
    (`in_line`)."""
    if len(boxes) > MAX_PIECES:
        return 0.0
    heights, widths = boxes[:, 3] - boxes[:, 1], boxes[:, 2] - boxes[:, 0]
    big = heights >= 0.4 * heights.max()
    letters, median = heights[big], float(np.median(heights[big]))
    if len(letters) < max(min_glyphs, LETTERS * len(boxes)) or median < MIN_LETTER:
        return 0.0
    if np.median(widths[big] / letters) < ASPECT or np.std(widths[big]) < VARIETY * np.mean(widths[big]):
        return 0.0
    if np.mean(np.abs(letters - median) <= 0.5 * median) < 0.8 or np.mean(in_line(boxes)) < 0.8:
        return 0.0
    return median


def _grouped(boxes: np.ndarray, shape: tuple[int, int], min_glyphs: int) -> np.ndarray:
    """Which pieces (boxes x0, y0, x1, y1) stand in lines of letters: in a group of at least
    `min_glyphs` (`_groups`), beside a neighbour of the same line (`in_line`)."""
    return (_groups(boxes, shape, min_glyphs) > 0) & in_line(boxes)


def in_line(boxes: np.ndarray) -> np.ndarray:
    """Which pieces (boxes x0, y0, x1, y1) have a neighbour in a line of lettering: beside it,
    less than GAP letter heights away, sharing at least half of the smaller one's height
    (a horizontal line), or above or below it sharing half of its width (a vertical one, as
    Japanese is set). Strokes scattered over a drawing rarely line up so."""
    return _beside(boxes) | _beside(boxes[:, [1, 0, 3, 2]])


def _beside(boxes: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = (boxes[:, i, None] for i in range(4))
    height, size = y1 - y0, np.maximum(y1 - y0, x1 - x0)  # a letter's size: its height or, set in a column, width
    shared = np.minimum(y1, y1.T) - np.maximum(y0, y0.T)
    gap = np.maximum(x0, x0.T) - np.minimum(x1, x1.T)
    near = (shared >= 0.5 * np.minimum(height, height.T)) & (gap <= GAP * np.maximum(size, size.T))
    np.fill_diagonal(near, False)
    return near.any(axis=1)


def _groups(boxes: np.ndarray, shape: tuple[int, int], min_glyphs: int) -> np.ndarray:
    """The group of each piece (boxes x0, y0, x1, y1), found on a copy of the page BLOCK_SCALE
    times smaller; 0 for a piece in no group of `min_glyphs`. Each piece is grown by GAP times
    its own height: a full stop joins the letter before it, not the next line."""
    grow = GAP * (boxes[:, 3:] - boxes[:, 1:2])
    small = np.zeros((shape[0] // BLOCK_SCALE + 1, shape[1] // BLOCK_SCALE + 1), bool)
    reach = np.stack([boxes[:, :2] - grow, boxes[:, 2:] + grow], axis=1) / BLOCK_SCALE
    reach = np.clip(np.round(reach).astype(int), 0, [small.shape[1] - 1, small.shape[0] - 1])
    for (x0, y0), (x1, y1) in reach:
        small[y0 : y1 + 1, x0 : x1 + 1] = True
    groups, _ = ndimage.label(small)
    centres = ((boxes[:, :2] + boxes[:, 2:]) / 2 / BLOCK_SCALE).astype(int)
    member = groups[centres[:, 1], centres[:, 0]]
    sizes = np.bincount(member, minlength=groups.max() + 1)
    member[sizes[member] < min_glyphs] = 0
    return member


def find_text(lightness: np.ndarray, ink: np.ndarray, settings: PaintSettings) -> np.ndarray:
    """Lettering on white paper outside bubbles: (H, W) bool, the box around each line or
    block of letters. A letter is a piece of ink at most `glyph_height` of the page's long
    side tall; a block of at least `min_glyphs` of them, nearly all of one height, counts
    where the paper around it is white and holds no other ink (it stands apart from every drawing)."""
    labels, _ = ndimage.label(ink, EIGHT)
    boxes = _boxes(ndimage.find_objects(labels))
    text = np.zeros(ink.shape, bool)
    if boxes.size == 0:
        return text
    heights, widths = boxes[:, 3] - boxes[:, 1], boxes[:, 2] - boxes[:, 0]
    tallest = settings.glyph_height * max(ink.shape)
    small = (heights <= tallest) & (widths <= 4 * tallest)
    if np.count_nonzero(small) < settings.min_glyphs:
        return text
    member = _groups(boxes[small], ink.shape, settings.min_glyphs)
    large = np.flatnonzero((heights > tallest) | (widths > 4 * tallest)) + 1  # labels of drawings' pieces
    white = lightness >= settings.paper_lightness
    for group in np.setdiff1d(np.unique(member), [0]):
        block = boxes[small][member == group]
        height = letter_height(block, settings.min_glyphs)
        margin = _stands_apart(block, height, labels, large, white) if height else 0
        if margin:
            x0, y0 = np.maximum(block[:, :2].min(axis=0) - margin, 0)
            x1, y1 = block[:, 2:].max(axis=0) + margin
            text[y0:y1, x0:x1] = True
    return text


def _stands_apart(block: np.ndarray, height: float, labels: np.ndarray, large: np.ndarray, white: np.ndarray) -> int:
    """Half a letter's `height` in pixels, the margin the block's box is grown by, for a block
    of lettering with white paper (`white`) and no piece of ink larger than a letter (`large`,
    labels) within that margin; 0 for any other block."""
    margin = max(2, round(0.5 * height))
    (bx0, by0), (bx1, by1) = block[:, :2].min(axis=0), block[:, 2:].max(axis=0)
    x0, y0 = max(bx0 - margin, 0), max(by0 - margin, 0)
    x1, y1 = bx1 + margin, by1 + margin
    ring = np.ones(white[y0:y1, x0:x1].shape, bool)
    ring[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0] = False
    if np.isin(labels[y0:y1, x0:x1], large).any() or not ring.any() or white[y0:y1, x0:x1][ring].mean() < 0.95:
        return 0
    return margin
