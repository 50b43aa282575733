"""LowPass: the paper's one-pole low-pass ``y[n] = a·x[n] + (1 − a)·y[n−1]``.

Maths: docs/maths/lowpass.md. ``cutoff_hz`` maps to ``a`` with the
exact −3 dB formula of 2.3; the paper's raw coefficient is available as
``alpha``. Setting one defines the other.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from rtaudio._native import lib, native_struct
from rtaudio.params import Param
from rtaudio.processor import Processor, smoothing_pole

A_AT_NYQUIST = 2.0 * math.sqrt(2.0) - 2.0  # limit of eq. 2.3 as w -> pi


def cutoff_to_alpha(cutoff_hz: float, sample_rate: float) -> float:
    """Coefficient ``a`` whose −3 dB point is ``cutoff_hz`` (docs/maths/lowpass.md §2.3).

    ``a = 2q / (q + sqrt(q² + 2q))`` with ``q = 2·sin²(w/2)``,
    ``w = 2π·cutoff_hz/fs``; this form has no cancellation at small ``w``.
    """
    w = 2.0 * math.pi * cutoff_hz / sample_rate
    q = 2.0 * math.sin(w / 2.0) ** 2
    return 2.0 * q / (q + math.sqrt(q * q + 2.0 * q))


def alpha_to_cutoff(alpha: float, sample_rate: float) -> float:
    """Inverse of :func:`cutoff_to_alpha`; ``inf`` when the response never
    falls by 3 dB below Nyquist (``a > 2√2 − 2``), docs/maths/lowpass.md §2.3."""
    q = alpha * alpha / (2.0 * (1.0 - alpha)) if alpha < 1.0 else math.inf
    if q > 2.0:
        return math.inf
    return sample_rate * math.acos(1.0 - q) / (2.0 * math.pi)


class LowPass(Processor):
    """One-pole low-pass filter (the paper's ``low_filter``).

    Parameters
    ----------
    cutoff_hz : float
        −3 dB frequency in Hz, in the open interval (0, fs/2). Default 1000.
    alpha : float, optional
        The paper's raw coefficient ``a`` in (0, 1]; when given, it defines
        the filter instead of ``cutoff_hz``.
    backend : {"c", "numba", "reference"}
        Kernel implementation.

    Notes
    -----
    The coefficient ``a`` is smoothed per sample (10 ms) when either
    parameter changes while streaming (docs/maths/conventions.md §0.4).
    """

    chain_name = "lowpass"
    aliases = ("lp",)
    c_process_symbol = "rtd_lowpass_process"
    PARAMS = (
        Param("cutoff_hz", "Hz", 1000.0, 0.0, lambda fs: fs / 2.0, low_open=True, high_open=True,
              log_scale=True, doc="-3 dB cutoff frequency"),
        Param("alpha", "", None, 0.0, 1.0, low_open=True, doc="raw one-pole coefficient a"),
    )

    def __init__(self, *, backend: str = "c", **params: Any) -> None:
        self._source = "cutoff_hz"
        super().__init__(backend=backend, **params)

    # cutoff_hz and alpha are two views of one coefficient: the one set last
    # is the source, the other is derived (needs a sample rate).
    @property
    def cutoff_hz(self) -> Optional[float]:
        """−3 dB frequency in Hz (``inf`` if alpha is so large that there is
        none below Nyquist; None if derived from alpha before prepare())."""
        if self._source == "cutoff_hz":
            return self._values["cutoff_hz"]
        if self._sample_rate is None:
            return None
        return alpha_to_cutoff(self._values["alpha"], self._sample_rate)

    @cutoff_hz.setter
    def cutoff_hz(self, value: float) -> None:
        self._source = "cutoff_hz"
        self._set_param("cutoff_hz", value)

    @property
    def alpha(self) -> Optional[float]:
        """The one-pole coefficient ``a`` (None if derived from cutoff_hz before prepare())."""
        if self._source == "alpha":
            return self._values["alpha"]
        if self._sample_rate is None:
            return None
        return cutoff_to_alpha(self._values["cutoff_hz"], self._sample_rate)

    @alpha.setter
    def alpha(self, value: float) -> None:
        self.param("alpha").validate(value, type(self).__name__, self._sample_rate)
        self._source = "alpha"
        self._set_param("alpha", value)

    def get_params(self) -> dict[str, Any]:
        """The source parameter only (``cutoff_hz`` or ``alpha``)."""
        return {self._source: self._values[self._source]}

    def prepare(self, sample_rate: float, channels: int, max_block: int = 8192) -> None:
        if self._source == "alpha":  # cutoff_hz is derived: skip its range check
            saved = self._values["cutoff_hz"]
            self._values["cutoff_hz"] = None
            try:
                super().prepare(sample_rate, channels, max_block)
            finally:
                self._values["cutoff_hz"] = saved
        else:
            super().prepare(sample_rate, channels, max_block)

    def _allocate(self, channels: int) -> None:
        self._params = np.zeros(2, dtype=np.float64)
        self._smooth = np.zeros(1, dtype=np.float64)
        self._state = np.zeros(channels, dtype=np.float64)
        self._counters = np.zeros(1, dtype=np.int64)
        self._cself = native_struct("rtd_lowpass *", params=self._params, smooth=self._smooth,
                                    state=self._state, counters=self._counters, channels=channels)
        self._cparams = self._cself.params

    def _update_targets(self) -> None:
        lib.rtd_param_store(self._cparams, 0, self.alpha)
        lib.rtd_param_store(self._cparams, 1, smoothing_pole(self._sample_rate))

    def _reset_state(self) -> None:
        lib.rtd_lowpass_reset(self._cself)

    def _load_numba_kernels(self) -> None:
        from rtaudio.kernels.numba.lowpass import lowpass_process
        self._numba_kernel = lowpass_process

    def _process_numba(self, block: np.ndarray) -> None:
        self._numba_kernel(self._params, self._smooth, self._state, self._counters, block)

    def _process_reference(self, block: np.ndarray) -> None:
        from rtaudio.kernels.reference.lowpass import lowpass_process
        lowpass_process(self._params, self._smooth, self._state, self._counters, block)
