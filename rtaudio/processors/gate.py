"""NoiseGate: hard-threshold gate with hold and exponential gain smoothing.

Maths: docs/maths/gate.md (MathWorks ``noiseGate`` algorithm).
Attack and release follow MathWorks' convention: *attack* is the gate
**closing** (gain towards 0 after the hold), *release* the gate
**opening** (gain towards 1).
"""
from __future__ import annotations

import math

import numpy as np

from rtaudio._native import lib, native_struct
from rtaudio.params import Param
from rtaudio.processor import Processor

LN9 = math.log(9.0)


def ramp_coefficient(time_ms: float, sample_rate: float) -> float:
    """``exp(-ln 9 / (fs·T))``: 10 %→90 % in ``time_ms`` (docs/maths/gate.md §1.3); 0 for T = 0."""
    if time_ms == 0.0:
        return 0.0
    return math.exp(-LN9 / (sample_rate * time_ms / 1000.0))


class NoiseGate(Processor):
    """Noise gate (MathWorks convention: attack = closing, release = opening).

    Parameters
    ----------
    threshold_db : float
        Gate threshold in dBFS, [-140, 0]. Samples with ``|x|`` at or above
        it open the gate. Default -10.
    attack_ms : float
        10 %→90 % time of the gain falling to 0 (gate closing), starting
        once the hold has expired; [0, 4000] ms. Default 50.
    release_ms : float
        10 %→90 % time of the gain rising to 1 (gate opening); [0, 4000] ms.
        Default 20.
    hold_ms : float
        Time the gain is frozen after the input falls below the threshold;
        [0, 4000] ms. Default 50.
    backend : {"c", "numba", "reference"}
        Kernel implementation.
    """

    chain_name = "gate"
    aliases = ("noisegate",)
    c_process_symbol = "rtd_gate_process"
    PARAMS = (
        Param("threshold_db", "dB", -10.0, -140.0, 0.0, doc="threshold (dBFS)"),
        # docs/maths/gate.md §1.2: MathWorks' convention, and labels that say so
        Param("attack_ms", "ms", 50.0, 0.0, 4000.0, doc="attack (closing) time, 10-90 %",
              label="attack_ms (closing)"),
        Param("release_ms", "ms", 20.0, 0.0, 4000.0, doc="release (opening) time, 10-90 %",
              label="release_ms (opening)"),
        Param("hold_ms", "ms", 50.0, 0.0, 4000.0, doc="hold time before closing"),
    )

    def _allocate(self, channels: int) -> None:
        self._params = np.zeros(4, dtype=np.float64)
        self._state = np.zeros((channels, 2), dtype=np.float64)
        self._counters = np.zeros(1, dtype=np.int64)
        self._cself = native_struct("rtd_gate *", params=self._params, state=self._state,
                                    counters=self._counters, channels=channels)
        self._cparams = self._cself.params

    @property
    def hold_samples(self) -> int:
        """Hold time in whole samples, ``round_half_even(hold_ms·fs/1000)`` (docs/maths/gate.md §1.3)."""
        if self._sample_rate is None:
            raise RuntimeError("hold_samples needs a sample rate: call prepare() first")
        return round(self.hold_ms * self._sample_rate / 1000.0)  # Python rounds half to even

    def _update_targets(self) -> None:
        fs = self._sample_rate
        values = (ramp_coefficient(self.attack_ms, fs),
                  ramp_coefficient(self.release_ms, fs),
                  10.0 ** (self.threshold_db / 20.0),
                  float(self.hold_samples))
        # A shorter hold needs no re-clamp of the counter: step 3 saturates
        # it at hold_samples + 1 on the next sample (docs/maths/gate.md §1.5).
        for index, value in enumerate(values):
            lib.rtd_param_store(self._cparams, index, value)

    def _reset_state(self) -> None:
        lib.rtd_gate_reset(self._cself)

    def _load_numba_kernels(self) -> None:
        from rtaudio.kernels.numba.gate import gate_process
        self._numba_kernel = gate_process

    def _process_numba(self, block: np.ndarray) -> None:
        self._numba_kernel(self._params, self._state, self._counters, block)

    def _process_reference(self, block: np.ndarray) -> None:
        from rtaudio.kernels.reference.gate import gate_process
        gate_process(self._params, self._state, self._counters, block)
