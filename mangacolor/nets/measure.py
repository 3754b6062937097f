"""What a network costs: parameters, FLOPs per image, receptive field (for notebook 02 and bench/)."""

from __future__ import annotations

import keras
from keras import layers


def flops_per_image(model: keras.Model) -> int:
    """Multiply-adds x 2 of the convolution and dense layers for one image of the
    model's input size: what the hardware must compute, for GFLOP/s figures."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):
            _, h, w, cin = layer.input.shape
            kh, kw = layer.kernel_size
            total += 2 * h * w * kh * kw * cin * layer.filters
        elif isinstance(layer, layers.Conv2D):
            _, h, w, cout = layer.output.shape
            kh, kw = layer.kernel_size
            total += 2 * h * w * kh * kw * layer.input.shape[-1] * cout
        elif isinstance(layer, layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return int(total)


def describe(model: keras.Model) -> dict[str, int]:
    """Parameters and GFLOPs per image, for tables in notebooks and benchmarks."""
    return {"parameters": int(model.count_params()), "flops_per_image": flops_per_image(model)}


def receptive_field(model: keras.Model) -> int:
    """Receptive field in input pixels of one output unit of a plain conv stack (no skips)."""
    rf, jump = 1, 1
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D) and not isinstance(layer, layers.Conv2DTranspose):
            rf += (layer.kernel_size[0] - 1) * jump
            jump *= layer.strides[0]
    return rf
