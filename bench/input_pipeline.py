"""Does the input pipeline keep up? Images/s it delivers against what a training step consumes.

The pipeline is timed from files (decode, fit_square, augmentation and each
manga simulation), with and without the in-memory cache of decoded images;
the training rate is the default model's `fit` on the same pipeline.

    python bench/input_pipeline.py [--image-size 256] [--batch-size 32] [--batches 20]
"""

from __future__ import annotations

import argparse

from train_throughput import trainer

import mangacolor  # noqa: F401
from mangacolor import Config, data
from mangacolor.config import SIMULATIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    pairs = data.find_pairs(split="train")
    rows = []
    for cache in (False, True):
        for simulation in SIMULATIONS:
            ds = data.make_dataset(
                pairs,
                args.image_size,
                args.batch_size,
                training=True,
                simulation=simulation,
                cache=cache,
            )
            rows.append(
                (
                    simulation,
                    "cached" if cache else "from files",
                    data.measure_throughput(ds, args.batches),
                )
            )
    config = Config(image_size=args.image_size, batch_size=args.batch_size)
    consumed = trainer(config, len(pairs), steps=3, repeats=2, policy="float32")
    print(
        f"{len(pairs)} training images, {args.image_size} px, batch {args.batch_size}; "
        f"training (default model, float32) consumes {consumed:.1f} images/s\n"
    )
    print("| simulation | source | images/s | x training's need |")
    print("|---|---|---|---|")
    for simulation, source, rate in rows:
        print(f"| {simulation} | {source} | {rate:.0f} | {rate / consumed:.0f}x |")
    slowest = min(rows, key=lambda r: r[2])
    print(
        f"\nsummary: the slowest setting ({slowest[0]}, {slowest[1]}) delivers {slowest[2]:.0f} images/s, "
        f"{slowest[2] / consumed:.0f}x what training consumes"
    )


if __name__ == "__main__":
    main()
