"""Measures data.content_match on genuine and mismatched B&W pairs: python bench/pairing_threshold.py [--drawings 300]

Genuine: B&W versions of the same picture made as a user's paired folder would
hold them: grayscale (also as JPEG, rescaled to 70 %, cropped by 2 % a side),
XDoG line art (`simulation.lineart`, also thicker and as JPEG), line art with
screentone, screentone, ink. Mismatched: the same kinds made from another
drawing (another file content and another first word of the name, so that
`balloon_blue` and `balloon_yellow` do not count as different drawings), the
bundled real B&W drawings and a text page (a copyright notice). Both for the
bundled coloured drawings (clip art on white) and for manga-like pages (four
drawings in a panel layout); a mismatched page has the same panel layout, with
other drawings: the hardest case, the panel borders match. Line art with less
ink than simulation.MIN_INK is left out of the genuine scores (counted): a blank page
has nothing to match, and setting it aside is right. Every B&W image is written
to a file (PNG, or JPEG where named) and scored from the files, as find_pairs does.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image, ImageDraw, ImageOps

from mangacolor import data
from mangacolor.data import pairing, simulation

MISMATCH_KINDS = ("gray", "gray_jpeg", "lineart", "lineart_tone")
LAYOUTS = (  # panels as fractions of the page: (left, top, right, bottom)
    ((0, 0, 1, 0.33), (0, 0.33, 0.5, 0.66), (0.5, 0.33, 1, 0.66), (0, 0.66, 1, 1)),
    ((0, 0, 0.6, 0.5), (0.6, 0, 1, 0.5), (0, 0.5, 0.4, 1), (0.4, 0.5, 1, 1)),
    ((0, 0, 1, 0.25), (0, 0.25, 1, 0.5), (0, 0.5, 0.5, 1), (0.5, 0.5, 1, 1)),
)


def _to_image(gray: tf.Tensor) -> Image.Image:
    return Image.fromarray((np.clip(np.asarray(gray)[..., 0], 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))


def bw_versions(color: Image.Image) -> dict[str, tuple[Image.Image, str]]:
    """B&W versions of one picture: kind -> (image, file suffix)."""
    gray = tf.constant(np.asarray(color.convert("L"), np.float32)[..., None] / 255.0)
    g = _to_image(gray)
    w, h = g.size
    c = max(1, w // 50)
    lines = _to_image(simulation.lineart(gray))
    return {
        "gray": (g, ".png"),
        "gray_jpeg": (g, ".jpg"),
        "gray_70%": (g.resize((w * 7 // 10, h * 7 // 10), Image.LANCZOS), ".png"),
        "gray_crop2%": (g.crop((c, c, w - c, h - c)), ".png"),
        "lineart": (lines, ".png"),
        "lineart_jpeg": (lines, ".jpg"),
        "lineart_thick": (_to_image(simulation.lineart(gray, sigma=1.1)), ".png"),
        "lineart_tone": (_to_image(simulation.lineart_with_tone(gray)), ".png"),
        "screentone": (_to_image(simulation.screentone(gray)), ".png"),
        "ink": (_to_image(simulation.ink(gray)), ".png"),
    }


def text_page(width: int = 360, height: int = 520) -> Image.Image:
    """A page of small print, like the copyright notice among the Kaggle grayscale pages."""
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    line = "Copyright (c) Publisher. All rights reserved. No part of this book may be reproduced."
    for i, y in enumerate(range(60, height - 60, 14)):
        draw.text((30, y), line[: 30 + (i * 17) % 55], fill=0)
    return page


def manga_page(drawings: list[Image.Image], layout, width: int = 720, height: int = 1040) -> Image.Image:
    """Four drawings filling the panels of a layout, with black panel borders on white."""
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    m = 20
    for drawing, (x0, y0, x1, y1) in zip(drawings, layout, strict=False):
        box = (
            int(x0 * (width - 2 * m)) + m + 8,
            int(y0 * (height - 2 * m)) + m + 8,
            int(x1 * (width - 2 * m)) + m - 8,
            int(y1 * (height - 2 * m)) + m - 8,
        )
        page.paste(ImageOps.fit(drawing, (box[2] - box[0], box[3] - box[1])), box[:2])
        draw.rectangle(box, outline="black", width=5)
    return page


class Scorer:
    """Writes images to a folder and scores them with data.content_match, by kind."""

    def __init__(self, folder: Path):
        self.folder, self.n = folder, 0
        self.scores: dict[tuple[str, str, str], list[float]] = {}

    def write(self, image: Image.Image, suffix: str = ".png") -> Path:
        self.n += 1
        path = self.folder / f"{self.n}{suffix}"
        image.convert("RGB" if image.mode == "RGB" else "L").save(path, **({"quality": 40} if suffix == ".jpg" else {}))
        return path

    def add(self, where: str, truth: str, kind: str, color: Path, bw: Path) -> None:
        self.scores.setdefault((where, truth, kind), []).append(data.content_match(color, bw))


def _family(name: str) -> str:
    return Path(name).stem.split("_")[0]


def summary(values: list[float]) -> str:
    v = np.asarray(values)
    p = np.percentile(v, [1, 50, 99])
    return f"n {len(v):4d}  min {v.min():6.3f}  p1 {p[0]:6.3f}  median {p[1]:6.3f}  p99 {p[2]:6.3f}  max {v.max():6.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=300, help="coloured drawings to pair (of the 897)")
    parser.add_argument("--pages", type=int, default=60, help="manga-like pages to pair")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    root = data.sample_root()
    with open(root / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    colour = [r for r in rows if r["split"] != "bw"]
    real_bw = [root / r["file"] for r in rows if r["split"] == "bw"]
    rng = np.random.default_rng(args.seed)
    blank = 0
    with tempfile.TemporaryDirectory() as tmp:
        s = Scorer(Path(tmp))
        text = s.write(text_page())
        for i in rng.choice(len(colour), min(args.drawings, len(colour)), replace=False):
            row = colour[i]
            picture = Image.open(root / row["file"]).convert("RGB")
            path = root / row["file"]
            for kind, (image, suffix) in bw_versions(picture).items():
                if kind.startswith(("lineart", "ink")) and (np.asarray(image) < 128).mean() < simulation.MIN_INK:
                    blank += 1
                    continue
                s.add("drawings", "genuine", kind, path, s.write(image, suffix))
            while True:
                other = colour[int(rng.integers(len(colour)))]
                if other["sha256"] != row["sha256"] and _family(other["file"]) != _family(row["file"]):
                    break
            versions = bw_versions(Image.open(root / other["file"]).convert("RGB"))
            for kind in MISMATCH_KINDS:
                s.add("drawings", "mismatched", kind, path, s.write(*versions[kind]))
            s.add("drawings", "mismatched", "real_bw", path, real_bw[int(rng.integers(len(real_bw)))])
            s.add("drawings", "mismatched", "text_page", path, text)
        pictures = [Image.open(root / r["file"]).convert("RGB") for r in colour[::3]]
        for k in range(args.pages):
            layout = LAYOUTS[k % len(LAYOUTS)]
            page, other = (
                manga_page([pictures[j] for j in rng.choice(len(pictures), 4, replace=False)], layout) for _ in range(2)
            )
            path = s.write(page)
            for kind, (image, suffix) in bw_versions(page).items():
                s.add("pages", "genuine", kind, path, s.write(image, suffix))
            versions = bw_versions(other)
            for kind in MISMATCH_KINDS:
                s.add("pages", "mismatched", kind, path, s.write(*versions[kind]))
            s.add("pages", "mismatched", "text_page", path, text)
    print(f"data.content_match at {pairing.MATCH_SIZE} x {pairing.MATCH_SIZE}; {blank} near-blank line art left out")
    for where in ("drawings", "pages"):
        for truth in ("genuine", "mismatched"):
            print(f"\n{where}, {truth}")
            for (w, t, kind), values in s.scores.items():
                if (w, t) == (where, truth):
                    print(f"  {kind:14s} {summary(values)}")
    genuine = np.concatenate([v for (_, t, _), v in s.scores.items() if t == "genuine"])
    mismatched = np.concatenate([v for (_, t, _), v in s.scores.items() if t == "mismatched"])
    print(f"\nall genuine     {summary(genuine)}")
    print(f"all mismatched  {summary(mismatched)}")
    t = pairing.MATCH_THRESHOLD
    print(
        f"MATCH_THRESHOLD {t}: {(genuine < t).sum()} of {len(genuine)} genuine set aside, "
        f"{(mismatched >= t).sum()} of {len(mismatched)} mismatched paired"
    )
    for (where, truth, kind), values in s.scores.items():
        wrong = [v for v in values if (v < t) == (truth == "genuine")]
        if wrong:
            print(f"  {truth} {where} {kind}: {', '.join(f'{v:.3f}' for v in sorted(wrong))}")


if __name__ == "__main__":
    main()
