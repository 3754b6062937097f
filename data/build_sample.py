#!/usr/bin/env python3
"""Rebuild the bundled sample set in ``data/sample/`` from ``openclipart-png``.

Reads ``data/selection.txt`` (lines ``<kind> <path>``, kind ``color`` or
``bw`` or ``train``, path relative to the package's image root), composites
every chosen image on white, resizes it with Lanczos so that its long side is
256 px (coloured) or 512 px (black-and-white), writes it as an optimised 8-bit RGB
PNG (atomically) and writes ``data/manifest.csv``.  The output is
deterministic: running the script twice gives byte-identical files.

Only python3 and pillow are needed (numpy is not used here).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

PACKAGE = "openclipart-png"
DEFAULT_ROOT = Path("/usr/share/openclipart/png")
COPYRIGHT = Path("/usr/share/doc/openclipart-png/copyright")
#: The licence as named in the package's copyright file.
LICENCE = "creative commons Public Domain Dedication"
#: Where each kind of selection entry goes. ``train`` entries are coloured drawings
#: added for training only: they always go to the train split, so that adding them
#: leaves validation and test alone.
FOLDER = {"color": "color", "bw": "bw", "train": "color"}
LONG_SIDE = {"color": 256, "bw": 512}  # per folder
DATA_DIR = Path(__file__).resolve().parent
FIELDS = (
    "file",
    "source",
    "package",
    "package_version",
    "licence",
    "split",
    "sha256",
    "width",
    "height",
)


@dataclass(frozen=True)
class Item:
    """One selected source image and where its output goes."""

    kind: str  # "color", "train" or "bw"
    source: str  # path relative to the package image root
    name: str  # output file stem


def read_selection(path: Path) -> list[tuple[str, str]]:
    """Parse ``selection.txt`` into sorted, unique ``(kind, source)`` pairs."""
    pairs: set[tuple[str, str]] = set()
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or parts[0] not in FOLDER:
            raise SystemExit(f"{path}:{lineno}: expected '<color|train|bw> <path>'")
        pairs.add((parts[0], parts[1]))
    return sorted(pairs)


def base_name(source: str) -> str:
    """Short lowercase ascii name derived from a source file name."""
    stem = Path(source).stem.lower()
    stem = re.sub(r"[^a-z0-9]+", "_", stem).strip("_")
    stem = re.sub(r"_0?1$", "", stem)  # most names end in a redundant _01
    return stem[:40].rstrip("_") or "image"


def assign_names(pairs: list[tuple[str, str]]) -> list[Item]:
    """Give every selected image a unique name (suffix _2, _3... on clashes)."""
    used: set[str] = set()
    items = []
    for kind, source in pairs:
        name, n = base_name(source), 1
        while name in used:
            n += 1
            name = f"{base_name(source)}_{n}"
        used.add(name)
        items.append(Item(kind, source, name))
    return items


def split_of(source: str) -> str:
    """Fixed train/val/test split (80/10/10) from a hash of the source path."""
    bucket = int(hashlib.sha256(source.encode()).hexdigest()[:8], 16) % 100
    return "train" if bucket < 80 else "val" if bucket < 90 else "test"


def render(path: Path, long_side: int) -> Image.Image:
    """Load an image, composite it on white and resize its long side."""
    Image.MAX_IMAGE_PIXELS = None  # the selected sources are all moderate
    with Image.open(path) as im:
        rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(white, rgba).convert("RGB")
    w, h = rgb.size
    if max(w, h) <= long_side:  # never upscale
        if max(w, h) < long_side:
            print(f"warning: {path} is smaller than {long_side} px; kept as is", file=sys.stderr)
        return rgb
    scale = long_side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return rgb.resize(size, Image.Resampling.LANCZOS)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def package_version() -> str:
    """Installed version of the package, as reported by dpkg-query."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", PACKAGE],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit(f"{PACKAGE} is not installed: run `apt-get install {PACKAGE}`") from None
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    """Build every selected image and the manifest."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="where openclipart-png installed its PNGs")
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=DATA_DIR,
        help="the data/ directory (selection.txt, output)",
    )
    args = ap.parse_args(argv)

    if not args.root.is_dir():
        print(f"{args.root} not found: run `apt-get install {PACKAGE}`", file=sys.stderr)
        return 1
    version = package_version()
    if COPYRIGHT.exists() and LICENCE not in COPYRIGHT.read_text():
        print(f"warning: '{LICENCE}' no longer in {COPYRIGHT}", file=sys.stderr)

    items = assign_names(read_selection(args.data_dir / "selection.txt"))
    rows = []
    written: set[Path] = set()
    for item in items:
        src = args.root / item.source
        if not src.is_file():
            raise SystemExit(f"missing {src}: is {PACKAGE} {version} the version the selection was made from?")
        im = render(src, LONG_SIDE[FOLDER[item.kind]])
        buf = io.BytesIO()
        im.save(buf, format="PNG", optimize=True)
        data = buf.getvalue()
        out = args.data_dir / "sample" / FOLDER[item.kind] / f"{item.name}.png"
        if not (out.is_file() and out.read_bytes() == data):
            write_atomic(out, data)
        written.add(out)
        rows.append(
            {
                "file": out.relative_to(args.data_dir).as_posix(),
                "source": (DEFAULT_ROOT / item.source).as_posix(),
                "package": PACKAGE,
                "package_version": version,
                "licence": LICENCE,
                "split": split_of(item.source) if item.kind == "color" else item.kind,
                "sha256": hashlib.sha256(data).hexdigest(),
                "width": im.width,
                "height": im.height,
            }
        )

    for folder in LONG_SIDE:  # remove images no longer selected
        for stale in (args.data_dir / "sample" / folder).glob("*.png"):
            if stale not in written:
                stale.unlink()

    rows.sort(key=lambda r: r["file"])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(args.data_dir / "manifest.csv", buf.getvalue().encode())

    counts: dict[str, int] = {}
    for r in rows:
        counts[r["split"]] = counts.get(r["split"], 0) + 1
    print(f"{len(rows)} images written: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
