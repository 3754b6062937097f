"""The `mangacolor` command: train, colorize, evaluate, app."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import typing
from collections.abc import Sequence
from pathlib import Path

from mangacolor import data, startup
from mangacolor.config import SIMULATIONS, Config
from mangacolor.paint.hints import parse_color
from mangacolor.paint.settings import PaintSettings

if typing.TYPE_CHECKING:
    from mangacolor.paint import Colorizer, FolderOptions


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a colorizer GAN")
    hints = typing.get_type_hints(Config)
    for f in dataclasses.fields(Config):
        flag = "--" + f.name.replace("_", "-")
        kind = hints[f.name]
        shown = "" if f.default is None else " (default: %(default)s)"
        options = {"default": f.default, "help": f.metadata["help"] + shown, "choices": f.metadata["choices"]}
        if kind in (bool, bool | None):
            p.add_argument(flag, action=argparse.BooleanOptionalAction, **options)
        elif kind == tuple[str, ...] | None:
            p.add_argument(flag, nargs="+", **options)
        else:
            p.add_argument(flag, type=_scalar(kind), **options)
    p.add_argument("--time-limit", type=float, default=None, help="stop after this many minutes")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")


def _scalar(kind: object) -> type:
    """int, float or str, from a field's type such as `int | None`."""
    return next(t for t in (int, float, str) if kind in (t, t | None))


def config_from_args(args: argparse.Namespace) -> Config:
    """The Config of `mangacolor train`'s parsed options (one option per field)."""
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(Config)}
    values["series"] = tuple(values["series"]) if values["series"] else None
    return Config(**values)


def _train(args: argparse.Namespace) -> int:
    from mangacolor.train import train

    train(config_from_args(args), args.out, resume=args.resume, time_limit=args.time_limit)
    print(f"done: generator in {args.out}/generator.keras")
    return 0


def _add_colorize(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "colorize",
        help="colorize B&W pages or panels of any size",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="image files, image folders, and chapters (.cbz or .zip: written as OUT/<name>.cbz)",
    )
    p.add_argument("--model", default=None, help="run directory or .keras generator (default: the shipped model)")
    p.add_argument("--out", required=True, help="folder for the coloured images and chapters")
    _add_paint_settings(p)
    p.add_argument("--tile", action="store_true", help="predict colour on tiles (very large pages)")
    p.add_argument("--format", choices=["png", "jpeg", "webp"], default="png", help="output format")
    p.add_argument("--skip-colored", action="store_true", help="leave images already in colour")
    p.add_argument("--layers", action="store_true", help="also write the colour layer alone: <name>.layer.png")
    p.add_argument("--cbz", action="store_true", help="make each folder of pages a chapter: OUT/<folder name>.cbz")
    p.add_argument(
        "--hints",
        default=None,
        metavar="FILE",
        help="colour hints: a JSON file of points (with a palette, per page) or a scribble PNG (README)",
    )


def _add_paint_settings(p: argparse.ArgumentParser) -> None:
    """The PaintSettings a user would want to set from the command line."""
    defaults = PaintSettings()
    p.add_argument("--size", type=int, default=None, help="working size; None: the run's, else 256")
    p.add_argument(
        "--flatten",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="one flat colour per closed region of a drawing (default: on B&W drawings only)",
    )
    p.add_argument(
        "--tint-fade",
        type=float,
        default=defaults.tint_fade,
        help="C*ab a grayscale panel's colours lose, so weak tints on white and grey things go",
    )
    _add_page_settings(p)


def _add_page_settings(p: argparse.ArgumentParser) -> None:
    """Whole manga pages: each protection of the page analysis can be turned off (README)."""
    for flag, what in (
        ("panels", "colour each framed panel as a picture of its own"),
        ("protect-bubbles", "keep speech bubbles exactly as drawn"),
        ("protect-text", "keep lettering outside bubbles exactly as drawn"),
    ):
        p.add_argument(f"--{flag}", action=argparse.BooleanOptionalAction, default=True, help=what)
    p.add_argument("--bubble-tint", default=None, metavar="COLOUR", help="a pale tint for bubble paper, e.g. '#fff6e0'")


def _paint_settings(args: argparse.Namespace) -> PaintSettings:
    tint = None if args.bubble_tint is None else parse_color(args.bubble_tint)
    return PaintSettings(
        size=args.size,
        tile=getattr(args, "tile", False),
        flatten=args.flatten,
        tint_fade=args.tint_fade,
        panels=args.panels,
        protect_bubbles=args.protect_bubbles,
        protect_text=args.protect_text,
        bubble_tint=tint,
    )


def _colorize(args: argparse.Namespace) -> int:
    from mangacolor.paint import Colorizer, FolderOptions, chapters

    options = FolderOptions(args.format, args.layers, args.skip_colored, args.hints)
    books = [i for i in args.inputs if chapters.is_chapter(i) or (args.cbz and os.path.isdir(i))]
    images = [i for i in args.inputs if i not in books]
    if args.cbz and images:
        raise ValueError(f"--cbz makes a .cbz of each folder of pages, and {images[0]} is not a folder")
    if args.layers and books:
        raise ValueError(f"--layers: colour layers do not go into a .cbz ({books[0]}): readers show them as pages")
    targets = chapters.chapter_targets(books, args.out)  # refuses to overwrite an input, before any work
    colorizer = Colorizer(args.model, _paint_settings(args))
    failed = _colorize_images(colorizer, images, args.out, options) if images else 0
    for source, target in targets.items():
        failed += _colorize_chapter(colorizer, source, target, options)
    return 1 if failed else 0


def _colorize_images(colorizer: Colorizer, images: list[str], out: str, options: FolderOptions) -> int:
    """Colour image files and folders into `out`; the number that failed."""
    report = colorizer.colorize_folder(images, out, options)
    for path in report.skipped_colored:
        print(f"skipped (already in colour): {path}")
    for _, message in report.failed:
        print(f"mangacolor colorize: failed: {message}", file=sys.stderr)
    print(
        f"{len(report.written)} written to {out}, "
        f"{len(report.skipped_colored)} skipped (already in colour), {len(report.failed)} failed"
    )
    return len(report.failed)


def _colorize_chapter(colorizer: Colorizer, source: Path, target: Path, options: FolderOptions) -> int:
    """Colour one chapter into `target`; a refused or unreadable one is reported and the others go
    on. The number of failures."""
    try:
        report = colorizer.colorize_chapter(source, target, options)
    except data.DataError as e:  # a ChapterError (an unsafe archive, refused) too: nothing was written
        print(f"mangacolor colorize: failed: {e}", file=sys.stderr)
        return 1
    for _, message in report.failed:
        print(f"mangacolor colorize: failed: {message}", file=sys.stderr)
    kept = len(report.carried) + len(report.skipped_colored)
    print(f"{target}: {len(report.pages)} pages coloured, {kept} carried over, {len(report.failed)} failed")
    return len(report.failed)


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="metrics of a generator and of returning the input unchanged, on a data split",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--model", default=None, help="run directory or .keras generator (default: the shipped model)")
    p.add_argument("--data", default=None, help="data source as for train; None: bundled sample")
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument(
        "--simulation",
        choices=SIMULATIONS,
        default="grayscale",
        help="the input to score on: grayscale (the seed's), lineart, lineart_tone, ...",
    )
    _add_paint_settings(p)
    p.add_argument("--hints", type=int, default=0, metavar="N", help="N colour hints sampled from each target")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _evaluate(args: argparse.Namespace) -> int:
    import json
    import math

    from mangacolor import metrics
    from mangacolor.paint import Colorizer

    colorizer = Colorizer(args.model, _paint_settings(args))
    pairs = data.find_pairs(args.data, args.split)
    if args.hints and not colorizer.takes_hints:
        message = "this model takes no colour hints (it was trained with --no-hint-input)"
        raise ValueError(f"--hints {args.hints}: {message}")
    dataset = data.make_dataset(
        pairs,
        colorizer.size,
        args.batch_size,
        training=False,
        simulation=args.simulation,
        hint_sampling=args.hints if colorizer.takes_hints else None,
    )
    results = metrics.evaluate(colorizer.colorize_inputs, dataset)
    if not args.json:
        print(metrics.format_table(results))
        return 0
    # NaN (no clearly coloured target pixel) is not JSON: null instead.
    clean = {
        who: {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in m.items()}
        for who, m in results.items()
    }
    print(json.dumps(clean, indent=2))
    return 0


def _add_app(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="a web app to colorize uploaded pages (needs the app extra)")
    p.add_argument("--model", default=None, help="run directory or .keras generator (default: the shipped model)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="a public link (Colab, Kaggle)")


def _app(args: argparse.Namespace) -> int:
    from mangacolor.app import build_app

    build_app(args.model).launch(server_name=args.host, server_port=args.port, share=args.share)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mangacolor", description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="also show TensorFlow's start-up lines")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub)
    _add_colorize(sub)
    _add_evaluate(sub)
    _add_app(sub)
    return parser


COMMANDS = {"train": _train, "colorize": _colorize, "evaluate": _evaluate, "app": _app}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verbose:
        print("\n".join(startup.LINES), file=sys.stderr)
    try:
        return COMMANDS[args.command](args)
    except (OSError, ValueError) as e:  # DataError, WriteError and bad options: one clear line
        print(f"mangacolor {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
