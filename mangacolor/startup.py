"""Import TensorFlow with its start-up lines held back.

TensorFlow's C++ core writes lines such as "oneDNN custom operations are on" to
the process's stderr when it loads, below Python, so that neither warnings
filters nor TF_CPP_MIN_LOG_LEVEL keep every one of them out of a command's
output or a notebook's stored outputs. They are kept in `LINES` instead;
`mangacolor --verbose` prints them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

LINES: list[str] = []


def import_tensorflow() -> None:
    """Import TensorFlow once, with file descriptor 2 pointed at a temporary file meanwhile."""
    if "tensorflow" in sys.modules:
        return
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (some embedded interpreters): import as usual
        import tensorflow  # noqa: F401

        return
    with tempfile.TemporaryFile() as log:
        sys.stderr.flush()
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            with contextlib.suppress(OSError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        LINES.extend(log.read().decode("utf-8", "replace").splitlines())
