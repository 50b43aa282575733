"""Oversampled waveshaping distortion (docs/maths/everyday-effects.md §8).

The input is interpolated to L·fs (L = ``oversampling``: 4 by default, 2 or 1)
by cascaded 2x stages (rtaudio/kernels/drive_design.py: a 51-tap half-band,
then a 15-tap half-band), shaped there, and decimated back (the 15-tap
half-band, then a 73-tap low-pass); the dry signal is the input delayed by
the same latency, so dry and shaped signals line up. The kernel works on chunks of :data:`CHUNK` frames
with every stream kept as planar phase arrays, so each filter tap is one
loop over the chunk that LLVM vectorises (§8.3).
"""
from __future__ import annotations

import math

from numba import njit

from rtaudio.effects import fma
from rtaudio.effects.api import effect
from rtaudio.kernels.drive_design import (DOWN1_TAPS, HALFBAND2_SIDE_TAPS, TANH_CLAMP, TANH_P, TANH_Q,
                                          UP1_SIDE_TAPS, halfband_taps)
from rtaudio.params import Param

SHAPES = ("tanh", "hard", "asym")
TANH, HARD, ASYM = range(3)
#: supported oversampling factors (§8.2); the largest is the default and the one the aliasing claim is made for
FACTORS = (1, 2, 4)
MAX_FACTOR = 4
#: bias of the asymmetric shape (§8.1)
ASYM_BIAS = 0.5
#: corner of the DC blocker after the asymmetric shape (§8.1)
DC_BLOCK_HZ = 10.0
FLUSH = 1e-30
#: frames per inner chunk (§8.3)
CHUNK = 64
#: history kept in front of every planar buffer (≥ the longest look-back: 37 samples, the 2x decimator)
HIST = 40
#: base-rate latency per factor (§8.2): (25 + 36)/2 + 14/4 at 4x, (25 + 36 + 1)/2 at 2x
LATENCY = {1: 0, 2: 31, 4: 34}
#: abs(u1 − u0) below which the antiderivative quotient of ``hard`` is replaced by the midpoint value (§8.1)
ADAA_EPS = 1e-6

# polyphase taps (§8.2): stage-1 interpolation (gain 2): the even 2·fs phase is a 26-tap FIR,
# the odd one the input delayed by UP_DELAY (the half-band's centre tap); stage-1 decimation
# even/odd phases (37 + 36 taps); stage-2 half-band side taps
UP_EVEN = 2.0 * halfband_taps(UP1_SIDE_TAPS)[0::2]
UP_DELAY = 12
DOWN_EVEN = DOWN1_TAPS[0::2].copy()
DOWN_ODD = DOWN1_TAPS[1::2].copy()
S0, S1, S2, S3 = (float(v) for v in HALFBAND2_SIDE_TAPS)
_P0, _P1, _P2, _P3, _P4 = (float(v) for v in TANH_P)
_Q0, _Q1, _Q2, _Q3, _Q4 = (float(v) for v in TANH_Q)


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def _tanh(x):
    """x·P(x²)/Q(x²) of x clamped to ±9 (rtaudio/kernels/drive_design.py, §8.1)."""
    c = min(max(x, -TANH_CLAMP), TANH_CLAMP)
    s = c * c
    p = _P0 + s * (_P1 + s * (_P2 + s * (_P3 + s * _P4)))
    q = _Q0 + s * (_Q1 + s * (_Q2 + s * (_Q3 + s * _Q4)))
    return c * p / q


_ASYM_OFFSET = float(_tanh.py_func(ASYM_BIAS))

PARAMS = [
    Param("drive_db", "dB", 12.0, 0.0, 48.0, doc="gain into the shaper"),
    Param("shape", "", "tanh", choices=SHAPES, smoothed=False,
          doc="tanh = soft, hard = clip at ±1, asym = biased tanh (even harmonics)"),
    Param("mix", "", 1.0, 0.0, 1.0, doc="0 = dry only, 1 = shaped only"),
    Param("output_db", "dB", 0.0, -48.0, 12.0, doc="gain after the mix"),
    Param("oversampling", "", MAX_FACTOR, 1, MAX_FACTOR, integer=True, smoothed=False,
          doc="shaper rate / sample rate: 4, 2, or 1 = no filters and no latency (aliases like a plain "
              "waveshaper); 3 is used as 2"),
]


def factor_of(params: dict) -> int:
    """The oversampling factor L of a parameter dict (§8.2): 1, 2 or 4 (3 runs as 2)."""
    requested = int(params["oversampling"])
    return 4 if requested >= 4 else (2 if requested >= 2 else 1)


def latency_of(params: dict, sample_rate: float) -> int:
    """34 samples at 4x, 31 at 2x, 0 without oversampling (§8.2)."""
    return LATENCY[factor_of(params)]


def _planes(sample_rate: float, max_block: int, params: dict) -> int:
    return factor_of(params) * CHUNK  # sized by the factor: changing it rebuilds (clears) the state


_BUF = HIST + CHUNK
# x: input; a0: stage-1 output's even phase (the odd one is x delayed by UP_DELAY); v0..v3: shaped
# phases; d0/d1: stage-2 decimator output phases (all HIST samples of history, then the chunk);
# u: the L planes of shaper inputs of one chunk; work: per-sample g, y and og; dc: [x1, y1] of the
# DC blocker; misc (row 0): [valid, drive_db, g, output_db, og]; misc (row c) [5]: the last shaper
# input of channel c (antiderivative of ``hard``)
STATE = {"x": _BUF, "a0": _BUF, "v0": _BUF, "v1": _BUF, "v2": _BUF, "v3": _BUF,
         "d0": _BUF, "d1": _BUF, "u": _planes, "work": 3 * CHUNK, "dc": 2, "misc": 6}
LATENCY_SAMPLES = latency_of


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _fir_add(taps, src, first, out, m):
    """out[n] += Σ_k taps[k]·s[n − k], k ascending, s[t] = src[first + t] (first ≥ taps.size − 1),
    each step one fused multiply-add (rtaudio.effects.fma).

    Nine taps per pass over the chunk, all read from one slice: the loop over n vectorises
    (slices instead of offset indices spare Numba's negative-index wraparound, §8.3)."""
    ntaps = taps.size
    k0 = 0
    while k0 + 9 <= ntaps:
        e0 = taps[k0]
        e1 = taps[k0 + 1]
        e2 = taps[k0 + 2]
        e3 = taps[k0 + 3]
        e4 = taps[k0 + 4]
        e5 = taps[k0 + 5]
        e6 = taps[k0 + 6]
        e7 = taps[k0 + 7]
        e8 = taps[k0 + 8]
        s = src[first - k0 - 8:first - k0 + m]
        for n in range(m):
            acc = fma(e0, s[n + 8], out[n])
            acc = fma(e1, s[n + 7], acc)
            acc = fma(e2, s[n + 6], acc)
            acc = fma(e3, s[n + 5], acc)
            acc = fma(e4, s[n + 4], acc)
            acc = fma(e5, s[n + 3], acc)
            acc = fma(e6, s[n + 2], acc)
            acc = fma(e7, s[n + 1], acc)
            out[n] = fma(e8, s[n], acc)
        k0 += 9
    while k0 < ntaps:
        e0 = taps[k0]
        s = src[first - k0:first - k0 + m]
        for n in range(m):
            out[n] = fma(e0, s[n], out[n])
        k0 += 1


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _interp_stage1(x, a0, m):
    """a0[n] = Σ_k UP_EVEN[k]·x[n − k] (2·fs phase 2n; phase 2n + 1 is x[n − UP_DELAY])."""
    o0 = a0[HIST:HIST + m]
    for n in range(m):
        o0[n] = 0.0
    _fir_add(UP_EVEN, x, HIST, o0, m)


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _decim_stage1(even, odd, lag_even, y, m):
    """y[n] = Σ_k DOWN_EVEN[k]·even[n − k − lag_even], then + Σ_k DOWN_ODD[k]·odd[n − k − 1]."""
    out = y[CHUNK:CHUNK + m]
    for n in range(m):
        out[n] = 0.0
    _fir_add(DOWN_EVEN, even, HIST - lag_even, out, m)
    _fir_add(DOWN_ODD, odd, HIST - 1, out, m)


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _interp_stage2(a0, x, u, m, g):
    """The four 4·fs phases of the half-band interpolator (gain 2), times g (§8.2):
    u0 = z[4n], u1 = z[4n+1] = a1[n−2], u2 = z[4n+2], u3 = z[4n+3] = a0[n−1]."""
    t0 = 2.0 * S0
    t1 = 2.0 * S1
    t2 = 2.0 * S2
    t3 = 2.0 * S3
    p = a0[HIST - 4:HIST + m]  # p[n + 4 − j] = a0[n − j]
    q = x[HIST - UP_DELAY - 4:HIST - UP_DELAY + m]  # the odd phase a1[n] = x[n − UP_DELAY]
    u0 = u[0:m]
    u1 = u[CHUNK:CHUNK + m]
    u2 = u[2 * CHUNK:2 * CHUNK + m]
    u3 = u[3 * CHUNK:3 * CHUNK + m]
    gs = g[0:m]
    # one output slice per loop: few enough pointers for LLVM's run-time alias checks (§8.3)
    for n in range(m):
        u0[n] = gs[n] * (t0 * p[n + 4] + t1 * q[n + 3] + t2 * p[n + 3] + t3 * q[n + 2] + t3 * p[n + 2]
                         + t2 * q[n + 1] + t1 * p[n + 1] + t0 * q[n])
    for n in range(m):
        u2[n] = gs[n] * (t0 * q[n + 4] + t1 * p[n + 4] + t2 * q[n + 3] + t3 * p[n + 3] + t3 * q[n + 2]
                         + t2 * p[n + 2] + t1 * q[n + 1] + t0 * p[n + 1])
    for n in range(m):
        u1[n] = gs[n] * q[n + 2]
    for n in range(m):
        u3[n] = gs[n] * p[n + 3]


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _decim_stage2(v0, v1, v2, v3, d0, d1, m):
    """The half-band decimator's two 2·fs phases from the four shaped 4·fs phases (§8.2)."""
    w0 = v0[HIST - 4:HIST + m]  # w0[n + 4 − j] = v0[n − j]
    w1 = v1[HIST - 4:HIST + m]
    w2 = v2[HIST - 4:HIST + m]
    w3 = v3[HIST - 4:HIST + m]
    e = d0[HIST:HIST + m]
    o = d1[HIST:HIST + m]
    for n in range(m):
        e[n] = (S0 * w0[n + 4] + S1 * w2[n + 3] + S2 * w0[n + 3] + S3 * w2[n + 2] + 0.5 * w1[n + 2]
                + S3 * w0[n + 2] + S2 * w2[n + 1] + S1 * w0[n + 1] + S0 * w2[n])
    for n in range(m):
        o[n] = (S0 * w2[n + 4] + S1 * w0[n + 4] + S2 * w2[n + 3] + S3 * w0[n + 3] + 0.5 * w3[n + 2]
                + S3 * w2[n + 2] + S2 * w0[n + 2] + S1 * w2[n + 1] + S0 * w0[n + 1])


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy", inline="always")
def _hard_adaa(u0, u1):
    """(F(u1) − F(u0))/(u1 − u0), F the antiderivative of clip(u, −1, 1); the clipped midpoint when
    |u1 − u0| < ADAA_EPS (§8.1)."""
    f1 = 0.5 * u1 * u1 if abs(u1) <= 1.0 else abs(u1) - 0.5
    f0 = 0.5 * u0 * u0 if abs(u0) <= 1.0 else abs(u0) - 0.5
    d = u1 - u0
    mid = 0.5 * (u0 + u1)
    clipped = min(max(mid, -1.0), 1.0)
    return clipped if abs(d) < ADAA_EPS else (f1 - f0) / d


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _shape_plane(kind, u, offset, previous, v, m):
    """v[HIST + n] = shape(u[offset + n]); for ``hard`` the antiderivative quotient with the plane
    one high-rate sample earlier, u[previous + n] (§8.1)."""
    us = u[offset:offset + m]
    vs = v[HIST:HIST + m]
    if kind == TANH:
        for n in range(m):
            vs[n] = _tanh(us[n])
    elif kind == ASYM:
        for n in range(m):
            vs[n] = _tanh(us[n] + ASYM_BIAS) - _ASYM_OFFSET
    else:
        ps = u[previous:previous + m]
        for n in range(m):
            vs[n] = _hard_adaa(ps[n], us[n])


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _shape_first_plane(kind, u, last_plane, prev_u, v, m):
    """Plane 0 of a chunk: for ``hard`` its predecessor in time is the previous frame's last plane
    (``prev_u`` for the chunk's first frame)."""
    if kind != HARD:
        _shape_plane(kind, u, 0, 0, v, m)
        return
    v[HIST] = _hard_adaa(prev_u, u[0])
    ps = u[last_plane:last_plane + m - 1]
    us = u[1:m]
    vs = v[HIST + 1:HIST + m]
    for n in range(m - 1):
        vs[n] = _hard_adaa(ps[n], us[n])


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _shift(buf, m):
    for i in range(HIST):
        buf[i] = buf[i + m]


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy", inline="always")
def _plain_shape(kind, u):
    if kind == TANH:
        return _tanh(u)
    if kind == HARD:
        return min(max(u, -1.0), 1.0)
    return _tanh(u + ASYM_BIAS) - _ASYM_OFFSET


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _scale_planes(g, a0, x, u, m):
    """The two 2·fs shaper inputs g·a0, g·a1 (2x)."""
    gs = g[0:m]
    p = a0[HIST:HIST + m]
    q = x[HIST - UP_DELAY:HIST - UP_DELAY + m]
    u0 = u[0:m]
    u1 = u[CHUNK:CHUNK + m]
    for n in range(m):
        u0[n] = gs[n] * p[n]
        u1[n] = gs[n] * q[n]


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def _gains(values_db, start, m, k, slot, out):
    """out[n] = 10^(values_db[start + n]/20), the power computed only when the value changes
    (k[slot] = last dB value, k[slot + 1] = its gain, k[0] = valid)."""
    values = values_db[start:start + m]
    same = k[0] != 0.0
    last = k[slot]
    for n in range(m):
        same = same & (values[n] == last)
    if same:
        gain = k[slot + 1]
        for n in range(m):
            out[n] = gain
        return
    for n in range(m):
        value = values[n]
        if k[0] == 0.0 or value != k[slot]:
            k[slot] = value
            k[slot + 1] = math.pow(10.0, value / 20.0)
        out[n] = k[slot + 1]


def drive_kernel(block, params, state, sample_rate):
    """u = g·interp(x); v = shape(u); y = decim(v) (+ DC block for asym);
    out = og·(dry + mix·(y − dry)) with dry = x[n − latency] (§8).

    Channels are independent; each is processed in chunks of CHUNK frames with planar
    phase buffers (§8.3).
    """
    frames = block.shape[0]
    channels = block.shape[1]
    k = state.misc[0]
    kind = int(params.shape[0])
    factor = state.u.shape[1] // CHUNK
    lat = 34 if factor == 4 else (31 if factor == 2 else 0)
    r_dc = math.exp(-2.0 * math.pi * DC_BLOCK_HZ / sample_rate)
    for c in range(channels):
        x = state.x[c]
        a0 = state.a0[c]
        v0 = state.v0[c]
        v1 = state.v1[c]
        v2 = state.v2[c]
        v3 = state.v3[c]
        d0 = state.d0[c]
        d1 = state.d1[c]
        u = state.u[c]
        work = state.work[c]
        dc = state.dc[c]
        misc = state.misc[c]
        start = 0
        while start < frames:
            m = min(CHUNK, frames - start)
            _gains(params.drive_db, start, m, k, 1, work[0:m])
            _gains(params.output_db, start, m, k, 3, work[2 * CHUNK:2 * CHUNK + m])
            k[0] = 1.0
            column = block[start:start + m, c]
            xs = x[HIST:HIST + m]
            for n in range(m):
                xs[n] = column[n]
            if factor == 1:
                gs = work[0:m]
                ys = work[CHUNK:CHUNK + m]
                for n in range(m):
                    ys[n] = _plain_shape(kind, gs[n] * xs[n])
            else:
                _interp_stage1(x, a0, m)
                if factor == 4:
                    _interp_stage2(a0, x, u, m, work)
                    _shape_first_plane(kind, u, 3 * CHUNK, misc[5], v0, m)
                    _shape_plane(kind, u, CHUNK, 0, v1, m)
                    _shape_plane(kind, u, 2 * CHUNK, CHUNK, v2, m)
                    _shape_plane(kind, u, 3 * CHUNK, 2 * CHUNK, v3, m)
                    misc[5] = u[3 * CHUNK + m - 1]
                    _decim_stage2(v0, v1, v2, v3, d0, d1, m)
                    _decim_stage1(d0, d1, 0, work, m)
                    _shift(v0, m)
                    _shift(v1, m)
                    _shift(v2, m)
                    _shift(v3, m)
                    _shift(d0, m)
                    _shift(d1, m)
                else:
                    _scale_planes(work, a0, x, u, m)
                    _shape_first_plane(kind, u, CHUNK, misc[5], v0, m)
                    _shape_plane(kind, u, CHUNK, 0, v1, m)
                    misc[5] = u[CHUNK + m - 1]
                    # 2·fs stream w[2n] = v0[n], w[2n+1] = v1[n]; one extra 2·fs sample of delay (§8.2)
                    _decim_stage1(v1, v0, 1, work, m)
                    _shift(v0, m)
                    _shift(v1, m)
                _shift(a0, m)
            ys = work[CHUNK:CHUNK + m]
            if kind == ASYM:
                for n in range(m):
                    y = ys[n]
                    yb = y - dc[0] + r_dc * dc[1]
                    dc[0] = y
                    dc[1] = yb if abs(yb) >= FLUSH else 0.0
                    ys[n] = yb
            dry = x[HIST - lat:HIST - lat + m]
            og = work[2 * CHUNK:2 * CHUNK + m]
            mix = params.mix[start:start + m]
            for n in range(m):
                column[n] = og[n] * (dry[n] + mix[n] * (ys[n] - dry[n]))
            _shift(x, m)
            start += m


#: the ``drive`` processor, built with the public effect API (docs/effects-api.md)
Drive = effect(name="drive", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(drive_kernel)
