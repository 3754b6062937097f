"""`train(config, run_dir)`: one call to `fit`, and what a long run needs around it.

A validation split, sample grids, best and last checkpoints, a backup to resume
from (runs.Backup), TensorBoard, a CSV history that stays continuous across
resumes, a float32 or mixed-precision policy (precision.py), and at the end the
best epoch's generator with its BatchNorm statistics and chroma gain refitted.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mangacolor import data
from mangacolor.config import Config, check_time_limit
from mangacolor.data.hint_sampling import HintSampling
from mangacolor.files import WriteError
from mangacolor.nets import uses_hint_input
from mangacolor.train.calibrate import calibrate_chroma_gain, recalibrate_batchnorm, restore_checkpoint
from mangacolor.train.callbacks import (
    AdversarialWarmup,
    GeneratorCheckpoint,
    HistoryCSV,
    LinearDecay,
    SampleGrid,
    TerminateOnNaNWithAdvice,
    TimeBudget,
)
from mangacolor.train.gan import ColorizationGAN, build_gan
from mangacolor.train.precision import choose_precision
from mangacolor.train.runs import Backup, backup_epoch, prepare_run, save_generator


def _first_batch(dataset: tf.data.Dataset, n: int) -> tuple[np.ndarray, np.ndarray]:
    gray, target = next(iter(dataset.unbatch().batch(n)))
    return gray.numpy(), target.numpy()


def datasets(config: Config, skipped: data.SkippedFiles) -> tuple[tf.data.Dataset, tf.data.Dataset, int]:
    """Training batches (repeated), validation batches and the steps of an epoch, after
    saying what was found. The step count lets the first epoch's progress bar show its
    total (tf.data loses the length where unreadable files are filtered out)."""
    train_pairs, val_pairs, found = data.training_pairs(config.data, config.series, config.max_images)
    print(found)
    hint_input = uses_hint_input(config)
    common = dict(image_size=config.image_size, simulation=config.simulation, skipped=skipped)
    train_ds = data.make_dataset(
        train_pairs,
        batch_size=config.batch_size,
        training=True,
        seed=config.seed,
        # Whole batches only, unless the data set is smaller than one batch.
        drop_remainder=len(train_pairs) >= config.batch_size,
        hint_sampling=HintSampling() if hint_input else None,
        zoom_out=config.zoom_out,
        **common,
    )
    # Validation and the best epoch: the automatic mode (no hints).
    val_ds = data.make_dataset(
        val_pairs, batch_size=config.batch_size, training=False, hint_sampling=0 if hint_input else None, **common
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


def finish(generator: keras.Model, checkpoint: Path, out: Path, config: Config, train_ds, val_ds) -> None:
    """The final generator, saved as `out`: the weights of `checkpoint` (a run's best epoch, or
    tools/finish_run.py's choice), its BatchNorm statistics and chroma gain refitted."""
    restore_checkpoint(generator, checkpoint)
    recalibrate_batchnorm(generator, train_ds)
    if config.calibrate:
        gain = calibrate_chroma_gain(generator, val_ds)
        print(f"chroma gain calibrated on the validation split: {gain:g}")
    save_generator(generator, out)


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
        train_ds, val_ds, steps = datasets(config, skipped)
        with (strategy or tf.distribute.get_strategy()).scope():
            gan = build_gan(config, policy)
        callbacks = run_callbacks(config, run_dir, val_ds, time_limit) + list(extra_callbacks or [])
        _fit(gan, train_ds, val_ds, steps, config.epochs, callbacks, verbose, run_dir)
        best = run_dir / "checkpoints" / "best.keras"
        finish(gan.generator, best, run_dir / "generator.keras", config, train_ds, val_ds)
        if len(skipped):
            print(f"{len(skipped)} unreadable image(s) skipped: {', '.join(skipped.paths)}")
        return gan
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
