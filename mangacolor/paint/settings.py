"""How a page is coloured around the network: every tunable of the colouring, in one frozen object.

A `Colorizer` holds one `PaintSettings`; two colorizers in one process can differ,
a test can vary a field without leaking state, and a sweep in bench/ builds one
object per setting (`PaintSettings(tint_fade=4)`), never assigning to a module.
Each field says why it has its value and which bench script measured it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class PaintSettings:
    """Settings of colouring pages; the defaults are what bench/ measured best on the validation split."""

    # -- the network's pass
    size: int | None = None  # working size in pixels; None: the run's training size, else 256
    tile: bool = False  # predict on overlapping tiles of a larger copy: for pages whose details vanish at `size`
    # -- classifying a page (classify.py)
    ink_lightness: float = 60.0  # L* below which a pixel counts as ink
    paper_lightness: float = 90.0  # L* above which a pixel counts as paper
    line_art_midtones: float = 0.1  # a page with fewer mid-tone pixels than this share is a B&W drawing
    coloured_chroma: float = 6.0  # mean C*ab above which a page counts as already coloured (--skip-colored)
    # -- flattening a B&W drawing (flatten.py)
    flatten: bool | None = None  # one colour per closed region: always, never, or on B&W drawings (None)
    background_chroma: float = 30.0  # C*ab the paper around a drawing needs to keep its colour (bench/quality.py)
    pocket_factor: float = 0.9  # a big enclosed pocket whose median factor is this or less is a pale fill
    pocket_area: float = 0.02  # share of the page such a pocket needs: smaller are slivers (bench/layer_sweep.py)
    trap_radius: int = 4  # trapped ball that finds the paper a drawing encloses, px of a 256 px copy (bench/quality.py)
    # -- grayscale panels (compose.py)
    tint_fade: float = 6.0  # C*ab a grayscale panel's colours lose: weak tints go (bench/layer_sweep.py, val split)
    # -- the user's hints (hints.py, flatten.py)
    near_hint: float = 0.06  # share of the page's long side a hint no outline closes around colours (val split)
    grey_tolerance: float = 5.0  # L* of a bucket fill on grayscale panels (val split, 10 hints: 13.4 at 1.5, 12.3 at 5)
    # -- whole manga pages (layout.py, lettering.py; bench/pages.py measures them on A4 pages)
    panels: bool = True  # colour each framed panel as an image of its own: seen larger, flattened inside its frame
    protect_bubbles: bool = True  # speech bubbles keep their paper and lettering exactly as drawn
    protect_text: bool = True  # lettering found outside bubbles stays exactly as drawn
    bubble_tint: tuple[int, int, int] | None = None  # sRGB of a pale tint for bubble paper, e.g. (255, 246, 224)
    min_panel: float = 0.02  # share of the page a frame's box covers at least: smaller boxes are parts of a drawing
    frame_coverage: float = 0.9  # share of each side of its box a frame's lines cover (a drawn line, not a hatching)
    loose_ink: float = 0.05  # share of the ink outside frames above which the page is coloured whole (borderless art)
    content_margin: float = 0.04  # paper kept around a panel's drawing when it is cropped, share of the panel's side
    min_panels: int = 2  # frames a page needs: one box alone is more often a drawn thing (a phone, a truck's body)
    panel_cover: float = 0.5  # share of the page its frames cover at least: a page is mostly panels, a drawn box is not
    bubble_area: tuple[float, float] = (0.002, 0.08)  # shares of the page a bubble's inside covers, least and most
    glyph_height: float = 0.03  # share of the page's long side a letter is at most tall
    min_glyphs: int = 5  # letters in a bubble or a block of lettering, at least (tests/test_pages.py: none in drawings)

    def replace(self, **changes: object) -> PaintSettings:
        return dataclasses.replace(self, **changes)

    @property
    def shows_factor(self) -> float:
        """The colour layer's factor at or below which colour shows on white paper: it darkens
        the paper to `paper_lightness`."""
        return self.paper_lightness / 100.0
