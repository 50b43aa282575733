"""Float64 reference of the delay (docs/maths/everyday-effects.md §5), written without a ring buffer."""
from __future__ import annotations

import math

import numpy as np


def delay_reference(x: np.ndarray, sample_rate: float, time_ms, feedback, mix, max_time_ms: float) -> np.ndarray:
    """Whole-signal delay; per-sample parameters may be scalars or arrays of length ``len(x)``.

    ``w[n] = x[n] + feedback·r[n]`` with ``r[n] = w(n − d)`` linearly interpolated
    (``w`` = 0 before the start), ``y[n] = x[n] + mix·(r[n] − x[n])``.
    """
    x = np.asarray(x, dtype=np.float64)
    frames, channels = x.shape
    time_ms, feedback, mix = (np.broadcast_to(np.asarray(v, dtype=np.float64), (frames,))
                              for v in (time_ms, feedback, mix))
    dmax = float(int(math.ceil(max_time_ms * sample_rate / 1000.0)))
    w = np.zeros((frames, channels))
    y = np.zeros((frames, channels))

    def past(n: int, c: int) -> float:
        return w[n, c] if n >= 0 else 0.0

    for n in range(frames):
        d = min(max(time_ms[n] * sample_rate / 1000.0, 1.0), dmax)
        whole = math.floor(d)
        frac = d - whole
        for c in range(channels):
            near = past(n - whole, c)
            far = past(n - whole - 1, c)
            r = near + frac * (far - near)
            w[n, c] = x[n, c] + feedback[n] * r
            y[n, c] = x[n, c] + mix[n] * (r - x[n, c])
    return y
