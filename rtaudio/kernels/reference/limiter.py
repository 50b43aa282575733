"""Float64 reference of the look-ahead limiter (docs/maths/everyday-effects.md §7).

Written with explicit window minima and sums over the whole history (no
deque, no running sum), so it checks the kernel's bookkeeping.
"""
from __future__ import annotations

import math

import numpy as np


def limiter_reference(x: np.ndarray, sample_rate: float, threshold_db: float, ceiling_db: float,
                      release_ms: float, lookahead_ms: float) -> np.ndarray:
    """Whole-signal limiter with constant parameters; output delayed by L = round(lookahead·fs)."""
    x = np.asarray(x, dtype=np.float64)
    frames = x.shape[0]
    lookahead = max(1, int(round(lookahead_ms * sample_rate / 1000.0)))
    pre = 10.0 ** ((ceiling_db - threshold_db) / 20.0)
    ceiling = 10.0 ** (ceiling_db / 20.0)
    alpha = math.exp(-1.0 / (release_ms / 1000.0 * sample_rate))
    xg = pre * x
    peak = np.max(np.abs(xg), axis=1)
    need = np.where(peak <= ceiling, 1.0, ceiling / np.maximum(peak, 1e-300))
    # before the first sample the required gain and the smoothed gain are 1
    need_hist = np.concatenate([np.ones(lookahead), need])
    released = np.empty(frames)
    r = 1.0
    for n in range(frames):
        m = float(np.min(need_hist[n:n + lookahead + 1]))
        r = m if m < r else min(alpha * r + (1.0 - alpha) * m, m)
        released[n] = r
    rel_hist = np.concatenate([np.ones(lookahead), released])
    env = np.array([np.sum(rel_hist[n:n + lookahead + 1]) / (lookahead + 1) for n in range(frames)])
    delayed = np.concatenate([np.zeros((lookahead, x.shape[1])), xg])[:frames]
    return env[:, None] * delayed
