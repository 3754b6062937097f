"""The command line: options made from the Config, quiet start-up, progress bars that know their length."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic import write_shapes

from mangacolor import Config, cli


def _train_parser():
    sub = cli.build_parser()._subparsers._group_actions[0]
    return sub.choices["train"]


def test_every_config_field_is_a_train_option_with_its_help_and_default():
    options = {a.dest: a for a in _train_parser()._actions}
    for f in dataclasses.fields(Config):
        action = options[f.name]
        assert action.option_strings[0] == "--" + f.name.replace("_", "-")
        assert action.default == f.default and action.help.startswith(f.metadata["help"])
        assert action.choices == f.metadata["choices"]


def test_train_options_round_trip_into_the_config():
    args = cli.build_parser().parse_args(
        ["train", "--out", "x", "--arch", "dcgan", "--no-hint-input", "--series", "a", "b", "--image-size", "64"]
    )
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(Config)}
    config = Config(**{**values, "series": tuple(values["series"])})
    assert (config.arch, config.hint_input, config.series, config.image_size) == ("dcgan", False, ("a", "b"), 64)
    assert config.lr_decay is True and config.calibrate is True  # BooleanOptionalAction keeps the defaults


def test_an_old_run_whose_config_says_seed_loads_as_dcgan(tmp_path: Path):
    values = json.loads(Config(arch="dcgan", head="rgb").to_json())
    values["arch"] = "seed"
    del values["norm"]  # written before GroupNorm existed
    (tmp_path / "config.json").write_text(json.dumps(values))
    loaded = Config.load(tmp_path / "config.json")
    assert loaded.arch == "dcgan" and loaded.norm == "batch"


def test_an_old_run_whose_config_says_hints_and_gray_loads_with_the_new_names(tmp_path: Path):
    values = json.loads(Config(arch="unet", hint_input=True, simulation="grayscale").to_json())
    values["hints"] = values.pop("hint_input")  # the names before issue 27
    values["simulation"] = "gray"
    (tmp_path / "config.json").write_text(json.dumps(values))
    loaded = Config.load(tmp_path / "config.json")
    assert loaded.hint_input is True and loaded.simulation == "grayscale"
    del values["hints"]  # written before hints existed: none
    (tmp_path / "config.json").write_text(json.dumps(values))
    assert Config.load(tmp_path / "config.json").hint_input is False


@pytest.mark.slow
def test_train_prints_no_tensorflow_start_up_lines_and_epoch_one_knows_its_length(tmp_path: Path):
    write_shapes(tmp_path / "shapes", 40, seed=1)  # 40 images: 32 train (hash split), 4 batches of 8
    args = ["--data", str(tmp_path / "shapes"), "--image-size", "32", "--width", "8", "--depth", "3"]
    args += ["--batch-size", "8", "--epochs", "1", "--out", str(tmp_path / "run")]
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    run = subprocess.run(
        [sys.executable, "-m", "mangacolor.cli", "train", *args], capture_output=True, text=True, env=env, timeout=600
    )
    assert run.returncode == 0, run.stderr[-2000:]
    everything = run.stdout + run.stderr
    for noise in ("absl::InitializeLog", "oneDNN custom operations", "cpu_feature_guard"):
        assert noise not in everything, everything[:2000]
    found = everything.splitlines()[0]
    assert found.startswith("40 images found in"), everything[:500]
    train_images = int(found.split(": ")[1].split(" train")[0])
    steps = train_images // 8
    assert f"{steps}/{steps}" in run.stdout and "Unknown" not in run.stdout, run.stdout[-2000:]
