"""biquad and eq kernels against the RBJ Audio-Eq-Cookbook and scipy.signal
(docs/maths/everyday-effects.md §3, §4)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal

from rtaudio.processors import biquad, eq

from _fx import run_kernel
from _signals import noise, random_partition

FS = 48000.0


def cookbook(kind: str, f0: float, q: float, gain_db: float, fs: float = FS):
    """(b, a) straight from the cookbook's tables, written independently of the kernel."""
    A = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / fs
    c, s = np.cos(w0), np.sin(w0)
    al = s / (2 * q)
    sq = 2 * np.sqrt(A) * al
    table = {
        "lowpass": ([(1 - c) / 2, 1 - c, (1 - c) / 2], [1 + al, -2 * c, 1 - al]),
        "highpass": ([(1 + c) / 2, -(1 + c), (1 + c) / 2], [1 + al, -2 * c, 1 - al]),
        "bandpass": ([al, 0, -al], [1 + al, -2 * c, 1 - al]),
        "notch": ([1, -2 * c, 1], [1 + al, -2 * c, 1 - al]),
        "peak": ([1 + al * A, -2 * c, 1 - al * A], [1 + al / A, -2 * c, 1 - al / A]),
        "lowshelf": ([A * ((A + 1) - (A - 1) * c + sq), 2 * A * ((A - 1) - (A + 1) * c),
                      A * ((A + 1) - (A - 1) * c - sq)],
                     [(A + 1) + (A - 1) * c + sq, -2 * ((A - 1) + (A + 1) * c), (A + 1) + (A - 1) * c - sq]),
        "highshelf": ([A * ((A + 1) + (A - 1) * c + sq), -2 * A * ((A - 1) + (A + 1) * c),
                       A * ((A + 1) + (A - 1) * c - sq)],
                      [(A + 1) - (A - 1) * c + sq, 2 * ((A - 1) - (A + 1) * c), (A + 1) - (A - 1) * c - sq]),
        "allpass": ([1 - al, -2 * c, 1 + al], [1 + al, -2 * c, 1 - al]),
    }
    b, a = table[kind]
    return np.array(b, dtype=np.float64), np.array(a, dtype=np.float64)


CASES = [(kind, f0, q, g) for kind in biquad.TYPES
         for (f0, q, g) in [(80.0, 0.7071, 6.0), (1000.0, 2.0, -9.0), (9000.0, 0.5, 12.0)]]
TEST_FREQS = np.geomspace(25.0, 22000.0, 20)


def rel_rms(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)) / np.sqrt(np.mean(b ** 2)))


@pytest.mark.parametrize("kind,f0,q,gain_db", CASES)
def test_biquad_matches_lfilter(kind, f0, q, gain_db):
    """float32 output within 1e-5 relative RMS of scipy.signal.lfilter (float64) with cookbook coefficients."""
    x = noise(48000, 2, seed=5)
    y = run_kernel(biquad, biquad.biquad_kernel, x, type=kind, freq_hz=f0, q=q, gain_db=gain_db)
    b, a = cookbook(kind, f0, q, gain_db)
    ref = scipy.signal.lfilter(b, a, x.astype(np.float64), axis=0)
    assert rel_rms(y.astype(np.float64), ref) <= 1e-5


@pytest.mark.parametrize("kind,f0,q,gain_db", CASES)
def test_biquad_magnitude_matches_freqz(kind, f0, q, gain_db):
    """|H| from the kernel's impulse response at 20 frequencies equals freqz within 0.01 dB
    (or 1e-4 absolute where the response is a deep notch/stop band)."""
    impulse = np.zeros((1 << 16, 1), np.float32)
    impulse[0] = 1.0
    h = run_kernel(biquad, biquad.biquad_kernel, impulse, type=kind, freq_hz=f0, q=q, gain_db=gain_db)[:, 0]
    n = np.arange(h.size)
    measured = np.abs(np.exp(-2j * np.pi * np.outer(TEST_FREQS / FS, n)) @ h.astype(np.float64))
    _, expected = scipy.signal.freqz(*cookbook(kind, f0, q, gain_db), worN=TEST_FREQS, fs=FS)
    expected = np.abs(expected)
    close_db = np.abs(20 * np.log10(np.maximum(measured, 1e-12) / np.maximum(expected, 1e-12))) <= 0.01
    close_abs = np.abs(measured - expected) <= 1e-4
    assert np.all(close_db | close_abs), (measured, expected)


def test_biquad_block_partition_invariant_while_sweeping():
    x = noise(30000, 2, seed=2)
    sweep = {"freq_hz": np.geomspace(200.0, 8000.0, 30000), "q": np.linspace(0.5, 4.0, 30000)}
    whole = run_kernel(biquad, biquad.biquad_kernel, x, per_sample=sweep, type="peak", gain_db=9.0)
    sizes = random_partition(30000, np.random.default_rng(7), high=1000)
    parts = run_kernel(biquad, biquad.biquad_kernel, x, sizes=sizes, per_sample=sweep, type="peak", gain_db=9.0)
    np.testing.assert_array_equal(whole, parts)


def test_biquad_sweep_matches_time_varying_reference():
    """Per-sample coefficient updates: a float64 loop with cookbook coefficients per sample."""
    frames = 6000
    x = noise(frames, 1, seed=4)
    f = np.geomspace(300.0, 6000.0, frames)
    y = run_kernel(biquad, biquad.biquad_kernel, x, per_sample={"freq_hz": f}, type="lowpass", q=1.5)
    z1 = z2 = 0.0
    ref = np.empty(frames)
    for i in range(frames):
        b, a = cookbook("lowpass", f[i], 1.5, 0.0)
        b, a = b / a[0], a / a[0]
        xi = float(x[i, 0])
        yi = b[0] * xi + z1
        z1 = b[1] * xi - a[1] * yi + z2
        z2 = b[2] * xi - a[2] * yi
        ref[i] = yi
    assert rel_rms(y[:, 0].astype(np.float64), ref) <= 1e-5


def test_eq_equals_five_cookbook_sections_in_series():
    settings = dict(low_freq_hz=120.0, low_gain_db=4.0, mid1_freq_hz=400.0, mid1_gain_db=-6.0, mid1_q=1.4,
                    mid2_freq_hz=1500.0, mid2_gain_db=3.0, mid2_q=0.8, mid3_freq_hz=5000.0, mid3_gain_db=-2.0,
                    mid3_q=2.0, high_freq_hz=10000.0, high_gain_db=5.0)
    x = noise(48000, 2, seed=9)
    y = run_kernel(eq, eq.eq_kernel, x, **settings)
    ref = x.astype(np.float64)
    s = settings
    for kind, f0, q, g in [("lowshelf", s["low_freq_hz"], 1 / math.sqrt(2), s["low_gain_db"]),
                           ("peak", s["mid1_freq_hz"], s["mid1_q"], s["mid1_gain_db"]),
                           ("peak", s["mid2_freq_hz"], s["mid2_q"], s["mid2_gain_db"]),
                           ("peak", s["mid3_freq_hz"], s["mid3_q"], s["mid3_gain_db"]),
                           ("highshelf", s["high_freq_hz"], 1 / math.sqrt(2), s["high_gain_db"])]:
        ref = scipy.signal.lfilter(*cookbook(kind, f0, q, g), ref, axis=0)
    assert rel_rms(y.astype(np.float64), ref) <= 1e-5


def test_eq_flat_by_default():
    x = noise(8000, 1, seed=1)
    y = run_kernel(eq, eq.eq_kernel, x)
    assert rel_rms(y.astype(np.float64), x.astype(np.float64)) <= 1e-6
