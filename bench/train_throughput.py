"""Training throughput: the seed's plain loop against mangacolor's trainer, side by side in one run.

Cases, each timed on the same machine in the same run (median of --repeats):
- seed_loop: the seed's way, as its README describes it: every image loaded into
  memory as float32 arrays, a float32 GradientTape loop (in a tf.function, the
  fastest form of it), BCE on the sigmoid discriminator plus 100 x L1;
- trainer: `ColorizationGAN.fit` on the streaming tf.data pipeline, defaults;
- trainer_bf16 / trainer_fp16: the same with mixed precision (bf16 on CPUs, fp16 on GPUs);
- trainer_warmup (default architecture): the L1 warm-up epochs, which skip the discriminator,
  in float32 and mixed precision;
for the seed's architecture and for the default one. It reports images/s, the
ratios to the seed loop, FLOPs per image (forward; training counts 3x) and the
achieved GFLOP/s against a float32 matrix-multiply peak measured in the same run.

    python bench/train_throughput.py [--image-size 256] [--batch-size 32] [--steps 3] [--repeats 3] [--no-mixed]
"""

from __future__ import annotations

import argparse
import statistics
import time

import keras
import numpy as np
import tensorflow as tf

import mangacolor  # noqa: F401
from mangacolor import Config, data, nets
from mangacolor.data.hint_sampling import HintSampling
from mangacolor.train import build_gan


def matmul_peak(dtype: tf.DType = tf.float32, n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of a large matrix multiply: what this machine can do at best."""
    a = tf.random.normal((n, n), dtype=tf.float32)
    a = tf.cast(a, dtype)
    tf.matmul(a, a).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tf.matmul(a, a).numpy()
        times.append(time.perf_counter() - start)
    return 2 * n**3 / min(times) / 1e9


def seed_loop(config: Config, images: int, steps: int, repeats: int) -> float:
    """The seed's loop: arrays in memory, float32, GradientTape; returns images/s (median)."""
    pairs = data.find_pairs(split="train")[:images]
    colour = np.stack([np.asarray(data.fit_square(data.load_image(p.color), config.image_size, 255.0)) for p in pairs])
    target = (colour / 127.5 - 1.0).astype(np.float32)
    gray = target.mean(axis=-1, keepdims=True)
    generator = nets.dcgan_generator(config.image_size)
    discriminator = nets.dcgan_discriminator(config.image_size)
    g_opt, d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy()

    @tf.function
    def train_step(x: tf.Tensor, y: tf.Tensor) -> None:
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(x, training=True)
            real_out = discriminator(tf.concat([x, y], -1), training=True)
            fake_out = discriminator(tf.concat([x, fake], -1), training=True)
            g_loss = bce(tf.ones_like(fake_out), fake_out) + 100.0 * tf.reduce_mean(tf.abs(y - fake))
            d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
        g_vars, d_vars = generator.trainable_variables, discriminator.trainable_variables
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars, strict=True))
        d_opt.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars, strict=True))

    dataset = (
        tf.data.Dataset.from_tensor_slices((gray, target))
        .shuffle(len(gray))
        .batch(config.batch_size, drop_remainder=True)
        .repeat()
    )
    batches = iter(dataset)
    train_step(*next(batches))  # trace and warm up
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            train_step(*next(batches))
        g_opt.iterations.numpy()  # wait for the work to finish
        rates.append(steps * config.batch_size / (time.perf_counter() - start))
    return statistics.median(rates)


class _Rate(keras.callbacks.Callback):
    """Images/s over each epoch after the first (which traces the graph)."""

    def __init__(self, batch_size: int) -> None:
        super().__init__()
        self.batch_size, self.rates = batch_size, []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start, self.steps = time.perf_counter(), 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.steps += 1

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch > 0:
            self.rates.append(self.steps * self.batch_size / (time.perf_counter() - self.start))


def trainer(config: Config, images: int, steps: int, repeats: int, policy: str, adversarial: bool = True) -> float:
    """ColorizationGAN.fit on the streaming pipeline; returns images/s (median over epochs)."""
    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(policy)
    try:
        gan = build_gan(config, policy)
        gan.adversarial = adversarial
        pairs = data.find_pairs(split="train")[:images]
        sampling = HintSampling() if nets.uses_hint_input(config) else None
        ds = data.make_dataset(pairs, config.image_size, config.batch_size, drop_remainder=True, hint_sampling=sampling)
        ds = ds.repeat()
        rate = _Rate(config.batch_size)
        gan.fit(ds, epochs=repeats + 1, steps_per_epoch=steps, callbacks=[rate], verbose=0)
        return statistics.median(rate.rates)
    finally:
        keras.mixed_precision.set_global_policy(previous)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=3, help="training steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", type=int, default=256, help="training images to load")
    parser.add_argument("--default-width", type=int, default=Config().width)
    parser.add_argument("--no-mixed", action="store_true", help="skip the mixed-precision cases")
    args = parser.parse_args()
    gpu = bool(tf.config.list_physical_devices("GPU"))
    mixed = "mixed_float16" if gpu else "mixed_bfloat16"
    short = mixed.split("_")[1]  # the case names' suffix: float16 or bfloat16
    peak = matmul_peak()
    print(f"device: {'GPU' if gpu else 'CPU'}; float32 matmul peak {peak:.0f} GFLOP/s\n")
    print("| architecture | case | images/s | vs seed loop | GFLOPs/image (train) | GFLOP/s | % of matmul peak |")
    print("|---|---|---|---|---|---|---|")
    summary = []
    for arch in ("dcgan", "unet"):
        config = Config(
            arch=arch,
            head="rgb" if arch == "dcgan" else Config.head,
            image_size=args.image_size,
            batch_size=args.batch_size,
            width=64 if arch == "dcgan" else args.default_width,
        )
        g_flops = nets.flops_per_image(nets.build_generator(config, config.image_size))
        d_flops = 2 * nets.flops_per_image(nets.build_discriminator(config))
        cases, flops = {}, {}
        if arch == "dcgan":
            cases["seed_loop"] = seed_loop(config, args.images, args.steps, args.repeats)
        cases["trainer"] = trainer(config, args.images, args.steps, args.repeats, "float32")
        if not args.no_mixed:
            cases[f"trainer_{short}"] = trainer(config, args.images, args.steps, args.repeats, mixed)
        if arch == "unet":
            cases["trainer_warmup"] = trainer(config, args.images, args.steps, args.repeats, "float32", False)
            flops["trainer_warmup"] = 3 * g_flops
            if not args.no_mixed:
                name = f"trainer_warmup_{short}"
                cases[name] = trainer(config, args.images, args.steps, args.repeats, mixed, False)
                flops[name] = 3 * g_flops
        base = cases.get("seed_loop", cases["trainer"])
        for name, rate in cases.items():
            train_flops = flops.get(name, 3 * (g_flops + d_flops))
            gflops = rate * train_flops / 1e9
            cells = [arch, name, f"{rate:.2f}", f"{rate / base:.2f}x", f"{train_flops / 1e9:.1f}", f"{gflops:.0f}"]
            print("| " + " | ".join(cells) + f" | {100 * gflops / peak:.0f}% |")
        summary.append(f"{arch}: " + ", ".join(f"{k} {v / base:.2f}x" for k, v in cases.items()))
    print(f"\nsummary ({args.image_size} px, batch {args.batch_size}): " + "; ".join(summary))


if __name__ == "__main__":
    main()
