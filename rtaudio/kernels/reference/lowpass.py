"""LowPass float64 reference: docs/maths/lowpass.md §2.1 with the smoother of docs/maths/conventions.md §0.4."""
from __future__ import annotations

import numpy as np

from rtaudio.kernels.reference.common import flush, sanitize, smooth_step


def lowpass_process(params: np.ndarray, smooth: np.ndarray, state: np.ndarray,
                    counters: np.ndarray, buf: np.ndarray) -> None:
    """Process ``buf`` (frames x channels) in place.

    ``buf`` is normally float32; a float64 buffer gets the unrounded float64
    result (used by tests that compare with scipy.signal.lfilter).
    """
    a_target, s = float(params[0]), float(params[1])
    a = float(smooth[0])
    y1 = [float(v) for v in state]
    frames, channels = buf.shape
    rows = buf.astype(np.float64).tolist()
    for n in range(frames):
        a = smooth_step(a, a_target, s)   # shared by all channels (docs/maths/lowpass.md §2.4)
        row = rows[n]
        for ch in range(channels):
            x, bad = sanitize(row[ch])
            counters[0] += bad
            y = a * x + (1.0 - a) * y1[ch]  # eq. 2.1
            row[ch] = 0.0 if bad else y     # docs/maths/conventions.md §0.5: the output is 0.0
            y1[ch] = flush(y)
    buf[...] = np.asarray(rows, dtype=np.float64).reshape(frames, channels)  # one rounding
    smooth[0] = a
    state[:] = y1
