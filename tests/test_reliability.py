"""Faults a long run meets: a full disk, kills at any moment, bad options, tiny data sets, odd paths."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import keras
import numpy as np
import pytest
from synthetic import write_shapes

from mangacolor import Config, cli, files, nets
from mangacolor.train import read_history, train
from mangacolor.train.runs import backup_epoch

TINY = dict(
    arch="unet", head="lab", simulation="grayscale", image_size=32, batch_size=8, width=8, depth=3, precision="float32"
)


def _epochs(run: Path) -> list[int]:
    return [int(e) for e in read_history(run / "history.csv").get("epoch", [])]


# ---------------------------------------------------------------- a full disk


class DiskFull(keras.callbacks.Callback):
    """From the start of epoch `at` (0-based) every file write fails as on a full disk."""

    def __init__(self, at: int, disk: types.SimpleNamespace) -> None:
        super().__init__()
        self.at, self.disk = at, disk

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.disk.full = epoch >= self.at


def test_a_full_disk_stops_training_with_one_message_and_resume_finishes_the_run(
    shapes_dir: Path, tmp_path: Path, monkeypatch
):
    # A test double at the file layer: the rename that completes every write fails with
    # ENOSPC while the disk is "full" (the temporary file was written: what a full disk
    # does to the last, largest write).
    disk = types.SimpleNamespace(full=False)

    def replace(src, dst):
        if disk.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.replace(src, dst)

    fake_os = types.SimpleNamespace(**{name: getattr(os, name) for name in ("getpid", "strerror", "fsync")})
    fake_os.replace = replace
    monkeypatch.setattr(files, "os", fake_os)
    run = tmp_path / "run"
    config = Config(data=str(shapes_dir), epochs=5, max_images=16, **TINY)
    with pytest.raises(files.WriteError) as stopped:
        train(config, run, verbose=0, extra_callbacks=[DiskFull(2, disk)])
    message = str(stopped.value)
    assert "No space left on device" in message and str(run) in message, message
    assert "--resume continues from epoch 3" in message, message
    # Nothing already on disk was damaged: two whole epochs, loadable files, no temporary files.
    assert _epochs(run) == [1, 2] and backup_epoch(run / "backup") == 2
    assert Config.load(run / "config.json") == config
    keras.saving.load_model(run / "checkpoints" / "last.keras", compile=False)
    assert not list(run.rglob(f"{files.TEMP_PREFIX}*"))

    disk.full = False  # space freed
    train(config, run, resume=True, verbose=0)
    history = read_history(run / "history.csv")
    assert _epochs(run) == [1, 2, 3, 4, 5]
    assert np.isfinite(history["g_l1"]).all() and np.isfinite(history["val_l1"]).all()
    assert backup_epoch(run / "backup") == 5 and (run / "generator.keras").is_file()


def test_a_failed_write_leaves_the_previous_file_and_names_the_path(tmp_path: Path, monkeypatch):
    target = tmp_path / "history.csv"
    files.write_text(target, "epoch\n1\n")

    def fail(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files, "os", types.SimpleNamespace(getpid=os.getpid, strerror=os.strerror, fsync=os.fsync))
    files.os.replace = fail
    with pytest.raises(files.WriteError, match=f"cannot write {target}: Permission denied"):
        files.write_text(target, "epoch\n1\n2\n")
    assert target.read_text() == "epoch\n1\n" and os.listdir(tmp_path) == ["history.csv"]


# ---------------------------------------------------------------- kills at random moments

KILLABLE = """
import sys, keras
from mangacolor import Config
from mangacolor.train import train

class Announce(keras.callbacks.Callback):
    # After the backup callback: an epoch announced as ended has been backed up.
    def on_epoch_begin(self, epoch, logs=None):
        print("BEGIN", epoch + 1, flush=True)
    def on_epoch_end(self, epoch, logs=None):
        print("END", epoch + 1, flush=True)

config = Config(data=sys.argv[1], epochs=int(sys.argv[3]), max_images=16, **{tiny})
train(config, sys.argv[2], resume=True, verbose=0, extra_callbacks=[Announce()])
print("DONE", flush=True)
"""


def _start(shapes_dir: Path, run: Path, epochs: int) -> subprocess.Popen:
    script = KILLABLE.format(tiny=TINY)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    args = [sys.executable, "-c", script, str(shapes_dir), str(run), str(epochs)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)


@pytest.mark.slow
def test_ten_kills_at_random_moments_each_resume_and_lose_at_most_the_epoch_in_progress(
    shapes_dir: Path, tmp_path: Path
):
    run, epochs = tmp_path / "run", 12
    rng = random.Random(7)
    for kill in range(10):
        before = backup_epoch(run / "backup")
        proc = _start(shapes_dir, run, epochs)
        lines = []
        for line in proc.stdout:  # wait until training runs: this resume succeeded
            lines.append(line.strip())
            if line.startswith("BEGIN"):
                break
        assert lines and lines[-1] == f"BEGIN {before + 1}", (kill, before, lines)
        if before:
            assert f"resuming from the backup of epoch {before}: training continues at epoch {before + 1}" in lines
        time.sleep(rng.uniform(0.0, 4.0))  # across epochs, validation and saves
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, f"kill {kill}: the run ended before it"
        ended = [int(w.split()[1]) for w in [*lines, *rest.splitlines()] if w.startswith("END")]
        after = backup_epoch(run / "backup")
        # Every epoch announced as ended survived the kill; the history has each epoch once.
        assert after >= max(ended, default=before), (kill, ended, after)
        assert _epochs(run) == list(range(1, len(_epochs(run)) + 1))
        assert after <= len(_epochs(run)) <= after + 1, (kill, after, _epochs(run))
    final = _start(shapes_dir, run, epochs)
    out, _ = final.communicate(timeout=600)
    assert final.returncode == 0 and "DONE" in out, out[-2000:]
    assert _epochs(run) == list(range(1, epochs + 1))
    assert (run / "generator.keras").is_file()


# ---------------------------------------------------------------- options, checked before any work

BAD_OPTIONS = [
    (["--image-size", "100"], "image_size = 100 (--image-size): the unet generator at depth 5 halves the image"),
    (["--image-size", "100"], "must be a multiple of 32 (e.g. 96 or 128)"),
    (["--arch", "dcgan", "--image-size", "40"], "must be a multiple of 16 (e.g. 32 or 48)"),
    (["--batch-size", "0"], "batch_size = 0 (--batch-size): must be a whole number of at least 1"),
    (["--epochs", "0"], "epochs = 0 (--epochs): must be a whole number of at least 1"),
    (["--epochs", "-1"], "epochs = -1 (--epochs): must be a whole number of at least 1"),
    (["--learning-rate", "-1"], "learning_rate = -1.0 (--learning-rate): must be above 0"),
    (["--time-limit", "-5"], "time_limit = -5.0 (--time-limit): must be a number of minutes above 0"),
    (["--gan-warmup", "-1"], "gan_warmup = -1 (--gan-warmup): must be 0 or more"),
    (["--dropout", "1"], "dropout = 1.0 (--dropout): must be in [0, 1)"),
    (["--zoom-out", "0.5"], "zoom_out = 0.5 (--zoom-out): must be from 1 (no zooming out) to 4"),
    (["--chroma-weight", "-2"], "chroma_weight = -2.0 (--chroma-weight): must be 0 or more"),
    (["--l1-weight", "0", "--adv-weight", "0"], "nothing to train"),
]


@pytest.mark.parametrize("options, message", BAD_OPTIONS)
def test_bad_training_options_get_one_line_before_any_work(options, message, tmp_path: Path, capsys):
    assert cli.main(["train", "--out", str(tmp_path / "run"), *options]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "run").exists()


def test_a_notebook_gets_the_same_message_from_config():
    with pytest.raises(ValueError, match=r"image_size = 100 \(--image-size\).*multiple of 32"):
        Config(image_size=100)
    with pytest.raises(ValueError, match=r"batch_size = 0 \(--batch-size\)"):
        Config().replace(batch_size=0)
    with pytest.raises(ValueError, match=r"precision = 'fp8' \(--precision\): must be one of auto, float32"):
        Config(precision="fp8")


def test_every_size_validation_accepts_is_one_the_generator_builds():
    for arch, size in (("unet", 96), ("dcgan", 48)):
        generator = nets.build_generator(Config(arch=arch, image_size=size, width=8))
        batch = np.zeros((1, size, size, generator.input_shape[-1]), np.float32)
        assert generator(batch).shape[1:3] == (size, size)


# ---------------------------------------------------------------- small data


def test_three_images_train_and_the_split_is_explained(tmp_path: Path, capsys):
    write_shapes(tmp_path / "three", 3, seed=5)
    config = Config(data=str(tmp_path / "three"), epochs=2, **TINY)  # batch 8 > 3 images
    train(config, tmp_path / "run", verbose=0)
    out = capsys.readouterr().out
    assert f"3 images found in {tmp_path / 'three'}: " in out, out
    assert "too few for a held-out validation split" in out and "training and validating on all 3" in out, out
    assert _epochs(tmp_path / "run") == [1, 2] and (tmp_path / "run" / "generator.keras").is_file()


def test_an_empty_folder_says_so(tmp_path: Path, capsys):
    (tmp_path / "empty").mkdir()
    assert cli.main(["train", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "run")]) == 2
    assert "empty: no images found" in capsys.readouterr().err


# ---------------------------------------------------------------- colorize: unreadable paths of any kind


def test_colorize_reports_loops_broken_links_fifos_and_devices_as_failed_files(tmp_path: Path, capsys):
    model = tmp_path / "g.keras"
    nets.build_generator(Config(head="lab", width=8, depth=3, image_size=64)).save(model)
    pages = tmp_path / "pages"
    write_shapes(pages, 1, seed=3)
    (pages / "loop_a.png").symlink_to(pages / "loop_b.png")
    (pages / "loop_b.png").symlink_to(pages / "loop_a.png")
    (pages / "broken.png").symlink_to(tmp_path / "nowhere.png")
    os.mkfifo(pages / "fifo.png")
    code = cli.main(["colorize", str(pages), "/dev/null", "--model", str(model), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 1
    assert "1 written" in captured.out and "5 failed" in captured.out, captured.out
    for name, reason in (
        ("loop_a.png", "Too many levels of symbolic links"),
        ("broken.png", "No such file"),
        ("fifo.png", "not a regular file"),
        ("/dev/null", "not a regular file"),
    ):
        assert any(name in line and reason in line for line in captured.err.splitlines()), (name, captured.err)
    assert "Traceback" not in captured.err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["shape_3_000.png"]
