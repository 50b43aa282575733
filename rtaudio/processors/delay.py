"""Feedback delay with a fractional, smoothed delay time (docs/maths/everyday-effects.md §5)."""
from __future__ import annotations

import math

from rtaudio.effects.api import effect
from rtaudio.params import Param

FLUSH = 1e-30

PARAMS = [
    Param("time_ms", "ms", 250.0, 0.0, 10000.0, doc="delay time (fractional; clamped to max_time_ms and "
                                                     "to at least one sample)"),
    Param("feedback", "", 0.3, -0.98, 0.98, doc="gain of the delayed signal fed back into the line"),
    Param("mix", "", 0.5, 0.0, 1.0, doc="0 = dry only, 1 = delayed only"),
    Param("max_time_ms", "ms", 1000.0, 1.0, 10000.0, smoothed=False,
          doc="longest delay time; sizes the delay line (changing it clears the line)"),
]


def line_length(sample_rate: float, max_block: int, params: dict) -> int:
    """Samples in the delay line: ⌈max_time_ms·fs/1000⌉ + 2 (§5.1)."""
    return int(math.ceil(float(params["max_time_ms"]) * sample_rate / 1000.0)) + 2


# line: the circular buffer per channel; pos (row 0 only): the write index
STATE = {"line": line_length, "pos": 1}
LATENCY_SAMPLES = 0


def delay_kernel(block, params, state, sample_rate):
    """d = clamp(time_ms·fs/1000, 1, size−2); r = x[n−d] linearly interpolated;
    w = x + feedback·r → line; y = x + mix·(r − x) (§5.2)."""
    frames = block.shape[0]
    channels = block.shape[1]
    line = state.line
    size = line.shape[1]
    pos = int(state.pos[0])
    dmax = float(size - 2)
    ms_to_samples = sample_rate / 1000.0
    for n in range(frames):
        d = params.time_ms[n] * ms_to_samples
        if d < 1.0:
            d = 1.0
        elif d > dmax:
            d = dmax
        fb = params.feedback[n]
        mix = params.mix[n]
        whole = math.floor(d)
        frac = d - whole
        i1 = pos - int(whole)      # x[n - floor(d)]
        if i1 < 0:
            i1 += size
        i0 = i1 - 1                # x[n - floor(d) - 1]
        if i0 < 0:
            i0 += size
        for c in range(channels):
            x = float(block[n, c])
            r = line[c, i1] + frac * (line[c, i0] - line[c, i1])
            w = x + fb * r
            if abs(w) < FLUSH:
                w = 0.0
            line[c, pos] = w
            block[n, c] = x + mix * (r - x)
        pos += 1
        if pos == size:
            pos = 0
    for c in range(channels):
        state.pos[c] = pos


#: the ``delay`` processor, built with the public effect API (docs/effects-api.md)
Delay = effect(name="delay", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(delay_kernel)
