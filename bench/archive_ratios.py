"""How many times a page deflates in a .cbz, by image format: what ArchiveLimits.ratio must admit.

Each page is encoded as a reader would find it in a chapter and deflated as a
.zip member (zlib level 6, zipfile's default); the ratio is uncompressed /
compressed size. The bundled B&W drawings (at 512 px and upscaled to a 2000 px
page) and coloured drawings, then a blank page and bytes of zeros for comparison:

    python bench/archive_ratios.py [--coloured 20]
"""

from __future__ import annotations

import argparse
import io
import zlib

from PIL import Image

from mangacolor import data

FORMATS = {"PNG": {}, "JPEG": {"quality": 95}, "WEBP": {"quality": 95}, "BMP": {}, "TIFF": {}}  # TIFF: uncompressed


def ratio(content: bytes) -> float:
    return len(content) / len(zlib.compress(content, 6))


def encoded(im: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **FORMATS[fmt])
    return buffer.getvalue()


def row(label: str, images: list[Image.Image]) -> str:
    cells = []
    for fmt in FORMATS:
        ratios = [ratio(encoded(im, fmt)) for im in images]
        cells.append(f"{min(ratios):.1f}-{max(ratios):.1f}" if len(ratios) > 1 else f"{ratios[0]:.0f}")
    return f"| {label} | {len(images)} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coloured", type=int, default=20, help="coloured drawings to measure")
    args = parser.parse_args()
    bw = [Image.open(p.color).convert("RGB") for p in data.sample_pairs(kind="bw")]
    pages = [im.resize((im.width * 2000 // im.height, 2000), Image.Resampling.LANCZOS) for im in bw]
    coloured = [Image.open(p.color).convert("RGB") for p in data.sample_pairs("test")[: args.coloured]]
    print("| pages | n | " + " | ".join(FORMATS) + " |")
    print("|---|---|" + "---|" * len(FORMATS))
    print(row("bundled B&W drawings, 512 px", bw))
    print(row("the same upscaled to 2000 px pages", pages))
    print(row("bundled coloured drawings, 256 px", coloured))
    print(row("a blank white page, 1400 x 2000", [Image.new("RGB", (1400, 2000), "white")]))
    print(f"\n100 MiB of zeros: {ratio(bytes(100 * 2**20)):.0f} times")


if __name__ == "__main__":
    main()
