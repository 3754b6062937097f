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
import os
import stat
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
MAX_PIXELS = 80_000_000  # ~ 9000 x 9000: larger is a mistake or a decompression bomb
KAGGLE_INPUT = Path("/kaggle/input")
SPLITS = ("train", "val", "test")
# The `manga` mix: grayscale panels (the seed's input) and B&W drawings, with and without
# screentone, as a user brings them; one model learns both (bench/quality_ablation.csv).


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
    root = Path(os.environ.get("MANGACOLOR_DATA", Path(__file__).resolve().parents[2] / "data"))
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
    try:
        return find_pairs(source, split, series)
    except DataError:
        if split == "train" or source is None or not (Path(source) / "train").is_dir():
            raise
        return []
