"""RingModulator float64 reference: specs/effects.md 3.3–3.6 line by line.

Plain Python floats. Per base-rate sample: smoothers (0.4, once per base
sample), carrier at the high rate (3.6), direct-form polyphase
interpolation of ``input_gain·x`` (3.5), ``L`` model steps (3.4 "stable"
or 3.3 "paper"), direct-form decimation with the ``56·L`` history (3.5),
``output_gain`` applied to the decimated output. Operation order matches
native/ringmod.c so the backends agree far below the 1e-6 tolerance of
spec 3.9.
"""
from __future__ import annotations

import math

import numpy as np

from rtaudio.kernels.reference import polyphase as pp
from rtaudio.kernels.reference.common import flush, sanitize, smooth_step

NEWTON_MAX_ITER = 16   # spec 3.4.3
NEWTON_TOL = 1e-12


def diode_rectified(v: float) -> tuple[float, float]:
    """Spec 3.4.1: ``g(v) = 0.17·v⁴``, ``g'(v) = 0.68·v³`` for ``v > 0``, else 0."""
    p = v if v > 0.0 else 0.0
    q = p * p
    return (0.17 * q) * q, (0.68 * q) * p


def stable_step(c: dict, st: list, vin: float, vc: float, counters: np.ndarray) -> float:
    """Spec 3.4: one backward-Euler step solved by Newton; returns u2.

    ``st = [u1, u2, u3, i1, i2, ...]`` is updated in place;
    ``counters[1]`` counts solver failures, ``counters[2]`` iterations.
    """
    u1o, u2o, u3o, i1o, i2o = st[0], st[1], st[2], st[3], st[4]
    D1, D2, D3 = c["D1"], c["D2"], c["D3"]
    # r = (C·u1_old/T + i1_old + vin/Rm, C·u2_old/T + i2_old, Cp·u3_old/T)
    r1 = (c["cT"] * u1o + i1o) + vin * c["invRm"]
    r2 = c["cT"] * u2o + i2o
    r3 = c["cpT"] * u3o
    u1, u2, u3 = u1o, u2o, u3o
    it = 1
    while True:
        # diode voltages A·u + b·vc (3.1): u4..u7
        h1, h2, sd = 0.5 * u1, 0.5 * u2, u3 + vc
        a, bs = h1 - h2, h1 + h2
        g4, d4 = diode_rectified(a - sd)
        g5, d5 = diode_rectified(-a - sd)
        g6, d6 = diode_rectified(bs + sd)
        g7, d7 = diode_rectified(sd - bs)
        # F(u) = D·u − r + Aᵀ·g
        ga, gb = g4 - g5, g6 - g7
        F1 = (D1 * u1 - r1) + 0.5 * (ga + gb)
        F2 = (D2 * u2 - r2) + 0.5 * (gb - ga)
        F3 = (D3 * u3 - r3) + ((g6 + g7) - (g4 + g5))
        # J = D + Aᵀ·diag(g')·A
        d45, d67 = d4 + d5, d6 + d7
        dsum = d45 + d67
        j11, j22, j33 = D1 + 0.25 * dsum, D2 + 0.25 * dsum, D3 + dsum
        j12 = 0.25 * (d67 - d45)
        j13 = 0.5 * ((d5 + d6) - (d4 + d7))
        j23 = 0.5 * ((d4 + d6) - (d5 + d7))
        # J·δ = F by Cramer's rule (cofactors of the symmetric J)
        c11 = j22 * j33 - j23 * j23
        c12 = j13 * j23 - j12 * j33
        c13 = j12 * j23 - j13 * j22
        c22 = j11 * j33 - j13 * j13
        c23 = j12 * j13 - j11 * j23
        c33 = j11 * j22 - j12 * j12
        inv = 1.0 / ((j11 * c11 + j12 * c12) + j13 * c13)
        e1 = ((c11 * F1 + c12 * F2) + c13 * F3) * inv
        e2 = ((c12 * F1 + c22 * F2) + c23 * F3) * inv
        e3 = ((c13 * F1 + c23 * F2) + c33 * F3) * inv
        u1, u2, u3 = u1 - e1, u2 - e2, u3 - e3
        if (abs(e1) + abs(e2)) + abs(e3) <= NEWTON_TOL * (((1.0 + abs(u1)) + abs(u2)) + abs(u3)):
            break
        if it == NEWTON_MAX_ITER:
            counters[1] += 1
            break
        it += 1
    counters[2] += it
    st[0], st[1], st[2] = flush(u1), flush(u2), flush(u3)
    st[3] = flush(i1o - c["tLh"] * u1)   # i_new = i_old − (T/Lh)·u_new
    st[4] = flush(i2o - c["tLh"] * u2)
    return st[1]


def paper_step(c: dict, st: list, vin: float, vc: float) -> float:
    """Spec 3.3: the paper's explicit step, even diode law; returns u2.

    ``st = [u1, u2, u3, i1, i2, u4, u5, u6, u7]`` is updated in place.
    """
    u1, u2, u3, i1, i2 = st[0], st[1], st[2], st[3], st[4]
    g4, g5, g6, g7 = [(0.17 * (u * u)) * (u * u) for u in st[5:9]]
    u1 = u1 + c["tC"] * (((((i1 - g4 * 0.5) + g7 * 0.5) + g5 * 0.5) - g6 * 0.5) - (u1 - vin) * c["invRm"])
    u2 = u2 + c["tC"] * (((((i2 + g4 * 0.5) + g7 * 0.5) - g5 * 0.5) - g6 * 0.5) - u2 * c["invRa"])
    u3 = u3 + c["tCp"] * ((((g4 - g7) + g5) - g6) - u3 * c["invRi"])
    st[5] = ((u1 * 0.5 - u3) - vc) - u2 * 0.5
    st[6] = ((-u1 * 0.5 - u3) - vc) + u2 * 0.5
    st[7] = ((u1 * 0.5 + u3) + vc) + u2 * 0.5
    st[8] = ((-u1 * 0.5 + u3) + vc) - u2 * 0.5
    i1 = i1 + c["tLh"] * (-u1)
    i2 = i2 + c["tLh"] * (-u2)
    st[0], st[1], st[2], st[3], st[4] = flush(u1), flush(u2), flush(u3), flush(i1), flush(i2)
    return st[1]


CONSTANT_NAMES = ("D1", "D2", "D3", "cT", "cpT", "tLh", "invRm", "invRa", "invRi", "tC", "tCp")


def ringmod_process(params: np.ndarray, smooth: np.ndarray, state: np.ndarray,
                    interp_hist: np.ndarray, decim_hist: np.ndarray,
                    interp_taps: list, h: list, counters: np.ndarray,
                    factor: int, model: int, buf: np.ndarray) -> None:
    """Process ``buf`` (float32, frames x channels) in place.

    ``decim_hist`` is (channels, 56·L): the last 56·L model outputs, newest
    first (the spec's direct-form decimator state).
    """
    level_t, k_t, og_t, s, inc = (float(v) for v in params[:5])
    c = dict(zip(CONSTANT_NAMES, (float(v) for v in params[5:16])))
    level, k, og, phi = (float(v) for v in smooth[:4])
    frames, channels = buf.shape
    rows = buf.astype(np.float64).tolist()
    states = state.tolist()
    ihist = interp_hist.tolist()
    dhist = decim_hist.tolist()
    for n in range(frames):
        level = smooth_step(level, level_t, s)
        k = smooth_step(k, k_t, s)
        og = smooth_step(og, og_t, s)
        vc = []
        for _ in range(factor):                       # 3.6
            vc.append(level * math.sin(6.283185307179586 * phi))
            phi += inc
            if phi >= 1.0:
                phi -= 1.0
        row = rows[n]
        for ch in range(channels):
            x, bad = sanitize(row[ch])
            counters[0] += bad
            vin = pp.interp(interp_taps, factor, ihist[ch], k * x)   # 3.5 up
            st = states[ch]
            if model == 1:
                v = [paper_step(c, st, vin[j], vc[j]) for j in range(factor)]
            else:
                v = [stable_step(c, st, vin[j], vc[j], counters) for j in range(factor)]
            y = pp.decim(h, factor, dhist[ch], v)                      # 3.5 down
            row[ch] = og * y
    buf[...] = np.asarray(rows, dtype=np.float64).reshape(frames, channels).astype(np.float32)
    state[...] = states
    interp_hist[...] = ihist
    decim_hist[...] = dhist
    smooth[:4] = (level, k, og, phi)
