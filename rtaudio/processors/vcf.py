"""VCF: the EMS VCS3 diode-ladder voltage-controlled filter of the paper.

Maths: docs/maths/vcf.md (Fontana & Civolani's model as implemented in
the paper's code): four tanh-coupled capacitor stages with global
feedback, trapezoidal integration and a per-sample solve of the
delay-free loop, by Newton's method (default, §3) or by the paper's
fixed-point iteration (``solver="fixed_point"``, §5). ``cutoff_hz`` sets
the bias current ``I0`` through the linearised characteristic frequency
of §2.
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
#: docs/maths/vcf.md §5: the fixed-point iteration converges for
#: cutoff_hz <= 0.068 * L * fs
CUTOFF_LIMIT_RATIO = 0.068
#: docs/maths/vcf.md §3: Newton converges up to 0.45 * fs (any L)
NEWTON_CUTOFF_RATIO = 0.45
#: the paper's relative tolerance on vc4 (written 10e-4), params[7]
FIXED_POINT_REL_ERR = 10e-4
#: solver names, in the order of params[6] (native/rtdsp.h)
SOLVERS = ("newton", "fixed_point")
N_STATE = 16
N_COUNTERS = 5

#: highest oversampling factor (docs/maths/vcf.md §6)
MAX_OVERSAMPLING = 16


def cutoff_to_current(cutoff_hz: float) -> float:
    """Bias current ``I0 = 8π·eta·VT·C·cutoff_hz`` in ampere (docs/maths/vcf.md §2)."""
    return 8.0 * math.pi * ETA * VT_V * CAPACITANCE_F * cutoff_hz


def cutoff_to_k(cutoff_hz: float) -> float:
    """Stage coefficient ``K = I0/(2C)`` (A/F = V/s) used by the kernels (4.2)."""
    return cutoff_to_current(cutoff_hz) / (2.0 * CAPACITANCE_F)


def max_cutoff_hz(sample_rate: float, oversampling_factor: int = 1,
                  solver: str = "newton") -> float:
    """Highest valid ``cutoff_hz``: ``0.45·fs`` for Newton, and for the
    fixed-point solver also at most ``0.068·L·fs``, where it still converges
    (docs/maths/vcf.md §5)."""
    limit = NEWTON_CUTOFF_RATIO * sample_rate
    if solver == "fixed_point":
        limit = min(limit, CUTOFF_LIMIT_RATIO * oversampling_factor * sample_rate)
    return limit


class VCF(Processor):
    """EMS VCS3 diode-ladder low-pass filter (virtual analog, docs/maths/vcf.md).

    Parameters
    ----------
    cutoff_hz : float
        Characteristic frequency ``f_c = I0/(8π·eta·VT·C)`` in Hz, in
        [20, 0.45·fs] (with ``solver="fixed_point"`` at most 0.068·L·fs,
        L = ``oversampling_factor``: 3.26 kHz at 48 kHz).
        It is not the −3 dB point of the ladder: with ``resonance=0`` the
        small-signal response is about −20 dB at ``f_c`` (docs/maths/vcf.md §2).
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
        decimator shared with the ring modulator (docs/maths/ringmod.md
        §4), which reduces aliasing of the nonlinear stages (and lets the
        fixed-point solver reach ``0.068·L·fs``) and adds
        ``latency_samples`` = 56. Costs about L times as much. Changing it
        resets the state.
    solver : {"newton", "fixed_point"}
        ``"newton"`` (default): Newton's method on the four stage voltages,
        stopped when its quadratic convergence puts the loop's solution
        within 1e-10 V (docs/maths/vcf.md §3.3), any cutoff up to 0.45·fs. ``"fixed_point"``: the paper's iteration (relative
        tolerance 1e-3 on the last stage, at most 100 iterations, §5), kept
        to reproduce the paper's results; it stops far from the solution
        on loud signals and diverges above 0.068·L·fs. Switching keeps the
        state.
    backend : {"c", "numba", "reference"}
        Kernel implementation.

    Notes
    -----
    Per sample, the delay-free loop is solved by ``solver``. The
    fixed-point solver uses ``fabs`` and double precision everywhere (the
    published C code's integer ``abs`` bug is not reproduced, see
    docs/maths/vcf.md §5). ``K = I0/(2C)``,
    ``resonance``, ``drive`` and ``output_gain`` are smoothed per sample
    (10 ms), once per base-rate sample (held over the L model
    steps when oversampling, as in the ring modulator).

    Solver statistics: ``nonconverged_samples``, ``max_iterations_last_block``,
    ``total_iterations`` and ``mean_iterations_per_sample`` (Newton steps:
    about 2–3 per sample at 2.5 kHz, 4–5 at 15 kHz; fixed point: about
    10–12 at 2.5 kHz, 44.1 kHz). With Newton ``nonconverged_samples`` stays
    0. With the fixed point it stays 0 for cutoff <= 0.068·L·fs, with one
    known exception of the paper's relative stopping rule: when a decaying
    tail crosses the 1e-30 flush threshold the fixed point is exactly 0 and
    that one sample runs the 100-iteration cap (its output is below 1e-30).

    A non-finite input sample is replaced by 0.0 for the model, 0.0 is
    written to the output at that position and ``nonfinite_count`` counts
    it.
    """

    chain_name = "vcf"
    aliases = ("vcs3",)
    c_process_symbol = "rtd_vcf_process"
    PARAMS = (
        Param("cutoff_hz", "Hz", 2500.0, 20.0, lambda fs: NEWTON_CUTOFF_RATIO * fs,
              log_scale=True, doc="characteristic frequency f_c (sets I0)"),
        Param("resonance", "", 1.5, 0.0, 10.0, doc="feedback gain gfdbk (self-oscillates above ~5)"),
        Param("drive", "V/FS", 1.0, 0.0, 10.0, doc="input scaling (volts per full scale)"),
        Param("output_gain", "FS/V", 1.0, 0.0, 16.0, doc="output scaling (full scale per volt)"),
        Param("oversampling_factor", "", 1, 1.0, float(MAX_OVERSAMPLING), integer=True,
              doc="internal oversampling L (change resets the state)"),
        Param("solver", "", "newton", choices=SOLVERS,
              doc="loop solver: Newton (default) or the paper's fixed point"),
    )

    # ------------------------------------------------------------ validation
    def _check_cutoff(self, cutoff_hz: float, factor: int, solver: str, changed: str,
                      value: Any) -> None:
        """Enforce ``cutoff_hz <= 0.068·L·fs`` for the fixed-point solver once
        the sample rate is known (Newton's 0.45·fs is the Param range)."""
        if self._sample_rate is None or solver != "fixed_point":
            return
        limit = max_cutoff_hz(self._sample_rate, factor, solver)
        if cutoff_hz > limit:
            if changed == "cutoff_hz":
                raise ValueError(f"VCF.cutoff_hz = {value!r} is out of range for "
                                 f"solver='fixed_point'; valid range is [20, {limit:g}] Hz at "
                                 f"sample_rate {self._sample_rate:g} Hz and oversampling_factor "
                                 f"{factor} (0.068·L·fs; solver='newton' allows up to 0.45·fs)")
            raise ValueError(f"VCF.{changed} = {value!r} is not valid with cutoff_hz = "
                             f"{cutoff_hz:g} Hz: solver='fixed_point' needs cutoff_hz <= "
                             f"0.068·L·fs = {limit:g} Hz")

    def _set_param(self, name: str, value: Any) -> None:
        param = self.param(name)
        number = param.validate(value, type(self).__name__, self._sample_rate)
        old_factor = self._values["oversampling_factor"]
        # the values after the change, without copying the dict (a live change allocates nothing)
        cutoff_hz = number if name == "cutoff_hz" else self._values["cutoff_hz"]
        factor = number if name == "oversampling_factor" else old_factor
        solver = number if name == "solver" else self._values["solver"]
        self._check_cutoff(cutoff_hz, factor, solver, name, value)
        with self._structure_lock:
            self._values[name] = number
            if self.prepared:
                if name == "oversampling_factor" and number != old_factor:
                    # structural change => reset: a new, reset generation
                    # published by one pointer swap (docs/realtime.md §2)
                    self._restructure()
                else:
                    self._update_targets()

    def prepare(self, sample_rate: float, channels: int, max_block: int = 8192) -> None:
        """Allocate state for streaming and reset it (see ``Processor.prepare``).

        Raises
        ------
        ValueError
            Also when ``cutoff_hz`` exceeds ``0.45·fs`` (or, with
            ``solver="fixed_point"``, ``0.068·L·fs``) at this rate.
        """
        rate = validate_sample_rate(sample_rate)
        cutoff = self._values["cutoff_hz"]
        factor = self._values["oversampling_factor"]
        solver = self._values["solver"]
        limit = max_cutoff_hz(rate, factor, solver)
        if cutoff > limit:
            rule = "0.068·L·fs" if solver == "fixed_point" else "0.45·fs"
            raise ValueError(f"VCF.cutoff_hz = {cutoff!r} is out of range; valid range is "
                             f"[20, {limit:g}] Hz at sample_rate {rate:g} Hz, "
                             f"oversampling_factor {factor} and solver {solver!r} ({rule})")
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
        lib.rtd_param_store(cparams, 6, float(SOLVERS.index(self._values["solver"])))
        lib.rtd_param_store(cparams, 7, FIXED_POINT_REL_ERR)

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
        """Model samples (all channels) where the solver hit its iteration cap
        since reset (100 fixed-point iterations, 50 Newton steps)."""
        return int(self._counters[1]) if self.prepared else 0

    @property
    def max_iterations_last_block(self) -> int:
        """Largest per-sample iteration (Newton step) count in the last block."""
        return int(self._counters[2]) if self.prepared else 0

    @property
    def total_iterations(self) -> int:
        """Fixed-point iterations or Newton steps run since reset (all channels)."""
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
        self.params = np.zeros(8, dtype=np.float64)
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
