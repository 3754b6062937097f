"""The `mangacolor` command: train, colorize, evaluate, app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mangacolor import data, models
from mangacolor.config import Config


def _add_train(sub: argparse._SubParsersAction) -> None:
    d = Config()
    p = sub.add_parser(
        "train",
        help="train a colorizer GAN",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--data",
        default=None,
        help="image folder, Kaggle root or paired folder (default: bundled sample)",
    )
    p.add_argument("--series", nargs="+", default=None, help="Kaggle layout: the series to use (default: all)")
    p.add_argument("--arch", choices=sorted(models.ARCHITECTURES), default=d.arch)
    p.add_argument("--head", choices=models.HEADS, default=d.head)
    p.add_argument("--depth", type=int, default=d.depth, help="downsampling steps (default: the arch's)")
    p.add_argument("--width", type=int, default=d.width, help="filters of the first layer (default: the arch's)")
    p.add_argument("--dropout", type=float, default=d.dropout, help="U-Net decoder dropout")
    p.add_argument("--norm", choices=models.NORMS, default=d.norm, help="U-Net normalisation: batch or group")
    p.add_argument(
        "--hints",
        action=argparse.BooleanOptionalAction,
        default=d.hints,
        help="a colour-hint input, trained with hints sampled from the targets (default: U-Net yes, seed no)",
    )
    p.add_argument("--image-size", type=int, default=d.image_size)
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--learning-rate", type=float, default=d.learning_rate)
    p.add_argument(
        "--lr-decay",
        action=argparse.BooleanOptionalAction,
        default=d.lr_decay,
        help="learning rate falls linearly to 0 over the epochs or --time-limit",
    )
    p.add_argument("--l1-weight", type=float, default=d.l1_weight)
    p.add_argument("--adv-weight", type=float, default=d.adv_weight)
    p.add_argument(
        "--gan-warmup", type=int, default=d.gan_warmup, help="epochs of L1 only before the adversarial loss joins"
    )
    p.add_argument(
        "--chroma-weight",
        type=float,
        default=d.chroma_weight,
        help="extra L1 weight on coloured pixels",
    )
    p.add_argument("--no-calibrate", action="store_true", help="keep the Lab head's chroma gain at 1")
    p.add_argument("--simulation", choices=data.SIMULATIONS, default=d.simulation, help="how B&W input is made")
    p.add_argument("--max-images", type=int, default=None, help="use at most this many training images")
    p.add_argument("--precision", default=d.precision, help="auto, float32, mixed_float16, mixed_bfloat16")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--sample-every", type=int, default=d.sample_every)
    p.add_argument("--time-limit", type=float, default=None, help="stop after this many minutes")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")


def _train(args: argparse.Namespace) -> int:
    from mangacolor.training import train

    config = Config(
        data=args.data,
        series=tuple(args.series) if args.series else None,
        arch=args.arch,
        head=args.head,
        depth=args.depth,
        width=args.width,
        dropout=args.dropout,
        norm=args.norm,
        hints=args.hints,
        image_size=args.image_size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        lr_decay=args.lr_decay,
        l1_weight=args.l1_weight,
        adv_weight=args.adv_weight,
        gan_warmup=args.gan_warmup,
        chroma_weight=args.chroma_weight,
        calibrate=not args.no_calibrate,
        simulation=args.simulation,
        max_images=args.max_images,
        precision=args.precision,
        seed=args.seed,
        sample_every=args.sample_every,
    )
    train(config, args.out, resume=args.resume, time_limit=args.time_limit)
    print(f"done: generator in {args.out}/generator.keras")
    return 0


def _add_colorize(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "colorize",
        help="colorize B&W pages or panels of any size",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files and/or image folders")
    p.add_argument("--model", required=True, help="run directory or .keras generator")
    p.add_argument("--out", required=True, help="folder for the coloured images")
    p.add_argument("--size", type=int, default=None, help="working size; None: the run's, else 256")
    p.add_argument("--tile", action="store_true", help="predict colour on tiles (very large pages)")
    p.add_argument("--format", choices=["png", "jpeg", "webp"], default="png", help="output format")
    p.add_argument("--skip-colored", action="store_true", help="leave images already in colour")
    p.add_argument("--layers", action="store_true", help="also write the colour layer alone: <name>.layer.png")
    p.add_argument(
        "--hints",
        default=None,
        metavar="FILE",
        help="colour hints: a JSON file of points (with a palette, per page) or a scribble PNG (README)",
    )
    _add_flatten(p)


def _add_flatten(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--flatten",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="one flat colour per closed region of a drawing (default: on B&W drawings only)",
    )


def _colorize(args: argparse.Namespace) -> int:
    from mangacolor.inference import Colorizer

    colorizer = Colorizer(args.model, size=args.size, tile=args.tile, flatten=args.flatten)
    report = colorizer.colorize_folder(
        args.inputs, args.out, fmt=args.format, skip_colored=args.skip_colored, layers=args.layers, hints=args.hints
    )
    for path in report.skipped_colored:
        print(f"skipped (already in colour): {path}")
    for _, message in report.failed:
        print(f"mangacolor colorize: failed: {message}", file=sys.stderr)
    print(
        f"{len(report.written)} written to {args.out}, "
        f"{len(report.skipped_colored)} skipped (already in colour), {len(report.failed)} failed"
    )
    return 1 if report.failed else 0


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="metrics of a generator and of gray-copy on a data split",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--model", required=True, help="run directory or .keras generator")
    p.add_argument("--data", default=None, help="data source as for train; None: bundled sample")
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--size", type=int, default=None, help="image size; None: the run's, else 256")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument(
        "--simulation",
        choices=data.SIMULATIONS,
        default="gray",
        help="the input to score on: gray (the seed's), lineart, lineart_tone, ...",
    )
    _add_flatten(p)
    p.add_argument("--hints", type=int, default=0, metavar="N", help="N colour hints sampled from each target")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _evaluate(args: argparse.Namespace) -> int:
    import json
    import math

    from mangacolor import metrics
    from mangacolor.inference import Colorizer

    colorizer = Colorizer(args.model, size=args.size, flatten=args.flatten)
    pairs = data.find_pairs(args.data, args.split)
    if args.hints and not colorizer.takes_hints:
        raise ValueError(f"--hints {args.hints}: this model takes no colour hints (it was trained with --no-hints)")
    dataset = data.make_dataset(
        pairs,
        colorizer.size,
        args.batch_size,
        training=False,
        simulation=args.simulation,
        hints=args.hints if colorizer.takes_hints else None,
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
    p.add_argument("--model", required=True, help="run directory or .keras generator")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="a public link (Colab, Kaggle)")


def _app(args: argparse.Namespace) -> int:
    from mangacolor.app import build_app

    build_app(args.model).launch(server_port=args.port, share=args.share)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mangacolor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub)
    _add_colorize(sub)
    _add_evaluate(sub)
    _add_app(sub)
    return parser


COMMANDS = {"train": _train, "colorize": _colorize, "evaluate": _evaluate, "app": _app}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (OSError, ValueError) as e:  # DataError, WriteError and bad options: one clear line
        print(f"mangacolor {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
