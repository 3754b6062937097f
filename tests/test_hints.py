"""Colour hints: sampled from the target for training, placed from page coordinates, followed by a model."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageDraw
from skimage import color as skcolor

from mangacolor import Config, data, metrics, nets
from mangacolor.data import hint_sampling, pipeline
from mangacolor.data.hint_sampling import HintSampling
from mangacolor.nets import heads
from mangacolor.paint import Colorizer, hints


def _flat_colour_image(size: int = 64) -> np.ndarray:
    """Left half red, right half blue, on nothing else: every hint's colour is known."""
    rgb = np.zeros((size, size, 3), np.float32)
    rgb[:, : size // 2] = (0.85, 0.15, 0.1)
    rgb[:, size // 2 :] = (0.1, 0.2, 0.85)
    return rgb


def test_sampled_hints_carry_the_targets_colour_where_the_mask_is():
    rgb = _flat_colour_image()
    layer = hint_sampling.sample(tf.constant(rgb), 6, patch=3, seed=tf.constant([1, 2])).numpy()
    mask = layer[..., -1] > 0.5
    assert 9 <= mask.sum() <= 6 * 9
    lab = hint_sampling.decode(layer[..., :3][mask])
    truth = skcolor.rgb2lab(rgb)[mask]
    inner = np.abs(np.arange(64) - 32)[None, :].repeat(64, 0)[mask] > 2  # away from the red-blue edge
    assert np.abs(lab - truth)[inner].max() < 1.0
    assert (layer[~mask] == 0).all()


def test_training_hints_vary_in_number_and_some_images_get_none():
    rgb = tf.constant(_flat_colour_image())
    tf.random.set_seed(0)
    counts = [int(hint_sampling.random_hints(rgb)[..., -1].numpy().sum() > 0) for _ in range(60)]
    assert 15 < counts.count(0) < 45  # about half with none (HintSampling().no_hint_fraction)
    evaluation = [hint_sampling.fixed_hints(rgb, 5).numpy() for _ in range(2)]
    np.testing.assert_array_equal(*evaluation)  # the same hints every time


def test_the_training_hint_rates_are_a_setting_not_a_module_constant():
    rgb = tf.constant(_flat_colour_image())
    tf.random.set_seed(0)
    always = HintSampling(no_hint_fraction=0.0)
    assert all(hint_sampling.random_hints(rgb, always)[..., -1].numpy().sum() > 0 for _ in range(20))
    never = HintSampling(no_hint_fraction=1.0)
    assert all(hint_sampling.random_hints(rgb, never)[..., -1].numpy().sum() == 0 for _ in range(20))
    one_pixel = HintSampling(no_hint_fraction=0.0, max_hints=1, patches=(1,))
    assert all(hint_sampling.random_hints(rgb, one_pixel)[..., -1].numpy().sum() == 1 for _ in range(20))
    assert HintSampling() == HintSampling(0.5, 8.0, 32, (1, 3, 5))  # the defaults are untouched


def test_evaluation_hints_fall_inside_fills_not_on_outlines():
    # A blue disc with a black outline on white: a user clicks inside the disc.
    yy, xx = np.mgrid[:64, :64]
    r = np.hypot(yy - 32, xx - 32)
    rgb = np.ones((64, 64, 3), np.float32)
    rgb[r < 20] = (0.1, 0.2, 0.85)
    rgb[(r >= 18) & (r < 20)] = 0.0
    layer = hint_sampling.fixed_hints(tf.constant(rgb), 20).numpy()
    mask = layer[..., -1] > 0.5
    assert mask.any() and (r[mask] < 17).all(), r[mask].max()
    np.testing.assert_allclose(hint_sampling.decode(layer[..., :3][mask]), skcolor.rgb2lab(rgb)[mask], atol=0.5)


def test_the_pipeline_adds_a_hint_layer_after_the_bw_channel():
    pairs = data.find_pairs(split="val")[:4]
    inputs, _ = next(iter(pipeline.make_dataset(pairs, 64, 4, training=False, hint_sampling=5)))
    assert inputs.shape == (4, 64, 64, 5)
    assert (inputs[..., -1].numpy().reshape(4, -1).sum(axis=1) >= 9).all()
    sampled = HintSampling(no_hint_fraction=0.0)  # training's random hints, every image given some
    inputs, _ = next(iter(pipeline.make_dataset(pairs, 64, 4, training=True, hint_sampling=sampled)))
    assert inputs.shape == (4, 64, 64, 5)
    assert (inputs[..., -1].numpy().reshape(4, -1).sum(axis=1) > 0).all()
    inputs, _ = next(iter(pipeline.make_dataset(pairs, 64, 4, training=False, hint_sampling=None)))
    assert inputs.shape == (4, 64, 64, 1)


def test_points_on_a_non_square_page_land_where_they_were_given():
    page_shape, shape = (300, 700, 3), (30, 70)
    layer = hints.points_channels([hints.Point(650, 50, (0, 0, 255))], page_shape, shape)
    ys, xs = np.nonzero(layer[..., -1])
    assert abs(ys.mean() - 5) <= 1 and abs(xs.mean() - 65) <= 1
    with pytest.raises(ValueError, match="outside the page"):
        hints.points_channels([hints.Point(700, 10, (0, 0, 0))], page_shape, shape)


def _hint_painter() -> keras.Model:
    """A Multiply-head generator that paints exactly its hints' a*b* and nothing elsewhere:
    where its output is coloured shows where the hints landed."""
    inputs = keras.Input((None, None, 5))
    features = keras.layers.Conv2D(3, 1, name="out_conv2")(inputs)
    gray = heads.InputLightness()(inputs)
    generator = keras.Model(inputs, heads.MultiplyHead(name="multiply")(gray, features))
    kernel = np.zeros((1, 1, 5, 3), np.float32)
    kernel[0, 0, 2, 1] = kernel[0, 0, 3, 2] = 1.5  # hint a*, b* (scaled) -> a*, b* features
    generator.get_layer("out_conv2").set_weights([kernel, np.array([8.0, 0.0, 0.0], np.float32)])
    return generator


def test_hints_at_full_resolution_colour_the_right_place_of_a_non_square_page(tmp_path: Path):
    page = np.full((300, 700, 3), 200, np.uint8)  # grey paper: no flattening
    Image.fromarray(page).save(tmp_path / "page.png")
    colorizer = Colorizer(_hint_painter(), size=140, flatten=False)
    spec = {"palette": {"sky": "#2050e0"}, "pages": {"page.png": [{"x": 640, "y": 40, "color": "sky"}]}}
    (tmp_path / "hints.json").write_text(json.dumps(spec))
    points = hints.read_points(tmp_path / "hints.json", "page.png")
    # As points for an array or a file, and as the hint file for the page's file (its points found by name).
    for image, given in (
        (page, points),
        (tmp_path / "page.png", points),
        (tmp_path / "page.png", tmp_path / "hints.json"),
    ):
        out = colorizer.colorize(image, hints=given)
        chroma = np.hypot(*skcolor.rgb2lab(out)[..., 1:].transpose(2, 0, 1))
        assert chroma[35:45, 635:645].mean() > 20, "coloured where the hint was given"
        assert chroma[:, :600].max() < 2 and chroma[100:].max() < 2, "nowhere else"


def test_a_scribble_of_another_size_is_scaled_to_the_page(tmp_path: Path):
    scribble = Image.new("RGBA", (70, 30), (0, 0, 0, 0))
    ImageDraw.Draw(scribble).rectangle([0, 20, 8, 29], fill=(220, 40, 30, 255))  # bottom left
    scribble.save(tmp_path / "scribble.png")
    out = Colorizer(_hint_painter(), size=140, flatten=False).colorize(
        np.full((300, 700, 3), 200, np.uint8), hints=tmp_path / "scribble.png"
    )
    lab = skcolor.rgb2lab(out)
    assert lab[220:290, 10:70, 1].mean() > 15 and np.abs(lab[:150, :, 1:]).max() < 2


def test_bad_hint_files_and_colours_get_clear_errors(tmp_path: Path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="bad.json: not a usable hint file"):
        hints.read_points(tmp_path / "bad.json")
    (tmp_path / "colour.json").write_text(json.dumps({"points": [{"x": 1, "y": 1, "color": "hair"}]}))
    with pytest.raises(ValueError, match="'hair' is not a colour"):
        hints.read_points(tmp_path / "colour.json")


def test_hints_for_a_model_without_hint_input_are_refused():
    generator = nets.build_generator(Config(hint_input=False, width=8, depth=3))
    with pytest.raises(ValueError, match="takes no colour hints"):
        Colorizer(generator, size=64).colorize(
            np.full((64, 64, 3), 200, np.uint8), hints=[hints.Point(1, 1, (0, 0, 0))]
        )


def test_hint_error_is_small_where_the_output_takes_the_hinted_colour():
    rgb = _flat_colour_image()
    layer = hint_sampling.sample(tf.constant(rgb), 5, patch=3, seed=tf.constant([3, 4])).numpy()
    image = np.round(rgb * 255).astype(np.uint8)
    assert metrics.hint_error(image, layer) < 1.5
    assert metrics.hint_error(np.full_like(image, 128), layer) > 20
    assert np.isnan(metrics.hint_error(image, np.zeros_like(layer)))


def test_a_hint_on_line_art_fills_its_closed_region_and_leaves_the_other_alone():
    from test_lineart import _drawing, _vivid_multiply_generator

    page = _drawing(240, 320)  # an ellipse (left) and a rectangle (right), ink on white paper
    generator = _vivid_multiply_generator(0.0, 0.05)  # a pale tint everywhere, no hint input
    inputs = keras.Input((None, None, 5))
    hinted_generator = keras.Model(inputs, generator(heads.InputLightness()(inputs)))
    colorizer = Colorizer(hinted_generator, size=64)
    automatic = colorizer.colorize(page)
    hinted = colorizer.colorize(page, hints=[hints.Point(90, 110, (40, 160, 60))])  # inside the ellipse
    lab_auto, lab_hint = skcolor.rgb2lab(automatic), skcolor.rgb2lab(hinted)
    ellipse, rectangle = (slice(95, 125), slice(70, 110)), (slice(100, 170), slice(200, 270))
    green = skcolor.rgb2lab(np.array([[[40, 160, 60]]], np.uint8))[0, 0]
    assert np.abs(lab_hint[ellipse] - green).max() < 3, "the whole region takes the hint's colour"
    assert np.abs(lab_hint[rectangle] - lab_auto[rectangle]).max() < 1e-6, "the other region is untouched"
    twice = colorizer.colorize(page, hints=[hints.Point(90, 110, (40, 160, 60)), hints.Point(80, 100, (200, 40, 40))])
    red = skcolor.rgb2lab(np.array([[[200, 40, 40]]], np.uint8))[0, 0]
    assert np.abs(skcolor.rgb2lab(twice)[ellipse] - red).max() < 3, "the later hint in a region wins"


def test_a_hint_on_a_grayscale_panel_fills_the_area_of_its_grey():
    page = np.full((120, 200, 3), 255, np.uint8)
    page[20:100, 20:90] = 120  # two flat grey fills, apart
    page[20:100, 110:180] = 120
    colorizer = Colorizer(_hint_painter(), size=100)  # paints nothing but its hints
    out = colorizer.colorize(page, hints=[hints.Point(50, 60, (200, 60, 40))])
    lab, truth = skcolor.rgb2lab(out), skcolor.rgb2lab(page)
    assert np.hypot(lab[25:95, 25:85, 1], lab[25:95, 25:85, 2]).min() > 20, "the whole fill takes the hint"
    np.testing.assert_allclose(lab[..., 0], truth[..., 0], atol=0.6)  # its lightness is the panel's own
    assert np.abs(lab[20:100, 110:180, 1:]).max() < 1, "the other fill is untouched"


def test_a_hint_in_a_shape_with_a_gap_in_its_outline_fills_the_shape_not_the_page():
    from test_lineart import _vivid_multiply_generator

    im = Image.new("RGB", (320, 240), "white")
    draw = ImageDraw.Draw(im)
    draw.arc([30, 40, 150, 180], 8, 352, fill="black", width=3)  # an ellipse open on its right, 20 px
    draw.line([250, 40, 250, 200], fill="black", width=3)  # a lone stroke: it encloses nothing
    page = np.asarray(im)
    generator = _vivid_multiply_generator(0.0, 0.05)
    inputs = keras.Input((None, None, 5))
    colorizer = Colorizer(keras.Model(inputs, generator(heads.InputLightness()(inputs))), size=64)
    green, blue = (40, 160, 60), (40, 60, 200)
    out = colorizer.colorize(page, hints=[hints.Point(80, 110, green), hints.Point(270, 120, blue)])
    lab = skcolor.rgb2lab(out)
    target = skcolor.rgb2lab(np.array([[green, blue]], np.uint8))[0]
    assert np.abs(lab[80:140, 50:120] - target[0]).max() < 3, "the open ellipse takes the hint's colour"
    assert (out[5:30, 5:300] == 255).all() and (out[215:, :] == 255).all(), "the paper around stays paper"
    assert np.abs(lab[115:125, 265:275] - target[1]).max() < 3, "a hint with no shape around colours its spot"
    assert (out[:, 300:] == 255).all(), "and only near it"
