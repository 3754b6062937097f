"""The seed project's DCGAN, exactly as its README describes it.

A generator of four 4x4 stride-2 convolutions (BatchNorm, LeakyReLU), three
stride-2 transposed convolutions (BatchNorm, ReLU) and a tanh output layer; a
conditional discriminator on the 4-channel stack of input and colour image with
three 4x4 stride-2 convolutions of 64, 128 and 256 filters, Flatten and
Dense(1, sigmoid). `depth=5` is the README's suggested deeper variant.
"""

from __future__ import annotations

import keras
from keras import layers

from mangacolor.nets.ends import HEAD_CHANNELS, check_divisible, check_head, generator_input, input_shape, output_head


def dcgan_generator(
    image_size: int | tuple | None = 256, depth: int = 4, width: int = 64, head: str = "rgb", hint_input: bool = False
) -> keras.Model:
    """The seed's encoder-decoder: `depth` strided convolutions down, `depth - 1`
    transposed convolutions up, and a stride-2 transposed convolution to RGB."""
    check_head(head)
    check_divisible(image_size, depth)
    filters = [width * min(2**i, 8) for i in range(depth)]
    inputs, gray = generator_input(image_size, hint_input)
    x = inputs
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 4, strides=2, padding="same", name=f"down{i + 1}_conv")(x)
        x = layers.BatchNormalization(name=f"down{i + 1}_bn")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i + 1}_lrelu")(x)
    for i, f in enumerate(reversed(filters[:-1])):
        x = layers.Conv2DTranspose(f, 4, strides=2, padding="same", name=f"up{i + 1}_deconv")(x)
        x = layers.BatchNormalization(name=f"up{i + 1}_bn")(x)
        x = layers.ReLU(name=f"up{i + 1}_relu")(x)
    x = layers.Conv2DTranspose(HEAD_CHANNELS[head], 4, strides=2, padding="same", name="out_deconv")(x)
    return keras.Model(inputs, output_head(gray, x, head), name=f"dcgan_generator_{head}")


def dcgan_discriminator(image_size: int | tuple = 256, width: int = 64) -> keras.Model:
    """The seed's conditional discriminator: the probability that an (input, colour) stack is real."""
    stack = keras.Input(input_shape(image_size, 4), name="gray_and_rgb")
    x = layers.Conv2D(width, 4, strides=2, padding="same", name="conv1")(stack)
    x = layers.LeakyReLU(0.2, name="lrelu1")(x)
    x = layers.Conv2D(width * 2, 4, strides=2, padding="same", name="conv2")(x)
    x = layers.BatchNormalization(name="bn2")(x)
    x = layers.LeakyReLU(0.2, name="lrelu2")(x)
    x = layers.Conv2D(width * 4, 4, strides=2, padding="same", name="conv3")(x)
    x = layers.BatchNormalization(name="bn3")(x)
    x = layers.LeakyReLU(0.2, name="lrelu3")(x)
    x = layers.Flatten(name="flatten")(x)
    real = layers.Dense(1, activation="sigmoid", dtype="float32", name="real")(x)
    return keras.Model(stack, real, name="dcgan_discriminator")
