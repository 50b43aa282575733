"""``SpectrogramSettings``: one description of a spectrogram, for the live
viewer and the image exporter alike (units: samples, Hz, dB, pixels)."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

from rtaudio.analysis import spectrogram as sp

__all__ = ["SpectrogramSettings", "check_size_px"]


def check_size_px(name: str, value: Optional[int]) -> Optional[int]:
    """An image dimension in pixels (``None`` passes through); ``ValueError`` if invalid."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= 65500:
        raise ValueError(f"{name}={value!r} is out of range (valid: integer in [1, 65500] pixels)")
    return int(value)


@dataclass(frozen=True)
class SpectrogramSettings:
    """Parameters of a spectrogram (live view or image file).

    Parameters
    ----------
    n_fft : int
        FFT size in samples.
    hop_length : int
        Frame advance in samples (see :meth:`from_overlap` for the viewer's
        overlap fractions).
    scale : {"mel", "linear"}
        Frequency axis.
    n_mels : int
        Mel bands (``scale="mel"``).
    fmin_hz, fmax_hz : float
        Frequency range in Hz; ``fmax_hz=None`` means ``sample_rate / 2``.
    top_db : float or None
        Image dynamic range below the maximum, in dB (None: the whole range).
    colormap : str
        matplotlib colormap name of an image.
    width_px, height_px : int, optional
        Image size in pixels; None means one pixel per frame / per mel band
        (or FFT bin).
    axes : bool
        Draw time and frequency axes and a colour bar on an image.
    """

    n_fft: int = 2048
    hop_length: int = 512
    scale: str = "mel"
    n_mels: int = 128
    fmin_hz: float = 0.0
    fmax_hz: Optional[float] = None
    top_db: Optional[float] = 80.0
    colormap: str = "magma"
    width_px: Optional[int] = None
    height_px: Optional[int] = None
    axes: bool = False

    @classmethod
    def from_overlap(cls, n_fft: int = 2048, overlap: float = 0.75, **fields: Any) -> "SpectrogramSettings":
        """Settings whose hop is ``round(n_fft (1 - overlap))`` samples.

        ``overlap`` is the fraction of a frame shared with the next, in [0, 1).
        """
        if not 0.0 <= float(overlap) < 1.0:
            raise ValueError(f"overlap = {overlap!r} is out of range; valid range is [0, 1)")
        hop = max(1, int(round(int(n_fft) * (1.0 - float(overlap)))))
        return cls(n_fft=n_fft, hop_length=hop, **fields)

    @property
    def overlap(self) -> float:
        """Fraction of a frame shared with the next (``1 - hop_length / n_fft``)."""
        return 1.0 - self.hop_length / self.n_fft

    def replace(self, **fields: Any) -> "SpectrogramSettings":
        """A copy with some fields changed."""
        return replace(self, **fields)

    def check(self) -> "SpectrogramSettings":
        """Return self, or raise ``ValueError`` naming the first bad setting
        (everything that does not depend on the sample rate)."""
        sp._check_stft(self.n_fft, self.hop_length, None, 2.0)
        if self.scale not in ("mel", "linear"):
            raise ValueError(f"scale={self.scale!r} is unknown (valid: mel, linear)")
        if self.scale == "mel":
            sp._check_int("n_mels", self.n_mels, 1)
        if not (math.isfinite(self.fmin_hz) and self.fmin_hz >= 0):
            raise ValueError(f"f_min={self.fmin_hz:g} Hz is out of range (valid: >= 0 Hz)")
        if self.fmax_hz is not None and not self.fmin_hz < self.fmax_hz:
            raise ValueError(f"f_min={self.fmin_hz:g} Hz must be below f_max={self.fmax_hz:g} Hz")
        if self.top_db is not None and not self.top_db >= 0:
            raise ValueError(f"top_db={self.top_db:g} is out of range (valid: >= 0 dB)")
        check_size_px("width", self.width_px)
        check_size_px("height", self.height_px)
        return self
