"""The final generator: its best epoch, BatchNorm statistics refitted, chroma gain calibrated.

Run once after `fit`, on training and validation batches (fit.py).
"""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf

from mangacolor.color import to_uint8
from mangacolor.metrics import image_metrics, summarize
from mangacolor.nets import lab_head


def restore_checkpoint(generator: keras.Model, checkpoint: Path) -> None:
    """Give the generator the weights of a saved epoch, if that file exists.

    Training hands it its best epoch (lowest val_l1): adversarial training oscillates,
    and on a short CPU budget the last epoch was measured worse than the best one
    (bench/quality_ablation.csv), as with EarlyStopping(restore_best_weights=True).
    tools/finish_run.py hands it another epoch, to compare on the validation split.
    """
    if checkpoint.is_file():
        generator.set_weights(keras.saving.load_model(checkpoint, compile=False).get_weights())


def recalibrate_batchnorm(generator: keras.Model, dataset: tf.data.Dataset, batches: int = 20) -> None:
    """Re-estimate the BatchNorm statistics of the final generator on training batches.

    The moving averages kept during training follow the last few batches, whose
    mix of inputs (grayscale or line art, many hints or none) varies, and they
    lag behind the weights; validation L1 then jumps from epoch to epoch though
    the training loss falls steadily. Averaging the statistics of `batches`
    batches with the final weights, as SWA does after averaging weights
    (Izmailov et al. 2018), fixes that (bench/quality.py measures it).
    """
    norms = [layer for layer in generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    for k, (inputs, _) in enumerate(dataset.take(batches)):
        for layer in norms:
            layer.momentum = k / (k + 1)  # a running mean over the batches seen so far
        generator(inputs, training=True)
    for layer, momentum in zip(norms, momenta, strict=True):
        layer.momentum = momentum


CHROMA_GAINS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


def calibrate_chroma_gain(generator: keras.Model, dataset: tf.data.Dataset, ratio: tuple = (0.7, 1.3)) -> float:
    """Set the Lab head's chroma gain on validation data and return it.

    Among CHROMA_GAINS, the gains whose colourfulness is within `ratio` of the
    targets' (as colourful as real drawings) are candidates, and the one with the
    lowest CIEDE2000 over clearly coloured pixels wins; if none reaches the range,
    the gain closest to it. Models without a Lab head are left as they are (1.0).
    """
    head = lab_head(generator)
    if head is None:
        return 1.0
    batches = [(g.numpy(), t.numpy()) for g, t in dataset]
    scores = {}
    for gain in CHROMA_GAINS:
        head.chroma_gain.assign(gain)
        rows = [
            image_metrics(fake, truth)
            for gray, target in batches
            for fake, truth in zip(to_uint8(generator(gray, training=False)), to_uint8(target), strict=True)
        ]
        summary = summarize(rows)
        scores[gain] = (summary["colorfulness_ratio"], summary["deltaE2000_chroma"])
    inside = [g for g, (r, _) in scores.items() if ratio[0] <= r <= ratio[1]]
    if inside:
        best = min(inside, key=lambda g: scores[g][1])
    else:
        best = min(scores, key=lambda g: min(abs(scores[g][0] - ratio[0]), abs(scores[g][0] - ratio[1])))
    head.chroma_gain.assign(best)
    return best
