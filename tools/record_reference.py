"""python tools/record_reference.py: record the shipped model's reference pictures again.

tests/test_reference_outputs.py checks that the shipped model still paints what it
painted when it was shipped. After shipping a new model (tools/ship_model.py), this
writes its pictures of the same inputs into tests/reference/shipped_bw/, with the
TensorFlow, Keras and CPU they were made with (recorded_on.json): the test is exact
there and allows a level or two elsewhere.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import keras
import tensorflow as tf
from PIL import Image

from mangacolor.files import atomic_path, write_text
from mangacolor.paint import Colorizer
from mangacolor.train.precision import cpu_flags

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from model_card import cpu_name  # noqa: E402  (tools/, this script's folder, is on the path)
from test_reference_outputs import REFERENCE, reference_inputs  # noqa: E402

ISA = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"]
ISA += ["avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"]


def main() -> None:
    colorizer = Colorizer()
    for name, (page, hints) in sorted(reference_inputs().items()):
        with atomic_path(REFERENCE / f"{name}.png") as tmp:
            Image.fromarray(colorizer.colorize(page, hints=hints)).save(tmp, format="PNG")
        print(name)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    recorded_on = {
        "cpu": cpu_name(),
        "isa": [flag for flag in ISA if flag in cpu_flags()],
        "commit": commit,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    write_text(REFERENCE / "recorded_on.json", json.dumps(recorded_on, indent=1) + "\n")


if __name__ == "__main__":
    main()
