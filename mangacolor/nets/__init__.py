"""The networks: generators, discriminators, their colour heads and the losses they train with.

`build.py` builds what a Config names; `dcgan.py` is the seed's DCGAN exactly as
described, `unet.py` the U-Net and PatchGAN, `ends.py` the inputs and output heads
every generator shares, `heads.py` the Lab and Multiply heads as Keras layers,
`losses.py` the pix2pix objective, `measure.py` parameters, FLOPs and receptive fields.
"""

from mangacolor.nets.build import (
    build_discriminator,
    build_generator,
    colour_layer,
    discriminator_gives_logits,
    lab_head,
    takes_hints,
    uses_hint_input,
)
from mangacolor.nets.dcgan import dcgan_discriminator, dcgan_generator
from mangacolor.nets.heads import LabHead, MultiplyHead
from mangacolor.nets.measure import describe, flops_per_image, receptive_field
from mangacolor.nets.unet import patchgan_discriminator, unet_generator

__all__ = [
    "LabHead",
    "MultiplyHead",
    "build_discriminator",
    "build_generator",
    "colour_layer",
    "dcgan_discriminator",
    "dcgan_generator",
    "describe",
    "discriminator_gives_logits",
    "flops_per_image",
    "lab_head",
    "patchgan_discriminator",
    "receptive_field",
    "takes_hints",
    "unet_generator",
    "uses_hint_input",
]
