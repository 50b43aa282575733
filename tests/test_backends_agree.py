"""C vs Numba vs float64 reference on random signals and parameters (docs/maths/conventions.md §0.8).

Tolerance (docs/maths/gate.md §1.6, docs/maths/lowpass.md §2.5): max |Δ| <= 2^-23·max(1, |y|) after the final
float32 rounding. The gate's backends do identical float64 arithmetic. The
LowPass C and Numba kernels evaluate eq. 2.1 with one fused multiply-add
(native/kernels/lowpass.c) where the reference rounds twice; the float64 states
then differ by a few ulp (the recursion does not amplify them beyond
1/(1 − b) ulp), far below a float32 ulp, so float32 outputs differ by at
most 1 ulp and almost always not at all. C and Numba both call a correctly
rounded fma and stay bit-identical (checked below).
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtaudio import LowPass, NoiseGate

from _signals import bursts

ULP_BOUND = 2.0 ** -23


def run_all_backends(make, x, fs):
    return {backend: make(backend)(x, fs) for backend in ("c", "numba", "reference")}


def assert_agree(outputs):
    ref = outputs["reference"].astype(np.float64)
    for backend in ("c", "numba"):
        diff = np.abs(outputs[backend].astype(np.float64) - ref)
        assert np.all(diff <= ULP_BOUND * np.maximum(1.0, np.abs(ref))), backend


SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(threshold_db=st.floats(-80, 0), attack_ms=st.floats(0, 200), release_ms=st.floats(0, 200),
       hold_ms=st.floats(0, 100), channels=st.integers(1, 3), seed=st.integers(0, 10_000),
       fs=st.sampled_from([8000.0, 44100.0, 48000.0, 96000.0]))
def test_gate_backends_agree(threshold_db, attack_ms, release_ms, hold_ms, channels, seed, fs):
    x = bursts(3000, channels, seed=seed, sample_rate=fs)
    outputs = run_all_backends(lambda b: NoiseGate(threshold_db=threshold_db, attack_ms=attack_ms,
                                                   release_ms=release_ms, hold_ms=hold_ms, backend=b), x, fs)
    assert_agree(outputs)


@SETTINGS
@given(cutoff_frac=st.floats(1e-4, 0.4999), channels=st.integers(1, 3), seed=st.integers(0, 10_000),
       fs=st.sampled_from([8000.0, 44100.0, 48000.0, 192000.0]))
def test_lowpass_backends_agree(cutoff_frac, channels, seed, fs):
    x = bursts(3000, channels, seed=seed, sample_rate=fs)
    outputs = run_all_backends(lambda b: LowPass(cutoff_hz=cutoff_frac * fs, backend=b), x, fs)
    assert_agree(outputs)


def test_backends_agree_through_parameter_changes():
    """Smoothed coefficient changes mid-stream: all backends identical."""
    fs = 48000.0
    x = bursts(9000, 2, seed=9)
    outputs = {}
    for backend in ("c", "numba", "reference"):
        lp, gate = LowPass(cutoff_hz=300.0, backend=backend), NoiseGate(threshold_db=-30, backend=backend)
        lp.prepare(fs, 2)
        gate.prepare(fs, 2)
        out = x.copy()
        for i, start in enumerate(range(0, 9000, 1000)):
            lp.cutoff_hz = 300.0 * (i + 1)
            gate.threshold_db = -30.0 - i
            block = np.ascontiguousarray(out[start:start + 1000])
            gate.process(block)
            lp.process(block)
            out[start:start + 1000] = block
        outputs[backend] = out
    assert_agree(outputs)
    assert np.array_equal(outputs["c"], outputs["numba"])
