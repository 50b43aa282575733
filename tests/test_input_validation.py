"""Bad input gives clear errors; non-finite samples never poison the state."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rtaudio import Chain, LowPass, NoiseGate


@pytest.mark.parametrize("audio,error,words", [
    (np.zeros(100, dtype=np.int16), TypeError, "int16"),
    (np.zeros(100, dtype=np.complex64), TypeError, "complex"),
    (np.array([None] * 10, dtype=object), TypeError, "object"),
    (np.zeros((10, 2, 2), dtype=np.float32), ValueError, "shape"),
    (np.zeros((10, 0), dtype=np.float32), ValueError, "no channels"),
])
def test_offline_rejects_bad_arrays(audio, error, words):
    with pytest.raises(error, match=words):
        LowPass()(audio, 48000)


def test_offline_accepts_float64_and_keeps_shape():
    x = np.linspace(-1, 1, 100)
    y = NoiseGate(threshold_db=-60)(x, 48000)
    assert y.dtype == np.float32 and y.shape == x.shape
    y2 = LowPass()(x.reshape(-1, 2), 48000)
    assert y2.shape == (50, 2)


def test_streaming_block_checks():
    lp = LowPass()
    with pytest.raises(RuntimeError, match="before prepare"):
        lp.process(np.zeros((4, 1), np.float32))
    lp.prepare(48000, 2)
    with pytest.raises(TypeError, match="float32"):
        lp.process(np.zeros((4, 2), np.float64))
    with pytest.raises(ValueError, match="shape"):
        lp.process(np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="prepared for 2"):
        lp.process(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="C-contiguous"):
        lp.process(np.zeros((4, 4), np.float32)[:, ::2])
    readonly = np.zeros((4, 2), np.float32)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        lp.process(readonly)
    empty = np.zeros((0, 2), np.float32)
    assert lp.process(empty) is empty


@pytest.mark.parametrize("name,value,words", [
    ("threshold_db", 5.0, r"out of range; valid range is \[-140, 0\] dB"),
    ("threshold_db", math.nan, "not finite"),
    ("attack_ms", -1.0, "out of range"),
    ("hold_ms", math.inf, "not finite"),
    ("release_ms", "10", "not a real number"),
    ("release_ms", True, "not a real number"),
    ("release_ms", 1j, "not a real number"),
])
def test_gate_parameter_errors_name_parameter_value_and_range(name, value, words):
    gate = NoiseGate()
    before = getattr(gate, name)
    with pytest.raises(ValueError, match=words) as info:
        setattr(gate, name, value)
    assert f"NoiseGate.{name}" in str(info.value)
    assert getattr(gate, name) == before  # old value stays in force


def test_lowpass_cutoff_range_depends_on_sample_rate():
    lp = LowPass(cutoff_hz=30000.0)  # no sample rate yet: only > 0 is checked
    with pytest.raises(ValueError, match=r"cutoff_hz = 30000.0 is out of range; valid range is \(0, 24000\) Hz"):
        lp.prepare(48000, 1)
    lp.prepare(96000, 1)
    with pytest.raises(ValueError, match="out of range"):
        lp.cutoff_hz = 48000.0
    with pytest.raises(ValueError, match="out of range"):
        LowPass(cutoff_hz=0.0)
    with pytest.raises(ValueError, match="alpha"):
        LowPass(alpha=1.5)


def test_unknown_parameter_and_backend():
    with pytest.raises(TypeError, match="unknown parameter.*cutoff"):
        NoiseGate(cutoff=3)
    with pytest.raises(ValueError, match="backend"):
        LowPass(backend="cuda")


@pytest.mark.parametrize("rate", [7999, 400000, "48000", math.nan])
def test_bad_sample_rate(rate):
    with pytest.raises(ValueError, match="sample_rate"):
        LowPass()(np.zeros(10), rate)


@pytest.mark.parametrize("backend", ["c", "numba", "reference"])
def test_nonfinite_samples_are_sanitised_and_counted(backend):
    """NaN/Inf become 0 in the output and never reach the state (docs/maths/conventions.md §0.5)."""
    x = np.random.default_rng(0).standard_normal((2000, 2)).astype(np.float32) * 0.3
    bad = x.copy()
    bad[100:110, 0] = np.nan
    bad[500, 1] = np.inf
    bad[501, 1] = -np.inf
    chain = Chain([NoiseGate(threshold_db=-60, backend=backend), LowPass(cutoff_hz=2000, backend=backend)])
    y = chain(bad, 48000)
    assert np.all(np.isfinite(y))
    for proc in (NoiseGate(threshold_db=-60, backend=backend), LowPass(cutoff_hz=2000, backend=backend)):
        out = proc(bad, 48000)
        assert np.all(out[100:110, 0] == 0.0) and np.all(out[500:502, 1] == 0.0), proc
    assert chain[0].nonfinite_count == 12  # 10 NaN + inf + -inf
    assert np.all(np.isfinite(chain[1]._state)) and np.all(np.isfinite(chain[0]._state))
    # the gate turns the bad samples into zeros, so the chain's output equals
    # processing clean zeros there (the low-pass only ever sees finite input)
    clean = x.copy()
    clean[100:110, 0] = 0.0
    clean[500:502, 1] = 0.0
    expected = Chain([NoiseGate(threshold_db=-60, backend=backend),
                      LowPass(cutoff_hz=2000, backend=backend)])(clean, 48000)
    assert np.array_equal(expected, y)
