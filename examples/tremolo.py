"""A tremolo written in Python, run in rtaudio's C callback (no GIL).

    rtaudio live --effects examples/tremolo.py --chain "tremolo(rate_hz=3)"
    rtaudio gui  --effects examples/tremolo.py --chain "tremolo > lowpass"
"""
import numpy as np
import rtaudio
from rtaudio import Param


@rtaudio.effect(name="tremolo",
                params=[Param("rate_hz", "Hz", 5.0, 0.1, 20.0), Param("depth", "", 0.5, 0.0, 1.0)],
                state={"phase": 1})                 # per-channel float64 state, 1 value
def tremolo(block, params, state, sample_rate):    # block: (frames, channels) float32, in place
    for c in range(block.shape[1]):
        ph = state.phase[c]
        for n in range(block.shape[0]):             # params are smoothed per sample
            block[n, c] *= 1.0 - params.depth[n] * 0.5 * (1.0 + np.sin(ph))
            ph += 2.0 * np.pi * params.rate_hz[n] / sample_rate
        state.phase[c] = ph % (2.0 * np.pi)
