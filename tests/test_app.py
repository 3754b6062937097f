"""The Gradio app: it builds, and its button colours an upload at full size.
(tests/test_browser.py uses it in a real browser.)"""

import typing
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mangacolor import Config, data, nets
from mangacolor.app import add_hint, analysis_fn, build_app, chapter_fn, colorize_fn, example_pages, mark_hints
from mangacolor.paint import ChapterError, Colorizer


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


def test_the_analysis_overlay_draws_panels_and_bubbles_and_leaves_the_rest(colorizer: Colorizer):
    from mangacolor.data.synthetic_pages import make_page, sample_drawings
    from mangacolor.visualize import BUBBLE_COLOUR, PANEL_COLOUR

    page = make_page(sample_drawings(), seed=0)
    shown = analysis_fn(colorizer)(page.bw)
    assert shown.shape == page.bw.shape and shown.dtype == np.uint8
    for colour, truth in ((PANEL_COLOUR, page.panels[0]), (BUBBLE_COLOUR, None)):
        painted = np.all(shown == colour, axis=-1)
        assert painted.any(), colour
        if truth:  # the first panel's frame is outlined right around it
            x, y, w, h = truth
            assert painted[y - 1, x + w // 2] and painted[y + h // 2, x - 1] and not painted[y + h // 2, x + w // 2]
    bubble = page.bubbles[0]
    assert np.all(shown == BUBBLE_COLOUR, axis=-1)[np.roll(bubble, -3, axis=0) & ~bubble].mean() > 0.5
    changed = np.any(shown != page.bw, axis=-1)
    assert changed.mean() < 0.1  # the drawings are left to see
    assert analysis_fn(colorizer)(None) is None


def test_the_chapter_tab_colours_a_cbz_into_a_new_cbz_in_reading_order(colorizer: Colorizer, tmp_path: Path):
    from test_chapters import _chapter, _coloured, _rgb

    source = _chapter(tmp_path / "chapter.cbz")
    before = source.read_bytes()
    written, summary = chapter_fn(colorizer, tmp_path / "out")(str(source))
    assert Path(written) == tmp_path / "out" / "chapter_colour.cbz" and source.read_bytes() == before
    with zipfile.ZipFile(written) as cbz:
        pages = [n for n in cbz.namelist() if n.endswith(".png")]
        assert pages == ["page1.png", "page2.png", "page10.png"]
        assert all(_coloured(_rgb(cbz.read(n))) > 0 for n in pages)
    assert summary.startswith("3 page(s) coloured into chapter_colour.cbz")


def test_the_chapter_tab_refuses_an_unsafe_archive_with_a_message(colorizer: Colorizer, tmp_path: Path):
    from test_chapters import _drawing, _zip

    archive = _zip(tmp_path / "evil.cbz", {"../../escape.png": _drawing(0)})
    with pytest.raises(ChapterError, match="evil.cbz"):
        chapter_fn(colorizer, tmp_path / "out")(str(archive))
    assert not (tmp_path / "out" / "evil_colour.cbz").exists() and not (tmp_path.parent / "escape.png").exists()
    with pytest.raises(ValueError, match="upload a chapter first"):
        chapter_fn(colorizer, tmp_path / "out")(None)
