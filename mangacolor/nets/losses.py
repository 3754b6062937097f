"""The pix2pix objective: an adversarial loss plus L1 to the target (weight 100, the seed's),
and for the bins head a colour-class loss over quantised a*b*.

The seed's discriminator ends in a sigmoid and gives probabilities; the
PatchGAN gives logits, which are numerically safer, so each loss takes
`from_logits` to match the discriminator in use.
"""

from __future__ import annotations

import tensorflow as tf

from mangacolor import color
from mangacolor.nets.heads import BIN_SPACING, BinsHead, bin_centres


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


def l1_loss(target: tf.Tensor, generated: tf.Tensor, chroma_weight: float = 0.0) -> tf.Tensor:
    """Mean absolute error in [-1, 1] units: keeps the colours close to the target's.

    Line art is mostly white paper and grey shading, so plain L1 is dominated by
    pixels whose right answer is "no colour" and pulls predictions towards grey.
    `chroma_weight` k weighs each pixel by 1 + k * C*ab / 100 of the target (a
    regression form of Zhang et al.'s rare-colour rebalancing), normalised so the
    loss keeps its scale.
    """
    target = tf.cast(target, tf.float32)
    error = tf.abs(target - tf.cast(generated, tf.float32))
    if not chroma_weight:
        return tf.reduce_mean(error)
    ab = color.rgb_to_lab((target + 1.0) / 2.0)[..., 1:]
    weight = 1.0 + chroma_weight * tf.norm(ab, axis=-1, keepdims=True) / 100.0
    return tf.reduce_sum(error * weight) / (tf.reduce_sum(weight) * 3.0)


REBALANCE_MIX = 0.5  # Zhang et al.'s lambda: half the empirical distribution, half uniform


def colour_class_loss(logits: tf.Tensor, target: tf.Tensor, head: BinsHead) -> tf.Tensor:
    """Rebalanced cross-entropy between the predicted a*b* bins and the target's, soft-encoded.

    Each target pixel's a*b* is spread over the nearby bin centres with a
    Gaussian of half a bin's spacing (Zhang et al.'s soft encoding). Rare colours
    weigh more: a pixel's weight is 1 / ((1 - lambda) p + lambda / Q) for its
    bins' frequency p in the targets seen so far (`head.bin_counts`, updated
    here), normalised to 1 on average, so saturated fills are not drowned by the
    paper's neutral bin. The logits are at half the target's resolution (heads.BinsHead): each
    is scored against the target's pixel at the top left of its 2 x 2 block.
    """
    centres = tf.constant(bin_centres())
    stride = tf.shape(target)[1] // tf.shape(logits)[1]
    target = target[:, ::stride, ::stride]
    ab = color.rgb_to_lab((tf.cast(target, tf.float32) + 1.0) / 2.0)[..., 1:]
    distances = tf.reduce_sum(tf.square(ab[..., None, :] - centres), axis=-1)
    soft = tf.nn.softmax(-distances / (2.0 * (BIN_SPACING / 2.0) ** 2))
    head.bin_counts.assign_add(tf.reduce_sum(soft, axis=(0, 1, 2)))
    frequency = head.bin_counts / tf.reduce_sum(head.bin_counts)
    weights = 1.0 / ((1.0 - REBALANCE_MIX) * frequency + REBALANCE_MIX / centres.shape[0])
    weights /= tf.reduce_sum(frequency * weights)
    cross_entropy = -tf.reduce_sum(soft * tf.nn.log_softmax(tf.cast(logits, tf.float32)), axis=-1)
    return tf.reduce_mean(cross_entropy * tf.tensordot(soft, weights, axes=1))
