"""Shared fixtures: small synthetic data sets written to temporary folders."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

PALETTE = [(220, 40, 40), (40, 160, 60), (40, 80, 220), (240, 200, 30), (200, 60, 200)]


def shapes_image(rng: np.random.Generator, size: int = 64) -> Image.Image:
    """Coloured line art in miniature: flat-filled shapes with black outlines on white.

    Each shape kind has its own colour (circles red, squares blue, ...), so the
    colour is learnable from the drawing, as in real line art."""
    im = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(im)
    for _ in range(rng.integers(1, 4)):
        kind = int(rng.integers(0, 3))
        r = int(rng.integers(size // 8, size // 4))
        cx, cy = (int(v) for v in rng.integers(r, size - r, 2))
        box = [cx - r, cy - r, cx + r, cy + r]
        fill = PALETTE[kind]
        if kind == 0:
            draw.ellipse(box, fill=fill, outline="black", width=2)
        elif kind == 1:
            draw.rectangle(box, fill=fill, outline="black", width=2)
        else:
            draw.polygon(
                [(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)],
                fill=fill,
                outline="black",
                width=2,
            )
    return im


def write_shapes(folder: Path, n: int, seed: int, size: int = 64) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        path = folder / f"shape_{seed}_{i:03d}.png"
        shapes_image(rng, size).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def shapes_dir(tmp_path: Path) -> Path:
    """A folder with train/ and val/ subfolders of synthetic coloured shapes."""
    root = tmp_path / "shapes"
    write_shapes(root / "train", 64, seed=1)
    write_shapes(root / "val", 16, seed=2)
    return root
