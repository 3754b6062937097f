"""Synthetic coloured line art for tests: flat-filled shapes with black outlines on white."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

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
