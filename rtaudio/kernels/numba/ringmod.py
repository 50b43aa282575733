"""RingModulator Numba kernel (docs/maths/ringmod.md), mirror of native/ringmod.c.

Same arrays and the same operation order as the C kernel; see the
comment at the top of native/ringmod.c for the per-sample algorithm.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from rtaudio.kernels.numba.common import flush, smooth_step
from rtaudio.kernels.numba.polyphase import pp_decim, pp_interp

TWO_PI = 6.283185307179586
NEWTON_MAX_ITER = 16
NEWTON_TOL_V = 1e-6   # stop rule on the update size in volts (docs/maths/ringmod.md §3.3)


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def _stable_step(params, st, vin, vc, counters):
    """docs/maths/ringmod.md §3: backward Euler + Newton in the diode-voltage coordinates
    y = (a, b, s) of the reference's ``stable_step``; returns u2
    (counters[1] failures, [2] iterations)."""
    D1 = params[5]
    D2 = params[6]
    D3 = params[7]
    S = D1 + D2
    Dd = D1 - D2
    Dd2 = Dd * Dd
    u1o = st[0]
    u2o = st[1]
    u3o = st[2]
    i1o = st[3]
    i2o = st[4]
    r1 = (params[8] * u1o + i1o) + vin * params[11]
    r2 = params[8] * u2o + i2o
    r3 = params[9] * u3o
    ra = r1 - r2
    rb = r1 + r2
    rs = r3 + D3 * vc
    p1 = 2.0 * u1o - st[5]     # start: extrapolation of the last two steps
    p2 = 2.0 * u2o - st[6]
    p3 = 2.0 * u3o - st[7]
    a = 0.5 * (p1 - p2)
    b = 0.5 * (p1 + p2)
    s = p3 + vc
    it = 1
    while True:
        w4 = a - s
        w5 = -(a + s)
        w6 = b + s
        w7 = s - b
        p4 = w4 if w4 > 0.0 else 0.0
        p5 = w5 if w5 > 0.0 else 0.0
        p6 = w6 if w6 > 0.0 else 0.0
        p7 = w7 if w7 > 0.0 else 0.0
        q4 = p4 * p4
        q5 = p5 * p5
        q6 = p6 * p6
        q7 = p7 * p7
        g4 = (0.17 * q4) * q4
        g5 = (0.17 * q5) * q5
        g6 = (0.17 * q6) * q6
        g7 = (0.17 * q7) * q7
        d4 = (0.68 * p4) * q4
        d5 = (0.68 * p5) * q5
        d6 = (0.68 * p6) * q6
        d7 = (0.68 * p7) * q7
        Ga = ((S * a + Dd * b) - ra) + (g4 - g5)
        Gb = ((Dd * a + S * b) - rb) + (g6 - g7)
        Gs = (D3 * s - rs) + ((g6 + g7) - (g4 + g5))
        d45 = d4 + d5
        d67 = d6 + d7
        kaa = S + d45
        kbb = S + d67
        kss = D3 + (d45 + d67)
        kas = d5 - d4
        kbs = d6 - d7
        kab = Dd
        caa = kbb * kss - kbs * kbs
        cab = kbs * kas - kab * kss
        cas = kab * kbs - kbb * kas
        cbb = kaa * kss - kas * kas
        cbs = kab * kas - kaa * kbs
        css = kaa * kbb - Dd2
        inv_det = 1.0 / ((kaa * caa + kab * cab) + kas * cas)
        ea = ((caa * Ga + cab * Gb) + cas * Gs) * inv_det
        eb = ((cab * Ga + cbb * Gb) + cbs * Gs) * inv_det
        es = ((cas * Ga + cbs * Gb) + css * Gs) * inv_det
        a -= ea
        b -= eb
        s -= es
        fa = abs(ea)
        fb = abs(eb)
        if 2.0 * (fa if fa > fb else fb) + abs(es) <= NEWTON_TOL_V:
            break
        if it == NEWTON_MAX_ITER:
            counters[1] += 1
            break
        it += 1
    counters[2] += it
    u1 = a + b
    u2 = b - a
    u3 = s - vc
    st[5] = st[0]
    st[6] = st[1]
    st[7] = st[2]
    st[0] = flush(u1)
    st[1] = flush(u2)
    st[2] = flush(u3)
    st[3] = flush(i1o - params[10] * u1)
    st[4] = flush(i2o - params[10] * u2)
    return st[1]


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def _paper_step(params, st, vin, vc):
    """docs/maths/ringmod.md §2: the paper's explicit step (even diode law); returns u2."""
    tC = params[14]
    u1 = st[0]
    u2 = st[1]
    u3 = st[2]
    i1 = st[3]
    i2 = st[4]
    q4 = st[5] * st[5]
    q5 = st[6] * st[6]
    q6 = st[7] * st[7]
    q7 = st[8] * st[8]
    g4 = (0.17 * q4) * q4
    g5 = (0.17 * q5) * q5
    g6 = (0.17 * q6) * q6
    g7 = (0.17 * q7) * q7
    u1 = u1 + tC * (((((i1 - g4 * 0.5) + g7 * 0.5) + g5 * 0.5) - g6 * 0.5) - (u1 - vin) * params[11])
    u2 = u2 + tC * (((((i2 + g4 * 0.5) + g7 * 0.5) - g5 * 0.5) - g6 * 0.5) - u2 * params[12])
    u3 = u3 + params[15] * ((((g4 - g7) + g5) - g6) - u3 * params[13])
    st[5] = ((u1 * 0.5 - u3) - vc) - u2 * 0.5
    st[6] = ((-u1 * 0.5 - u3) - vc) + u2 * 0.5
    st[7] = ((u1 * 0.5 + u3) + vc) + u2 * 0.5
    st[8] = ((-u1 * 0.5 + u3) + vc) - u2 * 0.5
    i1 = i1 + params[10] * (-u1)
    i2 = i2 + params[10] * (-u2)
    st[0] = flush(u1)
    st[1] = flush(u2)
    st[2] = flush(u3)
    st[3] = flush(i1)
    st[4] = flush(i2)
    return st[1]


@njit(nogil=True, cache=True, fastmath=False)
def ringmod_process(params: np.ndarray, smooth: np.ndarray, state: np.ndarray,
                    interp_hist: np.ndarray, decim_acc: np.ndarray,
                    interp_taps: np.ndarray, decim_taps: np.ndarray,
                    counters: np.ndarray, scratch: np.ndarray,
                    factor: int, model: int, buf: np.ndarray) -> None:
    """Process ``buf`` (float32, frames x channels) in place; ``scratch`` is (3, >= factor)."""
    level_t = params[0]
    k_t = params[1]
    og_t = params[2]
    s = params[3]
    inc = params[4]
    level = smooth[0]
    k = smooth[1]
    og = smooth[2]
    phi = smooth[3]
    vc = scratch[0]
    vin = scratch[1]
    v = scratch[2]
    frames, channels = buf.shape
    nonfinite = 0
    for n in range(frames):
        level = smooth_step(level, level_t, s)
        k = smooth_step(k, k_t, s)
        og = smooth_step(og, og_t, s)
        for j in range(factor):
            vc[j] = level * math.sin(TWO_PI * phi)
            phi += inc
            if phi >= 1.0:
                phi -= 1.0
        for ch in range(channels):
            x = np.float64(buf[n, ch])
            if not math.isfinite(x):
                x = 0.0
                nonfinite += 1
            st = state[ch]
            pp_interp(interp_taps, factor, interp_hist[ch], k * x, vin)
            if model == 1:
                for j in range(factor):
                    v[j] = _paper_step(params, st, vin[j], vc[j])
            else:
                for j in range(factor):
                    v[j] = _stable_step(params, st, vin[j], vc[j], counters)
            y = pp_decim(decim_taps, factor, decim_acc[ch], v)
            buf[n, ch] = np.float32(og * y)
    smooth[0] = level
    smooth[1] = k
    smooth[2] = og
    smooth[3] = phi
    counters[0] += nonfinite
