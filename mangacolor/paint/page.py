"""One way through colouring: a page goes in, is classified, analysed, coloured, composed and written.

Each step is a function below, in the order it happens:

1. `load_page`: a file, PIL image or array, in any mode, as uint8 RGB;
2. `classify`: a B&W drawing (nearly every pixel ink or paper) or a grayscale panel;
3. `analyse`: the page's own lightness at full resolution, its kind, the user's hints, and its
   layout (layout.py: panels, speech bubbles, lettering); `parts` then cuts a page of framed
   panels into one page per panel, with the hints that fall in it (panels.py);
4. `predict.predict`: the network's colour layer at its working size, batched by shape (a page's
   panels in one call, `predict.predict_together`);
5. `compose_colour_layer` then `compose_page`: the colour layer at the page's resolution, flattened
   by region on a drawing or faded on a grayscale panel, hints filled, the panels' layers put back
   into the page (`compose_layout`), laid under the ink; gutters, bubbles and lettering as drawn;
6. `write` (folders.py): atomically, never over an input.

`paint` runs steps 1-5 for one page, `paint_pages` steps 4-5 for a batch, `paint_folder` all six
for files and folders (chapters.py writes a chapter's pages into a .cbz instead). A single
drawing (no frames, no bubbles, no lettering) is one part, the whole page, coloured as ever.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import tensorflow as tf
from PIL import Image
from tqdm import tqdm

from mangacolor import color, data
from mangacolor.paint import compose, folders, panels, predict
from mangacolor.paint.flatten import fill_same_grey, flatten
from mangacolor.paint.hints import Hints
from mangacolor.paint.layout import Box, Layout, find_layout, whole
from mangacolor.paint.settings import PaintSettings

if TYPE_CHECKING:
    from mangacolor.paint.colorizer import Colorizer

ImageLike = str | os.PathLike | Image.Image | np.ndarray
PageKind = Literal["drawing", "grayscale"]
DETECT_SAMPLES = 1_000_000  # pixels `classify` looks at, at most
THUMBNAIL = 256  # `is_coloured` looks at a copy this large: chroma needs no detail


@dataclass
class Page:
    """A page ready to colour: its pixels, its own lightness L* (H, W), its kind, its hints, its
    layout (None for a panel cut from a page) and the pixels composed exactly as drawn (None: none)."""

    rgb: np.ndarray
    lightness: np.ndarray
    kind: PageKind
    hints: Hints = None
    layout: Layout | None = None
    kept: np.ndarray | None = None
    box: Box | None = None  # where a part cut from a page lies on it


# ---------------------------------------------------------------- 1. load


def load_page(image: ImageLike) -> np.ndarray:
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


# ---------------------------------------------------------------- 2. classify


def classify(lightness: np.ndarray, settings: PaintSettings) -> PageKind:
    """ "drawing" for black ink on white paper (or screentone dots): nearly every pixel is ink
    or paper; "grayscale" for a panel with shading, many of whose pixels are mid-tones.

    `lightness` is L* (0-100) of the page at full resolution: downscaling would blur
    lines into mid-tones, so it looks at a strided subset instead.
    """
    step = max(1, int(np.sqrt(lightness.size / DETECT_SAMPLES)))
    sample = lightness[::step, ::step]
    midtones = (sample >= settings.ink_lightness / 2.4) & (sample <= settings.paper_lightness)
    return "drawing" if float(midtones.mean()) < settings.line_art_midtones else "grayscale"


def is_coloured(rgb: np.ndarray, settings: PaintSettings) -> bool:
    """True for a page already in colour: its mean chroma C*ab exceeds `coloured_chroma`.

    B&W scans stay below it (grey has no chroma, a paper tint little); a page
    with little colour on much white paper may too, and is then colorized.
    """
    small = compose.resize(rgb, compose.scaled_size(rgb.shape, min(THUMBNAIL, max(rgb.shape[:2]))))
    ab = color.rgb_to_lab(tf.cast(small, tf.float32) / 255.0)[..., 1:]
    return float(tf.reduce_mean(tf.norm(ab, axis=-1))) > settings.coloured_chroma


# ---------------------------------------------------------------- 3. analyse


def analyse(
    rgb: np.ndarray, hints: Hints, settings: PaintSettings, name: Path | None = None, layout: Layout | None = None
) -> Page:
    """The page's lightness, kind and layout (found, unless the caller gives one or `settings`
    turns every use of it off), and its hints: for a page read from a file, a JSON hint file's
    points for that file name."""
    lightness = compose.lightness(rgb)
    if layout is None:
        wanted = settings.panels or settings.protect_bubbles or settings.protect_text
        layout = find_layout(lightness, settings) if wanted else whole(rgb.shape)
    elif layout.shape != rgb.shape[:2]:
        raise ValueError(f"the layout is of a page of {layout.shape[::-1]} px, the page {rgb.shape[1::-1]}")
    hints = folders.hints_for(hints, name) if name else hints
    return Page(rgb, lightness, classify(lightness, settings), hints, layout, panels.kept(layout, lightness, settings))


def parts(page: Page, settings: PaintSettings) -> list[Page]:
    """What the network colours: the page itself or, for a page of framed panels (and
    `settings.panels`), each panel's drawing with paper around it (`panels.content`) as a page
    of its own, of its own kind, with the hints that fall in it."""
    if not settings.panels or page.layout is None or page.layout.whole_page:
        return [page]
    cut = []
    for panel in page.layout.panels:
        box = panels.content(page.lightness, panel, page.kept, settings)
        if box is not None:
            x, y, w, h = box
            light, hints = page.lightness[y : y + h, x : x + w], panels.crop_hints(page.hints, box, page.rgb.shape)
            cut.append(Page(page.rgb[y : y + h, x : x + w], light, classify(light, settings), hints, box=box))
    return cut


# ---------------------------------------------------------------- 5. compose


def compose_colour_layer(page: Page, prediction: predict.Prediction, settings: PaintSettings) -> np.ndarray:
    """The colour layer at the page's full resolution.

    A B&W drawing is flattened (one colour per closed region; a hint fills the region
    it is given in), unless `settings.flatten` says otherwise. On a grayscale panel the
    factor is 1: its greys are already the colours' lightness, so the network adds a*b*
    only (bench/README.md measures it), its colours fade by `tint_fade`, and a hint
    fills the area of its grey.
    """
    small, given = prediction
    full = compose.upsample(small, page.rgb.shape)
    if given is not None and given[..., -1].any():
        given = compose.nearest(given, page.rgb.shape)
    else:
        given = None
    drawing = page.kind == "drawing"
    if settings.flatten or (settings.flatten is None and drawing):
        return flatten(full, page.lightness, given, settings)
    if not drawing:
        full[..., 0] = 1.0
        full = compose.fade_tints(full, settings.tint_fade)
    if settings.flatten is None and given is not None:
        full = fill_same_grey(full, page.lightness, given, settings.grey_tolerance)
    return full


def compose_layout(page: Page, pieces: list[Page], layers: list[np.ndarray], settings: PaintSettings) -> np.ndarray:
    """The page's colour layer from its parts' layers: the panels' put back in place, paper (or
    a `bubble_tint`) where the layout keeps the page as drawn."""
    whole_page = len(pieces) == 1 and pieces[0] is page
    layer = layers[0] if whole_page else panels.assemble(page.rgb.shape, [p.box for p in pieces], layers)
    return panels.protect(layer, page.layout, page.kept, settings)


def compose_page(page: Page, colour_layer: np.ndarray) -> np.ndarray:
    """The page's own lightness under the colour layer: uint8 RGB, ink as sharp as drawn, and
    the pixels the layout keeps (gutters, bubbles, lettering) exactly as they were."""
    coloured = compose.under_ink(page.lightness, colour_layer)
    if page.kept is not None:
        coloured[page.kept] = page.rgb[page.kept]
    return coloured


# ---------------------------------------------------------------- steps 1-5, and 1-6


def paint(
    colorizer: Colorizer, image: ImageLike, hints: Hints = None, layout: Layout | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A page coloured, and its colour layer at full resolution; `layout` overrides the one found."""
    name = Path(image) if isinstance(image, (str, os.PathLike)) else None
    (done,) = paint_pages(colorizer, [analyse(load_page(image), hints, colorizer.settings, name, layout)])
    return done


def paint_pages(colorizer: Colorizer, pages: list[Page]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Steps 4 and 5 for analysed pages: each page's parts predicted (whole pages of one size
    share a model call, a page's panels another) and composed; (the coloured page, its colour
    layer) for each."""
    settings = colorizer.settings
    cut = [parts(page, settings) for page in pages]
    predictions = _predict_parts(colorizer, cut)
    done = []
    for page, pieces in zip(pages, cut, strict=True):
        layers = [compose_colour_layer(piece, next(predictions), settings) for piece in pieces]
        colour_layer = compose_layout(page, pieces, layers, settings)
        done.append((compose_page(page, colour_layer), colour_layer))
    return done


def _predict_parts(colorizer: Colorizer, cut: list[list[Page]]) -> Iterator[predict.Prediction]:
    """Every part's prediction, in order: whole pages batched by shape as ever, the panels of
    a page in one model call (`predict.predict_together`)."""
    whole_pages = [pieces[0] for pieces in cut if len(pieces) == 1]
    found = iter(predict.predict(colorizer, [p.rgb for p in whole_pages], [p.hints for p in whole_pages]))
    for pieces in cut:
        if len(pieces) == 1:
            yield next(found)
        else:
            yield from predict.predict_together(colorizer, [p.rgb for p in pieces], [p.hints for p in pieces])


def paint_folder(
    colorizer: Colorizer,
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    options: folders.FolderOptions,
) -> folders.FolderReport:
    """Colour image files and folders of images into `out_dir` (folders.py says where each
    goes); a file that cannot be read is reported and the others are still written."""
    paths = folders.image_paths(inputs)
    targets = folders.output_paths(paths, Path(out_dir), folders.FORMATS[options.fmt][1])
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    report = folders.FolderReport()
    with tqdm(total=len(paths), desc="colorizing", unit="image", disable=not options.progress) as bar:
        for batch in predict.batches(paths, options.batch_size):
            pages = _load_batch(batch, colorizer.settings, options, report)
            for path, (coloured, colour_layer) in zip(pages, paint_pages(colorizer, list(pages.values())), strict=True):
                folders.write(coloured, path, targets[path], options.fmt, report)
                if options.layers:
                    layer_file = folders.layer_path(targets[path])
                    folders.write(compose.layer_to_rgb(colour_layer), path, layer_file, "png", report)
            bar.update(len(batch))
    return report


def _load_batch(
    paths: Sequence[Path], settings: PaintSettings, options: folders.FolderOptions, report: folders.FolderReport
) -> dict[Path, Page]:
    """The batch's pages analysed; unreadable and (if asked) coloured ones go to the report."""
    pages = {}
    for path in paths:
        try:
            rgb = data.load_image(path)
        except data.DataError as e:
            report.failed.append((path, str(e)))
            continue
        if options.skip_coloured and is_coloured(rgb, settings):
            report.skipped_colored.append(path)
        else:
            pages[path] = analyse(rgb, options.hints, settings, path)
    return pages
