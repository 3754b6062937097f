"""python tools/series_figure.py RUN [RUN ...]: the OpenMoji series figure, test drawings coloured by each run.

Writes bench/figures/openmoji_series.png: every 17th drawing of the OpenMoji test
split (never trained on), as its artist's line art, coloured by each run given
(e.g. the ablation's `runs/ablation/openmoji-default-s1` and `openmoji-bins-s1`,
trained on the series' training split), and the truth.

    python tools/series_figure.py runs/ablation/openmoji-default-s1 runs/ablation/openmoji-bins-s1
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mangacolor import Config, data, visualize  # noqa: E402
from mangacolor.paint import Colorizer  # noqa: E402

FIGURE = Path(__file__).resolve().parents[1] / "bench" / "figures" / "openmoji_series.png"


def series_figure(runs: list[Path], path: Path = FIGURE, every: int = 17, count: int = 8) -> None:
    """Line art | each run's colours | truth, one test drawing a row."""
    pairs = data.find_pairs(data.openmoji_root(), "test")[::every][:count]
    line_art = [data.load_image(p.bw) for p in pairs]
    columns, titles = [np.stack(line_art)], ["line art"]
    for run in runs:
        colorizer = Colorizer(run)
        columns.append(np.stack([colorizer.colorize(page) for page in line_art]))
        head = Config.load(run / "config.json").head
        titles.append("bins head" if head == "bins" else f"{head} head, L1")
    columns.append(np.stack([data.load_image(p.color) for p in pairs]))
    titles.append("truth")
    fig = visualize.show_grid(columns, titles, size=2.4, max_rows=count)
    fig.savefig(path, dpi=72, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=FIGURE)
    args = parser.parse_args()
    series_figure(args.runs, args.out)


if __name__ == "__main__":
    main()
