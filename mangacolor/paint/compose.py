"""The colour layer under the ink, at the page's full resolution.

The generator predicts a colour layer (factor, a*, b*: see heads.MultiplyHead)
at its own modest size. Only that layer is upsampled to the page and laid
under the page's own lightness L*, which it multiplies by the factor: ink stays
black and as sharp as drawn, paper takes the colour. On a B&W drawing the layer
is first flattened to one colour per closed region (flatten.py), and hints fill
the region they are given in: page.py runs those steps in order.
"""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf
from PIL import Image

from mangacolor.nets.heads import combine

CHUNK_PIXELS = 2**18  # colour math on this many pixels at once: bounded memory, one compiled shape
GREY_STEPS = 100  # grey pixels take their colour from a table of L* in steps of 1 / GREY_STEPS
PAPER = (1.0, 0.0, 0.0)  # the colour layer's (factor, a*, b*) that leaves the paper as it is


def scaled_size(shape: tuple[int, ...], long_side: int) -> tuple[int, int]:
    """(width, height) of an image of `shape` scaled so its long side is `long_side`."""
    h, w = shape[:2]
    scale = long_side / max(h, w)
    return max(1, round(w * scale)), max(1, round(h * scale))


def resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area averaging when shrinking, as in training (pipeline.fit_square); bicubic when enlarging."""
    im = Image.fromarray(rgb)
    shrinking = size[0] <= im.width and size[1] <= im.height
    return np.asarray(im.resize(size, Image.Resampling.BOX if shrinking else Image.Resampling.BICUBIC))


def _upsample(channel: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(
        Image.fromarray(np.ascontiguousarray(channel, np.float32)).resize(size, Image.Resampling.BILINEAR)
    )


# ---------------------------------------------------------------- the colour layer under the ink

_LINEAR = np.where((v := np.arange(256) / 255.0) > 0.04045, ((v + 0.055) / 1.055) ** 2.4, v / 12.92).astype(
    np.float32
)  # sRGB code value -> linear light, as color.srgb_to_linear


def lightness(page: np.ndarray) -> np.ndarray:
    """L* (H, W) float32 of uint8 RGB, by table look-up: fast enough for whole pages."""
    y = _LINEAR[page[..., 0]] * 0.212671 + _LINEAR[page[..., 1]] * 0.715160 + _LINEAR[page[..., 2]] * 0.072169
    return np.where(y > 216 / 24389, 116.0 * np.cbrt(y) - 16.0, y * 24389 / 27).astype(np.float32)


def upsample(layer: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A low-resolution (h, w, C) layer bilinearly resized to the page's (H, W)."""
    size = (shape[1], shape[0])
    return np.stack([_upsample(layer[..., i], size) for i in range(layer.shape[-1])], axis=-1)


def layer_to_rgb(layer: np.ndarray) -> np.ndarray:
    """The colour layer alone, as it shows on white paper: uint8 RGB an artist can edit."""
    return under_ink(np.full(layer.shape[:2], 100.0, np.float32), layer)


def fade_tints(layer: np.ndarray, amount: float) -> np.ndarray:
    """The layer with its chroma lowered by `amount` C*ab (PaintSettings.tint_fade), hue kept, never below 0.

    On a grayscale panel the network tints white and grey things (a shirt, a cloud)
    with a few units of its average warm colour, where the truth has none; taking
    those units off every pixel removes the tints and leaves clear colours clear."""
    chroma = np.hypot(layer[..., 1], layer[..., 2])
    layer[..., 1:] *= (np.maximum(chroma - amount, 0.0) / np.maximum(chroma, 1e-6))[..., None]
    return layer


def nearest(layer: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Hint channels resized to the page's (H, W) by nearest neighbour: masks stay masks."""
    rows = np.minimum((np.arange(shape[0]) + 0.5) * layer.shape[0] / shape[0], layer.shape[0] - 1).astype(int)
    cols = np.minimum((np.arange(shape[1]) + 0.5) * layer.shape[1] / shape[1], layer.shape[1] - 1).astype(int)
    return layer[rows][:, cols]


def under_ink(light: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """L* (H, W) under a colour layer (H, W, 3) as uint8 RGB.

    Grey pixels of the layer (no a*b*: the paper a flattened drawing leaves as it is)
    need no gamut fit: they take their grey from a table, which makes a B&W page's
    paper several times cheaper (bench/inference.py). The others go through the colour
    math in chunks of one size: bounded memory, and one XLA compilation."""
    h, w = light.shape
    light, layer = light.reshape(-1), layer.reshape(-1, 3)
    out = np.empty((h * w, 3), np.uint8)
    grey = (layer[:, 1] == 0) & (layer[:, 2] == 0)
    steps = np.clip(light[grey] * layer[grey, 0], 0.0, 100.0) * GREY_STEPS
    out[grey] = _grey_table()[np.rint(steps).astype(np.int32), None]
    coloured = np.flatnonzero(~grey)
    for start in range(0, len(coloured), CHUNK_PIXELS):
        chunk = coloured[start : start + CHUNK_PIXELS]
        out[chunk] = _combine_chunk(light[chunk], layer[chunk])
    return out.reshape(h, w, 3)


@functools.cache
def _grey_table() -> np.ndarray:
    """uint8 sRGB of the greys L* = 0, 1 / GREY_STEPS, ..., 100, by the same colour math."""
    steps = np.arange(100 * GREY_STEPS + 1, dtype=np.float32) / GREY_STEPS
    paper = np.tile(np.float32(PAPER), (len(steps), 1))
    return _combine_chunk(steps, paper)[:, 0]  # 10001 greys: one chunk


def _combine_chunk(light: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """At most CHUNK_PIXELS pixels, padded to exactly that: the compiled function sees one shape."""
    n = len(light)
    pad = CHUNK_PIXELS - n
    return _combine_pixels(np.pad(light, (0, pad)), np.pad(layer, ((0, pad), (0, 0)))).numpy()[:n]


@tf.function(jit_compile=True)
def _combine_pixels(light: tf.Tensor, layer: tf.Tensor) -> tf.Tensor:
    """(N,) L* and (N, 3) layer to (N, 3) uint8; XLA fuses the gamut bisection (bench/inference.py times it)."""
    return tf.cast(tf.round(combine(light[:, None], layer) * 255.0), tf.uint8)
