"""The Gradio app: it builds, and its button colours an upload at full size."""

from pathlib import Path

import numpy as np
import pytest

from mangacolor import Config, models
from mangacolor.app import add_hint, build_app, colorize_fn, mark_hints
from mangacolor.inference import Colorizer


@pytest.fixture
def colorizer(tmp_path: Path) -> Colorizer:
    generator = models.build_generator(Config(arch="unet", head="multiply", width=8, depth=3))
    generator.save(tmp_path / "g.keras")
    return Colorizer(tmp_path / "g.keras", size=64)


def test_app_builds_around_a_model_file(colorizer: Colorizer):
    import gradio as gr

    assert isinstance(build_app(colorizer), gr.Blocks)


def test_the_button_colours_an_upload_at_its_own_size(colorizer: Colorizer):
    upload = np.full((90, 130, 3), 200, np.uint8)
    upload[40:50] = 0  # a black line
    out, layer = colorize_fn(colorizer)(upload, False)
    assert out.shape == layer.shape == (90, 130, 3) and out.dtype == np.uint8
    assert out[45].max() < 30  # the line stays black
    with pytest.raises(ValueError, match="upload an image"):
        colorize_fn(colorizer)(None, False)


def test_clicks_become_hints_that_reach_the_model_and_can_be_cleared(colorizer: Colorizer):
    page = np.full((90, 130, 3), 160, np.uint8)  # grey: no flattening, so every pixel is the model's
    run = colorize_fn(colorizer)
    automatic, _ = run(page, False, [])
    hints = add_hint([], 20, 70, "#2040d0")
    hints = add_hint(hints, 100, 10, "#d04020")
    assert [(p.x, p.y, p.color) for p in hints] == [(20, 70, (32, 64, 208)), (100, 10, (208, 64, 32))]
    hinted, _ = run(page, False, hints)
    assert np.abs(hinted.astype(int) - automatic).max() > 0  # the hints reached the model
    cleared, _ = run(page, False, [])
    np.testing.assert_array_equal(cleared, automatic)
    marked = mark_hints(page, hints)
    assert tuple(marked[70, 20]) == (32, 64, 208) and tuple(page[70, 20]) == (160, 160, 160)


def test_tiles_are_a_per_request_option(colorizer: Colorizer):
    page = np.full((300, 200, 3), 255, np.uint8)
    colorize_fn(colorizer)(page, True)
    assert colorizer.tile is False  # shared by every user of the app: never changed
