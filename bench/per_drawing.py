"""Where a model's error lies, drawing by drawing, on the test split.

    python bench/per_drawing.py RUN [--input lineart] [--worst 7] [--grid bench/figures/worst.png]

Prints every test drawing's CIEDE2000 over its clearly coloured pixels, the
model's beside returning the input unchanged, worst first (by how much the model
adds to the input's error), then the mean, the spread and the standard error of
the mean: how far apart two models must be before one test split tells them
apart. With --grid, saves the worst drawings as rows of input, model, truth.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from test_split import held_out

import mangacolor  # noqa: F401  (registers custom layers)
from mangacolor import metrics, visualize
from mangacolor.color import to_uint8
from mangacolor.paint import Colorizer


def per_drawing(run: str, kind: str) -> list[dict]:
    """One row per test drawing: its name, the model's and the input's coloured-pixel
    CIEDE2000, and the three images (input, model, truth) as uint8 RGB."""
    colorizer = Colorizer(run)
    pairs, ds = held_out(colorizer, kind, 0)
    rows, names = [], iter(Path(p.color).stem for p in pairs)
    for inputs, target in ds:
        fake, truth, given = colorizer.colorize_inputs(inputs), to_uint8(target), metrics.unchanged_input(inputs)
        for f, t, g in zip(fake, truth, given, strict=True):
            rows.append(
                {
                    "name": next(names),
                    "model": metrics.delta_e2000(f, t)[1],
                    "input": metrics.delta_e2000(g, t)[1],
                    "images": (g, f, t),
                }
            )
    return [r for r in rows if not np.isnan(r["model"])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--input", default="lineart", help="the input kind (mangacolor evaluate --simulation)")
    parser.add_argument("--worst", type=int, default=7, help="drawings in the grid")
    parser.add_argument("--grid", help="save the worst drawings here (PNG)")
    args = parser.parse_args()
    rows = sorted(per_drawing(args.run, args.input), key=lambda r: r["input"] - r["model"])
    print("| drawing | model | input unchanged |\n|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['model']:.1f} | {r['input']:.1f} |")
    scores = np.array([r["model"] for r in rows])
    worse = sum(r["model"] > r["input"] for r in rows)
    print(
        f"\n{len(scores)} drawings: mean {scores.mean():.2f}, standard deviation {scores.std():.2f}, "
        f"standard error of the mean {scores.std() / np.sqrt(len(scores)):.2f}; "
        f"{worse} worse than the input unchanged"
    )
    if args.grid:
        worst = rows[: args.worst]
        columns = [np.stack([r["images"][i] for r in worst]) for i in range(3)]
        visualize.save_png(args.grid, visualize.make_grid(columns))
        print(f"the {len(worst)} worst (input, model, truth): {args.grid}")


if __name__ == "__main__":
    main()
