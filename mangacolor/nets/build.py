"""Generators and discriminators, chosen by name from a Config.

`dcgan` is the seed's DCGAN as its README describes it (dcgan.py); `unet` is a
U-Net with a PatchGAN discriminator (unet.py). Every generator maps B&W input
(B, H, W, 1, then the hint channels) in [-1, 1] to RGB in [-1, 1] through one of
three heads (ends.py).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf

from mangacolor.config import DEFAULT_DEPTH, DEFAULT_HINT_INPUT, DEFAULT_WIDTH, Config
from mangacolor.nets.dcgan import dcgan_discriminator, dcgan_generator
from mangacolor.nets.heads import LabHead
from mangacolor.nets.unet import patchgan_discriminator, unet_generator

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
        hint_input=uses_hint_input(config),
        **extra,
    )


def uses_hint_input(config: Config) -> bool:
    """Whether `config`'s generator takes hint channels: its setting, else the architecture's default."""
    return DEFAULT_HINT_INPUT[config.arch] if config.hint_input is None else config.hint_input


def takes_hints(generator: keras.Model) -> bool:
    """Whether a built generator takes hint channels after its B&W channel, so a user's hints."""
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
    read = head.input[1:]  # after the B&W channel: one tensor, or the bins head's two
    features = keras.Model(generator.inputs, read[0] if len(read) == 1 else read, name=f"{generator.name}_features")
    return lambda gray: head.layer(features(gray, training=False))


def discriminator_gives_logits(discriminator: keras.Model) -> bool:
    """True for the PatchGAN (logits), False for the seed's (a sigmoid probability)."""
    return discriminator.layers[-1].get_config().get("activation") != "sigmoid"
