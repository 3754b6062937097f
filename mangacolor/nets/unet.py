"""A U-Net generator and pix2pix's PatchGAN discriminator (Isola et al. 2017).

The generator has skip connections at every scale and dropout in its decoder;
the decoder upsamples then convolves, which avoids the checkerboard artefacts of
transposed convolutions (Odena et al. 2016). The PatchGAN gives a logit per patch.
"""

from __future__ import annotations

import keras
from keras import layers

from mangacolor.nets.ends import check_divisible, check_head, generator_input, head_features, input_shape, output_head

BN_MOMENTUM = 0.9  # statistics that keep up with a short CPU run


def _norm(kind: str, channels: int, name: str) -> layers.Layer:
    if kind == "group":
        return layers.GroupNormalization(groups=max(1, min(32, channels // 4)), name=name)
    return layers.BatchNormalization(momentum=BN_MOMENTUM, name=name)


def unet_generator(
    image_size: int | tuple | None = 256,
    depth: int = 5,
    width: int = 32,
    head: str = "lab",
    dropout: float = 0.5,
    hint_input: bool = False,
    norm: str = "batch",
) -> keras.Model:
    """A U-Net: strided convolutions down, upsample-and-convolve up, skips at every scale.

    `norm="group"` normalises each image on its own (GroupNorm, Wu and He 2018): no
    running statistics, so the network validates and colorizes exactly as it trains.
    """
    check_head(head)
    check_divisible(image_size, depth)
    filters = [width * min(2**i, 8) for i in range(depth)]
    inputs, gray = generator_input(image_size, hint_input)
    x, skips = inputs, []
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 4, strides=2, padding="same", use_bias=i == 0, name=f"down{i + 1}_conv")(x)
        if i > 0:
            x = _norm(norm, f, f"down{i + 1}_bn")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i + 1}_lrelu")(x)
        skips.append(x)
    for i, (f, skip) in enumerate(zip(reversed(filters[:-1]), reversed(skips[:-1]), strict=True)):
        x = layers.UpSampling2D(interpolation="bilinear", name=f"up{i + 1}_resize")(x)
        x = layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"up{i + 1}_conv")(x)
        x = _norm(norm, f, f"up{i + 1}_bn")(x)
        if i < 3 and dropout:
            x = layers.Dropout(dropout, name=f"up{i + 1}_dropout")(x)
        x = layers.ReLU(name=f"up{i + 1}_relu")(x)
        x = layers.Concatenate(name=f"up{i + 1}_skip")([x, skip])
    x = layers.UpSampling2D(interpolation="bilinear", name="out_resize")(x)
    x = layers.Concatenate(name="out_skip")([x, inputs])
    x = layers.Conv2D(width // 2, 3, padding="same", activation="relu", name="out_conv1")(x)
    return keras.Model(inputs, output_head(gray, head_features(x, head), head), name=f"unet_generator_{head}")


def patchgan_discriminator(image_size: int | tuple | None = 256, width: int = 32, depth: int = 3) -> keras.Model:
    """pix2pix's PatchGAN: a logit per overlapping patch (70 x 70 px at depth 3)."""
    stack = keras.Input(input_shape(image_size, 4), name="gray_and_rgb")
    x = stack
    for i in range(depth):
        x = layers.Conv2D(width * min(2**i, 8), 4, strides=2, padding="same", use_bias=i == 0, name=f"conv{i + 1}")(x)
        if i > 0:
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{i + 1}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i + 1}")(x)
    x = layers.Conv2D(width * min(2**depth, 8), 4, padding="same", use_bias=False, name=f"conv{depth + 1}")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{depth + 1}")(x)
    x = layers.LeakyReLU(0.2, name=f"lrelu{depth + 1}")(x)
    logits = layers.Conv2D(1, 4, padding="same", dtype="float32", name="patch_logits")(x)
    return keras.Model(stack, logits, name="patchgan_discriminator")
