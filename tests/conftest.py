"""Shared fixtures: small synthetic data sets written to temporary folders."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from synthetic import write_shapes  # noqa: E402


@pytest.fixture
def shapes_dir(tmp_path: Path) -> Path:
    """A folder with train/ and val/ subfolders of synthetic coloured shapes."""
    root = tmp_path / "shapes"
    write_shapes(root / "train", 64, seed=1)
    write_shapes(root / "val", 16, seed=2)
    return root
