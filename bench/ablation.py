"""Issue 25's seeded ablation: what moves colour accuracy, at equal budgets, over several seeds.

Each recipe is the README's quick-start command (128 px, batch 16, learning rate
1e-3) with one change. A run trains one recipe with one seed on one data set
(`bundled`: the sample's training split; `openmoji`: the series, data/openmoji)
for a number of epochs, then is scored on its data set's test split: the bundled
split as grayscale panels and as XDoG line art, OpenMoji with its artists' own
line art. Chroma calibration is scored on the same weights both ways (the
calibrated gain, and 1.0), so it needs no run of its own. Every score is a row
of bench/ablation.csv; `table` prints the mean and spread over seeds.

The budget is the README's: 15 minutes of wall-clock time (`--minutes 15`, run one
at a time), so a recipe whose steps cost more gets fewer epochs; short screens may
use `--epochs`. `steps` times one training step of each recipe side by side (the
cost of a new default against today's) and says how many epochs 15 minutes buy.

    python bench/ablation.py steps [--recipes regression,bins-group-norm]
    python bench/ablation.py run RECIPE --data openmoji --seed 1 --minutes 15   # or --epochs 5
    python bench/ablation.py table
    python bench/ablation.py compare bins-group-norm regression --data bundled   # seed by seed: recipe - baseline
    python bench/ablation.py fit runs/ablation/openmoji-regression-s1   # own training drawings against the test split
    python bench/ablation.py fit runs/ship-last --data bundled --split val   # checkpoints compared on validation
"""

from __future__ import annotations

import argparse
import csv
import math
import shutil
import statistics
import sys
import time
from pathlib import Path

from quality import append_row  # bench/ is the script's folder, so on sys.path

import mangacolor
from mangacolor import cli, data, metrics, nets
from mangacolor.paint import Colorizer
from mangacolor.train import read_history

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CSV = HERE / "ablation.csv"
QUICK_START = ["--image-size", "128", "--batch-size", "16", "--learning-rate", "1e-3"]
DATA = {"bundled": None, "openmoji": str(data.openmoji_root())}
# Every recipe is one change to the defaults the ablation started from (the L1 regression over
# BatchNorm); it chose the colour classes over GroupNorm, today's defaults (`bins-group-norm`).
BASELINE = ["--head", "multiply", "--norm", "batch"]
RECIPES = {
    "regression": [],  # L1 warm-up 20 epochs, then adversarial; LR decays to 0 over the budget
    "no-adv": ["--adv-weight", "0"],
    "adv-start": ["--gan-warmup", "0"],
    "adv-start-w10": ["--gan-warmup", "0", "--adv-weight", "10"],
    "constant-lr": ["--no-lr-decay"],
    "chroma-0": ["--chroma-weight", "0"],
    "chroma-6": ["--chroma-weight", "6"],
    "bins": ["--head", "bins"],
    "bins-no-adv": ["--head", "bins", "--adv-weight", "0"],
    "bins-adv-start": ["--head", "bins", "--gan-warmup", "0"],
    "size-64": ["--image-size", "64"],  # four times the steps in the same minutes; the layer is upsampled
    "bins-64": ["--head", "bins", "--image-size", "64"],
    "no-dropout": ["--dropout", "0"],  # pix2pix's decoder dropout is noise; the series underfits
    "group-norm": ["--norm", "group"],  # no running statistics: validation and test as training sees them
    "bins-group-norm": ["--head", "bins", "--norm", "group"],
    "lr-3e-3": ["--learning-rate", "3e-3"],
    "width-64": ["--width", "64"],  # capacity: the model underfits its own training drawings
    "no-hints": ["--no-hint-input"],  # every training image in the automatic mode, none with hints
    "bins-group-norm-no-hints": ["--head", "bins", "--norm", "group", "--no-hint-input"],  # today's default, no hints
    "zoom-out": ["--zoom-out", "1.6"],  # drawings also smaller in their frame: framing as on a page (issue 26)
}
SCORE_SIZE = 128  # every run is scored on the same test pictures, whatever size it trained at
# (input kind, data set): what each run is scored on.
SCORES = {"bundled": ("grayscale", "lineart"), "openmoji": ("lineart",)}


def run(recipe: str, data_set: str, seed: int, budget: list[str], runs: Path, trained_by: str | None = None) -> None:
    """Train one recipe and seed for a budget (`--epochs N`, or `--time-limit M` as the README's
    quick start), then score it (rows appended to bench/ablation.csv).

    With `trained_by` (the command that trained it), score the existing run instead.
    """
    out = runs / f"{data_set}-{recipe}-s{seed}"
    args = ["train", "--out", str(out), "--seed", str(seed), *budget, *QUICK_START, *BASELINE]
    args += [*(["--data", DATA[data_set]] if DATA[data_set] else []), *RECIPES[recipe]]
    minutes = math.nan
    if trained_by is None:
        shutil.rmtree(out, ignore_errors=True)
        start = time.monotonic()
        cli.main(args)
        minutes = (time.monotonic() - start) / 60
    command = trained_by or "mangacolor " + " ".join(a.replace(str(ROOT) + "/", "") for a in args)
    epochs = len(read_history(out / "history.csv")["epoch"])
    row = {"recipe": recipe, "data": data_set, "seed": seed, "budget": " ".join(budget), "epochs": epochs}
    row |= {"minutes": round(minutes, 1), "command": command}
    for kind in SCORES[data_set]:
        for calibrated in (True, False):
            append_row(CSV, {**row, **score(out, data_set, kind, calibrated)})


def score(
    run_dir: Path, data_set: str, kind: str, calibrated: bool, split: str = "test", limit: int | None = None
) -> dict:
    """Metrics of a run's generator on one input kind and split (the first `limit` pictures),
    through the pipeline a user gets (`Colorizer`), at SCORE_SIZE whatever the run's training size."""
    colorizer = Colorizer(run_dir)  # works at the run's training size; the page is SCORE_SIZE
    head = nets.lab_head(colorizer.model)
    gain = float(head.chroma_gain.numpy()) if head is not None else 1.0
    if not calibrated and head is not None:
        head.chroma_gain.assign(1.0)
    pairs = data.find_pairs(DATA[data_set], split)[:limit]
    dataset = data.make_dataset(pairs, SCORE_SIZE, 16, training=False, simulation=kind, hint_sampling=0)
    results = metrics.evaluate(colorizer.colorize_inputs, dataset)
    row = {"input": kind, "calibrated": calibrated, "chroma_gain": round(gain if calibrated else 1.0, 2)}
    for who in ("model", "unchanged"):
        row |= {
            f"{who}_{k}": round(results[who][k], 3) for k in ("deltaE2000", "deltaE2000_chroma", "colorfulness_ratio")
        }
    return row


def fit(run_dir: Path, data_set: str, held_out: str = "test") -> str:
    """Underfitting or overfitting? The calibrated model on the `held_out` split (val: for choosing
    between checkpoints, tools/finish_run.py) and on as many of its own training drawings, each
    beside returning the input unchanged."""
    lines = []
    for kind in SCORES[data_set]:
        test = score(run_dir, data_set, kind, True, held_out)
        train = score(run_dir, data_set, kind, True, "train", len(data.find_pairs(DATA[data_set], held_out)))
        for split, row in (("train", train), (held_out, test)):
            model, unchanged = row["model_deltaE2000_chroma"], row["unchanged_deltaE2000_chroma"]
            lines.append(
                f"{run_dir.name} {kind} {split}: ΔE2000-chroma {model:.2f} against {unchanged:.2f} unchanged "
                f"({model / unchanged:.2f} x), all pixels {row['model_deltaE2000']:.2f}, "
                f"colourfulness {row['model_colorfulness_ratio']:.2f}"
            )
    return "\n".join(lines)


def table() -> str:
    """Mean and spread (sample standard deviation) over seeds of every recipe, data set and input."""
    groups: dict[tuple, list[dict]] = {}
    for r in csv.DictReader(open(CSV, newline="")):
        key = (r["data"], r["input"], r["recipe"], r["calibrated"], r["budget"])
        groups.setdefault(key, []).append(r)
    lines = [
        "| data | input | recipe | budget | calibrated | epochs reached | seeds | ΔE2000-chroma (x unchanged) "
        "| ΔE2000 (unchanged) | colourfulness ratio | command (first seed) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (data_set, kind, recipe, calibrated, budget), rows in sorted(groups.items()):
        epochs = "/".join(r["epochs"] for r in rows)
        chroma, overall, colourful = (
            [float(r[f"model_{k}"]) for r in rows] for k in ("deltaE2000_chroma", "deltaE2000", "colorfulness_ratio")
        )
        unchanged = float(rows[0]["unchanged_deltaE2000_chroma"])
        lines.append(
            f"| {data_set} | {kind} | {recipe} | {budget} | {calibrated} | {epochs} | {len(rows)} "
            f"| {spread(chroma)} ({statistics.mean(chroma) / unchanged:.2f} x) "
            f"| {spread(overall)} ({float(rows[0]['unchanged_deltaE2000']):.2f}) | {spread(colourful)} "
            f"| `{rows[0]['command']}` |"
        )
    return "\n".join(lines)


def compare(recipe: str, baseline: str, data_set: str) -> str:
    """Seed by seed, `recipe` minus `baseline` on the seeds both have (calibrated): the same seed
    draws the same data order, so the paired difference's spread is the recipe's effect's,
    not the seeds'. Mean ± standard error over the seeds, for each input."""
    scores: dict[tuple, float] = {}
    for r in csv.DictReader(open(CSV, newline="")):
        if r["data"] == data_set and r["calibrated"] == "True" and r["recipe"] in (recipe, baseline):
            scores[r["recipe"], r["input"], r["seed"]] = float(r["model_deltaE2000_chroma"])
    lines = [f"{recipe} - {baseline} on {data_set}, ΔE2000 on coloured pixels, calibrated (negative: {recipe} closer)"]
    for kind in sorted({k[1] for k in scores}):
        seeds = sorted({k[2] for k in scores if k[1] == kind and (recipe, kind, k[2]) in scores}, key=int)
        seeds = [s for s in seeds if (baseline, kind, s) in scores]
        if not seeds:
            continue
        diffs = [scores[recipe, kind, s] - scores[baseline, kind, s] for s in seeds]
        each = ", ".join(f"seed {s}: {d:+.2f}" for s, d in zip(seeds, diffs, strict=True))
        error = f" ± {statistics.stdev(diffs) / math.sqrt(len(diffs)):.2f}" if len(diffs) > 1 else ""
        lines.append(f"  {kind}: {statistics.mean(diffs):+.2f}{error} over {len(diffs)} seeds ({each})")
    return "\n".join(lines)


def spread(values: list[float]) -> str:
    """'mean ± sd' over seeds; the mean alone for one seed."""
    if len(values) < 2:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def recipe_config(recipe: str) -> mangacolor.Config:
    """The Config `mangacolor train` builds from the quick start's options and the recipe's."""
    return cli.config_from_args(
        cli.build_parser().parse_args(["train", "--out", "unused", *QUICK_START, *BASELINE, *RECIPES[recipe]])
    )


def step_times(recipes: list[str], rounds: int = 8, steps: int = 3) -> dict[str, tuple[float, float]]:
    """Seconds per warm-up (L1) step and per adversarial step of each recipe, on one synthetic batch of
    the quick start's size: the recipes take turns, `steps` steps each per round, so that a load on
    the machine falls on all of them alike; the median over rounds."""
    import keras
    import numpy as np
    import tensorflow as tf

    from mangacolor.train import build_gan, choose_precision

    rng = np.random.default_rng(0)
    runs = {}
    for recipe in recipes:
        config = recipe_config(recipe)
        keras.mixed_precision.set_global_policy(choose_precision(config.precision))
        gan = build_gan(config, keras.mixed_precision.global_policy().name)
        batch = (
            tf.constant(rng.uniform(-1, 1, (16, 128, 128, gan.generator.input_shape[-1])), tf.float32),
            tf.constant(rng.uniform(-1, 1, (16, 128, 128, 3)), tf.float32),
        )
        for adversarial in (False, config.adv_weight > 0):
            gan.adversarial = adversarial
            runs[recipe, adversarial] = (tf.function(gan.train_step), batch, [])
            runs[recipe, adversarial][0](batch)  # traced before timing
    for _ in range(rounds):
        for step, batch, elapsed in runs.values():
            start = time.perf_counter()
            for _ in range(steps):
                step(batch)
            elapsed.append((time.perf_counter() - start) / steps)
    medians = {key: statistics.median(elapsed) for key, (_, _, elapsed) in runs.items()}
    return {recipe: (medians[recipe, False], medians.get((recipe, True), medians[recipe, False])) for recipe in recipes}


def budget_epochs(recipe: str, times: tuple[float, float], steps_per_epoch: int, minutes: float) -> int:
    """The epochs of `minutes` of training: warm-up epochs at the L1 step's cost, the rest adversarial."""
    config = recipe_config(recipe)
    warm, adversarial = (t * steps_per_epoch for t in times)
    seconds = minutes * 60
    warmup = config.gan_warmup if config.adv_weight > 0 else math.inf
    if warmup * warm >= seconds:
        return math.floor(seconds / warm)
    return warmup + math.floor((seconds - warmup * warm) / adversarial)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run")
    p.add_argument("recipe", choices=RECIPES)
    p.add_argument("--data", choices=DATA, default="openmoji")
    p.add_argument("--seed", type=int, default=1)
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument("--epochs", type=int, help="train this many epochs")
    budget.add_argument("--minutes", type=float, help="train this long (--time-limit), as the README's quick start")
    p.add_argument("--runs", type=Path, default=ROOT / "runs" / "ablation")
    p.add_argument("--trained-by", help="score the existing run, trained by this command")
    p = sub.add_parser("steps")
    p.add_argument("--recipes", default=",".join(RECIPES))
    p.add_argument("--minutes", type=float, default=15.0)
    sub.add_parser("table")
    p = sub.add_parser("compare", help="seed by seed: a recipe minus a baseline")
    p.add_argument("recipe", choices=RECIPES)
    p.add_argument("baseline", choices=RECIPES)
    p.add_argument("--data", choices=DATA, default="openmoji")
    p = sub.add_parser("fit", help="a run's scores on a held-out split and as many of its own training drawings")
    p.add_argument("run_dir", type=Path)
    p.add_argument("--data", choices=DATA, default="openmoji")
    p.add_argument("--split", choices=("test", "val"), default="test", help="the held-out split scored")
    args = parser.parse_args()
    if args.command == "run":
        if args.minutes:
            budget = ["--time-limit", f"{args.minutes:g}", "--epochs", "100"]
        else:
            budget = ["--epochs", str(args.epochs)]
        run(args.recipe, args.data, args.seed, budget, args.runs, args.trained_by)
    elif args.command == "steps":
        per_epoch = {name: len(data.find_pairs(DATA[name], "train")) // 16 for name in DATA}
        for recipe, times in step_times(args.recipes.split(",")).items():
            budgets = {name: budget_epochs(recipe, times, steps, args.minutes) for name, steps in per_epoch.items()}
            cost = f"{times[0]:.3f} s per L1 step, {times[1]:.3f} s per adversarial step"
            print(
                f"{recipe}: {cost}; {args.minutes:g} min =", ", ".join(f"{e} epochs on {n}" for n, e in budgets.items())
            )
    elif args.command == "compare":
        print(compare(args.recipe, args.baseline, args.data))
    elif args.command == "fit":
        print(fit(args.run_dir, args.data, args.split))
    else:
        print(table())


if __name__ == "__main__":
    sys.exit(main())
