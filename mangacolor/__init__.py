"""mangacolor: a GAN that colorizes black-and-white manga and line art, in TensorFlow/Keras.

Importing the package registers its custom Keras layers, so that saved
`.keras` models load with plain `keras.saving.load_model`.
"""

import os

# TensorFlow's C++ start-up chatter goes to stderr and differs from run to run.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mangacolor import startup  # noqa: E402

startup.import_tensorflow()

from mangacolor import models  # noqa: E402,F401  (registers the custom layers)
from mangacolor.config import Config  # noqa: E402

__all__ = ["Config", "models"]
__version__ = "0.1.0"
