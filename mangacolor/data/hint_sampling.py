"""Hint channels: how colour hints reach the generator, and how training samples them from the target.

Hint channels (H, W, 4) sit beside the B&W input: the hint colour in Lab, scaled
to about [-1, 1] (L*/50 - 1, a*/110, b*/110), and a mask that is 1 where a hint
is. No hints is all zeros: the automatic colorizer. Training samples hints from
the target at random points (Zhang et al. 2017, "Real-Time User-Guided Image
Colorization with Learned Deep Priors"): small patches, a random number per
image, many images with none, so one model serves both. The hints a user gives
become the same channels in paint/hints.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from mangacolor.color import input_to_lightness, lightness_to_input, rgb_to_lab

CHANNELS = 4  # L*, a*, b*, mask
AB_SCALE = 110.0
EVALUATION_PATCH = 3  # evaluation hints are patches this large, as a user's click (paint/hints.py)
FLAT_LAB = 6.0  # evaluation hints go where the target varies less than this around them: inside a fill


@dataclass(frozen=True)
class HintSampling:
    """How many hints training samples from each target, and how large.

    Half the images get none, so the automatic mode stays as good as without hints
    (bench/quality_ablation.csv); the others a geometric number (Zhang et al.: p = 1/8).
    """

    no_hint_fraction: float = 0.5
    mean_hints: float = 8.0
    max_hints: int = 32
    patches: tuple[int, ...] = (1, 3, 5)  # side of a hint patch at the model's size, drawn at random


def encode(lab: tf.Tensor) -> tf.Tensor:
    """Lab to the hint channels' colours, about [-1, 1]."""
    return tf.concat([lightness_to_input(lab[..., :1]), lab[..., 1:] / AB_SCALE], axis=-1)


def decode(channels: np.ndarray) -> np.ndarray:
    """The hint channels' colours (..., 3) back to Lab."""
    channels = np.asarray(channels, np.float32)
    return np.concatenate([input_to_lightness(channels[..., :1]), channels[..., 1:] * AB_SCALE], axis=-1)


def sample(
    rgb: tf.Tensor, count: tf.Tensor | int, patch: int = 3, seed: tf.Tensor | None = None, inside: bool = False
) -> tf.Tensor:
    """Hint channels with `count` hints taken from the colour image `rgb` (H, W, 3) in [0, 1].

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


def random_hints(rgb: tf.Tensor, rates: HintSampling = HintSampling()) -> tf.Tensor:
    """Training hints: none for `rates.no_hint_fraction` of the images, else a geometric
    number of hints (mean `rates.mean_hints`, at most `rates.max_hints`) in patches of a
    random size from `rates.patches`."""
    p = 1.0 / rates.mean_hints
    geometric = tf.math.floor(tf.math.log(tf.random.uniform([], 1e-6, 1.0)) / tf.math.log(1.0 - p)) + 1.0
    count = tf.cast(tf.minimum(geometric, rates.max_hints), tf.int32)
    count = tf.where(tf.random.uniform([]) < rates.no_hint_fraction, 0, count)
    choice = tf.random.uniform([], 0, len(rates.patches), dtype=tf.int32)
    branches = [lambda s=s: sample(rgb, count, s) for s in rates.patches]
    return tf.ensure_shape(tf.switch_case(choice, branches), [*rgb.shape[:-1], CHANNELS])


def fixed_hints(rgb: tf.Tensor, count: int) -> tf.Tensor:
    """Evaluation hints: `count` of them inside fills, where a user clicks, the same every
    time for the same image."""
    fingerprint = tf.cast(tf.reduce_sum(tf.cast(rgb * 255.0, tf.int64)) % 2**31, tf.int32)
    seed = tf.stack([tf.constant(count, tf.int32), fingerprint])
    return sample(rgb, count, EVALUATION_PATCH, seed=seed, inside=True)
