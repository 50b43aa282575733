"""Float64 reference of the reverb (docs/maths/everyday-effects.md §9), sample by sample.

Plain Python lists per delay line, constant parameters; the kernel's
chunked, four-combs-at-a-time loop must give the same numbers.
"""
from __future__ import annotations

import math

import numpy as np

from rtaudio.processors.reverb import (ALLPASS_FEEDBACK, DAMP_SCALE, INPUT_GAIN, WET_SCALE, line_lengths,
                                       rt60_seconds)


class _Tank:
    def __init__(self, lengths: list[int], sample_rate: float, rt60: float) -> None:
        self.combs = [[0.0] * n for n in lengths[:8]]
        self.allpasses = [[0.0] * n for n in lengths[8:]]
        self.feedback = [10.0 ** (-3.0 * n / (sample_rate * rt60)) for n in lengths[:8]]
        self.store = [0.0] * 8
        self.pos = [0] * 12

    def step(self, x: float, damp: float) -> float:
        acc = 0.0
        for i, line in enumerate(self.combs):
            p = self.pos[i]
            held = line[p]
            self.store[i] = held * (1.0 - damp) + self.store[i] * damp
            if abs(self.store[i]) < 1e-30:
                self.store[i] = 0.0
            line[p] = x + self.store[i] * self.feedback[i]
            acc += held
            self.pos[i] = (p + 1) % len(line)
        for k, line in enumerate(self.allpasses):
            i = 8 + k
            p = self.pos[i]
            held = line[p]
            w = acc + held * ALLPASS_FEEDBACK
            line[p] = 0.0 if abs(w) < 1e-30 else w
            acc = held - acc
            self.pos[i] = (p + 1) % len(line)
        return acc


def reverb_reference(x: np.ndarray, sample_rate: float, room_size: float, damping: float, wet: float,
                     dry: float, width: float) -> np.ndarray:
    """Whole-signal reverb for a mono or stereo block."""
    x = np.asarray(x, dtype=np.float64)
    frames, channels = x.shape
    rt60 = rt60_seconds(room_size)
    tanks = [_Tank(line_lengths(sample_rate, c), sample_rate, rt60) for c in range(channels)]
    damp = damping * DAMP_SCALE
    g = wet * WET_SCALE
    wet1 = g * (0.5 + 0.5 * width)
    wet2 = g * (0.5 - 0.5 * width)
    y = np.empty_like(x)
    for n in range(frames):
        s = 0.0
        for c in range(channels):
            s += x[n, c]
        s *= INPUT_GAIN
        out = [t.step(s, damp) for t in tanks]
        if channels == 1:
            y[n, 0] = g * out[0] + dry * x[n, 0]
        else:
            y[n, 0] = wet1 * out[0] + wet2 * out[1] + dry * x[n, 0]
            y[n, 1] = wet1 * out[1] + wet2 * out[0] + dry * x[n, 1]
    return y
