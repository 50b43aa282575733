"""Polyphase up/down filters, float64 reference (docs/maths/ringmod.md §4).

Direct transcription of the maths page, deliberately *not* the transposed
structure of the C/Numba kernels, so tests check that the two agree:

``interp(taps, factor, hist, x) -> list``
    ``hist``: list of the last 57 base-rate inputs (newest first), updated
    in place; returns ``[vin[n·L + j] for j in 0..L−1]`` with
    ``vin[n·L + j] = Σ_{i=0..56} (L·h[i·L + j])·x[n − i]`` (ascending i,
    from 0.0; ``taps`` is :func:`rtaudio.kernels.polyphase.interp_table`
    as nested lists).
``decim(h, factor, vhist, v) -> float``
    ``vhist``: list of the last ``56·L`` high-rate model outputs (newest
    first), updated in place; ``v`` the ``L`` outputs of the current base
    sample; returns ``y[n] = Σ_{k=56L..0} h[k]·v[n·L − k]``, accumulated
    from 0.0 in descending ``k`` (the order the transposed form produces).
"""
from __future__ import annotations

SPAN = 56


def interp(taps: list, factor: int, hist: list, x: float) -> list:
    hist.insert(0, x)
    hist.pop()
    out = []
    for j in range(factor):
        acc = 0.0
        for i in range(SPAN + 1):
            acc += taps[i][j] * hist[i]
        out.append(acc)
    return out


def decim(h: list, factor: int, vhist: list, v: list) -> float:
    acc = 0.0
    for k in range(SPAN * factor, 0, -1):   # v[n·L − k] = vhist[k − 1]
        acc += h[k] * vhist[k - 1]
    acc += h[0] * v[0]
    vhist[:0] = v[::-1]
    del vhist[SPAN * factor:]
    return acc
