"""Where training images come from: the bundled sample, the Kaggle manga dataset, folders; splits.

Four kinds of source, all reduced to a list of `Pair`s (pairing.py):
- a folder of coloured images (the B&W input is derived from them, as the seed did);
- the Kaggle "Japanese Manga Dataset" layout `<root>/<series>/colored/` and
  `<root>/<series>/grayscale/` (found by itself under /kaggle/input on Kaggle).
  Its two folders are numbered each on its own: `colored/N` and `grayscale/N` are
  different pages (the counts differ, and one grayscale page is a copyright notice),
  so every coloured page trains with input derived from it, and the grayscale
  pages are never paired: `real_bw_pages` offers them to colour;
- a paired layout `<root>/color/` and `<root>/bw/` with matching names, each pair
  checked by content first (pairing.content_checked);
- the bundled public-domain sample in `data/` when no path is given.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from mangacolor.data.images import IMAGE_SUFFIXES, DataError, list_images
from mangacolor.data.pairing import Pair, content_checked

KAGGLE_INPUT = Path("/kaggle/input")
SPLITS = ("train", "val", "test")


def sample_root() -> Path:
    """The bundled sample's folder: `data/` of the repository, or $MANGACOLOR_DATA."""
    root = Path(os.environ.get("MANGACOLOR_DATA", Path(__file__).resolve().parents[2] / "data"))
    if not (root / "manifest.csv").is_file():
        raise DataError(
            f"{root}: the bundled sample data is not there (no manifest.csv). Install mangacolor "
            "from a clone of the repository (pip install -e .), or set MANGACOLOR_DATA."
        )
    return root


def openmoji_root() -> Path:
    """The bundled OpenMoji series (CC BY-SA 4.0, data/openmoji/LICENSE): emoji drawn by their
    artists twice, in colour and as line art; a paired folder for `find_pairs` and `--data`."""
    return sample_root() / "openmoji"


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


def _chosen_series(root: Path, series: Sequence[str] | None, folder: str) -> list[str]:
    """The series of a Kaggle-layout root that have a `folder` (colored or grayscale), all or
    those named; a name that is not there is an error listing the ones that are."""
    available = sorted(d.name for d in root.iterdir() if (d / folder).is_dir())
    if series is not None and set(series) - set(available):
        missing = sorted(set(series) - set(available))
        raise DataError(f"{root}: no series {missing} with a {folder}/ folder; available: {available}")
    chosen = available if series is None else [s for s in available if s in set(series)]
    if not chosen:
        raise DataError(f"{root}: no <series>/{folder}/ folder")
    return chosen


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
        return content_checked(pairs, root / "bw")
    if _is_kaggle_layout(root):
        # colored/N and grayscale/N are different pages: never joined (see real_bw_pages).
        chosen = _chosen_series(root, series, "colored")
        pairs = [Pair(color=str(p)) for name in chosen for p in list_images(root / name / "colored")]
    else:
        pairs = [Pair(color=str(p)) for p in list_images(root)]
    return _filter_split(pairs, split)


def natural_key(name: str) -> list[str | int]:
    """Sort key of reading order: runs of digits compare as numbers (page2 before page10), text
    case-blind. re.split with a group puts the digit runs at the odd places, so types align."""
    return [int(part) if i % 2 else part.casefold() for i, part in enumerate(re.split(r"(\d+)", name))]


def in_reading_order(paths: list[Path]) -> list[Path]:
    """Files sorted as pages are read: page2 before page10."""
    return sorted(paths, key=lambda p: natural_key(p.name))


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
        chosen = _chosen_series(root, [series] if isinstance(series, str) else series, "grayscale")
        pages = [p for name in chosen for p in in_reading_order(list_images(root / name / "grayscale"))]
    elif (root / "bw").is_dir():
        pages = in_reading_order(list_images(root / "bw"))
    else:
        raise DataError(f"{root}: no B&W pages (looked for <series>/grayscale/ and bw/)")
    return pages[:limit]


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
