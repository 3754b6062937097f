"""The model that ships: it installs with the package, colours the bundled drawings, and scores
on the bundled test split what its model card says (mangacolor/weights/scores.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from skimage import color as skcolor

from mangacolor import data
from mangacolor.paint import SHIPPED, Colorizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from test_split import score  # noqa: E402  (the scoring the card's figures came from)

CARD = json.loads((SHIPPED / "scores.json").read_text())["test_split"]


def _card(kind: str, hints: int) -> dict[str, float]:
    return next(r for r in CARD if r["input"] == kind and r["hints"] == hints)


def test_the_shipped_model_colours_the_bundled_bw_drawings_at_their_size():
    colorizer = Colorizer()  # no model given: the shipped one
    assert colorizer.takes_hints
    for pair in data.sample_pairs(kind="bw")[:3]:
        page = data.load_image(pair.color)
        out = colorizer.colorize(page)
        assert out.shape == page.shape
        chroma = np.hypot(*skcolor.rgb2lab(out)[..., 1:].transpose(2, 0, 1))
        assert (chroma > 15).mean() > 0.02, f"{pair.color} came back without colour"
        ink = page.max(axis=-1) < 40
        assert out[ink].max(axis=-1).mean() < 60, "the ink stays dark"


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "hints"), [("grayscale", 0), ("lineart", 0), ("lineart", 10)])
def test_the_shipped_model_scores_what_its_card_says(kind: str, hints: int):
    results = score(str(SHIPPED), kind, hints, None)
    card = _card(kind, hints)
    for metric in ("deltaE2000", "deltaE2000_chroma", "colorfulness_ratio"):
        assert results["model"][metric] == pytest.approx(card[f"model_{metric}"], abs=0.25), metric
    model, unchanged = results["model"], results["unchanged"]
    if kind == "grayscale":
        assert model["deltaE2000_chroma"] < unchanged["deltaE2000_chroma"], "better than the input unchanged on colour"
    else:  # line art: its fills coloured closer to the truth than the white paper is
        assert model["deltaE2000_chroma"] < 0.9 * unchanged["deltaE2000_chroma"]
    if hints:
        assert model["deltaE2000_hints"] < 5, "the output takes the hinted colours"


def test_the_shipped_model_is_in_a_built_wheel(tmp_path: Path):
    import shutil
    import subprocess
    import zipfile

    root, source = Path(__file__).resolve().parents[1], tmp_path / "source"
    shutil.copytree(root / "mangacolor", source / "mangacolor", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, source)  # a copy: the build leaves its build/ folder there, not here
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("mangacolor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("generator.keras", "config.json", "scores.json", "MODEL_CARD.md"):
        assert f"mangacolor/weights/{name}" in names, name
    # Every module of the package, its rooms (data/, nets/, train/, paint/) included: an installed
    # package imports as the source tree does.
    for path in sorted((root / "mangacolor").rglob("*.py")):
        assert path.relative_to(root).as_posix() in names, path


def test_the_shipped_model_was_saved_with_the_oldest_supported_keras():
    """Keras writes its newer layer arguments into a saved model and older Keras refuses them:
    saved with anything newer than the oldest Keras supported, it would not load on Kaggle or Colab."""
    import re
    import zipfile

    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    oldest = re.search(r'"keras>=([\d.]+)"', pyproject).group(1)
    with zipfile.ZipFile(SHIPPED / "generator.keras") as saved:
        version = json.loads(saved.read("metadata.json"))["keras_version"]
    assert version.split(".")[:2] == oldest.split(".")[:2], (version, oldest)
