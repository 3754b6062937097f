"""Finding, loading and streaming training data, and simulating manga-style input.

Four kinds of source, all reduced to a list of `Pair`s:
- a folder of coloured images (the B&W input is derived from them, as the seed did);
- the Kaggle "Japanese Manga Dataset" layout `<root>/<series>/colored/` and
  `<root>/<series>/grayscale/` (found by itself under /kaggle/input on Kaggle);
- a paired layout `<root>/color/` and `<root>/bw/` with matching names;
- the bundled public-domain sample in `data/` when no path is given.

`make_dataset` streams pairs from files with tf.data: parallel decoding,
resizing, caching of small sets, augmentation and manga simulation for training.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import stat
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps

from mangacolor import hints as hint_layers
from mangacolor.color import rgb_to_lightness

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
MAX_PIXELS = 80_000_000  # ~ 9000 x 9000: larger is a mistake or a decompression bomb
KAGGLE_INPUT = Path("/kaggle/input")
SPLITS = ("train", "val", "test")
SIMULATIONS = ("gray", "ink", "screentone", "degrade", "lineart", "lineart_tone", "manga")
# The `manga` mix: grayscale panels (the seed's input) and B&W drawings, with and without
# screentone, as a user brings them; one model learns both (bench/quality_ablation.csv).
MANGA_MIX = ("gray", "gray", "lineart", "lineart_tone")
CACHE_LIMIT_BYTES = 256 * 2**20  # cache decoded images in memory below this size


class DataError(ValueError):
    """A data source or an image file that cannot be used; the message names it."""


class SkippedImageWarning(UserWarning):
    """An image was skipped (corrupt, truncated or too large); the message names it."""


@dataclass(frozen=True)
class Pair:
    """One training example: a coloured target and, where the source has one, a real B&W input."""

    color: str
    bw: str | None = None


@dataclass
class SkippedFiles:
    """Counts and names the files a pipeline skipped; safe to update from tf.data threads."""

    paths: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, path: str, reason: str) -> None:
        with self._lock:
            if path in self.paths:
                return
            self.paths.append(path)
        warnings.warn(f"skipping {path}: {reason}", SkippedImageWarning, stacklevel=2)

    def __len__(self) -> int:
        return len(self.paths)


# ---------------------------------------------------------------- finding files


def sample_root() -> Path:
    """The bundled sample's folder: `data/` of the repository, or $MANGACOLOR_DATA."""
    root = Path(os.environ.get("MANGACOLOR_DATA", Path(__file__).resolve().parents[1] / "data"))
    if not (root / "manifest.csv").is_file():
        raise DataError(
            f"{root}: the bundled sample data is not there (no manifest.csv). Install mangacolor "
            "from a clone of the repository (pip install -e .), or set MANGACOLOR_DATA."
        )
    return root


def list_images(folder: str | os.PathLike) -> list[Path]:
    """Image files in `folder` (not recursive), sorted; other files are ignored."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder")
    # Not only regular files: a broken link or a link loop named .png is an image
    # that cannot be read, which the caller reports, rather than silently absent.
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.is_dir())
    if not files:
        raise DataError(f"{folder}: no images found (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
    return files


def sample_pairs(split: str | None = "train", kind: str = "color") -> list[Pair]:
    """The bundled sample's coloured images of one split (or all), or its B&W drawings (`kind="bw"`)."""
    root = sample_root()
    with open(root / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    if kind == "bw":
        return [Pair(color=str(root / r["file"])) for r in rows if r["split"] == "bw"]
    wanted = SPLITS if split is None else (split,)
    return [Pair(color=str(root / r["file"])) for r in rows if r["split"] in wanted]


def hash_split(name: str, val_fraction: float = 0.1, test_fraction: float = 0.1) -> str:
    """A fixed split from the file name, so it never changes when files are added."""
    h = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if h < test_fraction:
        return "test"
    if h < test_fraction + val_fraction:
        return "val"
    return "train"


def _filter_split(pairs: list[Pair], split: str | None) -> list[Pair]:
    if split is None:
        return pairs
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")
    return [p for p in pairs if hash_split(Path(p.color).name) == split]


def _matched(colors: list[Path], bw_folder: Path | None) -> list[Pair]:
    """Pair coloured files with B&W files of the same stem, where there are any."""
    bw_by_stem = {}
    if bw_folder is not None and bw_folder.is_dir():
        bw_by_stem = {p.stem: str(p) for p in bw_folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}
    return [Pair(color=str(c), bw=bw_by_stem.get(c.stem)) for c in colors]


def find_kaggle_root(base: Path = KAGGLE_INPUT) -> Path | None:
    """On Kaggle: the attached folder with `<series>/colored/` subfolders, if any."""
    if not base.is_dir():
        return None
    for candidate in sorted([base, *base.glob("*"), *base.glob("*/*"), *base.glob("*/*/*")]):
        if candidate.is_dir() and _is_kaggle_layout(candidate):
            return candidate
    return None


def _is_kaggle_layout(root: Path) -> bool:
    return any((d / "colored").is_dir() for d in root.iterdir() if d.is_dir())


def kaggle_series(root: str | os.PathLike) -> list[str]:
    """Names of the series (subfolders with a `colored/` folder) of a Kaggle-layout root."""
    root = Path(root)
    return sorted(d.name for d in root.iterdir() if (d / "colored").is_dir())


def find_pairs(
    source: str | os.PathLike | None = None,
    split: str | None = "train",
    series: Sequence[str] | None = None,
) -> list[Pair]:
    """Every usable (colour, optional B&W) pair of a data source, for one split.

    `source` is a folder of coloured images, a Kaggle-layout root, a paired
    folder (`color/` and `bw/`), or None for the Kaggle data on Kaggle and the
    bundled sample elsewhere. The bundled sample has a fixed split in its
    manifest; a source with `train/`, `val/` (and `test/`) subfolders is split by
    them; other sources by a hash of each file name.
    """
    if source is None:
        source = find_kaggle_root()
        if source is None:
            return sample_pairs(split)
    root = Path(source)
    if not root.is_dir():
        raise DataError(f"{root}: no such folder")
    if split is not None and (root / "train").is_dir():
        return find_pairs(root / split, None, series)
    if (root / "color").is_dir():
        pairs = _matched(list_images(root / "color"), root / "bw")
    elif _is_kaggle_layout(root):
        available = kaggle_series(root)
        chosen = available if series is None else [s for s in available if s in set(series)]
        if series is not None and len(chosen) != len(set(series)):
            missing = sorted(set(series) - set(available))
            raise DataError(f"{root}: no series {missing}; available: {available}")
        pairs = []
        for name in chosen:
            pairs += _matched(list_images(root / name / "colored"), root / name / "grayscale")
    else:
        pairs = [Pair(color=str(p)) for p in list_images(root)]
    return _filter_split(pairs, split)


# ---------------------------------------------------------------- loading images


def load_image(path: str | os.PathLike, mode: str = "RGB") -> np.ndarray:
    """Decode any common image file to uint8 RGB (or "L"), whatever its mode.

    Transparency is composited on white (line art is drawn on paper), palette,
    16-bit and CMYK images are converted, EXIF rotation is applied. A corrupt,
    truncated or absurdly large file raises DataError naming the file.
    """
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block or never end
            raise DataError(f"{path}: cannot read image (not a regular file)")
        with Image.open(path) as im:
            if im.width * im.height > MAX_PIXELS:
                raise DataError(
                    f"{path}: image is {im.width} x {im.height} pixels, more than the "
                    f"{MAX_PIXELS:,} allowed; downscale it first"
                )
            im.load()
            im = ImageOps.exif_transpose(im)
            return np.asarray(to_8bit(im, mode))
    except DataError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise DataError(f"{path}: cannot read image ({e})") from e


def to_8bit(im: Image.Image, mode: str) -> Image.Image:
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        peak = 65535.0 if arr.max() > 255 else 255.0
        im = Image.fromarray(np.clip(arr / peak * 255.0 + 0.5, 0, 255).astype(np.uint8))
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "RGBa"):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    return im.convert(mode)


# ---------------------------------------------------------------- manga-style input


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


def simulate(gray: tf.Tensor, kind: str = "gray", training: bool = True) -> tf.Tensor:
    """Turn the lightness of a colour image (in [0, 1], shape HxWx1) into B&W input.

    "gray" is the seed's way; "lineart" is the drawing in black ink on white paper
    (XDoG), "lineart_tone" adds screentone dots over its mid-tones; "ink",
    "screentone" and "degrade" imitate cruder prints and scans; "manga" picks one
    of MANGA_MIX at random for each image when training (and line art otherwise),
    so one model learns both grayscale panels and B&W drawings. When training,
    line weight, threshold, dot size and the rest are drawn at random.
    """
    if kind not in SIMULATIONS:
        raise ValueError(f"simulation must be one of {SIMULATIONS}, not {kind!r}")
    gray = tf.convert_to_tensor(gray, tf.float32)
    uniform = tf.random.uniform if training else (lambda shape, lo, hi, **kw: (lo + hi) / 2)
    phase = uniform([], 0.0, 2.0 * math.pi) if training else 0.0
    if kind == "gray":
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
    return tf.ensure_shape(tf.switch_case(choice, branches), gray.shape)


# ---------------------------------------------------------------- the tf.data pipeline


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


def random_resized_crop(stack: tf.Tensor, size: int, min_scale: float = 0.6) -> tf.Tensor:
    """A random square crop of 60-100% of the side, resized back: zoom and shift."""
    scale = tf.random.uniform([], min_scale, 1.0)
    side = tf.cast(tf.cast(size, tf.float32) * scale, tf.int32)
    crop = tf.image.random_crop(stack, [side, side, tf.shape(stack)[-1]])
    return tf.image.resize(crop, (size, size), method="bilinear")


def augment(stack: tf.Tensor, size: int) -> tf.Tensor:
    """Training-only jitter, applied to colour and B&W channels together: flip, zoom, shift."""
    return random_resized_crop(tf.image.random_flip_left_right(stack), size)


def make_dataset(
    pairs: Sequence[Pair],
    image_size: int = 256,
    batch_size: int = 32,
    training: bool = True,
    simulation: str = "gray",
    cache: bool | None = None,
    seed: int | None = None,
    skipped: SkippedFiles | None = None,
    drop_remainder: bool = False,
    hints: str | int | None = None,
) -> tf.data.Dataset:
    """Stream (input, target) batches from files, scaled to [-1, 1] as the models expect.

    Inputs are (B, S, S, 1): the lightness L* of the colour image, turned into
    manga-style B&W by `simulation`, or the real B&W file where the source has
    one; with `hints`, a hint layer follows (B, S, S, 5: see hints.py): "random"
    samples hints from the target as in training, an integer N gives exactly N
    (the same every time; 0 is the automatic mode). Targets are (B, S, S, 3) RGB.
    Decoding runs in parallel; decoded images are cached in memory when the whole
    set fits in CACHE_LIMIT_BYTES (override with `cache`); training adds shuffling,
    random flips and random resized crops.
    Corrupt files are skipped with a SkippedImageWarning and counted in `skipped`.
    """
    if not pairs:
        raise DataError("no images to load: the data source or split is empty")
    skipped = skipped if skipped is not None else SkippedFiles()
    if cache is None:
        cache = len(pairs) * image_size * image_size * 4 <= CACHE_LIMIT_BYTES
    autotune = tf.data.AUTOTUNE
    colors = tf.constant([p.color for p in pairs])
    bws = tf.constant([p.bw or "" for p in pairs])

    def decode(color_path: tf.Tensor, bw_path: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        rgb, bw = tf.numpy_function(
            lambda c, b: _decode_pair(c, b, skipped), [color_path, bw_path], [tf.uint8, tf.uint8]
        )
        return tf.ensure_shape(rgb, [None, None, 3]), tf.ensure_shape(bw, [None, None, 1])

    def is_valid(rgb: tf.Tensor, bw: tf.Tensor) -> tf.Tensor:
        return tf.size(rgb) > 0

    def resize(rgb: tf.Tensor, bw: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        rgb_sq = tf.cast(tf.round(fit_square(rgb, image_size, 255.0)), tf.uint8)
        has_bw = tf.size(bw) > 0
        bw_sq = tf.cond(
            has_bw,
            lambda: tf.cast(tf.round(fit_square(bw, image_size, 255.0)), tf.uint8),
            lambda: tf.zeros([image_size, image_size, 1], tf.uint8),
        )
        return rgb_sq, bw_sq, has_bw

    def to_example(rgb: tf.Tensor, bw: tf.Tensor, has_bw: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        stack = tf.concat([tf.cast(rgb, tf.float32), tf.cast(bw, tf.float32)], axis=-1) / 255.0
        if training:
            stack = augment(stack, image_size)
        rgb01, bw01 = stack[..., :3], stack[..., 3:]
        derived = simulate(rgb_to_lightness(rgb01) / 100.0, simulation, training)
        gray = tf.where(has_bw, bw01, derived) * 2.0 - 1.0
        if hints is not None:
            layer = hint_layers.random_hints(rgb01) if hints == "random" else hint_layers.fixed_hints(rgb01, hints)
            gray = tf.concat([gray, layer], axis=-1)
        return gray, rgb01 * 2.0 - 1.0

    ds = tf.data.Dataset.from_tensor_slices((colors, bws))
    if training and not cache:
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(decode, num_parallel_calls=autotune, deterministic=not training)
    ds = ds.filter(is_valid).map(resize, num_parallel_calls=autotune)
    if cache:
        ds = ds.cache()
    if training and cache:
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(to_example, num_parallel_calls=autotune)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(autotune)


def load_dataset(
    source: str | os.PathLike | None = None,
    split: str = "train",
    image_size: int = 256,
    batch_size: int = 32,
    simulation: str = "gray",
    series: Sequence[str] | None = None,
    max_images: int | None = None,
    **kwargs: object,
) -> tf.data.Dataset:
    """`find_pairs` then `make_dataset`: training augmentation on the train split only."""
    pairs = find_pairs(source, split, series)[:max_images]
    return make_dataset(pairs, image_size, batch_size, training=split == "train", simulation=simulation, **kwargs)


MIN_HELD_OUT = 10  # fewer images than this: no held-out validation split, validate on the training images


def training_pairs(
    source: str | os.PathLike | None = None,
    series: Sequence[str] | None = None,
    max_images: int | None = None,
) -> tuple[list[Pair], list[Pair], str]:
    """The (train, validation) pairs of a data source for a training run, and a line saying
    what was found and how it was split.

    A source too small for a held-out split (fewer than MIN_HELD_OUT images, or
    no image in the validation split) is validated on its training images, and the
    line says so; a run on three drawings still trains.
    """
    splits = {split: _split_or_empty(source, split, series) for split in SPLITS}
    found = sum(len(p) for p in splits.values())
    where = str(source) if source else ("the Kaggle dataset" if find_kaggle_root() else "the bundled sample")
    if not found:
        raise DataError(f"{where}: no images found")
    counts = f"{found} images found in {where}: " + ", ".join(f"{len(splits[s])} {s}" for s in SPLITS)
    train, val = splits["train"], splits["val"]
    if found < MIN_HELD_OUT or not train:
        train = val = [p for s in SPLITS for p in splits[s]]
        note = f"too few for a held-out validation split ({MIN_HELD_OUT} or more needed, with some in train)"
        return train[:max_images], val, f"{counts}; {note}: training and validating on all {found}"
    if not val:
        return train[:max_images], train, f"{counts}; no validation images: validating on the training images"
    return train[:max_images], val, counts


def _split_or_empty(source: str | os.PathLike | None, split: str, series: Sequence[str] | None) -> list[Pair]:
    """A split's pairs; an absent split subfolder (train/ and val/ but no test/) is empty."""
    if source is not None and (Path(source) / "train").is_dir() and split != "train":
        try:
            return find_pairs(source, split, series)
        except DataError:
            return []
    return find_pairs(source, split, series)


def measure_throughput(dataset: tf.data.Dataset, batches: int = 20, warmup: int = 2) -> float:
    """Images per second a dataset delivers, after `warmup` batches (fills caches and buffers)."""
    iterator = iter(dataset.repeat())
    for _ in range(warmup):
        next(iterator)
    start, images = time.perf_counter(), 0
    for _ in range(batches):
        images += int(next(iterator)[0].shape[0])
    return images / (time.perf_counter() - start)
