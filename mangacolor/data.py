"""Finding, loading and streaming training data, and simulating manga-style input.

Four kinds of source, all reduced to a list of `Pair`s:
- a folder of coloured images (the B&W input is derived from them, as the seed did);
- the Kaggle "Japanese Manga Dataset" layout `<root>/<series>/colored/` and
  `<root>/<series>/grayscale/` (found by itself under /kaggle/input on Kaggle).
  Its two folders are numbered each on its own: `colored/N` and `grayscale/N` are
  different pages (the counts differ, and one grayscale page is a copyright notice),
  so every coloured page trains with input derived from it, and the grayscale
  pages are never paired: `real_bw_pages` offers them to colour in demos;
- a paired layout `<root>/color/` and `<root>/bw/` with matching names. A B&W file
  is paired with its colour file only when their content matches (`content_match`:
  the outlines of the two, downscaled, lie and run alike); one that does not match, or
  cannot be read, is set aside, its colour page trains with derived input, and
  `find_pairs` says how many were set aside and why, in one warning;
- the bundled public-domain sample in `data/` when no path is given.

`make_dataset` streams pairs from files with tf.data: parallel decoding,
resizing, caching of small sets, augmentation and manga simulation for training.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import stat
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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


class PairingWarning(UserWarning):
    """B&W files of a paired source were set aside (content not matching, or unreadable); one per call."""


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


def _paired_by_name(colors: list[Path], bw_folder: Path) -> list[Pair]:
    """Coloured files with the B&W file of the same stem, where there is one (not yet checked)."""
    bw_by_stem = {}
    if bw_folder.is_dir():  # a broken link named .png is kept, to be reported as unreadable
        bw_files = [p for p in bw_folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.is_dir()]
        bw_by_stem = {p.stem: str(p) for p in bw_files}
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

    On the Kaggle layout every coloured page comes with `bw=None` (input derived
    from it): its `grayscale/` pages are other pages, not these ones in B&W. In a
    paired folder a B&W file is kept only if its content matches its colour file
    (`content_match`); the others are set aside with one `PairingWarning`.
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
        pairs = _filter_split(_paired_by_name(list_images(root / "color"), root / "bw"), split)
        return _content_checked(pairs, root / "bw")
    if _is_kaggle_layout(root):
        available = kaggle_series(root)
        chosen = available if series is None else [s for s in available if s in set(series)]
        if series is not None and len(chosen) != len(set(series)):
            missing = sorted(set(series) - set(available))
            raise DataError(f"{root}: no series {missing}; available: {available}")
        # colored/N and grayscale/N are different pages: never joined (see real_bw_pages).
        pairs = [Pair(color=str(p)) for name in chosen for p in list_images(root / name / "colored")]
    else:
        pairs = [Pair(color=str(p)) for p in list_images(root)]
    return _filter_split(pairs, split)


def _natural_key(path: Path) -> list:
    """Sort key putting page 2 before page 10."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


def real_bw_pages(
    source: str | os.PathLike | None = None,
    series: str | Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Path]:
    """Real B&W pages to colour in a demo, in page order (at most `limit`).

    The Kaggle dataset's `<series>/grayscale/` pages are real manga pages but not
    the `colored/` pages in B&W (the two folders are numbered each on its own), so
    they never train; this is where they are used: on a Kaggle-layout `source`
    (or the one under /kaggle/input when `source` is None) these are its grayscale
    pages, of the chosen series or of all. In a paired folder they are its `bw/`
    files; with no Kaggle data, the bundled B&W drawings.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be None or 0 or more, not {limit}")
    if source is None:
        source = find_kaggle_root()
        if source is None:
            return [Path(p.color) for p in sample_pairs(kind="bw")][:limit]
    root = Path(source)
    if not root.is_dir():
        raise DataError(f"{root}: no such folder")
    if _is_kaggle_layout(root):
        available = sorted(d.name for d in root.iterdir() if (d / "grayscale").is_dir())
        wanted = [series] if isinstance(series, str) else series
        if wanted is not None and set(wanted) - set(available):
            missing = sorted(set(wanted) - set(available))
            raise DataError(f"{root}: no series {missing} with a grayscale/ folder; available: {available}")
        chosen = available if wanted is None else [s for s in available if s in set(wanted)]
        if not chosen:
            raise DataError(f"{root}: no <series>/grayscale/ folder")
        pages = [p for name in chosen for p in sorted(list_images(root / name / "grayscale"), key=_natural_key)]
    elif (root / "bw").is_dir():
        pages = sorted(list_images(root / "bw"), key=_natural_key)
    else:
        raise DataError(f"{root}: no B&W pages (looked for <series>/grayscale/ and bw/)")
    return pages[:limit]


# ---------------------------------------------------------------- checking paired B&W files

MATCH_SIZE = 64  # both files are compared as MATCH_SIZE x MATCH_SIZE lightness (area-averaged)
# Measured by bench/pairing_threshold.py (300 bundled drawings and 60 manga-like pages, seed 0):
# genuine B&W versions (grayscale, also JPEG, rescaled, cropped 2%; XDoG line art, also thick,
# JPEG, with screentone; screentone; ink) median 0.94, 1st percentile 0.64, lowest 0.29 (4 of
# 3548 below 0.47: the ink of one drawing, three line-art versions of pages); mismatched
# (another drawing's versions, the real B&W drawings, a text page, pages of the same panel
# layout with other drawings) median 0.07, 99th percentile 0.32, highest 0.43 (none of 2100
# at 0.47 or more). Two drawings of one outline on white do match (Jupiter's and Venus's discs: 0.69).
MATCH_THRESHOLD = 0.47
_scores: dict[tuple, float | tuple[str, str]] = {}  # (colour, B&W files) -> score, or (why not, detail)


def _match_thumbnail(path: str | os.PathLike) -> np.ndarray:
    """A file's lightness, area-downscaled to MATCH_SIZE x MATCH_SIZE (stretched), in [0, 1].

    Cheap on large files: a JPEG is decoded at a fraction of its size (`draft`).
    Raises DataError naming a file that cannot be read."""
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise DataError(f"{path}: cannot read image (not a regular file)")
        with Image.open(path) as im:
            if im.width * im.height > MAX_PIXELS:
                raise DataError(f"{path}: image is {im.width} x {im.height} pixels, more than {MAX_PIXELS:,}")
            if im.mode in ("L", "RGB"):
                im.draft("L", (2 * MATCH_SIZE, 2 * MATCH_SIZE))  # JPEG only; others decode in full
            im.load()
            small = to_8bit(ImageOps.exif_transpose(im), "L").resize((MATCH_SIZE, MATCH_SIZE), Image.BOX)
            return np.asarray(small, np.float32) / 255.0
    except DataError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise DataError(f"{path}: cannot read image ({e})") from e


def _smooth(x: np.ndarray) -> np.ndarray:
    """The mean over 3 x 3 pixels (edges repeated)."""
    h, w = x.shape
    padded = np.pad(x, 1, mode="edge")
    return sum(padded[i : i + h, j : j + w] for i in range(3) for j in range(3)) / 9.0


def _outlines(lightness: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the outlines are (gradient magnitude) and which way they run (the gradient
    as a complex number, squared: its angle doubled, so that a line with dark on one side
    and one with dark on the other agree), both smoothed over 3 x 3 pixels."""
    gy, gx = np.zeros_like(lightness), np.zeros_like(lightness)
    gy[1:-1] = lightness[2:] - lightness[:-2]
    gx[:, 1:-1] = lightness[:, 2:] - lightness[:, :-2]
    return _smooth(np.hypot(gx, gy)), _smooth((gx + 1j * gy) ** 2)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / norm if norm > 1e-12 else 0.0  # a blank image matches nothing


def _match_score(color: np.ndarray, bw: np.ndarray) -> float:
    (color_edges, color_ways), (bw_edges, bw_ways) = _outlines(color), _outlines(bw)
    norm = float(np.sqrt((np.abs(color_ways) ** 2).sum() * (np.abs(bw_ways) ** 2).sum()))
    agree = float(np.vdot(bw_ways, color_ways).real) / norm if norm > 1e-12 else 0.0
    return (_correlation(color_edges, bw_edges) + agree) / 2.0


def content_match(color: str | os.PathLike, bw: str | os.PathLike) -> float:
    """How well a B&W file shows the same picture as a colour file, from -1 to 1 (1: the same
    outlines); MATCH_THRESHOLD or more makes a pair.

    Both are compared as lightness at MATCH_SIZE x MATCH_SIZE: the mean of the
    correlation of their edge maps (where the outlines are) and of how well the
    directions of their outlines agree. Outlines rather than lightness, because line
    art (ink on white paper) keeps the outlines of a coloured page but not its tones:
    a colour drawing and its own line art can correlate in lightness less than two
    different drawings on white do. Raises DataError naming a file that cannot be read.
    """
    return _match_score(_match_thumbnail(color), _match_thumbnail(bw))


def _file_key(path: str) -> tuple:
    try:
        st = os.stat(path)
        return (path, st.st_size, st.st_mtime_ns)
    except OSError:
        return (path, None, None)


def _score_or_reason(pair: Pair) -> float | tuple[str, str]:
    """The pair's content_match, or why it cannot be measured and the error (cached while
    neither file changes)."""
    key = (_file_key(pair.color), _file_key(pair.bw))
    if key not in _scores:
        try:
            bw = _match_thumbnail(pair.bw)
        except DataError as e:
            _scores[key] = ("cannot be read", str(e))
        else:
            try:
                _scores[key] = _match_score(_match_thumbnail(pair.color), bw)
            except DataError as e:
                _scores[key] = ("have a colour file that cannot be read", str(e))
    return _scores[key]


def _content_checked(pairs: list[Pair], bw_folder: Path) -> list[Pair]:
    """The pairs whose B&W file matches its colour file's content; the others with bw=None,
    reported in one PairingWarning (how many, why, the first few files)."""
    with_bw = [p for p in pairs if p.bw]
    if not with_bw:
        return pairs
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:  # decoding releases the GIL
        verdicts = dict(zip(with_bw, pool.map(_score_or_reason, with_bw), strict=True))
    mismatch = f"do not match their colour file's content (content_match below {MATCH_THRESHOLD})"
    set_aside: dict[str, list[str]] = {}
    checked = []
    for p in pairs:
        verdict = verdicts.get(p)
        if verdict is None or (isinstance(verdict, float) and verdict >= MATCH_THRESHOLD):
            checked.append(p)
            continue
        why, detail = (mismatch, Path(p.bw).name) if isinstance(verdict, float) else verdict
        set_aside.setdefault(why, []).append(detail)
        checked.append(Pair(color=p.color))
    if set_aside:
        total = sum(len(v) for v in set_aside.values())
        parts = [f"{len(v)} {why}: {'; '.join(v[:3])}{'; ...' if len(v) > 3 else ''}" for why, v in set_aside.items()]
        warnings.warn(
            f"{total} of {len(with_bw)} B&W files in {bw_folder} set aside, their colour pages train with "
            f"input derived from the colour: {'. '.join(parts)}",
            PairingWarning,
            stacklevel=3,
        )
    return checked


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
