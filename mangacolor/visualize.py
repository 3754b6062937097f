"""Image grids and plots: what a reader looks at in the notebooks and in `samples/`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Images in [-1, 1] (the models' range) to uint8 RGB; one channel becomes three."""
    images = np.asarray(images, dtype=np.float32)
    out = np.clip((images + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return np.repeat(out, 3, axis=-1) if out.shape[-1] == 1 else out


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


def save_png(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write a PNG atomically: a temporary file, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    Image.fromarray(image).save(tmp, format="PNG")
    tmp.replace(path)


def show_grid(
    columns: Sequence[np.ndarray], titles: Sequence[str], size: float = 2.2, max_rows: int = 8
) -> plt.Figure:
    """Show images side by side (one row per image) with a title over each column."""
    columns = [to_uint8(c) if np.asarray(c).dtype != np.uint8 else np.asarray(c) for c in columns]
    rows = min(len(columns[0]), max_rows)
    fig, axes = plt.subplots(rows, len(columns), figsize=(size * len(columns), size * rows), squeeze=False)
    for j, (column, title) in enumerate(zip(columns, titles)):
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


def plot_history(history: dict[str, Sequence[float]], keys: Sequence[Sequence[str]]) -> plt.Figure:
    """Loss curves: one panel per group of keys, epochs on the x axis."""
    fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.2), squeeze=False)
    for ax, group in zip(axes[0], keys):
        for key in group:
            if key in history:
                values = list(history[key])
                ax.plot(range(1, len(values) + 1), values, label=key)
        ax.set_xlabel("epoch")
        ax.legend()
    fig.tight_layout()
    return fig
