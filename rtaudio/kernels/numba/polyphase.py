"""Polyphase up/down filters for Numba kernels, mirror of native/polyphase.h.

API and maths: rtaudio/kernels/polyphase.py (tables, summation order) and
specs/effects.md 3.5.

``pp_interp(taps, factor, hist, x, out)``
    push ``x`` into ``hist`` (57 values, newest first) and write the
    ``factor`` high-rate samples into ``out``.
``pp_decim(taps, factor, acc, v) -> y``
    consume the ``factor`` model outputs ``v`` of one base sample, update
    the 57 partial sums ``acc`` and return ``y[n]``.
"""
from __future__ import annotations

import numpy as np
from numba import njit

SPAN = 56
HIST = 57


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def pp_interp(taps: np.ndarray, factor: int, hist: np.ndarray, x: float, out: np.ndarray) -> None:
    for i in range(SPAN, 0, -1):
        hist[i] = hist[i - 1]
    hist[0] = x
    for j in range(factor):
        out[j] = 0.0
    for i in range(HIST):
        xi = hist[i]
        for j in range(factor):
            out[j] += taps[i, j] * xi


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def pp_decim(taps: np.ndarray, factor: int, acc: np.ndarray, v: np.ndarray) -> float:
    v0 = v[0]
    for i in range(HIST):
        acc[i] += taps[0, i] * v0
    y = acc[0]
    for i in range(SPAN):
        acc[i] = acc[i + 1]
    acc[SPAN] = 0.0
    for j in range(1, factor):
        vj = v[j]
        for i in range(SPAN):
            acc[i] += taps[j, i] * vj
    return y
