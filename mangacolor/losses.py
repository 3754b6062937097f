"""The pix2pix objective: an adversarial loss plus L1 to the target (weight 100, the seed's).

The seed's discriminator ends in a sigmoid and gives probabilities; the
PatchGAN gives logits, which are numerically safer, so each loss takes
`from_logits` to match the discriminator in use.
"""

from __future__ import annotations

import tensorflow as tf


def _bce(labels: tf.Tensor, predictions: tf.Tensor, from_logits: bool) -> tf.Tensor:
    predictions = tf.cast(predictions, tf.float32)
    if from_logits:
        losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=predictions)
    else:
        p = tf.clip_by_value(predictions, 1e-7, 1.0 - 1e-7)
        losses = -(labels * tf.math.log(p) + (1.0 - labels) * tf.math.log(1.0 - p))
    return tf.reduce_mean(losses)


def generator_adversarial_loss(fake_output: tf.Tensor, from_logits: bool) -> tf.Tensor:
    """How far the discriminator is from calling the generated images real."""
    return _bce(tf.ones_like(fake_output, tf.float32), fake_output, from_logits)


def discriminator_losses(
    real_output: tf.Tensor, fake_output: tf.Tensor, from_logits: bool
) -> tuple[tf.Tensor, tf.Tensor]:
    """BCE on real pairs (label 1) and on generated pairs (label 0), reported separately."""
    real = _bce(tf.ones_like(real_output, tf.float32), real_output, from_logits)
    fake = _bce(tf.zeros_like(fake_output, tf.float32), fake_output, from_logits)
    return real, fake


def l1_loss(target: tf.Tensor, generated: tf.Tensor) -> tf.Tensor:
    """Mean absolute error in [-1, 1] units: keeps the colours close to the target's."""
    return tf.reduce_mean(tf.abs(tf.cast(target, tf.float32) - tf.cast(generated, tf.float32)))
