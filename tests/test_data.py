"""Finding, loading and streaming data, manga simulation, and every bad-input case."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from synthetic import write_shapes

from mangacolor import data
from mangacolor.config import SIMULATIONS
from mangacolor.data import DataError, Pair, SkippedImageWarning, pipeline, simulation, sources

# ---------------------------------------------------------------- sources


def test_bundled_sample_loads_with_no_arguments():
    train = data.find_pairs()
    val, test = data.find_pairs(split="val"), data.find_pairs(split="test")
    assert len(train) >= 200 and len(val) >= 20 and len(test) >= 20
    assert not {p.color for p in train} & ({p.color for p in val} | {p.color for p in test})
    gray, target = next(iter(pipeline.load_dataset(batch_size=4, image_size=64)))
    assert gray.shape == (4, 64, 64, 1) and target.shape == (4, 64, 64, 3)
    assert bw_drawings_exist()


def bw_drawings_exist() -> bool:
    bw = data.sample_pairs(kind="bw")
    return len(bw) >= 3 and all(Path(p.color).is_file() for p in bw)


def _sample_files(n: int) -> list[Path]:
    return [Path(p.color) for p in data.sample_pairs(None)[:n]]


def test_kaggle_layout_is_found_and_loaded(tmp_path: Path):
    files = _sample_files(12)
    for series, chunk in (("black_clover", files[:8]), ("one_punch", files[8:])):
        for f in chunk:
            for sub in ("colored", "grayscale"):
                (tmp_path / series / sub).mkdir(parents=True, exist_ok=True)
            shutil.copy(f, tmp_path / series / "colored" / f.name)
            Image.open(f).convert("L").save(tmp_path / series / "grayscale" / f.name)
    assert sources.kaggle_series(tmp_path) == ["black_clover", "one_punch"]
    pairs = data.find_pairs(tmp_path, split=None, series=["black_clover"])
    assert len(pairs) == 8 and all(p.bw and "grayscale" in p.bw for p in pairs)
    assert len(data.find_pairs(tmp_path, split=None)) == 12
    with pytest.raises(DataError, match="no series"):
        data.find_pairs(tmp_path, split=None, series=["naruto"])
    gray, target = next(iter(pipeline.make_dataset(pairs, 64, 8, training=False)))
    assert gray.shape == (8, 64, 64, 1) and target.shape == (8, 64, 64, 3)


def test_kaggle_root_is_found_under_kaggle_input(tmp_path: Path):
    root = tmp_path / "input" / "unified" / "data"
    (root / "series_a" / "colored").mkdir(parents=True)
    assert data.find_kaggle_root(tmp_path / "input") == root
    assert data.find_kaggle_root(tmp_path / "nothing") is None


def test_paired_folder_uses_the_real_bw_images(tmp_path: Path):
    for f in _sample_files(6):
        (tmp_path / "color").mkdir(exist_ok=True)
        (tmp_path / "bw").mkdir(exist_ok=True)
        shutil.copy(f, tmp_path / "color" / f.name)
        Image.new("L", Image.open(f).size, 0).save(tmp_path / "bw" / f.name)  # all black
    pairs = data.find_pairs(tmp_path, split=None)
    assert len(pairs) == 6 and all(p.bw for p in pairs)
    gray, target = next(iter(pipeline.make_dataset(pairs, 64, 6, training=False)))
    # The input is the (black) B&W file, padded with white paper, not derived from the colour.
    from mangacolor.color import rgb_to_lightness

    derived = rgb_to_lightness((target + 1) / 2) / 50.0 - 1.0
    assert float(tf.reduce_min(gray)) == -1.0
    assert float(tf.reduce_mean(derived - gray)) > 0.5


def test_folder_of_colour_images_is_split_by_name(tmp_path: Path):
    for f in _sample_files(40):
        shutil.copy(f, tmp_path / f.name)
    splits = {s: data.find_pairs(tmp_path, split=s) for s in data.SPLITS}
    assert sum(len(v) for v in splits.values()) == 40
    assert data.find_pairs(tmp_path, split="train") == splits["train"]  # fixed
    assert all(p.bw is None for p in splits["train"])


# ---------------------------------------------------------------- bad input


def test_empty_folder_gives_a_clear_error(tmp_path: Path):
    with pytest.raises(DataError, match=r"no images found"):
        data.find_pairs(tmp_path)


def test_folder_without_images_gives_a_clear_error_and_other_files_are_ignored(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "model.h5").write_bytes(b"\0" * 10)
    with pytest.raises(DataError, match=str(tmp_path)):
        data.find_pairs(tmp_path)
    Image.new("RGB", (8, 8), "red").save(tmp_path / "one.png")
    assert [Path(p).name for p in data.list_images(tmp_path)] == ["one.png"]


def test_missing_folder_is_named(tmp_path: Path):
    with pytest.raises(DataError, match="no such folder"):
        data.find_pairs(tmp_path / "missing")


def _write_bad_files(folder: Path) -> tuple[Path, Path]:
    corrupt = folder / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50)
    good = folder / "truncated_source.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(good, quality=95)
    truncated = folder / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    good.unlink()
    return corrupt, truncated


def test_corrupt_and_truncated_files_raise_errors_naming_them(tmp_path: Path):
    corrupt, truncated = _write_bad_files(tmp_path)
    for path in (corrupt, truncated):
        with pytest.raises(DataError, match=path.name):
            data.load_image(path)


def test_pipeline_skips_bad_files_with_a_warning_and_counts_them(tmp_path: Path):
    corrupt, truncated = _write_bad_files(tmp_path)
    good = _sample_files(5)
    pairs = [Pair(str(p)) for p in (*good, corrupt, truncated)]
    skipped = data.SkippedFiles()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        batches = list(pipeline.make_dataset(pairs, 32, 4, training=False, skipped=skipped))
    assert sum(len(g) for g, _ in batches) == 5
    assert sorted(Path(p).name for p in skipped.paths) == ["corrupt.png", "truncated.jpg"]
    messages = [str(w.message) for w in caught if issubclass(w.category, SkippedImageWarning)]
    assert any("corrupt.png" in m for m in messages) and any("truncated.jpg" in m for m in messages)


def test_absurdly_large_image_is_refused_with_a_message(tmp_path: Path):
    huge = tmp_path / "huge.png"
    Image.new("1", (10_000, 9_000)).save(huge)  # 90 megapixels, a few kB on disk
    with pytest.raises(DataError, match=r"huge.png: image is 10000 x 9000 pixels"):
        data.load_image(huge)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "P+transparency", "I;16", "CMYK", "L", "1"])
def test_image_modes_load_as_8bit_rgb(tmp_path: Path, mode: str):
    path = tmp_path / ("image.jpg" if mode == "CMYK" else "image.png")
    rgb = np.zeros((20, 30, 3), np.uint8)
    rgb[:, :15] = (200, 30, 30)
    base = Image.fromarray(rgb)
    if mode in ("RGBA", "LA"):
        im = base.convert(mode)
        alpha = np.full((20, 30), 255, np.uint8)
        alpha[:, 15:] = 0  # transparent right half
        im.putalpha(Image.fromarray(alpha))
    elif mode == "P+transparency":
        im = base.quantize(8)
        im.info["transparency"] = im.getpixel((25, 10))
    elif mode == "I;16":
        im = Image.fromarray((np.asarray(base.convert("L")).astype(np.uint16) * 257), mode="I;16")
    elif mode == "P":
        im = base.quantize(8)  # an adaptive palette keeps the exact colours
    else:
        im = base.convert(mode)
    im.save(path)
    out = data.load_image(path)
    assert out.shape == (20, 30, 3) and out.dtype == np.uint8
    if mode in ("RGBA", "LA", "P+transparency"):
        assert (out[:, 20:] == 255).all()  # transparency composited on white
    if mode == "I;16":
        expected = np.asarray(base.convert("L"))[:, :, None]
        assert np.abs(out.astype(int) - expected).max() <= 1
    if mode in ("RGBA", "P", "CMYK"):
        assert np.abs(out[5, 5].astype(int) - (200, 30, 30)).max() < 12


# ---------------------------------------------------------------- the pipeline


def test_pipeline_shapes_ranges_and_lightness_input():
    pairs = data.find_pairs(split="val")[:6]
    gray, target = next(iter(pipeline.make_dataset(pairs, 64, 6, training=False)))
    assert gray.dtype == tf.float32 and target.dtype == tf.float32
    for t in (gray, target):
        assert float(tf.reduce_min(t)) >= -1.0 and float(tf.reduce_max(t)) <= 1.0
    from mangacolor.color import rgb_to_lightness

    expected = rgb_to_lightness((target + 1) / 2) / 50.0 - 1.0
    assert float(tf.reduce_max(tf.abs(gray - expected))) < 1e-4


def test_evaluation_is_deterministic_and_training_augments():
    pairs = data.find_pairs(split="val")[:4]
    a = next(iter(pipeline.make_dataset(pairs, 64, 4, training=False)))[1]
    b = next(iter(pipeline.make_dataset(pairs, 64, 4, training=False)))[1]
    assert np.array_equal(a.numpy(), b.numpy())
    ds = pipeline.make_dataset(pairs, 64, 4, training=True, seed=0)
    first, second = (next(iter(ds))[1].numpy() for _ in range(2))
    assert first.shape == (4, 64, 64, 3) and not np.array_equal(np.sort(first.ravel()), np.sort(second.ravel()))


def test_non_square_images_are_padded_with_white_not_stretched(tmp_path: Path):
    im = np.zeros((40, 80, 3), np.uint8)  # wide black image
    Image.fromarray(im).save(tmp_path / "wide.png")
    _, target = next(iter(pipeline.make_dataset([Pair(str(tmp_path / "wide.png"))], 32, 1, training=False)))
    column = target.numpy()[0, :, 16, 0]
    assert column[0] == 1.0 and column[-1] == 1.0 and column[16] == -1.0


def _count(ds) -> int:
    return sum(int(x.shape[0]) for x, _ in ds)


def test_small_sets_are_cached_in_memory_and_large_ones_streamed(tmp_path: Path, monkeypatch):
    # Cached: a file removed after the first pass is still served from memory.
    paths = write_shapes(tmp_path / "small", 4, seed=3)
    pairs = [data.Pair(color=str(p)) for p in paths]
    cached = pipeline.make_dataset(pairs, 32, 4, training=False)
    assert _count(cached) == 4
    paths[0].unlink()
    assert _count(cached) == 4
    # Above the limit the files are read on every pass: the removed one is skipped.
    monkeypatch.setattr(pipeline, "CACHE_LIMIT_BYTES", 4 * 32 * 32 * 4 - 1)
    skipped = data.SkippedFiles()
    streamed = pipeline.make_dataset(pairs, 32, 4, training=False, skipped=skipped)
    with pytest.warns(data.SkippedImageWarning):
        assert _count(streamed) == 3
    assert skipped.paths == [str(paths[0])]


# ---------------------------------------------------------------- manga simulation


def _ramp() -> tf.Tensor:
    return tf.tile(tf.linspace(0.0, 1.0, 64)[None, :, None], [64, 1, 1])


def test_screentone_turns_greys_into_dots_and_keeps_ink_and_paper():
    ramp = _ramp()
    tone = simulation.screentone(ramp, period=4.0).numpy()
    assert set(np.unique(tone)) <= {0.0, 1.0}
    mid = tone[:, 28:36]
    assert 0.3 < mid.mean() < 0.7  # mid grey becomes about half dots
    assert (tone[:, :5] == 0).all() and (tone[:, -3:] == 1).all()
    # The dot density follows the grey level.
    assert tone[:, 15:20].mean() < mid.mean() < tone[:, 45:50].mean()


def test_ink_is_binary_and_degrade_stays_close():
    ramp = _ramp()
    assert set(np.unique(simulation.ink(ramp).numpy())) == {0.0, 1.0}
    degraded = simulation.degrade(ramp, 0.7, 50).numpy()
    assert degraded.shape == (64, 64, 1) and np.abs(degraded - ramp.numpy()).mean() < 0.05


@pytest.mark.parametrize("kind", SIMULATIONS)
def test_every_simulation_runs_in_the_pipeline(kind: str):
    pairs = data.find_pairs(split="val")[:4]
    for training in (True, False):
        gray, _ = next(iter(pipeline.make_dataset(pairs, 64, 4, training=training, simulation=kind)))
        assert gray.shape == (4, 64, 64, 1)
        assert -1.0 <= float(tf.reduce_min(gray)) and float(tf.reduce_max(gray)) <= 1.0


def test_unknown_simulation_is_refused():
    with pytest.raises(ValueError, match="simulation must be one of"):
        simulation.simulate(_ramp(), "sepia")
