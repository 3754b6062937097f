"""Step 4 of colouring a page: the network predicts its colour layer at its working size.

The generator works at a modest resolution (the colorizer's `size`, its training
size). A page is scaled so its long side is `size`, padded with white paper to a
multiple of 32, and the generator predicts its colour layer (factor, a*, b*: see
nets/heads.MultiplyHead); same-size pages share a model call. With `tile=True` the
layer is predicted on overlapping tiles of a larger copy of the page instead, for
pages whose details vanish at `size` pixels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import product
from typing import TYPE_CHECKING

import numpy as np
import tensorflow as tf

from mangacolor import color
from mangacolor.data.hint_sampling import CHANNELS as HINT_CHANNELS
from mangacolor.paint import compose
from mangacolor.paint.hints import Hints, hint_channels

if TYPE_CHECKING:
    from mangacolor.paint.colorizer import Colorizer

PAD_MULTIPLE = 32  # 2**depth of the deepest default generator (U-Net, depth 5)
TILE_BATCH = 4  # tiles per model call in tile mode

Prediction = tuple[np.ndarray, np.ndarray | None]  # a colour layer and its hint channels (None without hints)


def predict(colorizer: Colorizer, pages: list[np.ndarray], hints: list[Hints]) -> list[Prediction]:
    """For each page (uint8 RGB): its colour layer at the working size, and the hint channels it was given."""
    if colorizer.settings.tile:
        return [_tiled(colorizer, page, h) for page, h in zip(pages, hints, strict=True)]
    small = [compose.resize(page, compose.scaled_size(page.shape, colorizer.size)) for page in pages]
    by_shape = defaultdict(list)
    for i, image in enumerate(small):
        by_shape[image.shape].append(i)
    found: dict[int, Prediction] = {}
    for shape, indices in by_shape.items():
        given = _hint_channels(colorizer, [pages[i] for i in indices], [hints[i] for i in indices], shape[:2])
        layers = _predict_batch(colorizer, np.stack([small[i] for i in indices]), given)
        given = [None] * len(indices) if given is None else list(given)
        found.update(zip(indices, zip(layers, given, strict=True), strict=True))
    return [found[i] for i in range(len(pages))]


def predict_together(colorizer: Colorizer, parts: list[np.ndarray], hints: list[Hints]) -> list[Prediction]:
    """The panels of one page in one model call: each scaled to the working size, padded with
    white paper to the largest one's shape (as every page is padded to a multiple of 32), and
    its layer cut back out. One call rather than one per shape: the model's fixed cost per
    call is most of a small panel's (bench/pages.py times a page)."""
    if colorizer.settings.tile or not parts:
        return predict(colorizer, parts, hints)
    small = [compose.resize(part, compose.scaled_size(part.shape, colorizer.size)) for part in parts]
    height, width = max(s.shape[0] for s in small), max(s.shape[1] for s in small)
    pads = [((0, height - s.shape[0]), (0, width - s.shape[1]), (0, 0)) for s in small]
    batch = np.stack([np.pad(s, pad, constant_values=255) for s, pad in zip(small, pads, strict=True)])
    channels = [_hint_channels(colorizer, [p], [h], s.shape[:2]) for p, h, s in zip(parts, hints, small, strict=True)]
    given = None if channels[0] is None else np.stack([np.pad(c[0], p) for c, p in zip(channels, pads, strict=True)])
    layers = _predict_batch(colorizer, batch, given)
    found = []
    for i, image in enumerate(small):
        h, w = image.shape[:2]
        found.append((layers[i, :h, :w], None if given is None else given[i, :h, :w]))
    return found


def _hint_channels(colorizer: Colorizer, pages: list[np.ndarray], hints: list[Hints], shape: tuple[int, int]):
    """The hint channels of same-size pages at the working `shape`, or None for a model without."""
    if not colorizer.takes_hints:
        if any(h is not None for h in hints):
            raise ValueError("this model takes no colour hints: it was trained without them (--no-hint-input)")
        return None
    return np.stack([hint_channels(h, page.shape, shape) for page, h in zip(pages, hints, strict=True)])


def _predict_batch(colorizer: Colorizer, pages: np.ndarray, hints: np.ndarray | None = None) -> np.ndarray:
    """The colour layer (factor, a*, b*) predicted for same-size uint8 RGB images (B, h, w, 3)
    and their hint channels (B, h, w, 4), if the model takes hints."""
    h, w = pages.shape[1:3]
    gray = color.lightness_to_input(color.rgb_to_lightness(tf.cast(pages, tf.float32) / 255.0))
    pad = [[0, 0], [0, -h % PAD_MULTIPLE], [0, -w % PAD_MULTIPLE], [0, 0]]
    gray = tf.pad(gray, pad, constant_values=1.0)
    if colorizer.takes_hints:
        given = np.zeros((*pages.shape[:3], HINT_CHANNELS), np.float32) if hints is None else hints
        gray = tf.concat([gray, tf.pad(given, pad)], axis=-1)
    if colorizer.colour_head is not None:
        return colorizer.colour_head(gray)[:, :h, :w].numpy()
    # An RGB head paints lines and all: keep its colour (a*b*), the page keeps its lightness.
    fake = colorizer.model(gray, training=False)[:, :h, :w]
    ab = color.rgb_to_lab((tf.cast(fake, tf.float32) + 1.0) / 2.0)[..., 1:]
    return tf.concat([tf.ones_like(ab[..., :1]), ab], axis=-1).numpy()


def _tiled(colorizer: Colorizer, page: np.ndarray, hints: Hints = None) -> Prediction:
    """The layer predicted on overlapping size x size tiles of the page scaled to a short side
    of 2 * size, blended with weights that fade out over each overlap (no seams)."""
    s = colorizer.size
    h, w = page.shape[:2]
    work = compose.resize(page, compose.scaled_size(page.shape, round(2 * s * max(h, w) / min(h, w))))
    given = _hint_channels(colorizer, [page], [hints], work.shape[:2])
    boxes = list(product(_tile_starts(work.shape[0], s), _tile_starts(work.shape[1], s)))
    window = _window(s)
    total = np.zeros((*work.shape[:2], 3), np.float32)
    weight = np.zeros((*work.shape[:2], 1), np.float32)
    for batch in batches(boxes, TILE_BATCH):
        tiles = np.stack([work[y : y + s, x : x + s] for y, x in batch])
        tile_hints = None if given is None else np.stack([given[0, y : y + s, x : x + s] for y, x in batch])
        for (y, x), layer in zip(batch, _predict_batch(colorizer, tiles, tile_hints), strict=True):
            total[y : y + s, x : x + s] += layer * window
            weight[y : y + s, x : x + s] += window
    return total / weight, None if given is None else given[0]


def _tile_starts(length: int, tile: int) -> list[int]:
    """Tile offsets along one axis, overlapping by at least tile // 4; the last ends at the end."""
    stride = tile - tile // 4
    return [*range(0, length - tile, stride), length - tile]


def _window(tile: int) -> np.ndarray:
    """Blending weights (tile, tile, 1): 1 inside, ramping linearly to ~0 over the overlap.

    Never 0, so a pixel that only one tile covers (the page's border) keeps its colour.
    """
    i = np.arange(tile, dtype=np.float32) + 0.5
    ramp = np.minimum(1.0, np.minimum(i, tile - i) / max(1, tile // 4))
    return (ramp[:, None] * ramp[None, :])[..., None]


def batches(items: Sequence, n: int) -> Iterator[Sequence]:
    for start in range(0, len(items), n):
        yield items[start : start + n]
