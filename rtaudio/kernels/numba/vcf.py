"""VCF Numba kernel (docs/maths/vcf.md), mirror of native/vcf.c.

Two loop solvers: Newton's method (``params[6] == 0``, docs/maths/vcf.md
§3) with ``vcf_tanh`` (§4), and the paper's fixed-point iteration (§5)
with libm ``tanh``. Every operation is written in the order of
native/vcf.c, so the two agree bit for bit. With an oversampling factor
L > 1 the model runs L steps per base sample between the polyphase filters
of rtaudio/kernels/numba/polyphase.py; L = 1 is the paper's model at fs
with no filtering.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from rtaudio.kernels.numba.common import flush, smooth_step
from rtaudio.kernels.numba.polyphase import pp_decim, pp_interp

VT = 0.026
ETA = 1.836
GAMMA = ETA * VT
TWO_VT = 2.0 * VT
TWO_GAMMA = 2.0 * GAMMA
SIX_GAMMA = 6.0 * GAMMA
REL_ERR = 10e-4
MAX_ITER = 100

# Newton solver constants (native/vcf.c, docs/maths/vcf.md §3); stop rule of
# §3.3: C(a, G)·max|d|^2 <= NEWTON_ERR_V
NEWTON_ERR_V = 1e-10
HALF_MAX_TANH2 = 0.38490017945975050967   # max |tanh''| / 2 = 2/(3·sqrt 3)
NEWTON_MAX_ITER = 50
LAMBDA_MIN = 1.0 / 1024.0
INV_2VT = 1.0 / (2.0 * 0.026)
INV_2GAMMA = 1.0 / (2.0 * (1.836 * 0.026))
INV_6GAMMA = 1.0 / (6.0 * (1.836 * 0.026))

# vcf_tanh constants (docs/maths/vcf.md §4)
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
TWO_INV_LN2 = 2.0 * 1.44269504088896338700e+00   # 2/ln2
ROUND = 1.5 * 2.0 ** 52       # (w + ROUND) - ROUND = rint(w)
POW2 = np.array([2.0 ** k for k in range(59)])


@njit(nogil=True, cache=True, fastmath=False)
def vcf_tanh(x: float) -> float:
    """tanh within 2 ulp of libm, the operations of native/vcf.c's vcf_tanh
    (docs/maths/vcf.md §4)."""
    ax = abs(x)
    if ax < 0.55:
        y = x * x
        n = -675675.0 + y * (-45045.0 + y * (-594.0 + y * -1.0))
        q = 2027025.0 + y * (945945.0 + y * (51975.0 + y * (630.0 + y)))
        return x + x * (y * n / q)
    if not ax <= 20.0:
        return -1.0 if x < 0.0 else 1.0
    z = 2.0 * ax
    kf = (ax * TWO_INV_LN2 + ROUND) - ROUND
    r = (z - kf * LN2_HI) - kf * LN2_LO
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    a0 = 1.0 / 2.0 + r * (1.0 / 6.0)
    a1 = 1.0 / 24.0 + r * (1.0 / 120.0)
    a2 = 1.0 / 720.0 + r * (1.0 / 5040.0)
    a3 = 1.0 / 40320.0 + r * (1.0 / 362880.0)
    a4 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0)
    a5 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0)
    q = (a0 + r2 * a1) + r4 * (a2 + r2 * a3) + r8 * (a4 + r2 * a5)
    p = r + r2 * q
    sc = POW2[int(kf)]
    t = 1.0 - 2.0 / ((sc + 1.0) + sc * p)
    return -t if x < 0.0 else t


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def _residual(v0, v1, v2, v3, s0, s1, s2, s3, x, a, G):
    """native/vcf.c vcf_residual: (max |F|, t0..t4, F0..F3)."""
    t0 = vcf_tanh((x - G * v3) * INV_2VT)
    t1 = vcf_tanh((v1 - v0) * INV_2GAMMA)
    t2 = vcf_tanh((v2 - v1) * INV_2GAMMA)
    t3 = vcf_tanh((v3 - v2) * INV_2GAMMA)
    t4 = vcf_tanh(v3 * INV_6GAMMA)
    F0 = (v0 - s0) - a * (t0 + t1)
    F1 = (v1 - s1) - a * (t2 - t1)
    F2 = (v2 - s2) - a * (t3 - t2)
    F3 = (v3 - s3) + a * (t4 + t3)
    m = abs(F0)
    m = abs(F1) if abs(F1) > m else m
    m = abs(F2) if abs(F2) > m else m
    m = abs(F3) if abs(F3) > m else m
    return m, t0, t1, t2, t3, t4, F0, F1, F2, F3


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def _newton_update(t0, t1, t2, t3, t4, F0, F1, F2, F3, a, G):
    """native/vcf.c vcf_newton_update: (max |d|, d0..d3) with J d = F
    (rows 1 and 4 folded into rows 2 and 3 by multiplication, the middle
    2x2 by Cramer's rule, the back substitution folded into numerators:
    one division on the dependency chain, then one multiply-add per d_k)."""
    e = (a * G * INV_2VT) * (1.0 - t0 * t0)
    d1 = (a * INV_2GAMMA) * (1.0 - t1 * t1)
    d2 = (a * INV_2GAMMA) * (1.0 - t2 * t2)
    d3 = (a * INV_2GAMMA) * (1.0 - t3 * t3)
    d4 = (a * INV_6GAMMA) * (1.0 - t4 * t4)
    A0 = 1.0 + d1
    A3 = (1.0 + d3) + d4
    i1 = 1.0 / A0
    i4 = 1.0 / A3
    A0d2 = A0 * d2
    P = A3 * ((1.0 + 2.0 * d1) + A0d2)
    Q = (d1 * e) * d3 - A3 * A0d2
    R = A3 * d2
    S = (1.0 + d2) * A3 + d3 * (1.0 + d4)
    r2 = A3 * (A0 * F1 + d1 * F0) - (d1 * e) * F3
    r3 = A3 * F2 + d3 * F3
    n1 = r2 * S - Q * r3
    n2 = P * r3 + R * r2
    ei1 = e * i1
    b3 = F3 * i4
    c3 = (d3 * i4) * n2
    b0 = F0 * i1 - ei1 * b3
    c0 = (d1 * i1) * n1 - ei1 * c3
    idet = 1.0 / (P * S + Q * R)
    x1 = n1 * idet
    x2 = n2 * idet
    x3 = b3 + c3 * idet
    x0 = b0 + c0 * idet
    m = abs(x0)
    m = abs(x1) if abs(x1) > m else m
    m = abs(x2) if abs(x2) > m else m
    m = abs(x3) if abs(x3) > m else m
    return m, x0, x1, x2, x3


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def newton_error_constant(a: float, G: float) -> float:
    """native/vcf.c vcf_newton_error_constant: C of the stop rule
    (docs/maths/vcf.md §3.3), a bound on ||J^-1|| times half the Lipschitz
    constant of J."""
    g0 = G * INV_2VT
    row0 = g0 * g0 + 4.0 * (INV_2GAMMA * INV_2GAMMA)
    mid = 8.0 * (INV_2GAMMA * INV_2GAMMA)
    return (1.0 + a * g0) * (HALF_MAX_TANH2 * a) * (row0 if row0 > mid else mid)


@njit(nogil=True, cache=True, fastmath=False)
def newton_solve(s0, s1, s2, s3, xc1, xc2, xc3, xc4, x, a, G, half_T):
    """native/vcf.c vcf_newton_step without the state write-back: returns
    (steps, converged, v0..v3, t1..t4)."""
    v0 = s0 + half_T * xc1
    v1 = s1 + half_T * xc2
    v2 = s2 + half_T * xc3
    v3 = s3 + half_T * xc4
    norm, t0, t1, t2, t3, t4, F0, F1, F2, F3 = _residual(v0, v1, v2, v3, s0, s1, s2, s3,
                                                         x, a, G)
    cq = newton_error_constant(a, G)
    iters = 0
    converged = True
    for _ in range(NEWTON_MAX_ITER):
        step, d0, d1, d2, d3 = _newton_update(t0, t1, t2, t3, t4, F0, F1, F2, F3, a, G)
        iters += 1
        converged = cq * step * step <= NEWTON_ERR_V
        if converged or iters == NEWTON_MAX_ITER:
            v0 = v0 - d0
            v1 = v1 - d1
            v2 = v2 - d2
            v3 = v3 - d3
            break
        lam = 1.0
        for _k in range(11):                     # backtracking line search, down to 1/1024
            w0 = v0 - lam * d0
            w1 = v1 - lam * d1
            w2 = v2 - lam * d2
            w3 = v3 - lam * d3
            nt, u0, u1, u2, u3, u4, Fw0, Fw1, Fw2, Fw3 = _residual(w0, w1, w2, w3, s0, s1, s2,
                                                                   s3, x, a, G)
            if nt <= norm or lam <= LAMBDA_MIN:
                break
            lam *= 0.5
        v0 = w0
        v1 = w1
        v2 = w2
        v3 = w3
        F0 = Fw0
        F1 = Fw1
        F2 = Fw2
        F3 = Fw3
        t0 = u0
        t1 = u1
        t2 = u2
        t3 = u3
        t4 = u4
        norm = nt
    return iters, converged, v0, v1, v2, v3, t1, t2, t3, t4


@njit(nogil=True, cache=True, fastmath=False)
def vcf_process(params: np.ndarray, smooth: np.ndarray, state: np.ndarray,
                interp_hist: np.ndarray, decim_acc: np.ndarray, interp_taps: np.ndarray,
                decim_taps: np.ndarray, scratch: np.ndarray, counters: np.ndarray,
                buf: np.ndarray) -> None:
    """Process ``buf`` (float32, frames x channels) in place; layout as ``rtd_vcf``.

    ``interp_taps`` is ``(57, L)`` and fixes L; ``scratch`` is ``(2, >= L)``
    (interpolated inputs, model outputs of one base sample).
    """
    k_t = params[0]
    g_t = params[1]
    d_t = params[2]
    o_t = params[3]
    s = params[4]
    half_T = params[5] / 2.0
    inv_half_T = 1.0 / half_T
    newton = params[6] == 0.0
    rel_err = params[7]
    frames, channels = buf.shape
    factor = interp_taps.shape[1]
    vin = scratch[0]
    v = scratch[1]
    nonfinite = 0
    nonconverged = 0
    total = 0
    max_iters = 0
    K = 0.0
    g = 0.0
    drive = 0.0
    gain = 0.0
    for ch in range(channels):
        K = smooth[0]
        g = smooth[1]
        drive = smooth[2]
        gain = smooth[3]
        s1 = state[ch, 0]
        s2 = state[ch, 1]
        s3 = state[ch, 2]
        s4 = state[ch, 3]
        vout = state[ch, 4]
        vc1 = state[ch, 5]
        vc2 = state[ch, 6]
        vc3 = state[ch, 7]
        vc11 = state[ch, 8]
        vc21 = state[ch, 9]
        vc31 = state[ch, 10]
        vc41 = state[ch, 11]
        xc1 = state[ch, 12]
        xc2 = state[ch, 13]
        xc3 = state[ch, 14]
        xc4 = state[ch, 15]
        for n in range(frames):
            K = smooth_step(K, k_t, s)
            g = smooth_step(g, g_t, s)
            drive = smooth_step(drive, d_t, s)
            gain = smooth_step(gain, o_t, s)
            x = np.float64(buf[n, ch])
            bad = not math.isfinite(x)
            if bad:  # non-finite: 0.0 in, 0.0 out, counted
                x = 0.0
                nonfinite += 1
            x = x * drive
            if factor > 1:
                pp_interp(interp_taps, factor, interp_hist[ch], x, vin)
            for j in range(factor):
                xin = x if factor == 1 else vin[j]
                if newton:
                    G = g + 0.5
                    iters, ok, v0, v1, v2, v3, vc11, vc21, vc31, vc41 = newton_solve(
                        s1, s2, s3, s4, xc1, xc2, xc3, xc4, xin, half_T * K, G, half_T)
                    if not ok:
                        nonconverged += 1
                    total += iters
                    if iters > max_iters:
                        max_iters = iters
                    vc1 = v0
                    vc2 = v1
                    vc3 = v2
                    vout = G * v3
                    v[j] = vout
                    xc1 = flush((v0 - s1) * inv_half_T)
                    xc2 = flush((v1 - s2) * inv_half_T)
                    xc3 = flush((v2 - s3) * inv_half_T)
                    xc4 = flush((v3 - s4) * inv_half_T)
                    s1 = flush(2.0 * v0 - s1)
                    s2 = flush(2.0 * v1 - s2)
                    s3 = flush(2.0 * v2 - s3)
                    s4 = flush(2.0 * v3 - s4)
                    vout = flush(vout)
                    vc1 = flush(vc1)
                    vc2 = flush(vc2)
                    vc3 = flush(vc3)
                    vc11 = flush(vc11)
                    vc21 = flush(vc21)
                    vc31 = flush(vc31)
                    vc41 = flush(vc41)
                    continue
                vc4 = 0.0
                vc4_prev = 1.0
                iters = 0
                while abs(vc4 - vc4_prev) > rel_err * abs(vc4_prev):
                    vc4_prev = vc4
                    vin1 = math.tanh((xin - vout) / TWO_VT)
                    xc1 = K * (vin1 + vc11)
                    vc1 = half_T * xc1 + s1
                    vc11 = math.tanh((vc2 - vc1) / TWO_GAMMA)
                    xc2 = K * (vc21 - vc11)
                    vc2 = half_T * xc2 + s2
                    vc21 = math.tanh((vc3 - vc2) / TWO_GAMMA)
                    xc3 = K * (vc31 - vc21)
                    vc3 = half_T * xc3 + s3
                    vc31 = math.tanh((vc4 - vc3) / TWO_GAMMA)
                    xc4 = K * (-vc41 - vc31)
                    vc4 = half_T * xc4 + s4
                    vc41 = math.tanh(vc4 / SIX_GAMMA)
                    vout = vc4 / 2.0 + vc4 * g
                    iters += 1
                    if iters == MAX_ITER:
                        nonconverged += 1
                        break
                total += iters
                if iters > max_iters:
                    max_iters = iters
                v[j] = vout
                s1 = flush(half_T * xc1 + vc1)
                s2 = flush(half_T * xc2 + vc2)
                s3 = flush(half_T * xc3 + vc3)
                s4 = flush(half_T * xc4 + vc4)
                vout = flush(vout)
                vc1 = flush(vc1)
                vc2 = flush(vc2)
                vc3 = flush(vc3)
                vc11 = flush(vc11)
                vc21 = flush(vc21)
                vc31 = flush(vc31)
                vc41 = flush(vc41)
                xc1 = flush(xc1)
                xc2 = flush(xc2)
                xc3 = flush(xc3)
                xc4 = flush(xc4)
            if factor == 1:
                y = v[0] * gain
            else:
                y = gain * pp_decim(decim_taps, factor, decim_acc[ch], v)
            buf[n, ch] = np.float32(0.0) if bad else np.float32(y)
        state[ch, 0] = s1
        state[ch, 1] = s2
        state[ch, 2] = s3
        state[ch, 3] = s4
        state[ch, 4] = vout
        state[ch, 5] = vc1
        state[ch, 6] = vc2
        state[ch, 7] = vc3
        state[ch, 8] = vc11
        state[ch, 9] = vc21
        state[ch, 10] = vc31
        state[ch, 11] = vc41
        state[ch, 12] = xc1
        state[ch, 13] = xc2
        state[ch, 14] = xc3
        state[ch, 15] = xc4
    if frames > 0 and channels > 0:
        smooth[0] = K
        smooth[1] = g
        smooth[2] = drive
        smooth[3] = gain
    counters[0] += nonfinite
    counters[1] += nonconverged
    counters[2] = max_iters
    counters[3] += total
    counters[4] += frames * channels * factor
