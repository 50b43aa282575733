"""LowPass Numba kernel (docs/maths/lowpass.md §2.1 + docs/maths/conventions.md §0.4), mirror of native/kernels/lowpass.c."""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from rtaudio.kernels.numba.common import flush, fma, smooth_step


@njit(nogil=True, cache=True, fastmath=False)
def lowpass_process(params: np.ndarray, smooth: np.ndarray, state: np.ndarray,
                    counters: np.ndarray, buf: np.ndarray) -> None:
    a_target = params[0]
    s = params[1]
    a = smooth[0]
    one_minus_a = 1.0 - a
    frames, channels = buf.shape
    nonfinite = 0
    for n in range(frames):
        if a != a_target:
            a = smooth_step(a, a_target, s)
            one_minus_a = 1.0 - a
        for ch in range(channels):
            x = np.float64(buf[n, ch])
            out_zero = np.float32(1.0)
            if not math.isfinite(x):  # docs/maths/conventions.md §0.5: state sees 0.0, output is 0.0
                x = 0.0
                out_zero = np.float32(0.0)
                nonfinite += 1
            y = fma(one_minus_a, state[ch], a * x)  # eq. 2.1 with one rounding, as native/kernels/lowpass.c
            buf[n, ch] = np.float32(y) * out_zero
            state[ch] = flush(y)
    smooth[0] = a
    counters[0] += nonfinite
