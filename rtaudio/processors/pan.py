"""Pan: constant-power stereo balance (docs/maths/everyday-effects.md §2).

Channel 0 is left, channel 1 right; a mono block (and channels beyond the
second) passes through unchanged.
"""
from __future__ import annotations

import math

from rtaudio.effects.api import effect
from rtaudio.params import Param

PARAMS = [
    Param("pan", "", 0.0, -1.0, 1.0, doc="-1 = hard left, 0 = centre (unity), +1 = hard right"),
]
# cache = [valid, last pan, left gain, right gain]
STATE = {"cache": 4}
LATENCY_SAMPLES = 0

_QUARTER_PI = math.pi / 4.0
_SQRT2 = math.sqrt(2.0)


def pan_kernel(block, params, state, sample_rate):
    """gl = √2·cos θ, gr = √2·sin θ with θ = (pan + 1)·π/4 (§2)."""
    frames = block.shape[0]
    channels = block.shape[1]
    if channels < 2:
        return
    cache = state.cache
    valid = cache[0, 0]
    last = cache[0, 1]
    gl = cache[0, 2]
    gr = cache[0, 3]
    for n in range(frames):
        p = params.pan[n]
        if valid == 0.0 or p != last:
            theta = (p + 1.0) * _QUARTER_PI
            gl = _SQRT2 * math.cos(theta)
            gr = _SQRT2 * math.sin(theta)
            last = p
            valid = 1.0
        block[n, 0] = block[n, 0] * gl
        block[n, 1] = block[n, 1] * gr
    cache[0, 0] = valid
    cache[0, 1] = last
    cache[0, 2] = gl
    cache[0, 3] = gr


#: the ``pan`` processor, built with the public effect API (docs/effects-api.md)
Pan = effect(name="pan", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(pan_kernel)
