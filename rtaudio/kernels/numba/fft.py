"""Real FFT autocorrelation in Numba, mirror of ``native/fft.c``.

Numba's nopython mode cannot call ``numpy.fft``, so this is the same
radix-2 decimation-in-time complex FFT of size ``n/2`` with the real
packing trick, same tables (``rtaudio.kernels.fft_tables``), same
operation order (no FMA contraction), hence the same bits as the C code.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, fastmath=False)
def fft_complex(z: np.ndarray, n: int, cos_m: np.ndarray, sin_m: np.ndarray,
                bitrev: np.ndarray, inverse: bool) -> None:
    """In-place complex FFT of size ``n/2`` on interleaved (re, im) doubles."""
    m = n // 2
    sign = 1.0 if inverse else -1.0
    for j in range(m):
        k = bitrev[j]
        if k > j:
            t = z[2 * j]
            z[2 * j] = z[2 * k]
            z[2 * k] = t
            t = z[2 * j + 1]
            z[2 * j + 1] = z[2 * k + 1]
            z[2 * k + 1] = t
    for s in range(0, m, 2):  # stage len = 2, twiddle 1
        a = 2 * s
        b = a + 2
        tr = z[b]
        ti = z[b + 1]
        z[b] = z[a] - tr
        z[b + 1] = z[a + 1] - ti
        z[a] = z[a] + tr
        z[a + 1] = z[a + 1] + ti
    length = 4
    while length <= m:
        half = length >> 1
        step = m // length
        for j in range(half):
            wr = cos_m[j * step]
            wi = sign * sin_m[j * step]
            for s in range(j, m, length):
                a = 2 * s
                b = 2 * (s + half)
                tr = z[b] * wr - z[b + 1] * wi
                ti = z[b] * wi + z[b + 1] * wr
                z[b] = z[a] - tr
                z[b + 1] = z[a + 1] - ti
                z[a] = z[a] + tr
                z[a + 1] = z[a + 1] + ti
        length <<= 1


@njit(nogil=True, cache=True, fastmath=False)
def autocorr(x: np.ndarray, length: int, n: int, cos_m: np.ndarray, sin_m: np.ndarray,
             cos_n: np.ndarray, sin_n: np.ndarray, bitrev: np.ndarray, work: np.ndarray,
             out: np.ndarray, nlags: int) -> None:
    """``out[j] = irfft(|rfft(x[:length], n)|², n)[j]`` for ``j < nlags``."""
    m = n // 2
    for i in range(n):
        work[i] = x[i] if i < length else 0.0
    fft_complex(work, n, cos_m, sin_m, bitrev, False)
    p0 = n  # power[k] = work[n + k], k = 0..m
    work[p0] = (work[0] + work[1]) * (work[0] + work[1])
    work[p0 + m] = (work[0] - work[1]) * (work[0] - work[1])
    for k in range(1, m):
        ar = work[2 * k]
        ai = work[2 * k + 1]
        br = work[2 * (m - k)]
        bi = -work[2 * (m - k) + 1]
        er = (ar + br) * 0.5
        ei = (ai + bi) * 0.5
        orr = (ai - bi) * 0.5
        oi = (br - ar) * 0.5
        c = cos_n[k]
        s = sin_n[k]
        xr = er + (c * orr + s * oi)
        xi = ei + (c * oi - s * orr)
        work[p0 + k] = xr * xr + xi * xi
    for k in range(m):
        e = (work[p0 + k] + work[p0 + m - k]) * 0.5
        h = (work[p0 + k] - work[p0 + m - k]) * 0.5
        work[2 * k] = e - h * sin_n[k]
        work[2 * k + 1] = h * cos_n[k]
    fft_complex(work, n, cos_m, sin_m, bitrev, True)
    scale = 1.0 / m
    for j in range(nlags):
        out[j] = work[j] * scale
