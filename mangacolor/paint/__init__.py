"""Colouring pages: the Colorizer, its settings, the user's hints, and page.py's steps in order.

`colorizer.py` holds the model and its PaintSettings (`settings.py`); `page.py`
runs a page through load, classify, analyse (`layout.py`, `lettering.py`: panels,
speech bubbles, lettering), predict (`predict.py`), compose (`compose.py`,
`flatten.py`, `panels.py`) and write (`folders.py`); `chapters.py` colours a chapter
(.cbz or a folder of pages) into a .cbz, reading archives safely through
`archives.py`; `hints.py` turns the user's points, JSON files and scribbles into
the network's hint channels.
"""

from mangacolor.paint.archives import ArchiveLimits, ChapterError
from mangacolor.paint.chapters import ChapterReport
from mangacolor.paint.colorizer import SHIPPED, Colorizer, load_generator
from mangacolor.paint.folders import FolderOptions, FolderReport
from mangacolor.paint.hints import Point, parse_color, read_points
from mangacolor.paint.layout import Layout
from mangacolor.paint.settings import PaintSettings

__all__ = [
    "SHIPPED",
    "ArchiveLimits",
    "ChapterError",
    "ChapterReport",
    "Colorizer",
    "FolderOptions",
    "FolderReport",
    "Layout",
    "PaintSettings",
    "Point",
    "load_generator",
    "parse_color",
    "read_points",
]
