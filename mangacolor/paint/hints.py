"""The user's colour hints: points, a JSON file with a palette, or a scribble, as hint channels.

Users give hints as points in page coordinates (x, y, colour), from a JSON file
whose colours may be named in a palette so that a series keeps its colours, or
as a scribble: a transparent PNG with coloured strokes, of any size. Each becomes
the hint channels the generator reads (data/hint_sampling.py) at the model's size.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor

from mangacolor.color import rgb_to_lab
from mangacolor.data.hint_sampling import CHANNELS, EVALUATION_PATCH, encode

POINT_PATCH = EVALUATION_PATCH  # a clicked point is a patch this large at the model's size


@dataclass(frozen=True)
class Point:
    """A hint in page coordinates: pixel (x, y) from the top left, and an sRGB colour."""

    x: float
    y: float
    color: tuple[int, int, int]


def parse_color(value: str | Sequence[int], palette: dict[str, str] | None = None) -> tuple[int, int, int]:
    """'#d04020', 'red', (208, 64, 32), or a name from `palette`, as an sRGB triple."""
    if isinstance(value, str):
        value = (palette or {}).get(value, value)
        try:
            return ImageColor.getrgb(value)[:3]
        except ValueError as e:
            raise ValueError(f"{value!r} is not a colour (use '#rrggbb', a CSS name or a palette name)") from e
    rgb = tuple(int(v) for v in value)
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise ValueError(f"{value!r} is not an sRGB colour (three integers 0-255)")
    return rgb


def read_points(path: str | os.PathLike, page: str | None = None) -> list[Point]:
    """Points from a JSON hint file, with an optional palette of named colours:

        {"palette": {"hair": "#d04020", "coat": "navy"},
         "points": [{"x": 120, "y": 80, "color": "hair"}],          # every page
         "pages": {"page_01.png": [{"x": 300, "y": 410, "color": "coat"}]}}

    `page` (a file name) adds the points listed for that page.
    """
    path = Path(path)
    try:
        spec = json.loads(path.read_text())
        palette = spec.get("palette", {})
        items = list(spec.get("points", []))
        if page is not None:
            items += spec.get("pages", {}).get(Path(page).name, [])
        return [Point(float(p["x"]), float(p["y"]), parse_color(p["color"], palette)) for p in items]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as e:
        raise ValueError(f"{path}: not a usable hint file ({type(e).__name__}: {e})") from e


def points_channels(points: Sequence[Point], page_shape: tuple[int, ...], shape: tuple[int, int]) -> np.ndarray:
    """A hint channels of `shape` (h, w) for points given on a page of `page_shape` (H, W, ...)."""
    channels = np.zeros((*shape, CHANNELS), np.float32)
    scale_y, scale_x = shape[0] / page_shape[0], shape[1] / page_shape[1]
    half = POINT_PATCH // 2
    for p in points:
        if not (0 <= p.x < page_shape[1] and 0 <= p.y < page_shape[0]):
            raise ValueError(f"hint at ({p.x:g}, {p.y:g}) is outside the page ({page_shape[1]} x {page_shape[0]})")
        y, x = int(p.y * scale_y), int(p.x * scale_x)
        lab = rgb_to_lab(np.asarray(p.color, np.float32) / 255.0)
        channels[max(0, y - half) : y + half + 1, max(0, x - half) : x + half + 1] = [*encode(lab).numpy(), 1.0]
    return channels


def scribble_channels(scribble: Image.Image | np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A hint channels of `shape` (h, w) from a transparent image with coloured strokes (any size):
    the opaque pixels are hints, in their own colour."""
    image = scribble if isinstance(scribble, Image.Image) else Image.fromarray(np.asarray(scribble, np.uint8))
    rgba = np.asarray(image.convert("RGBA").resize((shape[1], shape[0]), Image.Resampling.NEAREST))
    mask = (rgba[..., 3] > 127).astype(np.float32)[..., None]
    colour = encode(rgb_to_lab(rgba[..., :3].astype(np.float32) / 255.0)).numpy()
    return np.concatenate([colour * mask, mask], axis=-1)


Hints = Sequence[Point] | Image.Image | np.ndarray | str | os.PathLike | None


def hint_channels(
    hints: Hints, page_shape: tuple[int, ...], shape: tuple[int, int], page: str | None = None
) -> np.ndarray:
    """Any form of user hints as hint channels of `shape`: points, a scribble (image, array or
    .png path), a JSON hint file, ready (H, W, 4) hint channels in page coordinates, or None."""
    if hints is None:
        return np.zeros((*shape, CHANNELS), np.float32)
    if isinstance(hints, (str, os.PathLike)):
        if Path(hints).suffix.lower() == ".json":
            return points_channels(read_points(hints, page), page_shape, shape)
        with Image.open(hints) as im:
            return scribble_channels(im, shape)
    if isinstance(hints, np.ndarray) and hints.ndim == 3 and hints.shape[-1] == CHANNELS and hints.dtype != np.uint8:
        return _resize_channels(hints.astype(np.float32), shape)
    if isinstance(hints, (Image.Image, np.ndarray)):
        return scribble_channels(hints, shape)
    return points_channels(list(hints), page_shape, shape)


def _resize_channels(channels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if channels.shape[:2] == tuple(shape):
        return channels
    index_y = (np.arange(shape[0]) * channels.shape[0] / shape[0]).astype(int)
    index_x = (np.arange(shape[1]) * channels.shape[1] / shape[1]).astype(int)
    return channels[index_y][:, index_x]
