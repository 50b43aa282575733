"""NoiseGate against hand-computed behaviour of docs/maths/gate.md."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rtaudio import NoiseGate
from rtaudio.kernels.reference.gate import gate_process

FS = 48000.0


def gain_curve(gate: NoiseGate, x: np.ndarray) -> np.ndarray:
    """Gain y/x of a mono signal (x must be non-zero)."""
    y = gate(x, FS)
    return y.astype(np.float64) / x.astype(np.float64)


def reference_gain_float64(gate: NoiseGate, x: np.ndarray) -> np.ndarray:
    """Gain from the float64 reference kernel (no float32 rounding)."""
    gate.prepare(FS, 1)
    buf = x.astype(np.float64).reshape(-1, 1).copy()
    gate_process(gate._params, gate._state, gate._counters, buf)
    return buf[:, 0] / x.astype(np.float64)


def ten_to_ninety_samples(gain: np.ndarray, rising: bool) -> int:
    """Samples between the 10 % and 90 % points of a monotone ramp."""
    if rising:
        return int(np.argmax(gain >= 0.9) - np.argmax(gain >= 0.1))
    return int(np.argmax(gain <= 0.1) - np.argmax(gain <= 0.9))


@pytest.mark.parametrize("backend", ["c", "numba", "reference"])
@pytest.mark.parametrize("release_ms", [1.0, 20.0, 137.5])
def test_opening_ramp_10_90_equals_release_ms(backend, release_ms):
    """Gate starts closed (docs/maths/gate.md §1.5); a constant input above threshold opens it
    with a 10→90 % time of release_ms, ±1 sample (docs/maths/gate.md §1.6)."""
    gate = NoiseGate(threshold_db=-20.0, release_ms=release_ms, backend=backend)
    x = np.full(int(FS * release_ms / 1000 * 3) + 10, 0.5, dtype=np.float32)
    gain = gain_curve(gate, x)
    assert abs(ten_to_ninety_samples(gain, rising=True) - release_ms * FS / 1000) <= 1


@pytest.mark.parametrize("backend", ["c", "numba", "reference"])
@pytest.mark.parametrize("attack_ms,hold_ms", [(5.0, 10.0), (50.0, 0.0), (100.0, 3.3)])
def test_hold_then_closing_ramp(backend, attack_ms, hold_ms):
    """After the input falls below threshold the gain is frozen for exactly
    hold_samples samples, then falls geometrically by alpha_A per sample with
    a 10→90 % time of attack_ms ±1 sample (docs/maths/gate.md §1.4 and §1.6)."""
    gate = NoiseGate(threshold_db=-20.0, attack_ms=attack_ms, release_ms=0.0, hold_ms=hold_ms,
                     backend=backend)
    loud = np.full(100, 0.5, dtype=np.float32)
    quiet = np.full(int(FS * (attack_ms + hold_ms) / 1000 * 3) + 10, 0.01, dtype=np.float32)
    gain = gain_curve(gate, np.concatenate([loud, quiet]))
    assert np.all(gain[:100] == 1.0)  # release_ms = 0 opens at once
    hold = round(hold_ms * FS / 1000)
    after = gain[100:]
    assert np.all(after[:hold] == 1.0), "gain must stay frozen during the hold"
    if hold < len(after):
        assert after[hold] < 1.0, "closing must start right after the hold"
    alpha_a = math.exp(-math.log(9) / (FS * attack_ms / 1000))
    ratios = after[hold + 1:hold + 200] / after[hold:hold + 199]
    assert np.allclose(ratios, alpha_a, rtol=1e-6)
    assert abs(ten_to_ninety_samples(after[hold:], rising=False) - attack_ms * FS / 1000) <= 1


def test_threshold_comparison_is_at_or_above():
    """|x| >= T_lin opens; just below does not (docs/maths/gate.md §1.4 step 2)."""
    t_lin = 10 ** (-30.0 / 20)
    at = np.float32(t_lin)
    if float(at) < t_lin:  # smallest float32 at or above the threshold
        at = np.nextafter(at, np.float32(1))
    below = np.nextafter(at, np.float32(0))
    assert float(below) < t_lin <= float(at)
    at = NoiseGate(threshold_db=-30.0, release_ms=0.0)(np.full(10, at, np.float32), FS)
    below = NoiseGate(threshold_db=-30.0, release_ms=0.0)(np.full(10, below, np.float32), FS)
    assert np.all(at != 0.0) and np.all(below == 0.0)


def test_constant_input_converges_to_unity_gain():
    gain = gain_curve(NoiseGate(threshold_db=-40.0, release_ms=5.0), np.full(48000, 0.1, np.float32))
    assert gain[-1] == pytest.approx(1.0, abs=1e-6)


def test_float64_reference_geometric_decay_exact():
    """Reference in float64: during closing, g[n+1] = alpha_A·g[n] exactly."""
    gate = NoiseGate(threshold_db=-20.0, attack_ms=10.0, release_ms=0.0, hold_ms=1.0)
    x = np.concatenate([np.full(10, 0.5), np.full(2000, 0.01)])
    gain = reference_gain_float64(gate, x)
    hold = gate.hold_samples
    alpha_a = math.exp(-math.log(9) / (FS * 0.010))
    g = gain[10 + hold:10 + hold + 100]
    assert np.allclose(g[1:] / g[:-1], alpha_a, rtol=1e-13)


def test_hold_samples_rounds_half_to_even():
    gate = NoiseGate(hold_ms=0.0625)  # 0.0625 ms at 8 kHz = 0.5 samples -> 0
    gate.prepare(8000, 1)
    assert gate.hold_samples == 0
    gate.hold_ms = 0.1875  # 1.5 samples -> 2
    assert gate.hold_samples == 2


def test_shorter_hold_while_counting_closes_at_new_hold():
    """Changing hold_ms mid-hold behaves as if count were re-clamped (docs/maths/gate.md §1.5)."""
    gate = NoiseGate(threshold_db=-20.0, attack_ms=1.0, release_ms=0.0, hold_ms=100.0)
    gate.prepare(FS, 1)
    block = np.concatenate([np.full(10, 0.5), np.full(500, 0.01)]).astype(np.float32).reshape(-1, 1)
    gate.process(block)
    assert np.all(block[:, 0] / np.concatenate([np.full(10, 0.5), np.full(500, 0.01)]) > 0.999)
    gate.hold_ms = 1.0  # 48 samples, already exceeded: closing starts at the next sample
    nxt = np.full((10, 1), 0.01, dtype=np.float32)
    gate.process(nxt)
    alpha_a = math.exp(-math.log(9) / (FS * 0.001))
    assert nxt[0, 0] / 0.01 == pytest.approx(alpha_a, rel=1e-6)
