"""Polyphase up/down filters for Numba kernels, mirror of native/polyphase.h.

API and maths: rtaudio/kernels/polyphase.py (tables, summation order) and
docs/maths/ringmod.md §4.

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
    # blocks of 8 outputs in registers; each output still sums ascending i from 0.0
    j = 0
    while j + 8 <= factor:
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for i in range(HIST):
            xi = hist[i]
            a0 += taps[i, j] * xi
            a1 += taps[i, j + 1] * xi
            a2 += taps[i, j + 2] * xi
            a3 += taps[i, j + 3] * xi
            a4 += taps[i, j + 4] * xi
            a5 += taps[i, j + 5] * xi
            a6 += taps[i, j + 6] * xi
            a7 += taps[i, j + 7] * xi
        out[j] = a0
        out[j + 1] = a1
        out[j + 2] = a2
        out[j + 3] = a3
        out[j + 4] = a4
        out[j + 5] = a5
        out[j + 6] = a6
        out[j + 7] = a7
        j += 8
    while j < factor:
        a = 0.0
        for i in range(HIST):
            a += taps[i, j] * hist[i]
        out[j] = a
        j += 1


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def pp_decim(taps: np.ndarray, factor: int, acc: np.ndarray, v: np.ndarray) -> float:
    v0 = v[0]
    for i in range(HIST):
        acc[i] += taps[0, i] * v0
    y = acc[0]
    for i in range(SPAN):
        acc[i] = acc[i + 1]
    acc[SPAN] = 0.0
    # SPAN = 56 = 7 blocks of 8 partial sums in registers; each still adds in j order
    for ib in range(0, SPAN, 8):
        a0 = acc[ib]
        a1 = acc[ib + 1]
        a2 = acc[ib + 2]
        a3 = acc[ib + 3]
        a4 = acc[ib + 4]
        a5 = acc[ib + 5]
        a6 = acc[ib + 6]
        a7 = acc[ib + 7]
        for j in range(1, factor):
            vj = v[j]
            a0 += taps[j, ib] * vj
            a1 += taps[j, ib + 1] * vj
            a2 += taps[j, ib + 2] * vj
            a3 += taps[j, ib + 3] * vj
            a4 += taps[j, ib + 4] * vj
            a5 += taps[j, ib + 5] * vj
            a6 += taps[j, ib + 6] * vj
            a7 += taps[j, ib + 7] * vj
        acc[ib] = a0
        acc[ib + 1] = a1
        acc[ib + 2] = a2
        acc[ib + 3] = a3
        acc[ib + 4] = a4
        acc[ib + 5] = a5
        acc[ib + 6] = a6
        acc[ib + 7] = a7
    return y
