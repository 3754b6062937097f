"""The Gradio app: it builds, and its button colours an upload at full size.
(tests/test_browser.py uses it in a real browser.)"""

import typing
from pathlib import Path

import numpy as np
import pytest

from mangacolor import Config, data, nets
from mangacolor.app import add_hint, build_app, colorize_fn, example_pages, mark_hints
from mangacolor.paint import Colorizer


@pytest.fixture
def colorizer(tmp_path: Path) -> Colorizer:
    generator = nets.build_generator(Config(arch="unet", head="multiply", width=8, depth=3))
    generator.save(tmp_path / "g.keras")
    return Colorizer(tmp_path / "g.keras", size=64)


def component(app, elem_id: str):
    """A component of a built app by its elem_id (the ids tests/test_browser.py finds it by)."""
    return next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == elem_id)


def test_app_builds_around_a_model_file(colorizer: Colorizer):
    import gradio as gr

    assert isinstance(build_app(colorizer), gr.Blocks)


def test_the_examples_are_the_bundled_bw_drawings(colorizer: Colorizer):
    pages = example_pages()
    assert pages and pages == [pair.color for pair in data.sample_pairs(kind="bw")]
    assert all(Path(page).is_file() and "/bw/" in Path(page).as_posix() for page in pages)
    shown = component(build_app(colorizer), "examples").samples
    assert [Path(sample[0]["orig_name"]).name for sample in shown] == [Path(page).name for page in pages]


def test_an_upload_that_is_not_an_image_gets_a_message_a_user_can_read(colorizer: Colorizer, tmp_path: Path):
    import gradio as gr
    from gradio.data_classes import ImageData

    source = component(build_app(colorizer), "source")
    (tmp_path / "page.png").write_text("a shopping list, not a drawing")
    with pytest.raises(gr.Error, match=r"page\.png is not an image"):
        source.preprocess(ImageData(path=str(tmp_path / "page.png"), orig_name="page.png"))
    drawing = example_pages()[0]
    assert source.preprocess(ImageData(path=drawing, orig_name="drawing.png")).shape == data.load_image(drawing).shape


def test_gradio_passes_the_click_to_the_hint_handler(colorizer: Colorizer):
    """gradio finds gr.SelectData in a handler's type hints: they must resolve, or the
    handler gets None instead of the clicked pixel."""
    import gradio as gr

    hints = {fn.name: typing.get_type_hints(fn.fn) for fn in build_app(colorizer).fns.values() if fn.fn}
    assert hints["click"]["evt"] is gr.SelectData


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
    assert colorizer.settings.tile is False  # shared by every user of the app: never changed
