"""What every generator shares: its input (B&W, then the hint channels) and its output head.

`rgb` is tanh RGB (the seed's); `lab` predicts a*b* and recombines them with the
input's lightness, so lines stay exactly as drawn; `multiply` paints a colour
layer under the ink, as a colourist's Multiply layer (heads.py).
"""

from __future__ import annotations

import keras
from keras import layers

from mangacolor.config import HEADS
from mangacolor.data.hint_sampling import CHANNELS as HINT_CHANNELS
from mangacolor.nets.heads import InputLightness, LabHead, MultiplyHead

HEAD_CHANNELS = {"rgb": 3, "lab": 2, "multiply": 3}


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


def output_head(gray: keras.KerasTensor, features: keras.KerasTensor, head: str) -> keras.KerasTensor:
    """The last layer: tanh RGB (the seed's) or a*b* recombined with the input's L."""
    if head == "rgb":
        return layers.Activation("tanh", dtype="float32", name="rgb")(features)
    if head == "lab":
        return LabHead(name="lab")(gray, features)
    return MultiplyHead(name="multiply")(gray, features)
