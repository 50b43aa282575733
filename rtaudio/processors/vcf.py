"""VCF: the EMS VCS3 diode-ladder voltage-controlled filter of the paper.

Maths: specs/effects.md section 4 (Fontana & Civolani's model as
implemented in the seed repo): four tanh-coupled capacitor stages with
global feedback, trapezoidal integration and a per-sample fixed-point
solve of the delay-free loop (4.2). ``cutoff_hz`` sets the bias current
``I0`` through the linearised characteristic frequency of 4.3.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from rtaudio._native import lib, native_struct
from rtaudio.kernels import polyphase
from rtaudio.params import Param
from rtaudio.processor import Processor, smoothing_pole, validate_sample_rate

#: 4.1 constants of the circuit model
VT_V = 0.026
ETA = 1.836
CAPACITANCE_F = 0.01e-6
#: 4.4: the fixed-point iteration converges for cutoff_hz <= 0.068 * L * fs
CUTOFF_LIMIT_RATIO = 0.068
N_STATE = 16
N_COUNTERS = 5

#: highest oversampling factor (spec 4.4)
MAX_OVERSAMPLING = 16


def cutoff_to_current(cutoff_hz: float) -> float:
    """Bias current ``I0 = 8π·eta·VT·C·cutoff_hz`` in ampere (spec 4.3)."""
    return 8.0 * math.pi * ETA * VT_V * CAPACITANCE_F * cutoff_hz


def cutoff_to_k(cutoff_hz: float) -> float:
    """Stage coefficient ``K = I0/(2C)`` (A/F = V/s) used by the kernels (4.2)."""
    return cutoff_to_current(cutoff_hz) / (2.0 * CAPACITANCE_F)


def max_cutoff_hz(sample_rate: float, oversampling_factor: int = 1) -> float:
    """Highest ``cutoff_hz`` at which the solver converges: ``0.068·L·fs`` (4.4)."""
    return CUTOFF_LIMIT_RATIO * oversampling_factor * sample_rate


class VCF(Processor):
    """EMS VCS3 diode-ladder low-pass filter (virtual analog, spec 4).

    Parameters
    ----------
    cutoff_hz : float
        Characteristic frequency ``f_c = I0/(8π·eta·VT·C)`` in Hz, in
        [20, 0.068·L·fs] (L = ``oversampling_factor``; 3.0 kHz at 44.1 kHz).
        It is not the −3 dB point of the ladder: with ``resonance=0`` the
        small-signal response is about −20 dB at ``f_c`` (spec 4.3).
        Default 2500 (the repo's I0 = 30 µA).
    resonance : float
        Global feedback gain ``gfdbk`` in [0, 10]. Default 1.5 (the repo's
        C value). From about 5 upwards the filter **self-oscillates** near
        ``f_c`` (the repo's Python value 5.175 gives a sustained oscillation
        of a few tens of mV, see tests/test_vcf.py for measured levels).
    drive : float
        Input scaling in volts per full scale, [0, 10]. Default 1. The
        input stage saturates as ``tanh(x/(2·VT))``, so full scale is
        already driven hard.
    output_gain : float
        Output scaling in full scale per volt, [0, 16]. Default 1.
    oversampling_factor : int
        Internal oversampling L in [1, 16]. Default 1: the paper's setting,
        the model runs at fs with no resampling and no latency. With L > 1
        the model runs at ``L·fs`` between the polyphase interpolator and
        decimator shared with the ring modulator (spec 3.5), which allows
        cutoffs up to ``0.068·L·fs`` and adds ``latency_samples`` = 56.
        Costs about L times as much. Changing it resets the state.
    backend : {"c", "numba", "reference"}
        Kernel implementation.

    Notes
    -----
    Per sample, the delay-free loop is solved by the repo's Gauss–Seidel
    fixed-point iteration (spec 4.2: initial guess 0, relative tolerance
    1e-3 on the last stage voltage, at most 100 iterations), with ``fabs``
    and double precision everywhere (the published C code's integer
    ``abs`` bug, spec 4.6, is not reproduced). ``K = I0/(2C)``,
    ``resonance``, ``drive`` and ``output_gain`` are smoothed per sample
    (10 ms, spec 0.4), once per base-rate sample (held over the L model
    steps when oversampling, as in the ring modulator).

    Solver statistics: ``nonconverged_samples``, ``max_iterations_last_block``,
    ``total_iterations`` and ``mean_iterations_per_sample`` (about 10–12
    iterations per sample at 2.5 kHz, 44.1 kHz). ``nonconverged_samples``
    stays 0 within the spec's conditions (4.7), with one known exception of
    the spec's relative stopping rule: when a decaying tail crosses the
    1e-30 flush threshold (0.6) the fixed point is exactly 0 and that one
    sample runs the 100-iteration cap (its output is below 1e-30).

    A non-finite input sample is replaced by 0.0 for the model, 0.0 is
    written to the output at that position and ``nonfinite_count`` counts
    it (spec 0.5).
    """

    chain_name = "vcf"
    aliases = ("vcs3",)
    c_process_symbol = "rtd_vcf_process"
    PARAMS = (
        Param("cutoff_hz", "Hz", 2500.0, 20.0, lambda fs: max_cutoff_hz(fs, MAX_OVERSAMPLING),
              log_scale=True, doc="characteristic frequency f_c (sets I0)"),
        Param("resonance", "", 1.5, 0.0, 10.0, doc="feedback gain gfdbk (self-oscillates above ~5)"),
        Param("drive", "V/FS", 1.0, 0.0, 10.0, doc="input scaling (volts per full scale)"),
        Param("output_gain", "FS/V", 1.0, 0.0, 16.0, doc="output scaling (full scale per volt)"),
        Param("oversampling_factor", "", 1, 1.0, float(MAX_OVERSAMPLING), integer=True,
              doc="internal oversampling L (change resets the state)"),
    )

    # ------------------------------------------------------------ validation
    def _check_cutoff(self, cutoff_hz: float, factor: int, changed: str, value: Any) -> None:
        """Enforce ``cutoff_hz <= 0.068·L·fs`` once the sample rate is known."""
        if self._sample_rate is None:
            return
        limit = max_cutoff_hz(self._sample_rate, factor)
        if cutoff_hz > limit:
            if changed == "cutoff_hz":
                raise ValueError(f"VCF.cutoff_hz = {value!r} is out of range; valid range is "
                                 f"[20, {limit:g}] Hz at sample_rate {self._sample_rate:g} Hz "
                                 f"and oversampling_factor {factor} (0.068·L·fs)")
            raise ValueError(f"VCF.oversampling_factor = {value!r} is not valid with cutoff_hz = "
                             f"{cutoff_hz:g} Hz: it needs cutoff_hz <= 0.068·L·fs = {limit:g} Hz")

    def _set_param(self, name: str, value: Any) -> None:
        param = self.param(name)
        number = param.validate(value, type(self).__name__, self._sample_rate)
        old_factor = self._values["oversampling_factor"]
        if name == "cutoff_hz":
            self._check_cutoff(number, old_factor, name, value)
        elif name == "oversampling_factor":
            self._check_cutoff(self._values["cutoff_hz"], number, name, value)
        with self._structure_lock:
            self._values[name] = number
            if self.prepared:
                if name == "oversampling_factor" and number != old_factor:
                    # structural change => reset (4.4): a new, reset generation
                    # published by one pointer swap (docs/realtime.md §2)
                    self._restructure()
                else:
                    self._update_targets()

    def prepare(self, sample_rate: float, channels: int, max_block: int = 8192) -> None:
        """Allocate state for streaming and reset it (see ``Processor.prepare``).

        Raises
        ------
        ValueError
            Also when ``cutoff_hz`` exceeds ``0.068·L·fs`` at this rate.
        """
        rate = validate_sample_rate(sample_rate)
        cutoff = self._values["cutoff_hz"]
        factor = self._values["oversampling_factor"]
        limit = max_cutoff_hz(rate, factor)
        if cutoff > limit:
            raise ValueError(f"VCF.cutoff_hz = {cutoff!r} is out of range; valid range is "
                             f"[20, {limit:g}] Hz at sample_rate {rate:g} Hz and "
                             f"oversampling_factor {factor} (0.068·L·fs)")
        super().prepare(sample_rate, channels, max_block)

    # ---------------------------------------------------------------- state
    # All arrays and the C struct of one configuration live in one
    # ``_Arrays`` bundle; a change of oversampling_factor builds a new one
    # through ``Processor._restructure`` (docs/realtime.md §2).
    def _build(self, channels: int) -> "_Arrays":
        arrays = _Arrays(channels, self._values["oversampling_factor"])
        self._store_targets(arrays.cparams)
        lib.rtd_vcf_reset(arrays.cself)
        return arrays

    def _install(self, arrays: "_Arrays") -> None:
        self._arrays = arrays          # the kernels read only this bundle
        self._cself = arrays.cself     # generic C dispatch of Processor
        self._cparams = arrays.cparams
        self._counters = arrays.counters

    def _allocate(self, channels: int) -> None:
        if self._sample_rate is None:  # pragma: no cover - prepare() sets it first
            raise RuntimeError("VCF._allocate needs a sample rate")
        self._install(self._build(channels))

    # Views of the current bundle, for tests, benchmarks and the GUI.
    _params = property(lambda self: self._arrays.params)
    _smooth = property(lambda self: self._arrays.smooth)
    _state = property(lambda self: self._arrays.state)
    _interp_hist = property(lambda self: self._arrays.interp_hist)
    _decim_acc = property(lambda self: self._arrays.decim_acc)

    def _store_targets(self, cparams) -> None:
        factor = self._values["oversampling_factor"]
        lib.rtd_param_store(cparams, 0, cutoff_to_k(self._values["cutoff_hz"]))
        lib.rtd_param_store(cparams, 1, self._values["resonance"])
        lib.rtd_param_store(cparams, 2, self._values["drive"])
        lib.rtd_param_store(cparams, 3, self._values["output_gain"])
        lib.rtd_param_store(cparams, 4, smoothing_pole(self._sample_rate))
        lib.rtd_param_store(cparams, 5, 1.0 / (factor * self._sample_rate))

    def _update_targets(self) -> None:
        self._store_targets(self._cparams)

    def _reset_state(self) -> None:
        arrays = self._arrays
        lib.rtd_vcf_reset(arrays.cself)
        arrays.ref_decim_hist[...] = 0.0

    # ------------------------------------------------------------- counters
    @property
    def latency_samples(self) -> int:
        """Delay added at the base rate: 0 at L = 1, 56 samples with
        oversampling (the two 3.5 filters, 28 samples each)."""
        return 0 if self._values["oversampling_factor"] == 1 else polyphase.LATENCY_SAMPLES

    @property
    def nonconverged_samples(self) -> int:
        """Samples (per channel, summed) where the solver hit 100 iterations since reset."""
        return int(self._counters[1]) if self.prepared else 0

    @property
    def max_iterations_last_block(self) -> int:
        """Largest per-sample iteration count in the last processed block."""
        return int(self._counters[2]) if self.prepared else 0

    @property
    def total_iterations(self) -> int:
        """Fixed-point iterations run since reset (all channels)."""
        return int(self._counters[3]) if self.prepared else 0

    @property
    def total_model_samples(self) -> int:
        """Model samples solved since reset (frames × channels × L)."""
        return int(self._counters[4]) if self.prepared else 0

    @property
    def mean_iterations_per_sample(self) -> float:
        """``total_iterations / total_model_samples`` (NaN before any sample)."""
        samples = self.total_model_samples
        return self.total_iterations / samples if samples else math.nan

    # ------------------------------------------------------------- kernels
    def _load_numba_kernels(self) -> None:
        from rtaudio.kernels.numba.vcf import vcf_process
        self._numba_kernel = vcf_process

    def _process_numba(self, block: np.ndarray) -> None:
        a = self._arrays
        self._numba_kernel(a.params, a.smooth, a.state, a.interp_hist, a.decim_acc,
                           a.interp_taps, a.decim_taps, a.scratch, a.counters, block)

    def _process_reference(self, block: np.ndarray) -> None:
        from rtaudio.kernels.reference.vcf import vcf_process
        a = self._arrays
        vcf_process(a.params, a.smooth, a.state, a.counters, block,
                    oversampling=(a.ref_interp_taps, a.ref_prototype, a.interp_hist, a.ref_decim_hist))


class _Arrays:
    """Parameters, state, filter tables, counters and the ``rtd_vcf`` struct
    of one (channels, oversampling factor) configuration (see native/rtdsp.h).

    The 3.5 filters are used when the factor is > 1: transposed tables for
    C and Numba, direct form (prototype + 56·L history) for the reference.
    """

    def __init__(self, channels: int, factor: int) -> None:
        self.params = np.zeros(6, dtype=np.float64)
        self.smooth = np.zeros(4, dtype=np.float64)
        self.state = np.zeros((channels, N_STATE), dtype=np.float64)
        self.counters = np.zeros(N_COUNTERS, dtype=np.int64)
        self.interp_hist = np.zeros((channels, polyphase.history_length()), dtype=np.float64)
        self.decim_acc = np.zeros((channels, polyphase.history_length()), dtype=np.float64)
        self.interp_taps = polyphase.interp_table(factor)
        self.decim_taps = polyphase.decim_table(factor)
        self.scratch = np.zeros((2, factor), dtype=np.float64)
        self.ref_interp_taps = self.interp_taps.tolist()
        self.ref_prototype = polyphase.design_prototype(factor).tolist()
        self.ref_decim_hist = np.zeros((channels, polyphase.SPAN * factor), dtype=np.float64)
        self.cself = native_struct("rtd_vcf *", params=self.params, smooth=self.smooth,
                                   state=self.state, interp_hist=self.interp_hist,
                                   decim_acc=self.decim_acc, interp_taps=self.interp_taps,
                                   decim_taps=self.decim_taps, counters=self.counters,
                                   channels=channels, factor=factor)
        self.cparams = self.cself.params
