"""compressor and limiter kernels against float64 references of the same gain computer
and detector; the limiter's ceiling (docs/maths/everyday-effects.md §6, §7)."""
from __future__ import annotations

import numpy as np
import pytest

from rtaudio.kernels.reference.compressor import compressor_reference, gain_computer_db
from rtaudio.kernels.reference.limiter import limiter_reference
from rtaudio.processors import compressor, limiter

from _fx import run_kernel
from _signals import bursts, random_partition

FS = 48000.0
COMP = dict(threshold_db=-24.0, ratio=4.0, attack_ms=5.0, release_ms=80.0, knee_db=6.0, makeup_db=3.0)


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("knee_db", [0.0, 6.0, 20.0])
def test_compressor_matches_reference(channels, knee_db):
    x = bursts(48000, channels, seed=3)
    settings = dict(COMP, knee_db=knee_db)
    y = run_kernel(compressor, compressor.compressor_kernel, x, **settings)
    ref = compressor_reference(x, FS, **settings)
    np.testing.assert_allclose(y, ref, rtol=2e-6, atol=1e-7)


def test_compressor_steady_state_is_the_static_curve():
    """A long constant-level sine settles at the static curve's level (peak detector)."""
    t = np.arange(96000) / FS
    x = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)[:, None]
    settings = dict(COMP, attack_ms=1.0, release_ms=5000.0)
    y = run_kernel(compressor, compressor.compressor_kernel, x, **settings)
    in_db = 20 * np.log10(0.5)
    expected = gain_computer_db(in_db, -24.0, 4.0, 6.0) + 3.0
    assert 20 * np.log10(np.max(np.abs(y[-4800:]))) == pytest.approx(expected, abs=0.05)


def test_compressor_below_knee_is_unity_plus_makeup():
    x = (0.01 * np.ones((1000, 1))).astype(np.float32)
    y = run_kernel(compressor, compressor.compressor_kernel, x, **COMP)
    np.testing.assert_allclose(y, x * 10 ** (3.0 / 20), rtol=1e-6)


def test_compressor_block_partition_invariant():
    x = bursts(40000, 2, seed=8)
    ramp = {"threshold_db": np.linspace(-40.0, -10.0, 40000)}
    whole = run_kernel(compressor, compressor.compressor_kernel, x, per_sample=ramp)
    parts = run_kernel(compressor, compressor.compressor_kernel, x, per_sample=ramp,
                       sizes=random_partition(40000, np.random.default_rng(2), high=800))
    np.testing.assert_array_equal(whole, parts)


LIM = dict(threshold_db=-12.0, ceiling_db=-1.0, release_ms=50.0, lookahead_ms=2.0)


@pytest.mark.parametrize("channels", [1, 2])
def test_limiter_matches_reference(channels):
    x = bursts(30000, channels, seed=4)
    y = run_kernel(limiter, limiter.limiter_kernel, x, **LIM)
    ref = limiter_reference(x, FS, **LIM)
    np.testing.assert_allclose(y, ref, rtol=1e-6, atol=1e-7)


def test_limiter_latency_is_lookahead():
    assert limiter.lookahead_samples(dict(LIM), FS) == 96
    x = np.zeros((300, 1), np.float32)
    x[10] = 0.01  # quiet: no limiting, just pre-gain and delay
    y = run_kernel(limiter, limiter.limiter_kernel, x, **LIM)
    assert np.flatnonzero(y[:, 0]).tolist() == [10 + 96]


def _full_scale_noise(frames, channels):
    rng = np.random.default_rng(21)
    return rng.uniform(-1.0, 1.0, (frames, channels)).astype(np.float32)


def _square(frames, channels):
    t = np.arange(frames) / FS
    sq = np.sign(np.sin(2 * np.pi * 110.0 * t))
    return np.repeat(sq[:, None], channels, axis=1).astype(np.float32)


def _clipped_drums(frames, channels):
    """Kick (decaying 55 Hz sine) and snare (decaying noise) hits, boosted 12 dB and clipped at ±1."""
    rng = np.random.default_rng(5)
    t = np.arange(frames) / FS
    out = np.zeros(frames)
    for start in range(0, frames, 12000):
        n = np.arange(frames - start) / FS
        out[start:] += np.sin(2 * np.pi * 55 * n) * np.exp(-n / 0.12)
        s = start + 6000
        if s < frames:
            m = np.arange(frames - s) / FS
            out[s:] += rng.standard_normal(frames - s) * np.exp(-m / 0.05)
    out = np.clip(4.0 * out + 0.1 * np.sin(2 * np.pi * 0.5 * t), -1.0, 1.0)
    return np.repeat(out[:, None], channels, axis=1).astype(np.float32)


@pytest.mark.parametrize("make", [_full_scale_noise, _square, _clipped_drums])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("settings", [LIM, dict(threshold_db=-30.0, ceiling_db=-0.1, release_ms=5.0,
                                                lookahead_ms=0.05),
                                      dict(threshold_db=0.0, ceiling_db=-6.0, release_ms=500.0, lookahead_ms=5.0)])
def test_limiter_never_exceeds_ceiling(make, channels, settings):
    x = make(48000, channels)
    y = run_kernel(limiter, limiter.limiter_kernel, x, **settings)
    ceiling = 10 ** (settings["ceiling_db"] / 20)
    assert np.max(np.abs(y.astype(np.float64))) <= ceiling
    # and it is a limiter, not a mute: the loud parts reach within 1 dB of the ceiling
    assert np.max(np.abs(y)) >= ceiling * 10 ** (-1 / 20)


def test_limiter_ceiling_holds_without_the_final_clamp():
    """The envelope alone keeps the ceiling (to float rounding): the clamp is only a safety net."""
    x = _clipped_drums(48000, 2)
    ref = limiter_reference(x, FS, **LIM)
    assert np.max(np.abs(ref)) <= 10 ** (LIM["ceiling_db"] / 20) * (1 + 1e-12)


def test_limiter_block_partition_invariant():
    x = _clipped_drums(40000, 2)
    ramp = {"threshold_db": np.linspace(-20.0, -3.0, 40000)}
    whole = run_kernel(limiter, limiter.limiter_kernel, x, per_sample=ramp, lookahead_ms=3.0)
    parts = run_kernel(limiter, limiter.limiter_kernel, x, per_sample=ramp, lookahead_ms=3.0,
                       sizes=random_partition(40000, np.random.default_rng(9), high=500))
    np.testing.assert_array_equal(whole, parts)
