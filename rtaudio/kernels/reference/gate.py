"""NoiseGate float64 reference: docs/maths/gate.md §1.4, line by line."""
from __future__ import annotations

import numpy as np

from rtaudio.kernels.reference.common import flush, sanitize


def gate_process(params: np.ndarray, state: np.ndarray, counters: np.ndarray, buf: np.ndarray) -> None:
    """Process ``buf`` (frames x channels) in place.

    ``buf`` is normally float32; a float64 buffer gets the unrounded float64
    result (used by tests that compare with other float64 references).
    """
    alpha_a, alpha_r, t_lin, hold = (float(v) for v in params[:4])
    frames, channels = buf.shape
    for ch in range(channels):
        gs, count = float(state[ch, 0]), float(state[ch, 1])
        column = buf[:, ch].astype(np.float64).tolist()
        out = [0.0] * frames
        for n, x in enumerate(column):
            x, bad = sanitize(x)
            counters[0] += bad
            xa = abs(x)                                   # step 1
            gc = 1.0 if xa >= t_lin else 0.0              # step 2
            count = 0.0 if gc == 1.0 else min(count + 1.0, hold + 1.0)  # step 3
            if gc > gs:                                   # step 4, opening
                gs = alpha_r * gs + (1.0 - alpha_r) * gc
            elif gc < gs and count > hold:                # closing after the hold
                gs = alpha_a * gs + (1.0 - alpha_a) * gc
            out[n] = x * gs                               # step 5
            gs = flush(gs)
        buf[:, ch] = np.asarray(out, dtype=np.float64)  # one rounding, to buf's dtype
        state[ch, 0], state[ch, 1] = gs, count
