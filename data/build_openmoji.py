#!/usr/bin/env python3
"""python data/build_openmoji.py [--package openmoji-17.0.0.tgz]

Build ``data/openmoji/``: genuine line-art pairs from the OpenMoji emoji set.

The npm package ``openmoji`` 17.0.0 (CC BY-SA 4.0) ships every emoji drawn twice
by its artist, aligned: in colour (``color/svg/``) and as black line art
(``black/svg/``, the colour file's ``line`` layer alone). This script reads both
straight from the package tarball (``npm pack openmoji@17.0.0`` fetches it when
``--package`` is not given; its SHA-1 is checked), keeps one emoji per drawing,
drops signs, flags and glyphs and the drawings whose colour adds next to
nothing to their line art (MIN_COLOUR), rasterizes both
versions on white paper at SIZE x SIZE pixels with resvg (``resvg-py``), splits
by drawing (a fixed hash of the group name: 80% train, 10% val, 10% test) and
writes

- ``openmoji/{train,val,test}/color/<hexcode>.png`` (palette PNG, colour) and
  ``openmoji/{train,val,test}/bw/<hexcode>.png`` (8-bit grayscale, the line art),
  the paired layout that ``mangacolor.data.find_pairs`` reads;
- ``openmoji/manifest.csv`` (a row per file) and ``openmoji/LICENSE``.

What is one drawing: emoji that differ only in skin tone (``1F44B-1F3FB`` ...
``1F44B-1F3FF`` and ``1F44B``; also the mixed-tone couples, whose base emoji the
package's ``data/openmoji.json`` names in ``skintone_base_hexcode``) and emoji
whose line art renders to the same pixels (the red, orange, ... hearts) share
one line drawing, so they form one group. A group keeps one emoji: the same
input with several colour targets teaches only their mean, and a group in two
splits would put its test line art in training. Where a group has skin-tone
variants the kept one is a toned variant (chosen by hash, so the five tones
come up about equally often), not the yellow emoji default, which no manga
page has.

Deterministic: a second run writes byte-identical files (only changed files are
rewritten, through a temporary file and a rename; files no longer selected are
deleted). Needs pillow, numpy and resvg-py (``pip install resvg-py``), and npm
when ``--package`` is not given.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

VERSION = "17.0.0"
TARBALL = f"openmoji-{VERSION}.tgz"
TARBALL_URL = f"https://registry.npmjs.org/openmoji/-/{TARBALL}"
TARBALL_SHA1 = "ee8094c5c0de0d2126b77ceb074d62b6fe2071d0"  # npm's shasum of the tarball
LICENCE = "CC BY-SA 4.0"
ATTRIBUTION = "All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0"
SIZE = 256  # pixels, square: the GPU recipe's training size; the CPU recipe's 128 px is an exact halving
SKIN_TONES = frozenset({"1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"})
VARIATION_SELECTOR = "FE0F"
# Emoji groups and subgroups (data/openmoji.json) that are signs, flags or glyphs, not drawings to colour:
# flags (their colours are a convention, not the drawing's), the skin-tone swatches and hair components,
# every Unicode "symbols" subgroup (letters, keycaps, arrows, zodiac and religious signs, geometric shapes,
# warning and transport signs, AV buttons), OpenMoji's brand logos, UI icons, pride flags and symbol glyphs,
# and the extra Unicode glyphs (regional indicators, hexagons, ...).
EXCLUDED_GROUPS = frozenset({"flags", "component", "symbols"})
EXCLUDED_SUBGROUPS = frozenset(
    {
        ("extras-openmoji", "brand"),
        ("extras-openmoji", "flags"),
        ("extras-openmoji", "queer-symbols"),
        ("extras-openmoji", "symbol-other"),
        ("extras-openmoji", "symbols"),
        ("extras-openmoji", "ui-element"),
        ("extras-unicode", "regional-indicator"),
        ("extras-unicode", "subdivision-flag"),
        ("extras-unicode", "symbol-other"),
    }
)
# A kept drawing's colour version differs from its line art (by more than COLOUR_STEP of 255 in a channel) on
# at least MIN_COLOUR of its pixels: below that, colouring adds nothing (white clock faces, speech bubbles,
# paperclips, a barcode, a white swan: 46 drawings).
COLOUR_STEP = 48
MIN_COLOUR = 0.01
SPLIT_BOUNDS = (("train", 80), ("val", 90), ("test", 100))  # hash mod 100 below the bound
SPLITS = tuple(s for s, _ in SPLIT_BOUNDS)
DATA_DIR = Path(__file__).resolve().parent
OUT_DIR = DATA_DIR / "openmoji"
FIELDS = ("file", "split", "group", "hexcode", "annotation", "author", "source", "licence", "sha256")


@dataclass(frozen=True)
class Emoji:
    hexcode: str
    group: str  # the drawing it belongs to (see `drawings`)
    annotation: str
    author: str
    category: tuple[str, str]  # (group, subgroups) in openmoji.json


# --- the package ---------------------------------------------------------------------------------------


def fetch_tarball(folder: Path) -> Path:
    """``npm pack openmoji@VERSION`` into `folder`; the tarball's path."""
    try:
        command = ["npm", "pack", f"openmoji@{VERSION}", "--silent"]
        subprocess.run(command, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(f"npm pack openmoji@{VERSION} failed ({e}): download {TARBALL_URL} and pass --package") from e
    return folder / TARBALL


def read_package(tarball: Path) -> dict[str, bytes]:
    """The files this build reads (package.json, data/openmoji.json, color/svg/*, black/svg/*), by
    path inside the package, read from the tarball without extracting it."""
    digest = hashlib.sha1(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA1:
        raise SystemExit(f"{tarball}: SHA-1 {digest}, not {TARBALL_SHA1} (openmoji {VERSION} from npm)")
    files = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            name = member.name.removeprefix("package/")
            wanted = name in ("package.json", "data/openmoji.json") or (
                name.startswith(("color/svg/", "black/svg/")) and name.endswith(".svg")
            )
            if member.isfile() and wanted:
                files[name] = tar.extractfile(member).read()
    version = json.loads(files["package.json"])["version"]
    if version != VERSION:
        raise SystemExit(f"{tarball}: openmoji {version}, not {VERSION}")
    return files


# --- drawings ------------------------------------------------------------------------------------------


def base_name(hexcode: str) -> str:
    """The hexcode without skin-tone modifiers and variation selectors: ``1F44B-1F3FB`` -> ``1F44B``."""
    return "-".join(p for p in hexcode.split("-") if p not in SKIN_TONES and p != VARIATION_SELECTOR)


def has_skin_tone(hexcode: str) -> bool:
    return bool(SKIN_TONES & set(hexcode.split("-")))


def _find(parent: dict[str, str], x: str) -> str:
    while parent.setdefault(x, x) != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def drawings(entries: list[dict], line_art_keys: dict[str, str]) -> dict[str, list[str]]:
    """Hexcodes grouped by drawing, keyed by the group's name (its shortest base name).

    Two emoji are one drawing when their base names agree, when one is the other's
    ``skintone_base_hexcode``, or when their line art renders to the same pixels
    (`line_art_keys`: hexcode -> hash of the rendered line art)."""
    parent: dict[str, str] = {}
    for e in entries:
        code = e["hexcode"]
        links = ["name:" + base_name(code), "line:" + line_art_keys[code]]
        if e.get("skintone_base_hexcode"):
            links.append("name:" + base_name(e["skintone_base_hexcode"]))
        for link in links:
            parent[_find(parent, "code:" + code)] = _find(parent, link)
    members: dict[str, list[str]] = {}
    for e in entries:
        members.setdefault(_find(parent, "code:" + e["hexcode"]), []).append(e["hexcode"])
    return {min((base_name(c) for c in codes), key=lambda n: (len(n), n)): sorted(codes) for codes in members.values()}


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def representative(group: str, codes: list[str]) -> str:
    """The one emoji a group keeps: a skin-toned variant where there are any (by hash), else by hash."""
    toned = [c for c in codes if has_skin_tone(c)]
    return min(toned or codes, key=lambda c: (_hash(f"{group}/{c}"), c))


def split_of(group: str) -> str:
    """train, val or test from the first 8 hex digits of the group name's SHA-256, modulo 100."""
    bucket = _hash(group) % 100
    return next(split for split, bound in SPLIT_BOUNDS if bucket < bound)


def excluded(category: tuple[str, str]) -> bool:
    return category[0] in EXCLUDED_GROUPS or category in EXCLUDED_SUBGROUPS


# --- rasterizing ---------------------------------------------------------------------------------------


def rasterize(svg: bytes, mode: str, size: int = SIZE) -> Image.Image:
    """An SVG drawn on white paper at size x size pixels (its 72 x 72 viewBox scaled), as RGB or L."""
    import resvg_py  # only the build needs it

    png = resvg_py.svg_to_bytes(
        svg_string=svg.decode("utf-8"), width=size, height=size, background="#ffffff", skip_system_fonts=True
    )
    with Image.open(io.BytesIO(bytes(png))) as im:
        return im.convert("RGB").convert(mode) if mode == "L" else im.convert(mode)


def colour_added(color: Image.Image, line_art: Image.Image) -> float:
    """What colouring adds to the line art: the fraction of pixels where the colour version differs
    from the line art by more than COLOUR_STEP in some channel (0 for a drawing filled with white)."""
    difference = np.abs(np.asarray(color, np.int16) - np.asarray(line_art, np.int16)[..., None]).max(axis=-1)
    return float((difference > COLOUR_STEP).mean())


def png_bytes(image: Image.Image) -> bytes:
    """An optimised PNG: a 256-colour palette for colour (the drawings have few colours: near-lossless),
    8-bit grayscale for line art."""
    if image.mode == "RGB":
        image = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


# --- writing -------------------------------------------------------------------------------------------


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically (temporary file and rename) unless the file already holds `data`."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return True


def licence_text(count: int) -> str:
    return f"""The images in this folder (data/openmoji/) are licensed under the Creative Commons
Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0):
https://creativecommons.org/licenses/by-sa/4.0/ (legal code:
https://creativecommons.org/licenses/by-sa/4.0/legalcode). The rest of data/ is in
the public domain (see data/README.md); the rest of the repository is MIT.

Attribution:
{ATTRIBUTION}
https://openmoji.org/

Source: the npm package openmoji {VERSION}
({TARBALL_URL}, SHA-1 {TARBALL_SHA1}),
its files color/svg/<hexcode>.svg and black/svg/<hexcode>.svg; manifest.csv names the
source file, the emoji's annotation and its author(s) for each of the {count} images.

Changes: a selection of the emoji (one per drawing; no flags, signs or glyphs), each
version rasterized with resvg on white paper at {SIZE} x {SIZE} pixels and stored as PNG
(colour as a 256-colour palette). Built by data/build_openmoji.py.

These images may be shared and adapted under the same licence, with this attribution
and an indication of changes. No warranties are given.
"""


def build(files: dict[str, bytes], out: Path = OUT_DIR, log=print) -> list[dict]:
    """Select, rasterize and write everything; the manifest rows."""
    entries = json.loads(files["data/openmoji.json"])
    entries = [e for e in entries if f"color/svg/{e['hexcode']}.svg" in files]
    line_art = {e["hexcode"]: rasterize(files[f"black/svg/{e['hexcode']}.svg"], "L") for e in entries}
    keys = {code: hashlib.sha256(im.tobytes()).hexdigest() for code, im in line_art.items()}
    by_code = {e["hexcode"]: e for e in entries}
    groups = drawings(entries, keys)
    log(f"{len(entries)} emoji, {len(groups)} drawings")
    rows, dropped = [], {"excluded category": 0, f"colour on under {MIN_COLOUR:.0%} of pixels": 0}
    for group in sorted(groups):
        code = representative(group, groups[group])
        entry = by_code[code]
        if excluded((entry["group"], entry["subgroups"])):
            dropped["excluded category"] += 1
            continue
        color = rasterize(files[f"color/svg/{code}.svg"], "RGB")
        if colour_added(color, line_art[code]) < MIN_COLOUR:
            dropped[f"colour on under {MIN_COLOUR:.0%} of pixels"] += 1
            continue
        rows += _write_pair(out, group, entry, color, line_art[code])
    log(f"dropped drawings: {dropped}")
    _remove_stale(out, {r["file"] for r in rows})
    rows.sort(key=lambda r: r["file"])
    _write_manifest(out, rows)
    write_if_changed(out / "LICENSE", licence_text(len(rows)).encode())
    return rows


def _write_pair(out: Path, group: str, entry: dict, color: Image.Image, line_art: Image.Image) -> list[dict]:
    split, code = split_of(group), entry["hexcode"]
    rows = []
    for kind, image, source in (("color", color, "color"), ("bw", line_art, "black")):
        data = png_bytes(image)
        file = f"{split}/{kind}/{code}.png"
        write_if_changed(out / file, data)
        rows.append(
            {
                "file": file,
                "split": split,
                "group": group,
                "hexcode": code,
                "annotation": entry["annotation"],
                "author": entry.get("openmoji_author", ""),
                "source": f"{source}/svg/{code}.svg",
                "licence": LICENCE,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    return rows


def _remove_stale(out: Path, keep: Iterable[str]) -> None:
    keep = set(keep)
    for path in sorted(out.glob("*/*/*.png")):
        if path.relative_to(out).as_posix() not in keep:
            path.unlink()


def _write_manifest(out: Path, rows: list[dict]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_if_changed(out / "manifest.csv", text.getvalue().encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[2])
    parser.add_argument("--package", type=Path, help=f"the {TARBALL} tarball (default: fetch it with npm pack)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: data/openmoji)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.package or fetch_tarball(Path(tmp))
        files = read_package(tarball)
    rows = build(files, args.out)
    counts = {s: sum(1 for r in rows if r["split"] == s) // 2 for s in SPLITS}
    size = sum((args.out / r["file"]).stat().st_size for r in rows)
    print(f"{len(rows) // 2} pairs ({counts}), {size / 1e6:.1f} MB of PNG in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
