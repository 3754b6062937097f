"""Sweep settings of the colour layer on a trained model, on the validation and test splits.

    python bench/layer_sweep.py RUN --fade 0,2,4,6,8,10          # grayscale panels: PaintSettings.tint_fade
    python bench/layer_sweep.py RUN --pocket 0,0.8,0.85,0.9      # line art: PaintSettings.pocket_factor
    python bench/layer_sweep.py RUN --pocket-area 0,0.01,0.02    # line art: PaintSettings.pocket_area
    python bench/layer_sweep.py RUN --head-gain 1,1.25           # both: the calibrated chroma gain

`--fade`: the C*ab a grayscale panel's colours lose (weak tints go). `--pocket`: the median
factor at or below which a pocket of paper the drawing encloses (once its gaps are sealed)
keeps its colour (0: only where most of it is clearly coloured, the rule before); `--pocket-area`:
the share of the page such a pocket needs. Each value is one PaintSettings, one Colorizer on
the same weights. `--head-gain`: the chroma gain of the model's colour head (a weight of the
model, which training calibrates on the validation split), set and restored on the loaded model.
Each setting is scored through the full pipeline (`mangacolor evaluate`'s) with 0 hints:
CIEDE2000 over all pixels, over coloured pixels, and the colourfulness ratio. Settings are
chosen on `val`; `test` is reported beside.

The `--darken` and `--gain` sweep of bench/README.md (a B&W drawing's predicted layer darkened
and its chroma scaled before flattening: not adopted, so no setting holds it) was measured with
the code at commit 18e1b1a: `git show 18e1b1a:bench/layer_sweep.py`.
"""

from __future__ import annotations

import argparse

from test_split import held_out

from mangacolor import metrics, nets
from mangacolor.paint import Colorizer

SWEEPS = (  # (option, the PaintSettings field it sweeps, the input kind it acts on)
    ("fade", "tint_fade", "grayscale"),
    ("pocket", "pocket_factor", "lineart"),
    ("pocket_area", "pocket_area", "lineart"),
)


def numbers(text: str) -> list[float]:
    return [float(x) for x in text.split(",")] if text else []


def variant(colorizer: Colorizer, **changes: float) -> Colorizer:
    """A Colorizer on the same weights, at the same working size, with some settings changed."""
    return Colorizer(colorizer.model, colorizer.settings.replace(size=colorizer.size, **changes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--splits", default="val,test")
    parser.add_argument("--fade", default="", help="tint_fade values, on grayscale panels")
    parser.add_argument("--pocket", default="", help="pocket_factor values, on line art")
    parser.add_argument("--pocket-area", default="", help="pocket_area values, on line art")
    parser.add_argument("--head-gain", default="", help="chroma gains of the colour head, on both kinds")
    args = parser.parse_args()
    colorizer = Colorizer(args.run)
    print("| split | input | setting | CIEDE2000 | coloured pixels | colourfulness ratio |\n|---|---|---|---|---|---|")
    for split in args.splits.split(","):
        for option, field, kind in SWEEPS:
            for value in numbers(getattr(args, option)):
                report(variant(colorizer, **{field: value}), split, kind, f"{field} {value:g}")
        if args.head_gain:
            head_gains(colorizer, split, numbers(args.head_gain))


def head_gains(colorizer: Colorizer, split: str, gains: list[float]) -> None:
    """Each chroma gain set on the model's colour head in turn, then the calibrated one back."""
    head = nets.lab_head(colorizer.model)
    if head is None:
        raise SystemExit("--head-gain: this model has an RGB head, without a chroma gain")
    calibrated = float(head.chroma_gain.numpy())
    for gain in gains:
        head.chroma_gain.assign(gain)
        for kind in ("grayscale", "lineart"):
            report(colorizer, split, kind, f"head gain {gain:g} (calibrated: {calibrated:g})")
    head.chroma_gain.assign(calibrated)


def report(colorizer: Colorizer, split: str, kind: str, setting: str) -> None:
    m = metrics.evaluate(colorizer.colorize_inputs, held_out(colorizer, kind, 0, split)[1], progress=False)["model"]
    cells = (m["deltaE2000"], m["deltaE2000_chroma"], m["colorfulness_ratio"])
    print(f"| {split} | {kind} | {setting} | " + " | ".join(f"{x:.2f}" for x in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
