"""Denormals (docs/maths/conventions.md §0.6): decaying signals stay fast and finite; FTZ/DAZ control."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from rtaudio import LowPass, NoiseGate
from rtaudio._native import lib

FS = 48000.0
FRAMES = 400_000


def decaying_signal() -> np.ndarray:
    """An impulse then silence: the filter state decays through 1e-308 and below."""
    x = np.zeros((FRAMES, 1), dtype=np.float32)
    x[0] = 1.0
    return x


def best_time(func, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.parametrize("backend", ["c", "numba"])
def test_decay_reaches_exact_zero_and_stays_finite(backend):
    lp = LowPass(alpha=0.01, backend=backend)
    y = lp(decaying_signal(), FS)
    assert np.all(np.isfinite(y))
    assert lp._state[0] == 0.0, "the flush rule must set the decayed state to exactly 0"
    gate = NoiseGate(threshold_db=-20, attack_ms=20, hold_ms=0, backend=backend)
    x = decaying_signal()
    x[:1000] = 0.5
    gate(x, FS)
    assert gate._state[0, 0] == 0.0


@pytest.mark.parametrize("backend", ["c", "numba"])
def test_decaying_signal_is_not_slower_than_noise(backend):
    """Timings compared within this one run; generous bound of 2x."""
    lp = LowPass(alpha=0.01, backend=backend)
    decay = decaying_signal()
    noise = np.random.default_rng(0).standard_normal((FRAMES, 1)).astype(np.float32)
    lp(noise[:1000], FS)  # warm up (Numba compile, caches)
    t_decay = best_time(lambda: lp(decay, FS))
    t_noise = best_time(lambda: lp(noise, FS))
    print(f"{backend}: decay {t_decay * 1e9 / FRAMES:.2f} ns/sample, noise {t_noise * 1e9 / FRAMES:.2f} ns/sample")
    assert t_decay < 2.0 * t_noise


def test_ftz_daz_control_is_per_thread():
    result = {}

    def worker():
        result["before"] = lib.rtd_ftz_daz_enabled()
        previous = lib.rtd_enable_ftz_daz()
        result["during"] = lib.rtd_ftz_daz_enabled()
        lib.rtd_restore_fp_mode(previous)
        result["after"] = lib.rtd_ftz_daz_enabled()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert result == {"before": 0, "during": 1, "after": 0}
    assert lib.rtd_ftz_daz_enabled() == 0  # the main thread was never touched
