"""YinTracker float64 reference (docs/maths/yin.md §5.2–5.3), line by line.

Uses ``numpy.fft.rfft``/``irfft`` for the autocorrelation (5.3.1) and
plain NumPy/Python for the rest. Same state arrays as the C and Numba
kernels; results are written to the ring columns from ``head`` on and the
caller publishes them.
"""
from __future__ import annotations

import math

import numpy as np

TINY = np.finfo(np.float64).tiny  # 5.3.4: smallest positive normal float64


def yin_frame(y: np.ndarray, sample_rate: float, p_min: int, p_max: int, n_fft: int,
              trough_threshold: float, silence_db: float) -> tuple[float, float, bool, int]:
    """One frame of docs/maths/yin.md §5.3. Returns ``(f0_hz, confidence, voiced, i)``."""
    y = np.asarray(y, dtype=np.float64)
    N = len(y)
    # 5.3.1 autocorrelation via FFT (any n_fft >= 2N - 1)
    R = np.fft.rfft(y, n_fft)
    r = np.fft.irfft(R.real ** 2 + R.imag ** 2, n_fft)[:p_max + 1]
    # 5.3.2 energy prefix sums E[j] = sum_{i<=j} y[i]^2
    E = np.cumsum(y * y)
    # 5.3.3 librosa's difference function (lag-1 quirk: no energy term at tau = 1)
    E_shifted = E.copy()
    E_shifted[0] = 0.0
    d = np.zeros(p_max + 1)
    tau = np.arange(1, p_max + 1)
    d[1:] = 2.0 * (r[0] - r[1:]) - E_shifted[tau - 1]
    # 5.3.4 cumulative mean normalised difference for tau = p_min .. p_max
    cumulative_mean = np.cumsum(d[1:]) / tau
    x = d[p_min:p_max + 1] / (cumulative_mean[p_min - 1:p_max] + TINY)
    M = len(x)
    # 5.3.5 parabolic shifts
    shift = np.zeros(M)
    for i in range(1, M - 1):
        a = x[i + 1] + x[i - 1] - 2.0 * x[i]
        b = (x[i + 1] - x[i - 1]) / 2.0
        shift[i] = 0.0 if abs(b) >= abs(a) else -b / a
    # 5.3.6 troughs
    trough = np.zeros(M, dtype=bool)
    trough[0] = x[0] < x[1]
    trough[1:M - 1] = (x[1:M - 1] < x[0:M - 2]) & (x[1:M - 1] <= x[2:M])
    trough[M - 1] = x[M - 1] < x[M - 2]
    # 5.3.7 selection: first trough below the threshold, else the global minimum
    below = np.flatnonzero(trough & (x < trough_threshold))
    found = below.size > 0
    i = int(below[0]) if found else int(np.argmin(x))
    # 5.3.8 period and f0
    period = (p_min + i) + shift[i]
    f0_hz = sample_rate / period
    confidence = min(max(1.0 - x[i], 0.0), 1.0)
    frame_rms_db = 10.0 * math.log10(max(1e-20, E[N - 1] / N))
    voiced = bool(found and frame_rms_db > silence_db)
    return float(f0_hz), float(confidence), voiced, i


def yin_process(params: np.ndarray, config: np.ndarray, history: np.ndarray, n_seen: np.ndarray,
                counters: np.ndarray, sample_rate: float, buf: np.ndarray, ring: dict,
                head: int, tail: int, dropped: int) -> tuple[int, int]:
    """Stream ``buf`` through the tracker (5.2); returns ``(head, dropped)``."""
    trough_threshold, silence_db = float(params[0]), float(params[1])
    N, hop, p_min, p_max, n_fft = (int(v) for v in config[:5])
    capacity = len(ring["f0_hz"])
    frames, channels = buf.shape
    for n in range(frames):
        for ch in range(channels):  # 0.5: non-finite -> 0.0 before buffering
            v = float(buf[n, ch])
            if not math.isfinite(v):
                v = 0.0
                counters[0] += 1
            history[ch, n_seen[ch] % N] = v
            n_seen[ch] += 1
        seen = int(n_seen[0])
        if seen >= N and (seen - N) % hop == 0:
            t = (seen - N) // hop
            time_s = (t * hop + N / 2.0) / sample_rate
            for ch in range(channels):
                frame = np.roll(history[ch], -(seen % N))  # oldest sample first
                f0, conf, voiced, _ = yin_frame(frame, sample_rate, p_min, p_max, n_fft,
                                                trough_threshold, silence_db)
                if head - tail >= capacity:
                    dropped += 1
                    continue
                slot = head & (capacity - 1)
                ring["channel"][slot] = ch
                ring["frame"][slot] = t
                ring["time_s"][slot] = time_s
                ring["f0_hz"][slot] = f0
                ring["confidence"][slot] = conf
                ring["voiced"][slot] = voiced
                head += 1
            counters[1] += 1
    return head, dropped
