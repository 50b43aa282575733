"""Biquad filters of the RBJ Audio-Eq-Cookbook (docs/maths/everyday-effects.md §3).

One second-order section in transposed direct form II, float64 state.
The coefficients are recomputed only on samples where a (smoothed)
parameter differs from the previous sample, never at block boundaries,
so the output does not depend on the block partition.
"""
from __future__ import annotations

import math

from numba import njit

from rtaudio.effects.api import effect
from rtaudio.params import Param

TYPES = ("lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass")
LOWPASS, HIGHPASS, BANDPASS, NOTCH, PEAK, LOWSHELF, HIGHSHELF, ALLPASS = range(8)

#: highest centre/corner frequency as a fraction of the sample rate
MAX_FREQ_RATIO = 0.49
#: states below this magnitude are set to 0.0 (denormal rule, §0)
FLUSH = 1e-30


def freq_param(name: str, default: float, doc: str, low: float = 10.0) -> Param:
    """A frequency parameter in [low, 0.49·fs] Hz, log-scaled slider."""
    return Param(name, "Hz", default, low, lambda fs: MAX_FREQ_RATIO * fs, log_scale=True, doc=doc)


PARAMS = [
    Param("type", "", "lowpass", choices=TYPES, doc="response shape (RBJ cookbook)", smoothed=False),
    freq_param("freq_hz", 1000.0, "corner / centre frequency"),
    Param("q", "", 0.7071067811865476, 0.1, 40.0, log_scale=True, doc="quality factor Q (cookbook's Q)"),
    Param("gain_db", "dB", 0.0, -36.0, 36.0, doc="gain of peak and shelf types (ignored by the others)"),
]
# z: the two TDF-II states per channel; cache (row 0): [valid, type, f, q, gain, b0, b1, b2, a1, a2]
STATE = {"z": 2, "cache": 10}
LATENCY_SAMPLES = 0


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def rbj_coefficients(kind, freq_hz, q, gain_db, sample_rate, out):
    """Write (b0, b1, b2, a1, a2) / a0 of the cookbook filter ``kind`` into ``out[0:5]`` (§3.1)."""
    w0 = 2.0 * math.pi * freq_hz / sample_rate
    cw = math.cos(w0)
    alpha = math.sin(w0) / (2.0 * q)
    a = math.pow(10.0, gain_db / 40.0)
    if kind == LOWPASS:
        b0 = (1.0 - cw) / 2.0
        b1 = 1.0 - cw
        b2 = b0
        a0 = 1.0 + alpha
        a1 = -2.0 * cw
        a2 = 1.0 - alpha
    elif kind == HIGHPASS:
        b0 = (1.0 + cw) / 2.0
        b1 = -(1.0 + cw)
        b2 = b0
        a0 = 1.0 + alpha
        a1 = -2.0 * cw
        a2 = 1.0 - alpha
    elif kind == BANDPASS:
        b0 = alpha
        b1 = 0.0
        b2 = -alpha
        a0 = 1.0 + alpha
        a1 = -2.0 * cw
        a2 = 1.0 - alpha
    elif kind == NOTCH:
        b0 = 1.0
        b1 = -2.0 * cw
        b2 = 1.0
        a0 = 1.0 + alpha
        a1 = -2.0 * cw
        a2 = 1.0 - alpha
    elif kind == PEAK:
        b0 = 1.0 + alpha * a
        b1 = -2.0 * cw
        b2 = 1.0 - alpha * a
        a0 = 1.0 + alpha / a
        a1 = -2.0 * cw
        a2 = 1.0 - alpha / a
    elif kind == LOWSHELF:
        k = 2.0 * math.sqrt(a) * alpha
        b0 = a * ((a + 1.0) - (a - 1.0) * cw + k)
        b1 = 2.0 * a * ((a - 1.0) - (a + 1.0) * cw)
        b2 = a * ((a + 1.0) - (a - 1.0) * cw - k)
        a0 = (a + 1.0) + (a - 1.0) * cw + k
        a1 = -2.0 * ((a - 1.0) + (a + 1.0) * cw)
        a2 = (a + 1.0) + (a - 1.0) * cw - k
    elif kind == HIGHSHELF:
        k = 2.0 * math.sqrt(a) * alpha
        b0 = a * ((a + 1.0) + (a - 1.0) * cw + k)
        b1 = -2.0 * a * ((a - 1.0) + (a + 1.0) * cw)
        b2 = a * ((a + 1.0) + (a - 1.0) * cw - k)
        a0 = (a + 1.0) - (a - 1.0) * cw + k
        a1 = 2.0 * ((a - 1.0) - (a + 1.0) * cw)
        a2 = (a + 1.0) - (a - 1.0) * cw - k
    else:  # ALLPASS
        b0 = 1.0 - alpha
        b1 = -2.0 * cw
        b2 = 1.0 + alpha
        a0 = 1.0 + alpha
        a1 = -2.0 * cw
        a2 = 1.0 - alpha
    out[0] = b0 / a0
    out[1] = b1 / a0
    out[2] = b2 / a0
    out[3] = a1 / a0
    out[4] = a2 / a0


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def refresh_section(cache, base, kind, freq_hz, q, gain_db, sample_rate):
    """Recompute the cached coefficients at ``cache[base:base+10]`` if a value changed (§3.2)."""
    if (cache[base] == 0.0 or cache[base + 1] != kind or cache[base + 2] != freq_hz
            or cache[base + 3] != q or cache[base + 4] != gain_db):
        rbj_coefficients(int(kind), freq_hz, q, gain_db, sample_rate, cache[base + 5:base + 10])
        cache[base] = 1.0
        cache[base + 1] = kind
        cache[base + 2] = freq_hz
        cache[base + 3] = q
        cache[base + 4] = gain_db


def biquad_kernel(block, params, state, sample_rate):
    """y = b0·x + z1;  z1 = b1·x − a1·y + z2;  z2 = b2·x − a2·y (§3.2).

    Coefficients and (for one or two channels) the states live in locals;
    the coefficients are refreshed only on samples whose parameter values
    differ from the previous sample's.
    """
    frames = block.shape[0]
    channels = block.shape[1]
    cache = state.cache[0]
    z = state.z
    kind = params.type[0]
    if frames > 0:  # a new type (unsmoothed: changes only between blocks) is picked up here
        refresh_section(cache, 0, kind, params.freq_hz[0], params.q[0], params.gain_db[0], sample_rate)
    f = cache[2]
    q = cache[3]
    g = cache[4]
    b0 = cache[5]
    b1 = cache[6]
    b2 = cache[7]
    a1 = cache[8]
    a2 = cache[9]
    if channels <= 2:
        s1 = z[0, 0]
        s2 = z[0, 1]
        t1 = z[channels - 1, 0]
        t2 = z[channels - 1, 1]
        for n in range(frames):
            if params.freq_hz[n] != f or params.q[n] != q or params.gain_db[n] != g:
                refresh_section(cache, 0, kind, params.freq_hz[n], params.q[n], params.gain_db[n], sample_rate)
                f = cache[2]
                q = cache[3]
                g = cache[4]
                b0 = cache[5]
                b1 = cache[6]
                b2 = cache[7]
                a1 = cache[8]
                a2 = cache[9]
            x = float(block[n, 0])
            y = b0 * x + s1
            s1 = b1 * x - a1 * y + s2
            s2 = b2 * x - a2 * y
            if abs(s1) < FLUSH:
                s1 = 0.0
            if abs(s2) < FLUSH:
                s2 = 0.0
            block[n, 0] = y
            if channels == 2:
                x = float(block[n, 1])
                y = b0 * x + t1
                t1 = b1 * x - a1 * y + t2
                t2 = b2 * x - a2 * y
                if abs(t1) < FLUSH:
                    t1 = 0.0
                if abs(t2) < FLUSH:
                    t2 = 0.0
                block[n, 1] = y
        z[0, 0] = s1
        z[0, 1] = s2
        if channels == 2:
            z[1, 0] = t1
            z[1, 1] = t2
        return
    for n in range(frames):
        if params.freq_hz[n] != f or params.q[n] != q or params.gain_db[n] != g:
            refresh_section(cache, 0, kind, params.freq_hz[n], params.q[n], params.gain_db[n], sample_rate)
            f = cache[2]
            q = cache[3]
            g = cache[4]
            b0 = cache[5]
            b1 = cache[6]
            b2 = cache[7]
            a1 = cache[8]
            a2 = cache[9]
        for c in range(channels):
            x = float(block[n, c])
            y = b0 * x + z[c, 0]
            z1 = b1 * x - a1 * y + z[c, 1]
            z2 = b2 * x - a2 * y
            if abs(z1) < FLUSH:
                z1 = 0.0
            if abs(z2) < FLUSH:
                z2 = 0.0
            z[c, 0] = z1
            z[c, 1] = z2
            block[n, c] = y


#: the ``biquad`` processor, built with the public effect API (docs/effects-api.md)
Biquad = effect(name="biquad", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(biquad_kernel)
