"""Look-ahead peak limiter with a ceiling that is never exceeded (docs/maths/everyday-effects.md §7).

Required gain per sample → sliding minimum over the look-ahead window →
release (instant attack) → moving average over the same window; the
audio is delayed by the window, so every sample meets its own required
gain before it is output. Stereo-linked.
"""
from __future__ import annotations

import math

from rtaudio.effects.api import effect
from rtaudio.params import Param

#: look-ahead window misc slots (row 0 of ``misc``)
_VALID, _HEAD, _COUNT, _T, _SUM, _REL, _BOX, _LINE = range(8)
_CEIL_DB, _THR_DB, _PRE, _CEIL, _REL_MS, _ALPHA = range(8, 14)
#: the final clamp sits one float32 step below the ceiling (§7.3)
_BELOW = 1.0 - 2.0 ** -23

PARAMS = [
    Param("threshold_db", "dB", 0.0, -40.0, 0.0, doc="input peaks above this level are limited (dBFS)"),
    Param("ceiling_db", "dB", -1.0, -40.0, 0.0, doc="largest output peak (dBFS); the threshold is raised to it"),
    Param("release_ms", "ms", 100.0, 1.0, 5000.0, log_scale=True, doc="time constant of gain recovery"),
    Param("lookahead_ms", "ms", 5.0, 0.05, 50.0, smoothed=False,
          doc="look-ahead = attack time = added latency (changing it clears the limiter)"),
]


def lookahead_samples(params: dict, sample_rate: float) -> int:
    """L = max(1, round(lookahead_ms·fs/1000)) samples: the latency (§7.1)."""
    return max(1, int(round(float(params["lookahead_ms"]) * sample_rate / 1000.0)))


def _window(sample_rate: float, max_block: int, params: dict) -> int:
    return lookahead_samples(params, sample_rate) + 1


def _line(sample_rate: float, max_block: int, params: dict) -> int:
    return lookahead_samples(params, sample_rate)


# line: L delayed pre-gained samples per channel; row 0 of the others:
# minq_val/minq_t = monotonic deque of the sliding minimum, box = moving-average ring, misc (above)
STATE = {"line": _line, "minq_val": _window, "minq_t": _window, "box": _window, "misc": 14}
LATENCY_SAMPLES = lookahead_samples


def limiter_kernel(block, params, state, sample_rate):
    """§7.2: g_req = min(1, ceiling/peak); m = min over the last L+1 g_req; r = release(m) (r ≤ m);
    e = mean of the last L+1 r; y[n] = e·pre·x[n − L], finally clamped to ±ceiling."""
    frames = block.shape[0]
    channels = block.shape[1]
    line = state.line
    qv = state.minq_val[0]
    qt = state.minq_t[0]
    box = state.box[0]
    k = state.misc[0]
    w = box.shape[0]
    la = line.shape[1]
    if k[_VALID] == 0.0:  # first call after reset: unity gain everywhere
        for i in range(w):
            box[i] = 1.0
        k[_SUM] = float(w)
        k[_REL] = 1.0
        k[_VALID] = 1.0
        k[_CEIL_DB] = math.nan
        k[_REL_MS] = math.nan
    head = int(k[_HEAD])
    count = int(k[_COUNT])
    t = k[_T]
    total = k[_SUM]
    r = k[_REL]
    bp = int(k[_BOX])
    lp = int(k[_LINE])
    for n in range(frames):
        ceiling_db = params.ceiling_db[n]
        threshold_db = params.threshold_db[n]
        if ceiling_db != k[_CEIL_DB] or threshold_db != k[_THR_DB]:
            k[_CEIL_DB] = ceiling_db
            k[_THR_DB] = threshold_db
            k[_PRE] = math.pow(10.0, (ceiling_db - threshold_db) / 20.0)
            k[_CEIL] = math.pow(10.0, ceiling_db / 20.0)
        if params.release_ms[n] != k[_REL_MS]:
            k[_REL_MS] = params.release_ms[n]
            k[_ALPHA] = math.exp(-1000.0 / (params.release_ms[n] * sample_rate))
        pre = k[_PRE]
        ceiling = k[_CEIL]
        bound = ceiling * _BELOW  # stays <= ceiling after the float32 rounding
        peak = 0.0
        for c in range(channels):
            a = abs(pre * block[n, c])
            if a > peak:
                peak = a
        need = 1.0 if peak <= ceiling else ceiling / peak
        # sliding minimum over [t - L, t]: drop expired front, then dominated back entries
        if count > 0 and qt[head] <= t - w:
            head += 1
            if head == w:
                head = 0
            count -= 1
        while count > 0:
            back = head + count - 1
            if back >= w:
                back -= w
            if qv[back] >= need:
                count -= 1
            else:
                break
        slot = head + count
        if slot >= w:
            slot -= w
        qv[slot] = need
        qt[slot] = t
        count += 1
        m = qv[head]
        if m < r:
            r = m
        else:
            r = k[_ALPHA] * r + (1.0 - k[_ALPHA]) * m
            if r > m:
                r = m
        total += r - box[bp]
        box[bp] = r
        bp += 1
        if bp == w:  # exact re-sum once per window: no drift of the running sum
            bp = 0
            total = 0.0
            for i in range(w):
                total += box[i]
        env = total / w
        for c in range(channels):
            delayed = line[c, lp]
            line[c, lp] = pre * block[n, c]
            y = env * delayed
            if y > bound:
                y = bound
            elif y < -bound:
                y = -bound
            block[n, c] = y
        lp += 1
        if lp == la:
            lp = 0
        t += 1.0
    k[_HEAD] = head
    k[_COUNT] = count
    k[_T] = t
    k[_SUM] = total
    k[_REL] = r
    k[_BOX] = bp
    k[_LINE] = lp


#: the ``limiter`` processor, built with the public effect API (docs/effects-api.md)
Limiter = effect(name="limiter", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(limiter_kernel)
