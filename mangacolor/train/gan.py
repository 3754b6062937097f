"""The GAN: a keras.Model whose `train_step` trains both networks, as keras-io's DCGAN example does.

`ColorizationGAN(generator, discriminator)`, `compile(g_optimizer, d_optimizer, ...)`
and a `train_step` that returns a dict of losses, so that `fit` prints them, keeps
the history and runs the callbacks. `build_gan` builds one from a Config.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from mangacolor.config import Config
from mangacolor.nets import build_discriminator, build_generator, discriminator_gives_logits, lab_head, losses
from mangacolor.nets.heads import BinsHead


class ColorizationGAN(keras.Model):
    """A conditional GAN: the generator colours B&W input, the discriminator judges (input, colour) pairs."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.from_logits = discriminator_gives_logits(discriminator)
        head = lab_head(generator)
        # The bins head's loss reads its logits: the same layers, seen with two outputs.
        self.bins = head if isinstance(head, BinsHead) else None
        if self.bins is not None:
            self.with_logits = keras.Model(generator.inputs, [generator.outputs[0], head.input[-1]])
        names = ("g_adv", "g_l1", "g_class", "d_real", "d_fake", "l1", "psnr")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer,
        d_optimizer: keras.optimizers.Optimizer,
        l1_weight: float = 100.0,
        adv_weight: float = 1.0,
        chroma_weight: float = 0.0,
        class_weight: float = 100.0,
        **kwargs: object,
    ) -> None:
        # Two optimizers of our own: no default one for Keras to build, save and restore.
        super().compile(optimizer=None, **kwargs)
        self.chroma_weight = chroma_weight
        self.class_weight = class_weight
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.l1_weight = l1_weight
        self.adv_weight = adv_weight
        # Read when the train step is traced: AdversarialWarmup switches it and retraces.
        self.adversarial = adv_weight > 0

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        return self.generator(inputs, training=training)

    def _report(self, **values: tf.Tensor) -> dict[str, tf.Tensor]:
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in values}

    def _generate(self, inputs: tf.Tensor, target: tf.Tensor) -> tuple[tf.Tensor, dict[str, tf.Tensor]]:
        """The generated colours, and the bins head's class loss where it has one."""
        if self.bins is None:
            return self.generator(inputs, training=True), {}
        fake, logits = self.with_logits(inputs, training=True)
        return fake, {"g_class": losses.colour_class_loss(logits, target, self.bins)}

    def _generator_loss(self, g_l1: tf.Tensor, extra: dict[str, tf.Tensor], g_adv: tf.Tensor | float = 0.0):
        class_loss = extra.get("g_class", 0.0)
        return self.adv_weight * g_adv + self.l1_weight * g_l1 + self.class_weight * class_loss

    def train_step(self, batch: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        inputs, target = batch
        gray = inputs[..., :1]  # the discriminator judges (B&W, colour) pairs; hints are the generator's
        # Gradients are summed over replicas: average the loss over all of them.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if not self.adversarial:
            # L1 warm-up: the discriminator's verdict would be weighted by zero, so
            # neither network spends time on it (bench/train_throughput.py measures the gain).
            with tf.GradientTape() as g_tape:
                fake, extra = self._generate(inputs, target)
                g_l1 = losses.l1_loss(target, fake, self.chroma_weight)
                g_loss = self.g_optimizer.scale_loss(self._generator_loss(g_l1, extra) / replicas)
            self._apply(self.g_optimizer, g_tape, g_loss, self.generator)
            return self._report(g_l1=g_l1, **extra)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake, extra = self._generate(inputs, target)
            real_out = self.discriminator(tf.concat([gray, target], -1), training=True)
            fake_out = self.discriminator(tf.concat([gray, tf.cast(fake, gray.dtype)], -1), training=True)
            g_adv = losses.generator_adversarial_loss(fake_out, self.from_logits)
            g_l1 = losses.l1_loss(target, fake, self.chroma_weight)
            g_loss = self.g_optimizer.scale_loss(self._generator_loss(g_l1, extra, g_adv) / replicas)
            d_real, d_fake = losses.discriminator_losses(real_out, fake_out, self.from_logits)
            d_loss = self.d_optimizer.scale_loss(0.5 * (d_real + d_fake) / replicas)
        self._apply(self.g_optimizer, g_tape, g_loss, self.generator)
        self._apply(self.d_optimizer, d_tape, d_loss, self.discriminator)
        return self._report(g_adv=g_adv, g_l1=g_l1, d_real=d_real, d_fake=d_fake, **extra)

    @staticmethod
    def _apply(
        optimizer: keras.optimizers.Optimizer,
        tape: tf.GradientTape,
        loss: tf.Tensor,
        net: keras.Model,
    ) -> None:
        """One optimizer step on `loss`, already scaled by `optimizer.scale_loss` inside the tape.

        scale_loss is the identity except under a LossScaleOptimizer (float16); called
        after the tape has closed, the tape never saw the product and every gradient
        came back None. The LossScaleOptimizer divides the scale out again in `apply`.
        """
        optimizer.apply(tape.gradient(loss, net.trainable_variables), net.trainable_variables)

    def test_step(self, batch: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        inputs, target = batch
        fake = tf.cast(self.generator(inputs, training=False), tf.float32)
        psnr = tf.image.psnr((target + 1.0) / 2.0, (fake + 1.0) / 2.0, max_val=1.0)
        return self._report(l1=losses.l1_loss(target, fake), psnr=tf.reduce_mean(psnr))


def make_optimizer(config: Config, policy: str) -> keras.optimizers.Optimizer:
    """Adam(2e-4, beta_1=0.5), the seed's; wrapped for loss scaling under float16."""
    opt = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
    return keras.optimizers.LossScaleOptimizer(opt) if policy == "mixed_float16" else opt


def build_gan(config: Config, policy: str = "float32") -> ColorizationGAN:
    """Generator, discriminator and optimizers as `config` says, compiled and built."""
    gan = ColorizationGAN(build_generator(config), build_discriminator(config))
    gan.compile(
        make_optimizer(config, policy),
        make_optimizer(config, policy),
        l1_weight=config.l1_weight,
        adv_weight=config.adv_weight,
        chroma_weight=config.chroma_weight,
        class_weight=config.class_weight,
    )
    size = config.image_size
    gan.build(gan.generator.input_shape[:1] + (size, size) + gan.generator.input_shape[-1:])
    # Built optimizers let the resume backup load their state before the first step.
    gan.g_optimizer.build(gan.generator.trainable_variables)
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    return gan
