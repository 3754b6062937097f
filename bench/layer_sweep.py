"""Sweep settings of the colour layer on a trained model, on the validation and test splits.

    python bench/layer_sweep.py RUN --fade 0,2,4,6,8,10          # grayscale panels: compose.TINT_FADE
    python bench/layer_sweep.py RUN --darken 1,1.2,1.4 --gain 0.85,1   # line art
    python bench/layer_sweep.py RUN --pocket 0,0.8,0.85,0.9            # line art: flatten.POCKET_FACTOR
    python bench/layer_sweep.py RUN --head-gain 1,1.25                 # both: the calibrated chroma gain

`--fade`: the C*ab a grayscale panel's colours lose (weak tints go). `--darken` and `--gain`
scale, on B&W drawings only, how much the predicted factor darkens the paper (1 - factor)
and the predicted a*b*, before flattening. `--pocket`: the median factor at or below which a
pocket of paper the drawing encloses (once its gaps are sealed) keeps its colour (0: only where
most of it is clearly coloured, the rule before). `--head-gain`: the chroma gain of the model's
colour head, which training calibrates on the validation split. Each setting is scored through
the full pipeline (`mangacolor evaluate`'s) with 0 hints: CIEDE2000 over all pixels, over coloured pixels,
and the colourfulness ratio. Settings are chosen on `val`; `test` is reported beside.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from test_split import held_out

from mangacolor import compose, metrics, models
from mangacolor import flatten as flat
from mangacolor.inference import Colorizer

plain_full_layer = compose.full_layer


def scaled_full_layer(darken: float, gain: float):
    """compose.full_layer with a B&W drawing's layer darkened and its chroma scaled first."""

    def full_layer(page, layer, flatten, hints=None):
        if flat.is_line_art(compose.lightness(page)):
            layer = layer.copy()
            layer[..., 0] = np.clip(1.0 - darken * (1.0 - layer[..., 0]), 0.0, 1.0)
            layer[..., 1:] *= gain
        return plain_full_layer(page, layer, flatten, hints)

    return full_layer


def numbers(text: str) -> list[float]:
    return [float(x) for x in text.split(",")] if text else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--splits", default="val,test")
    parser.add_argument("--fade", default="", help="TINT_FADE values, on grayscale panels")
    parser.add_argument("--darken", default="", help="darkening scales, on line art")
    parser.add_argument("--gain", default="1", help="chroma scales, on line art (with --darken)")
    parser.add_argument("--pocket", default="", help="POCKET_FACTOR values, on line art")
    parser.add_argument("--head-gain", default="", help="chroma gains of the colour head, on both kinds")
    args = parser.parse_args()
    colorizer = Colorizer(args.run)
    print("| split | input | setting | CIEDE2000 | coloured pixels | colourfulness ratio |\n|---|---|---|---|---|---|")
    for split in args.splits.split(","):
        for fade in numbers(args.fade):
            compose.TINT_FADE = fade
            report(colorizer, split, "gray", f"fade {fade:g}")
        for darken, gain in itertools.product(numbers(args.darken), numbers(args.gain)):
            compose.full_layer = scaled_full_layer(darken, gain)
            report(colorizer, split, "lineart", f"darken {darken:g}, gain {gain:g}")
            compose.full_layer = plain_full_layer
        for pocket in numbers(args.pocket):
            flat.POCKET_FACTOR = pocket
            report(colorizer, split, "lineart", f"pocket {pocket:g}")
        head = models.lab_head(colorizer.model)
        calibrated = float(head.chroma_gain.numpy())
        for gain in numbers(args.head_gain):
            head.chroma_gain.assign(gain)
            for kind in ("gray", "lineart"):
                report(colorizer, split, kind, f"head gain {gain:g} (calibrated: {calibrated:g})")
            head.chroma_gain.assign(calibrated)


def report(colorizer: Colorizer, split: str, kind: str, setting: str) -> None:
    m = metrics.evaluate(colorizer.colorize_inputs, held_out(colorizer, kind, 0, split)[1], progress=False)["model"]
    cells = (m["deltaE2000"], m["deltaE2000_chroma"], m["colorfulness_ratio"])
    print(f"| {split} | {kind} | {setting} | " + " | ".join(f"{x:.2f}" for x in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
