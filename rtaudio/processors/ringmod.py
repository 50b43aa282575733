"""RingModulator: the seed paper's diode ring modulator (virtual analog).

Maths: docs/maths/ringmod.md. The circuit (§1) runs at
``L = oversampling_factor`` times the sample rate between the polyphase
interpolator and decimator of §4 (rtaudio/kernels/polyphase.py); the
carrier is synthesised at the high rate. Model ``"stable"`` (default)
is the passive backward-Euler/Newton scheme of §3; ``"paper"`` is the
authors' explicit scheme of §2, kept for regression tests and the
paper's benchmark (it diverges at ordinary levels).

Smoothing (0.4): ``carrier_level``, ``input_gain`` and ``output_gain`` are
smoothed once per **base-rate** sample (10 ms one-pole at ``fs``) and held
over the ``L`` high-rate steps of that sample, identically in C, Numba and
the reference. A ``carrier_hz`` change sets the phase increment from the
first sample of the next ``process`` call; the phase stays continuous.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rtaudio._native import lib, native_struct
from rtaudio.kernels import polyphase
from rtaudio.params import Param
from rtaudio.processor import Processor, smoothing_pole

# Circuit constants, docs/maths/ringmod.md §1.
C_F = 10e-9        # C, input/output winding capacitance (F)
CP_F = 10e-9       # Cp, centre-tap capacitance (F)
LH_H = 0.8         # Lh, winding inductance (H)
RM_OHM = 80.0      # Rm, modulator source resistance
RA_OHM = 600.0     # Ra, output load
RI_OHM = 50.0      # Ri, centre-tap resistance

MODELS = ("stable", "paper")
STATE_WIDTH = 9    # u1 u2 u3 i1 i2 u4 u5 u6 u7
N_PARAMS = 16


def circuit_constants(oversampling_factor: int, sample_rate: float) -> tuple[float, ...]:
    """Step-size dependent constants, in the layout of params[5:16] (native/rtdsp.h).

    ``(D1, D2, D3, C/T, Cp/T, T/Lh, 1/Rm, 1/Ra, 1/Ri, T/C, T/Cp)`` with
    ``T = 1/(L·fs)`` and ``D`` the diagonal of docs/maths/ringmod.md §3.1.
    """
    T = 1.0 / (oversampling_factor * sample_rate)
    cT, cpT, tLh = C_F / T, CP_F / T, T / LH_H
    inv_rm, inv_ra, inv_ri = 1.0 / RM_OHM, 1.0 / RA_OHM, 1.0 / RI_OHM
    d1 = (cT + tLh) + inv_rm
    d2 = (cT + tLh) + inv_ra
    d3 = cpT + inv_ri
    return (d1, d2, d3, cT, cpT, tLh, inv_rm, inv_ra, inv_ri, T / C_F, T / CP_F)


class RingModulator(Processor):
    """Diode ring modulator with a built-in carrier oscillator.

    Parameters
    ----------
    carrier_hz : float
        Carrier frequency in Hz, [0, 0.45·fs]; 0 gives a DC carrier
        (``carrier_level·sin(2π·phi)`` with a frozen phase). Default 440.
    carrier_level : float
        Carrier amplitude in volts, [0, 4]. Smoothed. Default 0.8.
    input_gain : float
        Volts per full-scale input (the repo's ``k``), [0, 4]. Smoothed.
        Default 0.8.
    output_gain : float
        Full scale per volt of the circuit output ``u2``, [0, 16].
        Smoothed. Default 1.
    oversampling_factor : int
        Internal rate ``L·fs``, [1, 128]. Changing it resets the state.
        Default 4 (was 8: the aliasing measurement of docs/maths/ringmod.md
        §4 is not worse at 4, and it costs about half).
    model : {"stable", "paper"}
        ``"stable"``: passive diodes, backward Euler, Newton (§3).
        ``"paper"``: the paper's explicit scheme (§2), unstable at
        ordinary levels; for regression tests. Changing it resets.
    backend : {"c", "numba", "reference"}
        Kernel implementation.

    Notes
    -----
    ``latency_samples`` is 56 at any ``oversampling_factor`` (two
    linear-phase FIRs of ``56·L + 1`` taps, §4). ``solver_failures``
    counts Newton solves that hit the 16-iteration cap;
    ``newton_iterations`` the total iterations (both reset by ``reset()``).
    The reference backend keeps the decimator in direct form (its own
    history), the C and Numba backends in transposed form; switching to or
    from ``"reference"`` while streaming therefore needs a ``reset()``.
    """

    chain_name = "ringmod"
    aliases = ("ring_modulator",)
    c_process_symbol = "rtd_ringmod_process"
    PARAMS = (
        Param("carrier_hz", "Hz", 440.0, 0.0, lambda fs: 0.45 * fs, log_scale=True,
              doc="carrier frequency"),
        Param("carrier_level", "V", 0.8, 0.0, 4.0, doc="carrier amplitude"),
        Param("input_gain", "V/FS", 0.8, 0.0, 4.0, doc="input scaling k (volts per full scale)"),
        Param("output_gain", "FS/V", 1.0, 0.0, 16.0, doc="output scaling (full scale per volt)"),
        Param("oversampling_factor", "", 4, 1, polyphase.MAX_FACTOR, integer=True,
              doc="internal oversampling factor L (change resets)"),
        Param("model", "", "stable", choices=MODELS, doc="circuit discretisation (change resets)"),
    )
    _STRUCTURAL = ("oversampling_factor", "model")

    # ------------------------------------------------------------ params
    def _set_param(self, name: str, value: Any) -> None:
        if name in self._STRUCTURAL:
            param = self.param(name)
            with self._structure_lock:
                self._values[name] = param.validate(value, type(self).__name__, self._sample_rate)
                self._restructure()  # new reset state, one pointer swap (docs/realtime.md §2)
            return
        super()._set_param(name, value)

    @property
    def latency_samples(self) -> int:
        """Delay at the base rate: 56 samples (docs/maths/ringmod.md §4)."""
        return polyphase.LATENCY_SAMPLES

    @property
    def solver_failures(self) -> int:
        """Newton solves that stopped at the 16-iteration cap since the last reset."""
        return int(self._counters[1]) if self.prepared else 0

    @property
    def newton_iterations(self) -> int:
        """Total Newton iterations since the last reset (model "stable")."""
        return int(self._counters[2]) if self.prepared else 0

    # -------------------------------------------------------- allocation
    def _allocate(self, channels: int) -> None:
        self._params = np.zeros(N_PARAMS, dtype=np.float64)
        self._smooth = np.zeros(4, dtype=np.float64)
        self._state = np.zeros((channels, STATE_WIDTH), dtype=np.float64)
        self._interp_hist = np.zeros((channels, polyphase.history_length()), dtype=np.float64)
        self._decim_acc = np.zeros((channels, polyphase.history_length()), dtype=np.float64)
        self._counters = np.zeros(3, dtype=np.int64)
        self._scratch = np.zeros((3, polyphase.MAX_FACTOR), dtype=np.float64)
        table_size = polyphase.history_length() * polyphase.MAX_FACTOR
        self._interp_taps_buf = np.zeros(table_size, dtype=np.float64)
        self._decim_taps_buf = np.zeros(table_size, dtype=np.float64)
        self._cself = native_struct("rtd_ringmod *", params=self._params, smooth=self._smooth,
                                    state=self._state, interp_hist=self._interp_hist,
                                    decim_acc=self._decim_acc, counters=self._counters,
                                    interp_taps=self._interp_taps_buf, decim_taps=self._decim_taps_buf,
                                    channels=channels)
        self._cparams = self._cself.params
        self._configure_structure()

    def _configure_structure(self) -> None:
        """Build the filter tables of a new struct for the current factor and
        model (``_allocate``; a structural change allocates a new generation
        through ``Processor._restructure``, so a running kernel never sees
        these tables change). A structural change implies a reset and is not
        click-free.
        """
        factor = self.oversampling_factor
        hist = polyphase.history_length()
        self._interp_taps = self._interp_taps_buf[:hist * factor].reshape(hist, factor)
        self._decim_taps = self._decim_taps_buf[:hist * factor].reshape(factor, hist)
        self._interp_taps[...] = polyphase.interp_table(factor)
        self._decim_taps[...] = polyphase.decim_table(factor)
        self._prototype = polyphase.design_prototype(factor)
        self._ref_interp_taps = self._interp_taps.tolist()
        self._ref_prototype = self._prototype.tolist()
        self._ref_decim_hist = np.zeros((self._channels, polyphase.SPAN * factor), dtype=np.float64)
        self._model_index = MODELS.index(self.model)
        self._factor = factor
        self._cself.factor = factor
        self._cself.model = self._model_index

    def _update_targets(self) -> None:
        fs = self._sample_rate
        factor = self.oversampling_factor
        values = (self.carrier_level, self.input_gain, self.output_gain, smoothing_pole(fs),
                  self.carrier_hz / (factor * fs),
                  *circuit_constants(factor, fs))
        for index, value in enumerate(values):
            lib.rtd_param_store(self._cparams, index, value)

    def _reset_state(self) -> None:
        lib.rtd_ringmod_reset(self._cself)
        self._ref_decim_hist[...] = 0.0

    # --------------------------------------------------------- kernels
    def _load_numba_kernels(self) -> None:
        from rtaudio.kernels.numba.ringmod import ringmod_process
        self._numba_kernel = ringmod_process

    def _process_numba(self, block: np.ndarray) -> None:
        self._numba_kernel(self._params, self._smooth, self._state, self._interp_hist, self._decim_acc,
                           self._interp_taps, self._decim_taps, self._counters, self._scratch,
                           self._factor, self._model_index, block)

    def _process_reference(self, block: np.ndarray) -> None:
        from rtaudio.kernels.reference.ringmod import ringmod_process
        ringmod_process(self._params, self._smooth, self._state, self._interp_hist, self._ref_decim_hist,
                        self._ref_interp_taps, self._ref_prototype, self._counters,
                        self._factor, self._model_index, block)
