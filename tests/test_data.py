"""Finding, loading and streaming data, manga simulation, and every bad-input case."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageDraw
from synthetic import write_shapes

from mangacolor import data
from mangacolor.config import SIMULATIONS
from mangacolor.data import DataError, Pair, SkippedImageWarning, pairing, pipeline, simulation, sources

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


def _distinct_drawings(n: int) -> list[Path]:
    """`n` bundled drawings that are all different pictures (one per first word of the name:
    `balloon_blue` and `balloon_yellow`, or `x` and its copy `x_2`, are the same picture)."""
    by_family: dict[str, Path] = {}
    for pair in data.sample_pairs("val") + data.sample_pairs("test"):
        by_family.setdefault(Path(pair.color).stem.split("_")[0], Path(pair.color))
    assert len(by_family) >= n
    return list(by_family.values())[:n]


def _lineart(path: Path) -> Image.Image:
    """XDoG line art of a drawing: black ink on white."""
    gray = np.asarray(Image.open(path).convert("L"), np.float32)[..., None] / 255.0
    return Image.fromarray((simulation.lineart(tf.constant(gray)).numpy()[..., 0] * 255.0 + 0.5).astype(np.uint8))


def _copyright_page() -> Image.Image:
    page = Image.new("L", (300, 420), 255)
    draw = ImageDraw.Draw(page)
    for i, y in enumerate(range(60, 360, 14)):
        draw.text((30, y), "Copyright (c) Publisher. All rights reserved."[: 20 + (i * 7) % 26], fill=0)
    return page


def _kaggle_tree(root: Path) -> dict[str, list[Path]]:
    """Kaggle's layout, as it is: colored/N and grayscale/N are different pages, grayscale/
    has more of them, one a copyright notice. Returns each series' coloured files."""
    drawings = _distinct_drawings(28)
    colored = {}
    for series, colour, gray in (
        ("seriesA", drawings[:10], drawings[10:21]),
        ("seriesB", drawings[21:24], drawings[24:]),
    ):
        (root / series / "colored").mkdir(parents=True)
        (root / series / "grayscale").mkdir()
        for i, f in enumerate(colour):
            shutil.copy(f, root / series / "colored" / f"{i}.png")
        for i, f in enumerate(gray):
            Image.open(f).convert("L").save(root / series / "grayscale" / f"{i}.png")
        _copyright_page().save(root / series / "grayscale" / f"{len(gray)}.png")
        colored[series] = sorted((root / series / "colored").iterdir())
    return colored


def test_kaggle_layout_trains_every_coloured_page_with_derived_input(tmp_path: Path):
    colored = _kaggle_tree(tmp_path)
    assert sources.kaggle_series(tmp_path) == ["seriesA", "seriesB"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", data.PairingWarning)
        everything = data.find_pairs(tmp_path, split=None)
        splits = {s: data.find_pairs(tmp_path, split=s) for s in data.SPLITS}
    # No pair joins a colour page with a B&W page of other content (here: none joins any).
    for p in everything:
        assert p.bw is None or data.content_match(p.color, p.bw) >= pairing.MATCH_THRESHOLD
    assert all(p.bw is None for p in everything)
    # No coloured page is lost: each is in exactly one split.
    all_colored = {str(f) for files in colored.values() for f in files}
    assert {p.color for p in everything} == all_colored and len(everything) == 13
    assert sorted(p.color for s in data.SPLITS for p in splits[s]) == sorted(all_colored)
    pairs = data.find_pairs(tmp_path, split=None, series=["seriesB"])
    assert sorted(p.color for p in pairs) == [str(f) for f in colored["seriesB"]]
    with pytest.raises(DataError, match="no series"):
        data.find_pairs(tmp_path, split=None, series=["naruto"])
    gray, target = next(iter(pipeline.make_dataset(pairs, 64, 3, training=False)))
    assert gray.shape == (3, 64, 64, 1) and target.shape == (3, 64, 64, 3)


def test_real_bw_pages_are_the_kaggle_grayscale_pages_in_page_order(tmp_path: Path, monkeypatch):
    _kaggle_tree(tmp_path)
    pages = data.real_bw_pages(tmp_path)
    a = [tmp_path / "seriesA" / "grayscale" / f"{i}.png" for i in range(12)]  # 2 before 10
    b = [tmp_path / "seriesB" / "grayscale" / f"{i}.png" for i in range(5)]
    assert pages == a + b
    assert data.real_bw_pages(tmp_path, series="seriesB") == b
    assert data.real_bw_pages(tmp_path, series=["seriesA"], limit=3) == a[:3]
    with pytest.raises(DataError, match="no series"):
        data.real_bw_pages(tmp_path, series="naruto")
    # With no source: the Kaggle data where there is some, else the bundled B&W drawings.
    monkeypatch.setattr(sources, "find_kaggle_root", lambda: tmp_path)
    assert data.real_bw_pages(limit=2) == a[:2]
    monkeypatch.setattr(sources, "find_kaggle_root", lambda: None)
    bundled = [Path(p.color) for p in data.sample_pairs(kind="bw")]
    assert data.real_bw_pages() == bundled and data.real_bw_pages(limit=4) == bundled[:4]


def test_kaggle_root_is_found_under_kaggle_input(tmp_path: Path):
    root = tmp_path / "input" / "unified" / "data"
    (root / "series_a" / "colored").mkdir(parents=True)
    assert data.find_kaggle_root(tmp_path / "input") == root
    assert data.find_kaggle_root(tmp_path / "nothing") is None


def test_paired_folder_uses_the_real_bw_images(tmp_path: Path):
    (tmp_path / "color").mkdir()
    (tmp_path / "bw").mkdir()
    for f in _distinct_drawings(6):
        shutil.copy(f, tmp_path / "color" / f.name)
        # The same drawing in darker greys (a matching B&W file), so that it differs from derived input.
        Image.open(f).convert("L").point(lambda v: v * v // 255).save(tmp_path / "bw" / f.name)
    pairs = data.find_pairs(tmp_path, split=None)
    assert len(pairs) == 6 and all(p.bw for p in pairs)
    gray, target = next(iter(pipeline.make_dataset(pairs, 64, 6, training=False)))
    # The input is the (darker) B&W file, padded with white paper, not derived from the colour.
    from mangacolor.color import rgb_to_lightness

    derived = rgb_to_lightness((target + 1) / 2) / 50.0 - 1.0
    assert float(tf.reduce_min(gray)) == -1.0
    assert float(tf.reduce_mean(derived - gray)) > 0.1


def _pairing_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, data.PairingWarning)]


def test_paired_folder_keeps_matching_bw_files_and_sets_aside_others_in_one_report(tmp_path: Path):
    drawings = _distinct_drawings(9)
    (tmp_path / "color").mkdir()
    (tmp_path / "bw").mkdir()
    bw = tmp_path / "bw"
    for i, f in enumerate(drawings[:8]):
        shutil.copy(f, tmp_path / "color" / f"{i}.png")
        gray = Image.open(f).convert("L")
        if i % 4 == 0:
            gray.save(bw / f"{i}.png")
        elif i % 4 == 1:
            gray.save(bw / f"{i}.jpg", quality=60)  # a re-saved scan
        elif i % 4 == 2:
            _lineart(f).save(bw / f"{i}.png")  # ink on white
        else:
            _lineart(f).resize((gray.width * 3 // 4, gray.height * 3 // 4), Image.LANCZOS).save(
                bw / f"{i}.jpg", quality=80
            )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pairs = data.find_pairs(tmp_path, split=None)
    assert all(p.bw for p in pairs) and len(pairs) == 8 and not _pairing_warnings(caught)
    assert min(data.content_match(p.color, p.bw) for p in pairs) >= pairing.MATCH_THRESHOLD + 0.2

    _lineart(drawings[8]).save(bw / "2.png")  # another drawing's line art under 2's name
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pairs = data.find_pairs(tmp_path, split=None)
    assert [Path(p.color).name for p in pairs if p.bw is None] == ["2.png"]  # its colour page stays
    assert len(pairs) == 8 and sum(p.bw is not None for p in pairs) == 7
    (message,) = _pairing_warnings(caught)
    assert message.startswith(f"1 of 8 B&W files in {bw} set aside") and "2.png" in message
    assert "do not match" in message

    (bw / "5.jpg").write_bytes(b"\xff\xd8\xff" + b"not a jpeg" * 20)  # unreadable
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pairs = data.find_pairs(tmp_path, split=None)
    assert sorted(Path(p.color).name for p in pairs if p.bw is None) == ["2.png", "5.png"] and len(pairs) == 8
    (message,) = _pairing_warnings(caught)
    assert message.startswith("2 of 8") and "1 do not match" in message and "1 cannot be read" in message
    assert "5.jpg" in message


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


def test_zooming_out_puts_the_drawing_on_added_paper_only_when_asked(tmp_path: Path):
    # A black square fills its frame: any white in a training crop is paper the zoom-out added,
    # in the target and in the B&W input alike.
    Image.fromarray(np.zeros((48, 48, 3), np.uint8)).save(tmp_path / "black.png")
    pairs = [Pair(str(tmp_path / "black.png"))] * 8

    def white_share(zoom_out: float) -> tuple[float, float]:
        ds = pipeline.make_dataset(pairs, 32, 8, training=True, seed=0, simulation="grayscale", zoom_out=zoom_out)
        gray, target = next(iter(ds))
        return float(np.mean(gray.numpy() > 0.99)), float(np.mean(target.numpy().min(-1) > 0.99))

    assert white_share(1.0) == (0.0, 0.0)
    gray_white, target_white = white_share(3.0)
    assert 0.1 < target_white < 0.95 and abs(gray_white - target_white) < 0.05


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
