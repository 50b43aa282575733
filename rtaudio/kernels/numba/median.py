"""Numba mirror of ``native/kernels/median.c``: sliding-window median along
one axis (scipy ``median_filter`` with ``mode="reflect"``) and librosa's
soft mask (docs/maths/features.md §2)."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def _reflect_index(j: int, n: int) -> int:
    period = 2 * n
    j %= period
    if j < 0:
        j += period
    return j if j < n else period - 1 - j


@njit(nogil=True, cache=True, fastmath=False)
def median_filter_lines(x: np.ndarray, out: np.ndarray, size: int) -> None:
    """Median of window ``size`` along the last axis of 2-D ``x`` into ``out``
    (any strides)."""
    n_lines, n = x.shape
    half = size // 2
    rank = size // 2
    ext = np.empty(n + size - 1, dtype=x.dtype)
    win = np.empty(size, dtype=x.dtype)
    for line in range(n_lines):
        for j in range(n + size - 1):
            ext[j] = x[line, _reflect_index(j - half, n)]
        for i in range(size):
            v = ext[i]
            p = i
            while p > 0 and win[p - 1] > v:
                win[p] = win[p - 1]
                p -= 1
            win[p] = v
        out[line, 0] = win[rank]
        for i in range(1, n):
            old = ext[i - 1]
            v = ext[i + size - 1]
            if old != v:
                p_old = 0
                p_new = 0
                for q in range(size):
                    p_old += win[q] < old
                    p_new += win[q] < v
                if p_new > p_old:
                    for q in range(p_old, p_new - 1):
                        win[q] = win[q + 1]
                    win[p_new - 1] = v
                else:
                    for q in range(p_old, p_new, -1):
                        win[q] = win[q - 1]
                    win[p_new] = v
            out[line, i] = win[rank]


@njit(nogil=True, cache=True, fastmath=False)
def softmask(x: np.ndarray, ref: np.ndarray, margin: float, power: float, split: float,
             mask: np.ndarray) -> None:
    """librosa's soft mask of flat arrays (see ``rtd_softmask_f32``)."""
    tiny = np.finfo(x.dtype).tiny
    m = x.dtype.type(margin)
    for i in range(x.size):
        xv = x[i]
        rv = ref[i] if margin == 1.0 else ref[i] * m
        z = xv if xv > rv else rv
        if z < tiny:
            mask[i] = split
            continue
        a = xv / z
        b = rv / z
        if power == 2.0:
            a = a * a
            b = b * b
        elif power != 1.0:
            a = a ** x.dtype.type(power)
            b = b ** x.dtype.type(power)
        mask[i] = a / (a + b)
