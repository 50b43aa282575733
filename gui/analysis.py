"""Qt-free analysis for the viewer: streaming spectrogram columns, levels, notes.

Everything here runs in the GUI thread on samples already copied out of
the engine's tap rings; nothing touches the audio thread. The maths of the
spectrogram (periodic Hann window, power STFT, Slaney mel filterbank,
``10 log10``) is :mod:`rtaudio.analysis.spectrogram`; this module only chains it for
a live stream and picks the dB reference.
"""
from __future__ import annotations

import math
import warnings
from typing import Optional

import numpy as np

from rtaudio.analysis import spectrogram as sp
from rtaudio.analysis.settings import SpectrogramSettings

#: FFT sizes offered by the viewer (samples)
FFT_SIZES = (256, 512, 1024, 2048, 4096, 8192)
#: overlaps offered by the viewer (fraction of the FFT size); hop = n_fft (1 - overlap)
OVERLAPS = (0.5, 0.75, 0.875)
#: smallest power before the logarithm (-100 dB re 1), as librosa's ``amin``
AMIN = 1e-10
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def check_live_settings(settings: SpectrogramSettings) -> SpectrogramSettings:
    """Return ``settings`` if the live view can use them, else raise
    ``ValueError`` naming the bad setting (the viewer offers ``FFT_SIZES``)."""
    if settings.n_fft not in FFT_SIZES:
        raise ValueError(f"n_fft = {settings.n_fft!r} is not valid: expected one of {FFT_SIZES}")
    return settings.check()


class SpectrogramFeed:
    """Turns a mono sample stream into dB spectrogram columns.

    Uses :class:`rtaudio.analysis.spectrogram.StreamingSTFT` (``center=True``, power
    2), then, for the mel scale, :func:`rtaudio.analysis.spectrogram.mel_filterbank`
    (librosa's Slaney basis). dB values are ``10 log10(max(AMIN, P) / ref)``:
    on the linear scale ``ref = P_fs = (sum(w) / 2)**2``, the power of the
    peak bin of a full-scale sine, so a 0 dBFS sine reads 0 dB; on the mel
    scale ``ref[i] = P_fs * max_k W[i, k]``, so a full-scale sine on the
    peak bin of band ``i`` reads 0 to +1.8 dB (its two Hann side bins add
    at most ``10 log10(1.5)``) whatever the band's Slaney area normalisation.

    Parameters
    ----------
    sample_rate : float
        Sample rate of the stream in Hz.
    settings : SpectrogramSettings
        FFT size, overlap and frequency scale.
    max_block : int
        Largest number of samples given to one internal ``push``.
    """

    def __init__(self, sample_rate: float, settings: SpectrogramSettings,
                 max_block: int = 8192) -> None:
        self.sample_rate = float(sample_rate)
        self.settings = check_live_settings(settings)
        self._stft = sp.StreamingSTFT(n_fft=settings.n_fft, hop_length=settings.hop_length,
                                      center=True, power=2.0, max_block=max_block)
        window = sp.hann_window(settings.n_fft)
        #: power of the peak bin of a full-scale sine, ``(sum(w) / 2)**2``
        self.sine_power = (float(window.sum()) / 2.0) ** 2
        self._basis: Optional[np.ndarray] = None
        self.n_mels = 0
        if settings.scale == "mel":
            self.n_mels = mel_bands_for(self.sample_rate, settings.n_fft, settings.n_mels,
                                        settings.fmin_hz)
            self._basis = sp.mel_filterbank(self.sample_rate, settings.n_fft, self.n_mels,
                                            fmin=settings.fmin_hz)
        #: 0 dB reference power of each row (scalar on the linear scale)
        if self._basis is None:
            self.ref_power = self.sine_power
        else:  # (an all-zero band, possible only at n_mels=8, keeps the linear reference)
            peak = self._basis.max(axis=1)
            self.ref_power = self.sine_power * np.where(peak > 0.0, peak, 1.0)
        self.max_block = max_block

    @property
    def rows(self) -> int:
        """Rows of each column (FFT bins or mel bands)."""
        return self._basis.shape[0] if self._basis is not None else self._stft.n_bins

    @property
    def hop_length(self) -> int:
        """Frame advance in samples."""
        return self.settings.hop_length

    @property
    def frames_emitted(self) -> int:
        """Columns produced so far."""
        return self._stft.frames_emitted

    def row_frequencies_hz(self) -> np.ndarray:
        """Centre frequency in Hz of every row (bins ``k fs / n_fft``; mel band centres)."""
        if self._basis is None:
            return sp.fft_frequencies(self.sample_rate, self.settings.n_fft)
        return self.mel_edges_hz()[1:-1]

    def mel_edges_hz(self) -> np.ndarray:
        """The ``n_mels + 2`` band edges in Hz of the mel filterbank (mel scale only)."""
        if self._basis is None:
            raise ValueError("mel_edges_hz() needs scale='mel'")
        return sp.mel_frequencies(self.n_mels + 2, self.settings.fmin_hz, self.sample_rate / 2.0)

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Feed mono samples; return the new columns in dB, shape ``(n_new, rows)``."""
        samples = np.asarray(samples, dtype=np.float64).reshape(-1)
        pieces = []
        for start in range(0, len(samples), self.max_block):
            power = self._stft.push(samples[start:start + self.max_block])
            if len(power):
                if self._basis is not None:
                    power = power @ self._basis.T
                pieces.append(self.to_db(power))
        if not pieces:
            return np.zeros((0, self.rows), dtype=np.float64)
        return np.concatenate(pieces, axis=0)

    def to_db(self, power: np.ndarray) -> np.ndarray:
        """``10 log10(max(AMIN, P) / ref)`` per row (a new array)."""
        return 10.0 * np.log10(np.maximum(power, AMIN) / self.ref_power)


def mel_bands_for(sample_rate: float, n_fft: int, n_mels: int, fmin_hz: float = 0.0) -> int:
    """The largest band count ``<= n_mels`` (in steps of 8, at least 8) whose
    Slaney filterbank has a positive weight in every band at this FFT size
    (small FFTs have too few bins for many narrow low bands)."""
    bands = n_mels
    while bands > 8:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            basis = sp.mel_filterbank(sample_rate, n_fft, bands, fmin=fmin_hz)
        if np.all(basis.max(axis=1) > 0.0):
            break
        bands -= 8
    return bands


def level_dbfs(frames: np.ndarray, floor_db: float = -120.0) -> tuple[float, float]:
    """Peak and RMS level of ``frames`` (any shape) in dBFS, at least ``floor_db``.

    ``peak = 20 log10(max |x|)``; ``rms = 10 log10(mean(x**2))`` over all
    samples. An empty array gives ``(floor_db, floor_db)``.
    """
    if frames.size == 0:
        return floor_db, floor_db
    x = frames.astype(np.float64, copy=False)
    peak = float(np.max(np.abs(x)))
    mean_square = float(np.mean(x * x))
    to_db = lambda v, k: max(floor_db, k * math.log10(v)) if v > 0 else floor_db  # noqa: E731
    return to_db(peak, 20.0), to_db(mean_square, 10.0)


def note_of(f0_hz: float, a4_hz: float = 440.0) -> tuple[str, int]:
    """Nearest equal-tempered note name (with octave) and the offset in cents.

    ``midi = 69 + 12 log2(f0 / a4_hz)``; the note is ``round(midi)`` and the
    cents ``round(100 (midi - round(midi)))``, in [-50, 50].
    """
    if not (f0_hz > 0 and math.isfinite(f0_hz)):
        raise ValueError(f"f0_hz = {f0_hz!r} must be a positive finite frequency")
    midi = 69.0 + 12.0 * math.log2(f0_hz / a4_hz)
    nearest = int(round(midi))
    cents = int(round(100.0 * (midi - nearest)))
    return f"{NOTE_NAMES[nearest % 12]}{nearest // 12 - 1}", cents
