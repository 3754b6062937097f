"""Under pytest (nbval), the notebooks run in quick mode: a few epochs on a few images.

Run in Jupyter, they use the real settings (100 epochs, batch 32, 256 px).
"""

import os

QUICK = {
    "MANGACOLOR_EPOCHS": "2",
    "MANGACOLOR_MAX_IMAGES": "32",
    "MANGACOLOR_IMAGE_SIZE": "64",
    "MANGACOLOR_BATCH_SIZE": "8",
    "MANGACOLOR_GAN_WARMUP": "1",
}
for name, value in QUICK.items():
    os.environ.setdefault(name, value)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
