"""mangacolor: a GAN that colorizes black-and-white manga and line art, in TensorFlow/Keras.

The package is in rooms by stage: `data/` (sources, simulated manga input,
tf.data), `nets/` (generators, discriminators, heads, losses), `train/` (the GAN,
`fit`, run folders) and `paint/` (colouring pages). Importing it registers the
custom Keras layers, so that saved `.keras` models load with plain
`keras.saving.load_model`.
"""

import os

# TensorFlow's C++ start-up chatter goes to stderr and differs from run to run.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mangacolor import startup  # noqa: E402

startup.import_tensorflow()

from mangacolor import nets  # noqa: E402,F401  (registers the custom layers)
from mangacolor.config import Config  # noqa: E402
from mangacolor.paint import Colorizer, PaintSettings  # noqa: E402

__all__ = ["Colorizer", "Config", "PaintSettings"]
__version__ = "0.1.0"
