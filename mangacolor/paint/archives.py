"""Reading an untrusted chapter archive (.cbz, .zip) safely: in memory, within limits, never extracted.

Refused with a ChapterError naming the archive, the member and the problem:
- a name that would land outside a folder it was extracted into: `../`, an absolute
  path, a drive letter, `..` between backslashes (a reader on Windows splits on them);
- a symbolic link or other special file (its mode in the high bits of external_attr);
- an encrypted member, and one compressed other than stored or deflated: zipfile
  inflates bzip2 and LZMA a whole compressed chunk at a time, without a bound;
- two members of one name (readers would disagree on which is the page);
- more than ArchiveLimits allow: members, uncompressed bytes per member and in all, and
  compression ratio. The sizes each header declares are checked before anything is read,
  and the bytes actually inflated again while reading, CHUNK at a time, since headers
  can lie. (CPython's zipfile itself stops at the declared size and then finds the CRC
  wrong, which reads as a corrupt member; the count here does not depend on that.)
A member whose data is corrupt raises data.DataError instead: the caller skips it.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, fields
from pathlib import Path

from mangacolor import data
from mangacolor.data import sources

MiB = 1 << 20
CHUNK = MiB  # bytes inflated per step: a limit is passed by at most this much before it is seen
READ_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
LEFT_OUT = re.compile(r"(^|/)(__MACOSX/|\.)")  # the archiver's files (macOS resource forks, .DS_Store)


class ChapterError(data.DataError):
    """A chapter archive refused: unsafe, or over its ArchiveLimits. The message names the
    archive, the member and the problem."""


@dataclass(frozen=True)
class ArchiveLimits:
    """How much a chapter archive may hold; past any limit it is refused as a zip bomb (or a mistake).

    `members`: entries, folders included; a 1000-page omnibus volume is far below.
    `member_size`: uncompressed bytes of one member, which is held in memory to be decoded;
    an uncompressed RGB page of data.MAX_PIXELS (80 Mpx) is 240 MB.
    `total_size`: uncompressed bytes of all members; a 200-page volume of 600 dpi PNG scans
    is about 2 GB.
    `ratio`: uncompressed / compressed size of one member larger than `ratio_from`. Pages in
    PNG, JPEG and WebP deflate 1-2 times, uncompressed BMP and TIFF drawings up to 44 times;
    zeros, like a blank uncompressed page, about 1000 times (bench/archive_ratios.py).
    `ratio_from`: smaller members are not held to `ratio`: they cannot do harm, and a blank
    page in PNG or JPEG (tens of kilobytes) deflates 50-85 times.
    """

    members: int = 10_000
    member_size: int = 256 * MiB
    total_size: int = 4096 * MiB
    ratio: float = 200
    ratio_from: int = 1 * MiB

    def __post_init__(self) -> None:
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"ArchiveLimits.{f.name} must be positive, not {getattr(self, f.name)!r}")

    def check(self, where: str, size: int, compressed: int, total: int, how: str) -> None:
        """ChapterError if a member of `size` bytes (`compressed` in the archive), or the
        archive's `total` so far, is past a limit; `how` says where the sizes come from."""
        ratio = size / max(compressed, 1)
        if size > self.member_size:
            limit, problem = "member_size", f"is {size:,} bytes uncompressed ({how})"
        elif size > self.ratio_from and ratio > self.ratio:
            limit, problem = "ratio", f"inflates {ratio:,.0f} times ({how}: {compressed:,} bytes to {size:,})"
        elif total > self.total_size:
            limit, problem = "total_size", f"brings the archive to {total:,} bytes uncompressed ({how})"
        else:
            return
        allowed = f"over the limit of {getattr(self, limit):,} (ArchiveLimits.{limit})"
        raise ChapterError(f"{where} {problem}, {allowed}: a zip bomb? Refusing the archive")


def member_name(archive: Path, info: zipfile.ZipInfo) -> str:
    """The member's name as a relative POSIX path; ChapterError for a name that would escape the
    folder it was extracted into, or for a link or special file."""
    name = info.filename
    kind = stat.S_IFMT(info.external_attr >> 16)
    parts = name.replace("\\", "/").split("/")
    if kind == stat.S_IFLNK:
        problem = "is a symbolic link"
    elif kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        problem = "is a special file (a device, FIFO or socket)"
    elif parts[0] == "" and len(parts) > 1:
        problem = "is an absolute path"
    elif re.match(r"[A-Za-z]:", name):
        problem = "names a drive"
    elif ".." in parts:
        problem = "climbs out of the folder it would be extracted into (..)"
    else:
        return "/".join(part for part in parts if part not in ("", "."))
    raise ChapterError(f"{archive}: member {name!r} {problem}. Refusing the archive")


def checked_members(archive: Path, zf: zipfile.ZipFile, limits: ArchiveLimits) -> list[tuple[str, zipfile.ZipInfo]]:
    """The archive's files by safe name, in reading order, each checked before anything is read;
    folders and the archiver's own files left out."""
    infos = zf.infolist()
    if len(infos) > limits.members:
        raise ChapterError(
            f"{archive}: {len(infos):,} members, over the limit of {limits.members:,} "
            "(ArchiveLimits.members). Refusing the archive"
        )
    found: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name, where = member_name(archive, info), f"{archive}: member {info.filename!r}"
        _check_method(where, info)
        total += info.file_size
        limits.check(where, info.file_size, info.compress_size, total, "as its header declares")
        if info.is_dir() or not name or LEFT_OUT.search(name):
            continue
        if name in found:
            raise ChapterError(f"{where} appears twice (as {found[name].filename!r} too). Refusing the archive")
        found[name] = info
    return sorted(found.items(), key=lambda item: sources.natural_key(item[0]))


def _check_method(where: str, info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise ChapterError(f"{where} is encrypted. Refusing the archive")
    if info.compress_type not in READ_METHODS:
        raise ChapterError(
            f"{where} is compressed with method {info.compress_type}; only stored (0) and deflated (8) "
            "members are read, as CBZ readers expect. Refusing the archive"
        )


class ArchiveReader:
    """Members of an open archive read whole into memory, CHUNK bytes at a time, each step checked
    against the limits with the bytes actually inflated so far (headers can understate them)."""

    def __init__(self, archive: Path, zf: zipfile.ZipFile, limits: ArchiveLimits) -> None:
        self.archive, self.zip, self.limits = archive, zf, limits
        self.total = 0  # bytes inflated from this archive so far

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes; ChapterError past a limit or its declared size, data.DataError if corrupt."""
        where = f"{self.archive}: member {info.filename!r}"
        parts, size = [], 0
        try:
            with self.zip.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    size, self.total = size + len(chunk), self.total + len(chunk)
                    self.limits.check(where, size, info.compress_size, self.total, "counted while inflating")
                    if size > info.file_size:
                        declared = f"the {info.file_size:,} bytes its header declares"
                        raise ChapterError(f"{where} inflates past {declared}. Refusing the archive")
                    parts.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise data.DataError(f"{where}: corrupt member ({e})") from e
        return b"".join(parts)
