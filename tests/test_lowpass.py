"""LowPass against scipy.signal (docs/maths/lowpass.md)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal

from rtaudio import LowPass
from rtaudio.kernels.reference.lowpass import lowpass_process
from rtaudio.processors.lowpass import A_AT_NYQUIST, alpha_to_cutoff, cutoff_to_alpha

from _signals import noise

FS = 48000.0


def lfilter_reference(x: np.ndarray, a: float) -> np.ndarray:
    """scipy.signal.lfilter per channel in float64 (docs/maths/lowpass.md §2.5)."""
    return scipy.signal.lfilter([a], [1.0, -(1.0 - a)], x.astype(np.float64), axis=0)


@pytest.mark.parametrize("cutoff_hz", [20.0, 100.0, 1000.0, 5000.0, 15000.0, 23000.0])
def test_cutoff_is_exact_minus_3db_point(cutoff_hz):
    """|H| at cutoff_hz is -3.0103 dB (scipy.signal.freqz), tolerance 1e-6 dB."""
    a = cutoff_to_alpha(cutoff_hz, FS)
    _, h = scipy.signal.freqz([a], [1.0, -(1.0 - a)], worN=[cutoff_hz], fs=FS)
    assert 20 * np.log10(abs(h[0])) == pytest.approx(10 * math.log10(0.5), abs=1e-6)


def test_alpha_cutoff_inverse():
    for cutoff_hz in (10.0, 440.0, 3000.0, 20000.0, 23999.0):
        a = cutoff_to_alpha(cutoff_hz, FS)
        assert alpha_to_cutoff(a, FS) == pytest.approx(cutoff_hz, rel=1e-9)
    assert cutoff_to_alpha(FS / 2 * (1 - 1e-12), FS) == pytest.approx(A_AT_NYQUIST, abs=1e-9)
    assert alpha_to_cutoff(0.9, FS) == math.inf  # 0.9 > 2*sqrt(2)-2: never -3 dB


def test_measured_attenuation_at_cutoff_on_c_kernel():
    """A steady 1 kHz sine through the C filter set to 1 kHz loses 3.01 ± 0.01 dB."""
    t = np.arange(int(FS)) / FS
    x = np.sin(2 * np.pi * 1000.0 * t).astype(np.float32)
    y = LowPass(cutoff_hz=1000.0)(x, FS)
    tail = slice(int(0.5 * FS), None)
    gain_db = 20 * np.log10(np.sqrt(np.mean(y[tail].astype(np.float64) ** 2)) /
                            np.sqrt(np.mean(x[tail].astype(np.float64) ** 2)))
    assert gain_db == pytest.approx(-3.0103, abs=0.01)


def test_reference_matches_lfilter_float64():
    """float64 reference kernel vs lfilter: max |Δ| <= 1e-12 (docs/maths/lowpass.md §2.5)."""
    x = noise(20000, 2, seed=3).astype(np.float64)
    lp = LowPass(cutoff_hz=1234.5, backend="reference")
    lp.prepare(FS, 2)
    buf = x.copy()
    lowpass_process(lp._params, lp._smooth, lp._state, lp._counters, buf)
    expected = lfilter_reference(x, lp.alpha)
    assert np.max(np.abs(buf - expected)) <= 1e-12


@pytest.mark.parametrize("backend", ["c", "numba", "reference"])
@pytest.mark.parametrize("channels", [1, 2, 5])
def test_backends_match_lfilter_float32(backend, channels):
    """float32 output vs float64 lfilter: relative RMS error <= 1e-5 and
    max |Δ| <= 2^-23·max(1,|y|) (docs/maths/lowpass.md §2.5)."""
    x = noise(30000, channels, seed=4)
    lp = LowPass(cutoff_hz=3000.0, backend=backend)
    y = lp(x, FS)
    expected = lfilter_reference(x, lp.alpha)
    err = y.astype(np.float64) - expected
    assert np.sqrt(np.mean(err ** 2)) / np.sqrt(np.mean(expected ** 2)) <= 1e-5
    assert np.all(np.abs(err) <= 2.0 ** -23 * np.maximum(1.0, np.abs(expected)))


def test_alpha_parameter_is_the_papers_raw_coefficient():
    x = noise(4000, 1, seed=5)
    y = LowPass(alpha=0.25)(x, FS)
    expected = lfilter_reference(x, 0.25)
    assert np.max(np.abs(y - expected)) <= 2.0 ** -23


def test_parameter_change_is_smoothed_per_spec_0_4():
    """After a cutoff change the coefficient follows c[n] = t + (c[n-1]-t)·s,
    s = exp(-1/(0.01 fs)); checked by an independent float64 simulation."""
    x = noise(4800, 1, seed=6).astype(np.float32)
    lp = LowPass(cutoff_hz=500.0)
    lp.prepare(FS, 1)
    first, second = x[:1000].copy(), x[1000:].copy()
    lp.process(first)
    a_old = lp.alpha
    lp.cutoff_hz = 8000.0
    a_new = lp.alpha
    lp.process(second)
    # independent simulation
    s = math.exp(-1.0 / (0.010 * FS))
    y1, a = 0.0, a_old
    expected = []
    for n, value in enumerate(x[:, 0].astype(np.float64)):
        if n >= 1000 and a != a_new:
            a = a_new + (a - a_new) * s
            if abs(a - a_new) <= 1e-12 * max(1.0, abs(a_new)):
                a = a_new
        y = a * value + (1.0 - a) * y1
        expected.append(y)
        y1 = y
    got = np.concatenate([first[:, 0], second[:, 0]]).astype(np.float64)
    assert np.max(np.abs(got - np.asarray(expected))) <= 2.0 ** -23
    # and it is really smoothed: the coefficient reaches 1-1/e of the jump after 10 ms
    assert not np.allclose(got[1000:1480], lfilter_reference(x, a_new)[1000:1480, 0], atol=1e-3)


def test_after_reset_smoother_sits_on_target():
    lp = LowPass(cutoff_hz=500.0)
    lp.prepare(FS, 1)
    lp.cutoff_hz = 5000.0
    lp.reset()
    x = noise(2000, 1, seed=7)
    y = x.copy()
    lp.process(y)
    assert np.max(np.abs(y - lfilter_reference(x, lp.alpha))) <= 2.0 ** -23
