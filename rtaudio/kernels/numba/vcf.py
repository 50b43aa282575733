"""VCF Numba kernel (specs/effects.md 4.2 + 0.4–0.6), mirror of native/vcf.c.

With an oversampling factor L > 1 (4.4) the model runs L steps per base
sample between the polyphase filters of rtaudio/kernels/numba/polyphase.py
(spec 3.5); L = 1 is the paper's model at fs with no filtering.
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
            if bad:  # spec 0.5: 0.0 in, 0.0 out, counted
                x = 0.0
                nonfinite += 1
            x = x * drive
            if factor > 1:
                pp_interp(interp_taps, factor, interp_hist[ch], x, vin)
            for j in range(factor):
                xin = x if factor == 1 else vin[j]
                vc4 = 0.0
                vc4_prev = 1.0
                iters = 0
                while abs(vc4 - vc4_prev) > REL_ERR * abs(vc4_prev):
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
