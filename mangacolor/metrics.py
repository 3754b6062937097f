"""How good is a colorization? Metrics on uint8 RGB images, and a table against the input unchanged.

PSNR and mean CIEDE2000 over all pixels reward timid, greyish output: returning
the input unchanged (the `unchanged` baseline) already scores well on line art with white paper.
Two metrics show whether a model really colours: CIEDE2000 over the pixels whose
target is clearly coloured (C*ab > 20), and the colourfulness of Hasler and
Suesstrunk (2003) as a ratio to the target's (1.0: as colourful as the truth).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import keras
import numpy as np
import tensorflow as tf
from scipy import ndimage
from skimage import color as skcolor
from tqdm import tqdm

from mangacolor.color import input_to_lightness, to_uint8
from mangacolor.data.hint_sampling import decode

CHROMA_THRESHOLD = 20.0  # C*ab above which a target pixel counts as clearly coloured
METRICS = ("psnr", "ssim", "deltaE2000", "deltaE2000_chroma", "deltaE2000_hints", "colorfulness", "colorfulness_ratio")


def _check(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape or a.dtype != np.uint8 or b.dtype != np.uint8:
        raise ValueError(f"expected two uint8 RGB images of one shape, got {a.shape} {a.dtype} and {b.shape} {b.dtype}")


def psnr(image: np.ndarray, target: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (tf.image.psnr, peak 255)."""
    _check(image, target)
    return float(tf.image.psnr(tf.constant(image), tf.constant(target), max_val=255))


def ssim(image: np.ndarray, target: np.ndarray) -> float:
    """Structural similarity (tf.image.ssim on RGB, peak 255)."""
    _check(image, target)
    return float(tf.image.ssim(tf.constant(image, tf.float32), tf.constant(target, tf.float32), max_val=255.0))


def delta_e2000(image: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """Mean CIEDE2000 over all pixels, and over clearly coloured target pixels (NaN if none)."""
    _check(image, target)
    lab_image, lab_target = skcolor.rgb2lab(image), skcolor.rgb2lab(target)
    de = skcolor.deltaE_ciede2000(lab_image, lab_target)
    coloured = np.hypot(lab_target[..., 1], lab_target[..., 2]) > CHROMA_THRESHOLD
    return float(de.mean()), float(de[coloured].mean()) if coloured.any() else float("nan")


def colorfulness(image: np.ndarray) -> float:
    """Hasler and Suesstrunk's colourfulness M = sigma_rgyb + 0.3 mu_rgyb (0 for gray)."""
    rgb = np.asarray(image, np.float64)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def dominant_hue_share(images: list[np.ndarray], band: float = 30.0, chroma: float = CHROMA_THRESHOLD) -> float:
    """The share of the coloured pixels (C*ab above `chroma`) of `images` whose hue falls in the
    most common `band`-degree band of hue angle h_ab: near 1 when a model paints every drawing
    the same amber, whatever the drawing; nan when nothing is coloured."""
    hues = []
    for image in images:
        ab = skcolor.rgb2lab(image)[..., 1:].reshape(-1, 2)
        coloured = ab[np.hypot(ab[:, 0], ab[:, 1]) > chroma]
        hues.append(np.degrees(np.arctan2(coloured[:, 1], coloured[:, 0])) % 360)
    hues = np.concatenate(hues)
    if hues.size == 0:
        return float("nan")
    counts = np.bincount((hues // band).astype(int), minlength=int(np.ceil(360 / band)))
    return float(counts.max() / hues.size)


def high_frequency_chroma(image: np.ndarray, flat: np.ndarray) -> float:
    """Mean |a*b* - its 3x3 average| over the `flat` pixels (a boolean mask), in Delta-E units.

    On a region the input leaves flat, a good colorization is smooth; dot grids
    and the checkerboards of transposed convolutions show up here as energy at
    the highest spatial frequencies, while smooth colour changes do not.
    """
    ab = skcolor.rgb2lab(image)[..., 1:]
    smooth = ndimage.uniform_filter(ab, size=(3, 3, 1), mode="nearest")
    inner = ndimage.binary_erosion(flat, iterations=2)
    return float(np.abs(ab - smooth)[inner].sum(axis=-1).mean()) if inner.any() else float("nan")


def flat_mask(gray: np.ndarray, tolerance: float = 1.0) -> np.ndarray:
    """Pixels whose 5x5 neighbourhood of the input is flat (paper, flat fills): (H, W) bool.

    `gray` is the model's input in [-1, 1], (H, W) or (H, W, 1); tolerance in L* units.
    """
    lightness = np.asarray(gray, np.float64)[..., 0] if np.ndim(gray) == 3 else np.asarray(gray, np.float64)
    lightness = input_to_lightness(lightness)
    spread = ndimage.maximum_filter(lightness, 5) - ndimage.minimum_filter(lightness, 5)
    return spread <= tolerance


def hint_error(image: np.ndarray, hints: np.ndarray | None) -> float:
    """Mean CIEDE2000 between the output and the hint colours where hints were given (NaN if
    none): does the output take the colour it was given? `hints` are hint channels (data/hint_sampling.py)."""
    if hints is None or not (mask := np.asarray(hints)[..., -1] > 0.5).any():
        return float("nan")
    wanted = decode(np.asarray(hints)[..., :3][mask])
    return float(skcolor.deltaE_ciede2000(skcolor.rgb2lab(image[mask]), wanted).mean())


def image_metrics(image: np.ndarray, target: np.ndarray, hints: np.ndarray | None = None) -> dict[str, float]:
    """All per-image metrics of one colorization against its target (and its hints, if any)."""
    de, de_chroma = delta_e2000(image, target)
    return {
        "psnr": psnr(image, target),
        "ssim": ssim(image, target),
        "deltaE2000": de,
        "deltaE2000_chroma": de_chroma,
        "deltaE2000_hints": hint_error(image, hints),
        "colorfulness": colorfulness(image),
        "target_colorfulness": colorfulness(target),
    }


def summarize(rows: list[dict[str, float]]) -> dict[str, float]:
    """Means over images; the colourfulness ratio is a ratio of means (stable with gray targets)."""
    mean = {k: _nanmean([r[k] for r in rows]) for k in rows[0]}
    target = mean.pop("target_colorfulness")
    mean["colorfulness_ratio"] = mean["colorfulness"] / target if target else float("nan")
    mean["n_images"] = len(rows)
    return mean


def _nanmean(values: list[float]) -> float:
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")


def unchanged_input(gray: np.ndarray | tf.Tensor) -> np.ndarray:
    """The baseline: the B&W input returned unchanged, as an RGB image of the same lightness."""
    lightness = input_to_lightness(np.asarray(gray, np.float64)[..., 0])
    lab = np.stack([lightness, np.zeros_like(lightness), np.zeros_like(lightness)], axis=-1)
    return np.clip(skcolor.lab2rgb(lab) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def evaluate(
    model: keras.Model | Callable[[tf.Tensor], np.ndarray],
    dataset: Iterable[tuple[tf.Tensor, tf.Tensor]],
    progress: bool = True,
) -> dict[str, dict[str, float]]:
    """Metrics of a model and of returning the input unchanged (the `unchanged` baseline: the
    grayscale panel or the line art itself) over a dataset of (input, target) batches.

    `model` is a generator (its raw output is scored) or a function from an input
    batch to uint8 RGB images, such as `paint.Colorizer.colorize_inputs`,
    which scores what a user gets (full pipeline, flattening included).
    """
    colorize = (lambda gray: to_uint8(model(gray, training=False))) if isinstance(model, keras.Model) else model
    rows: dict[str, list[dict[str, float]]] = {"model": [], "unchanged": []}
    for gray, target in tqdm(dataset, desc="evaluating", disable=not progress, unit="batch"):
        fake = colorize(gray)
        targets, baseline = to_uint8(target), unchanged_input(gray)
        hints = np.asarray(gray)[..., 1:] if gray.shape[-1] > 1 else [None] * len(targets)
        for i in range(len(targets)):
            rows["model"].append(image_metrics(fake[i], targets[i], hints[i]))
            rows["unchanged"].append(image_metrics(baseline[i], targets[i], hints[i]))
    if not rows["model"]:
        raise ValueError("evaluate: the dataset is empty")
    return {name: summarize(r) for name, r in rows.items()}


def format_table(results: dict[str, dict[str, float]]) -> str:
    """A Markdown table, one row per model, for notebooks, the README and the CLI."""
    header = "| model | " + " | ".join(METRICS) + " | n_images |"
    lines = [header, "|" + "---|" * (len(METRICS) + 2)]
    for name, m in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{m[k]:.3f}" for k in METRICS) + f" | {m['n_images']} |")
    return "\n".join(lines)
