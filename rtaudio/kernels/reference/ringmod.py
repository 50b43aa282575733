"""RingModulator float64 reference (docs/maths/ringmod.md) line by line.

Plain Python floats. Per base-rate sample: smoothers (once per base
sample), carrier at the high rate (§1), direct-form polyphase
interpolation of ``input_gain·x`` (§4), ``L`` model steps (§3 "stable"
or §2 "paper"), direct-form decimation with the ``56·L`` history (§4),
``output_gain`` applied to the decimated output. Operation order matches
native/ringmod.c so the backends agree far below the 1e-6 tolerance of
their tests.
"""
from __future__ import annotations

import math

import numpy as np

from rtaudio.kernels.reference import polyphase as pp
from rtaudio.kernels.reference.common import flush, sanitize, smooth_step

NEWTON_MAX_ITER = 16
NEWTON_TOL_V = 1e-6    # stop rule: update size in volts (docs/maths/ringmod.md §3.3)


def diode_rectified(v: float) -> tuple[float, float]:
    """docs/maths/ringmod.md §3: ``g(v) = 0.17·v⁴``, ``g'(v) = 0.68·v³`` for ``v > 0``, else 0."""
    p = v if v > 0.0 else 0.0
    q = p * p
    return (0.17 * q) * q, (0.68 * q) * p


def stable_step(c: dict, st: list, vin: float, vc: float, counters: np.ndarray,
                tol: float = NEWTON_TOL_V, max_iter: int = NEWTON_MAX_ITER) -> float:
    """docs/maths/ringmod.md §3: one backward-Euler step solved by Newton; returns u2.

    ``st = [u1, u2, u3, i1, i2, ...]`` is updated in place;
    ``counters[1]`` counts solver failures, ``counters[2]`` iterations.

    Newton runs in the coordinates of the diode voltages,
    ``y = (a, b, s) = ((u1 − u2)/2, (u1 + u2)/2, u3 + vc)`` (then
    ``u4 = a − s``, ``u5 = −(a + s)``, ``u6 = b + s``, ``u7 = s − b``, §1).
    Newton's iterates are invariant under this affine change of variables
    (equal to the u-iterates up to rounding); the solve is
    ``K·δy = G`` with ``K = Pᵀ·J·P``, ``G = Pᵀ·F`` (``P = ∂u/∂y``), and the
    stop rule on the update in volts reads, with
    ``|δu1| + |δu2| = 2·max(|δa|, |δb|)``: ``2·max(|δa|, |δb|) + |δs| ≤ tol``.
    The start point extrapolates the last two solutions,
    ``2·u[m−1] − u[m−2]`` (``u[m−2]`` kept in ``st[5:8]``).
    The C kernel's header comment (native/ringmod.c) writes K and G out.
    """
    u1o, u2o, u3o, i1o, i2o = st[0], st[1], st[2], st[3], st[4]
    S, Dd, Dd2, D3 = c["S"], c["Dd"], c["Dd2"], c["D3"]
    # r = (C·u1_old/T + i1_old + vin/Rm, C·u2_old/T + i2_old, Cp·u3_old/T), as Pᵀ·r
    r1 = (c["cT"] * u1o + i1o) + vin * c["invRm"]
    r2 = c["cT"] * u2o + i2o
    r3 = c["cpT"] * u3o
    ra, rb, rs = r1 - r2, r1 + r2, r3 + D3 * vc
    p1, p2, p3 = 2.0 * u1o - st[5], 2.0 * u2o - st[6], 2.0 * u3o - st[7]   # start point
    a, b, s = 0.5 * (p1 - p2), 0.5 * (p1 + p2), p3 + vc
    it = 1
    while True:
        g4, d4 = diode_rectified(a - s)
        g5, d5 = diode_rectified(-(a + s))
        g6, d6 = diode_rectified(b + s)
        g7, d7 = diode_rectified(s - b)
        # G = Pᵀ·F
        Ga = ((S * a + Dd * b) - ra) + (g4 - g5)
        Gb = ((Dd * a + S * b) - rb) + (g6 - g7)
        Gs = (D3 * s - rs) + ((g6 + g7) - (g4 + g5))
        # K = Pᵀ·J·P (symmetric) and its cofactors; Cramer's rule
        d45, d67 = d4 + d5, d6 + d7
        kaa, kbb, kss = S + d45, S + d67, D3 + (d45 + d67)
        kas, kbs, kab = d5 - d4, d6 - d7, Dd
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
        a, b, s = a - ea, b - eb, s - es
        if 2.0 * max(abs(ea), abs(eb)) + abs(es) <= tol:
            break
        if it == max_iter:
            counters[1] += 1
            break
        it += 1
    counters[2] += it
    u1, u2, u3 = a + b, b - a, s - vc
    st[5], st[6], st[7] = st[0], st[1], st[2]
    st[0], st[1], st[2] = flush(u1), flush(u2), flush(u3)
    st[3] = flush(i1o - c["tLh"] * u1)   # i_new = i_old − (T/Lh)·u_new
    st[4] = flush(i2o - c["tLh"] * u2)
    return st[1]


def paper_step(c: dict, st: list, vin: float, vc: float) -> float:
    """docs/maths/ringmod.md §2: the paper's explicit step, even diode law; returns u2.

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


def derived_constants(params: np.ndarray) -> dict:
    """params[5:16] by name plus ``S = D1 + D2``, ``Dd = D1 − D2``, ``Dd2 = Dd²``."""
    c = dict(zip(CONSTANT_NAMES, (float(v) for v in params[5:16])))
    c["S"] = c["D1"] + c["D2"]
    c["Dd"] = c["D1"] - c["D2"]
    c["Dd2"] = c["Dd"] * c["Dd"]
    return c


def ringmod_process(params: np.ndarray, smooth: np.ndarray, state: np.ndarray,
                    interp_hist: np.ndarray, decim_hist: np.ndarray,
                    interp_taps: list, h: list, counters: np.ndarray,
                    factor: int, model: int, buf: np.ndarray) -> None:
    """Process ``buf`` (float32, frames x channels) in place.

    ``decim_hist`` is (channels, 56·L): the last 56·L model outputs, newest
    first (the direct-form decimator state).
    """
    level_t, k_t, og_t, s, inc = (float(v) for v in params[:5])
    c = derived_constants(params)
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
        for _ in range(factor):                
            vc.append(level * math.sin(6.283185307179586 * phi))
            phi += inc
            if phi >= 1.0:
                phi -= 1.0
        row = rows[n]
        for ch in range(channels):
            x, bad = sanitize(row[ch])
            counters[0] += bad
            vin = pp.interp(interp_taps, factor, ihist[ch], k * x)   # §4 up
            st = states[ch]
            if model == 1:
                v = [paper_step(c, st, vin[j], vc[j]) for j in range(factor)]
            else:
                v = [stable_step(c, st, vin[j], vc[j], counters) for j in range(factor)]
            y = pp.decim(h, factor, dhist[ch], v)                      # §4 down
            row[ch] = og * y
    buf[...] = np.asarray(rows, dtype=np.float64).reshape(frames, channels).astype(np.float32)
    state[...] = states
    interp_hist[...] = ihist
    decim_hist[...] = dhist
    smooth[:4] = (level, k, og, phi)
