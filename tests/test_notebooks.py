"""The notebooks' setup cell: it installs on Colab and Kaggle only, with pip and --no-deps, from the one URL."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mangacolor import platforms

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPOSITORY = re.search(r'^Repository = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def setup_cell(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def test_every_notebook_starts_with_the_same_setup_cell_naming_the_repository():
    assert len(NOTEBOOKS) == 5
    cells = {notebook.name: setup_cell(notebook) for notebook in NOTEBOOKS}
    assert len(set(cells.values())) == 1, "the setup cells differ"
    cell = cells[NOTEBOOKS[0].name]
    assert "Colab" in cell and "Kaggle" in cell and f'REPOSITORY = "{REPOSITORY}"' in cell
    assert REPOSITORY in (ROOT / "README.md").read_text()
    for text in [(ROOT / "README.md").read_text(), *(n.read_text() for n in NOTEBOOKS)]:
        assert "<you>" not in text


def _run_setup_cell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environ: dict[str, str]) -> list[list[str]]:
    """Run the setup cell as a kernel on that platform would, recording the commands it runs."""
    for name in ("COLAB_RELEASE_TAG", "COLAB_GPU", "KAGGLE_KERNEL_RUN_TYPE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    commands: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda args, check: commands.append(list(args)))
    if environ:  # a fresh Colab or Kaggle kernel: mangacolor is not installed
        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mangacolor" else real(name))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile(setup_cell(NOTEBOOKS[0]), "setup cell", "exec"), {})
    return commands


@pytest.mark.parametrize("environ", [{"COLAB_RELEASE_TAG": "release-colab"}, {"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}])
def test_the_setup_cell_installs_on_colab_and_kaggle_without_touching_tensorflow(monkeypatch, tmp_path, environ):
    clone, install = _run_setup_cell(monkeypatch, tmp_path, environ)
    assert clone[:2] == ["git", "clone"] and clone[-1] == REPOSITORY
    assert install[:4] == [sys.executable, "-m", "pip", "install"]
    assert "--no-deps" in install and install[-2:] == ["-e", "mangacolor"]
    assert not any("tensorflow" in arg or "keras" in arg for arg in install)


def test_the_setup_cell_installs_nothing_in_a_local_clone(monkeypatch, tmp_path):
    assert _run_setup_cell(monkeypatch, tmp_path, {}) == []


def test_the_platform_report_names_the_service_the_gpus_and_the_precision(tmp_path: Path):
    assert platforms.platform_name({"KAGGLE_KERNEL_RUN_TYPE": "Batch"}) == "kaggle"
    assert platforms.platform_name({"COLAB_RELEASE_TAG": "x"}) == "colab"
    report = str(platforms.Platform("kaggle", ("Tesla T4 (compute capability 7.5)",) * 2, "mixed_float16", None))
    assert "kaggle" in report and report.count("Tesla T4") == 2 and "mixed_float16" in report
    assert "not attached" in report
    here = platforms.detect()
    assert here.precision in ("float32", "mixed_bfloat16", "mixed_float16")
