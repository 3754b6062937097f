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
import time
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mangacolor import data, losses, metrics, models, visualize
from mangacolor.config import Config, check_time_limit
from mangacolor.files import WriteError
from mangacolor.runs import (
    Backup,
    backup_epoch,
    prepare_run,
    read_history,
    read_history_rows,
    save_generator,
    write_history_rows,
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
            # neither network spends time on it (1.3x the images per second: bench/train_throughput.py).
            with tf.GradientTape() as g_tape:
                g_l1 = losses.l1_loss(target, self.generator(inputs, training=True), self.chroma_weight)
                g_loss = self.l1_weight * g_l1 / replicas
            self._apply(self.g_optimizer, g_tape, g_loss, self.generator)
            return self._report(g_l1=g_l1)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(inputs, training=True)
            real_out = self.discriminator(tf.concat([gray, target], -1), training=True)
            fake_out = self.discriminator(tf.concat([gray, tf.cast(fake, gray.dtype)], -1), training=True)
            g_adv = losses.generator_adversarial_loss(fake_out, self.from_logits)
            g_l1 = losses.l1_loss(target, fake, self.chroma_weight)
            g_loss = (self.adv_weight * g_adv + self.l1_weight * g_l1) / replicas
            d_real, d_fake = losses.discriminator_losses(real_out, fake_out, self.from_logits)
            d_loss = 0.5 * (d_real + d_fake) / replicas
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
        # scale_loss is the identity except under a LossScaleOptimizer (float16).
        grads = tape.gradient(optimizer.scale_loss(loss), net.trainable_variables)
        optimizer.apply(grads, net.trainable_variables)

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

    float16 on GPUs with tensor cores (compute capability >= 7), bfloat16 on CPUs
    with AMX or AVX512-BF16 (bench/train_throughput.py measures the gain), float32
    otherwise. On CPUs without bf16 instructions, bfloat16 is emulated and slower.
    """
    if requested != "auto":
        return requested
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
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


# ---------------------------------------------------------------- callbacks


class SampleGrid(keras.callbacks.Callback):
    """Saves (input | generated | target) for fixed validation images every `every` epochs."""

    def __init__(self, folder: Path, gray: np.ndarray, target: np.ndarray, every: int = 1, writer=None) -> None:
        super().__init__()
        self.folder, self.every, self.writer = Path(folder), every, writer
        self.gray, self.target = gray, target

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if (epoch + 1) % self.every:
            return
        fake = self.model.generator.predict(self.gray, verbose=0)
        grid = visualize.make_grid([visualize.input_with_hints(self.gray), fake, self.target])
        visualize.save_png(self.folder / f"epoch_{epoch + 1:03d}.png", grid)
        if self.writer is not None:
            with self.writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch + 1)


class GeneratorCheckpoint(keras.callbacks.Callback):
    """`last.keras` every epoch and `best.keras` when validation L1 improves: generators only,
    ready for inference. Written to a temporary file and renamed, so a kill never leaves half a file."""

    def __init__(self, folder: Path, monitor: str = "val_l1") -> None:
        super().__init__()
        self.folder, self.monitor = Path(folder), monitor
        self.best = np.inf

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.best = _best_so_far(self.folder.parent / "history.csv", self.monitor)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        save_generator(self.model.generator, self.folder / "last.keras")
        value = (logs or {}).get(self.monitor)
        if value is not None and value < self.best:
            self.best = float(value)
            save_generator(self.model.generator, self.folder / "best.keras")


class HistoryCSV(keras.callbacks.Callback):
    """One row per finished epoch in `history.csv`. On resume it drops rows from the
    epoch training restarts at, so the history has every epoch exactly once."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._started = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._started = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if not self._started:
            self._started = True
            rows = [r for r in read_history_rows(self.path) if int(r["epoch"]) <= epoch]
            write_history_rows(self.path, rows)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}}
        write_history_rows(self.path, [*read_history_rows(self.path), row])


class AdversarialWarmup(keras.callbacks.Callback):
    """L1 only for the first `epochs` epochs, then the adversarial loss joins.

    DeOldify's "NoGAN" idea: a GAN that starts from a generator which already
    colours sensibly trains faster and oscillates less than one started from
    scratch. During the warm-up the discriminator is not run at all (its loss
    would be weighted by zero), so warm-up steps take about a quarter less time; it then
    learns within a few epochs, faster than the generator. Decided per epoch,
    so a resumed run is right too.
    """

    def __init__(self, epochs: int) -> None:
        super().__init__()
        self.epochs = epochs

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        gan = self.model
        adversarial = epoch >= self.epochs and gan.adv_weight > 0
        if adversarial != gan.adversarial:
            gan.adversarial = adversarial
            gan.make_train_function(force=True)


class LinearDecay(keras.callbacks.Callback):
    """Both learning rates fall linearly from `base` to zero over the run's budget:
    `epochs`, or `minutes` of this session when a time limit is set, whichever ends first.

    Li et al. 2020 ("Budgeted training") found linear decay to zero the best
    schedule for a fixed budget; a constant rate ends a short run wherever its
    noise happens to leave it.
    """

    def __init__(self, base: float, epochs: int, minutes: float | None = None) -> None:
        super().__init__()
        self.base, self.epochs = base, epochs
        self.seconds = minutes * 60.0 if minutes else None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start, self.epoch = time.monotonic(), 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        done = self.epoch / self.epochs
        if self.seconds:
            done = max(done, (time.monotonic() - self.start) / self.seconds)
        rate = self.base * max(0.0, 1.0 - done)
        for optimizer in (self.model.g_optimizer, self.model.d_optimizer):
            optimizer.learning_rate = rate


class TimeBudget(keras.callbacks.Callback):
    """Stops after the epoch during which `minutes` of wall-clock time ran out:
    for session limits (Kaggle, Colab) and for comparing models at equal cost."""

    def __init__(self, minutes: float) -> None:
        super().__init__()
        self.seconds = minutes * 60.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if time.monotonic() - self.start >= self.seconds:
            print(f"\ntime budget of {self.seconds / 60:.1f} min used: stopping after epoch {epoch + 1}")
            self.model.stop_training = True


class TerminateOnNaNWithAdvice(keras.callbacks.TerminateOnNaN):
    """Stops on a NaN loss and says what to change."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if any(not np.isfinite(v) for v in (logs or {}).values()):
            print(
                f"\nbatch {batch}: a loss became NaN or infinite, training stops. Try a lower "
                "learning rate (--learning-rate 1e-4), float32 (--precision float32), or "
                "check the data for blank or corrupt images."
            )
        super().on_batch_end(batch, logs)


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


def _best_so_far(path: Path, key: str) -> float:
    values = [v for v in read_history(path).get(key, []) if np.isfinite(v)]
    return min(values) if values else np.inf


# ---------------------------------------------------------------- colour calibration

CHROMA_GAINS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


def calibrate_chroma_gain(generator: keras.Model, dataset: tf.data.Dataset, ratio: tuple = (0.7, 1.3)) -> float:
    """Set the Lab head's chroma gain on validation data and return it.

    Among CHROMA_GAINS, the gains whose colourfulness is within `ratio` of the
    targets' (as colourful as real drawings) are candidates, and the one with the
    lowest CIEDE2000 over clearly coloured pixels wins; if none reaches the range,
    the gain closest to it. Models without a Lab head are left as they are (1.0).
    """
    head = models.lab_head(generator)
    if head is None:
        return 1.0
    batches = [(g.numpy(), t.numpy()) for g, t in dataset]
    scores = {}
    for gain in CHROMA_GAINS:
        head.chroma_gain.assign(gain)
        rows = [
            metrics.image_metrics(fake, truth)
            for gray, target in batches
            for fake, truth in zip(
                metrics.to_uint8(generator(gray, training=False)), metrics.to_uint8(target), strict=True
            )
        ]
        summary = metrics.summarize(rows)
        scores[gain] = (summary["colorfulness_ratio"], summary["deltaE2000_chroma"])
    inside = [g for g, (r, _) in scores.items() if ratio[0] <= r <= ratio[1]]
    if inside:
        best = min(inside, key=lambda g: scores[g][1])
    else:
        best = min(scores, key=lambda g: min(abs(scores[g][0] - ratio[0]), abs(scores[g][0] - ratio[1])))
    head.chroma_gain.assign(best)
    return best


# ---------------------------------------------------------------- one training run


def _first_batch(dataset: tf.data.Dataset, n: int) -> tuple[np.ndarray, np.ndarray]:
    gray, target = next(iter(dataset.unbatch().batch(n)))
    return gray.numpy(), target.numpy()


def _datasets(config: Config, skipped: data.SkippedFiles) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """Training and validation batches as `config` says, after saying what was found."""
    train_pairs, val_pairs, found = data.training_pairs(config.data, config.series, config.max_images)
    print(found)
    hints = models.hints_enabled(config)
    common = dict(image_size=config.image_size, simulation=config.simulation, skipped=skipped)
    train_ds = data.make_dataset(
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
    val_ds = data.make_dataset(
        val_pairs, batch_size=config.batch_size, training=False, hints=0 if hints else None, **common
    )
    return train_ds, val_ds


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
    strategy = strategy or tf.distribute.get_strategy()
    try:
        skipped = data.SkippedFiles()
        train_ds, val_ds = _datasets(config, skipped)
        with strategy.scope():
            gan = build_gan(config, policy)
        writer = tf.summary.create_file_writer(str(run_dir / "logs" / "samples"))
        gray, target = _first_batch(val_ds, 8)
        callbacks = [
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
            *(extra_callbacks or []),
        ]
        # tf.data after filter() has an unknown length, which Keras warns about once.
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        try:
            gan.fit(
                train_ds,
                validation_data=val_ds,
                epochs=config.epochs,
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
        restore_best(gan.generator, run_dir / "checkpoints" / "best.keras")
        recalibrate_batchnorm(gan.generator, train_ds)
        if config.calibrate:
            gain = calibrate_chroma_gain(gan.generator, val_ds)
            print(f"chroma gain calibrated on the validation split: {gain:g}")
        save_generator(gan.generator, run_dir / "generator.keras")
        if len(skipped):
            print(f"{len(skipped)} unreadable image(s) skipped: {', '.join(skipped.paths)}")
        return gan
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
