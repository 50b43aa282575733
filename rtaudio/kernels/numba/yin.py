"""YinTracker Numba kernel (specs/effects.md 5.2-5.3), mirror of native/yin.c.

Same state arrays and operation order as the C kernel; the FFT is
``rtaudio.kernels.numba.fft`` (Numba cannot call numpy.fft). Results are
written into the ring columns from ``head`` on; the caller publishes the
new head with the C release store afterwards (``rtd_yin_ring_publish``).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from rtaudio.kernels.numba.fft import autocorr

TINY = np.finfo(np.float64).tiny  # smallest positive normal float64 (5.3.4)


@njit(nogil=True, cache=True, fastmath=False)
def yin_frame(y, config, sample_rate, trough_threshold, silence_db, work,
              cos_m, sin_m, cos_n, sin_n, bitrev, out):
    """Analyse one frame ``y`` (N float64): ``out = [f0_hz, confidence, voiced, i]``."""
    N = config[0]
    p_min = config[2]
    p_max = config[3]
    n_fft = config[4]
    M = p_max - p_min + 1
    r = work[2 * n_fft:2 * n_fft + p_max + 1]
    x = work[2 * n_fft + p_max + 1:2 * n_fft + p_max + 1 + M]
    autocorr(y, N, n_fft, cos_m, sin_m, cos_n, sin_n, bitrev, work, r, p_max + 1)  # 5.3.1

    r0 = r[0]
    e = y[0] * y[0]                    # E[0]
    d = 2.0 * (r0 - r[1]) - 0.0        # d[1]: librosa zeroes E[0] (5.3.3)
    cs = d
    if p_min <= 1:
        x[1 - p_min] = d / (cs / 1.0 + TINY)
    for tau in range(2, p_max + 1):
        e = e + y[tau - 1] * y[tau - 1]
        d = 2.0 * (r0 - r[tau]) - e
        cs = cs + d
        if tau >= p_min:
            x[tau - p_min] = d / (cs / np.float64(tau) + TINY)   # 5.3.4
    for j in range(p_max, N):
        e = e + y[j] * y[j]

    best = -1                          # 5.3.6-7
    for i in range(M):
        if i == 0:
            trough = x[0] < x[1]
        elif i == M - 1:
            trough = x[M - 1] < x[M - 2]
        else:
            trough = x[i] < x[i - 1] and x[i] <= x[i + 1]
        if trough and x[i] < trough_threshold:
            best = i
            break
    found = best >= 0
    if not found:
        best = 0
        for i in range(1, M):
            if x[i] < x[best]:
                best = i
    shift = 0.0                        # 5.3.5
    if best > 0 and best < M - 1:
        a = x[best + 1] + x[best - 1] - 2.0 * x[best]
        b = (x[best + 1] - x[best - 1]) / 2.0
        if not (abs(b) >= abs(a)):
            shift = -b / a
    period = np.float64(p_min + best) + shift
    confidence = 1.0 - x[best]
    confidence = 0.0 if confidence < 0.0 else (1.0 if confidence > 1.0 else confidence)
    mean_power = e / np.float64(N)
    if not (mean_power > 1e-20):
        mean_power = 1e-20
    rms_db = 10.0 * math.log10(mean_power)
    out[0] = sample_rate / period
    out[1] = confidence
    out[2] = 1.0 if (found and rms_db > silence_db) else 0.0
    out[3] = np.float64(best)


@njit(nogil=True, cache=True, fastmath=False)
def yin_process(params, config, history, n_seen, frame, work, cos_m, sin_m, cos_n, sin_n,
                bitrev, out, counters, sample_rate, buf, r_channel, r_frame, r_time, r_f0, r_conf,
                r_voiced, head, tail, dropped):
    """Stream ``buf`` (frames, channels) through the tracker; returns (head, dropped).

    ``out`` is a preallocated scratch of 4 doubles (no allocation here).
    """
    trough_threshold = params[0]
    silence_db = params[1]
    N = config[0]
    hop = config[1]
    capacity = r_f0.shape[0]
    frames, channels = buf.shape
    seen = n_seen[0]
    nonfinite = 0
    pos = 0
    while pos < frames:
        nxt = N if seen < N else N + ((seen - N) // hop + 1) * hop
        take = min(nxt - seen, frames - pos)
        for ch in range(channels):
            w = seen % N
            for n in range(take):
                v = np.float64(buf[pos + n, ch])
                if not math.isfinite(v):
                    v = 0.0
                    nonfinite += 1
                history[ch, w] = v
                w += 1
                if w == N:
                    w = 0
            n_seen[ch] = seen + take
        seen += take
        pos += take
        if seen == nxt:
            t = (seen - N) // hop
            time_s = (np.float64(t * hop) + np.float64(N) / 2.0) / sample_rate
            oldest = seen % N
            for ch in range(channels):
                k = 0
                for i in range(oldest, N):
                    frame[k] = history[ch, i]
                    k += 1
                for i in range(oldest):
                    frame[k] = history[ch, i]
                    k += 1
                yin_frame(frame, config, sample_rate, trough_threshold, silence_db, work,
                          cos_m, sin_m, cos_n, sin_n, bitrev, out)
                if head - tail >= capacity:
                    dropped += 1
                else:
                    slot = head & (capacity - 1)
                    r_channel[slot] = ch
                    r_frame[slot] = t
                    r_time[slot] = time_s
                    r_f0[slot] = out[0]
                    r_conf[slot] = out[1]
                    r_voiced[slot] = 1 if out[2] != 0.0 else 0
                    head += 1
            counters[1] += 1
    counters[0] += nonfinite
    return head, dropped
