"""delay kernel against its float64 reference and impulse-response taps
(docs/maths/everyday-effects.md §5)."""
from __future__ import annotations

import numpy as np
import pytest

from rtaudio.kernels.reference.delay import delay_reference
from rtaudio.processors import delay

from _fx import run_kernel
from _signals import noise, random_partition

FS = 48000.0


def test_impulse_response_taps_at_stated_positions():
    """time 10 ms = 480 samples, feedback 0.5, mix 1: taps 1, 0.5, 0.25, 0.125 at 480, 960, 1440, 1920."""
    x = np.zeros((2000, 1), np.float32)
    x[0] = 1.0
    y = run_kernel(delay, delay.delay_kernel, x, time_ms=10.0, feedback=0.5, mix=1.0, max_time_ms=50.0)[:, 0]
    expected = np.zeros(2000)
    expected[[480, 960, 1440, 1920]] = [1.0, 0.5, 0.25, 0.125]
    np.testing.assert_array_equal(y, expected.astype(np.float32))


def test_fractional_delay_interpolates_between_neighbours():
    x = np.zeros((100, 1), np.float32)
    x[0] = 1.0
    y = run_kernel(delay, delay.delay_kernel, x, time_ms=10.25 / 48.0, feedback=0.0, mix=1.0, max_time_ms=5.0)
    assert y[10, 0] == pytest.approx(0.75, abs=1e-7)
    assert y[11, 0] == pytest.approx(0.25, abs=1e-7)
    assert np.count_nonzero(y) == 2


@pytest.mark.parametrize("channels", [1, 2])
def test_matches_float64_reference_with_moving_time(channels):
    frames = 24000
    x = noise(frames, channels, seed=11)
    time_ms = 5.0 + 20.0 * (1.0 + np.sin(np.linspace(0, 6, frames)))  # gliding 5..45 ms
    y = run_kernel(delay, delay.delay_kernel, x, per_sample={"time_ms": time_ms}, feedback=0.6, mix=0.4,
                   max_time_ms=60.0)
    ref = delay_reference(x, FS, time_ms, 0.6, 0.4, 60.0)
    np.testing.assert_allclose(y, ref, rtol=0, atol=2e-7 * np.max(np.abs(ref)) + 1e-7)


def test_time_is_clamped_to_the_line():
    x = noise(5000, 1, seed=1)
    y = run_kernel(delay, delay.delay_kernel, x, time_ms=500.0, feedback=0.3, mix=0.7, max_time_ms=20.0)
    ref = delay_reference(x, FS, 500.0, 0.3, 0.7, 20.0)
    np.testing.assert_allclose(y, ref, atol=1e-6)


def test_block_partition_invariant():
    frames = 30000
    x = noise(frames, 2, seed=12)
    time_ms = np.linspace(3.0, 30.0, frames)
    whole = run_kernel(delay, delay.delay_kernel, x, per_sample={"time_ms": time_ms}, max_time_ms=40.0)
    sizes = random_partition(frames, np.random.default_rng(5), high=900)
    parts = run_kernel(delay, delay.delay_kernel, x, sizes=sizes, per_sample={"time_ms": time_ms},
                       max_time_ms=40.0)
    np.testing.assert_array_equal(whole, parts)


def test_smoothed_time_change_makes_no_click():
    """A 440 Hz tone through the delay while time_ms glides 100 → 120 ms over 10 ms (as the
    effect API's smoother delivers it): no sample-to-sample step larger than the tone's own."""
    frames = 48000
    t = np.arange(frames) / FS
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[:, None]
    time_ms = np.full(frames, 100.0)
    start = 24000
    # 10 ms one-pole approach to 120 ms
    time_ms[start:] = 120.0 - 20.0 * np.exp(-np.arange(frames - start) / (0.010 * FS))
    y = run_kernel(delay, delay.delay_kernel, x, per_sample={"time_ms": time_ms}, feedback=0.0, mix=1.0,
                   max_time_ms=200.0)[:, 0].astype(np.float64)
    steady_step = np.max(np.abs(np.diff(y[6000:start])))
    assert np.max(np.abs(np.diff(y[6000:]))) <= 1.2 * steady_step
