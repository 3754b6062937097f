"""A small web app: upload a B&W page, get it back in colour, click to say which colour goes where (Gradio).

    mangacolor app                   # the shipped model; then open http://127.0.0.1:7860
    mangacolor app --model runs/mine --host 0.0.0.0 --port 8080

The app is a thin layer over `inference.Colorizer`, the same code the CLI and
the notebooks use, so it colours pages of any size at full resolution. The
bundled B&W drawings are examples: a click on one colours it. A click on the
page (its copy under the inputs) places a colour hint, in the colour picker's
colour, and colours the page again; "Clear hints" goes back to the automatic
colours. The colorized page and its colour layer each have a download button.
"""

# No `from __future__ import annotations`: gradio reads a handler's type hints to pass it the
# click (gr.SelectData), and could not resolve `gr`, imported only when an app is built, from a string.

import copy
import os
import warnings
from types import SimpleNamespace

import numpy as np
from tqdm import TqdmWarning

from mangacolor import data
from mangacolor.paint import Colorizer, Point, parse_color

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
    """The page's layout: the upload, the result and its colour layer, examples, the hint
    picker and the buttons, created inside the Blocks that calls this."""
    gr.Markdown(
        "# mangacolor\nUpload a black-and-white manga page or drawing, or click an example: it comes "
        "back in colour, at its full size, with its lines untouched. "
        + ("Click on the page below it to place a colour hint (the picker's colour)." if takes_hints else "")
    )
    w = SimpleNamespace(hints=gr.State([]))
    with gr.Row():
        w.source = _readable_upload(gr, gr.Image(label="B&W input", type="numpy", image_mode="RGB", elem_id="source"))
        w.result = gr.Image(label="colorized", type="numpy", format="png", elem_id="result")
        w.layer = gr.Image(
            label="colour layer (lay it under your line art, Multiply)", type="numpy", format="png", elem_id="layer"
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
    return w


def build_app(model: str | os.PathLike | Colorizer | None = None):
    """A Gradio Blocks app around a Colorizer (a run directory, a .keras file, a Colorizer, or
    None: the shipped model)."""
    gr = _gradio()
    colorizer = model if isinstance(model, Colorizer) else Colorizer(model)
    run = colorize_fn(colorizer)

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
        w.source.change(lambda image: ([], image), w.source, [w.hints, w.marked])
    return app
