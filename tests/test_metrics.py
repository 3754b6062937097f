"""Metrics agree with reference values and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage import color as skcolor

from mangacolor import metrics

RED, BLUE, GRAY = (255, 0, 0), (0, 0, 255), (128, 128, 128)


def _solid(rgb: tuple[int, int, int], shape: tuple[int, int] = (16, 16)) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, np.uint8), (*shape, 3)).copy()


def _halves(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> np.ndarray:
    return np.concatenate([_solid(top, (8, 16)), _solid(bottom, (8, 16))])


def _ciede2000(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    lab = skcolor.rgb2lab(np.array([[a, b]], np.uint8))
    return float(skcolor.deltaE_ciede2000(lab[0, 0], lab[0, 1]))


def test_psnr_of_constant_images_ten_levels_apart():
    assert metrics.psnr(_solid((100, 100, 100)), _solid((110, 110, 110))) == pytest.approx(
        20 * math.log10(255 / 10), rel=1e-5
    )


def test_ssim_of_identical_images_is_one():
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert metrics.ssim(image, image) == pytest.approx(1.0, abs=1e-6)
    assert metrics.ssim(image, 255 - image) < 0.5


def test_ciede2000_reference_pair_of_sharma_wu_and_dalal():
    # pair 1 of the CIEDE2000 test data (Sharma, Wu and Dalal 2005): the reference
    # implementation metrics.delta_e2000 relies on gives the published value
    assert skcolor.deltaE_ciede2000([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485]) == (
        pytest.approx(2.0425, abs=1e-4)
    )


def test_delta_e2000_of_identical_images_is_zero():
    image = _halves(RED, GRAY)
    assert metrics.delta_e2000(image, image) == (0.0, 0.0)


def test_delta_e2000_is_the_mean_over_pixels():
    full, chroma = metrics.delta_e2000(_halves(RED, BLUE), _solid(RED))
    assert full == pytest.approx(_ciede2000(RED, BLUE) / 2, rel=1e-6)
    assert chroma == full  # every target pixel is clearly coloured


def test_delta_e2000_chroma_counts_only_clearly_coloured_target_pixels():
    target = _halves(GRAY, RED)  # grey top (C*ab = 0), red bottom (C*ab > 100)
    full, chroma = metrics.delta_e2000(_solid(GRAY), target)
    assert chroma == pytest.approx(_ciede2000(GRAY, RED), rel=1e-6)
    assert full == pytest.approx(chroma / 2, rel=1e-6)  # the grey half dilutes only `full`
    assert math.isnan(metrics.delta_e2000(_solid(GRAY), _solid(GRAY))[1])


def test_colorfulness_of_gray_is_zero():
    assert metrics.colorfulness(_halves(GRAY, (10, 10, 10))) == 0.0


def test_colorfulness_of_red_and_blue_halves_by_hand():
    # rg = R - G: 255 (red) and 0 (blue); yb = (R + G) / 2 - B: 127.5 and -255
    std_rg, mean_rg = 127.5, 127.5
    std_yb, mean_yb = 191.25, -63.75
    expected = math.sqrt(std_rg**2 + std_yb**2) + 0.3 * math.sqrt(mean_rg**2 + mean_yb**2)
    assert metrics.colorfulness(_halves(RED, BLUE)) == pytest.approx(expected, rel=1e-9)


def test_dominant_hue_share_counts_coloured_pixels_in_the_commonest_hue_band():
    red, blue, grey = np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), np.full((8, 8, 3), 0.5)
    red[..., 0], blue[..., 2] = 0.9, 0.9
    amber = np.concatenate([red[:4], np.full((4, 8, 3), (0.9, 0.6, 0.1))])  # red (h 40), orange (h 74)
    assert metrics.dominant_hue_share([red, red]) == 1.0
    assert metrics.dominant_hue_share([red, blue, grey]) == 0.5  # grey is no coloured pixel
    assert metrics.dominant_hue_share([amber], band=30) == 0.5
    assert metrics.dominant_hue_share([amber], band=90) == 1.0
    assert math.isnan(metrics.dominant_hue_share([grey]))


def test_unchanged_input_keeps_lightness():
    gray = np.random.default_rng(1).uniform(-1.0, 1.0, (2, 16, 16, 1)).astype(np.float32)
    copy = metrics.unchanged_input(gray)
    assert copy.shape == (2, 16, 16, 3) and copy.dtype == np.uint8
    assert np.ptp(copy, axis=-1).max() <= 1  # neutral grey, up to rounding
    lightness = skcolor.rgb2lab(copy)[..., 0]
    assert np.abs(lightness - (gray[..., 0] + 1.0) * 50.0).max() < 0.5


def test_summarize_takes_the_ratio_of_mean_colourfulness():
    rows = [
        {"psnr": 20.0, "deltaE2000_chroma": float("nan"), "colorfulness": 10.0,
         "target_colorfulness": 40.0},
        {"psnr": 30.0, "deltaE2000_chroma": 6.0, "colorfulness": 30.0,
         "target_colorfulness": 0.0},
    ]  # fmt: skip
    summary = metrics.summarize(rows)
    # a mean of per-image ratios would be infinite (gray target); the ratio of means is 1
    assert summary["colorfulness_ratio"] == pytest.approx(1.0)
    assert summary["psnr"] == 25.0 and summary["deltaE2000_chroma"] == 6.0  # NaN ignored
    assert summary["n_images"] == 2 and "target_colorfulness" not in summary


def _framed_square(size: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic input: white paper, a black outline, a flat grey fill; and its flat fill."""
    gray = np.ones((size, size, 1), np.float32)
    gray[20:108, 20:108] = -1.0
    gray[24:104, 24:104] = 0.2
    return gray, metrics.flat_mask(gray)


def test_flat_mask_finds_paper_and_fills_but_not_lines():
    gray, flat = _framed_square()
    assert flat[5, 5] and flat[64, 64]
    assert not flat[22, 64] and not flat[64, 22]  # the outline and its edges


def test_high_frequency_chroma_sees_a_checkerboard_not_a_smooth_gradient():
    _, flat = _framed_square()
    smooth = np.zeros((128, 128, 3), np.uint8)
    smooth[...] = np.linspace(60, 200, 128).astype(np.uint8)[None, :, None]
    smooth[..., 2] = 90
    checker = smooth.copy()
    checker[::2, ::2, 1] += 25  # a period-2 green dot grid
    assert metrics.high_frequency_chroma(smooth, flat) < 0.5
    assert metrics.high_frequency_chroma(checker, flat) > 5.0


def test_resize_conv_upsampling_has_far_less_checkerboard_than_transposed_convolutions():
    """The default U-Net upsamples then convolves (Odena et al. 2016); the seed's
    generator uses stride-2 transposed convolutions. Same head, same input, both with BatchNorm
    (GroupNorm, the U-Net's default, rescales an untrained network's features: another variable)."""
    import keras

    from mangacolor import Config, nets

    gray, flat = _framed_square()
    energy = {}
    for arch in ("dcgan", "unet"):
        keras.utils.set_random_seed(0)
        generator = nets.build_generator(Config(arch=arch, head="lab", norm="batch", hint_input=False), 128)
        out = metrics.to_uint8(generator(gray[None], training=False))[0]
        energy[arch] = metrics.high_frequency_chroma(out, flat)
    assert energy["unet"] < 0.5 * energy["dcgan"], energy
