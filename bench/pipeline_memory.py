"""Peak memory of one epoch over N files: mangacolor's streaming pipeline against the seed's way.

The seed loaded every image into memory as float32 arrays before training; the
tf.data pipeline streams from files and caches only small sets. Each case runs in
its own process so peaks do not mix; peak RSS comes from getrusage.

    python bench/pipeline_memory.py [--files 2000] [--size 256] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CASE = r"""
import json, resource, sys, time
import numpy as np
import mangacolor
from mangacolor import data
folder, size, batch, case = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
start, images = time.perf_counter(), 0
if case == "stream":
    pairs = data.find_pairs(folder, split=None)
    for gray, target in data.make_dataset(pairs, size, batch, training=True, simulation="manga"):
        images += int(gray.shape[0])
else:  # the seed's way: every image resized and held as float32 arrays
    files = data.list_images(folder)
    colour = np.stack([np.asarray(data.fit_square(data.load_image(f), size, 255.0)) / 127.5 - 1 for f in files])
    gray = colour.mean(axis=-1, keepdims=True)
    images = len(colour)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({"case": case, "images": images, "seconds": time.perf_counter() - start,
                  "peak_gb": peak, "after_import_gb": baseline}))
"""


def make_files(folder: Path, n: int, size: int) -> None:
    """N distinct files of `size` px on the long side, from the bundled sample (flipped and rotated)."""
    from PIL import Image, ImageOps

    from mangacolor import data

    sources = [p.color for p in data.sample_pairs(None)]
    for i in range(n):
        im = Image.open(sources[i % len(sources)]).convert("RGB")
        variant = i // len(sources)
        im = ImageOps.mirror(im) if variant % 2 else im
        im = im.rotate(90 * (variant // 2), expand=True)
        im.thumbnail((size, size))
        im.save(folder / f"img_{i:05d}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        make_files(Path(tmp), args.files, args.size)
        rows = []
        for case in ("stream", "seed_in_memory"):
            out = subprocess.run(
                [sys.executable, "-c", CASE, tmp, str(args.size), str(args.batch_size), case],
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"One epoch over {args.files} files of {args.size} px, batch {args.batch_size}:\n")
    print("| case | images | seconds | peak RSS (GB) | RSS after import (GB) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['images']} | {r['seconds']:.1f} | {r['peak_gb']:.2f} | {r['after_import_gb']:.2f} |")
    stream, seed = rows
    print(
        f"\nsummary: streaming peaks at {stream['peak_gb']:.2f} GB, the seed's way at {seed['peak_gb']:.2f} GB "
        f"({seed['peak_gb'] / stream['peak_gb']:.1f}x)"
    )


if __name__ == "__main__":
    main()
