"""python tools/openmoji_sheet.py: a contact sheet of genuine line art beside simulated line art.

Writes bench/figures/openmoji_pairs.png: twelve test-split pairs of the bundled
OpenMoji set (data/openmoji/), each as its colour drawing, the line art its
artist drew (the package's black version) and the XDoG line art that training
simulates from the colour drawing (`data.simulate(lightness, "lineart",
training=False)`, the evaluation setting).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import mangacolor  # noqa: E402, F401
from mangacolor import data, visualize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OPENMOJI = data.openmoji_root()
FIGURE = ROOT / "bench" / "figures" / "openmoji_pairs.png"
# Twelve test drawings of different kinds: animals, people, a vehicle, food, places, objects.
HEXCODES = (
    "1F415",  # dog
    "1F99C",  # parrot
    "1F63A",  # grinning cat
    "1F9D9-1F3FC",  # mage
    "1F469-1F3FB-200D-1F680",  # woman astronaut
    "1F47C-1F3FE",  # baby angel
    "1F692",  # fire engine
    "1F349",  # watermelon
    "1F5FB",  # mount fuji
    "1F30B",  # volcano
    "26EA",  # church
    "1FA95",  # banjo
)


def openmoji_pairs(path: Path = FIGURE, root: Path = OPENMOJI, hexcodes: tuple[str, ...] = HEXCODES) -> None:
    """The sheet: two pairs a row, each as colour | genuine line art | XDoG line art of the colour."""
    pairs = {Path(p.color).stem: p for p in data.find_pairs(root, "test")}
    columns: list[list[np.ndarray]] = [[] for _ in range(6)]
    for i, code in enumerate(hexcodes):
        pair = pairs[code]
        rgb = data.load_image(pair.color)
        genuine = data.load_image(pair.bw, "L")[..., None]
        for j, image in enumerate((rgb, genuine, data.simulation.lineart_of(rgb)[..., None])):
            columns[3 * (i % 2) + j].append(image)
    titles = ["colour", "genuine line art", "XDoG of the colour"] * 2
    fig = visualize.show_grid([np.stack(c) for c in columns], titles, size=2.0, max_rows=len(hexcodes) // 2)
    fig.savefig(path, dpi=72, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIGURE, help=f"the PNG to write (default: {FIGURE})")
    openmoji_pairs(parser.parse_args().out)


if __name__ == "__main__":
    main()
