"""Generators and discriminators, chosen by name.

- `dcgan`: the seed project's DCGAN exactly as its README describes it: a
  generator of four 4x4 stride-2 convolutions (BatchNorm, LeakyReLU), three
  stride-2 transposed convolutions (BatchNorm, ReLU) and a tanh output layer;
  a conditional discriminator on the 4-channel stack of input and colour image
  with three 4x4 stride-2 convolutions of 64, 128 and 256 filters, Flatten and
  Dense(1, sigmoid). `depth=5` is the README's suggested deeper variant.
- `unet`: a U-Net generator with skip connections and decoder dropout, and a
  PatchGAN discriminator giving a logit per patch (pix2pix, Isola et al. 2017).
  The decoder upsamples then convolves, which avoids the checkerboard artefacts
  of transposed convolutions (Odena et al. 2016).

Every generator maps B&W input (B, H, W, 1) in [-1, 1] to RGB in [-1, 1], through
one of three heads: `rgb` (tanh RGB, the seed's), `lab` (predicts a*b* and
recombines them with the input's lightness, so lines stay exactly as drawn) or
`multiply` (paints a colour layer under the ink, as a colourist's Multiply
layer: B&W drawings, whose paper is white, come back with coloured fills).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf
from keras import layers

from mangacolor import hints as hint_layers
from mangacolor.config import HEADS, Config
from mangacolor.heads import InputLightness, LabHead, MultiplyHead

HEAD_CHANNELS = {"rgb": 3, "lab": 2, "multiply": 3}
DEFAULT_DEPTH = {"dcgan": 4, "unet": 5}
DEFAULT_HINTS = {"dcgan": False, "unet": True}  # the seed's DCGAN stays exactly as described
# The seed's 64 filters; the U-Net at 32 trains faster than at 64 and, on a CPU
# budget, colours better (bench/train_throughput.py, bench/quality_ablation.csv).
DEFAULT_WIDTH = {"dcgan": 64, "unet": 32}
BN_MOMENTUM = 0.9  # U-Net and PatchGAN: statistics that keep up with a short CPU run


def _generator_input(image_size: int | tuple | None, hints: bool) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The generator's input (B&W, then the hint layer if `hints`) and its B&W channel."""
    if not hints:
        gray = keras.Input(_input_shape(image_size, 1), name="gray")
        return gray, gray
    inputs = keras.Input(_input_shape(image_size, 1 + hint_layers.CHANNELS), name="gray_and_hints")
    return inputs, InputLightness(name="gray")(inputs)


def _input_shape(image_size: int | tuple[int | None, int | None] | None, channels: int) -> tuple:
    if image_size is None:
        return (None, None, channels)
    h, w = (image_size, image_size) if isinstance(image_size, int) else image_size
    return (h, w, channels)


def _check_head(head: str) -> None:
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, not {head!r}")


def _check_divisible(image_size: int | tuple | None, depth: int) -> None:
    sizes = [] if image_size is None else [image_size] if isinstance(image_size, int) else image_size
    for s in sizes:
        if s is not None and s % 2**depth:
            raise ValueError(f"image size {s} is not divisible by 2**depth = {2**depth}")


def _output_head(gray: keras.KerasTensor, features: keras.KerasTensor, head: str) -> keras.KerasTensor:
    """The last layer: tanh RGB (the seed's) or a*b* recombined with the input's L."""
    if head == "rgb":
        return layers.Activation("tanh", dtype="float32", name="rgb")(features)
    if head == "lab":
        return LabHead(name="lab")(gray, features)
    return MultiplyHead(name="multiply")(gray, features)


# ---------------------------------------------------------------- the seed's DCGAN


def dcgan_generator(
    image_size: int | tuple | None = 256, depth: int = 4, width: int = 64, head: str = "rgb", hints: bool = False
) -> keras.Model:
    """The seed's encoder-decoder: `depth` strided convolutions down, `depth - 1`
    transposed convolutions up, and a stride-2 transposed convolution to RGB."""
    _check_head(head)
    _check_divisible(image_size, depth)
    filters = [width * min(2**i, 8) for i in range(depth)]
    inputs, gray = _generator_input(image_size, hints)
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
    return keras.Model(inputs, _output_head(gray, x, head), name=f"dcgan_generator_{head}")


def dcgan_discriminator(image_size: int | tuple = 256, width: int = 64) -> keras.Model:
    """The seed's conditional discriminator: the probability that an (input, colour) stack is real."""
    stack = keras.Input(_input_shape(image_size, 4), name="gray_and_rgb")
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


# ---------------------------------------------------------------- U-Net and PatchGAN


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
    hints: bool = False,
    norm: str = "batch",
) -> keras.Model:
    """A U-Net: strided convolutions down, upsample-and-convolve up, skips at every scale.

    `norm="group"` normalises each image on its own (GroupNorm, Wu and He 2018): no
    running statistics, so the network validates and colorizes exactly as it trains.
    """
    _check_head(head)
    _check_divisible(image_size, depth)
    filters = [width * min(2**i, 8) for i in range(depth)]
    inputs, gray = _generator_input(image_size, hints)
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
    x = layers.Conv2D(HEAD_CHANNELS[head], 3, padding="same", name="out_conv2")(x)
    return keras.Model(inputs, _output_head(gray, x, head), name=f"unet_generator_{head}")


def patchgan_discriminator(image_size: int | tuple | None = 256, width: int = 32, depth: int = 3) -> keras.Model:
    """pix2pix's PatchGAN: a logit per overlapping patch (70 x 70 px at depth 3)."""
    stack = keras.Input(_input_shape(image_size, 4), name="gray_and_rgb")
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


# ---------------------------------------------------------------- one factory

ARCHITECTURES: dict[str, tuple[Callable[..., keras.Model], Callable[..., keras.Model]]] = {
    "dcgan": (dcgan_generator, dcgan_discriminator),
    "unet": (unet_generator, patchgan_discriminator),
}


def _arch(config: Config) -> tuple[Callable[..., keras.Model], Callable[..., keras.Model]]:
    if config.arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {sorted(ARCHITECTURES)}, not {config.arch!r}")
    return ARCHITECTURES[config.arch]


def build_generator(config: Config, image_size: int | tuple | None = None) -> keras.Model:
    """The generator `config` names; `image_size=None` keeps the spatial size open
    so one model colorizes images of any size divisible by 2**depth."""
    build = _arch(config)[0]
    # The seed's generator is as its README describes it: no dropout to configure.
    extra = {"dropout": config.dropout, "norm": config.norm} if config.arch == "unet" else {}
    return build(
        image_size,
        depth=config.depth or DEFAULT_DEPTH[config.arch],
        width=config.width or DEFAULT_WIDTH[config.arch],
        head=config.head,
        hints=hints_enabled(config),
        **extra,
    )


def hints_enabled(config: Config) -> bool:
    """Whether `config`'s generator takes a hint layer: its setting, else the architecture's default."""
    return DEFAULT_HINTS[config.arch] if config.hints is None else config.hints


def takes_hints(generator: keras.Model) -> bool:
    """Whether a built generator takes a hint layer after its B&W channel."""
    return generator.input_shape[-1] > 1


def build_discriminator(config: Config) -> keras.Model:
    """The discriminator `config` names, at the training size."""
    return _arch(config)[1](config.image_size, width=config.width or DEFAULT_WIDTH[config.arch])


def lab_head(generator: keras.Model) -> LabHead | None:
    """The generator's Lab or Multiply head, or None for an RGB head."""
    return next((layer for layer in generator.layers if isinstance(layer, LabHead)), None)


def colour_layer(generator: keras.Model) -> Callable[[tf.Tensor], tf.Tensor] | None:
    """A function from the generator's input to its colour layer (factor, a*, b*), for
    full-resolution inference; None for an RGB head, which paints lines and all."""
    head = lab_head(generator)
    if head is None:
        return None
    features = keras.Model(generator.inputs, head.input[1], name=f"{generator.name}_features")
    return lambda gray: head.layer(features(gray, training=False))


def discriminator_gives_logits(discriminator: keras.Model) -> bool:
    """True for the PatchGAN (logits), False for the seed's (a sigmoid probability)."""
    return discriminator.layers[-1].get_config().get("activation") != "sigmoid"


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
