"""Where a model's error on line art lies: on the ink, inside the regions the ink closes, or on
the paper around the drawing (regions touching the border, as `paint.flatten.regions` finds them).

    python bench/error_by_area.py RUN [--split test]

For each area: its share of the truth's clearly coloured pixels (and of all pixels), the mean
CIEDE2000 there with flattening, without it, and of the line art returned unchanged, and what
each adds to the mean over coloured pixels (the shares times the means).
"""

from __future__ import annotations

import argparse

import numpy as np
from skimage import color as skcolor
from test_split import held_out

from mangacolor import metrics
from mangacolor.color import to_uint8
from mangacolor.paint import Colorizer
from mangacolor.paint.compose import lightness
from mangacolor.paint.flatten import regions

AREAS = ("ink", "inside", "outside")
OUTPUTS = ("flattened", "not flattened", "input unchanged")


def areas(page: np.ndarray, ink_lightness: float) -> dict[str, np.ndarray]:
    """The page's ink, the paper its ink encloses, and the paper around the drawing: boolean masks."""
    labels, background = regions(lightness(page), ink_lightness)
    ink, outside = labels == 0, np.isin(labels, background)
    return {"ink": ink, "inside": ~ink & ~outside, "outside": outside}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    flattened, plain = Colorizer(args.run), Colorizer(args.run, flatten=False)
    # totals[pixels][area] = [pixel count, summed CIEDE2000 of each output]
    totals = {p: {a: np.zeros(1 + len(OUTPUTS)) for a in AREAS} for p in ("coloured", "all")}
    for inputs, targets in held_out(flattened, "lineart", 0, args.split)[1]:
        pages, truths = metrics.unchanged_input(inputs), to_uint8(targets)
        outputs = zip(flattened.colorize_inputs(inputs), plain.colorize_inputs(inputs), pages, strict=True)
        for page, truth, images in zip(pages, truths, outputs, strict=True):
            lab = skcolor.rgb2lab(truth)
            errors = [skcolor.deltaE_ciede2000(skcolor.rgb2lab(image), lab) for image in images]
            coloured = np.hypot(lab[..., 1], lab[..., 2]) > metrics.CHROMA_THRESHOLD
            for area, mask in areas(page, flattened.settings.ink_lightness).items():
                for pixels, chosen in (("coloured", mask & coloured), ("all", mask)):
                    totals[pixels][area] += [chosen.sum(), *(e[chosen].sum() for e in errors)]
    print(f"{args.run}, {args.split} split, line art\n")
    print("| pixels | area | share | " + " | ".join(OUTPUTS) + " | adds (" + ", ".join(OUTPUTS) + ") |")
    print("|---|---|---|---|---|---|---|")
    for pixels, by_area in totals.items():
        n = sum(t[0] for t in by_area.values())
        for area, (count, *sums) in by_area.items():
            means = " | ".join(f"{s / max(count, 1):.2f}" for s in sums)
            adds = ", ".join(f"{s / n:.2f}" for s in sums)
            print(f"| {pixels} | {area} | {count / n:.2f} | {means} | {adds} |")


if __name__ == "__main__":
    main()
