"""The harmonic signal of HPSS made block by block inside the inverse STFT,
so that no spectrogram of the whole signal is ever stored
(docs/maths/features.md §2).

For each block of frames the inverse STFT asks for, the STFT frames of the
block and ``kernel // 2`` frames of context on each side are computed, the
harmonic median runs along time over that stretch (the context makes the
block's values those of the whole-signal median; at the signal's ends the
stretch ends there too, so the edge reflection is the same), the percussive
median runs along frequency within each frame, and the soft mask is applied.
Every value is the one the whole-spectrogram computation gives, bit for bit
(tests/test_features.py), while only one block of the spectrogram exists
at a time: about 50 MB, where the whole spectrogram, its magnitudes and
both medians took about 40 bytes per input sample (1 GB for 10 minutes at
44.1 kHz).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from rtaudio.analysis.median import median_filter_axis
from rtaudio.analysis.stft import frame_count, get_window, istft_blocks, rfft_frames

__all__ = ["harmonic_signal"]


def harmonic_signal(y: np.ndarray, *, win_harm: int, win_perc: int, power: float, n_fft: int,
                    hop_length: int, win_length: int, window: str = "hann",
                    out: Optional[np.ndarray] = None) -> np.ndarray:
    """``istft(stft(y) * softmask(H, P, power))``: librosa's harmonic signal
    with margins 1 and a centred STFT, C kernels, transforms in ``y``'s
    precision.

    Parameters
    ----------
    y : numpy.ndarray
        Checked float32/float64 audio ``(..., n)`` with enough frames for
        ``win_harm`` (see ``features._check_kernel_fits``).
    win_harm, win_perc : int
        Median windows in frames (along time) and bins (along frequency).
    power : float
        Soft-mask exponent (finite, > 0).
    n_fft, hop_length, win_length, window
        STFT parameters.
    out : numpy.ndarray, optional
        Array of ``y``'s shape and dtype to write into (e.g. a view into a
        padded buffer); it is returned.

    Returns
    -------
    numpy.ndarray
        The harmonic signal, shape and dtype of ``y``.
    """
    from rtaudio._native import ffi, lib
    n = y.shape[-1]
    flat = y.reshape(-1, n)
    n_frames = frame_count(n, n_fft, hop_length, True)
    window_arr = get_window(window, win_length, n_fft)
    fft_dtype = y.dtype.type
    c64 = y.dtype == np.float32
    apply = lib.rtd_softmask_apply_c64 if c64 else lib.rtd_softmask_apply_c128
    ctype = "float *" if c64 else "double *"
    context = win_harm // 2
    padded: dict[int, np.ndarray] = {}

    def block(ch: int, first: int, count: int) -> np.ndarray:
        if ch not in padded:  # one channel at a time, in order
            padded.clear()
            padded[ch] = np.pad(flat[ch], n_fft // 2)
        a, b = max(0, first - context), min(n_frames, first + count + context)
        spectrum = rfft_frames(padded[ch], a, b - a, n_fft, hop_length, window_arr, fft_dtype)
        if not np.all(np.isfinite(spectrum)):
            raise ValueError("the STFT of y is not finite (samples too large)")
        mag = np.abs(spectrum).T                       # (bins, frames), no copy
        inner = slice(first - a, first - a + count)
        harm = median_filter_axis(mag, win_harm, 1)[:, inner]
        perc = median_filter_axis(mag[:, inner], win_perc, 0)
        d = spectrum[inner]                            # (count, bins), contiguous rows
        h, p = np.ascontiguousarray(harm.T), np.ascontiguousarray(perc.T)
        masked = np.empty_like(d)
        apply(*(ffi.cast(ctype, v.ctypes.data) for v in (d, h, p)), 1.0, power, 0.5,
              ffi.cast(ctype, masked.ctypes.data), d.size)
        return masked

    complex_dtype = np.complex64 if c64 else np.complex128
    return istft_blocks(block, (*y.shape[:-1], n_fft // 2 + 1, n_frames), complex_dtype,
                        n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                        center=True, dtype=y.dtype, length=n, out=out)
