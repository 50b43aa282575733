"""Five-band equaliser: low shelf, three peaks, high shelf (docs/maths/everyday-effects.md §4).

The five cookbook sections of ``biquad`` (rtaudio/processors/biquad.py) in
series; shelves use Q = 1/√2 (the cookbook's shelf slope S = 1).
"""
from __future__ import annotations

import math

from rtaudio.effects.api import effect
from rtaudio.params import Param
from rtaudio.processors.biquad import FLUSH, HIGHSHELF, LOWSHELF, PEAK, freq_param, refresh_section

SHELF_Q = 1.0 / math.sqrt(2.0)
BANDS = 5


def _gain(name: str) -> Param:
    return Param(name, "dB", 0.0, -24.0, 24.0, doc="band gain (0 dB = flat)")


def _q(name: str) -> Param:
    return Param(name, "", 1.0, 0.1, 20.0, log_scale=True, doc="peak quality factor Q")


PARAMS = [
    freq_param("low_freq_hz", 100.0, "low-shelf corner"), _gain("low_gain_db"),
    freq_param("mid1_freq_hz", 300.0, "peak 1 centre"), _gain("mid1_gain_db"), _q("mid1_q"),
    freq_param("mid2_freq_hz", 1000.0, "peak 2 centre"), _gain("mid2_gain_db"), _q("mid2_q"),
    freq_param("mid3_freq_hz", 3500.0, "peak 3 centre"), _gain("mid3_gain_db"), _q("mid3_q"),
    freq_param("high_freq_hz", 8000.0, "high-shelf corner"), _gain("high_gain_db"),
]
# z: 2 TDF-II states per band and channel; cache (row 0): 10 values per band (see biquad.STATE)
STATE = {"z": 2 * BANDS, "cache": 10 * BANDS}
LATENCY_SAMPLES = 0


def eq_kernel(block, params, state, sample_rate):
    """Low shelf → peak 1 → peak 2 → peak 3 → high shelf, each a TDF-II section (§4).

    The five sections' parameters are compared with their cached values per
    sample (a refresh only where one changed, §0).
    """
    frames = block.shape[0]
    channels = block.shape[1]
    cache = state.cache[0]
    z = state.z
    for n in range(frames):
        lf = params.low_freq_hz[n]
        lg = params.low_gain_db[n]
        if cache[2] != lf or cache[4] != lg or cache[0] == 0.0:
            refresh_section(cache, 0, float(LOWSHELF), lf, SHELF_Q, lg, sample_rate)
        f1 = params.mid1_freq_hz[n]
        q1 = params.mid1_q[n]
        g1 = params.mid1_gain_db[n]
        if cache[12] != f1 or cache[13] != q1 or cache[14] != g1 or cache[10] == 0.0:
            refresh_section(cache, 10, float(PEAK), f1, q1, g1, sample_rate)
        f2 = params.mid2_freq_hz[n]
        q2 = params.mid2_q[n]
        g2 = params.mid2_gain_db[n]
        if cache[22] != f2 or cache[23] != q2 or cache[24] != g2 or cache[20] == 0.0:
            refresh_section(cache, 20, float(PEAK), f2, q2, g2, sample_rate)
        f3 = params.mid3_freq_hz[n]
        q3 = params.mid3_q[n]
        g3 = params.mid3_gain_db[n]
        if cache[32] != f3 or cache[33] != q3 or cache[34] != g3 or cache[30] == 0.0:
            refresh_section(cache, 30, float(PEAK), f3, q3, g3, sample_rate)
        hf = params.high_freq_hz[n]
        hg = params.high_gain_db[n]
        if cache[42] != hf or cache[44] != hg or cache[40] == 0.0:
            refresh_section(cache, 40, float(HIGHSHELF), hf, SHELF_Q, hg, sample_rate)
        for c in range(channels):
            x = float(block[n, c])
            for band in range(BANDS):
                base = 10 * band
                y = cache[base + 5] * x + z[c, 2 * band]
                z1 = cache[base + 6] * x - cache[base + 8] * y + z[c, 2 * band + 1]
                z2 = cache[base + 7] * x - cache[base + 9] * y
                if abs(z1) < FLUSH:
                    z1 = 0.0
                if abs(z2) < FLUSH:
                    z2 = 0.0
                z[c, 2 * band] = z1
                z[c, 2 * band + 1] = z2
                x = y
            block[n, c] = x


#: the ``eq`` processor, built with the public effect API (docs/effects-api.md)
Eq = effect(name="eq", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(eq_kernel)
