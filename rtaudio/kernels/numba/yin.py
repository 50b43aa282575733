"""YinTracker Numba kernel (docs/maths/yin.md §5.2–5.3), mirror of native/kernels/yin.c.

Same state arrays and operation order as the C kernel, both paths: the
block path (``config[5] = L > 0``: per-block spectra shared by the frames
that contain them, cross-spectra of block pairs) and the whole-frame path
(one FFT of length ``n_fft`` per frame); see ``native/kernels/yin.c``. The FFTs
are ``rtaudio.kernels.numba.fft`` (Numba cannot call numpy.fft). Results
are written into the ring columns from ``head`` on; the caller publishes
the new head with the C release store afterwards (``rtd_ring_publish``).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from rtaudio.kernels.numba.fft import add_alternating, autocorr, conj_product, irfft, rfft

TINY = np.finfo(np.float64).tiny  # smallest positive normal float64 (5.3.4)


@njit(nogil=True, cache=True, fastmath=False)
def _half_stride(L):
    return L + 8          # im offset in a spectrum slot (native/kernels/yin.c)


@njit(nogil=True, cache=True, fastmath=False)
def _slot_stride(L):
    return 2 * L + 32     # doubles per spectrum slot (native/kernels/yin.c)


@njit(nogil=True, cache=True, fastmath=False)
def prefix_sum4(v, out, n):
    """``out[i] = Σ_{k≤i} v[k]`` as 4 interleaved segment chains plus offsets
    (mirror of ``prefix_sum4`` in native/kernels/yin.c; ``out`` may be ``v``)."""
    seg = (n + 3) // 4
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    for i in range(seg):
        a0 = a0 + v[i]
        out[i] = a0
        idx = seg + i
        if idx < n:
            a1 = a1 + v[idx]
            out[idx] = a1
        idx = 2 * seg + i
        if idx < n:
            a2 = a2 + v[idx]
            out[idx] = a2
        idx = 3 * seg + i
        if idx < n:
            a3 = a3 + v[idx]
            out[idx] = a3
    s = 1
    while s < 4 and s * seg < n:
        offset = out[s * seg - 1]      # total before segment s (already offset)
        stop = min((s + 1) * seg, n)
        for idx in range(s * seg, stop):
            out[idx] = offset + out[idx]
        s += 1


@njit(nogil=True, cache=True, fastmath=False)
def cmnd_from_autocorr(y, r, p_min, p_max, inv_tau, scratch, x):
    """5.3.2-4: cmnd ``x`` from the autocorrelation ``r`` (``r[1:]`` is
    overwritten); ``scratch`` holds 2·p_max doubles. Returns E[p_max − 1]."""
    energy = scratch[0:p_max]
    diff = scratch[p_max:2 * p_max]
    for i in range(p_max):
        energy[i] = y[i] * y[i]
    prefix_sum4(energy, energy, p_max)
    r0 = r[0]
    diff[0] = 2.0 * (r0 - r[1]) - 0.0            # d[1]: librosa zeroes E[0] (5.3.3)
    for tau in range(2, p_max + 1):
        diff[tau - 1] = 2.0 * (r0 - r[tau]) - energy[tau - 1]    # E[τ−1]
    cum = r[1:p_max + 1]
    prefix_sum4(diff, cum, p_max)
    first = p_min if p_min > 1 else 1
    for tau in range(first, p_max + 1):          # 5.3.4, cs/τ as cs·(1/τ)
        x[tau - p_min] = diff[tau - 1] / (cum[tau - 1] * inv_tau[tau] + TINY)
    return energy[p_max - 1]


@njit(nogil=True, cache=True, fastmath=False)
def pick_period(x, config, sample_rate, energy, trough_threshold, silence_db, out):
    """5.3.5-8, confidence and voicing: ``out = [f0_hz, confidence, voiced, i]``."""
    N = config[0]
    p_min = config[2]
    M = config[3] - p_min + 1
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
    mean_power = energy / np.float64(N)
    if not (mean_power > 1e-20):
        mean_power = 1e-20
    rms_db = 10.0 * math.log10(mean_power)
    out[0] = sample_rate / period
    out[1] = confidence
    out[2] = 1.0 if (found and rms_db > silence_db) else 0.0
    out[3] = np.float64(best)


@njit(nogil=True, cache=True, fastmath=False)
def yin_frame(y, config, sample_rate, trough_threshold, silence_db, work,
              cos_m, sin_m, cos_n, sin_n, bitrev, inv_tau, out):
    """Whole-frame path: analyse one frame ``y`` (N float64)."""
    N = config[0]
    p_min = config[2]
    p_max = config[3]
    n_fft = config[4]
    M = p_max - p_min + 1
    r = work[2 * n_fft:2 * n_fft + p_max + 1]
    x = work[2 * n_fft + p_max + 1:2 * n_fft + p_max + 1 + M]
    autocorr(y, N, n_fft, cos_m, sin_m, cos_n, sin_n, bitrev, work, r, p_max + 1)  # 5.3.1
    sc = 2 * n_fft + 2 * (p_max + 1)            # cmnd scratch after r and x
    e = cmnd_from_autocorr(y, r, p_min, p_max, inv_tau, work[sc:sc + 2 * p_max], x)
    for j in range(p_max, N):
        e = e + y[j] * y[j]
    pick_period(x, config, sample_rate, e, trough_threshold, silence_db, out)


@njit(nogil=True, cache=True, fastmath=False)
def block_spectrum(y, start, config, work, cos_m, sin_m, cos_n, sin_n, bitrev, spectra, slot_base,
                   block_energy, energy_index):
    """Spectrum (into ``spectra[slot_base:]``) and energy of the block ``y[start:start+L]``."""
    L = config[5]
    hs = _half_stride(L)
    block = y[start:start + L]
    rfft(block, L, 2 * L, cos_m, sin_m, cos_n, sin_n, bitrev, work[0:4 * L],
         spectra[slot_base:slot_base + L + 1], spectra[slot_base + hs:slot_base + hs + L + 1])
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for i in range(0, L, 4):           # 4 chains: L % 4 == 0
        s0 = s0 + block[i] * block[i]
        s1 = s1 + block[i + 1] * block[i + 1]
        s2 = s2 + block[i + 2] * block[i + 2]
        s3 = s3 + block[i + 3] * block[i + 3]
    block_energy[energy_index] = (s0 + s1) + (s2 + s3)


@njit(nogil=True, cache=True, fastmath=False)
def yin_frame_blocks(y, spectra, spec_base, block_energy, energy_base, first, config, sample_rate,
                     trough_threshold, silence_db, work, cos_m, sin_m, cos_n, sin_n, bitrev, inv_tau,
                     out):
    """Block path: one frame from its block spectra (frame block b in slot
    ``(first + b) % B``) and its first p_max samples ``y``."""
    p_min = config[2]
    p_max = config[3]
    L = config[5]
    D = config[6]
    B = config[7]
    M = p_max - p_min + 1
    n_q = p_max // L + 1               # lag ranges [qL, qL + L)
    hs = _half_stride(L)
    stride = _slot_stride(L)
    fft_work = work[0:4 * L]
    r = work[4 * L:4 * L + p_max + 1]
    x = work[4 * L + p_max + 1:4 * L + p_max + 1 + M]
    s0 = 4 * L + p_max + 1 + M         # D spectrum slots: S_d, then U_q
    c0 = s0 + D * stride               # n_q x 2L: u_q
    for d in range(D):
        sd = s0 + d * stride
        s_re = work[sd:sd + L + 1]
        s_im = work[sd + hs:sd + hs + L + 1]
        for b in range(B - d):         # S_d = Σ_b conj(F_b)·F_{b+d}
            f = spec_base + ((first + b) % B) * stride
            g = spec_base + ((first + b + d) % B) * stride
            conj_product(spectra[f:f + L + 1], spectra[f + hs:f + hs + L + 1],
                         spectra[g:g + L + 1], spectra[g + hs:g + hs + L + 1], s_re, s_im, L + 1,
                         b > 0)
    for q in range(n_q):
        u = s0 + q * stride
        if q + 1 < D:                  # U_q = S_q + (−1)^k S_{q+1}
            add_alternating(work[u:u + L + 1], work[u + hs:u + hs + L + 1],
                            work[u + stride:u + stride + L + 1],
                            work[u + stride + hs:u + stride + hs + L + 1], L + 1)
        cq = c0 + q * 2 * L
        irfft(work[u:u + L + 1], work[u + hs:u + hs + L + 1], 2 * L, cos_m, sin_m, cos_n, sin_n,
              bitrev, fft_work, work[cq:cq + 2 * L])
        jmax = min(p_max - q * L, L - 1)
        for j in range(jmax + 1):      # r[qL + j] = u_q[j]
            r[q * L + j] = work[cq + j]
    sc = c0 + n_q * 2 * L                       # cmnd scratch, 2·p_max
    cmnd_from_autocorr(y, r, p_min, p_max, inv_tau, work[sc:sc + 2 * p_max], x)
    e = block_energy[energy_base + first % B]   # E[N−1] = Σ block energies
    for b in range(1, B):
        e = e + block_energy[energy_base + (first + b) % B]
    pick_period(x, config, sample_rate, e, trough_threshold, silence_db, out)


@njit(nogil=True, cache=True, fastmath=False)
def analyse_frame(y, config, sample_rate, trough_threshold, silence_db, work, cos_m, sin_m, cos_n,
                  sin_n, bitrev, spectra, block_energy, inv_tau, channels, out):
    """One frame with the tracker's path (block spectra in the spare set)."""
    L = config[5]
    if L == 0:
        yin_frame(y, config, sample_rate, trough_threshold, silence_db, work,
                  cos_m, sin_m, cos_n, sin_n, bitrev, inv_tau, out)
        return
    B = config[7]
    spec_base = channels * B * _slot_stride(L)
    energy_base = channels * B
    for b in range(B):
        block_spectrum(y, b * L, config, work, cos_m, sin_m, cos_n, sin_n, bitrev, spectra,
                       spec_base + b * _slot_stride(L), block_energy, energy_base + b)
    yin_frame_blocks(y, spectra, spec_base, block_energy, energy_base, 0, config, sample_rate,
                     trough_threshold, silence_db, work, cos_m, sin_m, cos_n, sin_n, bitrev, inv_tau,
                     out)


@njit(nogil=True, cache=True, fastmath=False)
def _append(history, n_seen, buf, pos, take, seen, N):
    """Append ``take`` frames of ``buf`` to the rings (non-finite -> 0.0)."""
    nonfinite = 0
    for ch in range(buf.shape[1]):
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
    return nonfinite


@njit(nogil=True, cache=True, fastmath=False)
def _copy_frame(frame, history, ch, seen, N, count):
    """First ``count`` samples of the frame ending at n_seen = seen."""
    oldest = seen % N
    first_part = min(N - oldest, count)
    for i in range(first_part):
        frame[i] = history[ch, oldest + i]
    for i in range(first_part, count):
        frame[i] = history[ch, i - first_part]


@njit(nogil=True, cache=True, fastmath=False)
def yin_process(params, config, history, n_seen, frame, work, cos_m, sin_m, cos_n, sin_n,
                bitrev, spectra, block_energy, inv_tau, out, counters, sample_rate, buf, r_channel,
                r_frame,
                r_time, r_f0, r_conf, r_voiced, head, tail, dropped):
    """Stream ``buf`` (frames, channels) through the tracker; returns (head, dropped).

    ``out`` is a preallocated scratch of 4 doubles (no allocation here).
    """
    trough_threshold = params[0]
    silence_db = params[1]
    N = config[0]
    hop = config[1]
    p_max = config[3]
    L = config[5]
    B = config[7]
    stride = _slot_stride(L)
    capacity = r_f0.shape[0]
    frames, channels = buf.shape
    seen = n_seen[0]
    nonfinite = 0
    pos = 0
    while pos < frames:
        if L > 0:                      # block path: stop at block boundaries
            nxt = (seen // L + 1) * L
        else:                          # whole-frame path: stop at frame completions
            nxt = N if seen < N else N + ((seen - N) // hop + 1) * hop
        take = min(nxt - seen, frames - pos)
        nonfinite += _append(history, n_seen, buf, pos, take, seen, N)
        seen += take
        pos += take
        if seen != nxt:
            continue
        if L > 0:
            slot = (seen // L - 1) % B
            for ch in range(channels):
                block_spectrum(history[ch], (seen - L) % N, config, work, cos_m, sin_m, cos_n,
                               sin_n, bitrev, spectra, (ch * B + slot) * stride, block_energy,
                               ch * B + slot)
            if seen < N or (seen - N) % hop != 0:
                continue
        t = (seen - N) // hop
        time_s = (np.float64(t * hop) + np.float64(N) / 2.0) / sample_rate
        for ch in range(channels):
            if L > 0:
                _copy_frame(frame, history, ch, seen, N, p_max)
                yin_frame_blocks(frame, spectra, ch * B * stride, block_energy, ch * B,
                                 ((seen - N) // L) % B, config, sample_rate, trough_threshold,
                                 silence_db, work, cos_m, sin_m, cos_n, sin_n, bitrev, inv_tau, out)
            else:
                _copy_frame(frame, history, ch, seen, N, N)
                yin_frame(frame, config, sample_rate, trough_threshold, silence_db, work,
                          cos_m, sin_m, cos_n, sin_n, bitrev, inv_tau, out)
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
