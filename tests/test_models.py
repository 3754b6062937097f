"""The seed's DCGAN layer by layer, the U-Net and PatchGAN, the heads, saving and loading."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from mangacolor import Config, nets
from mangacolor.color import rgb_to_lab


def _core(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


@pytest.mark.parametrize("depth", [4, 5])
def test_dcgan_generator_is_exactly_as_the_seed_readme_describes(depth: int):
    g = nets.dcgan_generator(256, depth=depth, head="rgb")
    assert g.input_shape == (None, 256, 256, 1)
    core = _core(g)
    # `depth` blocks of Conv2D(4x4, stride 2) -> BatchNorm -> LeakyReLU ...
    for i in range(depth):
        conv, bn, act = core[3 * i : 3 * i + 3]
        assert type(conv) is layers.Conv2D and conv.kernel_size == (4, 4) and conv.strides == (2, 2)
        assert type(bn) is layers.BatchNormalization and type(act) is layers.LeakyReLU
    # ... then depth - 1 blocks of Conv2DTranspose(stride 2) -> BatchNorm -> ReLU ...
    ups = core[3 * depth : 3 * depth + 3 * (depth - 1)]
    for i in range(depth - 1):
        deconv, bn, act = ups[3 * i : 3 * i + 3]
        assert type(deconv) is layers.Conv2DTranspose and deconv.strides == (2, 2)
        assert type(bn) is layers.BatchNormalization and type(act) is layers.ReLU
    # ... then a transposed convolution to RGB with tanh, at the input's size.
    out, tanh = core[-2:]
    assert type(out) is layers.Conv2DTranspose and out.filters == 3 and out.strides == (2, 2)
    assert tanh.get_config()["activation"] == "tanh"
    assert g.output_shape == (None, 256, 256, 3)
    assert len(core) == 3 * depth + 3 * (depth - 1) + 2
    filters = [layer.filters for layer in core if isinstance(layer, layers.Conv2D)]
    assert filters[:depth] == [64 * min(2**i, 8) for i in range(depth)]


def test_dcgan_discriminator_is_exactly_as_the_seed_readme_describes():
    d = nets.dcgan_discriminator(256)
    assert d.input_shape == (None, 256, 256, 4)  # grayscale input + RGB image
    kinds = [type(layer).__name__ for layer in _core(d)]
    assert kinds == [
        "Conv2D", "LeakyReLU",
        "Conv2D", "BatchNormalization", "LeakyReLU",
        "Conv2D", "BatchNormalization", "LeakyReLU",
        "Flatten", "Dense",
    ]  # fmt: skip
    convs = [layer for layer in _core(d) if isinstance(layer, layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 128, 256]
    assert all(c.kernel_size == (4, 4) and c.strides == (2, 2) for c in convs)
    dense = _core(d)[-1]
    assert dense.units == 1 and dense.get_config()["activation"] == "sigmoid"
    assert not nets.discriminator_gives_logits(d)


def test_unet_has_skips_dropout_and_no_transposed_convolutions():
    g = nets.unet_generator(128, depth=5, width=32)
    assert sum(isinstance(layer, layers.Concatenate) for layer in g.layers) == 5
    assert sum(isinstance(layer, layers.Dropout) for layer in g.layers) == 3
    assert not any(isinstance(layer, layers.Conv2DTranspose) for layer in g.layers)


def test_patchgan_gives_a_logit_per_patch_with_a_70_pixel_receptive_field():
    d = nets.patchgan_discriminator(256)
    assert d.output_shape == (None, 32, 32, 1)
    assert nets.receptive_field(d) == 70
    assert nets.discriminator_gives_logits(d)


@pytest.mark.parametrize("arch", ["dcgan", "unet"])
@pytest.mark.parametrize("head", ["rgb", "lab"])
@pytest.mark.parametrize("size", [128, 256, (64, 160)])
def test_every_model_builds_at_square_and_non_square_sizes(arch, head, size):
    config = Config(arch=arch, head=head, width=8, hint_input=False)
    g = nets.build_generator(config, size)
    h, w = (size, size) if isinstance(size, int) else size
    x = np.random.default_rng(0).uniform(-1, 1, (1, h, w, 1)).astype("float32")
    y = np.asarray(g(x))
    assert y.shape == (1, h, w, 3) and y.min() >= -1 and y.max() <= 1
    d = nets.build_discriminator(config.replace(image_size=128))
    assert d(np.zeros((1, 128, 128, 4), "float32")).shape[0] == 1


def test_open_size_generator_takes_any_multiple_of_2_to_the_depth():
    g = nets.build_generator(Config(arch="unet", width=8, depth=4, hint_input=False))
    for shape in [(1, 48, 80, 1), (2, 128, 32, 1)]:
        assert g(np.zeros(shape, "float32")).shape == (*shape[:3], 3)
    with pytest.raises(ValueError, match="not divisible"):
        nets.build_generator(Config(arch="unet", depth=5), 100)


@pytest.mark.parametrize("arch", ["dcgan", "unet"])
def test_lab_head_keeps_the_input_lightness(arch: str):
    g = nets.build_generator(Config(arch=arch, head="lab", width=8, hint_input=False), 64)
    # Make the untrained net predict strong chroma: the gamut fit must still keep L.
    last = [layer for layer in g.layers if layer.name.startswith("out") and layer.weights][-1]
    last.bias.assign(np.array([3.0, -3.0], "float32"))
    x = np.random.default_rng(1).uniform(-1, 1, (2, 64, 64, 1)).astype("float32")
    rgb = (np.asarray(g(x)) + 1) / 2
    lightness = rgb_to_lab(rgb).numpy()[..., 0]
    assert np.abs(lightness - (x[..., 0] + 1) * 50).max() < 0.5
    assert np.hypot(*rgb_to_lab(rgb).numpy()[..., 1:].transpose(3, 0, 1, 2)).mean() > 10


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match=r"arch = 'resnet' \(--arch\): must be one of dcgan, unet"):
        Config(arch="resnet")
    with pytest.raises(ValueError, match=r"head = 'hsv' \(--head\): must be one of rgb, lab, multiply"):
        Config(head="hsv")
    with pytest.raises(ValueError, match="head must be one of"):
        nets.unet_generator(64, head="hsv")


def test_parameters_and_flops_are_reported():
    info = nets.describe(nets.dcgan_generator(256))
    assert info["parameters"] > 1_000_000
    # First layer alone: 128*128 outputs x 4*4*1 inputs x 64 filters x 2.
    assert info["flops_per_image"] > 2 * 128 * 128 * 16 * 64


def test_saved_model_loads_in_a_fresh_process_with_identical_outputs(tmp_path: Path):
    g = nets.build_generator(Config(arch="unet", head="lab", width=8, depth=3, hint_input=False))
    x = np.random.default_rng(2).uniform(-1, 1, (1, 48, 64, 1)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.asarray(g(x)))
    g.save(tmp_path / "g.keras")
    script = (
        "import sys, numpy as np, keras, mangacolor\n"
        "d = sys.argv[1]\n"
        "g = keras.saving.load_model(d + '/g.keras')\n"
        "y = np.asarray(g(np.load(d + '/x.npy')))\n"
        "assert np.array_equal(y, np.load(d + '/y.npy')), np.abs(y - np.load(d + '/y.npy')).max()\n"
        "print('identical')\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "identical" in out.stdout


def test_hint_input_is_a_second_block_of_channels_and_the_seed_keeps_its_shape():
    seed = nets.build_generator(Config(arch="dcgan"), 64)
    assert seed.input_shape == (None, 64, 64, 1)  # the seed's DCGAN, exactly as described
    unet = nets.build_generator(Config(arch="unet", width=8, depth=3), 64)
    assert unet.input_shape == (None, 64, 64, 5) and nets.takes_hints(unet)
    x = np.random.default_rng(3).uniform(-1, 1, (1, 64, 64, 5)).astype("float32")
    x[..., 1:] = 0.0
    no_hints = np.asarray(unet(x))
    x[..., 1:] = 0.5  # a hint everywhere changes the output; the lightness is the B&W channel's
    assert np.abs(np.asarray(unet(x)) - no_hints).max() > 1e-3
    hinted = nets.build_generator(Config(arch="dcgan", hint_input=True, head="lab"), 64)
    assert hinted.input_shape == (None, 64, 64, 5)
    assert nets.uses_hint_input(Config(arch="unet")) and not nets.uses_hint_input(Config(arch="dcgan"))
    assert nets.uses_hint_input(Config(arch="dcgan", hint_input=True)) and not nets.uses_hint_input(
        Config(arch="unet", hint_input=False)
    )
    assert nets.unet_generator(64, depth=3, width=8, hint_input=True).input_shape == (None, 64, 64, 5)
    assert nets.dcgan_generator(64, hint_input=False).input_shape == (None, 64, 64, 1)
    lightness = rgb_to_lab((np.asarray(hinted(x)) + 1) / 2).numpy()[..., 0]
    assert np.abs(lightness - (x[..., 0] + 1) * 50).max() < 0.5


@pytest.mark.filterwarnings("ignore:Conversion from CIE-LAB")
def test_colour_bins_hold_srgb_colours_and_decode_to_the_likely_one():
    from skimage import color as skcolor

    from mangacolor.nets.heads import BIN_SPACING, BinsHead, bin_centres

    centres = bin_centres()
    assert 80 <= len(centres) <= 120 and [0.0, 0.0] in centres.tolist()
    # Every centre is a colour some lightness shows in sRGB (checked with skimage).
    for a, b in centres:
        lab = np.stack([np.linspace(2, 98, 49), np.full(49, a), np.full(49, b)], -1)
        back = skcolor.rgb2lab(np.clip(skcolor.lab2rgb(lab), 0, 1))
        assert np.min(np.abs(back - lab).max(-1)) < 2.0, (a, b)
    head = BinsHead()
    head.build((1, 2, 2, 1), [(1, 2, 2, 1), (1, 1, 1, len(centres))])
    red = int(np.argmin(np.linalg.norm(centres - [60.0, 45.0], axis=1)))
    logits = np.zeros((1, 1, 1, len(centres)), "float32")
    logits[..., red] = 4.0  # likely red; annealing sharpens it
    layer = np.asarray(head.layer((np.zeros((1, 2, 2, 1), "float32"), logits)))
    assert layer.shape == (1, 2, 2, 3)  # the colour at half resolution, resized to the factor's
    factor, a, b = layer[0, 1, 1]
    assert np.hypot(a - centres[red, 0], b - centres[red, 1]) < BIN_SPACING / 2 and 0.8 < factor < 1.0


def test_the_colour_class_loss_prefers_the_right_bin_and_weighs_rare_colours_up():
    import tensorflow as tf

    from mangacolor.nets import losses
    from mangacolor.nets.heads import BinsHead, bin_centres

    centres = bin_centres()
    head = BinsHead()
    head.build((1, 4, 4, 1), [(1, 4, 4, 1), (1, 4, 4, len(centres))])
    red = np.full((1, 4, 4, 3), (1.0, -0.8, -0.8), "float32")  # a red target in [-1, 1]
    lab_red = skimage_lab(red)
    right = int(np.argmin(np.linalg.norm(centres - lab_red, axis=1)))
    wrong = int(np.argmin(np.linalg.norm(centres - [0.0, 0.0], axis=1)))

    def loss(bin_index: int) -> float:
        logits = np.zeros((1, 4, 4, len(centres)), "float32")
        logits[..., bin_index] = 8.0
        return float(losses.colour_class_loss(tf.constant(logits), tf.constant(red), head))

    assert loss(right) < 0.5 * loss(wrong)
    counts = head.bin_counts.numpy()
    assert counts.sum() == pytest.approx(2 * 16, rel=1e-4) and counts.argmax() == right
    # After much neutral paper, a red pixel weighs more than a neutral one.
    grey = np.zeros((1, 64, 64, 3), "float32")
    losses.colour_class_loss(tf.zeros((1, 64, 64, len(centres))), tf.constant(grey), head)
    uniform = tf.zeros((1, 4, 4, len(centres)))
    assert float(losses.colour_class_loss(uniform, tf.constant(red), head)) > float(
        losses.colour_class_loss(uniform, tf.constant(grey[:, :4, :4]), head)
    )


def skimage_lab(rgb: np.ndarray) -> np.ndarray:
    """a*b* of the first pixel of an image in [-1, 1], by skimage."""
    from skimage import color as skcolor

    return skcolor.rgb2lab((rgb[0, 0, 0] + 1.0) / 2.0)[1:]


def test_a_bins_generator_builds_at_any_size_and_reloads_with_identical_outputs(tmp_path: Path):
    generator = nets.build_generator(Config(head="bins", width=8, depth=3, hint_input=False))
    x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 160, 1)).astype("float32")
    y = np.asarray(generator(x))
    assert y.shape == (2, 64, 160, 3) and y.min() >= -1 and y.max() <= 1
    layer = np.asarray(nets.colour_layer(generator)(x))
    assert layer.shape == (2, 64, 160, 3) and np.all((layer[..., 0] >= 0) & (layer[..., 0] <= 1))
    generator.save(tmp_path / "bins.keras")
    again = keras.saving.load_model(tmp_path / "bins.keras")
    np.testing.assert_array_equal(np.asarray(again(x)), y)
    with pytest.raises(ValueError, match="bins needs the U-Net"):
        Config(arch="dcgan", head="bins")


def test_the_default_head_follows_the_architecture_and_a_saved_run_keeps_its_own(tmp_path: Path):
    """The U-Net defaults to colour classes over GroupNorm (issue 25's ablation); the seed's DCGAN,
    which cannot take classes, keeps the Multiply head; a run saved with the old defaults loads as it was."""
    assert (Config().head, Config().norm) == ("bins", "group")
    assert Config(arch="dcgan").head == "multiply"
    assert Config(arch="dcgan").replace(epochs=3).head == "multiply"
    assert Config(head="lab").head == "lab"
    old = Config(head="multiply", norm="batch")
    old.save(tmp_path / "config.json")
    assert Config.load(tmp_path / "config.json") == old
    generator = nets.build_generator(Config(width=8, depth=3), 64)
    assert any(isinstance(layer, keras.layers.GroupNormalization) for layer in generator.layers)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in generator.layers)
