"""Training: a Keras GAN with its own train_step, run by `fit`, plus the callbacks a real run needs.

Shaped like keras-io's DCGAN example: `ColorizationGAN(generator,
discriminator)`, `compile(g_optimizer, d_optimizer, ...)`, a `train_step` that
returns a dict of losses, and one call to `fit`. `train(config, run_dir)` adds
what a long run needs: a validation split, sample grids, best and last
checkpoints, a backup to resume from (runs.Backup), TensorBoard, a CSV history that
stays continuous across resumes, and a float32 / mixed-precision choice.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mangacolor import data, losses, models, pipeline
from mangacolor.callbacks import (
    AdversarialWarmup,
    GeneratorCheckpoint,
    HistoryCSV,
    LinearDecay,
    SampleGrid,
    TerminateOnNaNWithAdvice,
    TimeBudget,
)
from mangacolor.config import Config, check_time_limit
from mangacolor.files import WriteError
from mangacolor.metrics import calibrate_chroma_gain
from mangacolor.runs import (
    Backup,
    backup_epoch,
    prepare_run,
    save_generator,
)


class ColorizationGAN(keras.Model):
    """A conditional GAN: the generator colours B&W input, the discriminator judges (input, colour) pairs."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.from_logits = models.discriminator_gives_logits(discriminator)
        names = ("g_adv", "g_l1", "d_real", "d_fake", "l1", "psnr")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer,
        d_optimizer: keras.optimizers.Optimizer,
        l1_weight: float = 100.0,
        adv_weight: float = 1.0,
        chroma_weight: float = 0.0,
        **kwargs: object,
    ) -> None:
        # Two optimizers of our own: no default one for Keras to build, save and restore.
        super().compile(optimizer=None, **kwargs)
        self.chroma_weight = chroma_weight
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

    def train_step(self, batch: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        inputs, target = batch
        gray = inputs[..., :1]  # the discriminator judges (B&W, colour) pairs; hints are the generator's
        # Gradients are summed over replicas: average the loss over all of them.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if not self.adversarial:
            # L1 warm-up: the discriminator's verdict would be weighted by zero, so
            # neither network spends time on it (bench/train_throughput.py measures the gain).
            with tf.GradientTape() as g_tape:
                g_l1 = losses.l1_loss(target, self.generator(inputs, training=True), self.chroma_weight)
                g_loss = self.g_optimizer.scale_loss(self.l1_weight * g_l1 / replicas)
            self._apply(self.g_optimizer, g_tape, g_loss, self.generator)
            return self._report(g_l1=g_l1)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(inputs, training=True)
            real_out = self.discriminator(tf.concat([gray, target], -1), training=True)
            fake_out = self.discriminator(tf.concat([gray, tf.cast(fake, gray.dtype)], -1), training=True)
            g_adv = losses.generator_adversarial_loss(fake_out, self.from_logits)
            g_l1 = losses.l1_loss(target, fake, self.chroma_weight)
            g_loss = self.g_optimizer.scale_loss((self.adv_weight * g_adv + self.l1_weight * g_l1) / replicas)
            d_real, d_fake = losses.discriminator_losses(real_out, fake_out, self.from_logits)
            d_loss = self.d_optimizer.scale_loss(0.5 * (d_real + d_fake) / replicas)
        self._apply(self.g_optimizer, g_tape, g_loss, self.generator)
        self._apply(self.d_optimizer, d_tape, d_loss, self.discriminator)
        return self._report(g_adv=g_adv, g_l1=g_l1, d_real=d_real, d_fake=d_fake)

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


# ---------------------------------------------------------------- precision


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_precision(requested: str = "auto") -> str:
    """The Keras dtype policy for a run.

    On GPUs: bfloat16 from compute capability 8.0 (Ampere and later: Colab's L4 and
    A100), whose tensor cores run it as fast as float16 and whose float32 exponent
    range needs no loss scaling; float16 with loss scaling on 7.x (Kaggle's and
    Colab's T4, the V100), whose tensor cores have no bfloat16; float32 below
    (Kaggle's P100 has no tensor cores). On CPUs: bfloat16 with AMX or AVX512-BF16
    (bench/train_throughput.py measures the gain), else float32, since bfloat16
    is emulated there and slower.
    """
    if requested != "auto":
        return requested
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
        if capability >= (8, 0):
            return "mixed_bfloat16"
        return "mixed_float16" if capability >= (7, 0) else "float32"
    if {"amx_bf16", "avx512_bf16"} & _cpu_flags():
        return "mixed_bfloat16"
    return "float32"


def make_optimizer(config: Config, policy: str) -> keras.optimizers.Optimizer:
    """Adam(2e-4, beta_1=0.5), the seed's; wrapped for loss scaling under float16."""
    opt = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
    return keras.optimizers.LossScaleOptimizer(opt) if policy == "mixed_float16" else opt


def build_gan(config: Config, policy: str = "float32") -> ColorizationGAN:
    """Generator, discriminator and optimizers as `config` says, compiled and built."""
    gan = ColorizationGAN(models.build_generator(config), models.build_discriminator(config))
    gan.compile(
        make_optimizer(config, policy),
        make_optimizer(config, policy),
        l1_weight=config.l1_weight,
        adv_weight=config.adv_weight,
        chroma_weight=config.chroma_weight,
    )
    size = config.image_size
    gan.build(gan.generator.input_shape[:1] + (size, size) + gan.generator.input_shape[-1:])
    # Built optimizers let the resume backup load their state before the first step.
    gan.g_optimizer.build(gan.generator.trainable_variables)
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    return gan


def restore_best(generator: keras.Model, best: Path) -> None:
    """Give the generator the weights of its best epoch (lowest val_l1).

    Adversarial training oscillates: on a short CPU budget the last epoch was
    measured worse than the best one (bench/quality_ablation.csv), so the final
    generator is the best, as with EarlyStopping(restore_best_weights=True).
    """
    if best.is_file():
        generator.set_weights(keras.saving.load_model(best, compile=False).get_weights())


def recalibrate_batchnorm(generator: keras.Model, dataset: tf.data.Dataset, batches: int = 20) -> None:
    """Re-estimate the BatchNorm statistics of the final generator on training batches.

    The moving averages kept during training follow the last few batches, whose
    mix of inputs (grayscale or line art, many hints or none) varies, and they
    lag behind the weights; validation L1 then jumps from epoch to epoch though
    the training loss falls steadily. Averaging the statistics of `batches`
    batches with the final weights, as SWA does after averaging weights
    (Izmailov et al. 2018), fixes that (bench/quality.py measures it).
    """
    norms = [layer for layer in generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    for k, (inputs, _) in enumerate(dataset.take(batches)):
        for layer in norms:
            layer.momentum = k / (k + 1)  # a running mean over the batches seen so far
        generator(inputs, training=True)
    for layer, momentum in zip(norms, momenta, strict=True):
        layer.momentum = momentum


# ---------------------------------------------------------------- one training run


def _first_batch(dataset: tf.data.Dataset, n: int) -> tuple[np.ndarray, np.ndarray]:
    gray, target = next(iter(dataset.unbatch().batch(n)))
    return gray.numpy(), target.numpy()


def _datasets(config: Config, skipped: data.SkippedFiles) -> tuple[tf.data.Dataset, tf.data.Dataset, int]:
    """Training batches (repeated), validation batches and the steps of an epoch, after
    saying what was found. The step count lets the first epoch's progress bar show its
    total (tf.data loses the length where unreadable files are filtered out)."""
    train_pairs, val_pairs, found = data.training_pairs(config.data, config.series, config.max_images)
    print(found)
    hints = models.hints_enabled(config)
    common = dict(image_size=config.image_size, simulation=config.simulation, skipped=skipped)
    train_ds = pipeline.make_dataset(
        train_pairs,
        batch_size=config.batch_size,
        training=True,
        seed=config.seed,
        # Whole batches only, unless the data set is smaller than one batch.
        drop_remainder=len(train_pairs) >= config.batch_size,
        hints="random" if hints else None,
        **common,
    )
    # Validation and the best epoch: the automatic mode (no hints).
    val_ds = pipeline.make_dataset(
        val_pairs, batch_size=config.batch_size, training=False, hints=0 if hints else None, **common
    )
    steps = max(1, len(train_pairs) // config.batch_size)
    return train_ds.repeat(), val_ds, steps


def run_callbacks(
    config: Config, run_dir: Path, val_ds: tf.data.Dataset, time_limit: float | None
) -> list[keras.callbacks.Callback]:
    """What a long run needs beside `fit`, in the order it must run."""
    gray, target = _first_batch(val_ds, 8)
    writer = tf.summary.create_file_writer(str(run_dir / "logs" / "samples"))
    return [
        HistoryCSV(run_dir / "history.csv"),
        GeneratorCheckpoint(run_dir / "checkpoints"),
        SampleGrid(run_dir / "samples", gray, target, config.sample_every, writer),
        keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False),
        TerminateOnNaNWithAdvice(),
        AdversarialWarmup(config.gan_warmup),
        *([LinearDecay(config.learning_rate, config.epochs, time_limit)] if config.lr_decay else []),
        # Last, so that the history and checkpoints of an epoch exist before it counts as done.
        Backup(run_dir / "backup"),
        *([TimeBudget(time_limit)] if time_limit else []),
    ]


def _fit(gan: ColorizationGAN, train_ds, val_ds, steps: int, epochs: int, callbacks: list, verbose, run_dir: Path):
    """`fit`; a file that cannot be written stops it with one message saying where to resume."""
    try:
        with warnings.catch_warnings():
            # Keras warns when a validation set of unknown length (filtered files) ends.
            warnings.filterwarnings("ignore", message="Your input ran out of data")
            gan.fit(
                train_ds,
                validation_data=val_ds,
                epochs=epochs,
                steps_per_epoch=steps,
                callbacks=callbacks,
                verbose=verbose,
                shuffle=False,
            )
    except WriteError as e:
        epoch = backup_epoch(run_dir / "backup")
        advice = (
            f"Training stopped; the files already in {run_dir} are intact. "
            f"Once this is fixed, --resume continues from epoch {epoch + 1}"
        )
        raise WriteError(e.path, e.cause, advice) from e


def _finish(gan: ColorizationGAN, config: Config, run_dir: Path, train_ds, val_ds) -> None:
    """The final generator: the best epoch, its BatchNorm statistics and chroma gain refitted."""
    restore_best(gan.generator, run_dir / "checkpoints" / "best.keras")
    recalibrate_batchnorm(gan.generator, train_ds)
    if config.calibrate:
        gain = calibrate_chroma_gain(gan.generator, val_ds)
        print(f"chroma gain calibrated on the validation split: {gain:g}")
    save_generator(gan.generator, run_dir / "generator.keras")


def train(
    config: Config,
    run_dir: str | os.PathLike,
    resume: bool = False,
    strategy: tf.distribute.Strategy | None = None,
    verbose: str | int = "auto",
    time_limit: float | None = None,
    extra_callbacks: list[keras.callbacks.Callback] | None = None,
) -> ColorizationGAN:
    """Train as `config` says, writing everything to `run_dir`; returns the trained GAN.

    The run directory holds config.json, history.csv, samples/, checkpoints/
    (best.keras, last.keras), logs/ for TensorBoard, backup/ for resuming, and the
    final generator.keras: the best epoch's generator, its chroma gain calibrated.
    With resume=True (or --resume), an interrupted run continues from its last
    finished epoch. `time_limit` (minutes) stops early.
    """
    run_dir = Path(run_dir)
    check_time_limit(time_limit)
    config = prepare_run(config, run_dir, resume)
    keras.utils.set_random_seed(config.seed)
    policy = choose_precision(config.precision)
    previous_policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(policy)
    try:
        skipped = data.SkippedFiles()
        train_ds, val_ds, steps = _datasets(config, skipped)
        with (strategy or tf.distribute.get_strategy()).scope():
            gan = build_gan(config, policy)
        callbacks = run_callbacks(config, run_dir, val_ds, time_limit) + list(extra_callbacks or [])
        _fit(gan, train_ds, val_ds, steps, config.epochs, callbacks, verbose, run_dir)
        _finish(gan, config, run_dir, train_ds, val_ds)
        if len(skipped):
            print(f"{len(skipped)} unreadable image(s) skipped: {', '.join(skipped.paths)}")
        return gan
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
