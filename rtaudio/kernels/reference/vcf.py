"""VCF float64 reference (docs/maths/vcf.md), both loop solvers.

Plain Python (``math.tanh``), no NumPy in the inner loop. The fixed-point
solver (§5) follows the paper's iteration line by line; it is the
"interpreted Python" row of the paper's VCF table. The Newton solver (§3)
follows native/vcf.c with libm ``tanh`` instead of its ``vcf_tanh``.
Tolerances and caps are arguments, so tests can run either solver far
tighter than the kernels (e.g. the fixed point to 1e-12 relative, Newton
to 1e-13 V). With an oversampling factor L > 1 the model runs L steps per
base sample between the direct-form polyphase filters of
rtaudio/kernels/reference/polyphase.py.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from rtaudio.kernels.reference import polyphase as pp
from rtaudio.kernels.reference.common import flush, sanitize, smooth_step

# constants (docs/maths/vcf.md §1)
VT = 0.026
ETA = 1.836
GAMMA = ETA * VT
REL_ERR = 10e-4
MAX_ITER = 100
NEWTON_ERR_V = 1e-10  # stop rule: C(a, G)·max|d|^2 <= 1e-10 V (docs/maths/vcf.md §3.3)
HALF_MAX_TANH2 = 2.0 / (3.0 * math.sqrt(3.0))   # max |tanh''| / 2
NEWTON_MAX_ITER = 50
LAMBDA_MIN = 1.0 / 1024.0
N_STATE = 16  # s1 s2 s3 s4 vout vc1 vc2 vc3 vc11 vc21 vc31 vc41 xc1 xc2 xc3 xc4


def vcf_process(params: np.ndarray, smooth: np.ndarray, state: np.ndarray,
                counters: np.ndarray, buf: np.ndarray,
                tanh: Callable[[float], float] = math.tanh,
                oversampling: Optional[tuple] = None, rel_err: Optional[float] = None,
                max_iter: int = MAX_ITER, newton_tol: Optional[float] = None,
                newton_max_iter: int = NEWTON_MAX_ITER) -> None:
    """Process ``buf`` (frames x channels) in place.

    ``params``, ``smooth``, ``state`` and ``counters`` have the layout of
    ``rtd_vcf`` in native/rtdsp.h. ``buf`` is normally float32; a float64
    buffer receives the unrounded float64 output. ``tanh`` is ``math.tanh``
    (libm); benchmarks/bench_vcf.py passes ``numpy.tanh`` to time the
    same loop on NumPy scalars.

    ``oversampling`` is ``None`` or ``(interp_taps, prototype, interp_hist,
    decim_hist)``: the interpolation table as nested lists (57 x L), the
    prototype ``h`` as a list, and the per-channel histories (NumPy arrays
    ``(channels, 57)`` and ``(channels, 56·L)``, updated in place). With
    L = 1 (one column in ``interp_taps``) no filter is applied.

    ``params[6]`` selects the solver (0 Newton, 1 fixed point);
    ``rel_err`` (default ``params[7]``)/``max_iter`` are the fixed point's relative tolerance and
    cap, ``newton_tol``/``newton_max_iter`` Newton's stop rule and cap:
    ``newton_tol=None`` is the kernels' rule (docs/maths/vcf.md §3.3), a
    number stops when the largest update is at most that many volts. Both
    caps count into ``counters[1]``.
    """
    k_t, g_t, d_t, o_t, s = (float(v) for v in params[:5])
    half_T = float(params[5]) / 2.0
    newton = float(params[6]) == 0.0
    if rel_err is None:
        rel_err = float(params[7])
    two_vt = 2.0 * VT
    two_gamma = 2.0 * GAMMA
    six_gamma = 6.0 * GAMMA
    factor = 1 if oversampling is None else len(oversampling[0][0])
    frames, channels = buf.shape
    nonfinite = nonconverged = total = max_iters = 0
    K = g = drive = gain = 0.0
    for ch in range(channels):
        K, g, drive, gain = (float(v) for v in smooth[:4])
        (s1, s2, s3, s4, vout, vc1, vc2, vc3, vc11, vc21, vc31, vc41,
         xc1, xc2, xc3, xc4) = (float(v) for v in state[ch])
        if factor > 1:
            taps, h, interp_hist, decim_hist = oversampling
            hist = interp_hist[ch].tolist()
            vhist = decim_hist[ch].tolist()
        column = buf[:, ch].astype(np.float64).tolist()
        for n in range(frames):
            K = smooth_step(K, k_t, s)
            g = smooth_step(g, g_t, s)
            drive = smooth_step(drive, d_t, s)
            gain = smooth_step(gain, o_t, s)
            x, bad = sanitize(column[n])
            nonfinite += bad
            x = x * drive
            inputs = (x,) if factor == 1 else pp.interp(taps, factor, hist, x)
            outputs = []
            for xin in inputs:
                if newton:
                    v, t, iters, ok = newton_solve((s1, s2, s3, s4), (xc1, xc2, xc3, xc4), xin,
                                                   half_T * K, g + 0.5, half_T, tanh,
                                                   newton_tol, newton_max_iter)
                    nonconverged += not ok
                    total += iters
                    max_iters = max(max_iters, iters)
                    vc1, vc2, vc3 = v[0], v[1], v[2]
                    vout = (g + 0.5) * v[3]
                    vc11, vc21, vc31, vc41 = t[1], t[2], t[3], t[4]
                    xc1, xc2, xc3, xc4 = (flush((vk - sk) / half_T)
                                          for vk, sk in zip(v, (s1, s2, s3, s4)))
                    s1, s2, s3, s4 = (flush(2.0 * vk - sk) for vk, sk in zip(v, (s1, s2, s3, s4)))
                    outputs.append(vout)
                    vout, vc1, vc2, vc3 = flush(vout), flush(vc1), flush(vc2), flush(vc3)
                    vc11, vc21, vc31, vc41 = flush(vc11), flush(vc21), flush(vc31), flush(vc41)
                    continue
                # fixed point (docs/maths/vcf.md §5): the paper's initial guess, >= 1 sweep
                vc4 = 0.0
                vc4_prev = 1.0
                iters = 0
                while abs(vc4 - vc4_prev) > rel_err * abs(vc4_prev):
                    vc4_prev = vc4
                    vin1 = tanh((xin - vout) / two_vt)
                    xc1 = K * (vin1 + vc11)
                    vc1 = half_T * xc1 + s1
                    vc11 = tanh((vc2 - vc1) / two_gamma)
                    xc2 = K * (vc21 - vc11)
                    vc2 = half_T * xc2 + s2
                    vc21 = tanh((vc3 - vc2) / two_gamma)
                    xc3 = K * (vc31 - vc21)
                    vc3 = half_T * xc3 + s3
                    vc31 = tanh((vc4 - vc3) / two_gamma)
                    xc4 = K * (-vc41 - vc31)
                    vc4 = half_T * xc4 + s4
                    vc41 = tanh(vc4 / six_gamma)
                    vout = vc4 / 2.0 + vc4 * g
                    iters += 1
                    if iters == max_iter:
                        nonconverged += 1
                        break
                total += iters
                max_iters = max(max_iters, iters)
                outputs.append(vout)
                # trapezoidal update, then flush everything
                s1 = flush(half_T * xc1 + vc1)
                s2 = flush(half_T * xc2 + vc2)
                s3 = flush(half_T * xc3 + vc3)
                s4 = flush(half_T * xc4 + vc4)
                vout, vc1, vc2, vc3 = flush(vout), flush(vc1), flush(vc2), flush(vc3)
                vc11, vc21, vc31, vc41 = flush(vc11), flush(vc21), flush(vc31), flush(vc41)
                xc1, xc2, xc3, xc4 = flush(xc1), flush(xc2), flush(xc3), flush(xc4)
            if factor == 1:
                y = outputs[0] * gain
            else:
                y = gain * pp.decim(h, factor, vhist, outputs)
            column[n] = 0.0 if bad else y                            # 0.5: 0.0 out
        buf[:, ch] = np.asarray(column, dtype=np.float64)  # one rounding, to buf's dtype
        state[ch, :] = (s1, s2, s3, s4, vout, vc1, vc2, vc3, vc11, vc21, vc31, vc41,
                        xc1, xc2, xc3, xc4)
        if factor > 1:
            interp_hist[ch, :] = hist
            decim_hist[ch, :] = vhist
    if frames > 0 and channels > 0:
        smooth[:4] = (K, g, drive, gain)
    counters[0] += nonfinite
    counters[1] += nonconverged
    counters[2] = max_iters
    counters[3] += total
    counters[4] += frames * channels * factor


def _residual(v, s, x, a, G, tanh):
    """Loop residual F(v) and the five tanh values (docs/maths/vcf.md §3.1)."""
    t = (tanh((x - G * v[3]) / (2.0 * VT)),
         tanh((v[1] - v[0]) / (2.0 * GAMMA)),
         tanh((v[2] - v[1]) / (2.0 * GAMMA)),
         tanh((v[3] - v[2]) / (2.0 * GAMMA)),
         tanh(v[3] / (6.0 * GAMMA)))
    F = (v[0] - s[0] - a * (t[0] + t[1]),
         v[1] - s[1] - a * (t[2] - t[1]),
         v[2] - s[2] - a * (t[3] - t[2]),
         v[3] - s[3] + a * (t[4] + t[3]))
    return F, t


def _newton_update(t, F, a, G):
    """Solve ``J d = F`` (docs/maths/vcf.md §3.2) by Gaussian elimination."""
    e = a * G / (2.0 * VT) * (1.0 - t[0] ** 2)
    d1, d2, d3 = (a / (2.0 * GAMMA) * (1.0 - tk ** 2) for tk in t[1:4])
    d4 = a / (6.0 * GAMMA) * (1.0 - t[4] ** 2)
    J = [[1.0 + d1, -d1, 0.0, e],
         [-d1, 1.0 + d1 + d2, -d2, 0.0],
         [0.0, -d2, 1.0 + d2 + d3, -d3],
         [0.0, 0.0, -d3, 1.0 + d3 + d4]]
    r = list(F)
    for i in range(3):                      # forward elimination, no pivoting
        for k in range(i + 1, 4):
            m = J[k][i] / J[i][i]
            if m != 0.0:
                for j in range(i, 4):
                    J[k][j] -= m * J[i][j]
                r[k] -= m * r[i]
    d = [0.0] * 4
    for i in range(3, -1, -1):
        d[i] = (r[i] - sum(J[i][j] * d[j] for j in range(i + 1, 4))) / J[i][i]
    return d


def newton_error_constant(a: float, G: float) -> float:
    """C of the stop rule (docs/maths/vcf.md §3.3): a bound on ||J^-1||
    (1 + a·G/(2VT)) times half the Lipschitz constant of J; after an update
    d the loop's solution is within about C·max|d_i|^2 volts."""
    g0 = G / (2.0 * VT)
    row0 = g0 * g0 + 4.0 / (2.0 * GAMMA) ** 2
    mid = 8.0 / (2.0 * GAMMA) ** 2
    return (1.0 + a * g0) * HALF_MAX_TANH2 * a * max(row0, mid)


def newton_solve(s, xc, x, a, G, half_T, tanh=math.tanh, tol=None,
                 max_iter=NEWTON_MAX_ITER):
    """Solve the loop of one sample by damped Newton (docs/maths/vcf.md §3).

    ``s``: trapezoidal states; ``xc``: previous derivatives (prediction
    ``s + half_T·xc``); ``a = half_T·K``; ``G = gfdbk + 1/2``. Returns
    ``(v, t, steps, converged)``: stage voltages, tanh values of the last
    residual, Newton steps, and whether the stop rule was met: the kernels'
    (``C·max|d_i|^2 <= NEWTON_ERR_V``) when ``tol`` is None, else
    ``max|d_i| <= tol`` volts.
    """
    cq = newton_error_constant(a, G)
    v = [sk + half_T * xk for sk, xk in zip(s, xc)]
    F, t = _residual(v, s, x, a, G, tanh)
    norm = max(abs(f) for f in F)
    iters = 0
    while True:
        d = _newton_update(t, F, a, G)
        iters += 1
        step = max(abs(dk) for dk in d)
        converged = step * step * cq <= NEWTON_ERR_V if tol is None else step <= tol
        if converged or iters == max_iter:
            return [vk - dk for vk, dk in zip(v, d)], t, iters, converged
        lam = 1.0
        while True:                          # backtracking line search
            w = [vk - lam * dk for vk, dk in zip(v, d)]
            Fw, tw = _residual(w, s, x, a, G, tanh)
            nw = max(abs(f) for f in Fw)
            if nw <= norm or lam <= LAMBDA_MIN:
                break
            lam *= 0.5
        v, F, t, norm = w, Fw, tw, nw
