"""Signal level after each processor of a chain, over a whole render.

``rtaudio render`` uses it to say which processor removed the signal when
the output is silent or far below the input (the same comparison the
viewer's meters let a user make by eye).
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from rtaudio.chain import Chain

#: output more than this far below the input (RMS over the file) is reported
SILENCE_DROP_DB = 60.0
#: RMS below this is silence whatever the input (about the 24-bit noise floor)
SILENCE_FLOOR_DBFS = -140.0


def _db(energy: float, frames: int) -> float:
    if frames <= 0 or energy <= 0.0:
        return -math.inf
    return 10.0 * math.log10(energy / frames)


class LevelTrace:
    """RMS level (dBFS, all channels) before the chain and after each processor.

    Parameters
    ----------
    chain : Chain
        The chain that :meth:`process` runs, one processor at a time.
    """

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.names = ["input"] + [p.chain_name for p in chain]
        self.energy = np.zeros(len(self.names))
        self.samples = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        """``chain.process(block)`` in place, accumulating the energy at every stage."""
        flat = block.reshape(-1)
        self.energy[0] += _finite_energy(flat)
        for i, proc in enumerate(self.chain, start=1):
            proc.process(block)
            self.energy[i] += float(np.dot(flat, flat))
        self.samples += flat.size
        return block

    def levels_db(self) -> list[tuple[str, float]]:
        """``(stage, RMS dBFS)`` for the input and after each processor."""
        return [(name, _db(e, self.samples)) for name, e in zip(self.names, self.energy)]

    def silence_warning(self) -> Optional[str]:
        """A one-line warning naming the processor that removed the signal, or None.

        The output counts as removed when its RMS is below
        ``SILENCE_FLOOR_DBFS`` or more than ``SILENCE_DROP_DB`` below the
        input's; the processor named is the one whose own step lowered the
        level most.
        """
        levels = self.levels_db()
        level_in, level_out = levels[0][1], levels[-1][1]
        if level_in == -math.inf:
            return None  # a silent input stays silent: nothing was removed
        silent = level_out < SILENCE_FLOOR_DBFS
        if not silent and level_out >= level_in - SILENCE_DROP_DB:
            return None
        steps = [(levels[i - 1][1] - levels[i][1], levels[i][0]) for i in range(1, len(levels))]
        drop, culprit = max(steps, key=lambda s: s[0])
        shown_out = "silent" if level_out == -math.inf else f"at {level_out:.1f} dBFS RMS"
        hint = " (a bare 'gate' closes below its default threshold_db of -10 dBFS)" \
            if culprit.split("#")[0] == "gate" else ""
        return (f"warning: the output is {shown_out}, the input at {level_in:.1f} dBFS RMS; "
                f"{culprit} removed the signal ({_drop_text(drop)}): check its parameters{hint}")


def _finite_energy(flat: np.ndarray) -> float:
    """Sum of squares with NaN and inf counted as 0, as the processors
    sanitise them (docs/maths/conventions.md §0.5), so one bad sample does not make the
    input level NaN."""
    energy = float(np.dot(flat, flat))
    if math.isfinite(energy):
        return energy
    clean = np.where(np.isfinite(flat), flat, 0.0)
    return float(np.dot(clean, clean))


def _drop_text(drop_db: float) -> str:
    return "all of it" if math.isinf(drop_db) else f"-{drop_db:.0f} dB"
