"""STFT, Slaney mel filterbank and power-to-dB (docs/maths/spectrogram.md).

The maths shared by the offline exporter (``rtaudio spectrogram``) and the
live viewer. Offline results equal ``librosa.feature.melspectrogram`` and
``librosa.power_to_db`` with default arguments (docs/maths/spectrogram.md §6.5 gives the
tolerances); only NumPy is needed here (numpy.fft transforms the float64
blocks of frames; rtaudio.analysis.stft).

- :func:`stft_power` -- ``|STFT|**power`` with a periodic Hann window and
  zero ``center`` padding (docs/maths/spectrogram.md §6.1);
- :func:`mel_filterbank` -- Slaney-style mel basis, ``norm="slaney"``
  (docs/maths/spectrogram.md §6.2);
- :func:`melspectrogram` -- ``W @ stft_power(y)``;
- :func:`power_to_db` -- ``10 log10`` with ``amin``, ``ref`` and ``top_db``
  (docs/maths/spectrogram.md §6.3);
- :class:`StreamingSTFT` -- block-size invariant streaming frames for the
  live viewer (docs/maths/spectrogram.md §6.4).

Image rendering (:func:`render_image`, :func:`save_spectrogram`) lives in
:mod:`rtaudio.analysis.images`; this module never imports matplotlib.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Callable, Iterator, Optional, Union

import numpy as np

from rtaudio.analysis.stft import rfft_frames

__all__ = [
    "CHUNK_FRAMES", "StreamingSTFT", "empty_mel_bands", "fft_frequencies", "frame_count",
    "hann_window", "hz_to_mel", "iter_mel_chunks", "mel_filterbank", "mel_frequencies",
    "mel_to_hz", "melspectrogram", "power_to_db", "stft_power",
]

#: Frames per internal STFT block. Offline STFTs are computed in blocks of
#: this many frames, aligned to frame 0, so memory stays bounded and the
#: chunked file exporter reproduces the one-shot numbers bit for bit.
CHUNK_FRAMES = 1024

# Slaney mel scale constants (docs/maths/spectrogram.md §6.2).
_F_SP = 200.0 / 3.0
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP  # = 15
_LOGSTEP = math.log(6.4) / 27.0


# --------------------------------------------------------------------------
# validation helpers

def _check_int(name: str, value: Any, low: int, high: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        valid = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name}={value} is out of range (valid: {valid})")
    return value


def _check_stft(n_fft: int, hop_length: int, win_length: Optional[int],
                power: float) -> tuple[int, int, int, float]:
    n_fft = _check_int("n_fft", n_fft, 16)
    hop_length = _check_int("hop_length", hop_length, 1)
    win_length = n_fft if win_length is None else _check_int("win_length", win_length, 1, n_fft)
    power = float(power)
    if not power > 0.0 or not math.isfinite(power):
        raise ValueError(f"power={power} is out of range (valid: > 0)")
    return n_fft, hop_length, win_length, power


def _as_signal(y: Any) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D (mono) signal, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.floating):
        raise TypeError(f"y must be a floating-point array, got dtype {y.dtype}")
    if y.size == 0:
        raise ValueError("y is empty (0 samples)")
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains non-finite values (NaN or inf)")
    return np.asarray(y, dtype=np.float64)


# --------------------------------------------------------------------------
# STFT (docs/maths/spectrogram.md §6.1)

def hann_window(win_length: int, n_fft: Optional[int] = None) -> np.ndarray:
    """Periodic Hann window, centre-padded with zeros to ``n_fft``.

    ``w[n] = 0.5 - 0.5 cos(2 pi n / win_length)``, ``n = 0 .. win_length-1``
    (``scipy.signal.get_window("hann", win_length, fftbins=True)``); when
    ``win_length < n_fft`` it is placed at offset ``(n_fft - win_length) // 2``
    in a zero array of length ``n_fft`` (docs/maths/spectrogram.md §6.1).

    Parameters
    ----------
    win_length : int
        Window length in samples (>= 1).
    n_fft : int, optional
        Total length in samples (>= win_length); default ``win_length``.

    Returns
    -------
    numpy.ndarray
        float64 array of length ``n_fft``.
    """
    win_length = _check_int("win_length", win_length, 1)
    n_fft = win_length if n_fft is None else _check_int("n_fft", n_fft, win_length)
    n = np.arange(win_length, dtype=np.float64)
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / win_length)
    out = np.zeros(n_fft, dtype=np.float64)
    left = (n_fft - win_length) // 2
    out[left:left + win_length] = w
    return out


def frame_count(n_samples: int, n_fft: int, hop_length: int, center: bool = True) -> int:
    """Number of STFT frames for a signal of ``n_samples`` samples.

    ``1 + (L - n_fft) // hop_length`` with ``L = n_samples + 2 (n_fft // 2)``
    when ``center`` else ``L = n_samples``; 0 when ``L < n_fft``.
    """
    padded = n_samples + (2 * (n_fft // 2) if center else 0)
    return 0 if padded < n_fft else 1 + (padded - n_fft) // hop_length


def fft_frequencies(sample_rate: float, n_fft: int) -> np.ndarray:
    """Centre frequencies in Hz of the ``1 + n_fft // 2`` rFFT bins, ``k fs / n_fft``."""
    return np.fft.rfftfreq(n=n_fft, d=1.0 / float(sample_rate))


def _frames_power(padded: np.ndarray, first: int, count: int, n_fft: int, hop_length: int,
                  window: np.ndarray, power: float) -> np.ndarray:
    """``|rfft(w * frame)|**power`` of frames ``first .. first+count-1`` of a
    padded signal whose frame 0 starts at index 0; shape ``(count, bins)``.
    The transforms are the shared ones of :mod:`rtaudio.analysis.stft`
    (float64); the power is ``re^2 + im^2`` (no square root)."""
    spectrum = rfft_frames(padded, first, count, n_fft, hop_length, window, np.float64)
    if power == 2.0:
        parts = spectrum.view(np.float64).reshape(count, -1, 2)
        np.square(parts, out=parts)  # the spectrum is a temporary: square in place
        return parts[..., 0] + parts[..., 1]
    return np.abs(spectrum) ** power


def _framed_signal(y: Any, n_fft: int, hop_length: int, win_length: int,
                   center: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Checked signal, padded for framing; the window; the frame count."""
    y = _as_signal(y)
    n_frames = frame_count(len(y), n_fft, hop_length, center)
    if n_frames < 1:
        raise ValueError(f"signal of {len(y)} samples is shorter than n_fft={n_fft} "
                         f"(use center=True or a smaller n_fft)")
    return _pad(y, n_fft, center), hann_window(win_length, n_fft), n_frames


def _pad(y: np.ndarray, n_fft: int, center: bool) -> np.ndarray:
    if not center:
        return y
    pad = n_fft // 2
    return np.concatenate([np.zeros(pad), y, np.zeros(pad)])


def stft_power(y: np.ndarray, n_fft: int = 2048, hop_length: int = 512,
               win_length: Optional[int] = None, center: bool = True,
               power: float = 2.0) -> np.ndarray:
    """Power (or magnitude) spectrogram ``|X|**power`` (docs/maths/spectrogram.md §6.1).

    ``X[k, t] = sum_{n=0}^{n_fft-1} w[n] y_pad[t hop + n] exp(-2 pi i k n / n_fft)``
    for ``k = 0 .. n_fft/2``, no scaling; ``w`` is :func:`hann_window`; with
    ``center`` the signal is padded with ``n_fft // 2`` zeros on both sides
    (librosa's ``pad_mode="constant"``).

    Parameters
    ----------
    y : numpy.ndarray
        Mono signal, 1-D floating point (computed in float64).
    n_fft : int
        FFT length in samples (>= 16).
    hop_length : int
        Frame advance in samples (>= 1).
    win_length : int, optional
        Hann window length in samples, in ``[1, n_fft]``; default ``n_fft``.
    center : bool
        Zero-pad so that frame ``t`` is centred on sample ``t hop_length``.
    power : float
        Exponent of the magnitude (> 0): 2 for power, 1 for magnitude.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(1 + n_fft // 2, n_frames)`` with ``n_frames`` from
        :func:`frame_count`.

    Raises
    ------
    ValueError
        Bad parameter, empty/non-finite ``y``, or fewer samples than one frame.
    """
    n_fft, hop_length, win_length, power = _check_stft(n_fft, hop_length, win_length, power)
    padded, window, n_frames = _framed_signal(y, n_fft, hop_length, win_length, center)
    out = np.empty((n_fft // 2 + 1, n_frames), dtype=np.float64)
    for first in range(0, n_frames, CHUNK_FRAMES):
        count = min(CHUNK_FRAMES, n_frames - first)
        out[:, first:first + count] = _frames_power(padded, first, count, n_fft, hop_length,
                                                    window, power).T
    return out


# --------------------------------------------------------------------------
# mel filterbank (docs/maths/spectrogram.md §6.2)

def hz_to_mel(frequencies_hz: Union[float, np.ndarray]) -> np.ndarray:
    """Hz to Slaney mel: ``f / (200/3)`` below 1 kHz, ``15 + ln(f/1000) / logstep``
    above, ``logstep = ln(6.4) / 27`` (docs/maths/spectrogram.md §6.2)."""
    f = np.asarray(frequencies_hz, dtype=np.float64)
    mels = f / _F_SP
    log_t = f >= _MIN_LOG_HZ
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mels = _MIN_LOG_MEL + np.log(f / _MIN_LOG_HZ) / _LOGSTEP
    return np.where(log_t, log_mels, mels)


def mel_to_hz(mels: Union[float, np.ndarray]) -> np.ndarray:
    """Slaney mel to Hz: ``(200/3) m`` below mel 15, ``1000 exp(logstep (m - 15))``
    at or above (docs/maths/spectrogram.md §6.2)."""
    m = np.asarray(mels, dtype=np.float64)
    freqs = _F_SP * m
    log_t = m >= _MIN_LOG_MEL
    with np.errstate(over="ignore"):
        log_freqs = _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL))
    return np.where(log_t, log_freqs, freqs)


def mel_frequencies(n_points: int, fmin: float, fmax: float) -> np.ndarray:
    """``n_points`` frequencies in Hz equally spaced on the Slaney mel scale
    from ``fmin`` to ``fmax`` inclusive."""
    lo, hi = hz_to_mel(fmin), hz_to_mel(fmax)
    return mel_to_hz(np.linspace(lo, hi, n_points))


def _check_mel(sample_rate: float, n_mels: int, fmin: float,
               fmax: Optional[float]) -> tuple[float, int, float, float]:
    sample_rate = float(sample_rate)
    if not sample_rate > 0 or not math.isfinite(sample_rate):
        raise ValueError(f"sample_rate={sample_rate} is out of range (valid: > 0 Hz)")
    n_mels = _check_int("n_mels", n_mels, 1)
    nyquist = sample_rate / 2.0
    fmax = nyquist if fmax is None else float(fmax)
    fmin = float(fmin)
    if not 0.0 <= fmin < nyquist:
        raise ValueError(f"fmin={fmin:g} Hz is out of range (valid: [0, {nyquist:g}) Hz)")
    if not fmin < fmax <= nyquist:
        raise ValueError(f"fmax={fmax:g} Hz is out of range (valid: ({fmin:g}, {nyquist:g}] Hz, "
                         f"above fmin and at most sample_rate/2)")
    return sample_rate, n_mels, fmin, fmax


def mel_filterbank(sample_rate: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0,
                   fmax: Optional[float] = None) -> np.ndarray:
    """Slaney mel filterbank with ``norm="slaney"`` (docs/maths/spectrogram.md §6.2), in float64.

    Band edges ``mel_f = mel_to_hz(linspace(hz_to_mel(fmin), hz_to_mel(fmax),
    n_mels + 2))``; FFT bin frequencies ``f_k = k fs / n_fft``; for band ``i``::

        lower = (f_k - mel_f[i]) / (mel_f[i+1] - mel_f[i])
        upper = (mel_f[i+2] - f_k) / (mel_f[i+2] - mel_f[i+1])
        W[i, k] = max(0, min(lower, upper)) * 2 / (mel_f[i+2] - mel_f[i])

    Equals ``librosa.filters.mel(sr=..., n_fft=..., dtype=np.float64)``.

    Parameters
    ----------
    sample_rate : float
        Sample rate in Hz.
    n_fft : int
        FFT length in samples (>= 16).
    n_mels : int
        Number of mel bands (>= 1).
    fmin : float
        Lowest band edge in Hz, in ``[0, sample_rate/2)``.
    fmax : float, optional
        Highest band edge in Hz, in ``(fmin, sample_rate/2]``; default
        ``sample_rate / 2``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(n_mels, 1 + n_fft // 2)``.

    Warns
    -----
    UserWarning
        When some band has no positive weight (too many mels for ``n_fft``),
        like librosa. :func:`empty_mel_bands` counts them.
    """
    n_fft = _check_int("n_fft", n_fft, 16)
    sample_rate, n_mels, fmin, fmax = _check_mel(sample_rate, n_mels, fmin, fmax)
    weights, empty = _mel_weights(sample_rate, n_fft, n_mels, fmin, fmax)
    if empty:
        warnings.warn(f"Empty filters detected in mel frequency basis: {empty} of {n_mels} "
                      f"bands have no FFT bin (n_mels={n_mels}, n_fft={n_fft}, "
                      f"sample_rate={sample_rate:g} Hz). Try a larger n_fft or fewer mels.",
                      UserWarning, stacklevel=2)
    return weights


def _mel_weights(sample_rate: float, n_fft: int, n_mels: int, fmin: float,
                 fmax: float) -> tuple[np.ndarray, int]:
    fftfreqs = fft_frequencies(sample_rate, n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin, fmax)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    weights = np.empty((n_mels, len(fftfreqs)), dtype=np.float64)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, None]
    # librosa's rule: a band is empty when its left edge is above 0 Hz and
    # no FFT bin falls strictly inside its triangle.
    empty = int(np.count_nonzero((mel_f[:-2] != 0) & ~(weights.max(axis=1) > 0)))
    return weights, empty


def empty_mel_bands(sample_rate: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0,
                    fmax: Optional[float] = None) -> int:
    """How many bands of :func:`mel_filterbank` would be empty (0 means none)."""
    n_fft = _check_int("n_fft", n_fft, 16)
    sample_rate, n_mels, fmin, fmax = _check_mel(sample_rate, n_mels, fmin, fmax)
    return _mel_weights(sample_rate, n_fft, n_mels, fmin, fmax)[1]


def iter_mel_chunks(padded: np.ndarray, n_frames: int, basis: Optional[np.ndarray], *,
                    n_fft: int, hop_length: int, window: np.ndarray, power: float,
                    first_frame: int = 0) -> Iterator[np.ndarray]:
    """Yield ``basis @ |STFT|**power`` for the frames of ``padded`` in blocks.

    ``padded`` holds the (already padded) samples whose frame 0 is global
    frame ``first_frame``; blocks follow the global ``CHUNK_FRAMES`` grid,
    so any split of a long signal into such pieces gives bit-identical
    results. With ``basis=None`` the linear power spectrogram is yielded.
    Each block has shape ``(rows, frames)``.
    """
    if first_frame % CHUNK_FRAMES:
        raise ValueError(f"first_frame={first_frame} must be a multiple of CHUNK_FRAMES={CHUNK_FRAMES}")
    supports = None if basis is None else _band_supports(basis)
    for first in range(0, n_frames, CHUNK_FRAMES):
        count = min(CHUNK_FRAMES, n_frames - first)
        power_frames = _frames_power(padded, first, count, n_fft, hop_length, window, power)
        yield power_frames.T if basis is None else _apply_mel(basis, supports, power_frames)


def _band_supports(basis: np.ndarray) -> list[tuple[int, int]]:
    """``(lo, hi)`` bin range outside which each band's weights are zero."""
    supports = []
    for row in basis:
        nonzero = np.flatnonzero(row)
        supports.append((int(nonzero[0]), int(nonzero[-1]) + 1) if len(nonzero) else (0, 0))
    return supports


def _apply_mel(basis: np.ndarray, supports: list[tuple[int, int]],
               power_frames: np.ndarray) -> np.ndarray:
    """``basis @ power_frames.T`` using only each band's non-zero bins (a
    triangle covers a few bins, so this is ~4x less work than the dense
    product); ``power_frames`` is ``(frames, bins)``, the result
    ``(bands, frames)``."""
    out = np.zeros((basis.shape[0], power_frames.shape[0]), dtype=np.float64)
    by_bin = np.ascontiguousarray(power_frames.T)  # (bins, frames): each band reads whole rows
    for i, (lo, hi) in enumerate(supports):
        if hi > lo:
            np.dot(basis[i, lo:hi], by_bin[lo:hi], out=out[i])
    return out


def melspectrogram(y: np.ndarray, sample_rate: float, n_fft: int = 2048, hop_length: int = 512,
                   win_length: Optional[int] = None, center: bool = True, power: float = 2.0,
                   n_mels: int = 128, fmin: float = 0.0,
                   fmax: Optional[float] = None) -> np.ndarray:
    """Mel power spectrogram ``M = W @ |STFT(y)|**power`` (docs/maths/spectrogram.md §6.1–6.2).

    Equals ``librosa.feature.melspectrogram(y=y, sr=sample_rate, ...)`` with
    the same arguments (librosa's default float32 basis: ``rtol 1e-6``;
    float64 basis: ``rtol 1e-9``, docs/maths/spectrogram.md §6.5).

    Parameters
    ----------
    y : numpy.ndarray
        Mono signal, 1-D floating point (computed in float64).
    sample_rate : float
        Sample rate of ``y`` in Hz.
    n_fft, hop_length, win_length, center, power
        STFT parameters, see :func:`stft_power`.
    n_mels, fmin, fmax
        Mel filterbank parameters, see :func:`mel_filterbank` (Hz).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(n_mels, n_frames)``.
    """
    n_fft, hop_length, win_length, power = _check_stft(n_fft, hop_length, win_length, power)
    basis = mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax)
    padded, window, n_frames = _framed_signal(y, n_fft, hop_length, win_length, center)
    blocks = iter_mel_chunks(padded, n_frames, basis, n_fft=n_fft, hop_length=hop_length,
                             window=window, power=power)
    return np.concatenate(list(blocks), axis=1)


# --------------------------------------------------------------------------
# dB (docs/maths/spectrogram.md §6.3)

def power_to_db(S: np.ndarray, ref: Union[float, Callable[[np.ndarray], Any]] = 1.0,
                amin: float = 1e-10, top_db: Optional[float] = 80.0) -> np.ndarray:
    """Power spectrogram to decibels (docs/maths/spectrogram.md §6.3), like ``librosa.power_to_db``.

    ``D = 10 log10(max(amin, S)) - 10 log10(max(amin, |ref|))``; then, if
    ``top_db`` is not None, ``D = max(D, max(D) - top_db)`` with ``max(D)``
    over the whole array.

    Parameters
    ----------
    S : numpy.ndarray
        Non-negative power values (any shape).
    ref : float or callable
        Reference power (0 dB); if callable (e.g. ``np.max``) it is called on
        ``S`` and its result used.
    amin : float
        Smallest power (> 0) before the logarithm: ``10 log10(amin)`` dB is
        the floor (-100 dB by default).
    top_db : float or None
        Dynamic range kept below the maximum, in dB (>= 0); None keeps all.

    Returns
    -------
    numpy.ndarray
        float64 array of the same shape, in dB.
    """
    amin = float(amin)
    if not amin > 0:
        raise ValueError(f"amin={amin} is out of range (valid: > 0)")
    if top_db is not None:
        top_db = float(top_db)
        if not top_db >= 0:
            raise ValueError(f"top_db={top_db} is out of range (valid: >= 0 dB, or None)")
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise TypeError("S must be real power values; pass np.abs(X)**2 for a complex STFT")
    magnitude = np.asarray(S, dtype=np.float64)
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, magnitude))
    log_spec -= 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


# --------------------------------------------------------------------------
# streaming (docs/maths/spectrogram.md §6.4)

class StreamingSTFT:
    """Block-size invariant streaming power STFT (docs/maths/spectrogram.md §6.4).

    Samples go into a ring buffer of ``n_fft`` samples; every ``hop_length``
    samples a frame is windowed and transformed exactly as in
    :func:`stft_power`. With ``center=True`` the ring starts pre-filled with
    ``n_fft // 2`` zeros, so frame ``t`` equals offline frame ``t``;
    :meth:`flush` appends the ``n_fft // 2`` trailing zeros and returns the
    last frames. Nothing is allocated after construction: :meth:`push`
    returns a view of an internal buffer, valid until the next call.

    Parameters
    ----------
    n_fft, hop_length, win_length, center, power
        As in :func:`stft_power`.
    max_block : int
        Largest block passed to :meth:`push`, in samples (>= 1).

    Examples
    --------
    >>> stft = StreamingSTFT(n_fft=1024, hop_length=256, max_block=512)
    >>> frames = stft.push(np.zeros(512))   # (n_new_frames, 513) power
    >>> tail = stft.flush()
    """

    def __init__(self, n_fft: int = 2048, hop_length: int = 512, win_length: Optional[int] = None,
                 center: bool = True, power: float = 2.0, max_block: int = 4096) -> None:
        self.n_fft, self.hop_length, self.win_length, self.power = _check_stft(
            n_fft, hop_length, win_length, power)
        self.center = bool(center)
        self.max_block = _check_int("max_block", max_block, 1)
        self.n_bins = self.n_fft // 2 + 1
        self._window = hann_window(self.win_length, self.n_fft)
        self._ring = np.zeros(self.n_fft, dtype=np.float64)
        self._frame = np.zeros(self.n_fft, dtype=np.float64)
        self._spectrum = np.zeros(self.n_bins, dtype=np.complex128)
        self._im2 = np.zeros(self.n_bins, dtype=np.float64)
        self._zeros = np.zeros(self.n_fft // 2, dtype=np.float64)
        capacity = max(self.max_block, self.n_fft // 2) // self.hop_length + 1
        self._out = np.zeros((capacity, self.n_bins), dtype=np.float64)
        self.reset()

    @property
    def frames_emitted(self) -> int:
        """Frames produced since construction or :meth:`reset`."""
        return self._emitted

    def reset(self) -> None:
        """Forget all samples; the next push starts a new signal."""
        self._ring[:] = 0.0
        self._pos = 0
        # samples still needed before the next frame is complete
        self._need = self.n_fft - (self.n_fft // 2 if self.center else 0)
        if self.center:
            self._pos = (self.n_fft // 2) % self.n_fft
        self._emitted = 0
        self._flushed = False

    def push(self, block: np.ndarray) -> np.ndarray:
        """Append samples and return the frames they complete.

        Parameters
        ----------
        block : numpy.ndarray
            1-D mono samples, at most ``max_block`` of them.

        Returns
        -------
        numpy.ndarray
            View of shape ``(n_new_frames, 1 + n_fft // 2)`` (float64, power
            ``|X|**power``), overwritten by the next call.
        """
        if self._flushed:
            raise RuntimeError("StreamingSTFT.push() after flush(); call reset() first")
        if block.ndim != 1 or len(block) > self.max_block:
            raise ValueError(f"block must be 1-D with at most max_block={self.max_block} samples, "
                             f"got shape {block.shape}")
        return self._out[:self._consume(block)]

    def flush(self) -> np.ndarray:
        """Append the ``n_fft // 2`` end padding zeros (``center=True``) and
        return the remaining frames; then :meth:`reset` before reuse."""
        if self._flushed:
            return self._out[:0]
        count = self._consume(self._zeros) if self.center else 0
        self._flushed = True
        return self._out[:count]

    def _consume(self, block: np.ndarray) -> int:
        n_fft, ring = self.n_fft, self._ring
        count, i, total = 0, 0, len(block)
        while i < total:
            take = min(self._need, total - i)
            # write block[i:i+take] into the ring (at most n_fft samples matter)
            chunk = block[i:i + take]
            if take > n_fft:
                chunk = chunk[-n_fft:]
                self._pos = (self._pos + take - n_fft) % n_fft
            first = min(len(chunk), n_fft - self._pos)
            ring[self._pos:self._pos + first] = chunk[:first]
            ring[:len(chunk) - first] = chunk[first:]
            self._pos = (self._pos + len(chunk)) % n_fft
            self._need -= take
            i += take
            if self._need == 0:
                self._emit(count)
                count += 1
                self._need = self.hop_length
        return count

    def _emit(self, row: int) -> None:
        # oldest sample is at self._pos: unroll the ring into frame order
        tail = self.n_fft - self._pos
        self._frame[:tail] = self._ring[self._pos:]
        self._frame[tail:] = self._ring[:self._pos]
        np.multiply(self._frame, self._window, out=self._frame)
        np.fft.rfft(self._frame, out=self._spectrum)  # the same pocketfft numbers as scipy.fft
        out = self._out[row]
        if self.power == 2.0:  # re^2 + im^2, as _frames_power
            np.square(self._spectrum.real, out=out)
            np.square(self._spectrum.imag, out=self._im2)
            out += self._im2
        else:
            np.abs(self._spectrum, out=out)
            np.power(out, self.power, out=out)
        self._emitted += 1
