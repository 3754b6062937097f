"""Colorizing folders: which files, where each result goes, and what could not be read.

A file that cannot be read (corrupt, a link loop, a FIFO, a directory named .png)
is listed in the report with its reason while the others are still written;
results are written atomically and never over an input.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from mangacolor import data, files
from mangacolor.paint.hints import Hints, read_points

FORMATS = {  # --format: (Pillow format, file suffix, save options)
    "png": ("PNG", ".png", {}),
    "jpeg": ("JPEG", ".jpg", {"quality": 95}),
    "webp": ("WEBP", ".webp", {"quality": 95}),
}


@dataclass(frozen=True)
class FolderOptions:
    """How `colorize_folder` writes: the format, `<stem>.layer.png` colour layers too (`layers`),
    pages already in colour left alone (`skip_coloured`), a JSON hint file ("points" for every
    page, "pages" by file name) or a scribble PNG (`hints`), pages per model call, a progress bar."""

    fmt: str = "png"
    layers: bool = False
    skip_coloured: bool = False
    hints: str | os.PathLike | None = None
    batch_size: int = 8
    progress: bool = True

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"format must be one of {sorted(FORMATS)}, not {self.fmt!r}")


@dataclass
class FolderReport:
    """What `colorize_folder` did; `failed` holds (input, message naming the file and problem)."""

    written: list[Path] = field(default_factory=list)
    skipped_colored: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def image_paths(inputs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given and the images of folders (data.list_images), each once, in order."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    paths: list[Path] = []
    for item in map(Path, inputs):
        paths += data.list_images(item) if item.is_dir() else [item]
    return list(dict.fromkeys(paths))


def _resolved(path: Path) -> Path:
    """The real path, or the absolute one where there is none (a symlink loop, no permission)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def output_paths(paths: list[Path], out_dir: Path, suffix: str) -> dict[Path, Path]:
    """Where each input is written; refuses to overwrite an input or to write one file twice."""
    inputs = {_resolved(p) for p in paths}
    sources: dict[Path, Path] = {}
    for path in paths:
        target = out_dir / (path.stem + suffix)
        if _resolved(target) in inputs:
            raise FileExistsError(f"{target}: would overwrite an input image; write to another folder (--out)")
        if target in sources:
            raise FileExistsError(f"{sources[target]} and {path} would both be written to {target}")
        sources[target] = path
    return {path: target for target, path in sources.items()}


def hints_for(hints: Hints, page: Path) -> Hints:
    """The hints of one page of a folder: a JSON file's points for it, or the hints as given."""
    if isinstance(hints, (str, os.PathLike)) and Path(hints).suffix.lower() == ".json":
        return read_points(hints, page.name) or None
    return hints


def layer_path(target: Path) -> Path:
    return target.with_name(target.stem + ".layer.png")


def write(rgb: np.ndarray, source: Path, target: Path, fmt: str, report: FolderReport) -> None:
    """Write atomically (temporary file, then rename): a crash never leaves half an image."""
    pil_format, _, options = FORMATS[fmt]
    try:
        with files.atomic_path(target) as tmp:
            Image.fromarray(rgb).save(tmp, format=pil_format, **options)
        report.written.append(target)
    except files.WriteError as e:
        report.failed.append((source, str(e)))
