"""VCF float64 reference: specs/effects.md 4.2 line by line, with 0.4–0.6.

Plain Python (``math.tanh``), no NumPy in the inner loop; this is the
"interpreted Python" row of the paper's Table B (spec 7.2). With an
oversampling factor L > 1 (4.4) the model runs L steps per base sample
between the direct-form polyphase filters of
rtaudio/kernels/reference/polyphase.py (spec 3.5).
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from rtaudio.kernels.reference import polyphase as pp
from rtaudio.kernels.reference.common import flush, sanitize, smooth_step

# 4.1 constants
VT = 0.026
ETA = 1.836
GAMMA = ETA * VT
REL_ERR = 10e-4
MAX_ITER = 100
N_STATE = 16  # s1 s2 s3 s4 vout vc1 vc2 vc3 vc11 vc21 vc31 vc41 xc1 xc2 xc3 xc4


def vcf_process(params: np.ndarray, smooth: np.ndarray, state: np.ndarray,
                counters: np.ndarray, buf: np.ndarray,
                tanh: Callable[[float], float] = math.tanh,
                oversampling: Optional[tuple] = None) -> None:
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
    """
    k_t, g_t, d_t, o_t, s = (float(v) for v in params[:5])
    half_T = float(params[5]) / 2.0
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
                # 4.2 step 1: the repo's initial guess, at least one iteration
                vc4 = 0.0
                vc4_prev = 1.0
                iters = 0
                while abs(vc4 - vc4_prev) > REL_ERR * abs(vc4_prev):   # step 2
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
                    vout = vc4 / 2.0 + vc4 * g                        # step 2.7
                    iters += 1
                    if iters == MAX_ITER:                             # step 2.8
                        nonconverged += 1
                        break
                total += iters
                max_iters = max(max_iters, iters)
                outputs.append(vout)                                  # step 3
                # step 4: trapezoidal update, then flush everything (0.6)
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
