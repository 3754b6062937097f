"""Which dtype policy a run trains in, from the hardware (`--precision auto`)."""

from __future__ import annotations

import tensorflow as tf


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_precision(requested: str = "auto") -> str:
    """The Keras dtype policy for a run.

    On GPUs: bfloat16 from compute capability 8.0 (Ampere and later: Colab's L4 and
    A100), whose tensor cores run it as fast as float16 and whose float32 exponent
    range needs no loss scaling; float16 with loss scaling on 7.x (Kaggle's and
    Colab's T4, the V100), whose tensor cores have no bfloat16; float32 below
    (Kaggle's P100 has no tensor cores). On CPUs: bfloat16 with AMX or AVX512-BF16
    (bench/train_throughput.py measures the gain), else float32, since bfloat16
    is emulated there and slower.
    """
    if requested != "auto":
        return requested
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
        if capability >= (8, 0):
            return "mixed_bfloat16"
        return "mixed_float16" if capability >= (7, 0) else "float32"
    if {"amx_bf16", "avx512_bf16"} & cpu_flags():
        return "mixed_bfloat16"
    return "float32"
