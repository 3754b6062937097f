"""python tools/finish_run.py RUN OUT [--checkpoint last]: a run's final generator made from another epoch.

Training ends with the epoch of lowest validation L1 (checkpoints/best.keras). For the
colour-class head that is not always the epoch a user wants: its annealed mean paints
stronger colours than the L1 regression, which L1 punishes, so in the shipped model's
90-minute retrain the best L1 came from an early warm-up epoch at the full learning rate.
This makes the final generator from `--checkpoint` (last: the run's last epoch, its
learning rate decayed to zero) the way training does (BatchNorm statistics refitted,
chroma gain calibrated on the validation split), into OUT with the run's config, so
the two can be compared on the validation split (bench/ablation.py fit --split val).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import keras

from mangacolor import data
from mangacolor.config import Config
from mangacolor.nets.build import build_generator
from mangacolor.train.fit import datasets, finish
from mangacolor.train.precision import choose_precision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a finished run directory")
    parser.add_argument("out", type=Path, help="a new folder for the generator and its config")
    parser.add_argument("--checkpoint", default="last", help="a file of RUN/checkpoints/ without .keras")
    args = parser.parse_args()
    checkpoint = args.run / "checkpoints" / f"{args.checkpoint}.keras"
    if not checkpoint.is_file():
        parser.error(f"{checkpoint}: no such checkpoint")
    config = Config.load(args.run / "config.json")
    keras.mixed_precision.set_global_policy(choose_precision(config.precision))
    train_ds, val_ds, _ = datasets(config, data.SkippedFiles())
    args.out.mkdir(parents=True, exist_ok=False)
    finish(build_generator(config), checkpoint, args.out / "generator.keras", config, train_ds, val_ds)
    shutil.copy(args.run / "config.json", args.out / "config.json")
    print(f"{args.out}/generator.keras: {checkpoint}, finished as training finishes its best epoch")


if __name__ == "__main__":
    main()
