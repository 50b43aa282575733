"""Polyphase oversampling filters shared by the virtual-analog effects.

Maths: docs/maths/ringmod.md §4. One prototype low-pass FIR

    h = firwin(56·L + 1, 1/L, window=('kaiser', 8.0))

(SciPy convention: cutoff relative to the *high-rate* Nyquist, unit DC
gain) is used twice around a model running at ``L·fs``:

- **interpolation** (up): ``vin[m] = Σ_k (L·h[k])·s[m − k]`` where ``s`` is
  the zero-stuffed input (``s[n·L] = x[n]``), computed polyphase;
- **decimation** (down): ``y[n] = Σ_k h[k]·v[n·L − k]``, evaluated only at
  multiples of ``L``.

Each filter delays by ``28·L`` high-rate samples = 28 base samples, so an
up/down pair adds :data:`LATENCY_SAMPLES` = 56 base-rate samples.

API (used identically by native/polyphase.h, rtaudio/kernels/numba/polyphase.py
and rtaudio/kernels/reference/polyphase.py):

``design_prototype(L)``
    the prototype ``h`` (float64, ``56·L + 1`` taps), without SciPy.
``interp_table(L)``
    float64 ``(SPAN + 1, L)`` table ``c[i, j] = L·h[i·L + j]`` (0 where
    ``i·L + j > 56·L``). The interpolator keeps the last ``SPAN + 1`` = 57
    base-rate inputs per channel (``hist[0]`` newest) and computes, for
    phase ``j``, ``vin[n·L + j] = Σ_{i=0..56} c[i, j]·hist[i]`` summed in
    ascending ``i`` starting from 0.0.
``decim_table(L)``
    float64 ``(L, SPAN + 1)`` table: row 0 is ``h[i·L]`` (i = 0..56), row
    ``j ≥ 1`` is ``h[(i + 1)·L − j]`` (i = 0..55; entry 56 is 0 and unused).
    The decimator is in *transposed* form: it keeps 57 partial sums per
    channel, ``acc[i]`` ↔ ``y[n + i]``. For base sample ``n`` and its model
    outputs ``v[0..L−1]`` (high-rate indices ``n·L + j``):

    1. ``acc[i] += row0[i]·v[0]`` for i = 0..56; ``y[n] = acc[0]``;
    2. shift: ``acc[i] = acc[i + 1]`` (i = 0..55), ``acc[56] = 0.0``;
    3. for j = 1..L−1: ``acc[i] += row_j[i]·v[j]`` for i = 0..55.

    Every ``y[n]`` is therefore the sum ``Σ_k h[k]·v[n·L − k]`` accumulated
    from 0.0 in *descending* ``k`` (increasing time), which is exactly what
    the direct-form reference computes, so all backends agree bit for bit.
    This state (57 doubles) replaces the ``56·L`` sample history of docs/maths/ringmod.md §4;
    it is the same linear filter, realised in transposed form.

Both filters are plain FIRs with explicit per-channel state, so results
are independent of the block partition (docs/maths/conventions.md §0.3).
"""
from __future__ import annotations

import math

import numpy as np

#: taps per phase minus one: the prototype has ``SPAN·L + 1`` taps (docs/maths/ringmod.md §4)
SPAN = 56
#: Kaiser window parameter of the prototype (docs/maths/ringmod.md §4)
KAISER_BETA = 8.0
#: delay of one up + one down filter, in base-rate samples (docs/maths/ringmod.md §4)
LATENCY_SAMPLES = SPAN
#: largest supported oversampling factor (docs/maths/ringmod.md §5)
MAX_FACTOR = 128


def _check_factor(factor: int) -> int:
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or not 1 <= factor <= MAX_FACTOR:
        raise ValueError(f"oversampling factor = {factor!r} must be an integer in [1, {MAX_FACTOR}]")
    return int(factor)


def design_prototype(factor: int, band: float = 1.0) -> np.ndarray:
    """The prototype low-pass ``firwin(56·L + 1, band/L, window=('kaiser', 8.0))``.

    Windowed-sinc design, identical to SciPy's ``firwin`` with
    ``scale=True`` (unit gain at DC): ``h[n] = w[n]·(b/L)·sinc(b·(n − M)/L)``
    (``b`` = ``band``)
    with ``M = 28·L`` and ``w`` the symmetric Kaiser window (β = 8),
    then ``h /= Σ h``.

    Parameters
    ----------
    factor : int
        Oversampling factor ``L`` in [1, 128].
    band : float
        −6 dB point as a fraction of the base-rate Nyquist frequency
        (1.0, the default, is the design the ring modulator and the VCF
        use; a lower one also stops a shaper's harmonics just above Nyquist, the reason the
        drive effect's decimator stops from 24.5 kHz, docs/maths/everyday-effects.md §8.2).

    Returns
    -------
    numpy.ndarray
        float64, ``56·L + 1`` taps, symmetric, ``sum == 1``.
    """
    factor = _check_factor(factor)
    if not 0.0 < band <= 1.0:
        raise ValueError(f"band = {band!r} must be in (0, 1]")
    numtaps = SPAN * factor + 1
    cutoff = band / factor
    m = np.arange(numtaps, dtype=np.float64) - (numtaps - 1) / 2.0
    h = cutoff * np.sinc(cutoff * m)
    if band == 1.0:
        # Nyquist-L filter: sinc(m/L) = 0 at every nonzero multiple of L, which
        # np.sinc leaves as ~1e-19 (sin(pi*k) rounded); exact zeros let the
        # C kernels skip phase 0's other taps (docs/maths/ringmod.md §4)
        h[(m != 0.0) & (np.fmod(m, factor) == 0.0)] = 0.0
    h *= np.kaiser(numtaps, KAISER_BETA)
    h /= np.sum(h)
    return h


def interp_table(factor: int, band: float = 1.0) -> np.ndarray:
    """Interpolation taps ``c[i, j] = L·h[i·L + j]``, shape ``(57, L)``, C order."""
    factor = _check_factor(factor)
    h = design_prototype(factor, band)
    gained = float(factor) * h
    table = np.zeros((SPAN + 1, factor), dtype=np.float64)
    for i in range(SPAN + 1):
        for j in range(factor):
            k = i * factor + j
            if k <= SPAN * factor:
                table[i, j] = gained[k]
    return table


def decim_table(factor: int, band: float = 1.0) -> np.ndarray:
    """Decimation taps for the transposed form, shape ``(L, 57)``, C order."""
    factor = _check_factor(factor)
    h = design_prototype(factor, band)
    table = np.zeros((factor, SPAN + 1), dtype=np.float64)
    for i in range(SPAN + 1):
        table[0, i] = h[i * factor]
    for j in range(1, factor):
        for i in range(SPAN):
            table[j, i] = h[(i + 1) * factor - j]
    return table


def history_length() -> int:
    """Per-channel state length of either filter (57 doubles)."""
    return SPAN + 1


def passband_ripple_db(factor: int, edge: float = 0.45, points: int = 2048) -> float:
    """Largest |gain in dB| of the prototype from DC to ``edge·fs`` (diagnostic)."""
    h = design_prototype(factor)
    freqs = np.linspace(0.0, edge / factor, points)  # cycles per high-rate sample
    n = np.arange(h.size)
    response = np.abs(np.exp(-2j * math.pi * np.outer(freqs, n)) @ h)
    return float(np.max(np.abs(20.0 * np.log10(response))))
