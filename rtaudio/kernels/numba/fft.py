"""Real FFTs in Numba, mirror of ``native/kernels/fft.c``.

Numba's nopython mode cannot call ``numpy.fft``, so this is the same
radix-2 complex FFT of size ``n/2`` in split form (decimation in
frequency forward; inverse in time for ``autocorr``, the forward stages
on swapped re/im for ``irfft``) with the real packing trick, the same
tables (``rtaudio.kernels.fft_tables``) and the same per-element
operation order (no FMA contraction), hence the same bits as C. C fuses
stages (radix-2², a transposed last-two-stage kernel) without changing
any element's operations; here they stay plain radix-2 passes.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, fastmath=False)
def _dif_stage(re, im, m, h, ct, st):
    """Decimation-in-frequency stage of span h (forward, w = exp(−iπj/h)).

    Slices with a plain ``j`` index let LLVM vectorise the loop (compound
    indices keep Numba's negative-index wraparound checks in the loop).
    """
    c = ct[h:2 * h]
    s = st[h:2 * h]
    for b in range(0, m, 2 * h):
        ar = re[b:b + h]
        ai = im[b:b + h]
        br = re[b + h:b + 2 * h]
        bi = im[b + h:b + 2 * h]
        for j in range(h):
            dr = ar[j] - br[j]
            di = ai[j] - bi[j]
            ar[j] = ar[j] + br[j]
            ai[j] = ai[j] + bi[j]
            br[j] = dr * c[j] + di * s[j]
            bi[j] = di * c[j] - dr * s[j]


@njit(nogil=True, cache=True, fastmath=False)
def _dit_stage(re, im, m, h, ct, st):
    """Decimation-in-time stage of span h (inverse, w = exp(+iπj/h))."""
    c = ct[h:2 * h]
    s = st[h:2 * h]
    for b in range(0, m, 2 * h):
        ar = re[b:b + h]
        ai = im[b:b + h]
        br = re[b + h:b + 2 * h]
        bi = im[b + h:b + 2 * h]
        for j in range(h):
            tr = br[j] * c[j] - bi[j] * s[j]
            ti = bi[j] * c[j] + br[j] * s[j]
            br[j] = ar[j] - tr
            bi[j] = ai[j] - ti
            ar[j] = ar[j] + tr
            ai[j] = ai[j] + ti


@njit(nogil=True, cache=True, fastmath=False)
def _dif_last2(re, im, m):
    """Spans 2 and 1 fused (forward): span-2 twiddles exactly 1 and −i."""
    for b in range(0, m, 4):
        r0 = re[b] + re[b + 2]
        i0 = im[b] + im[b + 2]
        r2 = re[b] - re[b + 2]
        i2 = im[b] - im[b + 2]
        r1 = re[b + 1] + re[b + 3]
        i1 = im[b + 1] + im[b + 3]
        r3 = im[b + 1] - im[b + 3]
        i3 = re[b + 3] - re[b + 1]
        re[b] = r0 + r1
        im[b] = i0 + i1
        re[b + 1] = r0 - r1
        im[b + 1] = i0 - i1
        re[b + 2] = r2 + r3
        im[b + 2] = i2 + i3
        re[b + 3] = r2 - r3
        im[b + 3] = i2 - i3


@njit(nogil=True, cache=True, fastmath=False)
def _dit_first2(re, im, m):
    """Spans 1 and 2 fused (inverse): span-2 twiddles exactly 1 and +i."""
    for b in range(0, m, 4):
        r0 = re[b] + re[b + 1]
        i0 = im[b] + im[b + 1]
        r1 = re[b] - re[b + 1]
        i1 = im[b] - im[b + 1]
        r2 = re[b + 2] + re[b + 3]
        i2 = im[b + 2] + im[b + 3]
        r3 = im[b + 3] - im[b + 2]
        i3 = re[b + 2] - re[b + 3]
        re[b] = r0 + r2
        im[b] = i0 + i2
        re[b + 2] = r0 - r2
        im[b + 2] = i0 - i2
        re[b + 1] = r1 + r3
        im[b + 1] = i1 + i3
        re[b + 3] = r1 - r3
        im[b + 3] = i1 - i3


@njit(nogil=True, cache=True, fastmath=False)
def autocorr(x, length, n, ct, st, cos_n, sin_n, bitrev, work, out, nlags):
    """``out[j] = irfft(|rfft(x[:length], n)|², n)[j]`` for ``j < nlags``.

    Needs ``length <= n/2``, ``n >= 16``, ``nlags <= n/2``; ``work`` holds
    at least ``2n + 1`` doubles.
    """
    m = n // 2
    re = work[0:m]
    im = work[m:2 * m]
    power = work[2 * m:3 * m + 1]
    _forward_packed(x, length, m, ct, st, re, im)   # pack + DIF (zero upper half)

    power[0] = (re[0] + im[0]) * (re[0] + im[0])
    power[m] = (re[0] - im[0]) * (re[0] - im[0])
    for k in range(1, m):  # real split, power = |X[k]|²
        p = bitrev[k]
        q = bitrev[m - k]
        ar = re[p]
        ai = im[p]
        br = re[q]
        bi = -im[q]
        er = (ar + br) * 0.5
        ei = (ai + bi) * 0.5
        orr = (ai - bi) * 0.5
        oi = (br - ar) * 0.5
        c = cos_n[k]
        s = sin_n[k]
        xr = er + (c * orr + s * oi)
        xi = ei + (c * oi - s * orr)
        power[k] = xr * xr + xi * xi

    for k in range(m):  # inverse split, stored bit-reversed for the DIT
        e = (power[k] + power[m - k]) * 0.5
        hk = (power[k] - power[m - k]) * 0.5
        p = bitrev[k]
        re[p] = e - hk * sin_n[k]
        im[p] = hk * cos_n[k]
    _dit_first2(re, im, m)
    h = 4
    while h < m // 2:
        _dit_stage(re, im, m, h, ct, st)
        h <<= 1
    h = m // 2
    jmax = min((nlags + 1) // 2, h)
    cw = ct[h:2 * h]
    sw = st[h:2 * h]
    re_hi = re[h:m]
    im_hi = im[h:m]
    for j in range(jmax):  # last stage: only the lags asked for
        tr = re_hi[j] * cw[j] - im_hi[j] * sw[j]
        ti = im_hi[j] * cw[j] + re_hi[j] * sw[j]
        re[j] = re[j] + tr
        im[j] = im[j] + ti
    scale = 1.0 / m
    for j in range(nlags):
        out[j] = (im[j >> 1] if j & 1 else re[j >> 1]) * scale


# ------------------------------------------------------------------ block path
# Mirrors of rtd_rfft, rtd_irfft and rtd_conj_product (native/kernels/fft.c).

@njit(nogil=True, cache=True, fastmath=False)
def _forward_packed(x, length, m, ct, st, re, im):
    """Pack ``z[k] = x[2k] + i·x[2k+1]`` (zero-padded) and run the forward
    DIF FFT of size ``m``: ``Z[k]`` at position ``bitrev[k]``."""
    h = m // 2
    cw = ct[h:2 * h]
    sw = st[h:2 * h]
    re_hi = re[h:m]
    im_hi = im[h:m]
    for j in range(h):  # first DIF stage: the upper half is zero padding
        ar = x[2 * j] if 2 * j < length else 0.0
        ai = x[2 * j + 1] if 2 * j + 1 < length else 0.0
        re[j] = ar
        im[j] = ai
        re_hi[j] = ar * cw[j] + ai * sw[j]
        im_hi[j] = ai * cw[j] - ar * sw[j]
    h = m // 4
    while h >= 4:
        _dif_stage(re, im, m, h, ct, st)
        h >>= 1
    _dif_last2(re, im, m)


@njit(nogil=True, cache=True, fastmath=False)
def rfft(x, length, n, ct, st, cos_n, sin_n, bitrev, work, spec_re, spec_im):
    """``spec[k] = rfft(x[:length], n)[k]``, ``k = 0..n/2`` (``length <= n/2``;
    ``work`` holds ``2n`` doubles)."""
    m = n // 2
    re = work[0:m]
    im = work[m:2 * m]
    zr = work[2 * m:3 * m]
    zi = work[3 * m:4 * m]
    _forward_packed(x, length, m, ct, st, re, im)
    for k in range(m):  # bit-reversed -> natural order
        zr[k] = re[bitrev[k]]
        zi[k] = im[bitrev[k]]
    spec_re[0] = zr[0] + zi[0]
    spec_im[0] = 0.0
    spec_re[m] = zr[0] - zi[0]
    spec_im[m] = 0.0
    for k in range(1, m):  # real split: X[k] = E + W^k·O
        ar = zr[k]
        ai = zi[k]
        br = zr[m - k]
        bi = -zi[m - k]
        er = (ar + br) * 0.5
        ei = (ai + bi) * 0.5
        orr = (ai - bi) * 0.5
        oi = (br - ar) * 0.5
        c = cos_n[k]
        s = sin_n[k]
        spec_re[k] = er + (c * orr + s * oi)
        spec_im[k] = ei + (c * oi - s * orr)


@njit(nogil=True, cache=True, fastmath=False)
def irfft(spec_re, spec_im, n, ct, st, cos_n, sin_n, bitrev, work, out):
    """``out[0..n-1] = irfft(spec, n)`` of a Hermitian spectrum ``spec[0..n/2]``
    (imaginary parts of bins 0 and n/2 must be 0; ``work`` holds ``n`` doubles).

    Inverse DFT = swap(DFT(swap(Z))) with re/im swapped: the forward DIF
    stages on ``(im, re)``, output read through ``bitrev``.
    """
    m = n // 2
    re = work[0:m]
    im = work[m:2 * m]
    for k in range(m):  # inverse split, natural order
        ar = spec_re[k]
        ai = spec_im[k]
        br = spec_re[m - k]
        bi = -spec_im[m - k]
        er = (ar + br) * 0.5
        ei = (ai + bi) * 0.5
        dr = (ar - br) * 0.5
        di = (ai - bi) * 0.5
        c = cos_n[k]
        s = sin_n[k]
        re[k] = er - (dr * s + di * c)
        im[k] = ei + (dr * c - di * s)
    h = m // 2
    while h >= 4:
        _dif_stage(im, re, m, h, ct, st)
        h >>= 1
    _dif_last2(im, re, m)
    scale = 1.0 / m
    for j in range(m):
        out[2 * j] = re[bitrev[j]] * scale
        out[2 * j + 1] = im[bitrev[j]] * scale


@njit(nogil=True, cache=True, fastmath=False)
def conj_product(fr, fi, gr, gi, sr, si, count, accumulate):
    """``s = conj(f)·g`` over ``count`` bins, or ``s += conj(f)·g``."""
    if accumulate:
        for k in range(count):
            sr[k] = sr[k] + (fr[k] * gr[k] + fi[k] * gi[k])
            si[k] = si[k] + (fr[k] * gi[k] - fi[k] * gr[k])
    else:
        for k in range(count):
            sr[k] = fr[k] * gr[k] + fi[k] * gi[k]
            si[k] = fr[k] * gi[k] - fi[k] * gr[k]


@njit(nogil=True, cache=True, fastmath=False)
def add_alternating(sr, si, tr, ti, count):
    """``s[k] += (−1)^k·t[k]`` for ``k < count`` (mirror of ``rtd_add_alternating``)."""
    k = 0
    while k + 1 < count:
        sr[k] = sr[k] + tr[k]
        si[k] = si[k] + ti[k]
        sr[k + 1] = sr[k + 1] - tr[k + 1]
        si[k + 1] = si[k + 1] - ti[k + 1]
        k += 2
    if k < count:
        sr[k] = sr[k] + tr[k]
        si[k] = si[k] + ti[k]
