"""RGB <-> Lab in TensorFlow against skimage.color."""

import numpy as np
import tensorflow as tf
from skimage import color as skcolor

from mangacolor import color


def _random_rgb(seed: int = 0, shape=(2, 32, 48, 3)) -> np.ndarray:
    rgb = np.random.default_rng(seed).random(shape).astype(np.float32)
    rgb.reshape(-1, 3)[:8] = [
        [0, 0, 0],
        [1, 1, 1],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [1, 1, 0],
        [0, 1, 1],
        [0.5, 0.5, 0.5],
    ]
    return rgb


def test_rgb_to_lab_matches_skimage_within_half_delta_e():
    rgb = _random_rgb()
    ours = color.rgb_to_lab(rgb).numpy()
    ref = skcolor.rgb2lab(rgb)
    assert ours.shape == rgb.shape
    assert skcolor.deltaE_ciede2000(ours, ref).max() < 0.5
    assert np.abs(ours - ref).max() < 0.01


def test_lab_to_rgb_matches_skimage_and_round_trips():
    rgb = _random_rgb(1)
    lab = skcolor.rgb2lab(rgb).astype(np.float32)
    ours = color.lab_to_rgb(lab).numpy()
    assert np.abs(ours - skcolor.lab2rgb(lab)).max() < 1e-3
    assert np.abs(ours - rgb).max() < 1e-3


def test_lab_to_rgb_clips_out_of_gamut_like_skimage():
    lab = np.array([[[50.0, 120.0, -120.0], [90.0, -100.0, 100.0], [5.0, 60.0, 60.0]]], np.float32)
    ours = color.lab_to_rgb(lab).numpy()
    ref = skcolor.lab2rgb(lab)
    assert ours.min() >= 0.0 and ours.max() <= 1.0
    assert np.abs(ours - ref).max() < 2e-3


def test_fit_chroma_to_gamut_keeps_lightness_and_hue():
    rng = np.random.default_rng(2)
    lab = np.stack([rng.uniform(0, 100, 4000), rng.uniform(-110, 110, 4000), rng.uniform(-110, 110, 4000)], -1).astype(
        np.float32
    )
    fitted = color.fit_chroma_to_gamut(tf.constant(lab)).numpy()
    rgb = color.lab_to_rgb(fitted).numpy()
    back = skcolor.rgb2lab(rgb)
    assert np.abs(back[:, 0] - lab[:, 0]).max() < 0.5
    # Hue unchanged where there is chroma left to have a hue.
    chroma = np.hypot(fitted[:, 1], fitted[:, 2])
    keep = chroma > 5
    hue_in = np.arctan2(lab[keep, 2], lab[keep, 1])
    hue_out = np.arctan2(fitted[keep, 2], fitted[keep, 1])
    assert np.abs(np.angle(np.exp(1j * (hue_in - hue_out)))).max() < 1e-3
    # In-gamut colours are left alone.
    inside = skcolor.rgb2lab(_random_rgb(3, (1, 500, 3))).astype(np.float32)
    assert np.abs(color.fit_chroma_to_gamut(tf.constant(inside)).numpy() - inside).max() < 1e-3


def test_lightness_is_l_star_with_one_channel():
    rgb = _random_rgb(4)
    lightness = color.rgb_to_lightness(rgb).numpy()
    assert lightness.shape == (*rgb.shape[:-1], 1)
    assert np.abs(lightness[..., 0] - skcolor.rgb2lab(rgb)[..., 0]).max() < 0.01
