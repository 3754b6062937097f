"""Chapters: a .cbz or a folder of pages in, a .cbz of the coloured pages out, in reading order;
malicious archives (traversal, links, bombs) refused, leaving nothing behind."""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import tracemalloc
import zipfile
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mangacolor import cli, data
from mangacolor.data.sources import natural_key
from mangacolor.paint import ArchiveLimits, ChapterError, Colorizer, FolderOptions
from mangacolor.paint.archives import ArchiveReader
from mangacolor.paint.chapters import colorize_chapter

COMIC_INFO = b'<?xml version="1.0"?>\n<ComicInfo><Title>Test</Title><PageCount>3</PageCount></ComicInfo>\n'
QUIET = FolderOptions(progress=False)


@pytest.fixture(scope="module")
def colorizer() -> Colorizer:
    return Colorizer()  # the shipped model


def _drawing(i: int, fmt: str = "PNG", long_side: int = 200) -> bytes:
    """One of the bundled real B&W drawings, small so that a chapter colours in seconds."""
    im = Image.open(data.sample_pairs(kind="bw")[i].color).convert("RGB")
    im.thumbnail((long_side, long_side))
    buffer = io.BytesIO()
    im.save(buffer, fmt)
    return buffer.getvalue()


def _rgb(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGB"))


def _coloured(rgb: np.ndarray) -> float:
    """The share of clearly coloured pixels (a channel 30 levels from another): grey has none."""
    return float((rgb.astype(int).max(-1) - rgb.astype(int).min(-1) > 30).mean())


def _zip(path: Path, members: dict[str | zipfile.ZipInfo, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return path


def _chapter(path: Path) -> Path:
    """page1, page2, page10 (two PNG, one JPEG), out of order, with a ComicInfo.xml."""
    members = {"page10.png": _drawing(2), "ComicInfo.xml": COMIC_INFO, "page1.png": _drawing(0)}
    return _zip(path, {**members, "page2.jpg": _drawing(1, "JPEG")})


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _refused(colorizer: Colorizer, archive: Path, limits: ArchiveLimits | None = None, **options) -> str:
    """The ChapterError message; nothing written anywhere (the listing of the whole test folder)."""
    root = archive.parent
    (root / "out").mkdir(exist_ok=True)
    before = _listing(root)
    with pytest.raises(ChapterError) as refusal:
        colorize_chapter(
            colorizer, archive, root / "out" / "chapter.cbz", FolderOptions(progress=False, **options), limits
        )
    assert _listing(root) == before
    assert str(archive) in str(refusal.value)
    return str(refusal.value)


# ---------------------------------------------------------------- round trips


def test_reading_order_is_natural():
    names = ["page10.png", "Page2.png", "page1.png", "page1b.png", "ch2/page1.png", "ch10/page1.png"]
    ordered = ["ch2/page1.png", "ch10/page1.png", "page1.png", "page1b.png", "Page2.png", "page10.png"]
    assert sorted(names, key=natural_key) == ordered


def test_a_cbz_round_trip_keeps_names_sizes_order_and_comic_info(colorizer: Colorizer, tmp_path: Path):
    source = _chapter(tmp_path / "chapter.cbz")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    report = colorize_chapter(colorizer, source, tmp_path / "out" / "chapter.cbz", QUIET)
    assert report.written == tmp_path / "out" / "chapter.cbz" and report.failed == []
    assert report.pages == ["page1.png", "page2.png", "page10.png"] and report.carried == ["ComicInfo.xml"]
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(report.written) as zout:
        assert zout.namelist() == ["ComicInfo.xml", "page1.png", "page2.png", "page10.png"]
        assert zout.read("ComicInfo.xml") == COMIC_INFO
        for name, original in (("page1.png", "page1.png"), ("page2.png", "page2.jpg"), ("page10.png", "page10.png")):
            assert zout.getinfo(name).compress_type == zipfile.ZIP_STORED
            before, after = _rgb(zin.read(original)), _rgb(zout.read(name))
            assert after.shape == before.shape and _coloured(before) == 0
            assert _coloured(after) > 0.01, name
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["chapter.cbz"]  # no temporary file left


def test_a_folder_of_pages_becomes_a_cbz_in_reading_order(colorizer: Colorizer, tmp_path: Path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i, name in enumerate(["p10.png", "p1.png", "p2.png"]):
        (pages / name).write_bytes(_drawing(i))
    (pages / "ComicInfo.xml").write_bytes(COMIC_INFO)
    (pages / "notes.txt").write_text("not part of the chapter")
    report = colorizer.colorize_chapter(pages, tmp_path / "out" / "pages.cbz", progress=False)
    with zipfile.ZipFile(report.written) as zout:
        assert zout.namelist() == ["ComicInfo.xml", "p1.png", "p2.png", "p10.png"]
        assert _rgb(zout.read("p10.png")).shape == _rgb((pages / "p10.png").read_bytes()).shape


def test_a_corrupt_page_is_skipped_and_reported_and_the_others_are_written(colorizer: Colorizer, tmp_path: Path):
    source = _zip(
        tmp_path / "chapter.cbz", {"p1.png": _drawing(0), "p2.png": b"\x89PNG not really", "p3.png": _drawing(1)}
    )
    report = colorize_chapter(colorizer, source, tmp_path / "out" / "chapter.cbz", QUIET)
    (name, message), *others = report.failed
    assert name == "p2.png" and not others
    assert f"{source}:p2.png" in message and "cannot read image" in message
    with zipfile.ZipFile(report.written) as zout:
        assert zout.namelist() == ["p1.png", "p3.png"]


# ---------------------------------------------------------------- malicious archives


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../evil.png", "climbs out"),
        ("pages/../../evil.png", "climbs out"),
        ("..\\evil.png", "climbs out"),
        ("/tmp/evil.png", "absolute path"),
        ("\\evil.png", "absolute path"),
        ("C:/evil.png", "names a drive"),
    ],
)
def test_a_name_that_escapes_is_refused(colorizer: Colorizer, tmp_path: Path, name: str, problem: str):
    source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0), name: _drawing(1)})
    message = _refused(colorizer, source)
    assert repr(name) in message and problem in message


def test_a_symlink_member_is_refused(colorizer: Colorizer, tmp_path: Path):
    link = zipfile.ZipInfo("page2.png")
    link.create_system = 3  # Unix: extractors honour the mode
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0), link: b"/etc/passwd"})
    assert "'page2.png' is a symbolic link" in _refused(colorizer, source)


def test_bzip2_members_are_refused(colorizer: Colorizer, tmp_path: Path):
    source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0)}, zipfile.ZIP_BZIP2)
    assert "'page1.png' is compressed with method 12" in _refused(colorizer, source)


@pytest.mark.parametrize("alias", ["./page1.png", "page1.png"])
def test_two_members_of_one_name_are_refused(colorizer: Colorizer, tmp_path: Path, alias: str):
    with pytest.warns(UserWarning, match="Duplicate name") if alias == "page1.png" else nullcontext():
        source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0), zipfile.ZipInfo(alias): _drawing(1)})
    assert f"member {alias!r} appears twice" in _refused(colorizer, source)


def test_too_many_members_are_refused(colorizer: Colorizer, tmp_path: Path):
    source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0)} | {f"note{i}.txt": b"x" for i in range(5)})
    message = _refused(colorizer, source, ArchiveLimits(members=5))
    assert "6 members, over the limit of 5 (ArchiveLimits.members)" in message


def test_members_declared_over_the_size_limits_are_refused(colorizer: Colorizer, tmp_path: Path):
    noise = np.random.default_rng(0).integers(0, 256, 400_000, np.uint8).tobytes()  # does not compress
    source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0), "page2.png": noise + noise + noise})
    message = _refused(colorizer, source, ArchiveLimits(member_size=1_000_000))
    assert "'page2.png' is 1,200,000 bytes uncompressed (as its header declares)" in message
    assert "ArchiveLimits.member_size" in message
    message = _refused(colorizer, source, ArchiveLimits(total_size=1_000_000))
    assert "'page2.png' brings the archive to" in message and "ArchiveLimits.total_size" in message


def test_a_member_with_a_bomb_s_compression_ratio_is_refused(colorizer: Colorizer, tmp_path: Path):
    source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0), "page2.png": bytes(5_000_000)})
    message = _refused(colorizer, source, ArchiveLimits(ratio=50))
    assert "'page2.png' inflates" in message and "ArchiveLimits.ratio" in message


def test_100_mb_of_zeros_is_refused_with_the_default_limits(colorizer: Colorizer, tmp_path: Path):
    source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0), "page2.png": bytes(100 * 2**20)})
    assert source.stat().st_size < 200_000  # 100 MiB compressed about a thousand times
    message = _refused(colorizer, source)
    assert "'page2.png' inflates 1,0" in message and "over the limit of 200 (ArchiveLimits.ratio)" in message


def _understate(archive: Path, name: str, size: int) -> None:
    """Make `name`'s headers (local and central) declare `size` uncompressed bytes: a lie."""
    with zipfile.ZipFile(archive) as zf:
        local, central = zf.getinfo(name).header_offset, zf.start_dir
    content = bytearray(archive.read_bytes())
    struct.pack_into("<I", content, local + 22, size)
    while content[central + 46 : central + 46 + len(name)] != name.encode():  # the next central entry
        central += 46 + sum(struct.unpack_from("<3H", content, central + 28))
    struct.pack_into("<I", content, central + 24, size)
    archive.write_bytes(bytes(content))


def test_a_header_that_understates_its_size_never_inflates_past_it(colorizer: Colorizer, tmp_path: Path):
    members = {"page1.png": _drawing(0), "page2.png": bytes(50_000_000), "page3.png": _drawing(1)}
    source = _zip(tmp_path / "chapter.cbz", members)
    _understate(source, "page2.png", 1000)  # 1000 bytes declared, 50 MB inflate
    with zipfile.ZipFile(source) as zf:
        reader = ArchiveReader(source, zf, ArchiveLimits())
        tracemalloc.start()
        with pytest.raises(data.DataError, match="'page2.png': corrupt member .*CRC"):
            reader.read(zf.getinfo("page2.png"))  # zipfile stops at the declared size: the CRC is wrong
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 5_000_000 and reader.total <= 1000
    report = colorize_chapter(colorizer, source, tmp_path / "out" / "chapter.cbz", QUIET)
    assert [name for name, _ in report.failed] == ["page2.png"] and report.pages == ["page1.png", "page3.png"]


def test_bytes_past_the_declared_size_stop_the_chapter_and_leave_nothing(
    colorizer: Colorizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A zip reader that does not stop at the declared size (CPython's does) is caught by the count."""
    source = _zip(tmp_path / "chapter.cbz", {"page1.png": _drawing(0), "page2.png": _drawing(1)})
    real_open = zipfile.ZipFile.open

    def lying_open(self, info, *args, **kwargs):
        if getattr(info, "filename", info) == "page2.png":
            return io.BytesIO(bytes(3 * 2**20))
        return real_open(self, info, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", lying_open)
    message = _refused(colorizer, source, batch_size=1)  # page1 is in the temporary .cbz by then
    assert "'page2.png' inflates past the" in message and "bytes its header declares" in message


@pytest.mark.parametrize(
    ("size", "compressed", "total", "refused"),
    [
        (100, 100, 100, None),
        (900_000, 10, 900_000, None),  # a high ratio, but under ratio_from: harmless
        (2_000_001, 1_000_000, 2_000_001, "member_size"),
        (1_500_000, 10_000, 1_500_000, "ratio"),
        (1_000, 1_000, 3_000_000, "total_size"),
    ],
)
def test_the_limits_check_each_size(size: int, compressed: int, total: int, refused: str | None):
    limits = ArchiveLimits(member_size=2_000_000, total_size=2_500_000, ratio=100, ratio_from=1_000_000)
    if refused is None:
        limits.check("a.cbz: member 'x'", size, compressed, total, "test")
        return
    with pytest.raises(ChapterError, match=f"a.cbz: member 'x' .*ArchiveLimits.{refused}"):
        limits.check("a.cbz: member 'x'", size, compressed, total, "test")


def test_writing_over_the_input_is_refused_before_anything_is_written(colorizer: Colorizer, tmp_path: Path):
    source = _chapter(tmp_path / "chapter.cbz")
    (tmp_path / "link.cbz").symlink_to(source)
    (tmp_path / "hard.cbz").hardlink_to(source)
    (tmp_path / "sub").mkdir()
    content, before = source.read_bytes(), _listing(tmp_path)
    for target in (source, tmp_path / "link.cbz", tmp_path / "hard.cbz", tmp_path / "sub" / ".." / "chapter.cbz"):
        with pytest.raises(FileExistsError, match="would overwrite the chapter"):
            colorize_chapter(colorizer, source, target, QUIET)
    assert source.read_bytes() == content and _listing(tmp_path) == before


# ---------------------------------------------------------------- the command line


def test_the_cli_colours_a_chapter_and_refuses_a_malicious_one(tmp_path: Path, capsys: pytest.CaptureFixture):
    good = _chapter(tmp_path / "chapter.cbz")
    out = tmp_path / "out"
    assert cli.main(["colorize", str(good), "--out", str(out)]) == 0
    assert "chapter.cbz: 3 pages coloured, 1 carried over, 0 failed" in capsys.readouterr().out
    with zipfile.ZipFile(out / "chapter.cbz") as zout:
        assert zout.namelist() == ["ComicInfo.xml", "page1.png", "page2.png", "page10.png"]
    evil = _zip(tmp_path / "evil.cbz", {"page1.png": _drawing(0), "../evil.png": _drawing(1)})
    (out / "chapter.cbz").unlink()
    assert cli.main(["colorize", str(evil), str(good), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{evil}: member '../evil.png' climbs out" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["chapter.cbz"]  # the good one still, nothing of the evil one
    assert not (tmp_path / "evil.png").exists()


def test_the_cli_makes_a_folder_a_cbz_and_never_writes_over_its_input(tmp_path: Path, capsys: pytest.CaptureFixture):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i, name in enumerate(["2.png", "10.png"]):
        (pages / name).write_bytes(_drawing(i))
    assert cli.main(["colorize", str(pages), "--cbz", "--out", str(tmp_path / "out")]) == 0
    with zipfile.ZipFile(tmp_path / "out" / "pages.cbz") as zout:
        assert zout.namelist() == ["2.png", "10.png"]
    assert cli.main(["colorize", str(pages / "2.png"), "--cbz", "--out", str(tmp_path / "out")]) == 2
    assert "2.png is not a folder" in capsys.readouterr().err
    content = (tmp_path / "out" / "pages.cbz").read_bytes()
    assert cli.main(["colorize", str(tmp_path / "out" / "pages.cbz"), "--out", str(tmp_path / "out")]) == 2
    assert "would overwrite the chapter" in capsys.readouterr().err
    assert (tmp_path / "out" / "pages.cbz").read_bytes() == content
