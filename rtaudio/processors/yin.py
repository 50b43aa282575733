"""YinTracker: streaming YIN pitch tracker equal to ``librosa.yin(center=False)``.

Maths: docs/maths/yin.md. Audio passes through unchanged; for
every completed frame and channel one result ``(channel, frame, time_s,
f0_hz, confidence, voiced)`` goes to a preallocated lock-free ring
(:class:`~rtaudio.engine.rings.PitchResultRing`) that readers poll
with :meth:`YinTracker.read_results`.

Method (docs/maths/yin.md §5.3.1 allows any exact method; ``native/kernels/yin.c`` has the
details). Block path, used when a power-of-two block length ``L`` divides
both N and the hop (:func:`yin_block_plan`; e.g. L = 256 for N = 2048,
hop = 512): each block's spectrum ``rfft(block, 2L)`` is computed once and
shared by the frames that contain it; per frame the cross-spectra of block
pairs at distance ``d`` are summed and ``p_max // L + 1`` inverse FFTs of
length ``2L`` give ``r[0..p_max]``. Whole-frame path, for any other
parameters: one zero-padded real FFT of length ``n_fft`` = the smallest
power of two ≥ 2N − 1 per frame (librosa uses scipy's next fast length,
which gives the same values up to rounding). The C backend carries its own
radix-2 real FFT (``native/kernels/fft.c``), the Numba backend the same algorithms
in Numba (``kernels/numba/fft.py``, same bits as C) and the reference
backend ``numpy.fft`` on the whole frame. Tables and scratch are allocated
at prepare time.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Optional

import numpy as np

from rtaudio._native import ffi, lib, pointer
from rtaudio.kernels.fft_tables import fft_length_for_autocorr, make_fft_tables
from rtaudio.params import Param
from rtaudio.processor import Processor, validate_sample_rate
from rtaudio.engine.rings import PitchResultRing

#: default lowest f0 searched, C2 (docs/maths/yin.md §5.1)
DEFAULT_FMIN_HZ = 65.40639

#: parameters whose change re-allocates the tracker and resets it (5.1)
STRUCTURAL = ("frame_length", "hop_length", "fmin_hz", "fmax_hz")


def check_yin_config(frame_length: int, fmin_hz: float, fmax_hz: float,
                     sample_rate: Optional[float], owner: str = "YinTracker") -> None:
    """librosa's feasibility checks (docs/maths/yin.md §5.1), as ``ValueError``; the
    "fewer than two periods" condition is a ``UserWarning``.

    Checks that need the sample rate are skipped when it is None.
    """
    if fmin_hz >= fmax_hz:
        raise ValueError(f"{owner}.fmin_hz = {fmin_hz!r} must be less than fmax_hz = {fmax_hz!r}")
    if sample_rate is None:
        return
    fs = float(sample_rate)
    if fmax_hz > fs / 2.0:
        raise ValueError(f"{owner}.fmax_hz = {fmax_hz!r} cannot exceed the Nyquist frequency "
                         f"{fs / 2.0:g} Hz; valid range is (fmin_hz, {fs / 2.0:g}] Hz")
    if fs / fmin_hz >= frame_length - 1:
        raise ValueError(
            f"{owner}.fmin_hz = {fmin_hz!r} is too low for frame_length = {frame_length} at "
            f"{fs:g} Hz: need sample_rate/fmin_hz < frame_length - 1, i.e. fmin_hz > "
            f"{fs / (frame_length - 1):.3f} Hz or frame_length >= {int(math.ceil(fs / fmin_hz)) + 2}")
    if fs / fmin_hz >= frame_length // 2:
        warnings.warn(
            f"{owner}: with fmin_hz={fmin_hz:.3f}, sample_rate={fs:g} and frame_length="
            f"{frame_length}, fewer than two periods of fmin fit into the frame, which can "
            f"cause inaccurate pitch detection; consider fmin_hz >= {fs / (frame_length / 2):.3f} "
            f"or frame_length >= {int(math.ceil(fs / fmin_hz)) * 2 + 1}", UserWarning, stacklevel=3)


def frame_length_for(sample_rate: float, base: int = 2048) -> int:
    """The frame length the command-line tools use when none is given:
    ``base`` doubled until two periods of the default lowest f0 (C2) fit at
    ``sample_rate`` (the condition of :func:`check_yin_config`'s warning).

    2048 up to about 67 kHz, 4096 at 88.2/96 kHz, 8192 at 176.4/192 kHz:
    high-rate files get about the same window in seconds instead of an
    error (docs/maths/yin.md §5.1). It depends on the rate only, so an
    ``fmin_hz`` the user chose too low for the frame is still an error.
    """
    length = int(base)
    while float(sample_rate) / DEFAULT_FMIN_HZ >= length // 2:
        length *= 2
    return length


def yin_periods(frame_length: int, fmin_hz: float, fmax_hz: float, sample_rate: float) -> tuple[int, int]:
    """``(p_min, p_max)`` of docs/maths/yin.md §5.3: ``floor(fs/fmax)``, ``min(ceil(fs/fmin), N − 1)``."""
    p_min = int(math.floor(sample_rate / fmax_hz))
    p_max = min(int(math.ceil(sample_rate / fmin_hz)), frame_length - 1)
    return p_min, p_max


def _real_fft_cost(n: int) -> float:
    """Relative cost of one real FFT of length ``n`` (``n·log2 n`` units)."""
    return n * math.log2(n)


#: cost of one complex multiply-add of the block cross-spectra, in the
#: units of :func:`_real_fft_cost`: a weight under which the count ranks the
#: block lengths as the C kernel's timings do (N = 2048, hop 512, forcing
#: L = 64/128/256/512: 22.6/15.0/12.2/13.8 µs/hop, best of 7 round robin on
#: the project's 2-core VM; the count picks 256)
CROSS_SPECTRUM_COST = 3.0


def block_slot_stride(block_length: int) -> int:
    """Doubles per block spectrum slot (padded off 4 KiB multiples, ``native/kernels/yin.c``)."""
    return 2 * block_length + 32


def yin_block_plan(frame_length: int, hop_length: int, p_max: int) -> tuple[int, int]:
    """Block length ``L`` and lag-block count ``D`` of the block path, or ``(0, 0)``.

    The block path (``native/kernels/yin.c``) splits each frame into ``B = N/L``
    blocks whose spectra ``rfft(block, 2L)`` are computed once and shared by
    the ``N/hop`` frames that contain them; per frame it needs
    ``Σ_{d<D} (B − d)`` cross-spectrum products of ``L + 1`` bins (block
    distances ``d < D`` reach the lags ``≤ p_max``) and ``p_max // L + 1``
    inverse FFTs of length ``2L``. ``L`` is a power of two ≥ 8 dividing both ``frame_length`` and
    ``hop_length``; the cheapest candidate by a simple operation count is
    returned if it beats the whole-frame path (two real FFTs of length
    ``n_fft ≥ 2N − 1``), else ``(0, 0)``.
    """
    whole = 2.0 * _real_fft_cost(fft_length_for_autocorr(frame_length))
    best, best_cost = (0, 0), whole
    length = 8
    while length <= hop_length and length <= frame_length // 2:
        if hop_length % length == 0 and frame_length % length == 0:
            blocks = frame_length // length
            lag_blocks = min(blocks, -(-p_max // length) + 1)
            pairs = sum(blocks - d for d in range(lag_blocks))
            inverses = p_max // length + 1
            cost = ((hop_length // length + inverses) * _real_fft_cost(2 * length)
                    + CROSS_SPECTRUM_COST * pairs * (length + 1))
            if cost < best_cost:
                best, best_cost = (length, lag_blocks), cost
        length *= 2
    return best


class YinTracker(Processor):
    """Streaming YIN pitch tracker (analyser: audio passes through unchanged).

    For every hop completed in a channel it computes the f0 that
    ``librosa.yin(y, fmin=fmin_hz, fmax=fmax_hz, sr=fs, frame_length=...,
    hop_length=..., trough_threshold=..., center=False)`` gives for that
    frame, independent of the block sizes given to ``process``.

    Parameters
    ----------
    frame_length : int
        Frame length N in samples, integer in [4, 65536]. Default 2048.
    hop_length : int or None
        Hop in samples, integer in [1, 65536]; None (default) means
        ``frame_length // 4``.
    fmin_hz : float
        Lowest f0 searched, Hz; ``0 < fmin_hz < fmax_hz`` and
        ``fs/fmin_hz < frame_length − 1``. Default 65.40639 (C2).
    fmax_hz : float
        Highest f0 searched, Hz, ``≤ fs/2``. Default 2093.0045 (C7).
    trough_threshold : float
        Absolute threshold on the normalised difference, (0, 1]. Default 0.1.
    silence_db : float
        Frames whose RMS is at or below this level (dBFS) are unvoiced,
        [-140, 0]. Default -60.
    backend : {"c", "numba", "reference"}
        Kernel implementation.
    result_capacity : int
        Size of the result ring (rounded up to a power of two). Default 8192.

    Notes
    -----
    Results per frame and channel: ``time_s = (t·hop + N/2)/fs`` (frame
    centre), ``f0_hz`` (always librosa's value, also for unvoiced frames),
    ``confidence = clip(1 − cmnd[i], 0, 1)`` and ``voiced`` (a trough
    below the threshold was found and the frame is louder than
    ``silence_db``). Results of one frame are queued channel by channel,
    frames in time order. Changing frame_length, hop_length, fmin_hz or
    fmax_hz resets the tracker; trough_threshold and silence_db apply from
    the next block. ``reset()`` does not discard queued results.
    Non-finite input samples are analysed as 0.0 and counted
    (``nonfinite_count``); the audio itself is not modified.
    """

    chain_name = "yin"
    aliases = ("yintracker",)
    c_process_symbol = "rtd_yin_process"
    is_analyser = True
    PARAMS = (
        Param("frame_length", "samples", 2048, 4, 65536, integer=True, doc="frame length N"),
        Param("hop_length", "samples", None, 1, 65536, integer=True,
              doc="hop between frames (None: frame_length // 4)"),
        Param("fmin_hz", "Hz", DEFAULT_FMIN_HZ, 0.0, None, low_open=True, log_scale=True,
              doc="lowest f0 searched"),
        Param("fmax_hz", "Hz", 2093.0045, 0.0, lambda fs: fs / 2.0, low_open=True, log_scale=True,
              doc="highest f0 searched"),
        Param("trough_threshold", "", 0.1, 0.0, 1.0, low_open=True,
              doc="absolute threshold on the normalised difference"),
        Param("silence_db", "dB", -60.0, -140.0, 0.0, doc="frames at or below this RMS are unvoiced"),
    )

    def __init__(self, *, backend: str = "c", result_capacity: int = 8192, **params: Any) -> None:
        self._ring = PitchResultRing(result_capacity)
        self._initialising = True
        super().__init__(backend=backend, **params)
        self._initialising = False
        check_yin_config(self.frame_length, self.fmin_hz, self.fmax_hz, None)

    # --------------------------------------------------------------- params
    @property
    def hop_length(self) -> int:
        """Hop in samples (``frame_length // 4`` unless set)."""
        hop = self._values["hop_length"]
        return self._values["frame_length"] // 4 if hop is None else hop

    @hop_length.setter
    def hop_length(self, value: Optional[int]) -> None:
        self._set_param("hop_length", value)

    def get_params(self) -> dict[str, Any]:
        params = super().get_params()
        if self._values["hop_length"] is None:
            params["hop_length"] = None
        return params

    def _set_param(self, name: str, value: Any) -> None:
        owner = type(self).__name__
        if name == "hop_length" and value is None:
            new = None
        else:
            new = self.param(name).validate(value, owner, self._sample_rate)
        if name in STRUCTURAL and not self._initialising:
            cand = dict(self._values, **{name: new})
            check_yin_config(cand["frame_length"], cand["fmin_hz"], cand["fmax_hz"],
                             self._sample_rate, owner)
        with self._structure_lock:
            self._values[name] = new
            if self.prepared:
                if name in STRUCTURAL:    # 5.1: structural change -> new, reset state
                    self._restructure()   # one pointer swap (docs/realtime.md §2)
                else:
                    self._update_targets()

    def prepare(self, sample_rate: float, channels: int, max_block: int = 8192) -> None:
        """Allocate state for streaming and reset it (see ``Processor.prepare``).

        Raises ``ValueError`` for librosa's infeasible settings at this
        sample rate and warns (``UserWarning``) when fewer than two periods
        of ``fmin_hz`` fit into a frame (docs/maths/yin.md §5.1).
        """
        rate = validate_sample_rate(sample_rate)
        check_yin_config(self.frame_length, self.fmin_hz, self.fmax_hz, rate, type(self).__name__)
        super().prepare(rate, channels, max_block)

    # ------------------------------------------------------------- derived
    @property
    def periods(self) -> tuple[int, int]:
        """``(p_min, p_max)`` in samples (docs/maths/yin.md §5.3); needs ``prepare``."""
        if self._sample_rate is None:
            raise RuntimeError("periods need a sample rate: call prepare() first")
        return yin_periods(self.frame_length, self.fmin_hz, self.fmax_hz, self._sample_rate)

    @property
    def results(self) -> PitchResultRing:
        """The lock-free result ring (one reader thread at a time)."""
        return self._ring

    def read_results(self, max_results: Optional[int] = None) -> np.ndarray:
        """Take the queued results without blocking (oldest first).

        Returns
        -------
        numpy.ndarray
            Structured array with fields ``channel`` (int32), ``frame``
            (int64 frame index t), ``time_s``, ``f0_hz``, ``confidence``
            (float64) and ``voiced`` (bool); empty if nothing is queued.
        """
        return self._ring.read(max_results)

    @property
    def dropped_results(self) -> int:
        """Results lost because the reader fell ``result_capacity`` behind."""
        return self._ring.dropped

    @property
    def frames_analysed(self) -> int:
        """Frame instants analysed since the last reset (all channels at once)."""
        return int(self._counters[1]) if self.prepared else 0

    # ------------------------------------------------------------ kernels
    def _allocate(self, channels: int) -> None:
        N, hop = self.frame_length, self.hop_length
        p_min, p_max = yin_periods(N, self.fmin_hz, self.fmax_hz, self._sample_rate)
        n_fft = fft_length_for_autocorr(N)
        L, D = yin_block_plan(N, hop, p_max)
        B = N // L if L else 0
        # block path: FFT tables for length 2L; whole-frame path: for n_fft
        self._tables = make_fft_tables(2 * L if L else n_fft)
        self._params = np.zeros(2, dtype=np.float64)
        self._config = np.array([N, hop, p_min, p_max, n_fft, L, D, B], dtype=np.int64)
        self._history = np.zeros((channels, N), dtype=np.float64)
        self._n_seen = np.zeros(channels, dtype=np.int64)
        self._frame = np.zeros(N, dtype=np.float64)
        # work: FFT scratch, r, x, (block path: spectra, u_q), then 2·p_max for cmnd
        whole_work = 2 * n_fft + 2 * (p_max + 1) + 2 * p_max
        n_q = p_max // L + 1 if L else 0               # lag ranges of L (native/kernels/yin.c)
        block_work = 4 * L + 2 * (p_max + 1) + D * block_slot_stride(L) + n_q * 2 * L + 2 * p_max
        self._inv_tau = np.zeros(p_max + 1, dtype=np.float64)
        self._inv_tau[1:] = 1.0 / np.arange(1, p_max + 1, dtype=np.float64)
        self._work = np.zeros(block_work if L else whole_work, dtype=np.float64)
        # block spectra and energies per channel, plus one set for analyse_frame
        self._spectra = np.zeros(max(1, (channels + 1) * B * block_slot_stride(L)), dtype=np.float64)
        self._block_energy = np.zeros(max(1, (channels + 1) * B), dtype=np.float64)
        self._out4 = np.zeros(4, dtype=np.float64)
        self._counters = np.zeros(2, dtype=np.int64)
        c = ffi.new("rtd_yin *")
        self._cparams = pointer("double *", self._params)
        c.params = self._cparams
        c.config = pointer("int64_t *", self._config)
        c.history = pointer("double *", self._history)
        c.n_seen = pointer("int64_t *", self._n_seen)
        c.frame = pointer("double *", self._frame)
        c.work = pointer("double *", self._work)
        c.cos_m = pointer("double *", self._tables.cos_m)
        c.sin_m = pointer("double *", self._tables.sin_m)
        c.cos_n = pointer("double *", self._tables.cos_n)
        c.sin_n = pointer("double *", self._tables.sin_n)
        c.bitrev = pointer("int32_t *", self._tables.bitrev)
        c.spectra = pointer("double *", self._spectra)
        c.block_energy = pointer("double *", self._block_energy)
        c.inv_tau = pointer("double *", self._inv_tau)
        c.counters = pointer("int64_t *", self._counters)
        c.ring = self._ring.cdata
        c.sample_rate = self._sample_rate
        c.channels = channels
        self._cself = c

    def _update_targets(self) -> None:
        lib.rtd_param_store(self._cparams, 0, float(self.trough_threshold))
        lib.rtd_param_store(self._cparams, 1, float(self.silence_db))

    def _reset_state(self) -> None:
        lib.rtd_yin_reset(self._cself)

    # C: the generic Processor dispatch (c_process_symbol = "rtd_yin_process").

    def _load_numba_kernels(self) -> None:
        from rtaudio.kernels.numba.yin import yin_process
        self._numba_kernel = yin_process

    def _process_numba(self, block: np.ndarray) -> None:
        ring = self._ring
        head, tail, dropped = ring.producer_state()
        cols, t = ring.columns, self._tables
        head, dropped = self._numba_kernel(
            self._params, self._config, self._history, self._n_seen, self._frame, self._work,
            t.cos_m, t.sin_m, t.cos_n, t.sin_n, t.bitrev, self._spectra, self._block_energy,
            self._inv_tau, self._out4, self._counters,
            self._sample_rate, block, cols["channel"], cols["frame"], cols["time_s"], cols["f0_hz"],
            cols["confidence"], cols["voiced"], head, tail, dropped)
        ring.publish(head, dropped)

    def _process_reference(self, block: np.ndarray) -> None:
        from rtaudio.kernels.reference.yin import yin_process
        ring = self._ring
        head, tail, dropped = ring.producer_state()
        head, dropped = yin_process(self._params, self._config, self._history, self._n_seen,
                                    self._counters, self._sample_rate, block, ring.columns,
                                    head, tail, dropped)
        ring.publish(head, dropped)

    def analyse_frame(self, frame: np.ndarray) -> tuple[float, float, bool, int]:
        """Analyse one frame of ``frame_length`` samples with the current
        backend's per-frame maths (no streaming state touched).

        Returns ``(f0_hz, confidence, voiced, i)`` with ``i`` the chosen
        index into the normalised difference (lag ``p_min + i``).
        """
        if not self.prepared:
            raise RuntimeError("YinTracker.analyse_frame() called before prepare()")
        y = np.ascontiguousarray(frame, dtype=np.float64)
        if y.shape != (self.frame_length,):
            raise ValueError(f"frame must have shape ({self.frame_length},), got {y.shape}")
        if self.backend == "reference":
            from rtaudio.kernels.reference.yin import yin_frame
            p_min, p_max = self.periods
            return yin_frame(y, self._sample_rate, p_min, p_max, int(self._config[4]),
                             self.trough_threshold, self.silence_db)
        out = self._out4
        if self.backend == "c":
            lib.rtd_yin_analyse(self._cself, ffi.cast("double *", ffi.from_buffer(y)),
                                ffi.cast("double *", ffi.from_buffer(out)))
        else:
            from rtaudio.kernels.numba.yin import analyse_frame
            t = self._tables
            analyse_frame(y, self._config, self._sample_rate, self.trough_threshold,
                          self.silence_db, self._work, t.cos_m, t.sin_m, t.cos_n, t.sin_n,
                          t.bitrev, self._spectra, self._block_energy, self._inv_tau,
                          self._channels, out)
        return float(out[0]), float(out[1]), bool(out[2]), int(out[3])
