"""gain and pan kernels against their closed forms (docs/maths/everyday-effects.md §1, §2)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rtaudio.processors import gain, pan

from _fx import run_kernel
from _signals import noise, random_partition

FS = 48000.0


@pytest.mark.parametrize("gain_db", [-96.0, -12.5, 0.0, 6.0, 36.0])
def test_gain_closed_form(gain_db):
    x = noise(4096, 2)
    y = run_kernel(gain, gain.gain_kernel, x, gain_db=gain_db)
    expected = (x.astype(np.float64) * 10.0 ** (gain_db / 20.0)).astype(np.float32)
    np.testing.assert_array_equal(y, expected)


def test_gain_follows_per_sample_values():
    x = noise(1000, 1)
    ramp = np.linspace(-20.0, 10.0, 1000)
    y = run_kernel(gain, gain.gain_kernel, x, per_sample={"gain_db": ramp})
    np.testing.assert_allclose(y[:, 0], x[:, 0] * 10.0 ** (ramp / 20.0), rtol=1e-6)


@pytest.mark.parametrize("position", [-1.0, -0.3, 0.0, 0.5, 1.0])
def test_pan_constant_power_closed_form(position):
    x = noise(4096, 2)
    y = run_kernel(pan, pan.pan_kernel, x, pan=position).astype(np.float64)
    theta = (position + 1.0) * math.pi / 4.0
    np.testing.assert_allclose(y[:, 0], x[:, 0] * math.sqrt(2) * math.cos(theta), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(y[:, 1], x[:, 1] * math.sqrt(2) * math.sin(theta), rtol=1e-6, atol=1e-9)
    # a centred (L = R) source keeps its power at every position
    same = np.repeat(x[:, :1], 2, axis=1)
    z = run_kernel(pan, pan.pan_kernel, same, pan=position).astype(np.float64)
    assert np.sum(z ** 2) == pytest.approx(np.sum(same.astype(np.float64) ** 2), rel=1e-6)


def test_pan_mono_passes_through():
    x = noise(512, 1)
    np.testing.assert_array_equal(run_kernel(pan, pan.pan_kernel, x, pan=0.7), x)


def test_gain_block_partition_invariant():
    x = noise(20000, 2)
    ramp = np.linspace(-30.0, 6.0, 20000)
    whole = run_kernel(gain, gain.gain_kernel, x, per_sample={"gain_db": ramp})
    sizes = random_partition(20000, np.random.default_rng(3), high=700)
    parts = run_kernel(gain, gain.gain_kernel, x, sizes=sizes, per_sample={"gain_db": ramp})
    np.testing.assert_array_equal(whole, parts)
