"""The data: where images come from, how they load, the B&W input simulated from colour, and tf.data.

`sources.py` finds training images (the bundled sample, the Kaggle manga dataset,
folders) and the real B&W pages to colour, `images.py` loads any image file,
`pairing.py` checks a real B&W file against its colour file, `simulation.py` turns
a coloured drawing into grayscale, line art or screentone, `hint_sampling.py`
samples training hints from the target, and `pipeline.py` streams (input, target)
batches.
"""

from mangacolor.data.images import DataError, SkippedFiles, SkippedImageWarning, list_images, load_image, to_8bit
from mangacolor.data.pairing import Pair, PairingWarning, content_match
from mangacolor.data.pipeline import fit_square, load_dataset, make_dataset, measure_throughput
from mangacolor.data.simulation import simulate
from mangacolor.data.sources import (
    SPLITS,
    find_kaggle_root,
    find_pairs,
    openmoji_root,
    real_bw_pages,
    sample_pairs,
    sample_root,
    training_pairs,
)

__all__ = [
    "SPLITS",
    "DataError",
    "Pair",
    "PairingWarning",
    "SkippedFiles",
    "SkippedImageWarning",
    "content_match",
    "find_kaggle_root",
    "find_pairs",
    "fit_square",
    "list_images",
    "load_dataset",
    "load_image",
    "make_dataset",
    "measure_throughput",
    "openmoji_root",
    "real_bw_pages",
    "sample_pairs",
    "sample_root",
    "simulate",
    "to_8bit",
    "training_pairs",
]
