"""python tools/ship_model.py RUN: a trained run's generator as the model that ships.

Run it in a venv holding the oldest Keras the package supports (3.13.2, Kaggle's and
Colab's; bench/compat.sh lists the pins): Keras writes its newer layer arguments into
a saved file and older Keras refuses them, so the file must come from the old one.
That Keras cannot load the run's file either, for the same reason; so the network is
built again from the run's config, under the dtype policy it was trained with, and
given the run's weights (the chroma gain is one of them). Writes
mangacolor/weights/generator.keras and config.json atomically; MODEL_CARD.md and
tests/reference/ are the next steps (tools/model_card.py, tools/record_reference.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras

from mangacolor.config import Config
from mangacolor.nets.build import build_generator
from mangacolor.paint import SHIPPED
from mangacolor.train.precision import choose_precision
from mangacolor.train.runs import save_generator

OLDEST_KERAS = "3.13.2"


def ship(run: Path, out: Path = SHIPPED) -> Path:
    """Rebuild `run`'s generator with this Keras, load its weights, save it into `out`."""
    config = Config.load(run / "config.json")
    keras.mixed_precision.set_global_policy(choose_precision(config.precision))
    generator = build_generator(config)
    generator.load_weights(run / "generator.keras")
    save_generator(generator, out / "generator.keras")
    config.save(out / "config.json")
    return out / "generator.keras"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a finished run directory (generator.keras, config.json)")
    parser.add_argument("--out", type=Path, default=SHIPPED, help="where to write (default: the package's weights)")
    args = parser.parse_args()
    if keras.__version__ != OLDEST_KERAS:
        parser.error(f"Keras {keras.__version__} here: run this with Keras {OLDEST_KERAS} (see the docstring)")
    print(f"{ship(args.run, args.out)}: {args.run}'s weights, saved with Keras {keras.__version__}")


if __name__ == "__main__":
    main()
