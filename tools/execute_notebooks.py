"""python tools/execute_notebooks.py [NOTEBOOK ...] [--set NAME=VALUE ...]: run notebooks in place, keep outputs.

Each notebook runs top to bottom in a fresh kernel from its own folder, as JupyterLab
runs it; `--set MANGACOLOR_EPOCHS=4` (etc.) sizes the run. TensorFlow's stderr lines
differ from run to run and strict nbval would compare them, so stderr outputs are
dropped before the notebook is written back (atomically).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mangacolor import files  # noqa: E402


def without_stderr(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    return notebook


def execute(path: Path, timeout: int) -> None:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    files.write_text(path, nbformat.writes(without_stderr(notebook)) + "\n")
    print(f"executed: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, default=sorted((ROOT / "notebooks").glob("*.ipynb")))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="an environment variable")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds a cell may run")
    args = parser.parse_args()
    os.environ.update(dict(item.split("=", 1) for item in args.set))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for path in args.notebooks:
        execute(path.resolve(), args.timeout)


if __name__ == "__main__":
    main()
