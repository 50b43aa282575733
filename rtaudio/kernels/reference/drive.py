"""float64 reference of the ``drive`` effect (docs/maths/everyday-effects.md §8).

Written from the equations, not from the kernel: zero-stuffing and full
direct-form convolutions with the whole filters (no polyphase split, no
chunks), ``tanh`` as the rational formula evaluated with ``numpy.polyval``,
the antiderivative quotient of ``hard`` on whole arrays. Constant
parameters only.
"""
from __future__ import annotations

import numpy as np

from rtaudio.kernels.drive_design import (DOWN1_TAPS, HALFBAND2_SIDE_TAPS, TANH_CLAMP, TANH_P, TANH_Q, UP1_SIDE_TAPS,
                                          halfband_taps)

ASYM_BIAS = 0.5
ADAA_EPS = 1e-6
DC_BLOCK_HZ = 10.0


def tanh_reference(x: np.ndarray) -> np.ndarray:
    """x·P(x²)/Q(x²) of x clamped to ±TANH_CLAMP."""
    c = np.clip(x, -TANH_CLAMP, TANH_CLAMP)
    s = c * c
    return c * np.polyval(TANH_P[::-1], s) / np.polyval(TANH_Q[::-1], s)


def _hard_adaa(u: np.ndarray) -> np.ndarray:
    """First-order antiderivative anti-aliasing of clip(u, −1, 1), u[−1] = 0."""
    def antiderivative(v):
        return np.where(np.abs(v) <= 1.0, 0.5 * v * v, np.abs(v) - 0.5)
    u0 = np.concatenate([[0.0], u[:-1]])
    d = u - u0
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = (antiderivative(u) - antiderivative(u0)) / d
    return np.where(np.abs(d) < ADAA_EPS, np.clip(0.5 * (u + u0), -1.0, 1.0), quotient)


def _shape(u: np.ndarray, shape: str, antialiased: bool) -> np.ndarray:
    if shape == "tanh":
        return tanh_reference(u)
    if shape == "asym":
        return tanh_reference(u + ASYM_BIAS) - tanh_reference(np.array(ASYM_BIAS))
    return _hard_adaa(u) if antialiased else np.clip(u, -1.0, 1.0)


def _up2(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    s = np.zeros(2 * x.size)
    s[0::2] = x
    return np.convolve(s, 2.0 * h)[:s.size]


def _down2(v: np.ndarray, h: np.ndarray, extra_delay: int = 0) -> np.ndarray:
    delayed = np.concatenate([np.zeros(extra_delay), v])[:v.size]
    return np.convolve(delayed, h)[:v.size][0::2]


def drive_reference(x: np.ndarray, sample_rate: float, drive_db: float = 12.0, shape: str = "tanh",
                    mix: float = 1.0, output_db: float = 0.0, oversampling: int = 4) -> np.ndarray:
    """The drive effect on ``x`` ((frames, channels)), float64, from a zero state."""
    x = np.asarray(x, dtype=np.float64)
    g = 10.0 ** (drive_db / 20.0)
    og = 10.0 ** (output_db / 20.0)
    up1 = halfband_taps(UP1_SIDE_TAPS)
    down1 = DOWN1_TAPS
    h2 = halfband_taps(HALFBAND2_SIDE_TAPS)
    latency = {1: 0, 2: 31, 4: 34}[oversampling]
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        xc = x[:, c]
        if oversampling == 1:
            y = _shape(g * xc, shape, antialiased=False)
        elif oversampling == 2:
            y = _down2(_shape(g * _up2(xc, up1), shape, True), down1, extra_delay=1)
        else:
            u = g * _up2(_up2(xc, up1), h2)
            y = _down2(_down2(_shape(u, shape, True), h2), down1)
        if shape == "asym":
            r = np.exp(-2.0 * np.pi * DC_BLOCK_HZ / sample_rate)
            z = np.empty_like(y)
            x1 = y1 = 0.0
            for n, v in enumerate(y):
                y1 = v - x1 + r * y1
                x1 = v
                z[n] = y1
            y = z
        dry = np.concatenate([np.zeros(latency), xc])[:xc.size]
        out[:, c] = og * (dry + mix * (y - dry))
    return out
