"""Training: the GAN and its `train_step`, one call to `fit`, and what a long run adds.

`gan.py` is the GAN, shaped like keras-io's DCGAN example; `fit.py` is `train`,
which runs it with `callbacks.py` and writes a run folder (`runs.py`) that
`--resume` continues; `precision.py` picks float32 or mixed precision;
`calibrate.py` refits the final generator's BatchNorm statistics and chroma gain.
"""

from mangacolor.train.fit import train
from mangacolor.train.gan import ColorizationGAN, build_gan, make_optimizer
from mangacolor.train.precision import choose_precision
from mangacolor.train.runs import read_history

__all__ = ["ColorizationGAN", "build_gan", "choose_precision", "make_optimizer", "read_history", "train"]
