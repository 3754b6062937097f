"""Colour-quality ablation: train one setting for a wall-clock budget, evaluate on the validation split.

Each run is scored on every input kind of --inputs (default: grayscale, the
seed's input, and line art, a B&W drawing), through the same pipeline a user
gets (paint.Colorizer: full resolution, flattening by region on B&W
drawings), and on line art without flattening too. Each score appends a row to
bench/quality_ablation.csv (setting, input, flattening, budget, epochs reached,
every metric of mangacolor.metrics for the model and for returning the input unchanged)
and saves a grid of the same 8 validation images to bench/quality_grids/NAME-INPUT.png.

    python bench/quality.py NAME --minutes 15 [--split val] [--score-only] [-- train options]

e.g. python bench/quality.py seed-128 --minutes 15 -- --arch dcgan --head rgb
Everything after `--` is passed to `mangacolor train` (image size defaults to 128).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import time
from pathlib import Path

import keras
import numpy as np

import mangacolor  # noqa: F401  (registers custom layers)
from mangacolor import cli, data, metrics, nets, visualize
from mangacolor.paint import Colorizer
from mangacolor.train import read_history

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name")
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--split", default="val")
    parser.add_argument("--runs", default=str(HERE / "runs"))
    parser.add_argument("--inputs", default="grayscale,lineart", help="input kinds to score on (SIMULATIONS)")
    parser.add_argument("--score-only", action="store_true", help="score the existing run NAME, do not train")
    argv = sys.argv[1:]
    split_at = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split_at])
    extra = argv[split_at + 1 :]
    if "--image-size" not in extra:
        extra += ["--image-size", "128"]
    run = Path(args.runs) / args.name
    minutes = float("nan")
    if not args.score_only:
        shutil.rmtree(run, ignore_errors=True)
        start = time.monotonic()
        cli.main(["train", "--out", str(run), "--time-limit", str(args.minutes), "--epochs", "1000", *extra])
        minutes = (time.monotonic() - start) / 60
    config = mangacolor.Config.load(run / "config.json")
    row = {
        "name": args.name,
        "train_args": " ".join(extra),
        "budget_min": args.minutes,
        "minutes": round(minutes, 1),
        "epochs": len(read_history(run / "history.csv").get("epoch", [])),
        "split": args.split,
    }
    for kind in args.inputs.split(","):
        for flatten in (None, False) if kind != "grayscale" else (None,):
            scores = score(run, config, args.split, kind, flatten, grid=flatten is None)
            append_row(HERE / "quality_ablation.csv", {**row, **scores})


def score(run: Path, config: mangacolor.Config, split: str, kind: str, flatten: bool | None, grid: bool) -> dict:
    """Metrics of the run's generator on one input kind, as a user gets them."""
    colorizer = Colorizer(run, flatten=flatten)
    pairs = data.find_pairs(config.data, split, config.series)
    ds = data.make_dataset(pairs, config.image_size, 16, training=False, simulation=kind)
    results = metrics.evaluate(colorizer.colorize_inputs, ds)
    print(f"{run.name}, input {kind}, flatten {flatten}:\n{metrics.format_table(results)}")
    row = {"input": kind, "flatten": "auto" if flatten is None else "off", "chroma_gain": chroma_gain(colorizer.model)}
    for who in ("model", "unchanged"):
        row |= {f"{who}_{k}": round(results[who][k], 3) for k in metrics.METRICS}
    gray, target = next(iter(ds.unbatch().batch(8)))
    fake = colorizer.colorize_inputs(gray)
    flat = [metrics.high_frequency_chroma(f, metrics.flat_mask(g)) for f, g in zip(fake, gray.numpy(), strict=True)]
    row["model_hf_chroma_flat"] = round(float(np.nanmean(flat)), 3)
    if grid:
        picture = visualize.make_grid([gray.numpy(), fake, target.numpy()])
        visualize.save_png(HERE / "quality_grids" / f"{run.name}-{kind}.png", picture)
    return row


def chroma_gain(generator: keras.Model) -> float:
    """The Lab head's calibrated chroma gain (1 for RGB heads)."""
    head = nets.lab_head(generator)
    return round(float(head.chroma_gain.numpy()), 2) if head is not None else 1.0


def append_row(path: Path, row: dict) -> None:
    """Add a row, widening the header if this row has new columns (rewritten atomically)."""
    rows = list(csv.DictReader(open(path, newline=""))) if path.exists() else []
    rows.append(row)
    fields = list(dict.fromkeys(k for r in rows for k in r))
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


if __name__ == "__main__":
    main()
