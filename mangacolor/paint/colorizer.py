"""The Colorizer: a generator and its PaintSettings, and the calls users make to colour pages.

Any size in, exactly that size out, lines as sharp as drawn: page.py runs the
steps (load, classify, analyse, predict, compose, write) in order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mangacolor.config import Config
from mangacolor.metrics import unchanged_input
from mangacolor.nets import colour_layer, takes_hints
from mangacolor.paint import chapters, compose, page
from mangacolor.paint.archives import ArchiveLimits
from mangacolor.paint.folders import FolderOptions, FolderReport
from mangacolor.paint.hints import Hints
from mangacolor.paint.layout import Layout, find_layout
from mangacolor.paint.settings import PaintSettings

DEFAULT_SIZE = 256
MODEL_FILES = ("generator.keras", "checkpoints/best.keras", "checkpoints/last.keras")
SHIPPED = Path(__file__).resolve().parents[1] / "weights"  # the model that ships (its card: weights/MODEL_CARD.md)


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


class Colorizer:
    """Colours pages of any size and mode with a generator that works at `size` pixels.

    `model` is a generator, a `.keras` file or a run directory; None is the model
    that ships with the package (SHIPPED). `settings` (PaintSettings) holds every
    tunable of the colouring; keyword arguments change single fields of it, e.g.
    `Colorizer(run, tile=True)`. The working size is `settings.size`, else the run's
    training size, else 256.
    """

    def __init__(
        self,
        model: keras.Model | str | os.PathLike | None = None,
        settings: PaintSettings | None = None,
        **changes: object,
    ) -> None:
        config = None
        if not isinstance(model, keras.Model):
            model, config = load_generator(SHIPPED if model is None else model)
        self.model = model
        self.settings = (settings or PaintSettings()).replace(**changes)
        self.size = self.settings.size or (config.image_size if config else DEFAULT_SIZE)
        self.takes_hints = takes_hints(model)
        self.colour_head = colour_layer(model)

    def colorize(self, image: page.ImageLike, hints: Hints = None, layout: Layout | None = None) -> np.ndarray:
        """uint8 RGB of exactly the input's height and width.

        `hints`: colour hints in page coordinates (see hints.hint_channels): a list of
        hints.Point, a scribble (transparent image with coloured strokes, any size),
        or a .json or .png file; None colours automatically. `layout`: the page's panels,
        bubbles and lettering as `layout(image)` found them and a user corrected them;
        None finds them.
        """
        return page.paint(self, image, hints, layout)[0]

    def colorize_with_layer(
        self, image: page.ImageLike, hints: Hints = None, layout: Layout | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The colorized page and its colour layer alone (as on white paper), both uint8 RGB
        of the input's size: the layer can be edited and laid under the line art (Multiply)."""
        coloured, layer = page.paint(self, image, hints, layout)
        return coloured, compose.layer_to_rgb(layer)

    def layout(self, image: page.ImageLike) -> Layout:
        """The page's panels, speech bubbles and lettering (layout.Layout), as colouring finds
        them with these settings: look at them, correct them, and give them to `colorize`."""
        return find_layout(compose.lightness(page.load_page(image)), self.settings)

    def colorize_inputs(self, inputs: tf.Tensor | np.ndarray) -> np.ndarray:
        """Colorize a batch of model inputs (B, H, W, 1 or 5) in [-1, 1] as if they were pages
        with their hints: what `metrics.evaluate` scores, so the numbers are what a user gets."""
        inputs = np.asarray(inputs, np.float32)
        hints = [h if h[..., -1].any() else None for h in inputs[..., 1:]] if inputs.shape[-1] > 1 else []
        hints = hints or [None] * len(inputs)
        pages = unchanged_input(inputs)
        return np.stack([self.colorize(p, h) for p, h in zip(pages, hints, strict=True)])

    def colorize_folder(
        self,
        inputs: str | os.PathLike | Iterable[str | os.PathLike],
        out_dir: str | os.PathLike,
        options: FolderOptions | None = None,
        **changes: object,
    ) -> FolderReport:
        """Colorize image files and folders of images into `out_dir/<stem>.<ext>` (FolderOptions
        says how; keyword arguments change its fields, e.g. `layers=True`).

        Refuses (FileExistsError, before writing anything) to overwrite an input
        or to write two inputs to one file. A file that cannot be read is listed
        in the report's `failed` and the others are still written.
        """
        options = FolderOptions(**{**vars(options or FolderOptions()), **changes})
        return page.paint_folder(self, inputs, out_dir, options)

    def colorize_chapter(
        self,
        source: str | os.PathLike,
        out: str | os.PathLike,
        options: FolderOptions | None = None,
        limits: ArchiveLimits | None = None,
        **changes: object,
    ) -> chapters.ChapterReport:
        """Colorize a chapter, a .cbz/.zip archive or a folder of pages, into the .cbz file `out`,
        pages in reading order (chapters.py). FolderOptions says how, as for folders.

        Refuses, before writing anything, to write over the source (FileExistsError) and an
        unsafe archive or one past `limits` (archives.ChapterError, ArchiveLimits' defaults
        when None). A page that cannot be decoded is in the report's `failed`.
        """
        options = FolderOptions(**{**vars(options or FolderOptions()), **changes})
        return chapters.colorize_chapter(self, source, out, options, limits)
