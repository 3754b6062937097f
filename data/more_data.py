"""python data/more_data.py OUT: the candidates for the bundled sample's training-only drawings (`train` entries).

    apt-get install openclipart-png
    python data/more_data.py /tmp/more            # /tmp/more/{train,val,test}/, /tmp/more/sources.csv

Every coloured drawing that passes looser filters than the bundled selection
(data/select_candidates.py: the same folder and word exclusions, any amount of gradient, at
least a little colour), minus the bundled validation and test drawings and their
near-duplicates (same 16 x 16 thumbnail); val/ and test/ are the bundled splits. Its output
was measured as a training set first (bench/README.md: better than the 285 bundled training
drawings on every test-split row), then reviewed by eye: the drawings kept are the `train`
entries of data/selection.txt, the ones dropped are listed there as comments.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image

DATA = Path(__file__).resolve().parent
sys.path.insert(0, str(DATA))  # select_candidates.py, beside this file
import select_candidates as sc  # noqa: E402


def loose(s: sc.Stats) -> bool:
    """Coloured drawings, with or without flat fills and outlines."""
    return (
        s.aspect <= 2.5
        and 0.05 <= s.coverage <= 0.95
        and s.dark <= 0.6
        and s.saturated >= 0.08
        and s.colourful >= 0.05
        and s.hues >= 1
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    root = sc.DEFAULT_ROOT
    if not root.is_dir():
        sys.exit(f"{root} not found: run `apt-get install {sc.PACKAGE}`")
    Image.MAX_IMAGE_PIXELS = None  # sizes are checked in measure()
    paths = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*.png"))]
    with Pool(2) as pool:
        stats = [s for s in pool.map(sc.measure, [(root, p) for p in paths if not sc.is_excluded(p)], 16) if s]
    held = [r for r in csv.DictReader(open(DATA / "manifest.csv")) if r["split"] in ("val", "test")]
    held_paths = {r["source"].split("/png/", 1)[1] for r in held}
    thumbs = np.stack([sc.signature(root, p) for p in held_paths])
    train = args.out / "train"
    train.mkdir(parents=True, exist_ok=True)
    sources = []  # (file written, its path in the package): a file name alone cannot always be mapped back
    for s in stats:
        if not loose(s) or s.path in held_paths:
            continue
        if np.abs(thumbs - sc.signature(root, s.path)).mean(axis=1).min() < sc.DUPLICATE_TOL:
            continue
        with Image.open(root / s.path) as im:
            name = s.path.replace("/", "__")
            sc.resize_long_side(sc.composite_on_white(im), 256).convert("RGB").save(train / name)
        sources.append((f"train/{name}", s.path))
    for r in held:
        (args.out / r["split"]).mkdir(exist_ok=True)
        shutil.copy(DATA / r["file"], args.out / r["split"] / Path(r["file"]).name)
    with open(args.out / "sources.csv", "w", newline="") as f:
        csv.writer(f).writerows([("file", "source"), *sources])
    print(f"{len(stats)} drawings measured; {len(sources)} in {train}, {len(held)} held out (the bundled val and test)")


if __name__ == "__main__":
    main()
