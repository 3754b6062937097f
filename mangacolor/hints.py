"""Colour hints: the user says which colour goes where, and the model follows.

A hint layer (H, W, 4) sits beside the B&W input: the hint colour in Lab,
scaled to about [-1, 1] (L*/50 - 1, a*/110, b*/110), and a mask that is 1 where
a hint is. No hints is all zeros: the automatic colorizer. Training samples
hints from the target at random points (Zhang et al. 2017, "Real-Time
User-Guided Image Colorization with Learned Deep Priors"): small patches, a
random number per image, many images with none, so one model serves both.

Users give hints as points in page coordinates (x, y, colour), from a JSON file
whose colours may be named in a palette so that a series keeps its colours, or
as a scribble: a transparent PNG with coloured strokes, of any size.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image, ImageColor

from mangacolor.color import input_to_lightness, lightness_to_input, rgb_to_lab

CHANNELS = 4  # L*, a*, b*, mask
AB_SCALE = 110.0
PATCHES = (1, 3, 5)  # training: the side of a hint patch at the model's size, drawn at random
POINT_PATCH = 3  # inference: a clicked point is a patch this large at the model's size
NO_HINT_FRACTION = 0.5  # training images given no hint at all: half, so the automatic mode stays as good
MEAN_HINTS = 8  # training: the number of hints is geometric with this mean (Zhang: p = 1/8)
MAX_HINTS = 32
FLAT_LAB = 6.0  # evaluation hints go where the target varies less than this around them: inside a fill


def encode(lab: tf.Tensor) -> tf.Tensor:
    """Lab to the hint layer's colour channels, about [-1, 1]."""
    return tf.concat([lightness_to_input(lab[..., :1]), lab[..., 1:] / AB_SCALE], axis=-1)


def decode(channels: np.ndarray) -> np.ndarray:
    """The hint layer's colour channels (..., 3) back to Lab."""
    channels = np.asarray(channels, np.float32)
    return np.concatenate([input_to_lightness(channels[..., :1]), channels[..., 1:] * AB_SCALE], axis=-1)


# ---------------------------------------------------------------- sampling from the target


def sample(
    rgb: tf.Tensor, count: tf.Tensor | int, patch: int = 3, seed: tf.Tensor | None = None, inside: bool = False
) -> tf.Tensor:
    """A hint layer with `count` hints taken from the colour image `rgb` (H, W, 3) in [0, 1].

    Points fall on the drawing (not on white paper); each hint is a `patch` x
    `patch` square of the target's local mean colour. With `inside`, only inside
    a fill, where a user clicks: not on an outline or the edge between two colours,
    whose colour is neither side's. With `seed` (2 ints) the points are always
    the same: for evaluation.
    """
    lab = rgb_to_lab(rgb)
    h, w = tf.shape(rgb)[0], tf.shape(rgb)[1]
    chroma = tf.norm(lab[..., 1:], axis=-1)
    drawing = (lab[..., 0] < 95.0) | (chroma > 5.0)
    if inside:
        within = drawing & _flat(lab, patch + 2)
        drawing = tf.cond(tf.reduce_any(within), lambda: within, lambda: drawing)
    drawing = tf.cast(drawing, tf.float32)
    logits = tf.math.log(tf.reshape(drawing, [1, -1]) + 1e-9)  # off the drawing only if there is none
    count = tf.cast(count, tf.int32)
    if seed is None:
        index = tf.random.categorical(logits, count)[0]
    else:
        index = tf.random.stateless_categorical(logits, count, seed)[0]
    points = tf.scatter_nd(index[:, None], tf.ones_like(index, tf.float32), [h * w])
    points = tf.minimum(tf.reshape(points, [1, h, w, 1]), 1.0)
    mask = tf.nn.max_pool2d(points, patch, 1, "SAME")[0]
    colour = tf.nn.avg_pool2d(encode(lab)[None], patch, 1, "SAME")[0]
    return tf.concat([colour * mask, mask], axis=-1)


def _flat(lab: tf.Tensor, size: int) -> tf.Tensor:
    """(H, W) bool: pixels whose size x size neighbourhood varies by less than FLAT_LAB in L*, a* and b*."""
    x = lab[None]
    spread = tf.nn.max_pool2d(x, size, 1, "SAME") + tf.nn.max_pool2d(-x, size, 1, "SAME")
    return tf.reduce_max(spread[0], axis=-1) < FLAT_LAB


def random_hints(rgb: tf.Tensor) -> tf.Tensor:
    """Training hints: none for NO_HINT_FRACTION of the images, else a geometric number of
    hints (mean MEAN_HINTS, at most MAX_HINTS) in patches of a random size."""
    p = 1.0 / MEAN_HINTS
    geometric = tf.math.floor(tf.math.log(tf.random.uniform([], 1e-6, 1.0)) / tf.math.log(1.0 - p)) + 1.0
    count = tf.cast(tf.minimum(geometric, MAX_HINTS), tf.int32)
    count = tf.where(tf.random.uniform([]) < NO_HINT_FRACTION, 0, count)
    choice = tf.random.uniform([], 0, len(PATCHES), dtype=tf.int32)
    branches = [lambda s=s: sample(rgb, count, s) for s in PATCHES]
    return tf.ensure_shape(tf.switch_case(choice, branches), [*rgb.shape[:-1], CHANNELS])


def fixed_hints(rgb: tf.Tensor, count: int) -> tf.Tensor:
    """Evaluation hints: `count` of them inside fills, where a user clicks, the same every
    time for the same image."""
    fingerprint = tf.cast(tf.reduce_sum(tf.cast(rgb * 255.0, tf.int64)) % 2**31, tf.int32)
    seed = tf.stack([tf.constant(count, tf.int32), fingerprint])
    return sample(rgb, count, POINT_PATCH, seed=seed, inside=True)


# ---------------------------------------------------------------- hints from a user


@dataclass(frozen=True)
class Point:
    """A hint in page coordinates: pixel (x, y) from the top left, and an sRGB colour."""

    x: float
    y: float
    color: tuple[int, int, int]


def parse_color(value: str | Sequence[int], palette: dict[str, str] | None = None) -> tuple[int, int, int]:
    """'#d04020', 'red', (208, 64, 32), or a name from `palette`, as an sRGB triple."""
    if isinstance(value, str):
        value = (palette or {}).get(value, value)
        try:
            return ImageColor.getrgb(value)[:3]
        except ValueError as e:
            raise ValueError(f"{value!r} is not a colour (use '#rrggbb', a CSS name or a palette name)") from e
    rgb = tuple(int(v) for v in value)
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise ValueError(f"{value!r} is not an sRGB colour (three integers 0-255)")
    return rgb


def read_points(path: str | os.PathLike, page: str | None = None) -> list[Point]:
    """Points from a JSON hint file, with an optional palette of named colours:

        {"palette": {"hair": "#d04020", "coat": "navy"},
         "points": [{"x": 120, "y": 80, "color": "hair"}],          # every page
         "pages": {"page_01.png": [{"x": 300, "y": 410, "color": "coat"}]}}

    `page` (a file name) adds the points listed for that page.
    """
    path = Path(path)
    try:
        spec = json.loads(path.read_text())
        palette = spec.get("palette", {})
        items = list(spec.get("points", []))
        if page is not None:
            items += spec.get("pages", {}).get(Path(page).name, [])
        return [Point(float(p["x"]), float(p["y"]), parse_color(p["color"], palette)) for p in items]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as e:
        raise ValueError(f"{path}: not a usable hint file ({type(e).__name__}: {e})") from e


def points_layer(points: Sequence[Point], page_shape: tuple[int, ...], shape: tuple[int, int]) -> np.ndarray:
    """A hint layer of `shape` (h, w) for points given on a page of `page_shape` (H, W, ...)."""
    layer = np.zeros((*shape, CHANNELS), np.float32)
    scale_y, scale_x = shape[0] / page_shape[0], shape[1] / page_shape[1]
    half = POINT_PATCH // 2
    for p in points:
        if not (0 <= p.x < page_shape[1] and 0 <= p.y < page_shape[0]):
            raise ValueError(f"hint at ({p.x:g}, {p.y:g}) is outside the page ({page_shape[1]} x {page_shape[0]})")
        y, x = int(p.y * scale_y), int(p.x * scale_x)
        lab = rgb_to_lab(np.asarray(p.color, np.float32) / 255.0)
        layer[max(0, y - half) : y + half + 1, max(0, x - half) : x + half + 1] = [*encode(lab).numpy(), 1.0]
    return layer


def scribble_layer(scribble: Image.Image | np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A hint layer of `shape` (h, w) from a transparent image with coloured strokes (any size):
    the opaque pixels are hints, in their own colour."""
    image = scribble if isinstance(scribble, Image.Image) else Image.fromarray(np.asarray(scribble, np.uint8))
    rgba = np.asarray(image.convert("RGBA").resize((shape[1], shape[0]), Image.Resampling.NEAREST))
    mask = (rgba[..., 3] > 127).astype(np.float32)[..., None]
    colour = encode(rgb_to_lab(rgba[..., :3].astype(np.float32) / 255.0)).numpy()
    return np.concatenate([colour * mask, mask], axis=-1)


Hints = Sequence[Point] | Image.Image | np.ndarray | str | os.PathLike | None


def layer_for(hints: Hints, page_shape: tuple[int, ...], shape: tuple[int, int], page: str | None = None) -> np.ndarray:
    """Any form of user hints as a hint layer of `shape`: points, a scribble (image, array or
    .png path), a JSON hint file, a ready (H, W, 4) layer in page coordinates, or None."""
    if hints is None:
        return np.zeros((*shape, CHANNELS), np.float32)
    if isinstance(hints, (str, os.PathLike)):
        if Path(hints).suffix.lower() == ".json":
            return points_layer(read_points(hints, page), page_shape, shape)
        with Image.open(hints) as im:
            return scribble_layer(im, shape)
    if isinstance(hints, np.ndarray) and hints.ndim == 3 and hints.shape[-1] == CHANNELS and hints.dtype != np.uint8:
        return _resize_layer(hints.astype(np.float32), shape)
    if isinstance(hints, (Image.Image, np.ndarray)):
        return scribble_layer(hints, shape)
    return points_layer(list(hints), page_shape, shape)


def _resize_layer(layer: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if layer.shape[:2] == tuple(shape):
        return layer
    index_y = (np.arange(shape[0]) * layer.shape[0] / shape[0]).astype(int)
    index_x = (np.arange(shape[1]) * layer.shape[1] / shape[1]).astype(int)
    return layer[index_y][:, index_x]
