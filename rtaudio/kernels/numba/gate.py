"""NoiseGate Numba kernel (docs/maths/gate.md §1.4), mirror of native/kernels/gate.c."""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from rtaudio.kernels.numba.common import flush


@njit(nogil=True, cache=True, fastmath=False)
def gate_process(params: np.ndarray, state: np.ndarray, counters: np.ndarray, buf: np.ndarray) -> None:
    alpha_attack = params[0]
    alpha_release = params[1]
    threshold_lin = params[2]
    hold_samples = params[3]
    frames, channels = buf.shape
    nonfinite = 0
    for ch in range(channels):
        gs = state[ch, 0]
        count = state[ch, 1]
        for n in range(frames):
            x = np.float64(buf[n, ch])
            if not math.isfinite(x):
                x = 0.0
                nonfinite += 1
            xa = abs(x)
            gc = 1.0 if xa >= threshold_lin else 0.0
            if gc == 1.0:
                count = 0.0
            else:
                count = count + 1.0 if count + 1.0 < hold_samples + 1.0 else hold_samples + 1.0
            if gc > gs:
                gs = alpha_release * gs + (1.0 - alpha_release) * gc
            elif gc < gs and count > hold_samples:
                gs = alpha_attack * gs + (1.0 - alpha_attack) * gc
            buf[n, ch] = np.float32(x * gs)
            gs = flush(gs)
        state[ch, 0] = gs
        state[ch, 1] = count
    counters[0] += nonfinite
