"""Score trained models on the test split for every input kind, hint count and flattening choice.

    python bench/test_split.py RUN [RUN ...] [--inputs grayscale,lineart,lineart_tone] [--hints 0,1,5,10]

Each score is `mangacolor evaluate --model RUN --simulation INPUT --hints N [--no-flatten]`
(the full inference pipeline: what a user gets), beside returning the input unchanged;
models without a hint input are scored with 0 hints only. Prints one Markdown table
and writes the scores to bench/test_split.csv (appended, one row per score).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import tensorflow as tf

import mangacolor  # noqa: F401  (registers custom layers)
from mangacolor import data, metrics
from mangacolor.paint import Colorizer

HERE = Path(__file__).resolve().parent
COLUMNS = ("deltaE2000", "deltaE2000_chroma", "deltaE2000_hints", "colorfulness_ratio", "psnr")


def held_out(
    colorizer: Colorizer, kind: str, hints: int, split: str = "test"
) -> tuple[list[data.Pair], tf.data.Dataset]:
    """A split's pairs and their batches at the model's size: `kind` of input, `hints`
    hints sampled from each target (none for a model without a hint input)."""
    pairs = data.find_pairs(None, split)
    given = hints if colorizer.takes_hints else None
    return pairs, data.make_dataset(pairs, colorizer.size, 16, training=False, simulation=kind, hint_sampling=given)


def score(run: str, kind: str, hints: int, flatten: bool | None) -> dict[str, float]:
    colorizer = Colorizer(run, flatten=flatten)
    return metrics.evaluate(colorizer.colorize_inputs, held_out(colorizer, kind, hints)[1], progress=False)


def columns(results: dict[str, dict[str, float]]) -> dict[str, float]:
    """A row's scores: COLUMNS for the model and for returning the input unchanged."""
    row = {f"model_{k}": round(results["model"][k], 3) for k in COLUMNS}
    return row | {f"input_{k}": round(results["unchanged"][k], 3) for k in COLUMNS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--inputs", default="grayscale,lineart,lineart_tone")
    parser.add_argument("--hints", default="0,1,5,10")
    args = parser.parse_args()
    rows = []
    for run in args.runs:
        takes_hints = Colorizer(run).takes_hints
        for kind in args.inputs.split(","):
            counts = [int(n) for n in args.hints.split(",")] if takes_hints else [0]
            cases = [(n, None) for n in counts] + ([(0, False)] if kind != "grayscale" else [])
            for n, flatten in cases:
                results = score(run, kind, n, flatten)
                setting = {"run": Path(run).name, "input": kind, "hints": n}
                row = setting | {"flatten": "off" if flatten is False else "auto"} | columns(results)
                rows.append(row)
                print(row, flush=True)
    path = HERE / "test_split.csv"
    new = not path.exists()
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        if new:
            writer.writeheader()
        writer.writerows(rows)
    print("\n" + markdown(rows, {"run": "run", "input": "input", "hints": "hints", "flatten": "flattening"}))


def markdown(rows: list[dict], settings: dict[str, str]) -> str:
    """The rows as a Markdown table: their `settings` (key: heading), then the scores."""
    scores = ("CIEDE2000 (input unchanged)", "coloured pixels (input unchanged)", "at the hints", "colourfulness ratio")
    headings = [*settings.values(), *scores]
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    for r in rows:
        cells = [str(r[k]) for k in settings] + [
            f"{r['model_deltaE2000']:.2f} ({r['input_deltaE2000']:.2f})",
            f"{r['model_deltaE2000_chroma']:.2f} ({r['input_deltaE2000_chroma']:.2f})",
            f"{r['model_deltaE2000_hints']:.2f}",
            f"{r['model_colorfulness_ratio']:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
