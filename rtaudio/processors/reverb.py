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


#: samples per inner chunk: the combs run comb by comb over a chunk (§9.3)
CHUNK = 128

# buf: all 12 delay lines of a channel back to back; pos: their read/write indices;
# store: the comb low-pass states; length: the 12 lengths (set on the first call);
# cache: [valid, room_size, unused, feedback of comb 0..7] (valid and room_size in row 0 only);
# scratch of one chunk (contents never carried between calls): xin (row 0) = tank input,
# tank = the tank output per channel, fb = per-sample feedback of the 8 combs per channel
STATE = {"buf": _buffer_size, "pos": _LINES, "store": _COMBS, "length": _LINES, "cache": 3 + _COMBS,
         "xin": CHUNK, "tank": CHUNK, "fb": _COMBS * CHUNK}
LATENCY_SAMPLES = 0


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy", inline="always")
def _comb4(i0, base, xin, out, count, n0, damping, buf, pos, store, length, fb):
    """Combs i0..i0+3 over ``count`` samples, four independent recursions side by side;
    each adds its output to ``out[j]`` in comb order. Returns the offset after comb i0+3."""
    b0 = base
    b1 = b0 + int(length[i0])
    b2 = b1 + int(length[i0 + 1])
    b3 = b2 + int(length[i0 + 2])
    end = b3 + int(length[i0 + 3])
    n0_ = int(length[i0])
    n1_ = int(length[i0 + 1])
    n2_ = int(length[i0 + 2])
    n3_ = int(length[i0 + 3])
    p0 = int(pos[i0])
    p1 = int(pos[i0 + 1])
    p2 = int(pos[i0 + 2])
    p3 = int(pos[i0 + 3])
    s0 = store[i0]
    s1 = store[i0 + 1]
    s2 = store[i0 + 2]
    s3 = store[i0 + 3]
    f0 = i0 * CHUNK
    f1 = f0 + CHUNK
    f2 = f1 + CHUNK
    f3 = f2 + CHUNK
    for j in range(count):
        damp = damping[n0 + j] * DAMP_SCALE
        undamp = 1.0 - damp
        x = xin[j]
        h0 = buf[b0 + p0]
        h1 = buf[b1 + p1]
        h2 = buf[b2 + p2]
        h3 = buf[b3 + p3]
        s0 = h0 * undamp + s0 * damp
        s1 = h1 * undamp + s1 * damp
        s2 = h2 * undamp + s2 * damp
        s3 = h3 * undamp + s3 * damp
        if abs(s0) < FLUSH:
            s0 = 0.0
        if abs(s1) < FLUSH:
            s1 = 0.0
        if abs(s2) < FLUSH:
            s2 = 0.0
        if abs(s3) < FLUSH:
            s3 = 0.0
        buf[b0 + p0] = x + s0 * fb[f0 + j]
        buf[b1 + p1] = x + s1 * fb[f1 + j]
        buf[b2 + p2] = x + s2 * fb[f2 + j]
        buf[b3 + p3] = x + s3 * fb[f3 + j]
        out[j] = (((out[j] + h0) + h1) + h2) + h3
        p0 += 1
        if p0 == n0_:
            p0 = 0
        p1 += 1
        if p1 == n1_:
            p1 = 0
        p2 += 1
        if p2 == n2_:
            p2 = 0
        p3 += 1
        if p3 == n3_:
            p3 = 0
    store[i0] = s0
    store[i0 + 1] = s1
    store[i0 + 2] = s2
    store[i0 + 3] = s3
    pos[i0] = p0
    pos[i0 + 1] = p1
    pos[i0 + 2] = p2
    pos[i0 + 3] = p3
    return end


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _tank_chunk(xin, out, count, n0, damping, buf, pos, store, length, fb):
    """``count`` samples of one channel's tank: the combs (four at a time), summed into
    ``out`` in comb order, then the all-passes one after another (§9.1, §9.3)."""
    for j in range(count):
        out[j] = 0.0
    base = _comb4(0, 0, xin, out, count, n0, damping, buf, pos, store, length, fb)
    base = _comb4(4, base, xin, out, count, n0, damping, buf, pos, store, length, fb)
    for i in range(_COMBS, _LINES):
        p = int(pos[i])
        size = int(length[i])
        for j in range(count):
            held = buf[base + p]
            a = out[j]
            w = a + held * ALLPASS_FEEDBACK
            if abs(w) < FLUSH:
                w = 0.0
            buf[base + p] = w
            out[j] = held - a
            p += 1
            if p == size:
                p = 0
        pos[i] = p
        base += size


def reverb_kernel(block, params, state, sample_rate):
    """tank_c = allpasses(Σ combs(0.015·Σ_ch x)); L = wet1·tank_L + wet2·tank_R + dry·x_L (§9)."""
    frames = block.shape[0]
    channels = block.shape[1]
    k = state.cache[0]
    xin = state.xin[0]
    if k[0] == 0.0:  # first call after reset: the lengths of this sample rate (§9.1)
        for c in range(channels):
            spread = STEREO_SPREAD * (c % 2)
            for i in range(_LINES):
                state.length[c, i] = math.floor((_TUNING[i] + spread) * sample_rate / TUNING_RATE + 0.5)
    for n0 in range(0, frames, CHUNK):
        count = min(CHUNK, frames - n0)
        for j in range(count):
            n = n0 + j
            room = params.room_size[n]
            if k[0] == 0.0 or room != k[1]:
                rt60 = RT60_MIN_S * math.pow(RT60_SPAN, room)
                for c in range(channels):
                    for i in range(_COMBS):
                        # gain per pass of comb i so that it falls by 60 dB in rt60 seconds
                        state.cache[c, 3 + i] = math.pow(10.0, -3.0 * state.length[c, i] / (sample_rate * rt60))
                k[1] = room
                k[0] = 1.0
            for c in range(channels):
                for i in range(_COMBS):
                    state.fb[c, i * CHUNK + j] = state.cache[c, 3 + i]
            x = 0.0
            for c in range(channels):
                x += float(block[n, c])
            xin[j] = x * INPUT_GAIN
        for c in range(channels):
            _tank_chunk(xin, state.tank[c], count, n0, params.damping, state.buf[c], state.pos[c],
                        state.store[c], state.length[c], state.fb[c])
        for j in range(count):
            n = n0 + j
            wet = params.wet[n] * WET_SCALE
            width = params.width[n]
            wet1 = wet * (0.5 + 0.5 * width)
            wet2 = wet * (0.5 - 0.5 * width)
            dry = params.dry[n]
            if channels == 1:
                block[n, 0] = wet * state.tank[0, j] + dry * block[n, 0]
                continue
            for c in range(0, channels - 1, 2):
                t0 = state.tank[c, j]
                t1 = state.tank[c + 1, j]
                block[n, c] = wet1 * t0 + wet2 * t1 + dry * block[n, c]
                block[n, c + 1] = wet1 * t1 + wet2 * t0 + dry * block[n, c + 1]
            if channels % 2 == 1:
                block[n, channels - 1] = wet * state.tank[channels - 1, j] + dry * block[n, channels - 1]


#: the ``reverb`` processor, built with the public effect API (docs/effects-api.md)
Reverb = effect(name="reverb", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(reverb_kernel)
