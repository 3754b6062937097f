"""A small web app: upload a B&W page or chapter, get it back in colour, click to place colours (Gradio).

    mangacolor app                   # the shipped model; then open http://127.0.0.1:7860
    mangacolor app --model runs/mine --host 0.0.0.0 --port 8080

The app is a thin layer over `inference.Colorizer`, the same code the CLI and
the notebooks use, so it colours pages of any size at full resolution. The
bundled B&W drawings are examples: a click on one colours it. A click on the
page (its copy under the inputs) places a colour hint, in the colour picker's
colour, and colours the page again; "Clear hints" goes back to the automatic
colours. The colorized page (PNG) and its colour layer each have a download button,
and the page's analysis (panels, speech bubbles, lettering: what colouring keeps as
drawn) is shown over it. The Chapter tab takes a .cbz or .zip of pages and gives back a
.cbz of the same pages in colour, in reading order.
"""

# No `from __future__ import annotations`: gradio reads a handler's type hints to pass it the
# click (gr.SelectData), and could not resolve `gr`, imported only when an app is built, from a string.

import copy
import os
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from tqdm import TqdmWarning

from mangacolor import data
from mangacolor.paint import ChapterReport, Colorizer, Point, parse_color
from mangacolor.paint.chapters import colorize_chapter
from mangacolor.visualize import draw_layout

DEFAULT_HINT_COLOUR = "#d04020"


def example_pages() -> list[str]:
    """The bundled genuine B&W drawings: something to try before uploading a page of one's own."""
    return [pair.color for pair in data.sample_pairs(kind="bw")]


def not_an_image(name: str | None) -> str:
    """The message for an upload that cannot be decoded: gradio's own is a bare "Error"."""
    return f"{name or 'That file'} is not an image: upload a page as PNG, JPEG, WebP, BMP or TIFF."


def colorize_fn(colorizer: Colorizer):
    """The function behind the app: image, tile option and hints in; colorized page and its
    colour layer out (uint8 RGB, the input's size). Each request gets its own tile setting."""

    def run(image: np.ndarray | None, tile: bool, hints: list[Point] | None = None) -> tuple[np.ndarray, np.ndarray]:
        if image is None:
            raise ValueError("upload an image first")
        request = copy.copy(colorizer)  # never change the shared colorizer between two users
        request.settings = colorizer.settings.replace(tile=tile)
        return request.colorize_with_layer(image, list(hints or []) if colorizer.takes_hints else None)

    return run


def analysis_fn(colorizer: Colorizer):
    """The page with what colouring finds drawn over it (visualize.draw_layout): panel boxes
    red, bubble outlines blue, lettering green; a user sees why a region stayed white."""

    def run(image: np.ndarray | None) -> np.ndarray | None:
        return None if image is None else draw_layout(image, colorizer.layout(image))

    return run


def chapter_fn(colorizer: Colorizer, out_dir: str | os.PathLike | None = None):
    """The function behind the Chapter tab: an uploaded .cbz/.zip in; the coloured .cbz (a new
    file, in `out_dir` or a fresh temporary folder) and a report of what was done out."""

    def run(upload: str | None) -> tuple[str, str]:
        if not upload:
            raise ValueError("upload a chapter first: a .cbz or .zip of pages")
        source = Path(upload)
        target = Path(out_dir or tempfile.mkdtemp(prefix="mangacolor-")) / f"{source.stem}_colour.cbz"
        report = colorize_chapter(colorizer, source, target)
        return str(target), chapter_summary(report)

    return run


def chapter_summary(report: ChapterReport) -> str:
    """What a chapter's colouring did, in a sentence or two for the app."""
    lines = [f"{len(report.pages)} page(s) coloured into {report.written.name}."]
    if report.skipped_colored:
        lines.append(f"{len(report.skipped_colored)} page(s) already in colour, kept as they were.")
    lines += [f"Not coloured: {message}" for _, message in report.failed]
    return "\n\n".join(lines)


def add_hint(hints: list[Point] | None, x: int, y: int, colour: str) -> list[Point]:
    """The hints with one more: the picker's colour at the clicked pixel (x, y)."""
    return [*(hints or []), Point(float(x), float(y), parse_color(colour or DEFAULT_HINT_COLOUR))]


def mark_hints(image: np.ndarray, hints: list[Point]) -> np.ndarray:
    """The page with each hint drawn as a small square of its colour ringed in black, to see them."""
    marked = np.array(image, copy=True)
    r = max(3, max(image.shape[:2]) // 150)
    for p in hints:
        x, y = int(p.x), int(p.y)
        marked[max(0, y - r - 1) : y + r + 2, max(0, x - r - 1) : x + r + 2] = 0
        marked[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1] = p.color
    return marked


def _gradio():
    """gradio, imported only when an app is built (it is the app extra), without calls home."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    with warnings.catch_warnings():  # gradio imports tqdm.auto, which warns without ipywidgets
        warnings.simplefilter("ignore", TqdmWarning)
        import gradio as gr
    return gr


def _readable_upload(gr, image):
    """`image`, a gr.Image, with a message the user can read for an upload that is not an
    image: gradio decodes an upload before any handler runs, and shows its own failure as a
    bare "Error". (A subclass would do the same, but gradio writes a .pyi stub beside the
    module of every Component subclass.)"""
    decode = image.preprocess

    def preprocess(payload):
        try:
            return decode(payload)
        except (OSError, ValueError) as e:  # PIL's UnidentifiedImageError is an OSError
            raise gr.Error(not_an_image(getattr(payload, "orig_name", None))) from e

    image.preprocess = preprocess
    return image


def _widgets(gr, takes_hints: bool) -> SimpleNamespace:
    """The app's layout: a Page tab (the upload, the result, its colour layer and analysis,
    examples, the hint picker and the buttons) and a Chapter tab, created inside the Blocks
    that calls this."""
    gr.Markdown(
        "# mangacolor\nUpload a black-and-white manga page or drawing, or click an example: it comes "
        "back in colour, at its full size, with its lines untouched. "
        + ("Click on the page below it to place a colour hint (the picker's colour). " if takes_hints else "")
        + "A whole chapter (.cbz or .zip) goes in the Chapter tab."
    )
    w = SimpleNamespace(hints=gr.State([]))
    with gr.Tab("Page"):
        _page_widgets(gr, w, takes_hints)
    with gr.Tab("Chapter"):
        w.chapter = gr.File(label="chapter (.cbz or .zip of pages)", file_types=[".cbz", ".zip"], elem_id="chapter")
        w.chapter_button = gr.Button("Colorize the chapter", variant="primary")
        w.chapter_out = gr.File(label="coloured chapter (.cbz)", interactive=False, elem_id="chapter_out")
        w.chapter_report = gr.Markdown(elem_id="chapter_report")
    return w


def _page_widgets(gr, w: SimpleNamespace, takes_hints: bool) -> None:
    with gr.Row():
        w.source = _readable_upload(gr, gr.Image(label="B&W input", type="numpy", image_mode="RGB", elem_id="source"))
        w.result = gr.Image(label="colorized", type="numpy", format="png", elem_id="result")
        w.layer = gr.Image(
            label="colour layer (lay it under your line art, Multiply)", type="numpy", format="png", elem_id="layer"
        )
        w.analysis = gr.Image(
            label="analysis: panels red, bubbles blue, lettering green",
            type="numpy",
            format="png",
            interactive=False,
            elem_id="analysis",
        )
    w.examples = gr.Examples(example_pages(), w.source, label="examples: click one", elem_id="examples")
    w.marked = gr.Image(
        label="click here to place a hint",
        type="numpy",
        format="png",  # lossless: sharp lines, and the hint squares in their exact colours
        interactive=False,
        visible=takes_hints,
        elem_id="marked",
    )
    with gr.Row():
        w.tile = gr.Checkbox(label="tiles (very large pages: more detail in the colour, slower)")
        w.picked = gr.ColorPicker(value=DEFAULT_HINT_COLOUR, label="hint colour", visible=takes_hints, elem_id="picker")
        w.clear = gr.Button("Clear hints", visible=takes_hints)
    w.button = gr.Button("Colorize", variant="primary")


def build_app(model: str | os.PathLike | Colorizer | None = None):
    """A Gradio Blocks app around a Colorizer (a run directory, a .keras file, a Colorizer, or
    None: the shipped model)."""
    gr = _gradio()
    colorizer = model if isinstance(model, Colorizer) else Colorizer(model)
    run, analyse, chapter = colorize_fn(colorizer), analysis_fn(colorizer), chapter_fn(colorizer)

    # gradio shows a handler's progress where its default is a gr.Progress (here: the pages' tqdm bar).
    def colour_chapter(upload, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        try:
            return chapter(upload)
        except (ValueError, OSError) as e:  # a bad archive: ChapterError, DataError and zip errors
            raise gr.Error(str(e)) from e

    def colour(image, tile, hints):
        try:
            return run(image, tile, hints)
        except ValueError as e:
            raise gr.Error(str(e)) from e

    def click(image, tile, hints, picked, evt: gr.SelectData):
        hints = add_hint(hints, evt.index[0], evt.index[1], picked)
        return (*colour(image, tile, hints), hints, mark_hints(image, hints))

    def fresh(image, tile):
        """Automatic colours, no hints: for a new example and for "Clear hints"."""
        return (*colour(image, tile, []), [], image)

    with gr.Blocks(title="mangacolor") as app:
        w = _widgets(gr, colorizer.takes_hints)
        w.button.click(colour, [w.source, w.tile, w.hints], [w.result, w.layer])
        w.marked.select(click, [w.source, w.tile, w.hints, w.picked], [w.result, w.layer, w.hints, w.marked])
        w.clear.click(fresh, [w.source, w.tile], [w.result, w.layer, w.hints, w.marked])
        w.examples.load_input_event.then(fresh, [w.source, w.tile], [w.result, w.layer, w.hints, w.marked])
        w.source.change(lambda image: ([], image, analyse(image)), w.source, [w.hints, w.marked, w.analysis])
        w.chapter_button.click(colour_chapter, w.chapter, [w.chapter_out, w.chapter_report])
    return app
