"""Image grids and plots: what a reader looks at in the notebooks and in `samples/`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from scipy import ndimage

from mangacolor import files
from mangacolor.color import to_uint8
from mangacolor.data.hint_sampling import decode
from mangacolor.paint.layout import Layout

PANEL_COLOUR, BUBBLE_COLOUR, TEXT_COLOUR = (230, 30, 30), (0, 90, 255), (0, 150, 0)


def input_with_hints(inputs: np.ndarray) -> np.ndarray:
    """Model inputs as uint8 RGB pictures: the B&W channel, with any hints painted in their colour."""
    inputs = np.asarray(inputs, np.float32)
    picture = to_uint8(inputs[..., :1])
    if inputs.shape[-1] == 1:
        return picture
    from skimage.color import lab2rgb

    mask = inputs[..., -1:] > 0.5
    colours = np.clip(lab2rgb(decode(inputs[..., 1:4])) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.where(mask, colours, picture)


def make_grid(columns: Sequence[np.ndarray], gap: int = 4) -> np.ndarray:
    """One row per image, one column per kind (e.g. input, generated, target), as uint8 RGB."""
    columns = [to_uint8(c) if np.asarray(c).dtype != np.uint8 else np.asarray(c) for c in columns]
    columns = [np.repeat(c, 3, axis=-1) if c.shape[-1] == 1 else c for c in columns]
    n, h, w, _ = columns[0].shape
    grid = np.full((n * (h + gap) - gap, len(columns) * (w + gap) - gap, 3), 255, np.uint8)
    for j, column in enumerate(columns):
        for i in range(n):
            grid[i * (h + gap) : i * (h + gap) + h, j * (w + gap) : j * (w + gap) + w] = column[i]
    return grid


def squares(images: Sequence[np.ndarray], size: int = 256) -> np.ndarray:
    """Images of any shapes as one uint8 batch of white-padded squares, for grids."""
    from mangacolor.data.pipeline import fit_square

    return np.stack([fit_square(im, size, 255.0).numpy().round().astype(np.uint8) for im in images])


def make_page(drawings: Sequence[np.ndarray], shape: tuple[int, int], margin: int = 40) -> np.ndarray:
    """A white page of `shape` (height, width) with the drawings laid out in a grid, like panels."""
    from PIL import Image as PILImage

    h, w = shape
    cols = max(1, int(np.ceil(np.sqrt(len(drawings) * w / h))))
    rows = int(np.ceil(len(drawings) / cols))
    cell_h, cell_w = (h - margin) // rows, (w - margin) // cols
    page = PILImage.new("RGB", (w, h), "white")
    for i, drawing in enumerate(drawings):
        im = PILImage.fromarray(drawing)
        im.thumbnail((cell_w - margin, cell_h - margin), PILImage.Resampling.LANCZOS)
        r, c = divmod(i, cols)
        page.paste(im, (margin + c * cell_w, margin + r * cell_h))
    return np.asarray(page)


def save_png(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write a PNG atomically: a temporary file, then rename."""
    with files.atomic_path(path) as tmp:
        Image.fromarray(image).save(tmp, format="PNG")


def show_grid(columns: Sequence[np.ndarray], titles: Sequence[str], size: float = 2.2, max_rows: int = 8) -> plt.Figure:
    """Show images side by side (one row per image) with a title over each column."""
    columns = [to_uint8(c) if np.asarray(c).dtype != np.uint8 else np.asarray(c) for c in columns]
    rows = min(len(columns[0]), max_rows)
    fig, axes = plt.subplots(rows, len(columns), figsize=(size * len(columns), size * rows), squeeze=False)
    for j, (column, title) in enumerate(zip(columns, titles, strict=True)):
        for i in range(rows):
            image = column[i]
            axes[i, j].imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=255)
            axes[i, j].axis("off")
        axes[0, j].set_title(title)
    fig.tight_layout()
    return fig


def show_row(images: Sequence[np.ndarray], titles: Sequence[str], size: float = 2.4) -> plt.Figure:
    """A single row of images (uint8, or floats in [-1, 1]) with titles."""
    return show_grid([np.asarray(im)[None] for im in images], titles, size=size)


def show_latest_samples(run_dir: str | os.PathLike, size: float = 6.0) -> plt.Figure:
    """The newest sample grid a training run saved (input | generated | target)."""
    grids = sorted(Path(run_dir, "samples").glob("epoch_*.png"))
    if not grids:
        raise FileNotFoundError(f"{run_dir}: no sample grids yet (samples/epoch_*.png)")
    image = np.asarray(Image.open(grids[-1]))
    fig, ax = plt.subplots(figsize=(size, 2.5 * size))
    ax.imshow(image)
    ax.set_title(f"{Path(run_dir).name}: {grids[-1].stem}   (input | generated | target)")
    ax.axis("off")
    return fig


def history_columns(rows: Sequence[dict]) -> dict[str, list[float]]:
    """Per-epoch rows (Keras logs or history.csv rows) as {metric: [value per epoch]},
    NaN where an epoch did not report a metric (the adversarial losses during warm-up),
    so every curve stays aligned with its epochs."""
    keys = dict.fromkeys(k for row in rows for k in row)
    return {k: [float(row[k]) if row.get(k) not in (None, "") else np.nan for row in rows] for k in keys}


def plot_history(history: dict[str, Sequence[float]], keys: Sequence[Sequence[str]]) -> plt.Figure:
    """Loss curves: one panel per group of keys, epochs on the x axis."""
    fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.2), squeeze=False)
    for ax, group in zip(axes[0], keys, strict=True):
        present = [k for k in group if np.isfinite(np.asarray(history.get(k, []), dtype=float)).any()]
        for key in present:
            values = list(history[key])
            ax.plot(range(1, len(values) + 1), values, label=key)
        ax.set_xlabel("epoch")
        if present:
            ax.legend()
        else:  # e.g. the adversarial losses during the L1 warm-up
            ax.text(
                0.5, 0.5, f"{', '.join(group)}:\nnot reported yet", ha="center", va="center", transform=ax.transAxes
            )
    fig.tight_layout()
    return fig


def _short_name(layer: keras.layers.Layer) -> str:
    kind = type(layer).__name__
    if kind == "Conv2DTranspose":
        return "Deconv"
    return "Resize+Conv" if kind == "Conv2D" and layer.name.startswith("up") else kind


def plot_architecture(model: keras.Model, title: str | None = None) -> plt.Figure:
    """A diagram of a convolutional network: one bar per convolution, its height the
    feature map's side, its label the number of filters; arcs show skip connections."""
    convs = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.Conv2DTranspose | keras.layers.Dense)
    ]
    sides = [layer.output.shape[1] if len(layer.output.shape) == 4 else 1 for layer in convs]
    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(convs)), 3.2))
    for i, (layer, side) in enumerate(zip(convs, sides, strict=True)):
        kind = type(layer).__name__
        colour = {"Conv2D": "#4c72b0", "Conv2DTranspose": "#dd8452", "Dense": "#55a868"}.get(kind, "#8172b3")
        ax.bar(i, side, color=colour, width=0.7)
        units = layer.units if kind == "Dense" else layer.filters
        ax.text(i, side, str(units), ha="center", va="bottom", fontsize=8)
    skips = [layer for layer in model.layers if isinstance(layer, keras.layers.Concatenate)]
    for skip in skips:
        side = skip.output.shape[1]
        same = [i for i, s in enumerate(sides) if s == side]
        if len(same) >= 2:
            a, b = same[0], same[-1]
            ax.annotate(
                "",
                xy=(b, side * 1.25),
                xytext=(a, side * 1.25),
                arrowprops=dict(arrowstyle="->", connectionstyle="arc3,rad=-0.3", color="gray"),
            )
    ax.set_xticks(range(len(convs)), [_short_name(layer) for layer in convs], rotation=60, fontsize=7)
    ax.set_ylabel("feature map side (px)")
    ax.set_yscale("log", base=2)
    ax.set_title(title or model.name)
    fig.tight_layout()
    return fig


class LiveLossPlot(keras.callbacks.Callback):
    """Redraws the loss curves in a notebook after every epoch, so a long run can be watched."""

    KEYS = (("g_l1", "val_l1"), ("g_adv", "d_real", "d_fake"), ("val_psnr",))

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.rows: list[dict] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        from IPython.display import clear_output, display

        self.rows.append(dict(logs or {}))
        clear_output(wait=True)
        fig = plot_history(history_columns(self.rows), self.KEYS)
        display(fig)
        plt.close(fig)


def draw_layout(page: np.ndarray, layout: Layout) -> np.ndarray:
    """The page (uint8 RGB) with its analysis drawn over it, to check before colouring: each
    panel's box in red, each speech bubble's outline in blue, lettering outside bubbles tinted green."""
    drawn = np.array(page, copy=True)
    width = max(2, max(page.shape[:2]) // 400)
    panels = np.zeros(page.shape[:2], bool)
    for x, y, w, h in layout.panels:
        panels[y : y + h, x : x + w] = True
    bubbles = np.any(layout.bubbles, axis=0) if layout.bubbles else np.zeros_like(panels)
    for mask, colour in ((panels, PANEL_COLOUR), (bubbles, BUBBLE_COLOUR)):
        drawn[ndimage.binary_dilation(mask, iterations=width) & ~mask] = colour
    drawn[layout.text] = (0.5 * drawn[layout.text] + 0.5 * np.array(TEXT_COLOUR)).astype(np.uint8)
    return drawn
