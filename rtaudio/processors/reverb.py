"""Freeverb-style reverb with a set decay time (docs/maths/everyday-effects.md §9).

Per output channel: eight parallel feedback combs with a one-pole
low-pass in the loop, then four series Schroeder all-passes (Jezar's
Freeverb topology and delay lengths). Unlike Freeverb, every comb's
feedback is set from one design decay time RT60(room_size), so all combs
decay at the same rate and RT60 is exact at low frequencies.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from rtaudio.effects.api import effect
from rtaudio.params import Param

#: Freeverb's comb and all-pass lengths in samples at 44.1 kHz, and the right-channel spread
COMB_LENGTHS = (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617)
ALLPASS_LENGTHS = (556, 441, 341, 225)
STEREO_SPREAD = 23
TUNING_RATE = 44100.0
ALLPASS_FEEDBACK = 0.5
#: Freeverb's input gain, wet scale and damping scale
INPUT_GAIN = 0.015
WET_SCALE = 3.0
DAMP_SCALE = 0.4
#: RT60 = RT60_MIN_S · RT60_SPAN^room_size: 0.1 s … 10 s (§9.2)
RT60_MIN_S = 0.1
RT60_SPAN = 100.0
FLUSH = 1e-30
_COMBS = len(COMB_LENGTHS)
_ALLPASSES = len(ALLPASS_LENGTHS)
_LINES = _COMBS + _ALLPASSES
_TUNING = np.array(COMB_LENGTHS + ALLPASS_LENGTHS, dtype=np.float64)

PARAMS = [
    Param("room_size", "", 0.5, 0.0, 1.0, doc="decay time RT60 = 0.1 s · 100^room_size (0.1 s … 10 s)"),
    Param("damping", "", 0.5, 0.0, 1.0, doc="high-frequency damping in the comb loops (0 = none)"),
    Param("wet", "", 0.33, 0.0, 1.0, doc="reverberated level"),
    Param("dry", "", 0.4, 0.0, 1.0, doc="direct level"),
    Param("width", "", 1.0, 0.0, 1.0, doc="stereo width of the reverberated signal (0 = mono)"),
]


def rt60_seconds(room_size: float) -> float:
    """Design decay time in seconds for ``room_size`` (§9.2)."""
    return RT60_MIN_S * RT60_SPAN ** room_size


def line_lengths(sample_rate: float, channel: int) -> list[int]:
    """The 12 delay lengths (8 combs, 4 all-passes) of ``channel`` at ``sample_rate`` (§9.1)."""
    spread = STEREO_SPREAD * (channel % 2)
    return [int(math.floor((t + spread) * sample_rate / TUNING_RATE + 0.5)) for t in COMB_LENGTHS + ALLPASS_LENGTHS]


def _buffer_size(sample_rate: float, max_block: int, params: dict) -> int:
    return max(sum(line_lengths(sample_rate, 0)), sum(line_lengths(sample_rate, 1)))


# buf: all 12 delay lines of a channel back to back; pos: their read/write indices;
# store: the comb low-pass states; length: the 12 lengths (set on the first call);
# cache: [valid, room_size, unused, feedback of comb 0..7] (valid and room_size in row 0 only)
STATE = {"buf": _buffer_size, "pos": _LINES, "store": _COMBS, "length": _LINES, "cache": 3 + _COMBS}
LATENCY_SAMPLES = 0


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _tank(x, buf, pos, store, length, cache, damp):
    """One sample through the combs and all-passes of one channel (§9.1)."""
    acc = 0.0
    base = 0
    undamp = 1.0 - damp
    for i in range(_COMBS):
        p = int(pos[i])
        out = buf[base + p]
        s = out * undamp + store[i] * damp
        if abs(s) < FLUSH:
            s = 0.0
        store[i] = s
        buf[base + p] = x + s * cache[3 + i]
        acc += out
        p += 1
        if p == int(length[i]):
            p = 0
        pos[i] = p
        base += int(length[i])
    for i in range(_COMBS, _LINES):
        p = int(pos[i])
        held = buf[base + p]
        out = held - acc
        w = acc + held * ALLPASS_FEEDBACK
        if abs(w) < FLUSH:
            w = 0.0
        buf[base + p] = w
        acc = out
        p += 1
        if p == int(length[i]):
            p = 0
        pos[i] = p
        base += int(length[i])
    return acc


def reverb_kernel(block, params, state, sample_rate):
    """tank_c = allpasses(Σ combs(0.015·Σ_ch x)); L = wet1·tank_L + wet2·tank_R + dry·x_L (§9)."""
    frames = block.shape[0]
    channels = block.shape[1]
    k = state.cache[0]
    if k[0] == 0.0:  # first call after reset: the lengths of this sample rate (§9.1)
        for c in range(channels):
            spread = STEREO_SPREAD * (c % 2)
            for i in range(_LINES):
                state.length[c, i] = math.floor((_TUNING[i] + spread) * sample_rate / TUNING_RATE + 0.5)
    for n in range(frames):
        room = params.room_size[n]
        if k[0] == 0.0 or room != k[1]:
            rt60 = RT60_MIN_S * math.pow(RT60_SPAN, room)
            for c in range(channels):
                for i in range(_COMBS):
                    # gain per pass of comb i so that it falls by 60 dB in rt60 seconds
                    state.cache[c, 3 + i] = math.pow(10.0, -3.0 * state.length[c, i] / (sample_rate * rt60))
            k[1] = room
        k[0] = 1.0
        damp = params.damping[n] * DAMP_SCALE
        wet = params.wet[n] * WET_SCALE
        width = params.width[n]
        wet1 = wet * (0.5 + 0.5 * width)
        wet2 = wet * (0.5 - 0.5 * width)
        dry = params.dry[n]
        x = 0.0
        for c in range(channels):
            x += float(block[n, c])
        x *= INPUT_GAIN
        if channels == 1:
            t0 = _tank(x, state.buf[0], state.pos[0], state.store[0], state.length[0], state.cache[0], damp)
            block[n, 0] = wet * t0 + dry * block[n, 0]
        else:
            for c in range(0, channels - 1, 2):
                t0 = _tank(x, state.buf[c], state.pos[c], state.store[c], state.length[c], state.cache[c], damp)
                t1 = _tank(x, state.buf[c + 1], state.pos[c + 1], state.store[c + 1], state.length[c + 1],
                           state.cache[c + 1], damp)
                block[n, c] = wet1 * t0 + wet2 * t1 + dry * block[n, c]
                block[n, c + 1] = wet1 * t1 + wet2 * t0 + dry * block[n, c + 1]
            if channels % 2 == 1:
                c = channels - 1
                t0 = _tank(x, state.buf[c], state.pos[c], state.store[c], state.length[c], state.cache[c], damp)
                block[n, c] = wet * t0 + dry * block[n, c]


#: the ``reverb`` processor, built with the public effect API (docs/effects-api.md)
Reverb = effect(name="reverb", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(reverb_kernel)
