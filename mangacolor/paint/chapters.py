"""Chapters: a .cbz (or .zip) or a folder of pages in, a .cbz of the same pages coloured out.

The pages are coloured in reading order (natural sort: page2 before page10) through
page.py's steps and stored under their own names with the format's suffix (page10.jpg
becomes page10.png), uncompressed (ZIP_STORED, which CBZ readers expect; PNG and JPEG
compress already), in reading order. A page that cannot be decoded is skipped and
reported, the others are still written. Other members (ComicInfo.xml, Thumbs.db) are
carried over unchanged, as readers expect their metadata; a folder's ComicInfo.xml goes
in too. The archiver's own files (`__MACOSX/`, names starting with a dot) are left out.
The .cbz is written atomically (files.atomic_path) and never over its source.

An archive is untrusted: it is read in memory, never extracted, through archives.py,
which refuses unsafe names, links and zip bombs (ArchiveLimits) with a ChapterError.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import stat
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image
from tqdm import tqdm

from mangacolor import data, files
from mangacolor.data.images import IMAGE_SUFFIXES
from mangacolor.data.sources import in_reading_order
from mangacolor.paint import folders, page, predict
from mangacolor.paint.archives import ArchiveLimits, ArchiveReader, ChapterError, checked_members

if TYPE_CHECKING:
    from mangacolor.paint.colorizer import Colorizer

CHAPTER_SUFFIXES = (".cbz", ".zip")
COMIC_INFO = "comicinfo.xml"  # the metadata file a folder's .cbz carries (ComicRack's; names compared casefolded)


@dataclass(frozen=True)
class Member:
    """A file of a chapter: its name in the .cbz, the name messages give it, and how to read its bytes."""

    name: str
    label: str
    read: Callable[[], bytes]

    @property
    def is_page(self) -> bool:
        return PurePosixPath(self.name).suffix.lower() in IMAGE_SUFFIXES


@dataclass
class ChapterReport:
    """What `colorize_chapter` did: the .cbz written, the pages coloured into it, the members carried
    over unchanged (`carried`; `skipped_colored`: pages already in colour), and the members that
    could not be read, each with a message naming the chapter, the member and the problem."""

    source: Path
    written: Path | None = None
    pages: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    skipped_colored: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def is_chapter(path: str | os.PathLike) -> bool:
    """True for a .cbz or .zip file (not a folder so named)."""
    return Path(path).suffix.lower() in CHAPTER_SUFFIXES and not Path(path).is_dir()


def chapter_targets(sources: Sequence[str | os.PathLike], out_dir: str | os.PathLike) -> dict[Path, Path]:
    """Where each chapter goes: `<out_dir>/<stem>.cbz` for an archive, `<out_dir>/<folder name>.cbz`
    for a folder of pages. Refuses (FileExistsError, before anything is written) to write over an
    input or two chapters to one file."""
    targets: dict[Path, Path] = {}
    for source in map(Path, sources):
        name = source.resolve().name if source.is_dir() else source.stem
        target = Path(out_dir) / f"{name}.cbz"
        if target in targets.values():
            raise FileExistsError(f"two chapters would both be written to {target}: {source} and another")
        targets[source] = target
    for target in targets.values():
        for source in targets:
            _refuse_overwrite(source, target)
    return targets


def colorize_chapter(
    colorizer: Colorizer,
    source: str | os.PathLike,
    out: str | os.PathLike,
    options: folders.FolderOptions | None = None,
    limits: ArchiveLimits | None = None,
) -> ChapterReport:
    """Colour a chapter (a .cbz/.zip archive or a folder of pages) into the .cbz file `out`.

    Refused before anything is written: `out` being the source (FileExistsError), colour
    layers (a reader would show them as pages), and an unsafe archive or one over `limits`
    (ChapterError); a member found over them while inflating stops the writing and leaves
    nothing behind. A page that cannot be decoded is in the report's `failed`.
    """
    options, limits = options or folders.FolderOptions(), limits or ArchiveLimits()
    source, out = Path(source), Path(out)
    if options.layers:
        raise ValueError("colour layers (--layers) are not written into a .cbz: a reader would show them as pages")
    _refuse_overwrite(source, out)
    report = ChapterReport(source)
    with opened(source, limits) as members:
        names = output_names(source, members, options.fmt)
        with files.atomic_path(out) as tmp, open(tmp, "wb") as f:
            with zipfile.ZipFile(f, "w") as cbz:
                _write_members(colorizer, members, names, cbz, options, report)
            f.flush()
            os.fsync(f.fileno())
    report.written = out
    return report


def _refuse_overwrite(source: Path, out: Path) -> None:
    """FileExistsError if `out` is the source itself, by any name (a link, a hard link)."""
    try:
        same = out.exists() and os.path.samefile(out, source)
    except OSError:  # the source cannot be read: opening it will say so
        same = False
    if same:
        raise FileExistsError(f"{out}: would overwrite the chapter it colours; write to another folder (--out)")


@contextlib.contextmanager
def opened(source: Path, limits: ArchiveLimits) -> Iterator[list[Member]]:
    """The chapter's members in reading order: an archive's, checked and read within `limits`
    (archives.py), or a folder's pages and its ComicInfo.xml."""
    if source.is_dir():
        yield _folder_members(source, limits)
        return
    if not source.is_file():  # a FIFO would block zipfile; a missing file says so
        raise ChapterError(f"{source}: cannot read the chapter (no such file, or not a regular file)")
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise ChapterError(f"{source}: cannot read it as a zip archive ({e})") from e
    with archive:
        reader = ArchiveReader(source, archive, limits)
        checked = checked_members(source, archive, limits)
        yield [Member(name, f"{source}:{name}", functools.partial(reader.read, info)) for name, info in checked]


def _folder_members(folder: Path, limits: ArchiveLimits) -> list[Member]:
    pages = in_reading_order(data.list_images(folder))
    info = [p for p in folder.iterdir() if p.name.casefold() == COMIC_INFO and p.is_file()]
    return [Member(p.name, str(p), functools.partial(_file_bytes, p, limits.member_size)) for p in info + pages]


def _file_bytes(path: Path, limit: int) -> bytes:
    """A folder's file, refused as data.load_image refuses one (not a regular file) or over `limit`."""
    try:
        found = path.stat()
        if not stat.S_ISREG(found.st_mode):  # a FIFO would block
            raise data.DataError(f"{path}: cannot read image (not a regular file)")
        if found.st_size > limit:
            raise data.DataError(f"{path}: {found.st_size:,} bytes, over the limit of {limit:,}")
        return path.read_bytes()
    except OSError as e:
        raise data.DataError(f"{path}: cannot read image ({e})") from e


def output_names(source: Path, members: Sequence[Member], fmt: str) -> dict[str, str]:
    """Each member's name in the .cbz: a page's with the format's suffix, other members' as they
    are; ChapterError if two would share one (page1.jpg and page1.png) or there is no page."""
    suffix = folders.FORMATS[fmt][1]
    names: dict[str, str] = {}
    taken: dict[str, str] = {}
    for member in members:
        name = str(PurePosixPath(member.name).with_suffix(suffix)) if member.is_page else member.name
        if name in taken:
            raise ChapterError(f"{source}: {taken[name]} and {member.name} would both be written as {name}")
        names[member.name], taken[name] = name, member.name
    if not any(member.is_page for member in members):
        raise ChapterError(f"{source}: no pages in it (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
    return names


def _write_members(
    colorizer: Colorizer,
    members: Sequence[Member],
    names: dict[str, str],
    cbz: zipfile.ZipFile,
    options: folders.FolderOptions,
    report: ChapterReport,
) -> None:
    """Other members first, as they came, then the pages in reading order, a batch at a time."""
    for member in (m for m in members if not m.is_page):
        with _reported(member, report):
            _store(cbz, member.name, member.read(), zipfile.ZIP_DEFLATED)
            report.carried.append(member.name)
    pages = [m for m in members if m.is_page]
    with tqdm(total=len(pages), desc=report.source.name, unit="page", disable=not options.progress) as bar:
        for batch in predict.batches(pages, options.batch_size):
            for name, content in _paint_batch(colorizer, batch, names, options, report):
                _store(cbz, name, content, zipfile.ZIP_STORED)
            bar.update(len(batch))
    if not report.pages and not report.skipped_colored:
        reasons = "; ".join(message for _, message in report.failed)
        raise data.DataError(f"{report.source}: no page could be read ({reasons})")


@contextlib.contextmanager
def _reported(member: Member, report: ChapterReport) -> Iterator[None]:
    """A member that cannot be read goes to the report's `failed`; a refusal (ChapterError) stops all."""
    try:
        yield
    except ChapterError:
        raise
    except data.DataError as e:
        report.failed.append((member.name, str(e)))


def _paint_batch(
    colorizer: Colorizer,
    batch: Sequence[Member],
    names: dict[str, str],
    options: folders.FolderOptions,
    report: ChapterReport,
) -> list[tuple[str, bytes]]:
    """The batch's pages to store, in reading order: coloured and encoded, or as they came
    where they are already in colour and `skip_coloured` says to leave them."""
    loaded: dict[str, page.Page | bytes] = {}
    for member in batch:
        with _reported(member, report):
            content = member.read()
            rgb = data.load_image(member.label, content=content)
            if options.skip_coloured and page.is_coloured(rgb, colorizer.settings):
                loaded[member.name] = content
                report.skipped_colored.append(member.name)
            else:
                name = names[member.name]
                loaded[name] = page.analyse(rgb, options.hints, colorizer.settings, Path(member.name))
                report.pages.append(name)
    painted = iter(page.paint_pages(colorizer, [p for p in loaded.values() if isinstance(p, page.Page)]))
    return [(name, p if isinstance(p, bytes) else _encode(next(painted)[0], options.fmt)) for name, p in loaded.items()]


def _encode(rgb: np.ndarray, fmt: str) -> bytes:
    pil_format, _, save_options = folders.FORMATS[fmt]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format=pil_format, **save_options)
    return buffer.getvalue()


def _store(cbz: zipfile.ZipFile, name: str, content: bytes, compression: int) -> None:
    """A member with ordinary file permissions (rw-r--r--) and the time it was written."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = compression
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    cbz.writestr(info, content)
