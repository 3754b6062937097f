"""Whole-page colorization: any size in, exactly that size out, lines as sharp as drawn.

The generator works at a modest resolution (`size`, its training size). A page
is scaled so its long side is `size`, padded with white paper to a multiple of
32, and the generator predicts its colour layer (factor, a*, b*: see
heads.MultiplyHead). Only that layer is upsampled to the page's full
resolution and laid under the page's own lightness L*, which it multiplies by
the factor: ink stays black and as sharp as drawn, paper takes the colour. On a
B&W drawing the layer is first flattened to one colour per closed region
(`flatten.py`). With `tile=True` the layer is predicted on overlapping tiles of
a larger copy of the page instead, for pages whose details vanish at `size` pixels.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import product
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image
from tqdm import tqdm

from mangacolor import color, compose, data, folders, metrics, models
from mangacolor import hints as hint_layers
from mangacolor.config import Config

ImageLike = str | os.PathLike | Image.Image | np.ndarray

DEFAULT_SIZE = 256
PAD_MULTIPLE = 32  # 2**depth of the deepest default generator (U-Net, depth 5)
MODEL_FILES = ("generator.keras", "checkpoints/best.keras", "checkpoints/last.keras")
SHIPPED = Path(__file__).resolve().parent / "weights"  # the model that ships (its card: weights/MODEL_CARD.md)
TILE_BATCH = 4  # tiles per model call in tile mode


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


class Colorizer:
    """Colorizes pages of any size and mode with a generator that works at `size` pixels.

    `model` is a generator, a `.keras` file or a run directory; None is the model
    that ships with the package (SHIPPED). `size` defaults to the run's training
    image size (else 256). `flatten`: one colour per closed
    region (True), never (False), or on B&W drawings only (None, the default).
    """

    def __init__(
        self,
        model: keras.Model | str | os.PathLike | None = None,
        size: int | None = None,
        tile: bool = False,
        flatten: bool | None = None,
    ) -> None:
        config = None
        if not isinstance(model, keras.Model):
            model, config = load_generator(SHIPPED if model is None else model)
        self.model = model
        self.size = size or (config.image_size if config else DEFAULT_SIZE)
        self.tile = tile
        self.flatten = flatten
        self.takes_hints = models.takes_hints(model)
        self._layer = models.colour_layer(model)

    def colorize(self, image: ImageLike, hints: hint_layers.Hints = None) -> np.ndarray:
        """uint8 RGB of exactly the input's height and width.

        `hints`: colour hints in page coordinates (see hints.layer_for): a list of
        hints.Point, a scribble (transparent image with coloured strokes, any size),
        or a .json or .png file; None colours automatically.
        """
        return compose.under_ink(*self._full_layer(image, hints))

    def colorize_with_layer(self, image: ImageLike, hints: hint_layers.Hints = None) -> tuple[np.ndarray, np.ndarray]:
        """The colorized page and its colour layer alone (as on white paper), both uint8 RGB
        of the input's size: the layer can be edited and laid under the line art (Multiply)."""
        light, layer = self._full_layer(image, hints)
        return compose.under_ink(light, layer), compose.layer_to_rgb(layer)

    def _full_layer(self, image: ImageLike, hints: hint_layers.Hints) -> tuple[np.ndarray, np.ndarray]:
        """The page's L* and its colour layer, both at the page's full resolution."""
        page = as_rgb(image)
        if isinstance(image, (str, os.PathLike)):
            hints = folders.hints_for(hints, Path(image))  # a JSON file's points for this page by name
        small, given = self._layer_maps([page], [hints])[0]
        return compose.full_layer(page, small, self.flatten, given)

    def colorize_inputs(self, inputs: tf.Tensor | np.ndarray) -> np.ndarray:
        """Colorize a batch of model inputs (B, H, W, 1 or 5) in [-1, 1] as if they were pages
        with their hints: what `metrics.evaluate` scores, so the numbers are what a user gets."""
        inputs = np.asarray(inputs, np.float32)
        hints = [layer if layer[..., -1].any() else None for layer in inputs[..., 1:]] if inputs.shape[-1] > 1 else []
        hints = hints or [None] * len(inputs)
        pages = metrics.gray_copy(inputs)
        return np.stack([self.colorize(page, h) for page, h in zip(pages, hints, strict=True)])

    def _hint_layers(self, pages: list[np.ndarray], hints: list[hint_layers.Hints], shape: tuple[int, int]):
        """The hint layers of same-size pages at the working `shape`, or None for a model without."""
        if not self.takes_hints:
            if any(h is not None for h in hints):
                raise ValueError("this model takes no colour hints: it was trained without them (--no-hints)")
            return None
        return np.stack([hint_layers.layer_for(h, page.shape, shape) for page, h in zip(pages, hints, strict=True)])

    def _predict_layer(self, pages: np.ndarray, hints: np.ndarray | None = None) -> np.ndarray:
        """The colour layer (factor, a*, b*) predicted for same-size uint8 RGB images (B, h, w, 3)
        and their hint layers (B, h, w, 4), if the model takes hints."""
        h, w = pages.shape[1:3]
        gray = color.lightness_to_input(color.rgb_to_lightness(tf.cast(pages, tf.float32) / 255.0))
        pad = [[0, 0], [0, -h % PAD_MULTIPLE], [0, -w % PAD_MULTIPLE], [0, 0]]
        gray = tf.pad(gray, pad, constant_values=1.0)
        if self.takes_hints:
            given = np.zeros((*pages.shape[:3], hint_layers.CHANNELS), np.float32) if hints is None else hints
            gray = tf.concat([gray, tf.pad(given, pad)], axis=-1)
        if self._layer is not None:
            return self._layer(gray)[:, :h, :w].numpy()
        # An RGB head paints lines and all: keep its colour (a*b*), the page keeps its lightness.
        fake = self.model(gray, training=False)[:, :h, :w]
        ab = color.rgb_to_lab((tf.cast(fake, tf.float32) + 1.0) / 2.0)[..., 1:]
        return tf.concat([tf.ones_like(ab[..., :1]), ab], axis=-1).numpy()

    def _layer_maps(
        self, pages: list[np.ndarray], hints: list[hint_layers.Hints]
    ) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """A low-resolution colour layer per page, with its hint layer (None without hints);
        same-size pages share model calls."""
        if self.tile:
            return [self._tiled_layer(page, h) for page, h in zip(pages, hints, strict=True)]
        small = [compose.resize(page, compose.scaled_size(page.shape, self.size)) for page in pages]
        by_shape = defaultdict(list)
        for i, image in enumerate(small):
            by_shape[image.shape].append(i)
        maps: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        for shape, indices in by_shape.items():
            given = self._hint_layers([pages[i] for i in indices], [hints[i] for i in indices], shape[:2])
            predicted = self._predict_layer(np.stack([small[i] for i in indices]), given)
            given = [None] * len(indices) if given is None else list(given)
            maps.update(zip(indices, zip(predicted, given, strict=True), strict=True))
        return [maps[i] for i in range(len(pages))]

    def _tiled_layer(self, page: np.ndarray, hints: hint_layers.Hints = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The layer predicted on overlapping size x size tiles of the page scaled to a short side
        of 2 * size, blended with weights that fade out over each overlap (no seams)."""
        s = self.size
        h, w = page.shape[:2]
        work = compose.resize(page, compose.scaled_size(page.shape, round(2 * s * max(h, w) / min(h, w))))
        given = self._hint_layers([page], [hints], work.shape[:2])
        boxes = list(product(_tile_starts(work.shape[0], s), _tile_starts(work.shape[1], s)))
        window = _window(s)
        total = np.zeros((*work.shape[:2], 3), np.float32)
        weight = np.zeros((*work.shape[:2], 1), np.float32)
        for batch in _batches(boxes, TILE_BATCH):
            tiles = np.stack([work[y : y + s, x : x + s] for y, x in batch])
            tile_hints = None if given is None else np.stack([given[0, y : y + s, x : x + s] for y, x in batch])
            for (y, x), layer in zip(batch, self._predict_layer(tiles, tile_hints), strict=True):
                total[y : y + s, x : x + s] += layer * window
                weight[y : y + s, x : x + s] += window
        return total / weight, None if given is None else given[0]

    def colorize_folder(
        self,
        inputs: str | os.PathLike | Iterable[str | os.PathLike],
        out_dir: str | os.PathLike,
        fmt: str = "png",
        skip_colored: bool = False,
        batch_size: int = 8,
        progress: bool = True,
        layers: bool = False,
        hints: str | os.PathLike | None = None,
    ) -> folders.FolderReport:
        """Colorize image files and folders of images into `out_dir/<stem>.<ext>`, and with
        `layers` the colour layer alone into `out_dir/<stem>.layer.png`. `hints` is a JSON
        hint file (its "points" for every page, its "pages" by file name) or a scribble PNG.

        Refuses (FileExistsError, before writing anything) to overwrite an input
        or to write two inputs to one file. A file that cannot be read is listed
        in the report's `failed` and the others are still written.
        """
        if fmt not in folders.FORMATS:
            raise ValueError(f"format must be one of {sorted(folders.FORMATS)}, not {fmt!r}")
        paths = folders.image_paths(inputs)
        targets = folders.output_paths(paths, Path(out_dir), folders.FORMATS[fmt][1])
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        report = folders.FolderReport()
        with tqdm(total=len(paths), desc="colorizing", unit="image", disable=not progress) as bar:
            for batch in _batches(paths, batch_size):
                pages = folders.load_pages(batch, skip_colored, report)
                page_hints = [folders.hints_for(hints, path) for path in pages]
                maps = self._layer_maps(list(pages.values()), page_hints)
                for (path, page), (small, given) in zip(pages.items(), maps, strict=True):
                    light, layer = compose.full_layer(page, small, self.flatten, given)
                    folders.write(compose.under_ink(light, layer), path, targets[path], fmt, report)
                    if layers:
                        folders.write(
                            compose.layer_to_rgb(layer), path, folders.layer_path(targets[path]), "png", report
                        )
                bar.update(len(batch))
        return report
