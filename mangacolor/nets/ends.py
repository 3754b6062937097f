"""What every generator shares: its input (B&W, then the hint channels) and its output head.

`rgb` is tanh RGB (the seed's); `lab` predicts a*b* and recombines them with the
input's lightness, so lines stay exactly as drawn; `multiply` paints a colour
layer under the ink, as a colourist's Multiply layer; `bins` is that layer with
its a*b* classified over quantised colours (heads.py).
"""

from __future__ import annotations

import keras
from keras import layers

from mangacolor.config import HEADS
from mangacolor.data.hint_sampling import CHANNELS as HINT_CHANNELS
from mangacolor.nets.heads import BinsHead, InputLightness, LabHead, MultiplyHead, bin_centres

HEAD_CHANNELS = {"rgb": 3, "lab": 2, "multiply": 3}
# Adam moves a weight by about the learning rate per step, so a logit would need thousands of steps
# to become confident (the regression heads' tanh and sigmoid need far smaller moves): scaled up,
# from zero (every bin equally likely at first).
LOGIT_SCALE = 10.0


def generator_input(image_size: int | tuple | None, hint_input: bool) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The generator's input (B&W, then the hint channels if `hint_input`) and its B&W channel."""
    if not hint_input:
        gray = keras.Input(input_shape(image_size, 1), name="gray")
        return gray, gray
    inputs = keras.Input(input_shape(image_size, 1 + HINT_CHANNELS), name="gray_and_hints")
    return inputs, InputLightness(name="gray")(inputs)


def input_shape(image_size: int | tuple[int | None, int | None] | None, channels: int) -> tuple:
    if image_size is None:
        return (None, None, channels)
    h, w = (image_size, image_size) if isinstance(image_size, int) else image_size
    return (h, w, channels)


def check_head(head: str) -> None:
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, not {head!r}")


def check_divisible(image_size: int | tuple | None, depth: int) -> None:
    sizes = [] if image_size is None else [image_size] if isinstance(image_size, int) else image_size
    for s in sizes:
        if s is not None and s % 2**depth:
            raise ValueError(f"image size {s} is not divisible by 2**depth = {2**depth}")


def head_features(x: keras.KerasTensor, head: str) -> keras.KerasTensor | list[keras.KerasTensor]:
    """The features a head reads, from the generator's last feature map.

    The bins head's logits come from a 1 x 1 convolution of that map averaged over
    2 x 2 pixels: 97 logits per pixel at full resolution doubled the cost of a
    training step (bench/ablation.py steps), at half resolution they cost little.
    """
    factor = layers.Conv2D(1 if head == "bins" else HEAD_CHANNELS[head], 3, padding="same", name="out_conv2")(x)
    if head != "bins":
        return factor
    half = layers.AveragePooling2D(2, name="out_bins_pool")(x)
    logits = layers.Conv2D(len(bin_centres()), 1, kernel_initializer="zeros", name="out_bins")(half)
    return [factor, layers.Rescaling(LOGIT_SCALE, name="out_bins_scale")(logits)]


def output_head(gray: keras.KerasTensor, features: keras.KerasTensor, head: str) -> keras.KerasTensor:
    """The last layer: tanh RGB (the seed's) or a*b* recombined with the input's L."""
    if head == "bins":
        return BinsHead(name="bins")(gray, features)
    if head == "rgb":
        return layers.Activation("tanh", dtype="float32", name="rgb")(features)
    if head == "lab":
        return LabHead(name="lab")(gray, features)
    return MultiplyHead(name="multiply")(gray, features)
