"""The bundled OpenMoji set (data/openmoji/): genuine line-art pairs, as data/build_openmoji.py wrote them.

Its manifest matches the files, its splits are by drawing, find_pairs pairs every
colour file with the line art its artist drew, and the two kinds of file look as
they should: black ink on white paper, and colour.
"""

from __future__ import annotations

import csv
import hashlib
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mangacolor.data import SPLITS, PairingWarning, find_pairs

ROOT = Path(__file__).resolve().parents[1] / "data" / "openmoji"
ATTRIBUTION = "All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0"
SIZE = 256


@pytest.fixture(scope="module")
def manifest() -> list[dict[str, str]]:
    with open(ROOT / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_the_manifest_lists_every_file_with_its_sha256_and_licence(manifest):
    files = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/*/*.png"))
    assert sorted(r["file"] for r in manifest) == files
    assert len(files) > 3000  # 1,576 pairs when built
    for row in manifest:
        assert hashlib.sha256((ROOT / row["file"]).read_bytes()).hexdigest() == row["sha256"], row["file"]
        assert row["licence"] == "CC BY-SA 4.0"
        split, kind, name = row["file"].split("/")
        assert split == row["split"] and name == row["hexcode"] + ".png"
        assert row["source"] == f"{'color' if kind == 'color' else 'black'}/svg/{row['hexcode']}.svg"


def test_the_licence_and_attribution_are_beside_the_data():
    text = (ROOT / "LICENSE").read_text()
    assert ATTRIBUTION in text
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in text
    assert "openmoji 17.0.0" in text and "registry.npmjs.org/openmoji/-/openmoji-17.0.0.tgz" in text
    readme = (ROOT.parent / "README.md").read_text()
    assert "data/openmoji/" in readme and "CC BY-SA 4.0" in readme


def test_every_drawing_is_in_one_split_with_its_line_art(manifest):
    splits_of_group = defaultdict(set)
    kinds = defaultdict(set)
    for row in manifest:
        splits_of_group[row["group"]].add(row["split"])
        kinds[(row["split"], row["hexcode"])].add(row["file"].split("/")[1])
    assert all(len(s) == 1 for s in splits_of_group.values()), "a group in two splits"
    assert all(k == {"color", "bw"} for k in kinds.values()), "a colour file without its line art, or the reverse"
    assert len(kinds) == len(splits_of_group), "one emoji per group"
    counts = {s: sum(1 for split, _ in kinds if split == s) for s in SPLITS}
    assert counts["train"] > 0.7 * len(kinds) and min(counts["val"], counts["test"]) > 0.05 * len(kinds)


@pytest.mark.parametrize("split", SPLITS)
def test_find_pairs_pairs_every_drawing_with_its_genuine_line_art(manifest, split):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PairingWarning)  # none set aside: every pair passes content_match
        pairs = find_pairs(ROOT, split)
    expected = {r["hexcode"] for r in manifest if r["split"] == split}
    assert {Path(p.color).stem for p in pairs} == expected
    for p in pairs:
        assert p.bw is not None and Path(p.bw).name == Path(p.color).name
        assert Path(p.color).parent.name == "color" and Path(p.bw).parent.name == "bw"


def _pixels(path: Path) -> tuple[str, np.ndarray]:
    with Image.open(path) as im:
        return im.mode, np.asarray(im.convert("RGB" if im.mode == "P" else im.mode))


def test_line_art_is_black_ink_on_white_and_the_colour_files_have_colour(manifest):
    chromatic = 0
    colour_files = [r for r in manifest if r["file"].split("/")[1] == "color"]
    for row in colour_files:
        color_mode, rgb = _pixels(ROOT / row["file"])
        bw_mode, gray = _pixels(ROOT / row["file"].replace("/color/", "/bw/"))
        assert (color_mode, bw_mode) == ("P", "L") and rgb.shape == (SIZE, SIZE, 3) and gray.shape == (SIZE, SIZE)
        paper_or_ink = ((gray <= 25) | (gray >= 230)).mean()
        assert paper_or_ink > 0.85 and (gray >= 230).mean() > 0.3 and (gray < 128).mean() > 0.01, row["file"]
        # the build keeps a drawing only where colouring changes at least 1% of its pixels
        differs = np.abs(rgb.astype(np.int16) - gray[..., None].astype(np.int16)).max(axis=-1) > 48
        assert differs.mean() >= 0.01, row["file"]
        chroma = rgb.max(axis=-1).astype(np.int16) - rgb.min(axis=-1)
        chromatic += (chroma > 40).mean() >= 0.01
    # 250 of the 1,576 are filled with greys only (an aeroplane, clouds, a wolf): real fills all the same
    assert chromatic > 0.8 * len(colour_files)
