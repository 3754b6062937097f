"""The callbacks of a training run: pictures, checkpoints, history, schedules, budgets.

Each is a plain keras.callbacks.Callback that `fit` runs; fit.train
lists them in the order they must run.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mangacolor import visualize
from mangacolor.train.runs import read_history, read_history_rows, save_generator, write_history_rows


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
    would be weighted by zero), so warm-up steps are faster (bench/train_throughput.py); it then
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


def _best_so_far(path: Path, key: str) -> float:
    values = [v for v in read_history(path).get(key, []) if np.isfinite(v)]
    return min(values) if values else np.inf
