"""Oversampled waveshaping distortion (docs/maths/everyday-effects.md §8).

The input is interpolated to OVERSAMPLING·fs with the shared polyphase
filters (rtaudio/kernels/polyphase.py), shaped there, and decimated back;
the dry signal is taken from the interpolator's history so it lines up
with the 56-sample filter latency.
"""
from __future__ import annotations

import math

from rtaudio.kernels.numba.polyphase import pp_decim, pp_interp
from rtaudio.kernels.polyphase import LATENCY_SAMPLES as PP_LATENCY
from rtaudio.kernels.polyphase import SPAN, decim_table, history_length, interp_table
from rtaudio.effects.api import effect
from rtaudio.params import Param

SHAPES = ("tanh", "hard", "asym")
TANH, HARD, ASYM = range(3)
#: oversampling factor L of the shaper (§8.2)
OVERSAMPLING = 8
#: bias of the asymmetric shape (§8.1)
ASYM_BIAS = 0.5
#: corner of the DC blocker after the asymmetric shape (§8.1)
DC_BLOCK_HZ = 10.0
FLUSH = 1e-30

#: −6 dB point of the drive's filters as a fraction of Nyquist: 0.9 → 21.6 kHz at 48 kHz, stop band
#: (≥ 80 dB) from just below Nyquist, so harmonics just above Nyquist do not fold back (§8.2)
FILTER_BAND = 0.9
UP_TAPS = interp_table(OVERSAMPLING, FILTER_BAND)
DOWN_TAPS = decim_table(OVERSAMPLING, FILTER_BAND)
_ASYM_OFFSET = math.tanh(ASYM_BIAS)

PARAMS = [
    Param("drive_db", "dB", 12.0, 0.0, 48.0, doc="gain into the shaper"),
    Param("shape", "", "tanh", choices=SHAPES, smoothed=False,
          doc="tanh = soft, hard = clip at ±1, asym = biased tanh (even harmonics)"),
    Param("mix", "", 1.0, 0.0, 1.0, doc="0 = dry only, 1 = shaped only"),
    Param("output_db", "dB", 0.0, -48.0, 12.0, doc="gain after the mix"),
]
# hist / acc: polyphase interpolator history and decimator partial sums; up / shaped: per-sample
# scratch of L high-rate values; dc: [x1, y1] of the DC blocker; cache (row 0): [valid, drive_db,
# g, output_db, og]
STATE = {"hist": history_length(), "acc": history_length(), "up": OVERSAMPLING, "shaped": OVERSAMPLING,
         "dc": 2, "cache": 5}
LATENCY_SAMPLES = PP_LATENCY


def drive_kernel(block, params, state, sample_rate):
    """u = g·interp(x); v = shape(u); y = decim(v) (+ DC block for asym);
    out = og·(dry + mix·(y − dry)) with dry = x[n − 56] (§8)."""
    frames = block.shape[0]
    channels = block.shape[1]
    k = state.cache[0]
    shape = int(params.shape[0])
    r_dc = math.exp(-2.0 * math.pi * DC_BLOCK_HZ / sample_rate)
    for n in range(frames):
        drive_db = params.drive_db[n]
        output_db = params.output_db[n]
        if k[0] == 0.0 or drive_db != k[1]:
            k[1] = drive_db
            k[2] = math.pow(10.0, drive_db / 20.0)
        if k[0] == 0.0 or output_db != k[3]:
            k[3] = output_db
            k[4] = math.pow(10.0, output_db / 20.0)
        k[0] = 1.0
        g = k[2]
        og = k[4]
        mix = params.mix[n]
        for c in range(channels):
            hist = state.hist[c]
            up = state.up[c]
            v = state.shaped[c]
            pp_interp(UP_TAPS, OVERSAMPLING, hist, float(block[n, c]), up)
            if shape == TANH:
                for j in range(OVERSAMPLING):
                    v[j] = math.tanh(g * up[j])
            elif shape == HARD:
                for j in range(OVERSAMPLING):
                    u = g * up[j]
                    v[j] = 1.0 if u > 1.0 else (-1.0 if u < -1.0 else u)
            else:
                for j in range(OVERSAMPLING):
                    v[j] = math.tanh(g * up[j] + ASYM_BIAS) - _ASYM_OFFSET
            y = pp_decim(DOWN_TAPS, OVERSAMPLING, state.acc[c], v)
            if shape == ASYM:
                dc = state.dc[c]
                yb = y - dc[0] + r_dc * dc[1]
                dc[0] = y
                dc[1] = yb if abs(yb) >= FLUSH else 0.0
                y = yb
            dry = hist[SPAN]
            block[n, c] = og * (dry + mix * (y - dry))


#: the ``drive`` processor, built with the public effect API (docs/effects-api.md)
Drive = effect(name="drive", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(drive_kernel)
