"""Gain: a smoothed level change in dB (docs/maths/everyday-effects.md §1).

Written with the public effect API: ``KERNEL`` has the signature
``kernel(block, params, state, sample_rate)`` of docs/effects-api.md.
"""
from __future__ import annotations

import math

from rtaudio.effects.api import effect
from rtaudio.params import Param

PARAMS = [
    Param("gain_db", "dB", 0.0, -96.0, 36.0, doc="level change, applied to every channel"),
]
# cache = [valid, last gain_db, last linear gain]: the dB -> linear power is
# only recomputed when the (smoothed) value changes (§0 "coefficient cache").
STATE = {"cache": 3}
LATENCY_SAMPLES = 0


def gain_kernel(block, params, state, sample_rate):
    """y[n] = 10^(gain_db[n]/20) · x[n] (§1)."""
    frames = block.shape[0]
    channels = block.shape[1]
    cache = state.cache
    valid = cache[0, 0]
    last_db = cache[0, 1]
    g = cache[0, 2]
    for n in range(frames):
        db = params.gain_db[n]
        if valid == 0.0 or db != last_db:
            g = math.pow(10.0, db / 20.0)
            last_db = db
            valid = 1.0
        for c in range(channels):
            block[n, c] = block[n, c] * g
    cache[0, 0] = valid
    cache[0, 1] = last_db
    cache[0, 2] = g


#: the ``gain`` processor, built with the public effect API (docs/effects-api.md)
Gain = effect(name="gain", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(gain_kernel)
