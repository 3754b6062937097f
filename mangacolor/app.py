"""A small web app: upload a B&W page, get it back in colour (Gradio).

    mangacolor app --model runs/default        # then open http://127.0.0.1:7860

The app is a thin layer over `inference.Colorizer`, the same code the CLI and
the notebooks use, so it colours pages of any size at full resolution.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from tqdm import TqdmWarning

from mangacolor.inference import Colorizer


def colorize_fn(colorizer: Colorizer):
    """The function behind the app's button: uint8 image (and the tile option) in, uint8 RGB out."""

    def run(image: np.ndarray | None, tile: bool) -> np.ndarray:
        if image is None:
            raise ValueError("upload an image first")
        colorizer.tile = tile
        return colorizer.colorize(image)

    return run


def build_app(model: str | os.PathLike | Colorizer):
    """A Gradio Blocks app around a Colorizer (a run directory, a .keras file or a Colorizer)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from the app
    with warnings.catch_warnings():  # gradio imports tqdm.auto, which warns without ipywidgets
        warnings.simplefilter("ignore", TqdmWarning)
        import gradio as gr

    colorizer = model if isinstance(model, Colorizer) else Colorizer(model)
    with gr.Blocks(title="mangacolor") as app:
        gr.Markdown(
            "# mangacolor\nUpload a black-and-white manga page or drawing: it comes back in colour, "
            "at its full size, with its lines untouched."
        )
        with gr.Row():
            source = gr.Image(label="B&W input", type="numpy", image_mode="RGB")
            result = gr.Image(label="colorized", type="numpy", format="png")
        tile = gr.Checkbox(label="tiles (very large pages: more detail in the colour, slower)")
        gr.Button("Colorize", variant="primary").click(colorize_fn(colorizer), [source, tile], result)
    return app
