"""Flat colours by region, as a colourist fills a B&W drawing.

On a line drawing the ink splits the paper into closed regions, and each gets
one flat colour. A network paints soft blotches instead: colour that crosses
lines and halos that spill onto the paper around the drawing. `flatten` gives
every closed region the median of the colour predicted inside it, and leaves
the paper around the drawing (regions touching the page's border) as paper
unless the network clearly colours it. Regions are the connected components of
the non-ink pixels after a morphological closing of the ink, which seals the
small gaps a pen leaves between lines (Style2Paints V4 flattens with a
trapped-ball fill; a closing is its simplest form, and fast). Wider gaps, through
which a fill leaks into the paper around the drawing, are found with a trapped ball
on a small copy of the page. The tunables are fields of PaintSettings.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from mangacolor.data.hint_sampling import decode
from mangacolor.paint.compose import PAPER
from mangacolor.paint.settings import PaintSettings

HALO_SCALE = 256  # leaks are told from the paper around the drawing on a copy this many pixels across
TRAP_RADII = (1, 2, 3, 4, 6, 8, 12)  # a hint's trapped-ball fill tries these radii, px of the HALO_SCALE copy
MEDIAN_SAMPLES = 400_000  # pixels the region medians are estimated from, at most


def regions(lightness: np.ndarray, ink_lightness: float) -> tuple[np.ndarray, np.ndarray]:
    """Connected regions of paper enclosed by ink: (labels, background), where labels
    is (H, W) int32 with 0 on ink and background the labels that touch the border."""
    ink = lightness < ink_lightness
    gap = max(1, round(max(lightness.shape) / 700))  # a pen's gap grows with the scan's resolution
    sealed = ndimage.binary_closing(ink, iterations=gap, border_value=0)
    labels, _ = ndimage.label(~sealed)
    return labels, _border_labels(labels)


def _border_labels(labels: np.ndarray) -> np.ndarray:
    """The labels (not 0) of the regions that touch the page's border: the paper around a drawing."""
    edges = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    return np.setdiff1d(np.unique(edges), [0])


def region_medians(layer: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(n_labels + 1, C): the median of each channel of `layer` in each region, estimated
    from an evenly strided sample of pixels (the layer is smooth: it was upsampled)."""
    count = labels.max() + 1
    step = max(1, int(np.sqrt(labels.size / MEDIAN_SAMPLES)))
    sampled_labels = labels[::step, ::step].reshape(-1)
    sampled = layer[::step, ::step].reshape(-1, layer.shape[-1])
    missing = np.setdiff1d(np.arange(count), sampled_labels)
    if missing.size:  # regions too small for the sample: take all their pixels
        extra = np.isin(labels, missing)
        sampled_labels = np.concatenate([sampled_labels, labels[extra]])
        sampled = np.concatenate([sampled, layer[extra]])
    order = np.argsort(sampled_labels, kind="stable")
    sampled_labels, sampled = sampled_labels[order], sampled[order]
    starts = np.searchsorted(sampled_labels, np.arange(count))
    ends = np.searchsorted(sampled_labels, np.arange(count), side="right")
    medians = np.zeros((count, layer.shape[-1]), np.float32)
    for label in range(1, count):
        medians[label] = np.median(sampled[starts[label] : ends[label]], axis=0)
    return medians


def flatten(layer: np.ndarray, lightness: np.ndarray, hints: np.ndarray | None, settings: PaintSettings) -> np.ndarray:
    """One colour per closed region of the drawing: a new (H, W, 3) colour layer.

    `layer` is the predicted (factor, a*, b*) at the page's resolution, `lightness`
    the page's L*. Each closed region takes its median colour, or the colour of a
    hint given in it, as a colourist's bucket fill would (of two hints in one region
    the later wins, like a second click). The paper around the drawing (regions
    touching the border) becomes paper again, but for colour that shows there
    (`_colour_outside`); ink keeps its prediction, which the ink hides, except on
    the outline's outer edge. A hint on the paper around the drawing fills what a
    trapped ball reaches from it (`_fill_outside_hints`).

    `hints` (H, W, 4): hint channels at the page's resolution, or None.
    """
    labels, background = regions(lightness, settings.ink_lightness)
    medians = region_medians(layer, labels)
    given = _hints(labels, hints) if hints is not None else []
    for label, colour, _ in given:
        if label > 0 and label not in background:
            medians[label] = colour
    medians[background] = PAPER  # the paper around the drawing, but for the colour kept below
    flat = np.take(medians, labels, axis=0)
    outside = np.isin(labels, background)
    small = _small_copy(lightness)
    kept = _colour_outside(flat, layer, outside, _enclosed(small, lightness.shape, settings), settings)
    ink = labels == 0
    # The outline's outer edge is ink seen against the paper: no tint there either.
    edge = ink & ndimage.binary_dilation(outside & ~kept, iterations=3)
    own = ink & ~edge  # the ink hides its colour
    flat[own] = layer[own]
    flat[edge] = PAPER
    _fill_outside_hints(flat, lightness, [(c, m) for label, c, m in given if label in background], small, settings)
    return flat


def _colour_outside(
    flat: np.ndarray, layer: np.ndarray, outside: np.ndarray, enclosed: np.ndarray, settings: PaintSettings
) -> np.ndarray:
    """Keep, in `flat`, colour that shows on the paper around the drawing (clear chroma, and
    darker than paper: on white paper a factor of 1 shows no colour): where the network
    colours most of that paper (a sky), as predicted; else in a pocket of it the drawing
    encloses once wider gaps are sealed (a fill that leaked out through a gap in its
    outline), one colour, the pocket's median, where the network colours most of the pocket
    or, for a pocket of at least `pocket_area` of the page, where that median darkens the
    paper (the pale inside of an open sketch, such as a building drawn with open corners).
    Not a halo along the outline. Returns the mask of what was kept."""
    tinted = outside & (layer[..., 0] <= settings.shows_factor)
    tinted[tinted] = np.hypot(layer[tinted, 1], layer[tinted, 2]) > settings.background_chroma
    far = outside & ~enclosed
    if far.any() and np.count_nonzero(tinted & far) > np.count_nonzero(far) / 2:  # a sky
        flat[tinted] = layer[tinted]
        return tinted
    pockets, count = ndimage.label(outside & enclosed)
    pocket_colours = region_medians(layer, pockets)
    mostly_tinted = ndimage.mean(tinted, pockets, np.arange(count + 1)) > 0.5
    big = np.bincount(pockets.ravel(), minlength=count + 1) >= settings.pocket_area * pockets.size
    pale_fill = big & (pocket_colours[:, 0] <= settings.pocket_factor)
    coloured = np.flatnonzero((mostly_tinted | pale_fill)[1:]) + 1
    kept = np.isin(pockets, coloured)
    flat[kept] = np.take(pocket_colours, pockets[kept], axis=0)
    return kept


def _fill_outside_hints(
    flat: np.ndarray,
    lightness: np.ndarray,
    given: list[tuple[np.ndarray, np.ndarray]],
    small: tuple[np.ndarray, int],
    settings: PaintSettings,
) -> None:
    """Hints on the paper around the drawing: the outline around each has a gap, and the user
    means the shape they clicked in. Fill what a trapped ball reaches from the hint or, where
    no outline closes, the paper near it."""
    for colour, mask in given:
        fill = trapped_fill(lightness, mask, small, settings.ink_lightness)
        flat[near(lightness, mask, settings) if fill is None else fill] = colour


def _enclosed(small: tuple[np.ndarray, int], shape: tuple[int, ...], settings: PaintSettings) -> np.ndarray:
    """Pixels the drawing encloses once gaps of up to about 3% of the page are sealed: a
    fill that leaks out of an open outline, but not the paper around the drawing. A ball
    of `trap_radius` pixels of the page's `_small_copy` cannot pass a gap narrower than itself
    (a trapped-ball fill: a morphological closing would not seal two line ends that face
    each other across a gap); the paper it cannot reach from the border is enclosed."""
    darkest, step = small
    free = darkest >= settings.ink_lightness
    ball = _disk(settings.trap_radius)
    cores = _cores(free, ball)
    return _full_size(~_grow(cores, _border_labels(cores), ball, free), shape, step)


def _cores(free: np.ndarray, ball: np.ndarray) -> np.ndarray:
    """Labels of the places a ball fits in the paper (`free`): two are apart where a gap is
    narrower than the ball."""
    return ndimage.label(ndimage.binary_erosion(free, ball, border_value=1))[0]


def _grow(cores: np.ndarray, chosen: np.ndarray, ball: np.ndarray, free: np.ndarray) -> np.ndarray:
    """The paper the ball covers from the `chosen` cores: their region, back to the ink."""
    return ndimage.binary_dilation(np.isin(cores, chosen), ball) & free


def _small_copy(lightness: np.ndarray) -> tuple[np.ndarray, int]:
    """The page about HALO_SCALE pixels across, each pixel the darkest of its block (so thin
    lines survive), and the block's side: wide gaps are sealed there at a fixed cost."""
    step = max(1, max(lightness.shape) // HALO_SCALE)
    return _blocks(lightness, step, 100.0).min(axis=(1, 3)), step


def _blocks(array: np.ndarray, step: int, pad: float | bool) -> np.ndarray:
    """(H / step, step, W / step, step) view of `array` padded with `pad` to whole blocks."""
    h, w = array.shape
    padded = np.pad(array, ((0, -h % step), (0, -w % step)), constant_values=pad)
    return padded.reshape(padded.shape[0] // step, step, padded.shape[1] // step, step)


def _full_size(small: np.ndarray, shape: tuple[int, ...], step: int) -> np.ndarray:
    """A mask of the small copy back at the page's (H, W), block by block."""
    return small[np.arange(shape[0]) // step][:, np.arange(shape[1]) // step]


def _hints(labels: np.ndarray, hints: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(region label, (factor, a*, b*), mask) of each hint (a connected blob of the hint
    layer's mask): the label is the region most of it lies in, so a hint patch that reaches
    over a line does not colour the region on the other side; 0 for a hint on the ink."""
    blobs, _ = ndimage.label(hints[..., -1] > 0.5)
    found = []
    for blob, box in enumerate(ndimage.find_objects(blobs), start=1):
        mask = np.zeros(blobs.shape, bool)
        mask[box] = blobs[box] == blob
        under = labels[mask]
        label = int(np.bincount(under[under > 0]).argmax()) if (under > 0).any() else 0
        lab = decode(np.median(hints[mask & (labels == label), :3], axis=0))
        found.append((label, np.array([lab[0] / 100.0, lab[1], lab[2]], np.float32), mask))
    return found


def trapped_fill(
    lightness: np.ndarray, seed: np.ndarray, small: tuple[np.ndarray, int], ink_lightness: float
) -> np.ndarray | None:
    """The paper a bucket fill from `seed` (a mask) reaches when gaps in the ink narrower
    than a ball are sealed, trying ever larger balls (Style2Paints' trapped-ball fill) until
    the fill no longer reaches the page's border: (H, W) bool, or None if it always does.
    Runs on the page's `_small_copy`, `small` (shared by all the page's hints)."""
    darkest, step = small
    small_seed = _blocks(seed, step, False).any(axis=(1, 3))
    free = darkest >= ink_lightness
    for radius in TRAP_RADII:
        ball = _disk(radius)
        cores = _cores(free, ball)
        touched = np.unique(cores[ndimage.binary_dilation(small_seed, ball) & (cores > 0)])
        if touched.size == 0:
            continue
        fill = _grow(cores, touched, ball, free)
        if not (fill[0].any() or fill[-1].any() or fill[:, 0].any() or fill[:, -1].any()):
            return _full_size(fill, lightness.shape, step) & (lightness >= ink_lightness)
    return None


def near(lightness: np.ndarray, seed: np.ndarray, settings: PaintSettings) -> np.ndarray:
    """The paper within `near_hint` of the page's long side around `seed`: where a hint colours
    the page when no outline closes around it."""
    radius = settings.near_hint * max(lightness.shape)
    rows, cols = np.nonzero(seed)
    pad = int(np.ceil(radius)) + 1
    box = (
        slice(max(0, rows.min() - pad), rows.max() + pad + 1),
        slice(max(0, cols.min() - pad), cols.max() + pad + 1),
    )  # the distance transform of a box around the hint, not of the whole page
    around = np.zeros(seed.shape, bool)
    around[box] = ndimage.distance_transform_edt(~seed[box]) <= radius
    return around & (lightness >= settings.ink_lightness)


def _disk(radius: int) -> np.ndarray:
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return x * x + y * y <= radius * radius


def fill_same_grey(layer: np.ndarray, lightness: np.ndarray, hints: np.ndarray, tolerance: float) -> np.ndarray:
    """The bucket fill of a grayscale panel: each hint colours the connected area of the
    same grey around it (L* within `tolerance` of the hint's pixels), where a flat
    fill of one colour has become one grey; the lightness stays the panel's own.

    `layer` (H, W, 3) is the colour layer, `hints` hint channels, both at the page's size.
    """
    filled = layer.copy()
    blobs, _ = ndimage.label(hints[..., -1] > 0.5)
    for blob, box in enumerate(ndimage.find_objects(blobs), start=1):
        inside = np.zeros(blobs.shape, bool)
        inside[box] = blobs[box] == blob
        grey = np.median(lightness[inside])
        same, _ = ndimage.label(np.abs(lightness - grey) <= tolerance)
        touched = np.unique(same[inside])
        area = np.isin(same, touched[touched > 0])
        lab = decode(np.median(hints[inside, :3], axis=0))
        filled[area] = (1.0, lab[1], lab[2])
    return filled
