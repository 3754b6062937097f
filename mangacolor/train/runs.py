"""The run folder: its config, history, generators and the backup that `--resume` continues from.

Every file here is written atomically (files.py), so a kill or a full disk at any
moment leaves the previous complete version in place: a run can always be resumed
from its last finished epoch.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import keras
import numpy as np

from mangacolor import files, visualize
from mangacolor.config import Config


def prepare_run(config: Config, run_dir: str | os.PathLike, resume: bool) -> Config:
    """Create the run directory, or check it and reload its config to resume it.

    On resume only `epochs` may change (to train a finished run for longer);
    anything else would make the checkpoints meaningless.
    """
    run_dir = Path(run_dir)
    saved = run_dir / "config.json"
    if saved.is_file():
        if not resume:
            raise FileExistsError(
                f"{run_dir} already holds a run: resume it (--resume, resume=True) or choose another folder"
            )
        config = Config.load(saved).replace(epochs=config.epochs)
    config.save(saved)
    return config


def save_generator(generator: keras.Model, path: Path) -> None:
    """Save a `.keras` file atomically."""
    with files.atomic_path(path) as tmp:
        generator.save(tmp)


# ---------------------------------------------------------------- history


def read_history_rows(path: str | os.PathLike) -> list[dict]:
    if not Path(path).is_file():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write_history_rows(path: str | os.PathLike, rows: list[dict]) -> None:
    keys = list(dict.fromkeys(k for r in rows for k in r)) or ["epoch"]
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=keys)
    writer.writeheader()
    writer.writerows(rows)
    files.write_text(path, text.getvalue())


def read_history(path: str | os.PathLike) -> dict[str, list[float]]:
    """`history.csv` as {metric: [value per epoch]}, like `History.history`; NaN
    where an epoch did not report a metric (the adversarial losses during warm-up)."""
    return visualize.history_columns(read_history_rows(Path(path)))


# ---------------------------------------------------------------- the resume backup

STATE = "state.json"


def _state(folder: Path) -> dict:
    """{"epoch": N, "file": name} of the last complete backup in `folder`, {} if none."""
    path = folder / STATE
    return json.loads(path.read_text()) if path.is_file() else {}


def backup_epoch(folder: str | os.PathLike) -> int:
    """The number of epochs in the last complete backup in `folder` (0 if none)."""
    return int(_state(Path(folder)).get("epoch", 0))


class Backup(keras.callbacks.Callback):
    """The whole training state (both networks and both optimizers) after every epoch.

    Keras' BackupAndRestore writes its HDF5 file in place, so a kill or a full disk
    during that write loses the backup for good (and h5py crashes the process on a
    full disk). Here the variables are serialised in memory, written to a new file
    named by its epoch, and only then does `state.json` (itself atomic) point at
    it; the previous backup is deleted last. At any moment one complete backup exists.
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        super().__init__()
        self.folder = Path(folder)

    def _variables(self) -> list:
        gan = self.model
        return [
            *gan.generator.weights,
            *gan.discriminator.weights,
            *gan.g_optimizer.variables,
            *gan.d_optimizer.variables,
        ]

    def on_train_begin(self, logs: dict | None = None) -> None:
        state = _state(self.folder)
        if not state:
            return
        epoch, path = int(state["epoch"]), self.folder / state["file"]
        variables = self._variables()
        with np.load(path) as saved:
            values = [saved[f"arr_{i}"] for i in range(len(saved.files))]
        shapes = [tuple(v.shape) for v in variables]
        if [v.shape for v in values] != shapes:
            raise ValueError(f"{path}: this backup does not match the run's model (config.json was changed?)")
        for variable, value in zip(variables, values, strict=True):
            variable.assign(value)
        self.model._initial_epoch = epoch  # what BackupAndRestore sets: fit starts there
        print(f"resuming from the backup of epoch {epoch}: training continues at epoch {epoch + 1}")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, *[np.asarray(v.numpy()) for v in self._variables()])
        name = f"epoch-{epoch + 1:04d}.npz"
        files.write_bytes(self.folder / name, buffer.getvalue())
        files.write_text(self.folder / STATE, json.dumps({"epoch": epoch + 1, "file": name}))
        for old in self.folder.glob("epoch-*.npz"):
            if old.name != name:
                old.unlink(missing_ok=True)
