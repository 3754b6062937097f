"""PaintSettings is honest: each Colorizer paints with its own settings, two colorizers with
different settings in one process paint differently where they should and never change each
other, the settings are frozen, and no module global moves."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import color as skcolor
from synthetic import shapes_image
from test_lineart import _drawing, _vivid_multiply_generator

from mangacolor import Colorizer, PaintSettings, cli, data
from mangacolor.data import hint_sampling
from mangacolor.paint import FolderOptions, colorizer, compose, flatten, folders, hints, page, predict, settings

MODULES = (colorizer, compose, flatten, folders, hints, page, predict, settings, hint_sampling)
DEFAULTS = {f.name: f.default for f in dataclasses.fields(PaintSettings)}


def _chroma(rgb: np.ndarray) -> np.ndarray:
    lab = skcolor.rgb2lab(rgb)
    return np.hypot(lab[..., 1], lab[..., 2])


def _panel() -> np.ndarray:
    """A grayscale panel: flat grey fills with outlines, many mid-tones (not a B&W drawing)."""
    return np.asarray(shapes_image(np.random.default_rng(1), 128).convert("L").convert("RGB"))


def _module_constants() -> dict[tuple[str, str], object]:
    """Every upper-case global of the colouring modules, as a comparable snapshot."""
    snapshot = {}
    for module in MODULES:
        for name, value in vars(module).items():
            if name.lstrip("_").isupper():
                snapshot[module.__name__, name] = value.tobytes() if isinstance(value, np.ndarray) else repr(value)
    return snapshot


def _tint_painter():
    return _vivid_multiply_generator(0.0, 0.05)  # a weak tint everywhere (C*ab about 8), no hint input


# ---------------------------------------------------------------- two colorizers, one process


def test_a_colorizer_without_tint_fade_keeps_more_chroma_on_a_grayscale_panel():
    generator = _tint_painter()
    faded, kept = Colorizer(generator, size=64), Colorizer(generator, size=64, tint_fade=0.0)
    assert faded.settings.tint_fade == DEFAULTS["tint_fade"] > 0 and kept.settings.tint_fade == 0.0
    panel = _panel()
    assert page.classify(compose.lightness(panel), faded.settings) == "grayscale"
    first = faded.colorize(panel)
    mid = (skcolor.rgb2lab(panel)[..., 0] > 30) & (skcolor.rgb2lab(panel)[..., 0] < 90)
    weak, strong = _chroma(first)[mid].mean(), _chroma(kept.colorize(panel))[mid].mean()
    assert strong > weak + 4, (weak, strong)  # the default fade takes 6 of the tint's ~8 C*ab off
    np.testing.assert_array_equal(faded.colorize(panel), first)  # the other colorizer changed nothing here
    assert faded.settings == PaintSettings(size=64)


def test_a_colorizer_without_flattening_paints_a_drawing_differently():
    generator = _tint_painter()  # a pale tint that spills onto the paper around the drawing
    flat, soft = Colorizer(generator, size=64), Colorizer(generator, size=64, flatten=False)
    drawing = _drawing(240, 320)
    assert page.classify(compose.lightness(drawing), flat.settings) == "drawing"
    first = flat.colorize(drawing)
    unflattened = soft.colorize(drawing)
    paper = (drawing == 255).all(axis=-1)
    outside = paper.copy()
    outside[40:200, 20:300] = False  # the margin around the two shapes
    assert (first[outside] == 255).all(), "flattened: the paper around the drawing stays paper"
    assert _chroma(unflattened[outside]).mean() > 5, "not flattened: the network's tint spills onto it"
    assert (unflattened[outside] < 250).any(axis=-1).all()
    np.testing.assert_array_equal(flat.colorize(drawing), first)


def test_the_shipped_model_honours_each_colorizers_settings_in_one_process():
    default = Colorizer()
    drawing = data.load_image(next(p.color for p in data.sample_pairs(kind="bw") if "church" in p.color))
    pair = data.sample_pairs("test")[0]
    panel = np.asarray(Image.fromarray(data.load_image(pair.color)).convert("L").convert("RGB"))
    before = default.colorize(drawing), default.colorize(panel)
    unfaded = Colorizer(tint_fade=0.0)
    unflattened = Colorizer(flatten=False)
    assert _chroma(unfaded.colorize(panel)).mean() > _chroma(before[1]).mean() + 1
    assert np.abs(unflattened.colorize(drawing).astype(int) - before[0]).max() > 20
    # Neither changed the first colorizer, nor a new one: it paints exactly what the first painted.
    fresh = Colorizer()
    assert fresh.settings == default.settings == PaintSettings()
    for colorizer_ in (default, fresh):
        np.testing.assert_array_equal(colorizer_.colorize(drawing), before[0])
        np.testing.assert_array_equal(colorizer_.colorize(panel), before[1])


# ---------------------------------------------------------------- frozen, and no globals


def test_a_colorizers_settings_are_frozen_and_replace_makes_a_new_object():
    generator = _tint_painter()
    colorizer_ = Colorizer(generator, size=64, tile=True, flatten=False)
    assert colorizer_.settings == PaintSettings(size=64, tile=True, flatten=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        colorizer_.settings.tint_fade = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        PaintSettings().flatten = True
    changed = colorizer_.settings.replace(flatten=True, tint_fade=2.0)
    assert (changed.flatten, changed.tint_fade, changed.tile) == (True, 2.0, True)
    assert colorizer_.settings.flatten is False and colorizer_.settings.tint_fade == DEFAULTS["tint_fade"]
    # A settings object and single changes: the changes win, the object is not changed.
    base = PaintSettings(tint_fade=1.0, near_hint=0.1)
    combined = Colorizer(generator, base, tint_fade=3.0)
    assert (combined.settings.tint_fade, combined.settings.near_hint) == (3.0, 0.1) and base.tint_fade == 1.0
    with pytest.raises(TypeError):
        Colorizer(generator, no_such_setting=1)


def test_painting_with_every_setting_changed_moves_no_module_global():
    constants = _module_constants()
    generator = _tint_painter()
    odd = PaintSettings(
        **{
            **DEFAULTS,
            "size": 96,
            "tile": True,
            "ink_lightness": 40.0,
            "paper_lightness": 80.0,
            "line_art_midtones": 0.3,
            "coloured_chroma": 2.0,
            "flatten": True,
            "background_chroma": 5.0,
            "pocket_factor": 0.5,
            "pocket_area": 0.1,
            "trap_radius": 2,
            "tint_fade": 0.0,
            "near_hint": 0.2,
            "grey_tolerance": 20.0,
            "panels": False,
            "protect_bubbles": False,
            "protect_text": False,
            "bubble_tint": (255, 240, 220),
            "min_panel": 0.1,
            "frame_coverage": 0.8,
            "loose_ink": 0.2,
            "content_margin": 0.1,
            "min_panels": 1,
            "panel_cover": 0.3,
            "bubble_area": (0.01, 0.2),
            "glyph_height": 0.05,
            "min_glyphs": 3,
        }
    )
    assert all(getattr(odd, name) != default for name, default in DEFAULTS.items())
    for image in (_drawing(150, 200), _panel()):
        Colorizer(generator, odd).colorize(image)
        Colorizer(generator, odd.replace(flatten=False, tile=False)).colorize(image)
    assert _module_constants() == constants
    assert Colorizer(generator).settings == PaintSettings()
    assert {f.name: getattr(PaintSettings(), f.name) for f in dataclasses.fields(PaintSettings)} == DEFAULTS


# ---------------------------------------------------------------- the settings reach every path


def test_folders_classify_coloured_pages_by_the_colorizers_own_threshold(tmp_path: Path):
    shapes_image(np.random.default_rng(7), 64).save(tmp_path / "coloured.png")
    generator = _tint_painter()
    options = FolderOptions(skip_coloured=True, progress=False)
    default = Colorizer(generator, size=64).colorize_folder(tmp_path / "coloured.png", tmp_path / "a", options)
    assert [p.name for p in default.skipped_colored] == ["coloured.png"] and not default.written
    lenient = Colorizer(generator, size=64, coloured_chroma=1000.0)
    report = lenient.colorize_folder(tmp_path / "coloured.png", tmp_path / "b", options)
    assert not report.skipped_colored and [p.name for p in report.written] == ["coloured.png"]
    # Keyword changes to the options: a new FolderOptions, the one given stays as it was.
    report = lenient.colorize_folder(tmp_path / "coloured.png", tmp_path / "c", options, fmt="jpeg", layers=True)
    assert sorted(p.name for p in report.written) == ["coloured.jpg", "coloured.layer.png"]
    assert options == FolderOptions(skip_coloured=True, progress=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.fmt = "webp"
    with pytest.raises(ValueError, match="format must be one of"):
        FolderOptions(fmt="gif")


def test_the_command_line_paint_options_become_the_colorizers_settings():
    parser = cli.build_parser()
    args = parser.parse_args(["colorize", "page.png", "--out", "o"])
    assert cli._paint_settings(args) == PaintSettings()
    args = parser.parse_args(
        ["colorize", "page.png", "--out", "o", "--size", "96", "--tile", "--no-flatten", "--tint-fade", "0"]
    )
    assert cli._paint_settings(args) == PaintSettings(size=96, tile=True, flatten=False, tint_fade=0.0)
    args = parser.parse_args(["evaluate", "--flatten", "--tint-fade", "2.5"])
    assert args.simulation == "grayscale"
    assert cli._paint_settings(args) == PaintSettings(flatten=True, tint_fade=2.5)
    pages = ["--no-panels", "--no-protect-bubbles", "--no-protect-text", "--bubble-tint", "#fff6e0"]
    args = parser.parse_args(["colorize", "page.png", "--out", "o", *pages])
    expected = PaintSettings(panels=False, protect_bubbles=False, protect_text=False, bubble_tint=(255, 246, 224))
    assert cli._paint_settings(args) == expected
