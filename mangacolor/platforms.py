"""Where the course runs: Colab, Kaggle or a local machine, with which GPUs and which training precision.

Every notebook's first cell installs the package on Colab and Kaggle and then
prints `describe()`, so a user sees at once whether the GPU was found and what
`--precision auto` will train in (train/precision.py says why).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import tensorflow as tf

from mangacolor import data
from mangacolor.train.precision import choose_precision


def platform_name(environ: dict[str, str] | None = None) -> str:
    """ "colab", "kaggle" or "local", from the variables each service sets in its kernels."""
    environ = os.environ if environ is None else environ
    if "COLAB_RELEASE_TAG" in environ or "COLAB_GPU" in environ or "google.colab" in sys.modules:
        return "colab"
    if "KAGGLE_KERNEL_RUN_TYPE" in environ or "KAGGLE_URL_BASE" in environ:
        return "kaggle"
    return "local"


@dataclass(frozen=True)
class Platform:
    """What a notebook runs on: the service, the GPUs by name and compute capability, the precision."""

    name: str
    gpus: tuple[str, ...]
    precision: str
    kaggle_data: str | None

    def __str__(self) -> str:
        gpus = ", ".join(self.gpus) if self.gpus else "no GPU (training runs on the CPU)"
        lines = [
            f"platform: {self.name}",
            f"GPUs: {gpus}",
            f"training precision (--precision auto): {self.precision}",
        ]
        if self.name == "kaggle" or self.kaggle_data:
            lines.append(f"Kaggle manga dataset: {self.kaggle_data or 'not attached (using the bundled sample)'}")
        return "\n".join(lines)


def _gpu_names() -> tuple[str, ...]:
    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        major, minor = details.get("compute_capability", (0, 0))
        names.append(f"{details.get('device_name', gpu.name)} (compute capability {major}.{minor})")
    return tuple(names)


def detect() -> Platform:
    """The platform this process runs on."""
    root = data.find_kaggle_root()
    return Platform(platform_name(), _gpu_names(), choose_precision("auto"), str(root) if root else None)
