#!/usr/bin/env python3
"""Rank openclipart-png images as candidates for the bundled sample set.

This is the *automatic* half of the selection behind ``data/selection.txt``.
It scans the images installed by Debian's ``openclipart-png`` package, drops
whole categories and file names that are not drawings with real content
(flags, icons, logos, signs, maps, arrows, patterns, ...), measures a few
simple statistics on every remaining image (composited on white and shrunk
so that its long side is 256 px) and writes two ranked candidate lists:

* ``candidates_color.tsv``: colourful drawings with dark outlines and flat
  fills (what coloured comic art looks like);
* ``candidates_bw.tsv``: genuinely black-and-white line drawings.

The final ``selection.txt`` was made from these lists plus a manual review of
contact sheets (``--sheets`` writes them).  Only python3, pillow and numpy are
needed.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass, fields
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

PACKAGE = "openclipart-png"
DEFAULT_ROOT = Path("/usr/share/openclipart/png")

#: Top-level or nested folders that hold no content drawings at all.
EXCLUDED_DIRS = (
    "buttons",
    "computer",
    "logos",
    "shapes",
    "signs_and_symbols",
    "special",
    "geography",
    "unsorted/duplicates",
    "transportation/aiga-symbols",
    "transportation/roadsigns",
    "people/smilies",
    "people/stickmen",
    "recreation/games/cards",
    "recreation/games/chess",
    "electronics/battery",
    "office/telephone",
)

#: File-path words that mark icons, symbols, decorations and text.
EXCLUDED_WORDS = (
    "flag",
    "icon",
    "button",
    "sign",
    "logo",
    "map",
    "arrow",
    "pattern",
    "text",
    "clock",
    "symbol",
    "shape",
    "frame",
    "border",
    "banner",
    "badge",
    "label",
    "background",
    "tile",
    "texture",
    "gradient",
    "font",
    "letter",
    "alphabet",
    "number",
    "calendar",
    "chart",
    "diagram",
    "emblem",
    "coat",
    "stamp",
    "sticker",
    "card",
    "ornament",
    "divider",
    "corner",
    "bullet",
    "cursor",
    "pointer",
    "keyboard",
    "screen",
    "monitor",
    "silhouette",
    "shadow",
    "pictogram",
    "scheme",
    "circuit",
    "graph",
    "title",
    "header",
    "footer",
    "word",
    "tag",
    "award",
    "medal",
    "ribbon",
    "certificate",
    "barcode",
    "compass",
    "globe",
    "puzzle",
    "jigsaw",
    "dice",
    "domino",
    "chess",
    "wallpaper",
    "swirl",
    "spiral",
    "star",
    "heart",
    "snowflake",
    "emoticon",
    "smiley",
    "stickman",
    "cartography",
    "world",
    "europe",
)

LONG_SIDE = 256
MAX_PIXELS = 20_000_000  # larger sources (a handful of posters) are skipped


@dataclass
class Stats:
    """Statistics of one image, measured on the composited 256 px version."""

    path: str
    width: int
    height: int
    aspect: float
    coverage: float  # fraction of non-white pixels
    dark: float  # fraction of content pixels with luma < 70 (outlines)
    saturated: float  # fraction of content pixels with saturation > 0.25
    colourful: float  # Hasler-Suesstrunk colourfulness of content pixels
    hues: int  # number of 30-degree hue bins holding >= 2% of colour
    flat: float  # fraction of content pixels in the 24 commonest colours
    twotone: float  # fraction of all pixels that are near-black/near-white
    grey: float  # max |channel difference| 99th percentile (0 = greyscale)


def is_excluded(rel: str) -> bool:
    """True when a path is in an excluded folder or has an excluded word.

    Words are matched against whole tokens of the path (split on anything
    but letters), singular or plural, so ``starfish`` or ``design`` survive.
    """
    low = rel.lower()
    if any(low == d or low.startswith(d + "/") for d in EXCLUDED_DIRS):
        return True
    tokens = set(re.split(r"[^a-z]+", low))
    return any(w in tokens or w + "s" in tokens for w in EXCLUDED_WORDS)


def composite_on_white(im: Image.Image) -> Image.Image:
    """Return an 8-bit RGB image with any transparency composited on white."""
    if im.mode in ("I", "I;16", "I;16B", "F"):
        im = im.point(lambda v: v / 256).convert("L")
    rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def resize_long_side(im: Image.Image, long_side: int) -> Image.Image:
    """Resize (Lanczos) so that the longer side equals ``long_side``."""
    w, h = im.size
    scale = long_side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return im.resize(size, Image.Resampling.LANCZOS)


def measure(args: tuple[Path, str]) -> Stats | None:
    """Compute :class:`Stats` for one package-relative path (None if unusable)."""
    root, rel = args
    try:
        with Image.open(root / rel) as im:
            w, h = im.size
            if w * h > MAX_PIXELS or max(w, h) < LONG_SIDE:
                return None
            small = resize_long_side(composite_on_white(im), LONG_SIDE)
    except (OSError, ValueError):
        return None
    a = np.asarray(small, dtype=np.float64) / 255.0
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    mx, mn = a.max(axis=2), a.min(axis=2)
    content = mn < 0.94
    n = int(content.sum())
    if n < 50:
        return None
    sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0.0)
    rg, yb = (r - g)[content], (0.5 * (r + g) - b)[content]
    colourful = math.hypot(rg.std(), yb.std()) + 0.3 * math.hypot(rg.mean(), yb.mean())
    # hue histogram of clearly coloured pixels
    coloured = content & (sat > 0.25) & (mx > 0.15)
    hues = 0
    if coloured.sum() > 0:
        hsv = np.asarray(small.convert("HSV"))[..., 0][coloured].astype(int)
        hist = np.bincount(hsv * 12 // 256, minlength=12)
        hues = int((hist >= 0.02 * n).sum())
    q = (np.asarray(small)[content] // 16).astype(np.int32)
    keys = q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2]
    counts = np.sort(np.bincount(keys))[::-1]
    return Stats(
        path=rel,
        width=w,
        height=h,
        aspect=max(w, h) / min(w, h),
        coverage=n / content.size,
        dark=float((luma[content] < 70 / 255).mean()),
        saturated=float((sat[content] > 0.25).mean()),
        colourful=float(colourful),
        hues=hues,
        flat=float(counts[:24].sum() / n),
        twotone=float(((luma < 0.25) | (luma > 0.9)).mean()),
        grey=float(np.percentile(mx - mn, 99)),
    )


def colour_score(s: Stats) -> float | None:
    """Score for 'coloured comic art'; None when a hard filter fails."""
    if not (s.aspect <= 2.2 and 0.10 <= s.coverage <= 0.92):
        return None
    if not (0.02 <= s.dark <= 0.55):  # needs outlines, not a dark blob
        return None
    if s.saturated < 0.15 or s.colourful < 0.10 or s.hues < 2:
        return None  # near-monochrome
    if s.flat < 0.38:  # gradients / photo-like shading
        return None
    return s.colourful + 0.5 * s.saturated + 0.05 * min(s.hues, 6) + 0.5 * s.flat + 0.5 * min(s.dark, 0.25)


def bw_score(s: Stats) -> float | None:
    """Score for 'genuine black-and-white line drawing'; None if it fails."""
    if max(s.width, s.height) < 512 or s.aspect > 2.0:
        return None
    if s.grey > 0.08 or s.twotone < 0.85:  # any colour or grey shading
        return None
    if not (0.04 <= s.dark <= 0.6 and 0.03 <= s.coverage <= 0.8):
        return None
    return s.coverage + 0.5 * s.dark


def signature(root: Path, rel: str) -> np.ndarray:
    """A 16x16 RGB thumbnail (on a square white canvas) for duplicate search."""
    with Image.open(root / rel) as im:
        small = resize_long_side(composite_on_white(im), 16)
    canvas = Image.new("RGB", (16, 16), "white")
    canvas.paste(small, ((16 - small.width) // 2, (16 - small.height) // 2))
    return np.asarray(canvas, dtype=np.float64).ravel()


#: Mean absolute difference of two `signature`s below which two images count as duplicates.
DUPLICATE_TOL = 6.0


def drop_duplicates(root: Path, paths: list[str], tol: float = DUPLICATE_TOL) -> list[str]:
    """Keep the first of any group of near-identical images (mean |diff| < tol)."""
    kept: list[str] = []
    sigs: list[np.ndarray] = []
    for rel in paths:
        sig = signature(root, rel)
        if all(np.abs(sig - other).mean() >= tol for other in sigs):
            kept.append(rel)
            sigs.append(sig)
    return kept


def contact_sheet(root: Path, paths: list[str], out: Path, cols: int = 8, cell: int = 160) -> None:
    """Write a labelled grid of thumbnails of ``paths`` to ``out``."""
    rows = math.ceil(len(paths) / cols)
    sheet = Image.new("RGB", (cols * cell, rows * (cell + 14)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, rel in enumerate(paths):
        with Image.open(root / rel) as im:
            thumb = resize_long_side(composite_on_white(im), cell - 8)
        x, y = (i % cols) * cell, (i // cols) * (cell + 14)
        sheet.paste(thumb, (x + (cell - thumb.width) // 2, y + 2))
        draw.text((x + 2, y + cell), f"{i} {Path(rel).stem[:22]}", fill="red")
    sheet.save(out)


def main(argv: list[str] | None = None) -> int:
    """Scan the package, write ranked candidate lists (and contact sheets)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="where openclipart-png installed its PNGs")
    ap.add_argument(
        "--out-dir",
        type=Path,
        default=Path("/tmp/mangacolor_candidates"),
        help="where to write candidates_*.tsv and sheets",
    )
    ap.add_argument("--sheets", action="store_true", help="also write contact sheets of 48 candidates each")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        print(f"{args.root} not found: run `apt-get install {PACKAGE}`", file=sys.stderr)
        return 1
    Image.MAX_IMAGE_PIXELS = None  # sizes are checked in measure()
    rels = sorted(p.relative_to(args.root).as_posix() for p in args.root.rglob("*.png"))
    kept = [r for r in rels if not is_excluded(r)]
    print(f"{len(rels)} images, {len(kept)} after folder/word exclusions")
    with Pool(args.jobs) as pool:
        stats = [s for s in pool.map(measure, [(args.root, r) for r in kept], chunksize=16) if s is not None]
    print(f"{len(stats)} measurable with long side >= {LONG_SIDE}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    names = [f.name for f in fields(Stats)]
    for kind, scorer in (("color", colour_score), ("bw", bw_score)):
        ranked = sorted(
            ((sc, s) for s in stats if (sc := scorer(s)) is not None),
            key=lambda t: (-t[0], t[1].path),
        )
        unique = set(drop_duplicates(args.root, [s.path for _, s in ranked]))
        print(f"{kind}: dropped {len(ranked) - len(unique)} near-duplicates")
        ranked = [(sc, s) for sc, s in ranked if s.path in unique]
        out = args.out_dir / f"candidates_{kind}.tsv"
        with out.open("w") as fh:
            fh.write("score\t" + "\t".join(names) + "\n")
            for sc, s in ranked:
                vals = [getattr(s, k) for k in names]
                fh.write(f"{sc:.4f}\t" + "\t".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in vals) + "\n")
        print(f"{kind}: {len(ranked)} candidates -> {out}")
        if args.sheets:
            paths = [s.path for _, s in ranked]
            for k in range(0, len(paths), 48):
                contact_sheet(args.root, paths[k : k + 48], args.out_dir / f"sheet_{kind}_{k // 48:03d}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
