"""Mixed precision: the float16 path Kaggle and Colab GPUs take, and bfloat16, trained for real on the CPU.

A CPU runs the same float16 graph as a GPU, only slower, so these tests catch
what broke there before: gradients of a loss scaled outside the tape were None
and the LossScaleOptimizer stopped training at its first step.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from mangacolor import Config, data
from mangacolor.paint import Colorizer
from mangacolor.train import read_history, train

# One warm-up epoch (L1 only), then one adversarial epoch: both kinds of train step run,
# 8 steps each. Under float16 the first few steps overflow at Keras' initial loss scale
# (2**15 times an L1 weighted 100) and are skipped while the scale halves, as designed.
TINY = dict(epochs=2, gan_warmup=1, image_size=32, batch_size=8)
ARCHS = {
    "unet": dict(arch="unet", width=8, depth=3),  # the default head, hints and manga mix
    "dcgan": dict(arch="dcgan", head="rgb", simulation="grayscale", chroma_weight=0, lr_decay=False),
}


class Watch(keras.callbacks.Callback):
    """Keeps both networks' trainable weights from before and after `fit`, and the optimizers."""

    def on_train_begin(self, logs=None):
        self.before = {name: self._weights(name) for name in ("generator", "discriminator")}

    def on_train_end(self, logs=None):
        self.after = {name: self._weights(name) for name in ("generator", "discriminator")}
        self.optimizers = (self.model.g_optimizer, self.model.d_optimizer)
        self.compute_dtype = self.model.generator.layers[-2].compute_dtype

    def _weights(self, name: str) -> list[np.ndarray]:
        return [np.array(v.numpy()) for v in getattr(self.model, name).trainable_variables]


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_trains_both_networks_and_the_generator_reloads(
    arch: str, precision: str, shapes_dir: Path, tmp_path: Path
):
    run = tmp_path / "run"
    watch = Watch()
    config = Config(data=str(shapes_dir), precision=precision, **TINY, **ARCHS[arch])
    train(config, run, verbose=0, extra_callbacks=[watch])

    assert watch.compute_dtype == precision.removeprefix("mixed_")
    for name in ("generator", "discriminator"):
        changed = [not np.array_equal(a, b) for a, b in zip(watch.before[name], watch.after[name], strict=True)]
        assert all(changed), f"{name}: {changed.count(False)} of {len(changed)} weights never moved"
    history = read_history(run / "history.csv")
    for column in ("g_l1", "val_l1"):
        assert np.isfinite(history[column]).all(), history[column]
    assert np.isfinite(history["d_real"][-1]) and np.isfinite(history["g_adv"][-1])  # the adversarial epoch ran

    for optimizer in watch.optimizers:
        if precision == "mixed_float16":
            # float16 needs loss scaling; the inner Adam took a step only for finite, unscaled gradients.
            assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
            assert int(optimizer.inner_optimizer.iterations.numpy()) > 0
            assert int(optimizer.step_counter.numpy()) > 0
            assert 1.0 <= float(optimizer.dynamic_scale.numpy()) <= optimizer.initial_scale
        else:
            # bfloat16 has float32's exponent range: no loss scaling, a plain Adam.
            assert not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
            assert int(optimizer.iterations.numpy()) > 0
    if precision == "mixed_float16":
        # The generator's L1 (weight 100) overflowed float16 at first: its scale came down from 2**15.
        g_optimizer = watch.optimizers[0]
        assert float(g_optimizer.dynamic_scale.numpy()) < g_optimizer.initial_scale

    # The saved generator loads in a float32 process and colours a real B&W drawing at its own size.
    assert keras.mixed_precision.global_policy().name == "float32"
    page = data.load_image(data.sample_pairs(kind="bw")[0].color)
    coloured = Colorizer(run).colorize(page)
    assert coloured.shape == page.shape and coloured.dtype == np.uint8
