"""Whole manga pages: panels, speech bubbles and lettering are found, and colouring goes through them.

The constructed A4 page is mangacolor.data.synthetic_pages's (six framed panels of line art, three
bubbles, a line of narration), whose truth says where everything is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mangacolor import data
from mangacolor.data.synthetic_pages import SyntheticPage, draw_bubble, make_page, sample_drawings
from mangacolor.paint import Colorizer, PaintSettings, Point, compose
from mangacolor.paint import page as steps
from mangacolor.paint.layout import find_layout, whole
from mangacolor.paint.panels import crop_hints

DEFAULTS = PaintSettings()
OFF = PaintSettings(panels=False, protect_bubbles=False, protect_text=False)
RED, BLUE = (220, 30, 30), (30, 60, 220)


@pytest.fixture(scope="module")
def page() -> SyntheticPage:
    return make_page(sample_drawings(6, 0), seed=0)


@pytest.fixture(scope="module")
def colorizer() -> Colorizer:
    return Colorizer()


@pytest.fixture(scope="module")
def coloured(page: SyntheticPage, colorizer: Colorizer) -> np.ndarray:
    return colorizer.colorize(page.bw)


def _like(colorizer: Colorizer, settings: PaintSettings) -> Colorizer:
    """The same model at the same working size, with other settings."""
    return Colorizer(colorizer.model, settings=settings.replace(size=colorizer.size))


def two_panels(width: int = 800, height: int = 500) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Two framed panels side by side, each with a circle and a square drawn in outline; the frames' boxes."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    frames = [(30, 30, width // 2 - 45, height - 60), (width // 2 + 15, 30, width // 2 - 45, height - 60)]
    for x, y, w, h in frames:
        draw.rectangle([x, y, x + w - 1, y + h - 1], outline="black", width=4)
        draw.ellipse([x + 40, y + 60, x + 180, y + 200], outline="black", width=3)
        draw.rectangle([x + 200, y + 250, x + 320, y + 380], outline="black", width=3)
    return np.asarray(image), frames


# ---------------------------------------------------------------- analysis


def test_panels_are_found_within_a_few_pixels(page: SyntheticPage):
    layout = find_layout(compose.lightness(page.bw), DEFAULTS)
    assert len(layout.panels) == len(page.panels)
    for found, truth in zip(layout.panels, page.panels, strict=True):
        assert np.abs(np.subtract(found, truth)).max() <= 3, (found, truth)


def test_bubbles_are_found_with_their_masks(page: SyntheticPage):
    layout = find_layout(compose.lightness(page.bw), DEFAULTS)
    assert len(layout.bubbles) == len(page.bubbles)
    for truth in page.bubbles:
        iou = max(np.count_nonzero(b & truth) / np.count_nonzero(b | truth) for b in layout.bubbles)
        assert iou > 0.8


def test_lettering_outside_bubbles_is_found(page: SyntheticPage):
    layout = find_layout(compose.lightness(page.bw), DEFAULTS)
    (x, y, w, h) = page.text[0]
    assert layout.text[y : y + h, x : x + w].mean() > 0.95
    ys, xs = np.nonzero(layout.text)
    assert xs.min() >= x - 15 and xs.max() <= x + w + 15 and ys.min() >= y - 15 and ys.max() <= y + h + 15


def test_a_bubble_over_a_frame_and_vertical_lettering_are_found(page: SyntheticPage):
    """A bubble drawn over a frame's corner and the gutter leaves the frame found; lettering set
    in a column (as Japanese is) is lettering too."""
    bw, truth = Image.fromarray(page.bw.copy()), Image.fromarray(page.truth.copy())
    x, y, w, h = page.panels[1]
    over = draw_bubble(bw, truth, (x + w - 230, y + h - 60, 260, 110), ["OVER THE", "FRAME!"])
    column = draw_bubble(bw, truth, (x + 20, y + 150, 70, 260), ["HELLO"], column=True)
    layout = find_layout(compose.lightness(np.asarray(bw)), DEFAULTS)
    assert len(layout.panels) == len(page.panels)
    for truth_mask in (over, column):
        assert max(np.count_nonzero(b & truth_mask) / np.count_nonzero(b | truth_mask) for b in layout.bubbles) > 0.8


@pytest.mark.parametrize("pair", data.sample_pairs(kind="bw"), ids=lambda p: Path(p.color).stem)
def test_a_single_drawing_has_no_panels_bubbles_or_lettering(pair: data.Pair):
    layout = find_layout(compose.lightness(data.load_image(pair.color)), DEFAULTS)
    assert layout.whole_page and not layout.bubbles and not layout.text.any()
    assert layout.plain


def test_a_drawing_outside_the_frames_makes_the_page_whole():
    """Borderless art: the frames do not hold all the ink, so the page is coloured whole."""
    image, frames = two_panels()
    image = image.copy()
    x, y, w, h = frames[0]
    image[y + h + 5 : y + h + 25, 30:700] = 0  # a wide stroke under the panels, in no frame
    assert find_layout(compose.lightness(image), DEFAULTS).whole_page


# ---------------------------------------------------------------- colouring through the analysis


def test_gutters_bubbles_and_lettering_stay_as_drawn(page: SyntheticPage, coloured: np.ndarray):
    paper = np.all(page.bw == 255, axis=-1)
    inside = np.zeros(paper.shape, bool)
    for x, y, w, h in page.panels:
        inside[y - 4 : y + h + 4, x - 4 : x + w + 4] = True
    gutters = paper & ~inside
    assert np.all(coloured[gutters] == 255)
    for bubble in page.bubbles:
        assert np.all(coloured[bubble & paper] == 255)
        np.testing.assert_array_equal(coloured[bubble], page.bw[bubble])  # paper and lettering
    x, y, w, h = page.text[0]
    np.testing.assert_array_equal(coloured[y : y + h, x : x + w], page.bw[y : y + h, x : x + w])


def test_the_panels_paper_is_not_washed(page: SyntheticPage, colorizer: Colorizer, coloured: np.ndarray):
    """Flattened one panel at a time, a panel's paper is the paper around its drawing, not a
    region the frame closes; in one pass most panels' paper is tinted."""
    one_pass = _like(colorizer, OFF).colorize(page.bw)
    for x, y, _, h in page.panels:
        corner = (slice(y + h - 12, y + h - 4), slice(x + 4, x + 12))  # paper in every panel's bottom left
        assert np.all(coloured[corner] == page.bw[corner])
    tinted = [np.any(one_pass[y + h - 12 : y + h - 4, x + 4 : x + 12] != 255) for x, y, w, h in page.panels]
    assert sum(tinted) >= 1


def test_flattening_stays_inside_each_frame():
    """Each panel is flattened alone: colour given to one panel's part never reaches the other."""
    image, _ = two_panels()
    page = steps.analyse(image, None, DEFAULTS)
    parts = steps.parts(page, DEFAULTS)
    assert len(parts) == 2
    layers = []
    for part, (_, a, b) in zip(parts, [(0.5, 60.0, 40.0), (0.5, -20.0, -60.0)], strict=True):
        prediction = np.tile(np.array([0.5, a, b], np.float32), (64, 64, 1))
        layers.append(steps.compose_colour_layer(part, (prediction, None), DEFAULTS))
    layer = steps.compose_layout(page, parts, layers, DEFAULTS)
    left, right = layer[:, :400], layer[:, 400:]
    assert not np.any(left[..., 2] < -1) and not np.any(right[..., 1] > 1)  # no blue on the left, no red right
    assert np.any(left[..., 1] > 50) and np.any(right[..., 2] < -50)


def test_hints_land_in_their_panel(colorizer: Colorizer):
    """A hint in page coordinates fills its shape in its own panel and changes nothing in the other."""
    image, frames = two_panels()
    x, y, _, _ = frames[1]
    hinted = colorizer.colorize(image, hints=[Point(x + 110, y + 130, RED)])  # the right panel's circle
    assert np.abs(hinted[y + 130, x + 110].astype(int) - RED).max() <= 10
    lx, ly, lw, lh = frames[0]
    left = (slice(ly, ly + lh), slice(lx, lx + lw))
    np.testing.assert_array_equal(hinted[left], colorizer.colorize(image)[left])


def test_hints_move_into_their_panel():
    points = [Point(10, 10, RED), Point(120, 60, BLUE)]
    assert crop_hints(points, (100, 50, 40, 40), (200, 300, 3)) == [Point(20, 10, BLUE)]
    assert crop_hints(points, (0, 100, 40, 40), (200, 300, 3)) is None
    with pytest.raises(ValueError, match="outside the page"):
        crop_hints([Point(400, 10, RED)], (0, 0, 40, 40), (200, 300, 3))
    scribble = np.zeros((200, 300, 4), np.uint8)
    scribble[60:70, 120:130] = (*BLUE, 255)
    channels = crop_hints(scribble, (100, 50, 40, 40), (200, 300, 3))
    assert channels.shape == (40, 40, 4) and channels[10:20, 20:30, -1].all() and channels[..., -1].sum() == 100


def test_empty_frames_leave_the_page_as_drawn(colorizer: Colorizer):
    image = np.full((500, 800, 3), 255, np.uint8)
    for x in (30, 415):
        image[30:470, x : x + 355] = 0
        image[34:466, x + 4 : x + 351] = 255
    assert len(colorizer.layout(image).panels) == 2
    np.testing.assert_array_equal(colorizer.colorize(image), image)


def test_a_folder_of_pages_is_coloured_through_their_layouts(page: SyntheticPage, colorizer, coloured, tmp_path):
    Image.fromarray(page.bw).save(tmp_path / "page.png")
    Image.fromarray(two_panels()[0]).save(tmp_path / "two.png")
    report = colorizer.colorize_folder(tmp_path, tmp_path / "out", progress=False, batch_size=2)
    assert len(report.written) == 2
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out" / "page.png")), coloured)


# ---------------------------------------------------------------- settings and corrections


def test_protections_turn_off(page: SyntheticPage, colorizer: Colorizer):
    analysed = steps.analyse(page.bw, None, OFF)
    assert analysed.layout.plain and analysed.kept is None
    assert [part is analysed for part in steps.parts(analysed, OFF)] == [True]
    bubbles_only = PaintSettings(panels=False, protect_text=False)
    analysed = steps.analyse(page.bw, None, bubbles_only)
    assert [part is analysed for part in steps.parts(analysed, bubbles_only)] == [True]
    assert np.array_equal(analysed.kept, np.any(analysed.layout.bubbles, axis=0))


def test_a_bubble_tint_colours_the_paper_and_keeps_the_lettering(page: SyntheticPage, colorizer: Colorizer):
    tinted = _like(colorizer, DEFAULTS.replace(bubble_tint=(255, 240, 200))).colorize(page.bw)
    bubble = page.bubbles[0]
    paper = bubble & np.all(page.bw == 255, axis=-1)
    assert np.all(tinted[paper][:, 2] < 230) and np.all(tinted[paper][:, 0] >= 250)
    letters = bubble & (compose.lightness(page.bw) < DEFAULTS.paper_lightness)
    np.testing.assert_array_equal(tinted[letters], page.bw[letters])


def test_a_corrected_layout_is_used(page: SyntheticPage, colorizer: Colorizer):
    """A user who removes everything the analysis found gets the page in one pass."""
    layout = colorizer.layout(page.bw)
    assert len(layout.panels) == 6
    plain = colorizer.colorize(page.bw, layout=whole(page.bw.shape))
    np.testing.assert_array_equal(plain, _like(colorizer, OFF).colorize(page.bw))
    with pytest.raises(ValueError, match="layout"):
        colorizer.colorize(page.bw[:100], layout=layout)


def test_the_part_a_panel_gives_the_network_is_its_drawing_not_its_bubble(page: SyntheticPage):
    analysed = steps.analyse(page.bw, None, DEFAULTS)
    pieces = steps.parts(analysed, DEFAULTS)
    assert len(pieces) == len(page.drawings)
    for piece, (x, y, _, _), art, panel in zip(pieces, page.drawings, page.line_art, page.panels, strict=True):
        rows, cols = np.flatnonzero((art[..., 0] < 128).any(axis=1)), np.flatnonzero((art[..., 0] < 128).any(axis=0))
        top, left, bottom, right = y + rows[0], x + cols[0], y + rows[-1] + 1, x + cols[-1] + 1  # the drawing's ink
        px, py, pw, ph = piece.box
        margin = DEFAULTS.content_margin * max(panel[2:]) + 2
        # The crop is the drawing's ink and a margin of paper: a bubble's outline above the
        # drawing once stretched it to half again the drawing's height.
        assert px <= left and py <= top and px + pw >= right and py + ph >= bottom
        assert ph <= bottom - top + 2 * margin and pw <= right - left + 2 * margin, (piece.box, (left, top))
