"""python tools/merge_data.py OUT SOURCE [SOURCE ...]: several data sources as one paired folder, for one run.

`mangacolor train --data` takes one source; the shipped model learns from two (the
bundled drawings and the OpenMoji series). This writes OUT/<split>/color/ and
OUT/<split>/bw/ of symbolic links to each source's files, split as each source
splits them (`bundled` is the bundled sample), names prefixed by the source so
they never collide; a pair's B&W file keeps its partner's name, so the paired
folder joins them again. Then:

    python tools/merge_data.py runs/ship-data bundled data/openmoji
    mangacolor train --data runs/ship-data ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mangacolor import data


def merge(out: Path, sources: list[str]) -> dict[str, int]:
    """Link every pair of every source into `out`; the number of pairs per split."""
    counts = {}
    for split in data.SPLITS:
        (out / split / "color").mkdir(parents=True, exist_ok=False)
        (out / split / "bw").mkdir(parents=True)
        counts[split] = 0
        for source in sources:
            prefix = "bundled" if source == "bundled" else Path(source).name
            for pair in data.find_pairs(None if source == "bundled" else source, split):
                colour = Path(pair.color)
                stem = f"{prefix}-{colour.stem}"
                (out / split / "color" / f"{stem}{colour.suffix}").symlink_to(colour.resolve())
                if pair.bw:
                    bw = Path(pair.bw)
                    (out / split / "bw" / f"{stem}{bw.suffix}").symlink_to(bw.resolve())
                counts[split] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="a new folder")
    parser.add_argument("sources", nargs="+", help="'bundled' or a folder `--data` takes")
    args = parser.parse_args()
    counts = merge(args.out, args.sources)
    print(f"{args.out}: " + ", ".join(f"{n} {split}" for split, n in counts.items()))


if __name__ == "__main__":
    main()
