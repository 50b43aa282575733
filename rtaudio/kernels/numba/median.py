"""Numba mirror of ``native/kernels/median.c``: sliding-window median along
one axis (scipy ``median_filter`` with ``mode="reflect"``;
docs/maths/features.md §2)."""
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
    """Median of window ``size`` along the last axis of 2-D ``x`` into ``out``."""
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
                lo = 0
                hi = size - 1
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if win[mid] < old:
                        lo = mid + 1
                    else:
                        hi = mid
                p = lo
                if v > old:
                    while p + 1 < size and win[p + 1] < v:
                        win[p] = win[p + 1]
                        p += 1
                else:
                    while p > 0 and win[p - 1] > v:
                        win[p] = win[p - 1]
                        p -= 1
                win[p] = v
            out[line, i] = win[rank]
