"""Inference speed and memory: whole pages (one pass and --tile) and a folder of panels.

    python bench/inference.py [--model RUN_OR_KERAS] [--sizes 1654x2339,4000x6000] [--panels 64] [--repeat 3]

Pages are synthetic: the bundled B&W drawings laid out on white paper (1654 x 2339
is A4 at 200 dpi), so they are B&W drawings and flattened by region (paint/flatten.py);
each page is also timed without flattening, to show what flattening costs. Each
case runs in a fresh subprocess, so its peak RSS (ru_maxrss) is its own; the
model is called once on a small page first, so the times leave out start-up and
tracing; each case runs --repeat times and the median is reported, beside the first
run (what a one-page command pays, compilations included). Without --model the
generator is the default architecture, untrained: speed does not depend on the weights.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

DEFAULT_SIZES = "1654x2339,4000x6000"


def _drawings() -> list[Image.Image]:
    from mangacolor import data

    return [Image.fromarray(data.load_image(p.color)) for p in data.sample_pairs(kind="bw")]


def synthetic_page(width: int, height: int, columns: int = 2, rows: int = 3) -> Image.Image:
    """A page of panels: the bundled drawings scaled into a grid on white paper."""
    page = Image.new("RGB", (width, height), "white")
    cell_w, cell_h = width // columns, height // rows
    drawings = _drawings()
    for i in range(columns * rows):
        drawing = drawings[i % len(drawings)].copy()
        drawing.thumbnail((cell_w - 20, cell_h - 20), Image.Resampling.LANCZOS)
        page.paste(drawing, ((i % columns) * cell_w + 10, (i // columns) * cell_h + 10))
    return page


def write_panels(folder: Path, n: int, size: int = 256) -> None:
    """`n` square B&W panels, the bundled drawings in turn."""
    folder.mkdir(parents=True, exist_ok=True)
    drawings = _drawings()
    for i in range(n):
        drawings[i % len(drawings)].resize((size, size)).save(folder / f"panel_{i:03d}.png")


# ---------------------------------------------------------------- one case, in a subprocess


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_case(args: argparse.Namespace) -> dict[str, float]:
    """Colorize one page or one folder; seconds and memory, measured after a warm-up."""
    from mangacolor import Config, nets
    from mangacolor.paint import Colorizer

    model = args.model or nets.build_generator(Config())
    colorizer = Colorizer(model, size=args.size, tile=args.tile, flatten=None if args.flatten else False)
    colorizer.colorize(np.full((1024, 768), 255, np.uint8))
    baseline = _peak_rss_mb()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        if args.case == "page":
            colorizer.colorize(args.input)
            images = 1
        else:
            with tempfile.TemporaryDirectory() as out:
                images = len(colorizer.colorize_folder(args.input, out, progress=False).written)
        times.append(time.perf_counter() - start)
    return {
        "seconds": float(np.median(times)),
        "first": times[0],
        "images": images,
        "baseline_mb": baseline,
        "peak_mb": _peak_rss_mb(),
    }


def _measure(case: str, path: Path, tile: bool, args: argparse.Namespace, flatten: bool = True) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--case",
        case,
        "--input",
        str(path),
        "--size",
        str(args.size),
        "--repeat",
        str(args.repeat),
    ]
    command += ["--tile"] * tile + ["--no-flatten"] * (not flatten) + (["--model", args.model] if args.model else [])
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- all cases


def _parse_sizes(text: str) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in item.lower().split("x")) for item in text.split(",")]


def run_all(args: argparse.Namespace) -> list[tuple[str, str, dict[str, float]]]:
    """(case, mode, measurements) for every page size, one pass and tiled, and the folder."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in _parse_sizes(args.sizes):
            path = Path(tmp) / f"page_{width}x{height}.png"
            synthetic_page(width, height).save(path)
            for tile, flatten in ((False, True), (False, False), (True, True)):
                mode = ("tile" if tile else "one pass") + ("" if flatten else ", no flattening")
                rows.append((f"page {width} x {height}", mode, _measure("page", path, tile, args, flatten)))
        write_panels(Path(tmp) / "panels", args.panels)
        folder = _measure("folder", Path(tmp) / "panels", False, args)
        rows.append((f"folder of {args.panels} 256-px panels", "one pass", folder))
    return rows


def report(rows: list[tuple[str, str, dict[str, float]]]) -> str:
    """A Markdown table and a one-line summary."""
    lines = [
        "| case | mode | seconds (median) | first run | images/s | peak RSS (MB) | over start (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for case, mode, r in rows:
        lines.append(
            f"| {case} | {mode} | {r['seconds']:.2f} | {r['first']:.2f} | {r['images'] / r['seconds']:.1f} "
            f"| {r['peak_mb']:.0f} | {r['peak_mb'] - r['baseline_mb']:.0f} |"
        )
    pages, folder = [r for _, _, r in rows[:-1]], rows[-1][2]
    lines.append(
        f"\nsummary: a page takes {min(r['seconds'] for r in pages):.1f}"
        f"-{max(r['seconds'] for r in pages):.1f} s with a peak RSS of at most "
        f"{max(r['peak_mb'] for r in pages) / 1024:.2f} GB; "
        f"panels run at {folder['images'] / folder['seconds']:.1f} images/s"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="run directory or .keras file")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="page sizes: WxH,WxH,...")
    parser.add_argument("--panels", type=int, default=64, help="256-px panels in the folder case")
    parser.add_argument("--size", type=int, default=256, help="the model's working size")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case: the median is reported")
    parser.add_argument("--case", choices=["page", "folder"], help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--tile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-flatten", dest="flatten", action="store_false", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args)))
        return
    rows = run_all(args)
    print(f"model: {args.model or 'default generator, untrained'}; working size {args.size}\n")
    print(report(rows))


if __name__ == "__main__":
    main()
