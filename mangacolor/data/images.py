"""Loading image files: any common format and mode to uint8 RGB, and a clear error naming a bad file.

A corrupt, truncated or absurdly large file, a FIFO or a directory named .png
raises DataError with the file's name and the problem; in the training pipeline
such a file is skipped with a SkippedImageWarning and counted in SkippedFiles.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
MAX_PIXELS = 80_000_000  # ~ 9000 x 9000: larger is a mistake or a decompression bomb


class DataError(ValueError):
    """A data source or an image file that cannot be used; the message names it."""


class SkippedImageWarning(UserWarning):
    """An image was skipped (corrupt, truncated or too large); the message names it."""


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


@contextlib.contextmanager
def opened(path: str | os.PathLike, content: bytes | None = None) -> Iterator[Image.Image]:
    """The file opened with Pillow, refused if it is no regular file or absurdly large; any
    failure to read it, inside the block too, becomes a DataError naming the file.

    `content`: the file's bytes, already in memory (a page of a chapter archive, which
    is never extracted to disk); `path` then only names it in messages."""
    path = Path(path)
    try:
        if content is None and not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block
            raise DataError(f"{path}: cannot read image (not a regular file)")
        with Image.open(path if content is None else io.BytesIO(content)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise DataError(
                    f"{path}: image is {im.width} x {im.height} pixels, more than the "
                    f"{MAX_PIXELS:,} allowed; downscale it first"
                )
            yield im
    except DataError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise DataError(f"{path}: cannot read image ({e})") from e


def load_image(path: str | os.PathLike, mode: str = "RGB", content: bytes | None = None) -> np.ndarray:
    """Decode any common image file to uint8 RGB (or "L"), whatever its mode.

    Transparency is composited on white (line art is drawn on paper), palette,
    16-bit and CMYK images are converted, EXIF rotation is applied. A corrupt,
    truncated or absurdly large file raises DataError naming the file. With
    `content` the bytes are decoded from memory and `path` only names them.
    """
    with opened(path, content) as im:
        im.load()
        return np.asarray(to_8bit(ImageOps.exif_transpose(im), mode))


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
