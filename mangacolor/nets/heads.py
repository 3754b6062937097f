"""The generators' output heads: how predicted features become a colour image.

`LabHead` predicts a*b* and keeps the input's lightness; `MultiplyHead` predicts
a colour layer (a lightness factor and a*b*) laid under the input's ink, as a
colourist's layer in Multiply mode; `BinsHead` is the Multiply head whose a*b*
come from a distribution over quantised colours (losses.colour_class_loss). All
are float32 under mixed precision and registered with Keras, so saved
generators load with keras.saving.load_model.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from mangacolor import color

AB_RANGE = 110.0  # |a*|, |b*| of sRGB colours stay below this


@keras.saving.register_keras_serializable(package="mangacolor")
class LabHead(layers.Layer):
    """Combine predicted a*b* (tanh-scaled) with the input's L into RGB in [-1, 1].

    Chroma is shrunk towards grey where it leaves the sRGB gamut, at fixed L and
    hue, so the output's lightness is the input's. Runs in float32 whatever the
    mixed-precision policy, since colour conversion needs the precision.

    `chroma_gain` (not trained, 1 during training) scales the predicted a*b*: an
    L1-trained model predicts the mean of the plausible colours, which is greyer
    than any of them, and `training.calibrate_chroma_gain` sets this gain on the
    validation split after training, like temperature scaling for a classifier.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def build(self, gray_shape: tuple, features_shape: tuple) -> None:
        self.chroma_gain = self.add_weight(name="chroma_gain", shape=(), initializer="ones", trainable=False)

    def layer(self, features: tf.Tensor) -> tf.Tensor:
        """The colour layer (factor, a*, b*) the head paints under the input's lightness.

        For the Lab head the factor is 1: the input's lightness is kept as it is.
        """
        ab = tf.tanh(tf.cast(features, tf.float32)[..., -2:]) * AB_RANGE * self.chroma_gain
        return tf.concat([tf.ones_like(ab[..., :1]), ab], axis=-1)

    def call(self, gray: tf.Tensor, features: tf.Tensor) -> tf.Tensor:
        return combine(color.input_to_lightness(tf.cast(gray, tf.float32)), self.layer(features)) * 2.0 - 1.0

    def compute_output_shape(self, gray_shape: tuple, features_shape: tuple) -> tuple:
        return (*gray_shape[:-1], 3)


@keras.saving.register_keras_serializable(package="mangacolor")
class MultiplyHead(LabHead):
    """A colour layer under the ink: L* out = L* in x a predicted factor in [0, 1], a*b* predicted.

    A colourist lays flat colours under the line art and sets the line art to
    Multiply: ink stays black, paper takes the colour. Multiplying lightness
    only (not RGB) serves grayscale input as well: where the factor is 1 this is
    exactly the Lab head, and a saturated fill over its own mid-grey is not
    darkened twice, as an RGB product would darken it. On white paper (L* = 100)
    the output is the colour layer itself.
    """

    FACTOR_OFFSET = 2.0  # the factor starts near 0.9: the input's lightness, barely darkened

    def layer(self, features: tf.Tensor) -> tf.Tensor:
        factor = self.factor(tf.cast(features, tf.float32)[..., :1])
        return tf.concat([factor, super().layer(features)[..., 1:]], axis=-1)

    def factor(self, logit: tf.Tensor) -> tf.Tensor:
        """The lightness factor in [0, 1] from its logit (float32)."""
        return tf.sigmoid(logit + self.FACTOR_OFFSET)


def combine(lightness: tf.Tensor, layer: tf.Tensor) -> tf.Tensor:
    """The input's L* (..., 1) under a colour layer (factor, a*, b*) as sRGB in [0, 1].

    Chroma is shrunk towards grey where a colour leaves the sRGB gamut, at fixed
    L* and hue, so the output's lightness is the input's times the factor: black
    ink stays black whatever the layer says.
    """
    lab = tf.concat([lightness * layer[..., :1], layer[..., 1:]], axis=-1)
    return color.lab_to_rgb(color.fit_chroma_to_gamut(lab))


BIN_SPACING = 15.0  # a*b* units between bin centres; 97 of the 15 x 15 grid hold sRGB colours
ANNEALED_T = 0.38  # Zhang et al.'s temperature: between the mean (1) and the mode (0)


@functools.cache
def bin_centres() -> np.ndarray:
    """The a*b* centres (Q, 2) of a grid every BIN_SPACING units, kept where some L* puts them in sRGB."""
    grid = np.arange(-7, 8) * BIN_SPACING
    ab = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
    lightness = np.linspace(2.0, 98.0, 49)
    n = len(lightness)
    lab = np.concatenate(
        [np.broadcast_to(lightness[:, None, None], (n, len(ab), 1)), np.broadcast_to(ab, (n, *ab.shape))], -1
    )
    linear = color.lab_to_linear_rgb(tf.constant(lab, tf.float32)).numpy()
    return ab[((linear >= 0) & (linear <= 1)).all(-1).any(0)].astype(np.float32)


@keras.saving.register_keras_serializable(package="mangacolor")
class BinsHead(MultiplyHead):
    """The Multiply head with a*b* classified, not regressed (Zhang, Isola and Efros 2016).

    Features are two tensors: the factor's logit at full resolution, and one logit
    per a*b* bin at half resolution (colour changes slowly; the ink and the factor
    carry the detail, as Zhang et al. predict colour at a quarter of the size). An
    L1-trained head predicts the mean of the plausible colours, a beige between red
    and green; a distribution over bins keeps each of them, and its annealed mean
    (softmax at ANNEALED_T) picks the likely one while staying smooth, then is
    resized to the page. The decoded a*b* carry no gradient: the bins learn from
    the class loss alone, the factor from L1. `bin_counts` accumulates the training
    targets' bins, for the class rebalancing of losses.colour_class_loss.
    """

    def build(self, gray_shape: tuple, features_shape: tuple) -> None:
        super().build(gray_shape, features_shape)
        self.bin_counts = self.add_weight(
            name="bin_counts", shape=(len(bin_centres()),), initializer="zeros", trainable=False, aggregation="sum"
        )

    def layer(self, features: tuple[tf.Tensor, tf.Tensor]) -> tf.Tensor:
        factor_logit, logits = (tf.cast(f, tf.float32) for f in features)
        factor = self.factor(factor_logit)
        probabilities = tf.nn.softmax(tf.stop_gradient(logits) / ANNEALED_T)
        ab = tf.tensordot(probabilities, tf.constant(bin_centres()), axes=1) * self.chroma_gain
        return tf.concat([factor, tf.image.resize(ab, tf.shape(factor)[1:3], "bilinear")], axis=-1)


@keras.saving.register_keras_serializable(package="mangacolor")
class InputLightness(layers.Layer):
    """The B&W channel of an input that carries hint channels after it (data/hint_sampling.py)."""

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return inputs[..., :1]

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape[:-1], 1)
