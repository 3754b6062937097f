"""Manga-style B&W input made from a coloured drawing: grayscale, line art, screentone, scans.

Real (B&W page, colour page) pairs are rare, so the training input is simulated
from the colour image's lightness, as line-art colorization research does
(XDoG line art: Winnemoeller 2012; PaintsChainer, Style2Paints).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from mangacolor.color import rgb_to_lightness
from mangacolor.config import SIMULATIONS

# The `manga` mix: half grayscale (the seed's input), half line art (a quarter with screentone).
MANGA_MIX = ("grayscale", "grayscale", "lineart", "lineart_tone")
# Line art with less ink than this (a share of the pixels) falls back to grayscale in the mix:
# pale drawings without outlines (a lemon slice in yellows) give an empty page, which teaches
# nothing but painting blank paper (8.6% of the bundled training drawings at 128 px).
MIN_INK = 0.01


def _screen(shape: tf.Tensor, period: tf.Tensor, phase: tf.Tensor) -> tf.Tensor:
    """A 45-degree dot screen in [0, 1], the pattern of printed screentone."""
    h, w = shape[0], shape[1]
    yy, xx = tf.meshgrid(tf.range(h, dtype=tf.float32), tf.range(w, dtype=tf.float32), indexing="ij")
    k = 2.0 * math.pi / (period * math.sqrt(2.0))
    u, v = (xx + yy) * k + phase, (xx - yy) * k + phase
    return (0.5 + 0.25 * (tf.cos(u) + tf.cos(v)))[..., None]


def screentone(gray: tf.Tensor, period: float | tf.Tensor = 4.0, phase: float | tf.Tensor = 0.0) -> tf.Tensor:
    """Replace flat greys by halftone dots; ink black and paper white stay as they are."""
    gray = tf.convert_to_tensor(gray, tf.float32)
    dots = tf.cast(gray > _screen(tf.shape(gray), tf.cast(period, tf.float32), phase), tf.float32)
    return tf.where(gray < 0.15, 0.0, tf.where(gray > 0.9, 1.0, dots))


def ink(gray: tf.Tensor, threshold: float = 0.5) -> tf.Tensor:
    """Ink thresholding: only black lines on white paper remain."""
    return tf.cast(tf.convert_to_tensor(gray, tf.float32) > threshold, tf.float32)


def degrade(gray: tf.Tensor, sigma: float | tf.Tensor = 0.7, quality: int | tf.Tensor = 60) -> tf.Tensor:
    """A mild Gaussian blur and JPEG noise, as in a scanned or re-saved page."""
    gray = tf.convert_to_tensor(gray, tf.float32)
    x = tf.range(-2, 3, dtype=tf.float32)
    k = tf.exp(-(x**2) / (2.0 * tf.cast(sigma, tf.float32) ** 2))
    k = k / tf.reduce_sum(k)
    kernel = (k[:, None] * k[None, :])[:, :, None, None]
    blurred = tf.nn.conv2d(tf.pad(gray[None], [[0, 0], [2, 2], [2, 2], [0, 0]], "SYMMETRIC"), kernel, 1, "VALID")[0]
    return tf.image.adjust_jpeg_quality(tf.clip_by_value(blurred, 0.0, 1.0), quality)


def _gaussian_blur(image: tf.Tensor, sigma: tf.Tensor, radius: int = 6) -> tf.Tensor:
    """A separable Gaussian blur of (H, W, 1) with a traced sigma (kernel of fixed radius)."""
    x = tf.range(-radius, radius + 1, dtype=tf.float32)
    k = tf.exp(-(x**2) / (2.0 * tf.cast(sigma, tf.float32) ** 2))
    k = k / tf.reduce_sum(k)
    padded = tf.pad(image[None], [[0, 0], [radius, radius], [radius, radius], [0, 0]], "SYMMETRIC")
    rows = tf.nn.conv2d(padded, k[:, None, None, None], 1, "VALID")
    return tf.nn.conv2d(rows, k[None, :, None, None], 1, "VALID")[0]


def lineart(
    gray: tf.Tensor,
    sigma: float | tf.Tensor = 0.8,
    threshold: float | tf.Tensor = 0.02,
    sharpness: float = 20.0,
    black: float | tf.Tensor = 0.12,
) -> tf.Tensor:
    """Black lines on white paper, as an inker would draw the picture (XDoG, Winnemoeller 2012).

    The extended difference of Gaussians D = (1 + p) G_sigma - p G_{1.6 sigma}
    equals the lightness on flat regions and dips below it on the dark side of
    every edge; thresholding D at `threshold` turns fills of any colour into
    paper and edges into lines whose weight grows with `sigma`. Genuinely black
    areas (lightness below `black`: hair, shadows) stay black, as they are inked.
    """
    gray = tf.convert_to_tensor(gray, tf.float32)
    sigma = tf.cast(sigma, tf.float32)
    dog = (1.0 + sharpness) * _gaussian_blur(gray, sigma) - sharpness * _gaussian_blur(gray, 1.6 * sigma)
    lines = tf.where(dog >= threshold, 1.0, 1.0 + tf.tanh(60.0 * (dog - threshold)))
    return tf.where(gray < black, 0.0, tf.clip_by_value(lines, 0.0, 1.0))


def lineart_with_tone(gray: tf.Tensor, period: float | tf.Tensor = 4.0, phase: float | tf.Tensor = 0.0) -> tf.Tensor:
    """Line art with screentone dots over the mid-tones, as in a printed manga page."""
    gray = tf.convert_to_tensor(gray, tf.float32)
    lines = lineart(gray)
    mid = (gray > 0.25) & (gray < 0.6)
    return tf.where(mid, tf.minimum(lines, screentone(gray, period, phase)), lines)


def simulate(gray: tf.Tensor, kind: str = "grayscale", training: bool = True) -> tf.Tensor:
    """Turn the lightness of a colour image (in [0, 1], shape HxWx1) into B&W input.

    "grayscale" is the seed's way; "lineart" is the drawing in black ink on white paper
    (XDoG), "lineart_tone" adds screentone dots over its mid-tones; "ink",
    "screentone" and "degrade" imitate cruder prints and scans; "manga" picks one
    of MANGA_MIX at random for each image when training (and line art otherwise),
    so one model learns both grayscale panels and B&W drawings (a drawing whose line
    art comes out nearly blank is given as grayscale instead). When training,
    line weight, threshold, dot size and the rest are drawn at random.
    """
    if kind not in SIMULATIONS:
        raise ValueError(f"simulation must be one of {SIMULATIONS}, not {kind!r}")
    gray = tf.convert_to_tensor(gray, tf.float32)
    uniform = tf.random.uniform if training else (lambda shape, lo, hi, **kw: (lo + hi) / 2)
    phase = uniform([], 0.0, 2.0 * math.pi) if training else 0.0
    if kind == "grayscale":
        return gray
    if kind == "ink":
        return ink(gray, uniform([], 0.4, 0.6))
    if kind == "screentone":
        return screentone(gray, uniform([], 3.0, 6.0), phase)
    if kind == "degrade":
        quality = tf.cast(uniform([], 30.0, 90.0), tf.int32)
        return degrade(gray, uniform([], 0.3, 1.0), quality)
    if kind == "lineart":
        return lineart(gray, uniform([], 0.5, 1.1), uniform([], 0.0, 0.05), black=uniform([], 0.06, 0.18))
    if kind == "lineart_tone":
        return lineart_with_tone(gray, uniform([], 3.0, 6.0), phase)
    if not training:
        return simulate(gray, "lineart", training=False)
    choice = tf.random.uniform([], 0, len(MANGA_MIX), dtype=tf.int32)
    branches = [lambda k=k: simulate(gray, k, True) for k in MANGA_MIX]
    mixed = tf.switch_case(choice, branches)
    inked = tf.reduce_mean(tf.cast(mixed < 0.5, tf.float32)) >= MIN_INK
    return tf.ensure_shape(tf.where(inked, mixed, gray), gray.shape)


def lineart_of(rgb: np.ndarray) -> np.ndarray:
    """The XDoG line art evaluation simulates from a colour drawing (uint8 RGB in, uint8 gray (H, W) out):
    what a drawing's B&W version looks like to the model when no artist drew one."""
    lightness = rgb_to_lightness(tf.constant(rgb, tf.float32) / 255.0) / 100.0
    return np.round(simulate(lightness, "lineart", training=False).numpy()[..., 0] * 255.0).astype(np.uint8)
