"""Tables of rtaudio's own real FFT (``native/kernels/fft.c``, ``kernels/numba/fft.py``).

Built once at prepare time in float64 NumPy arrays that the C and Numba
kernels read (no allocation in the audio path). See ``native/rtd_fft.h``
for the method: a radix-2 complex FFT of size ``m = n/2`` (split re/im,
decimation in frequency; the inverse is decimation in time or the forward
stages on swapped re/im) plus the real packing ``z[k] = x[2k] + i·x[2k+1]``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def fft_length_for_autocorr(length: int) -> int:
    """Smallest power of two ``n >= max(16, 2·length − 1)``: the zero-padded
    length that makes the circular autocorrelation equal the linear one."""
    need = max(16, 2 * int(length) - 1)
    return 1 << (need - 1).bit_length()


@dataclass(frozen=True)
class FftTables:
    """Twiddle and bit-reversal tables for a real FFT of length ``n``.

    Attributes
    ----------
    n : int
        Real transform length (power of two, ≥ 16).
    cos_m, sin_m : numpy.ndarray
        Complex FFT twiddles per span (``m = n/2``): entry ``h + j`` holds
        ``cos, sin(πj/h)`` for ``h = 1, 2, 4, …, m/2`` and ``j < h``
        (entry 0 unused).
    cos_n, sin_n : numpy.ndarray
        ``cos, sin(2πk/n)`` for ``k < m``: real split twiddles.
    bitrev : numpy.ndarray
        int32 bit reversal of ``j`` on ``log2(m)`` bits, ``j < m``.
    """

    n: int
    cos_m: np.ndarray
    sin_m: np.ndarray
    cos_n: np.ndarray
    sin_n: np.ndarray
    bitrev: np.ndarray


def make_fft_tables(n: int) -> FftTables:
    """Tables for a real FFT of length ``n`` (a power of two ≥ 16)."""
    if n < 16 or n & (n - 1):
        raise ValueError(f"FFT length n = {n} must be a power of two >= 16")
    m = n // 2
    cos_m = np.zeros(m)
    sin_m = np.zeros(m)
    h = 1
    while h < m:
        angle = np.pi * np.arange(h, dtype=np.float64) / h
        cos_m[h:2 * h] = np.cos(angle)
        sin_m[h:2 * h] = np.sin(angle)
        h *= 2
    k = np.arange(m, dtype=np.float64)
    bits = m.bit_length() - 1
    idx = np.arange(m, dtype=np.int64)
    rev = np.zeros(m, dtype=np.int64)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    return FftTables(
        n=n,
        cos_m=cos_m,
        sin_m=sin_m,
        cos_n=np.ascontiguousarray(np.cos(2.0 * np.pi * k / n)),
        sin_n=np.ascontiguousarray(np.sin(2.0 * np.pi * k / n)),
        bitrev=rev.astype(np.int32),
    )
