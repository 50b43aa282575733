"""Oversampled waveshaping distortion (docs/maths/everyday-effects.md §8).

The input is interpolated to L·fs (L = ``oversampling``, 8 by default) with
the shared polyphase filters (rtaudio/kernels/polyphase.py,
rtaudio/kernels/numba/polyphase.py), shaped there, and decimated back;
the dry signal is taken from the interpolator's history so it lines up
with the 56-sample filter latency.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from rtaudio.kernels.numba.polyphase import pp_decim, pp_interp
from rtaudio.kernels.polyphase import LATENCY_SAMPLES as PP_LATENCY
from rtaudio.kernels.polyphase import SPAN, decim_table, history_length, interp_table
from rtaudio.effects.api import effect
from rtaudio.params import Param

SHAPES = ("tanh", "hard", "asym")
TANH, HARD, ASYM = range(3)
#: largest oversampling factor (§8.2); the default, and the one the aliasing claim is made for
MAX_FACTOR = 8
#: bias of the asymmetric shape (§8.1)
ASYM_BIAS = 0.5
#: corner of the DC blocker after the asymmetric shape (§8.1)
DC_BLOCK_HZ = 10.0
FLUSH = 1e-30
HIST = history_length()
#: −6 dB point of the drive's filters as a fraction of Nyquist: 0.9 → 21.6 kHz at 48 kHz, stop band
#: (≥ 80 dB) from just below Nyquist, so harmonics just above Nyquist do not fold back (§8.2)
FILTER_BAND = 0.9

def _padded_tables():
    """Tap tables of every factor 1..8, zero-padded to the largest: UP[L][:, :L], DOWN[L][:L, :]."""
    up = np.zeros((MAX_FACTOR + 1, HIST, MAX_FACTOR))
    down = np.zeros((MAX_FACTOR + 1, MAX_FACTOR, HIST))
    for factor in range(2, MAX_FACTOR + 1):
        up[factor, :, :factor] = interp_table(factor, FILTER_BAND)
        down[factor, :factor, :] = decim_table(factor, FILTER_BAND)
    return up, down


UP, DOWN = _padded_tables()
_ASYM_OFFSET = math.tanh(ASYM_BIAS)

PARAMS = [
    Param("drive_db", "dB", 12.0, 0.0, 48.0, doc="gain into the shaper"),
    Param("shape", "", "tanh", choices=SHAPES, smoothed=False,
          doc="tanh = soft, hard = clip at ±1, asym = biased tanh (even harmonics)"),
    Param("mix", "", 1.0, 0.0, 1.0, doc="0 = dry only, 1 = shaped only"),
    Param("output_db", "dB", 0.0, -48.0, 12.0, doc="gain after the mix"),
    Param("oversampling", "", MAX_FACTOR, 1, MAX_FACTOR, integer=True, smoothed=False,
          doc="shaper rate / sample rate; 1 = no filters and no latency (aliases like a plain waveshaper)"),
]


def factor_of(params: dict) -> int:
    """The oversampling factor L of a parameter dict (§8.2)."""
    return int(params["oversampling"])


def latency_of(params: dict, sample_rate: float) -> int:
    """56 samples with oversampling (the polyphase pair), 0 without (§8.2)."""
    return 0 if factor_of(params) == 1 else PP_LATENCY


def _scratch(sample_rate: float, max_block: int, params: dict) -> int:
    return factor_of(params)  # sized by the factor: changing it rebuilds (clears) the state


# hist / acc: polyphase interpolator history (newest first) and decimator partial sums;
# up / shaped: the L high-rate values of one sample; dc: [x1, y1] of the DC blocker;
# misc (row 0): [valid, drive_db, g, output_db, og]
STATE = {"hist": HIST, "acc": HIST, "up": _scratch, "shaped": _scratch, "dc": 2, "misc": 5}
LATENCY_SAMPLES = latency_of


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy", inline="always")
def _shape(kind, g, up, v, factor):
    if kind == TANH:
        for j in range(factor):
            v[j] = math.tanh(g * up[j])
    elif kind == HARD:
        for j in range(factor):
            u = g * up[j]
            v[j] = 1.0 if u > 1.0 else (-1.0 if u < -1.0 else u)
    else:
        for j in range(factor):
            v[j] = math.tanh(g * up[j] + ASYM_BIAS) - _ASYM_OFFSET


def drive_kernel(block, params, state, sample_rate):
    """u = g·interp(x); v = shape(u); y = decim(v) (+ DC block for asym);
    out = og·(dry + mix·(y − dry)) with dry = x[n − 56] (x[n] without oversampling) (§8).

    Channels are independent, so the loop runs channel by channel (the state
    views are made once per channel, not per sample).
    """
    frames = block.shape[0]
    channels = block.shape[1]
    k = state.misc[0]
    kind = int(params.shape[0])
    factor = state.up.shape[1]
    r_dc = math.exp(-2.0 * math.pi * DC_BLOCK_HZ / sample_rate)
    up_taps = UP[factor]
    down_taps = DOWN[factor]
    for c in range(channels):
        hist = state.hist[c]
        acc = state.acc[c]
        up = state.up[c]
        v = state.shaped[c]
        dc = state.dc[c]
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
            x = float(block[n, c])
            if factor > 1:
                pp_interp(up_taps, factor, hist, x, up)
                _shape(kind, g, up, v, factor)
                y = pp_decim(down_taps, factor, acc, v)
                dry = hist[SPAN]
            else:
                dry = x
                if kind == TANH:
                    y = math.tanh(g * x)
                elif kind == HARD:
                    u = g * x
                    y = 1.0 if u > 1.0 else (-1.0 if u < -1.0 else u)
                else:
                    y = math.tanh(g * x + ASYM_BIAS) - _ASYM_OFFSET
            if kind == ASYM:
                yb = y - dc[0] + r_dc * dc[1]
                dc[0] = y
                dc[1] = yb if abs(yb) >= FLUSH else 0.0
                y = yb
            block[n, c] = k[4] * (dry + params.mix[n] * (y - dry))


#: the ``drive`` processor, built with the public effect API (docs/effects-api.md)
Drive = effect(name="drive", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(drive_kernel)
