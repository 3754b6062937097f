"""python tools/figures.py [--model RUN]: the README's pictures, made by the project's own code from a model.

    python tools/figures.py                          # the shipped model
    python tools/figures.py --model runs/quickstart  # a run of yours

Writes bench/figures/bw_drawings.png (bundled B&W drawings before and after, at
their full resolution), bench/figures/hints.png (a drawing coloured
automatically, then with three clicks: the clicks of notebook 05) and
bench/figures/contact_sheet.png (all ten bundled B&W drawings, the model card's
contact sheet), and prints how many of the coloured pixels there fall in one 30°
band of hue (near 100%: one colour for everything).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import mangacolor  # noqa: E402, F401
from mangacolor import data, metrics, visualize  # noqa: E402
from mangacolor.app import mark_hints  # noqa: E402
from mangacolor.paint import Colorizer, Point  # noqa: E402

FIGURES = Path(__file__).resolve().parents[1] / "bench" / "figures"  # where the README links them
DRAWINGS = (
    "sleeping_cat_ron_golan.png",
    "b_w_tiger_susan_park.png",
    "empty_tomb.png",
    "dancers_erich_schubert.png",
)
CLICKS = [Point(380, 200, (112, 136, 184)), Point(120, 160, (112, 136, 184)), Point(60, 250, (242, 226, 196))]


def _bw(name: str) -> str:
    return next(p.color for p in data.sample_pairs(kind="bw") if Path(p.color).name == name)


def bw_drawings(colorizer: Colorizer, path: Path) -> None:
    inputs = [data.load_image(_bw(name)) for name in DRAWINGS]
    outputs = [colorizer.colorize(image) for image in inputs]
    fig = visualize.show_grid(
        [visualize.squares(inputs, 384), visualize.squares(outputs, 384)], ["B&W drawing", "mangacolor"], size=3.2
    )
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


def contact_sheet(colorizer: Colorizer, path: Path) -> float:
    """Every bundled B&W drawing beside its colouring, two pairs a row; the outputs' dominant hue share."""
    inputs = [data.load_image(p.color) for p in data.sample_pairs(kind="bw")]
    outputs = [colorizer.colorize(image) for image in inputs]
    half = (len(inputs) + 1) // 2
    parts = (inputs[:half], outputs[:half], inputs[half:], outputs[half:])
    columns = [visualize.squares(images, 384) for images in parts]
    fig = visualize.show_grid(columns, ["B&W drawing", "mangacolor"] * 2, size=2.6)
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)
    return metrics.dominant_hue_share(outputs)


def hints(colorizer: Colorizer, path: Path) -> None:
    page = data.load_image(_bw(DRAWINGS[0]))
    automatic, with_hints = colorizer.colorize(page), colorizer.colorize(page, hints=CLICKS)
    fig = visualize.show_row(
        [mark_hints(page, CLICKS), automatic, with_hints], ["three clicks", "automatic", "with the three hints"], size=4
    )
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="run directory or .keras generator (default: the shipped model)")
    args = parser.parse_args()
    colorizer = Colorizer(args.model)
    FIGURES.mkdir(exist_ok=True)
    bw_drawings(colorizer, FIGURES / "bw_drawings.png")
    hints(colorizer, FIGURES / "hints.png")
    share = contact_sheet(colorizer, FIGURES / "contact_sheet.png")
    print(f"written: {FIGURES / 'bw_drawings.png'}, {FIGURES / 'hints.png'}, {FIGURES / 'contact_sheet.png'}")
    print(f"contact sheet: {share:.0%} of the coloured pixels in one 30° band of hue")


if __name__ == "__main__":
    main()
