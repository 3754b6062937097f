"""Whole manga pages: the shipped model on A4 pages of framed panels, with and without the page analysis.

    python bench/pages.py [--pages 3] [--repeat 5] [--figure bench/figures/page_analysis.png] [--drawings] [--model RUN]

Pages are built by mangacolor/data/synthetic_pages.py from the bundled test split's coloured drawings
(never trained on): an A4 sheet at 150 dpi (1240 x 1754 px), six framed panels with white
gutters, each holding one drawing as B&W line art (`data.simulation.lineart_of`, so the
coloured drawing is the truth), three speech bubbles with lettering and a line of
narration. Each page is coloured by `Colorizer()` with the default settings ("analysis":
panels one by one, bubbles, lettering and gutters kept) and with
`PaintSettings(panels=False, protect_bubbles=False, protect_text=False)` (the page in one
pass, as before). Reported, over all pages:

* white kept (%): bubble paper, gutters (outside every frame) and the paper inside panels
  that is white in the truth, where the B&W page is paper: the share that comes back white
  (L* >= 95 and C*ab <= 3, no visible tint);
* ink kept (%): pixels of the B&W page darker than L* 30 that stay within 5 L* of it with
  C*ab <= 10;
* the drawings' CIEDE2000 over clearly coloured pixels of the truth (metrics.delta_e2000),
  beside the same drawings coloured one by one (each line art alone) and returned unchanged,
  and their colourfulness as a ratio to the truth's;
* seconds per page (analysis and colouring, median of --repeat after a warm-up) and the
  peak RSS, each setting in a fresh subprocess.

`--drawings` also runs the analysis on every bundled drawing as a single image (the 10 B&W
drawings, and the 897 coloured ones in colour, in grayscale and as line art) and lists those
where it finds anything: on a single drawing it should find no panel, bubble or lettering.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import color as skcolor

from mangacolor.data.synthetic_pages import SyntheticPage, line_art, make_page, sample_drawings

COMMAND = "python bench/pages.py"
FIGURE = Path(__file__).resolve().parent / "figures" / "page_analysis.png"
MODES = {"analysis": {}, "one pass": {"panels": False, "protect_bubbles": False, "protect_text": False}}


def pages(count: int) -> list[SyntheticPage]:
    return [make_page(sample_drawings(6, seed), seed=seed) for seed in range(count)]


def _lab(rgb: np.ndarray) -> np.ndarray:
    return skcolor.rgb2lab(rgb)


def _white(lab: np.ndarray) -> np.ndarray:
    return (lab[..., 0] >= 95) & (np.hypot(lab[..., 1], lab[..., 2]) <= 3)


def areas(page: SyntheticPage) -> dict[str, np.ndarray]:
    """Masks of the page's paper by kind (where the B&W page is paper) and of its ink."""
    bw = _lab(page.bw)
    paper, ink = bw[..., 0] >= 90, bw[..., 0] < 30
    bubbles = np.any(page.bubbles, axis=0) if page.bubbles else np.zeros(paper.shape, bool)
    inside = np.zeros(paper.shape, bool)
    for x, y, w, h in page.panels:
        inside[max(0, y - 8) : y + h + 8, max(0, x - 8) : x + w + 8] = True  # the frames too
    text = np.zeros(paper.shape, bool)
    for x, y, w, h in page.text:
        text[y : y + h, x : x + w] = True
    panel_paper = inside & ~bubbles & ~text & _white(_lab(page.truth))
    for x, y, w, h in page.panels:  # not the frame's own edge
        panel_paper[y : y + 2, :] = panel_paper[y + h - 2 : y + h, :] = False
        panel_paper[:, x : x + 2] = panel_paper[:, x + w - 2 : x + w] = False
    return {"bubbles": paper & bubbles, "gutters": paper & ~inside, "panel paper": paper & panel_paper, "ink": ink}


def scores(page: SyntheticPage, coloured: np.ndarray, one_by_one: list[np.ndarray]) -> dict[str, list[float]]:
    """Per page: the shares kept white and the ink kept (counts), and per drawing its errors."""
    from mangacolor import metrics

    lab, bw = _lab(coloured), _lab(page.bw)
    found = {}
    for name, mask in areas(page).items():
        if name == "ink":
            ok = (np.abs(lab[..., 0] - bw[..., 0]) <= 5) & (np.hypot(lab[..., 1], lab[..., 2]) <= 10)
        else:
            ok = _white(lab)
        found[name] = [float(np.count_nonzero(ok & mask)), float(np.count_nonzero(mask))]
    for key in DRAWING_KEYS:
        found[key] = []
    for (x, y, w, h), alone in zip(page.drawings, one_by_one, strict=True):
        truth, box = page.truth[y : y + h, x : x + w], (slice(y, y + h), slice(x, x + w))
        found["page"].append(metrics.delta_e2000(coloured[box], truth)[1])
        found["one by one"].append(metrics.delta_e2000(alone, truth)[1])
        found["unchanged"].append(metrics.delta_e2000(page.bw[box], truth)[1])
        truth_colourfulness = max(metrics.colorfulness(truth), 1e-6)
        found["colourfulness"].append(metrics.colorfulness(coloured[box]) / truth_colourfulness)
        found["colourfulness one by one"].append(metrics.colorfulness(alone) / truth_colourfulness)
    return found


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_mode(changes: dict, count: int, repeat: int, figure: str | None, model: str | None) -> dict[str, float]:
    """One setting (PaintSettings `changes`), in this process: quality over `count` pages, then
    seconds on the first. `model`: a run directory or .keras file; None: the shipped model."""
    from mangacolor.paint import Colorizer, PaintSettings

    colorizer = Colorizer(model, settings=PaintSettings(**changes))
    built = pages(count)
    colorizer.colorize(built[0].bw)  # warm-up: tracing and compilation
    totals: dict[str, list[float]] = {}
    for page in built:
        coloured = colorizer.colorize(page.bw)
        alone = [colorizer.colorize(art) for art in page.line_art]  # a drawing alone: the same either way
        for key, values in scores(page, coloured, alone).items():
            totals.setdefault(key, []).extend(values)
        if figure and page is built[0]:
            Image.fromarray(coloured).save(figure)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        colorizer.colorize(built[0].bw)
        times.append(time.perf_counter() - start)
    return _summary(totals, times)


def _summary(totals: dict[str, list[float]], times: list[float]) -> dict[str, float]:
    row = {name: 100 * sum(totals[name][::2]) / sum(totals[name][1::2]) for name in MASKS}
    for key in DRAWING_KEYS:
        row[key] = float(np.nanmean(totals[key]))
    # Drawing by drawing, the page's error minus the same drawing's alone: its mean and standard error.
    difference = np.array(totals["page"]) - np.array(totals["one by one"])
    difference = difference[np.isfinite(difference)]
    row["difference"], row["difference_se"] = (
        float(difference.mean()),
        float(difference.std(ddof=1) / np.sqrt(difference.size)),
    )
    row["drawings"] = int(difference.size)
    row["seconds"], row["peak_mb"] = float(np.median(times)), _peak_rss_mb()
    return row


MASKS = ("bubbles", "gutters", "panel paper", "ink")
DRAWING_KEYS = ("page", "one by one", "unchanged", "colourfulness", "colourfulness one by one")


def _measure(changes: dict, args: argparse.Namespace, figure: str | None) -> dict[str, float]:
    command = [sys.executable, __file__, "--changes", json.dumps(changes), "--pages", str(args.pages)]
    command += ["--repeat", str(args.repeat)]
    command += ["--save", figure] if figure else []
    command += ["--model", args.model] if args.model else []
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def report(rows: dict[str, dict[str, float]], args: argparse.Namespace) -> str:
    lines = [
        f"`{COMMAND} --pages {args.pages} --repeat {args.repeat}{' --drawings' * args.drawings}"
        f"{''.join(f' --set {c}' for c in args.set)}` "
        f"on {cpu_model()} ({_cores()} cores; "
        f"load average {os.getloadavg()[0]:.1f} at the end)",
        "",
        "| page | bubble paper white (%) | gutters white (%) | white panel paper white (%) | ink kept (%) "
        "| drawings' ΔE2000, coloured pixels | one by one | page - one by one, paired (± s.e., drawings) "
        "| input unchanged | colourfulness ratio (one by one) | s / page (median) | peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, r in rows.items():
        lines.append(
            f"| {mode} | {r['bubbles']:.1f} | {r['gutters']:.1f} | {r['panel paper']:.1f} | {r['ink']:.2f} "
            f"| {r['page']:.2f} | {r['one by one']:.2f} "
            f"| {r['difference']:+.2f} ± {r['difference_se']:.2f} ({r['drawings']}) | {r['unchanged']:.2f} "
            f"| {r['colourfulness']:.2f} ({r['colourfulness one by one']:.2f}) "
            f"| {r['seconds']:.2f} | {r['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def single_drawings() -> list[str]:
    """The bundled drawings, each alone, on which the analysis finds panels, bubbles or lettering."""
    from mangacolor import data
    from mangacolor.paint import PaintSettings, compose
    from mangacolor.paint.layout import find_layout

    settings, found = PaintSettings(), []
    inputs = [("B&W", pair.color, lambda rgb: rgb) for pair in data.sample_pairs(kind="bw")]
    grey = lambda rgb: np.repeat(np.asarray(Image.fromarray(rgb).convert("L"))[..., None], 3, axis=-1)  # noqa: E731
    for kind, make in (("colour", lambda rgb: rgb), ("grayscale", grey), ("line art", line_art)):
        inputs += [(kind, pair.color, make) for pair in data.sample_pairs(None)]
    for kind, path, make in inputs:
        layout = find_layout(compose.lightness(make(data.load_image(path))), settings)
        if not layout.plain:
            what = f"{len(layout.panels) if not layout.whole_page else 0} panels, {len(layout.bubbles)} bubbles"
            found.append(f"{Path(path).stem} ({kind}): {what}, lettering {layout.text.any()}")
    return [f"{len(inputs)} single drawings, {len(found)} with something found", *found]


def figure(page: SyntheticPage, coloured: dict[str, Path], path: Path) -> None:
    """The B&W page with its analysis drawn over it (panels red, bubbles blue, lettering green),
    beside the page coloured in one pass and through its analysis; half size."""
    from PIL import ImageDraw

    from mangacolor.paint import PaintSettings, compose
    from mangacolor.paint.layout import find_layout
    from mangacolor.visualize import draw_layout

    drawn = draw_layout(page.bw, find_layout(compose.lightness(page.bw), PaintSettings()))
    shown = [("B&W page and its analysis", drawn)]
    shown += [(f"coloured: {mode}", np.asarray(Image.open(file))) for mode, file in coloured.items()]
    width, height = drawn.shape[1] // 2, drawn.shape[0] // 2
    sheet = Image.new("RGB", (len(shown) * (width + 10), height + 40), "white")
    for i, (title, image) in enumerate(shown):
        sheet.paste(Image.fromarray(image).resize((width, height), Image.Resampling.LANCZOS), (i * (width + 10), 40))
        ImageDraw.Draw(sheet).text((i * (width + 10) + 10, 8), title, fill="black", font=_title_font())
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


def _title_font():
    from PIL import ImageFont

    return ImageFont.load_default(size=22)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3, help="pages scored (seeds 0, 1, ...); the first is timed")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the first page: the median is reported")
    parser.add_argument("--figure", type=Path, default=FIGURE, help="where the picture of the first page goes")
    parser.add_argument("--drawings", action="store_true", help="also look for false finds on single drawings")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="one more row: the analysis with a PaintSettings field changed (VALUE in JSON), e.g. content_margin=0.02",
    )
    parser.add_argument("--model", help="a run directory or .keras generator (default: the shipped model)")
    parser.add_argument("--changes", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.changes is not None:
        print(json.dumps(run_mode(json.loads(args.changes), args.pages, args.repeat, args.save, args.model)))
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        files = {mode: Path(tmp) / f"{i}.png" for i, mode in enumerate(("one pass", "analysis"))}
        rows = {mode: _measure(MODES[mode], args, str(files[mode])) for mode in ("analysis", "one pass")}
        for change in args.set:
            field, value = change.split("=", 1)
            rows[f"analysis, {field}={value}"] = _measure({field: json.loads(value)}, args, None)
        figure(pages(1)[0], files, args.figure)
    print(report(rows, args))
    if args.drawings:
        print("\n" + "\n".join(single_drawings()))


if __name__ == "__main__":
    main()
