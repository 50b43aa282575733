"""A feedback echo with its delay line in the effect's state (Numba).

``max_time_ms`` is structural: it sizes the delay line, so it is not
smoothed and changing it rebuilds the state off the audio thread. The
delay time itself is smoothed per sample and read with linear
interpolation, so sweeping it glides instead of clicking.

    rtaudio live --effects examples/echo.py --chain "echo(time_ms=250, feedback=0.4)"
"""
import math

import rtaudio
from rtaudio import Param


def delay_line_size(sample_rate, max_block, params):
    """Samples per channel: the longest delay plus the interpolation neighbour."""
    return int(math.ceil(params["max_time_ms"] * 1e-3 * sample_rate)) + 2


@rtaudio.effect(
    name="echo",
    params=[Param("time_ms", "ms", 300.0, 1.0, 2000.0, doc="delay time"),
            Param("feedback", "", 0.35, 0.0, 0.95, doc="gain of the delayed signal fed back"),
            Param("mix", "", 0.5, 0.0, 1.0, doc="0 dry, 1 only the echoes"),
            Param("max_time_ms", "ms", 2000.0, 1.0, 10000.0, smoothed=False,
                  doc="longest delay time (sizes the delay line)")],
    state={"line": delay_line_size, "write": 1},
)
def echo(block, params, state, sample_rate):
    size = state.line.shape[1]
    for c in range(block.shape[1]):
        line = state.line[c]
        w = int(state.write[c])
        for n in range(block.shape[0]):
            d = min(max(params.time_ms[n] * 1e-3 * sample_rate, 1.0), size - 2.0)
            r = w - d
            if r < 0.0:
                r += size
            i = int(r)
            j = i + 1 if i + 1 < size else 0
            delayed = line[i] + (r - i) * (line[j] - line[i])
            x = block[n, c]
            line[w] = x + params.feedback[n] * delayed
            block[n, c] = (1.0 - params.mix[n]) * x + params.mix[n] * delayed
            w = w + 1 if w + 1 < size else 0
        state.write[c] = w
