"""Atomic writes: every file mangacolor writes appears whole or not at all.

A kill (Colab disconnect, the out-of-memory killer, Ctrl-C) or a full disk in
the middle of a write must never leave half a file where a good one was: the
next `--resume` or the user's earlier results depend on it. So each file is
written under a temporary name in its own folder and renamed over the target,
which POSIX and Windows do in one step.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".tmp-"


class WriteError(OSError):
    """A file could not be written (no space, no permission, ...); nothing on disk was damaged."""

    def __init__(self, path: str | os.PathLike, cause: BaseException, advice: str = "") -> None:
        reason = os.strerror(cause.errno) if isinstance(cause, OSError) and cause.errno else str(cause)
        message = f"cannot write {path}: {reason}" + (f". {advice}" if advice else "")
        super().__init__(getattr(cause, "errno", None) or errno.EIO, message)
        self.path, self.cause = Path(path), cause

    def __str__(self) -> str:
        return self.args[1]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path` (same suffix, for writers that look at it);
    once the block has written it, rename it over `path`. On any error the temporary
    file is removed, `path` is left as it was, and OSErrors become a WriteError."""
    path = Path(path)
    tmp = path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except WriteError:
        raise
    except OSError as e:
        raise WriteError(path, e) from e
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike, content: bytes) -> None:
    """Write `content` to `path` atomically, flushed to disk before the rename."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
