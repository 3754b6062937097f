"""The Gradio app: it builds, and its button colours an upload at full size."""

from pathlib import Path

import numpy as np
import pytest

from mangacolor import Config, models
from mangacolor.app import build_app, colorize_fn
from mangacolor.inference import Colorizer


@pytest.fixture
def colorizer(tmp_path: Path) -> Colorizer:
    generator = models.build_generator(Config(arch="unet", head="lab", width=8, depth=3))
    generator.save(tmp_path / "g.keras")
    return Colorizer(tmp_path / "g.keras", size=64)


def test_app_builds_around_a_model_file(colorizer: Colorizer):
    import gradio as gr

    assert isinstance(build_app(colorizer), gr.Blocks)


def test_the_button_colours_an_upload_at_its_own_size(colorizer: Colorizer):
    upload = np.full((90, 130, 3), 200, np.uint8)
    upload[40:50] = 0  # a black line
    out = colorize_fn(colorizer)(upload, False)
    assert out.shape == (90, 130, 3) and out.dtype == np.uint8
    assert out[45].max() < 30  # the line stays black
    with pytest.raises(ValueError, match="upload an image"):
        colorize_fn(colorizer)(None, False)
