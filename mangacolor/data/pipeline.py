"""The tf.data pipeline: files to (input, target) batches, streamed, cached when small.

pix2pix's steps as small named functions (load, fit to a square, jitter,
simulate the B&W input, add hints, batch), each usable on one image.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from mangacolor.color import rgb_to_lightness
from mangacolor.data.hint_sampling import HintSampling, fixed_hints, random_hints
from mangacolor.data.images import DataError, SkippedFiles, load_image
from mangacolor.data.pairing import Pair
from mangacolor.data.simulation import simulate
from mangacolor.data.sources import find_pairs

CACHE_LIMIT_BYTES = 256 * 2**20  # cache decoded images in memory below this size


def fit_square(image: tf.Tensor, size: int, fill: float) -> tf.Tensor:
    """Pad to a square with `fill` (white paper), then resize: no distortion, nothing cut off."""
    h, w = tf.shape(image)[0], tf.shape(image)[1]
    side = tf.maximum(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    padded = tf.pad(
        tf.cast(image, tf.float32),
        [[top, side - h - top], [left, side - w - left], [0, 0]],
        constant_values=fill,
    )
    return tf.image.resize(padded, (size, size), method="area", antialias=True)


def _decode_pair(color_path: bytes, bw_path: bytes, skipped: SkippedFiles) -> tuple[np.ndarray, np.ndarray]:
    """Decode one pair in a tf.data worker; a bad file gives empty arrays and a warning."""
    color_path, bw_path = color_path.decode(), bw_path.decode()
    try:
        rgb = load_image(color_path, "RGB")
        bw = load_image(bw_path, "L")[..., None] if bw_path else np.zeros((0, 0, 1), np.uint8)
    except DataError as e:
        skipped.add(str(e).split(": ", 1)[0], str(e).split(": ", 1)[1])
        return np.zeros((0, 0, 3), np.uint8), np.zeros((0, 0, 1), np.uint8)
    return rgb, bw


def random_resized_crop(stack: tf.Tensor, size: int, min_scale: float = 0.6, max_scale: float = 1.0) -> tf.Tensor:
    """A random square window of `min_scale`-`max_scale` of the side, resized back: zoom and shift.

    A window wider than the image (scale above 1) takes the image at a random place on
    added white paper (1.0 in every channel): the drawing smaller in its frame, as a
    panel's drawing or a drawing on a large sheet comes to the network.
    """
    scale = tf.random.uniform([], min_scale, max_scale)
    side = tf.cast(tf.cast(size, tf.float32) * scale, tf.int32)
    extra = tf.maximum(side - size, 0)
    top, left = tf.random.uniform([], 0, extra + 1, tf.int32), tf.random.uniform([], 0, extra + 1, tf.int32)
    paper = tf.pad(stack - 1.0, [[top, extra - top], [left, extra - left], [0, 0]]) + 1.0
    crop = tf.image.random_crop(paper, [side, side, tf.shape(stack)[-1]])
    return tf.image.resize(crop, (size, size), method="bilinear")


def augment(stack: tf.Tensor, size: int, zoom_out: float = 1.0) -> tf.Tensor:
    """Training-only jitter, applied to colour and B&W channels together: flip, zoom, shift
    (`zoom_out` above 1: out onto paper too, see random_resized_crop)."""
    return random_resized_crop(tf.image.random_flip_left_right(stack), size, max_scale=zoom_out)


def make_dataset(
    pairs: Sequence[Pair],
    image_size: int = 256,
    batch_size: int = 32,
    training: bool = True,
    simulation: str = "grayscale",
    cache: bool | None = None,
    seed: int | None = None,
    skipped: SkippedFiles | None = None,
    drop_remainder: bool = False,
    hint_sampling: HintSampling | int | None = None,
    zoom_out: float = 1.0,
) -> tf.data.Dataset:
    """Stream (input, target) batches from files, scaled to [-1, 1] as the models expect.

    Inputs are (B, S, S, 1): the lightness L* of the colour image, turned into
    manga-style B&W by `simulation`, or the real B&W file where the source has
    one; with `hint_sampling`, hint channels follow (B, S, S, 5: see hint_sampling.py):
    a HintSampling samples hints from the target at its rates, as in training; an
    integer N gives exactly N (the same every time; 0 is the automatic mode). Targets are
    (B, S, S, 3) RGB. Decoded images are cached in memory when the whole set fits in
    CACHE_LIMIT_BYTES (override with `cache`); training adds shuffling, random flips and
    random resized crops (out onto paper up to `zoom_out`). Corrupt files are skipped with a
    warning and counted in `skipped`.
    """
    if not pairs:
        raise DataError("no images to load: the data source or split is empty")
    if cache is None:
        cache = len(pairs) * image_size * image_size * 4 <= CACHE_LIMIT_BYTES
    ds = _decoded(pairs, image_size, training, cache, seed, skipped if skipped is not None else SkippedFiles())
    example = functools.partial(
        _example,
        size=image_size,
        training=training,
        simulation=simulation,
        hint_sampling=hint_sampling,
        zoom_out=zoom_out,
    )
    ds = ds.map(example, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def _decoded(
    pairs: Sequence[Pair], image_size: int, training: bool, cache: bool, seed: int | None, skipped: SkippedFiles
) -> tf.data.Dataset:
    """Pairs decoded in parallel and fitted to squares (uint8), cached and shuffled as asked."""
    autotune = tf.data.AUTOTUNE
    ds = tf.data.Dataset.from_tensor_slices(([p.color for p in pairs], [p.bw or "" for p in pairs]))
    if training and not cache:
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(lambda c, b: _decode(c, b, skipped), num_parallel_calls=autotune, deterministic=not training)
    ds = ds.filter(lambda rgb, bw: tf.size(rgb) > 0)  # unreadable files, already counted in `skipped`
    ds = ds.map(lambda rgb, bw: _square(rgb, bw, image_size), num_parallel_calls=autotune)
    if cache:
        ds = ds.cache()
    if training and cache:
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    return ds


def _decode(color_path: tf.Tensor, bw_path: tf.Tensor, skipped: SkippedFiles) -> tuple[tf.Tensor, tf.Tensor]:
    rgb, bw = tf.numpy_function(lambda c, b: _decode_pair(c, b, skipped), [color_path, bw_path], [tf.uint8, tf.uint8])
    return tf.ensure_shape(rgb, [None, None, 3]), tf.ensure_shape(bw, [None, None, 1])


def _square(rgb: tf.Tensor, bw: tf.Tensor, size: int) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Both images padded and resized to size x size (uint8, small to cache); whether a B&W file exists."""
    rgb_sq = tf.cast(tf.round(fit_square(rgb, size, 255.0)), tf.uint8)
    has_bw = tf.size(bw) > 0
    bw_sq = tf.cond(
        has_bw,
        lambda: tf.cast(tf.round(fit_square(bw, size, 255.0)), tf.uint8),
        lambda: tf.zeros([size, size, 1], tf.uint8),
    )
    return rgb_sq, bw_sq, has_bw


def _example(
    rgb: tf.Tensor,
    bw: tf.Tensor,
    has_bw: tf.Tensor,
    size: int,
    training: bool,
    simulation: str,
    hint_sampling: HintSampling | int | None,
    zoom_out: float,
) -> tuple[tf.Tensor, tf.Tensor]:
    """(input, target) in [-1, 1]: jitter when training, the B&W input, the hint channels."""
    stack = tf.concat([tf.cast(rgb, tf.float32), tf.cast(bw, tf.float32)], axis=-1) / 255.0
    if training:
        stack = augment(stack, size, zoom_out)
    rgb01, bw01 = stack[..., :3], stack[..., 3:]
    derived = simulate(rgb_to_lightness(rgb01) / 100.0, simulation, training)
    gray = tf.where(has_bw, bw01, derived) * 2.0 - 1.0
    if isinstance(hint_sampling, HintSampling):
        gray = tf.concat([gray, random_hints(rgb01, hint_sampling)], axis=-1)
    elif hint_sampling is not None:
        gray = tf.concat([gray, fixed_hints(rgb01, hint_sampling)], axis=-1)
    return gray, rgb01 * 2.0 - 1.0


def load_dataset(
    source: str | os.PathLike | None = None,
    split: str = "train",
    image_size: int = 256,
    batch_size: int = 32,
    simulation: str = "grayscale",
    series: Sequence[str] | None = None,
    max_images: int | None = None,
    **kwargs: object,
) -> tf.data.Dataset:
    """`find_pairs` then `make_dataset`: training augmentation on the train split only."""
    pairs = find_pairs(source, split, series)[:max_images]
    return make_dataset(pairs, image_size, batch_size, training=split == "train", simulation=simulation, **kwargs)


def measure_throughput(dataset: tf.data.Dataset, batches: int = 20, warmup: int = 2) -> float:
    """Images per second a dataset delivers, after `warmup` batches (fills caches and buffers)."""
    iterator = iter(dataset.repeat())
    for _ in range(warmup):
        next(iterator)
    start, images = time.perf_counter(), 0
    for _ in range(batches):
        images += int(next(iterator)[0].shape[0])
    return images / (time.perf_counter() - start)
