"""Whole-page colorization: any size in, exactly that size out, lines as sharp as drawn.

The generator works at a modest resolution (`size`, its training size). A page
is scaled so its long side is `size`, padded with white paper to a multiple of
32, coloured, and cropped. Only the predicted colour (a*b*) is then upsampled to
the page's full resolution and combined with the page's own lightness L*
("the Lab trick"): a reader sees the drawing exactly as it was, tinted. With
`tile=True` the colour is predicted on overlapping tiles of a larger copy of
the page instead, for pages whose details vanish at `size` pixels.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image
from tqdm import tqdm

from mangacolor import color, data
from mangacolor.config import Config

ImageLike = str | os.PathLike | Image.Image | np.ndarray

DEFAULT_SIZE = 256
PAD_MULTIPLE = 32  # 2**depth of the deepest default generator (U-Net, depth 5)
MODEL_FILES = ("generator.keras", "checkpoints/best.keras", "checkpoints/last.keras")
CHUNK_PIXELS = 2**20  # colour math on at most this many pixels at once: bounded memory
MIN_CHUNK_PIXELS = 2**16  # chunks are padded to powers of two from here: few XLA compilations
TILE_BATCH = 4  # tiles per model call in tile mode
COLORED_CHROMA = 6.0  # mean C*ab above which a page counts as already coloured
THUMBNAIL = 256  # `is_colored` looks at a copy this large: chroma needs no detail
FORMATS = {  # --format: (Pillow format, file suffix, save options)
    "png": ("PNG", ".png", {}),
    "jpeg": ("JPEG", ".jpg", {"quality": 95}),
    "webp": ("WEBP", ".webp", {"quality": 95}),
}


# ---------------------------------------------------------------- loading


def load_generator(path: str | os.PathLike) -> tuple[keras.Model, Config | None]:
    """A generator from a `.keras` file or a run directory, with the run's Config if it has one.

    A run directory's final generator is preferred, then its best and last
    checkpoints, so an interrupted or still running run can be used too.
    """
    path = Path(path)
    if path.is_dir():
        found = [path / name for name in MODEL_FILES if (path / name).is_file()]
        if not found:
            raise FileNotFoundError(f"{path}: no generator in it (looked for {', '.join(MODEL_FILES)})")
        model_file, run_dir = found[0], path
    elif path.is_file():
        model_file = path
        run_dir = path.parent.parent if path.parent.name == "checkpoints" else path.parent
    else:
        raise FileNotFoundError(f"{path}: no such model file or run directory")
    config_file = run_dir / "config.json"
    config = Config.load(config_file) if config_file.is_file() else None
    return keras.saving.load_model(model_file, compile=False), config


def as_rgb(image: ImageLike) -> np.ndarray:
    """uint8 RGB of a file, a PIL image or an array, converted as data.load_image converts files."""
    if isinstance(image, (str, os.PathLike)):
        return data.load_image(image)
    if isinstance(image, np.ndarray):
        image = _array_to_pil(image)
    return np.asarray(data.to_8bit(image, "RGB"))


def _array_to_pil(array: np.ndarray) -> Image.Image:
    """uint8 gray, RGB or RGBA, or 16-bit gray, as in files; a float range would be a guess."""
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    gray = array.ndim == 2 and array.dtype in (np.uint8, np.uint16)
    colour = array.ndim == 3 and array.shape[-1] in (3, 4) and array.dtype == np.uint8
    if not (gray or colour):
        raise ValueError(
            f"cannot colorize an array of shape {array.shape} and dtype {array.dtype}: "
            "expected uint8 gray, RGB or RGBA, or uint16 gray"
        )
    return Image.fromarray(array)


# ---------------------------------------------------------------- resizing


def _scaled(shape: tuple[int, ...], long_side: int) -> tuple[int, int]:
    """(width, height) of an image of `shape` scaled so its long side is `long_side`."""
    h, w = shape[:2]
    scale = long_side / max(h, w)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area averaging when shrinking, as in training (data.fit_square); bicubic when enlarging."""
    im = Image.fromarray(rgb)
    shrinking = size[0] <= im.width and size[1] <= im.height
    return np.asarray(im.resize(size, Image.Resampling.BOX if shrinking else Image.Resampling.BICUBIC))


def _upsample(channel: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(
        Image.fromarray(np.ascontiguousarray(channel, np.float32)).resize(size, Image.Resampling.BILINEAR)
    )


# ---------------------------------------------------------------- the Lab trick


def recolor(page: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """The page's own full-resolution L* with a*b* upsampled from `ab` (h, w, 2): uint8 RGB.

    Chroma is shrunk towards grey where a colour leaves the sRGB gamut, so the
    output's lightness is the page's. Runs on chunks of pixels to bound memory.
    """
    h, w = page.shape[:2]
    a, b = (_upsample(ab[..., i], (w, h)).reshape(-1) for i in (0, 1))
    pixels = page.reshape(-1, 3)
    out = np.empty_like(pixels)
    for start in range(0, len(pixels), CHUNK_PIXELS):
        chunk = slice(start, start + CHUNK_PIXELS)
        out[chunk] = _recolor_chunk(pixels[chunk], a[chunk], b[chunk])
    return out.reshape(h, w, 3)


def _recolor_chunk(rgb: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pad to a power of two so the compiled function sees few shapes."""
    n = len(rgb)
    pad = max(MIN_CHUNK_PIXELS, 2 ** math.ceil(math.log2(n))) - n
    out = _recolor_pixels(np.pad(rgb, ((0, pad), (0, 0))), np.pad(a, (0, pad)), np.pad(b, (0, pad)))
    return out.numpy()[:n]


@tf.function(jit_compile=True)
def _recolor_pixels(rgb: tf.Tensor, a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """(N, 3) uint8 RGB and (N,) a*, b* to (N, 3) uint8; XLA fuses the bisection (~8x faster)."""
    lightness = color.rgb_to_lightness(tf.cast(rgb, tf.float32) / 255.0)
    lab = tf.concat([lightness, a[:, None], b[:, None]], axis=-1)
    return tf.cast(tf.round(color.lab_to_rgb(color.fit_chroma_to_gamut(lab)) * 255.0), tf.uint8)


# ---------------------------------------------------------------- tiles


def _tile_starts(length: int, tile: int) -> list[int]:
    """Tile offsets along one axis, overlapping by at least tile // 4; the last ends at the end."""
    stride = tile - tile // 4
    return [*range(0, length - tile, stride), length - tile]


def _window(tile: int) -> np.ndarray:
    """Blending weights (tile, tile, 1): 1 inside, ramping linearly to ~0 over the overlap.

    Never 0, so a pixel that only one tile covers (the page's border) keeps its colour.
    """
    i = np.arange(tile, dtype=np.float32) + 0.5
    ramp = np.minimum(1.0, np.minimum(i, tile - i) / max(1, tile // 4))
    return (ramp[:, None] * ramp[None, :])[..., None]


def _batches(items: Sequence, n: int) -> Iterator[Sequence]:
    for start in range(0, len(items), n):
        yield items[start : start + n]


# ---------------------------------------------------------------- the colorizer


@dataclass
class FolderReport:
    """What `colorize_folder` did; `failed` holds (input, message naming the file and problem)."""

    written: list[Path] = field(default_factory=list)
    skipped_colored: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def is_colored(rgb: np.ndarray, threshold: float = COLORED_CHROMA) -> bool:
    """True for an image already in colour: its mean chroma C*ab exceeds `threshold`.

    B&W scans stay below it (grey has no chroma, a paper tint little); a page
    with little colour on much white paper may too, and is then colorized.
    """
    small = _resize(rgb, _scaled(rgb.shape, min(THUMBNAIL, max(rgb.shape[:2]))))
    ab = color.rgb_to_lab(tf.cast(small, tf.float32) / 255.0)[..., 1:]
    return float(tf.reduce_mean(tf.norm(ab, axis=-1))) > threshold


class Colorizer:
    """Colorizes pages of any size and mode with a generator that works at `size` pixels.

    `model` is a generator, a `.keras` file or a run directory; `size` defaults to
    the run's training image size (else 256).
    """

    def __init__(self, model: keras.Model | str | os.PathLike, size: int | None = None, tile: bool = False) -> None:
        config = None
        if not isinstance(model, keras.Model):
            model, config = load_generator(model)
        self.model = model
        self.size = size or (config.image_size if config else DEFAULT_SIZE)
        self.tile = tile

    def colorize(self, image: ImageLike) -> np.ndarray:
        """uint8 RGB of exactly the input's height and width."""
        page = as_rgb(image)
        return recolor(page, self._ab_maps([page])[0])

    def _predict_ab(self, pages: np.ndarray) -> np.ndarray:
        """The a*b* the model predicts for a batch of same-size uint8 RGB images (B, h, w, 3)."""
        h, w = pages.shape[1:3]
        gray = color.rgb_to_lightness(tf.cast(pages, tf.float32) / 255.0) / 50.0 - 1.0
        pad = [[0, 0], [0, -h % PAD_MULTIPLE], [0, -w % PAD_MULTIPLE], [0, 0]]
        fake = self.model(tf.pad(gray, pad, constant_values=1.0), training=False)[:, :h, :w]
        return color.rgb_to_lab((tf.cast(fake, tf.float32) + 1.0) / 2.0)[..., 1:].numpy()

    def _ab_maps(self, pages: list[np.ndarray]) -> list[np.ndarray]:
        """A low-resolution a*b* map per page; same-size pages share model calls."""
        if self.tile:
            return [self._tiled_ab(page) for page in pages]
        small = [_resize(page, _scaled(page.shape, self.size)) for page in pages]
        by_shape = defaultdict(list)
        for i, image in enumerate(small):
            by_shape[image.shape].append(i)
        maps: dict[int, np.ndarray] = {}
        for indices in by_shape.values():
            predicted = self._predict_ab(np.stack([small[i] for i in indices]))
            maps.update(zip(indices, predicted, strict=True))
        return [maps[i] for i in range(len(pages))]

    def _tiled_ab(self, page: np.ndarray) -> np.ndarray:
        """a*b* predicted on overlapping size x size tiles of the page scaled to a short side
        of 2 * size, blended with weights that fade out over each overlap (no seams)."""
        s = self.size
        h, w = page.shape[:2]
        work = _resize(page, _scaled(page.shape, round(2 * s * max(h, w) / min(h, w))))
        boxes = list(product(_tile_starts(work.shape[0], s), _tile_starts(work.shape[1], s)))
        window = _window(s)
        total = np.zeros((*work.shape[:2], 2), np.float32)
        weight = np.zeros((*work.shape[:2], 1), np.float32)
        for batch in _batches(boxes, TILE_BATCH):
            tiles = np.stack([work[y : y + s, x : x + s] for y, x in batch])
            for (y, x), ab in zip(batch, self._predict_ab(tiles), strict=True):
                total[y : y + s, x : x + s] += ab * window
                weight[y : y + s, x : x + s] += window
        return total / weight

    def colorize_folder(
        self,
        inputs: str | os.PathLike | Iterable[str | os.PathLike],
        out_dir: str | os.PathLike,
        fmt: str = "png",
        skip_colored: bool = False,
        batch_size: int = 8,
        progress: bool = True,
    ) -> FolderReport:
        """Colorize image files and folders of images into `out_dir/<stem>.<ext>`.

        Refuses (FileExistsError, before writing anything) to overwrite an input
        or to write two inputs to one file. A file that cannot be read is listed
        in the report's `failed` and the others are still written.
        """
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {sorted(FORMATS)}, not {fmt!r}")
        paths = image_paths(inputs)
        targets = _output_paths(paths, Path(out_dir), FORMATS[fmt][1])
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        report = FolderReport()
        with tqdm(total=len(paths), desc="colorizing", unit="image", disable=not progress) as bar:
            for batch in _batches(paths, batch_size):
                pages = _load_pages(batch, skip_colored, report)
                maps = self._ab_maps(list(pages.values()))
                for (path, page), ab in zip(pages.items(), maps, strict=True):
                    _write(recolor(page, ab), path, targets[path], fmt, report)
                bar.update(len(batch))
        return report


# ---------------------------------------------------------------- folders


def image_paths(inputs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given and the images of folders (data.list_images), each once, in order."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    paths: list[Path] = []
    for item in map(Path, inputs):
        paths += data.list_images(item) if item.is_dir() else [item]
    return list(dict.fromkeys(paths))


def _output_paths(paths: list[Path], out_dir: Path, suffix: str) -> dict[Path, Path]:
    """Where each input is written; refuses to overwrite an input or to write one file twice."""
    inputs = {p.resolve() for p in paths}
    sources: dict[Path, Path] = {}
    for path in paths:
        target = out_dir / (path.stem + suffix)
        if target.resolve() in inputs:
            raise FileExistsError(f"{target}: would overwrite an input image; write to another folder (--out)")
        if target in sources:
            raise FileExistsError(f"{sources[target]} and {path} would both be written to {target}")
        sources[target] = path
    return {path: target for target, path in sources.items()}


def _load_pages(paths: Sequence[Path], skip_colored: bool, report: FolderReport) -> dict[Path, np.ndarray]:
    """Decoded pages to colorize; unreadable and (if asked) coloured ones go to the report."""
    pages = {}
    for path in paths:
        try:
            page = data.load_image(path)
        except data.DataError as e:
            report.failed.append((path, str(e)))
            continue
        if skip_colored and is_colored(page):
            report.skipped_colored.append(path)
        else:
            pages[path] = page
    return pages


def _write(rgb: np.ndarray, source: Path, target: Path, fmt: str, report: FolderReport) -> None:
    """Write atomically (temporary file, then rename): a crash never leaves half an image."""
    pil_format, _, options = FORMATS[fmt]
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        Image.fromarray(rgb).save(tmp, format=pil_format, **options)
        os.replace(tmp, target)
        report.written.append(target)
    except OSError as e:
        report.failed.append((source, f"{target}: cannot write ({e})"))
    finally:
        tmp.unlink(missing_ok=True)
