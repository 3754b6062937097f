"""One configuration object for a training run.

The image size, the architecture and every other setting travel from the CLI or
a notebook through this dataclass to the data pipeline, the models and the
trainer, and are saved as `config.json` beside every run so it can be resumed
and its generator rebuilt.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from mangacolor import files

# The names each setting allows; nets/ and data/ build what they name.
ARCHITECTURES = ("dcgan", "unet")
HEADS = ("rgb", "lab", "multiply", "bins")
NORMS = ("batch", "group")
SIMULATIONS = ("grayscale", "ink", "screentone", "degrade", "lineart", "lineart_tone", "manga")
PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
# Each architecture's defaults, where a field is None; nets/ builds with them.
DEFAULT_DEPTH = {"dcgan": 4, "unet": 5}
# The U-Net's colour classes over GroupNorm beat the L1 regression over BatchNorm on the series
# and drew level on the bundled clip art, three seeds each (bench/ablation.py, issue 25). Resolved
# by Config itself, as every stage reads `config.head`.
DEFAULT_HEAD = {"dcgan": "multiply", "unet": "bins"}
# The seed's 64 filters; the U-Net at 32 trains faster than at 64 and, on a CPU
# budget, colours better (bench/train_throughput.py, bench/quality_ablation.csv).
DEFAULT_WIDTH = {"dcgan": 64, "unet": 32}
DEFAULT_HINT_INPUT = {"dcgan": False, "unet": True}  # the seed's DCGAN stays exactly as described


def setting(default: object, help: str, choices: tuple[str, ...] | None = None) -> object:
    """A Config field with the help text and choices that `mangacolor train --help` shows."""
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass
class Config:
    """Settings of one training run. Defaults are the seed project's where it had one.

    Each field is also an option of `mangacolor train` (`image_size` is
    `--image-size`), made from the field's help and choices by cli.py.
    """

    # Data
    data: str | None = setting(None, "image folder, Kaggle root or paired folder (default: bundled sample)")
    series: tuple[str, ...] | None = setting(None, "Kaggle layout: the series to use (default: all)")
    simulation: str = setting("manga", "how B&W input is made from colour (manga: grayscale and line art)", SIMULATIONS)
    max_images: int | None = setting(None, "use at most this many training images")
    # Model
    arch: str = setting("unet", "dcgan: the seed's DCGAN as described; unet: U-Net + PatchGAN", ARCHITECTURES)
    head: str | None = setting(
        None,
        "rgb: tanh RGB; lab: a*b*, keeps L*; multiply: a colour layer under the ink; bins: that layer, "
        "its a*b* classified over quantised colours (U-Net) (default: bins for the U-Net, else multiply)",
        HEADS,
    )
    depth: int | None = setting(None, "downsampling steps (default: the architecture's)")
    width: int | None = setting(None, "filters of the first layer (default: the architecture's)")
    dropout: float = setting(0.5, "U-Net: pix2pix's dropout in the first three decoder blocks")
    norm: str = setting("group", "U-Net normalisation: group (no running statistics) or batch (pix2pix's)", NORMS)
    hint_input: bool | None = setting(None, "a colour-hint input, trained on hints from the targets (default: U-Net)")
    image_size: int = setting(256, "training size in pixels")
    zoom_out: float = setting(
        1.0, "training crops span 0.6 of the side up to this share: above 1 the drawing shrinks onto added paper"
    )
    # Optimisation: the seed's batch 32, 100 epochs, Adam(2e-4, 0.5) and L1 weight 100; the
    # warm-up, decay and chroma weight are ours, measured in bench/quality_ablation.csv.
    batch_size: int = setting(32, "images per step")
    epochs: int = setting(100, "epochs to train (the total, also when resuming)")
    learning_rate: float = setting(2e-4, "Adam's learning rate, both networks")
    lr_decay: bool = setting(True, "learning rate falls linearly to 0 over the epochs or --time-limit")
    beta_1: float = setting(0.5, "Adam's beta_1")
    l1_weight: float = setting(100.0, "weight of the L1 loss")
    adv_weight: float = setting(1.0, "weight of the adversarial loss")
    gan_warmup: int = setting(20, "epochs of L1 only before the adversarial loss joins (NoGAN-style)")
    chroma_weight: float = setting(3.0, "extra L1 weight on coloured pixels (losses.l1_loss)")
    class_weight: float = setting(
        100.0, "bins head: weight of the colour-class loss (losses.colour_class_loss), as L1's"
    )
    calibrate: bool = setting(True, "Lab head: fit its chroma gain on the validation split after training")
    precision: str = setting("auto", "auto: float16 on GPUs, bfloat16 on CPUs that have it, else float32", PRECISIONS)
    seed: int = setting(42, "random seed")
    sample_every: int = setting(1, "save a sample grid every N epochs")

    def __post_init__(self) -> None:
        if self.head is None:
            self.head = DEFAULT_HEAD.get(self.arch)  # an unknown arch stays None: validate names the arch
        self.validate()

    def validate(self) -> None:
        """Check every setting before any work starts; a ValueError names the setting,
        its command-line option, the value and what is allowed."""

        def fail(name: str, problem: str) -> None:
            raise invalid(name, getattr(self, name), problem)

        for name, allowed in (
            ("arch", ARCHITECTURES),
            ("head", HEADS),
            ("norm", NORMS),
            ("simulation", SIMULATIONS),
            ("precision", PRECISIONS),
        ):
            if getattr(self, name) not in allowed:
                fail(name, f"must be one of {', '.join(allowed)}")
        for name in ("batch_size", "epochs", "sample_every", "depth", "width", "max_images", "image_size"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                fail(name, "must be a whole number of at least 1")
        for name in ("l1_weight", "adv_weight", "chroma_weight", "class_weight", "gan_warmup"):
            if not math.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                fail(name, "must be 0 or more")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            fail("learning_rate", "must be above 0 (the seed's is 2e-4)")
        if not 0 <= self.beta_1 < 1:
            fail("beta_1", "must be in [0, 1)")
        if not (math.isfinite(self.zoom_out) and 1 <= self.zoom_out <= 4):
            fail("zoom_out", "must be from 1 (no zooming out) to 4")
        if not 0 <= self.dropout < 1:
            fail("dropout", "must be in [0, 1)")
        if self.head == "bins" and self.arch != "unet":
            fail("head", "bins needs the U-Net (--arch unet): the seed's DCGAN stays as described")
        if self.l1_weight == 0 and self.adv_weight == 0:
            fail("l1_weight", "and adv_weight are both 0: nothing to train")
        self._check_image_size()

    def _check_image_size(self) -> None:
        """The generator halves the image `depth` times: the size must divide evenly."""
        depth = self.depth or DEFAULT_DEPTH[self.arch]
        if self.image_size % 2**depth:
            below, above = self.image_size // 2**depth * 2**depth, (self.image_size // 2**depth + 1) * 2**depth
            nearest = f"{below} or {above}" if below else str(above)
            raise invalid(
                "image_size",
                self.image_size,
                f"the {self.arch} generator at depth {depth} halves the image {depth} times, so the size must be "
                f"a multiple of {2**depth} (e.g. {nearest})",
            )

    def replace(self, **changes: object) -> Config:
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    def save(self, path: str | os.PathLike) -> None:
        """Write as JSON atomically (temporary file, then rename)."""
        files.write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> Config:
        values = json.loads(Path(path).read_text())
        if "hints" in values:  # its name before 0.3: renamed before unknown names are refused
            values["hint_input"] = values.pop("hints")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{path}: unknown settings {unknown}")
        values.setdefault("hint_input", False)  # runs from before hints existed had none
        values.setdefault("norm", "batch")  # nor GroupNorm
        if values.get("simulation") == "gray":
            values["simulation"] = "grayscale"  # its name before 0.3
        if values.get("arch") == "seed":
            values["arch"] = "dcgan"  # its name before 0.2
        if values.get("series") is not None:
            values["series"] = tuple(values["series"])
        return cls(**values)


def invalid(name: str, value: object, problem: str) -> ValueError:
    """The error for a bad setting: its name, its command-line option, the value and what is allowed."""
    return ValueError(f"{name} = {value!r} (--{name.replace('_', '-')}): {problem}")


def check_time_limit(minutes: float | None) -> None:
    """The time limit (minutes) of `train`, checked like the Config's settings."""
    if minutes is not None and not (math.isfinite(minutes) and minutes > 0):
        raise invalid("time_limit", minutes, "must be a number of minutes above 0")


def env_int(name: str, default: int) -> int:
    """An integer setting from the environment, so CI's quick mode can shrink notebooks."""
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)
