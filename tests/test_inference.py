"""Whole-page inference: exact output size, the input's lightness kept, tiles without seams,
folders with bad files, and the `colorize` and `evaluate` commands."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image
from skimage import color as skcolor
from synthetic import shapes_image, write_shapes

from mangacolor import Config, PaintSettings, cli, metrics, nets
from mangacolor.paint import Colorizer, load_generator
from mangacolor.paint.page import is_coloured

TINY = Config(arch="unet", head="lab", width=8, depth=3, image_size=64)


def _vivid_generator() -> keras.Model:
    """A tiny untrained Lab-head generator biased to strong orange: far out of gamut on black
    lines and white paper, so keeping the input's lightness is a real test."""
    generator = nets.build_generator(TINY)
    generator.get_layer("out_conv2").bias.assign([2.0, 2.0])
    return generator


def _constant_generator(rgb: tuple[float, float, float]) -> keras.Model:
    """Returns the same colour everywhere, whatever the input."""
    gray = keras.Input((None, None, 1))
    const = keras.layers.Conv2D(3, 1, kernel_initializer="zeros", bias_initializer="zeros")(gray)
    model = keras.Model(gray, const)
    model.layers[-1].bias.assign(np.asarray(rgb, np.float32) * 2.0 - 1.0)
    return model


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory as training leaves it: generator.keras and config.json."""
    run = tmp_path_factory.mktemp("run")
    _vivid_generator().save(run / "generator.keras")
    TINY.save(run / "config.json")
    return run


@pytest.fixture(scope="module")
def colorizer(run_dir: Path) -> Colorizer:
    return Colorizer(run_dir)


def _page(height: int = 333, width: int = 517, seed: int = 0) -> np.ndarray:
    """Gray line art: shapes with black outlines and grey fills, resized to (height, width)."""
    gray = shapes_image(np.random.default_rng(seed), 128).convert("L").resize((width, height))
    return np.asarray(gray)


def _lightness(image: np.ndarray) -> np.ndarray:
    """L* of uint8 RGB or gray, by skimage: the reference."""
    return skcolor.rgb2lab(skcolor.gray2rgb(image) if image.ndim == 2 else image)[..., 0]


# ---------------------------------------------------------------- loading


def test_a_run_directory_gives_its_generator_and_image_size(run_dir: Path, colorizer: Colorizer):
    assert colorizer.size == TINY.image_size
    assert Colorizer(run_dir, size=96).size == 96
    assert Colorizer(run_dir / "generator.keras").size == TINY.image_size  # config beside it
    assert Colorizer(_vivid_generator()).size == 256  # no run, no config: the default


def test_a_run_without_a_final_generator_uses_its_best_then_last_checkpoint(tmp_path: Path):
    (tmp_path / "checkpoints").mkdir()
    _constant_generator((1.0, 0.0, 0.0)).save(tmp_path / "checkpoints" / "last.keras")
    last, config = load_generator(tmp_path)
    assert config is None and last.count_params() == 6
    _vivid_generator().save(tmp_path / "checkpoints" / "best.keras")
    best, _ = load_generator(tmp_path)
    assert best.count_params() > 6
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no generator"):
        load_generator(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="no such model file"):
        load_generator(tmp_path / "missing.keras")


# ---------------------------------------------------------------- one page


@pytest.mark.parametrize("height, width", [(333, 517), (517, 333), (31, 45), (700, 64)])
def test_output_has_exactly_the_input_size(colorizer: Colorizer, height: int, width: int):
    out = colorizer.colorize(_page(height, width))
    assert out.shape == (height, width, 3) and out.dtype == np.uint8


def test_any_input_mode_keeps_its_size_and_lightness(colorizer: Colorizer, tmp_path: Path):
    gray = _page()
    rgba = np.dstack([np.repeat(gray[..., None], 3, -1), np.full_like(gray, 128)])
    half_on_white = np.round(gray * (128 / 255) + 255 * (127 / 255)).astype(np.uint8)
    Image.fromarray(gray.astype(np.uint16) * 257).save(tmp_path / "deep.png")
    Image.fromarray(rgba).save(tmp_path / "alpha.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I;16")
    cases = [
        (gray, gray),
        (gray[..., None], gray),
        (tmp_path / "deep.png", gray),
        (rgba, half_on_white),
        (Image.fromarray(rgba), half_on_white),
        (str(tmp_path / "alpha.png"), half_on_white),
    ]
    for image, expected in cases:
        out = colorizer.colorize(image)
        assert out.shape == (333, 517, 3)
        # one level of compositing rounding plus the output's uint8 rounding: < 1
        assert np.abs(_lightness(out) - _lightness(expected)).max() < 1.0


def test_float_arrays_are_refused_rather_than_guessed(colorizer: Colorizer):
    with pytest.raises(ValueError, match="float64"):
        colorizer.colorize(np.ones((32, 32, 3)))


def test_transparency_is_composited_on_white(colorizer: Colorizer):
    rgba = np.zeros((64, 96, 4), np.uint8)  # black, fully transparent: white paper
    out = colorizer.colorize(rgba)
    assert np.abs(_lightness(out) - 100.0).max() < 0.5


def test_lab_head_output_keeps_the_full_resolution_lightness(colorizer: Colorizer):
    page = _page(517, 333)
    out = colorizer.colorize(page)
    chroma = np.hypot(*skcolor.rgb2lab(out)[..., 1:].transpose(2, 0, 1))
    assert chroma.mean() > 10  # really coloured, not gray
    # uint8 rounding of the output alone moves L* by up to ~0.3
    assert np.abs(_lightness(out) - _lightness(page)).max() < 0.5


def test_lightness_is_kept_even_where_the_colour_was_predicted_at_low_resolution(tmp_path: Path):
    # one-pixel black lines on white, 20x larger than the model's working size
    page = np.full((1280, 960), 255, np.uint8)
    page[::37] = 0
    page[:, ::29] = 0
    out = Colorizer(_vivid_generator(), size=64).colorize(page)
    assert np.abs(_lightness(out) - _lightness(page)).max() < 0.5
    assert (out[::37].max(axis=-1) <= 1).all()  # the lines stay black and sharp


# ---------------------------------------------------------------- tiles


def test_tiles_give_the_input_size(colorizer: Colorizer):
    tiled = Colorizer(colorizer.model, size=64, tile=True)
    assert tiled.colorize(_page(333, 517)).shape == (333, 517, 3)


def test_tiles_blend_without_seams():
    # a flat page and a model that gives one colour: any uneven blending of the
    # overlaps (weights not normalised, a gap) shows as a stripe
    model = _constant_generator((0.8, 0.5, 0.3))
    page = np.full((700, 450), 150, np.uint8)
    whole = Colorizer(model, size=64).colorize(page)
    tiled = Colorizer(model, size=64, tile=True).colorize(page)
    assert np.ptp(tiled.reshape(-1, 3), axis=0).max() <= 1
    assert np.abs(tiled.astype(int) - whole.astype(int)).max() <= 1
    assert np.ptp(whole[0, 0]) > 20  # and it is coloured


def test_tile_edges_fade_out_so_a_models_border_artefacts_leave_no_stripes():
    # a 9x9 blur with zero padding: flat inside a tile, off-colour near its edges
    gray = keras.Input((None, None, 1))
    model = keras.Model(gray, keras.layers.Conv2D(3, 9, padding="same")(gray))
    kernel = np.zeros((9, 9, 1, 3), np.float32)
    kernel[..., 0], kernel[..., 2] = 1 / 81, -1 / 81
    model.layers[-1].set_weights([kernel, np.array([0.0, 0.0, 0.5], np.float32)])
    page = np.full((700, 450), 150, np.uint8)
    lab = skcolor.rgb2lab(Colorizer(model, size=64, tile=True).colorize(page))
    inside = lab[40:-40, 40:-40]  # the page's own border keeps the artefact: one tile covers it
    # without the fading (equal weights over each overlap) the stripes measure ~8
    assert np.ptp(inside[..., 1]) < 4 and np.ptp(inside[..., 2]) < 4


# ---------------------------------------------------------------- folders


def _folder_with_a_bad_file(root: Path) -> Path:
    folder = root / "pages"
    for path in write_shapes(folder, 3, seed=3, size=80):
        Image.open(path).convert("L").save(path)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    (folder / "notes.txt").write_text("not an image: ignored")
    return folder


def test_colorize_folder_writes_every_good_file_and_reports_the_bad_one(colorizer: Colorizer, tmp_path: Path):
    folder = _folder_with_a_bad_file(tmp_path)
    report = colorizer.colorize_folder(folder, tmp_path / "out", fmt="jpeg", progress=False)
    assert sorted(p.name for p in report.written) == [f"shape_3_00{i}.jpg" for i in range(3)]
    assert [p.name for p, _ in report.failed] == ["broken.png"]
    assert "broken.png" in report.failed[0][1] and "cannot read" in report.failed[0][1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in report.written
    )  # no temporary files left
    assert Image.open(report.written[0]).size == (80, 80)


def test_colorize_folder_batches_same_size_images_like_single_ones(tmp_path: Path):
    # a deterministic model (no dropout at inference): batching must not change a pixel
    paths = write_shapes(tmp_path / "in", 5, seed=4, size=64)
    model = _vivid_generator()
    report = Colorizer(model).colorize_folder(paths, tmp_path / "out", batch_size=4, progress=False)
    for path, written in zip(paths, report.written, strict=True):
        single = Colorizer(model).colorize(path)
        assert np.abs(np.asarray(Image.open(written)).astype(int) - single).max() <= 1


def test_an_input_is_never_overwritten(colorizer: Colorizer, tmp_path: Path):
    paths = write_shapes(tmp_path, 2, seed=5)
    before = [p.read_bytes() for p in paths]
    with pytest.raises(FileExistsError, match="would overwrite an input"):
        colorizer.colorize_folder(tmp_path, tmp_path, fmt="png", progress=False)
    assert [p.read_bytes() for p in paths] == before
    report = colorizer.colorize_folder(tmp_path, tmp_path, fmt="webp", progress=False)
    assert len(report.written) == 2 and [p.read_bytes() for p in paths] == before


def test_two_inputs_are_never_written_to_one_file(colorizer: Colorizer, tmp_path: Path):
    Image.new("L", (40, 40), 200).save(tmp_path / "page.png")
    Image.new("L", (40, 40), 100).save(tmp_path / "page.jpg")
    with pytest.raises(FileExistsError, match="would both be written"):
        colorizer.colorize_folder(tmp_path, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_is_coloured_tells_colour_from_black_and_white():
    drawing = shapes_image(np.random.default_rng(6), 128)
    settings = PaintSettings()
    assert is_coloured(np.asarray(drawing), settings)
    assert not is_coloured(np.asarray(drawing.convert("L").convert("RGB")), settings)
    sepia = np.asarray(drawing.convert("L").convert("RGB")) * np.array([1.0, 0.98, 0.93])
    assert not is_coloured(sepia.astype(np.uint8), settings)  # an old scan's paper tint
    assert not is_coloured(np.asarray(drawing), PaintSettings(coloured_chroma=1000.0))  # the threshold is the setting's


# ---------------------------------------------------------------- the commands


def test_cli_colorize_names_the_bad_file_and_exits_1(run_dir: Path, tmp_path: Path, capsys):
    folder = _folder_with_a_bad_file(tmp_path)
    status = cli.main(["colorize", str(folder), "--model", str(run_dir), "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert status == 1
    assert "broken.png" in err and "cannot read image" in err
    assert "3 written" in out and "1 failed" in out
    assert len(list((tmp_path / "o").glob("*.png"))) == 3


def test_cli_colorize_skip_colored(run_dir: Path, tmp_path: Path, capsys):
    colored = shapes_image(np.random.default_rng(7), 64)
    colored.save(tmp_path / "colored.png")
    colored.convert("L").save(tmp_path / "bw.png")
    args = ["colorize", str(tmp_path / "colored.png"), str(tmp_path / "bw.png"), "--model",
            str(run_dir), "--out", str(tmp_path / "o"), "--skip-colored", "--tile"]  # fmt: skip
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "skipped (already in colour): " in out and "colored.png" in out
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["bw.png"]


def test_cli_colorize_refuses_to_overwrite_inputs(run_dir: Path, tmp_path: Path, capsys):
    write_shapes(tmp_path, 1, seed=8)
    args = ["colorize", str(tmp_path), "--model", str(run_dir), "--out", str(tmp_path)]
    assert cli.main(args) == 2
    assert "would overwrite an input" in capsys.readouterr().err


def test_cli_evaluate_json_has_model_and_unchanged_with_every_metric(tmp_path: Path, capsys):
    data_dir = tmp_path / "data"
    for split, n in (("train", 2), ("val", 2), ("test", 3)):
        write_shapes(data_dir / split, n, seed=len(split), size=48)
    run = tmp_path / "run"
    run.mkdir()
    # built at a fixed 32 x 32: evaluation fails unless the size comes from config.json
    nets.build_generator(TINY, image_size=32).save(run / "generator.keras")
    TINY.replace(image_size=32).save(run / "config.json")
    status = cli.main(["evaluate", "--model", str(run), "--data", str(data_dir), "--json"])
    assert status == 0
    results = json.loads(capsys.readouterr().out)
    assert set(results) == {"model", "unchanged"}
    for scores in results.values():
        assert set(scores) == {*metrics.METRICS, "n_images"}
        assert scores["n_images"] == 3
    assert results["unchanged"]["colorfulness"] == pytest.approx(0.0, abs=0.5)
