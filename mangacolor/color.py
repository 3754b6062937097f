"""sRGB <-> CIE Lab inside the TensorFlow graph.

skimage.color does this in numpy; the models need it as differentiable TF ops
(the Lab head recombines predicted a*b* with the input's L). The constants are
skimage's (sRGB primaries, D65 white, 2 degree observer), and the tests compare
both ways against skimage.color.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# sRGB (linear) -> XYZ, D65; the same matrix as skimage.color.colorconv.xyz_from_rgb.
_XYZ_FROM_RGB = [
    [0.412453, 0.357580, 0.180423],
    [0.212671, 0.715160, 0.072169],
    [0.019334, 0.119193, 0.950227],
]
_WHITE_D65 = (0.95047, 1.0, 1.08883)
_EPS = 216.0 / 24389.0  # (6/29)^3
_KAPPA = 24389.0 / 27.0


def _matrix(rows: list[list[float]]) -> tf.Tensor:
    return tf.constant(rows, dtype=tf.float32)


def _rgb_from_xyz() -> tf.Tensor:
    return tf.linalg.inv(_matrix(_XYZ_FROM_RGB))


def _apply(matrix: tf.Tensor, pixels: tf.Tensor) -> tf.Tensor:
    """Multiply every pixel's 3-vector by `matrix` (pixels on the last axis)."""
    return tf.tensordot(pixels, tf.transpose(matrix), axes=1)


def srgb_to_linear(rgb: tf.Tensor) -> tf.Tensor:
    return tf.where(rgb > 0.04045, tf.pow((tf.maximum(rgb, 0.04045) + 0.055) / 1.055, 2.4), rgb / 12.92)


def linear_to_srgb(lin: tf.Tensor) -> tf.Tensor:
    safe = tf.maximum(lin, 0.0031308)
    return tf.where(lin > 0.0031308, 1.055 * tf.pow(safe, 1.0 / 2.4) - 0.055, lin * 12.92)


def _f(t: tf.Tensor) -> tf.Tensor:
    return tf.where(t > _EPS, tf.pow(tf.maximum(t, _EPS), 1.0 / 3.0), (_KAPPA * t + 16.0) / 116.0)


def _f_inv(t: tf.Tensor) -> tf.Tensor:
    cube = t * t * t
    return tf.where(cube > _EPS, cube, (116.0 * t - 16.0) / _KAPPA)


def rgb_to_lab(rgb: tf.Tensor) -> tf.Tensor:
    """sRGB in [0, 1] (last axis RGB) to Lab: L in [0, 100], a* and b* roughly in [-110, 110]."""
    rgb = tf.cast(rgb, tf.float32)
    xyz = _apply(_matrix(_XYZ_FROM_RGB), srgb_to_linear(rgb)) / tf.constant(_WHITE_D65)
    fx, fy, fz = tf.unstack(_f(xyz), axis=-1)
    return tf.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def lab_to_linear_rgb(lab: tf.Tensor) -> tf.Tensor:
    """Lab to linear-light RGB, unclipped: values outside [0, 1] are out of the sRGB gamut."""
    lab = tf.cast(lab, tf.float32)
    L, a, b = tf.unstack(lab, axis=-1)
    fy = (L + 16.0) / 116.0
    fz = tf.maximum(fy - b / 200.0, 0.0)  # as skimage: negative z is invalid, clipped
    xyz = tf.stack([_f_inv(fy + a / 500.0), _f_inv(fy), _f_inv(fz)], axis=-1)
    return _apply(_rgb_from_xyz(), xyz * tf.constant(_WHITE_D65))


def lab_to_rgb(lab: tf.Tensor) -> tf.Tensor:
    """Lab to sRGB in [0, 1], clipping out-of-gamut colours (as skimage.color.lab2rgb does)."""
    return tf.clip_by_value(linear_to_srgb(tf.clip_by_value(lab_to_linear_rgb(lab), 0.0, 1.0)), 0.0, 1.0)


def rgb_to_lightness(rgb: tf.Tensor) -> tf.Tensor:
    """L* of sRGB in [0, 1], keeping a channel axis of size 1: the grayscale a reader sees."""
    return rgb_to_lab(rgb)[..., :1]


def fit_chroma_to_gamut(lab: tf.Tensor, steps: int = 12) -> tf.Tensor:
    """Scale each pixel's a*b* towards grey until the colour fits in sRGB.

    Clipping RGB would change lightness; shrinking chroma at fixed L and hue does
    not, so the drawing's lines and shading stay exactly as in the input. Grey
    (a* = b* = 0) is always in gamut, so a bisection on the scale factor works.
    """
    L, ab = lab[..., :1], lab[..., 1:]

    def in_gamut(scale: tf.Tensor) -> tf.Tensor:
        lin = lab_to_linear_rgb(tf.concat([L, ab * scale], axis=-1))
        tol = 1e-4
        return tf.reduce_all((lin >= -tol) & (lin <= 1.0 + tol), axis=-1, keepdims=True)

    ones = tf.ones_like(L)
    lo, hi = tf.zeros_like(L), ones
    fits = in_gamut(ones)
    for _ in range(steps):
        mid = (lo + hi) / 2.0
        ok = in_gamut(mid)
        lo, hi = tf.where(ok, mid, lo), tf.where(ok, hi, mid)
    scale = tf.stop_gradient(tf.where(fits, ones, lo))
    return tf.concat([L, ab * scale], axis=-1)


# ---------------------------------------------------------------- the models' value range


def lightness_to_input(lightness):
    """L* in [0, 100] to the models' input range [-1, 1]."""
    return lightness / 50.0 - 1.0


def input_to_lightness(x):
    """The models' input range [-1, 1] back to L* in [0, 100]."""
    return (x + 1.0) * 50.0


def to_uint8(images) -> np.ndarray:
    """Images in the models' range [-1, 1] to uint8; one channel becomes three (grey RGB)."""
    out = np.clip((np.asarray(images, np.float32) + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return np.repeat(out, 3, axis=-1) if out.shape[-1] == 1 else out
