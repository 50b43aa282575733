"""Polyphase oversampling filters (docs/maths/ringmod.md §4) against SciPy.

The C helpers (native/polyphase.h) are static inline and are tested
through the processors that use them (tests/test_ringmod.py compares the
C ring modulator bit for bit with the Numba one built on the helpers
tested here).
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

from rtaudio.kernels import polyphase as pp
from rtaudio.kernels.numba.polyphase import pp_decim, pp_interp
from rtaudio.kernels.reference import polyphase as ref_pp


@pytest.mark.parametrize("factor", [2, 3, 8, 30, 128])
def test_prototype_matches_scipy_firwin(factor):
    # Tolerance 1e-15 absolute: same formula, only rounding differences.
    ours = pp.design_prototype(factor)
    theirs = ss.firwin(56 * factor + 1, 1.0 / factor, window=("kaiser", 8.0))
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= 1e-15


def test_prototype_factor_one_is_a_pure_delay():
    h = pp.design_prototype(1)
    assert h.size == 57
    assert h[28] == pytest.approx(1.0, abs=1e-15)
    assert np.max(np.abs(np.delete(h, 28))) < 1e-15


@pytest.mark.parametrize("factor", [8, 30])
def test_prototype_response_meets_spec(factor):
    # Spec 3.5 [M]: ripple within ±0.001 dB up to 0.45·fs, >= 82 dB from 0.55·fs.
    h = pp.design_prototype(factor)
    w, H = ss.freqz(h, worN=1 << 15, fs=factor)  # frequency in units of the base rate
    mag_db = 20 * np.log10(np.maximum(np.abs(H), 1e-300))
    assert np.max(np.abs(mag_db[w <= 0.45])) <= 0.001
    assert np.max(mag_db[w >= 0.55]) <= -82.0
    assert pp.passband_ripple_db(factor) <= 0.001


def test_bad_factor_rejected():
    for bad in (0, 129, 2.5, True):
        with pytest.raises(ValueError, match="oversampling factor"):
            pp.design_prototype(bad)


def _run_numba(factor, x, v):
    ti, td = pp.interp_table(factor), pp.decim_table(factor)
    hist = np.zeros(pp.history_length())
    acc = np.zeros(pp.history_length())
    out = np.zeros(factor)
    up = np.empty(x.size * factor)
    down = np.empty(v.size // factor)
    for n in range(x.size):
        pp_interp(ti, factor, hist, x[n], out)
        up[n * factor:(n + 1) * factor] = out
    for n in range(down.size):
        down[n] = pp_decim(td, factor, acc, v[n * factor:(n + 1) * factor])
    return up, down


def _run_reference(factor, x, v):
    ti = pp.interp_table(factor).tolist()
    h = pp.design_prototype(factor).tolist()
    hist = [0.0] * pp.history_length()
    vhist = [0.0] * (56 * factor)
    up, down = [], []
    for n in range(x.size):
        up += ref_pp.interp(ti, factor, hist, float(x[n]))
    for n in range(v.size // factor):
        down.append(ref_pp.decim(h, factor, vhist, v[n * factor:(n + 1) * factor].tolist()))
    return np.array(up), np.array(down)


@pytest.mark.parametrize("factor", [1, 3, 8])
def test_numba_and_reference_match_scipy_upfirdn_and_lfilter(factor):
    rng = np.random.default_rng(factor)
    x = rng.standard_normal(300)
    v = rng.standard_normal(300 * factor)
    h = pp.design_prototype(factor)
    want_up = ss.upfirdn(factor * h, x, up=factor)[:x.size * factor]
    want_down = ss.lfilter(h, [1.0], v)[::factor]
    up, down = _run_numba(factor, x, v)
    # Tolerance 1e-12 (relative to unit-scale signals): same sums, SciPy
    # adds the terms in a different order.
    assert np.max(np.abs(up - want_up)) <= 1e-12
    assert np.max(np.abs(down - want_down)) <= 1e-12
    # Direct-form reference and transposed Numba form: identical sums.
    rup, rdown = _run_reference(factor, x, v)
    assert np.array_equal(up, rup)
    assert np.array_equal(down, rdown)


def test_up_down_pair_has_56_samples_latency_and_unit_gain():
    factor = 8
    fs = 48000.0
    n = np.arange(4000)
    x = np.sin(2 * np.pi * 1000.0 * n / fs)
    up, _ = _run_numba(factor, x, np.zeros(factor))
    _, down = _run_numba(factor, np.zeros(1), up)
    delayed = np.concatenate([np.zeros(pp.LATENCY_SAMPLES), x])[:x.size]
    # Passband ripple 0.001 dB -> amplitude error about 1.2e-4.
    assert np.max(np.abs(down[200:] - delayed[200:])) < 2e-4
