"""The data: where images come from, how they load, the B&W input simulated from colour, and tf.data.

`sources.py` finds images and pairs them (the bundled sample, the Kaggle manga
dataset, paired folders), `simulation.py` turns a coloured drawing into grayscale,
line art or screentone, `hint_sampling.py` samples training hints from the target,
and `pipeline.py` streams (input, target) batches.
"""

from mangacolor.data.pipeline import fit_square, load_dataset, make_dataset, measure_throughput
from mangacolor.data.simulation import simulate
from mangacolor.data.sources import (
    SPLITS,
    DataError,
    Pair,
    SkippedFiles,
    SkippedImageWarning,
    find_kaggle_root,
    find_pairs,
    list_images,
    load_image,
    sample_pairs,
    sample_root,
    to_8bit,
    training_pairs,
)

__all__ = [
    "SPLITS",
    "DataError",
    "Pair",
    "SkippedFiles",
    "SkippedImageWarning",
    "find_kaggle_root",
    "find_pairs",
    "fit_square",
    "list_images",
    "load_dataset",
    "load_image",
    "make_dataset",
    "measure_throughput",
    "sample_pairs",
    "sample_root",
    "simulate",
    "to_8bit",
    "training_pairs",
]
