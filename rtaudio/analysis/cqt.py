"""Constant-Q transform and tuning estimate equal to ``librosa.cqt`` and
``librosa.estimate_tuning`` (docs/maths/features.md §3, §4).

The transform follows librosa's recursive scheme exactly (same filters,
same ``soxr`` half-band resampling between octaves, same scaling), so the
numbers agree within float rounding; it does less work per octave:
the frames are transformed in float32 (float64 for float64 input) and
only the FFT bins where the octave's sparse filters are non-zero are
multiplied (each filter over its own band for magnitudes), instead of
librosa's sparse product over the whole spectrum. For float32 audio the
FFTs of the tuning estimate and of the CQT octaves run 16 frames per SIMD
vector in C, fused with what follows them (``native/kernels/lanes_fft.c``).
"""
from __future__ import annotations

import functools
from typing import Optional

import numpy as np
import scipy.fft

from rtaudio.analysis.stft import (BLOCK_FRAMES, as_audio, check_positive_int, frame_count,
                                   get_window, rfft_frames)

__all__ = ["cqt", "cqt_magnitude", "cqt_frequencies", "estimate_tuning", "hz_to_octs", "note_c1_hz", "piptrack"]

#: equivalent noise bandwidth of the Hann window in bins (librosa's table)
HANN_BANDWIDTH = 1.50018310546875
#: frequency of C1 in Hz (A440 tuning)
C1_HZ = 440.0 * 2.0 ** ((24 - 69) / 12.0)


def note_c1_hz() -> float:
    """C1 in Hz (librosa ``note_to_hz("C1")``)."""
    return C1_HZ


def hz_to_octs(frequencies_hz: np.ndarray, tuning: float = 0.0, bins_per_octave: int = 12) -> np.ndarray:
    """Octaves above ``A440 / 16`` (C-1 region), librosa's ``hz_to_octs``."""
    a440 = 440.0 * 2.0 ** (tuning / bins_per_octave)
    return np.log2(np.asanyarray(frequencies_hz) / (float(a440) / 16))


def cqt_frequencies(n_bins: int, fmin: float, bins_per_octave: int = 12) -> np.ndarray:
    """Centre frequencies ``fmin 2^(k / bins_per_octave)``, Hz."""
    return fmin * 2.0 ** (np.arange(n_bins) / float(bins_per_octave))


def _relative_bandwidth(freqs: np.ndarray) -> np.ndarray:
    bpo = np.empty_like(freqs)
    logf = np.log2(freqs)
    bpo[0] = 1 / (logf[1] - logf[0])
    bpo[-1] = 1 / (logf[-1] - logf[-2])
    bpo[1:-1] = 2 / (logf[2:] - logf[:-2])
    return (2.0 ** (2 / bpo) - 1) / (2.0 ** (2 / bpo) + 1)


def _wavelet_lengths(freqs: np.ndarray, sr: float, filter_scale: float,
                     alpha: np.ndarray) -> tuple[np.ndarray, float]:
    Q = float(filter_scale) / alpha
    cutoff = float(np.max(freqs * (1 + 0.5 * HANN_BANDWIDTH / Q)))
    return Q * sr / freqs, cutoff


@functools.lru_cache(maxsize=64)
def _octave_basis(sr: float, freqs_key: tuple, alpha_key: tuple, filter_scale: float,
                  sparsity: float, complex_dtype: str) -> tuple[np.ndarray, int, int, int]:
    """The octave's filters in the frequency domain, librosa's sparsified
    rows, returned as a dense band: ``(basis[:, lo:hi], n_fft, lo, hi)``."""
    freqs, alpha = np.array(freqs_key), np.array(alpha_key)
    lengths, _ = _wavelet_lengths(freqs, sr, filter_scale, alpha)
    filters = []
    for ilen, freq in zip(lengths, freqs):
        sig = np.exp(1j * (np.arange(-ilen // 2, ilen // 2, dtype=float) * 2 * np.pi * freq / sr))
        n_min = int(np.floor(len(sig)))
        win = get_window("hann", n_min, n_min) if n_min > 0 else np.zeros(0)
        sig = sig * win
        sig = sig / np.sum(np.abs(sig))
        filters.append(sig)
    n_fft = int(2.0 ** np.ceil(np.log2(max(lengths))))
    basis = np.zeros((len(filters), n_fft), dtype=np.complex64)
    for i, filt in enumerate(filters):
        left = (n_fft - len(filt)) // 2
        basis[i, left:left + len(filt)] = filt
    basis *= lengths[:, None] / float(n_fft)
    fft_basis = scipy.fft.fft(basis, n=n_fft, axis=1)[:, :n_fft // 2 + 1]
    # librosa.util.sparsify_rows: drop the smallest entries of each row that
    # together hold less than `sparsity` of its L1 mass
    mags = np.abs(fft_basis)
    norms = np.sum(mags, axis=1, keepdims=True)
    mag_sort = np.sort(mags, axis=1)
    cumulative = np.cumsum(mag_sort / norms, axis=1)
    threshold_idx = np.argmin(cumulative < sparsity, axis=1)
    keep = mags >= mag_sort[np.arange(len(mags)), threshold_idx][:, None]
    sparse = np.where(keep, fft_basis, 0).astype(complex_dtype)
    cols = np.flatnonzero(keep.any(axis=0))
    lo, hi = int(cols[0]), int(cols[-1]) + 1
    return np.ascontiguousarray(sparse[:, lo:hi]), n_fft, lo, hi


def _num_two_factors(x: int) -> int:
    if x <= 0:
        return 0
    count = 0
    while x % 2 == 0:
        count += 1
        x //= 2
    return count


def resample_half(y: np.ndarray, factor: int = 2) -> np.ndarray:
    """librosa ``resample(y, orig_sr=factor, target_sr=1, res_type="soxr_hq",
    scale=True)`` along the last axis (soxr's high-quality resampler)."""
    import soxr
    n_out = int(np.ceil(y.shape[-1] / factor))
    flat = y.reshape(-1, y.shape[-1])
    scale = np.sqrt(1.0 / factor)
    if flat.shape[0] == 1:  # mono: soxr's own output, scaled in place
        r = soxr.resample(flat[0], factor, 1, quality="soxr_hq")
        if len(r) >= n_out and r.dtype == y.dtype:
            r = r[:n_out]
            _divide_in_place(r, scale)
            return r.reshape(*y.shape[:-1], n_out)
    out = np.empty((flat.shape[0], n_out), dtype=y.dtype)
    for ch in range(flat.shape[0]):
        r = soxr.resample(flat[ch], factor, 1, quality="soxr_hq") if ch or flat.shape[0] > 1 else r
        seg = r[:n_out]
        out[ch, :len(seg)] = seg
        out[ch, len(seg):] = 0
    _divide_in_place(out, scale)
    return out.reshape(*y.shape[:-1], n_out)


def _divide_in_place(x: np.ndarray, divisor: np.float64) -> None:
    """``x /= divisor`` (a float64 scalar): for contiguous float32 ``x`` in C
    (``rtd_divide_f32_by_f64``: each value divided in float64 and rounded, the
    bits NumPy's float32 /= float64 gives, without its casting buffers)."""
    if x.dtype == np.float32 and x.flags.c_contiguous:
        from rtaudio._native import ffi, lib
        lib.rtd_divide_f32_by_f64(ffi.cast("float *", x.ctypes.data), x.size, float(divisor))
    else:
        x /= divisor


#: octaves whose hop is at most n_fft / SLIDING_MIN_RATIO use the sliding DFT
SLIDING_MIN_RATIO = 16
#: the same when the FFT octaves run in lanes_fft.c (float32 audio, magnitudes)
LANES_SLIDING_MIN_RATIO = 64
#: direct evaluation of a sliding-DFT frame at least every this many frames
SLIDING_ANCHOR_FRAMES = 2048


@functools.lru_cache(maxsize=8)
def _dft_tables(n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    angle = 2.0 * np.pi * np.arange(n_fft) / n_fft
    return np.cos(angle), np.sin(angle)


def sliding_band_dft(padded: np.ndarray, n_frames: int, n_fft: int, hop: int, lo: int,
                     hi: int, out_dtype: type = np.complex128) -> np.ndarray:
    """``rfft(frame, n_fft)[lo:hi]`` of frames ``t = 0 .. n_frames-1``
    (``padded[t hop : t hop + n_fft]``, rectangular window) by a float64
    sliding DFT (``native/kernels/cqt.c``, docs/maths/features.md §3):
    ``(n_frames, hi - lo)`` of ``out_dtype`` (complex128 or complex64)."""
    from rtaudio._native import ffi, lib
    x = np.ascontiguousarray(padded, dtype=np.float64)
    cos_tab, sin_tab = _dft_tables(n_fft)
    out = np.empty((n_frames, hi - lo), dtype=out_dtype)
    scratch = np.empty(lib.rtd_sliding_dft_scratch(n_frames, n_fft, hop, lo, hi))

    def ptr(a):
        return ffi.cast("double *", a.ctypes.data)
    lib.rtd_sliding_dft(ptr(x), len(x), n_frames, n_fft, hop, lo, hi, ptr(cos_tab), ptr(sin_tab),
                        SLIDING_ANCHOR_FRAMES, ptr(scratch), ffi.cast("void *", out.ctypes.data),
                        int(out.dtype == np.complex64))
    return out


def _divisor_ptr(divisor: Optional[np.ndarray]):
    """``double *`` of a contiguous float64 per-filter divisor, or NULL."""
    from rtaudio._native import ffi
    if divisor is None:
        return ffi.NULL
    assert divisor.dtype == np.float64 and divisor.flags.c_contiguous
    return ffi.cast("double *", divisor.ctypes.data)


class _BandedMagnitude:
    """``|basis @ X|`` using only each filter's non-zero band of the
    sparsified basis (``rtd_banded_abs_c64``, ~1/7 of the dense product's
    multiply-adds), written into rows of a ``(filters, frames)`` array."""

    def __init__(self, basis: np.ndarray) -> None:
        nz = basis != 0
        rows = [np.flatnonzero(r) for r in nz]
        self.start = np.array([r[0] if len(r) else 0 for r in rows], dtype=np.int64)
        self.len = np.array([r[-1] + 1 - r[0] if len(r) else 0 for r in rows], dtype=np.int64)
        self.off = np.concatenate(([0], np.cumsum(self.len)[:-1])).astype(np.int64)
        self.coef = np.ascontiguousarray(np.concatenate(
            [basis[f, self.start[f]:self.start[f] + self.len[f]] for f in range(len(rows))]),
            dtype=np.complex64)
        self.n_filters = len(rows)

    def of_frames(self, x: np.ndarray, pad: int, n_frames: int, n_fft: int, hop: int, lo: int,
                  hi: int, out: np.ndarray, divisor: Optional[np.ndarray] = None) -> None:
        """The same of ``X = rfft(frames)[:, lo:hi]`` of the rectangular
        float32 frames ``x_pad[t hop : t hop + n_fft]`` of ``x`` padded with
        ``pad`` zeros on both sides, transformed 16 at a time by
        ``rtd_fft_banded_abs_f32``."""
        from rtaudio._native import ffi, lib
        x = np.ascontiguousarray(x)
        assert x.dtype == np.float32 and out.dtype == np.float32 and out.flags.c_contiguous
        scratch = np.empty(lib.rtd_lanes_fft_scratch(n_fft, hi - lo), dtype=np.float32)

        def p(a, t):
            return ffi.cast(t, a.ctypes.data)
        lib.rtd_fft_banded_abs_f32(p(x, "float *"), len(x), pad, n_frames, n_fft, hop, lo,
                                   hi - lo, p(self.start, "int64_t *"), p(self.len, "int64_t *"),
                                   p(self.off, "int64_t *"), p(self.coef, "float *"),
                                   self.n_filters, _divisor_ptr(divisor), p(scratch, "float *"),
                                   p(out, "float *"), out.shape[-1])

    def of_sliding(self, padded: np.ndarray, n_frames: int, n_fft: int, hop: int, lo: int, hi: int,
                   out: np.ndarray, divisor: Optional[np.ndarray] = None) -> None:
        """The same of :func:`sliding_band_dft`'s complex64 frames, made and
        reduced batch by batch in C (``rtd_sliding_dft_banded_abs``)."""
        from rtaudio._native import ffi, lib
        x = np.ascontiguousarray(padded, dtype=np.float64)
        assert out.dtype == np.float32 and out.flags.c_contiguous
        cos_tab, sin_tab = _dft_tables(n_fft)
        scratch = np.empty(lib.rtd_sliding_dft_scratch(n_frames, n_fft, hop, lo, hi))

        def p(a, t):
            return ffi.cast(t, a.ctypes.data)
        lib.rtd_sliding_dft_banded_abs(p(x, "double *"), len(x), n_frames, n_fft, hop, lo, hi,
                                       p(cos_tab, "double *"), p(sin_tab, "double *"),
                                       SLIDING_ANCHOR_FRAMES, p(scratch, "double *"),
                                       p(self.start, "int64_t *"), p(self.len, "int64_t *"),
                                       p(self.off, "int64_t *"), p(self.coef, "float *"),
                                       self.n_filters, _divisor_ptr(divisor), p(out, "float *"),
                                       out.shape[-1])

    def __call__(self, X: np.ndarray, out: np.ndarray, first: int) -> None:
        from rtaudio._native import ffi, lib
        assert X.flags.c_contiguous and X.dtype == np.complex64 and out.dtype == np.float32

        def p(a, t):
            return ffi.cast(t, a.ctypes.data)
        lib.rtd_banded_abs_c64(p(X, "float *"), X.shape[0], X.shape[1], p(self.start, "int64_t *"),
                               p(self.len, "int64_t *"), p(self.off, "int64_t *"),
                               p(self.coef, "float *"), self.n_filters, ffi.NULL,
                               ffi.cast("float *", out.ctypes.data + first * out.itemsize),
                               out.shape[-1])


def _zero_padded(x: np.ndarray, pad: int, dtype: type) -> np.ndarray:
    """``np.pad(x, pad).astype(dtype)`` in one copy."""
    out = np.empty(len(x) + 2 * pad, dtype=dtype)
    out[:pad] = 0
    out[len(out) - pad:] = 0
    out[pad:pad + len(x)] = x
    return out


@functools.lru_cache(maxsize=64)
def _scaled_octave_basis(sr: float, freqs_key: tuple, alpha_key: tuple, filter_scale: float,
                         sparsity: float, complex_dtype: str, scale: float, magnitude: bool
                         ) -> tuple[np.ndarray, int, int, int, Optional["_BandedMagnitude"]]:
    """:func:`_octave_basis` times ``scale`` (``sqrt(sr / sr_octave)``), and
    its :class:`_BandedMagnitude` for complex64 magnitudes (cached: both are
    the same for every signal of a batch)."""
    basis, n_fft, lo, hi = _octave_basis(sr, freqs_key, alpha_key, filter_scale, sparsity,
                                         complex_dtype)
    basis = (basis * np.float64(scale)).astype(complex_dtype, copy=False)
    banded = _BandedMagnitude(basis) if magnitude and complex_dtype == "complex64" else None
    return basis, n_fft, lo, hi, banded


def _octave_response(y: np.ndarray, n_fft: int, hop: int, basis: np.ndarray, lo: int, hi: int,
                     out_dtype: type, magnitude: bool = False,
                     banded: Optional["_BandedMagnitude"] = None,
                     into: Optional[np.ndarray] = None,
                     divisor: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
    """``basis @ STFT(y)[lo:hi]`` with a rectangular window, centred, zero
    padded (its magnitude with ``magnitude``): shape ``(..., filters, frames)``.
    Octaves with a hop of at most ``n_fft / SLIDING_MIN_RATIO`` use
    :func:`sliding_band_dft` (float64), the others an FFT per frame (float32
    for float32 audio). float32 magnitudes (chroma) take the C kernels: the
    16-frame FFTs of ``lanes_fft.c`` fused with the banded products, and the
    sliding DFT only up to ``n_fft / LANES_SLIDING_MIN_RATIO``."""
    n_frames = frame_count(y.shape[-1], n_fft, hop, True)
    flat = y.reshape(-1, y.shape[-1])
    real = np.float32 if out_dtype == np.complex64 else np.float64
    out = np.empty((flat.shape[0], basis.shape[0], n_frames), dtype=real if magnitude else out_dtype)
    finish = np.abs if magnitude else (lambda a: a)
    if magnitude and out_dtype == np.complex64:  # |basis @ X| over each filter's band only (C)
        finish = banded if banded is not None else _BandedMagnitude(basis)
    fft_dtype = np.float32 if y.dtype == np.float32 else np.float64
    window = None  # rectangular
    basis_t = np.ascontiguousarray(basis.T)
    lanes_ok = (magnitude and out_dtype == np.complex64 and fft_dtype == np.float32
                and n_fft >= 16 and n_fft & (n_fft - 1) == 0)
    sliding = hop * (LANES_SLIDING_MIN_RATIO if lanes_ok else SLIDING_MIN_RATIO) <= n_fft
    lanes = lanes_ok and not sliding
    if into is not None:
        assert isinstance(finish, _BandedMagnitude) and (lanes or sliding)
        out, n_frames = into, into.shape[-1]
    for ch in range(flat.shape[0]):
        if lanes:  # FFTs and banded magnitudes in one C call (native/kernels/lanes_fft.c)
            finish.of_frames(flat[ch], n_fft // 2, n_frames, n_fft, hop, lo, hi, out[ch], divisor)
            continue
        padded = _zero_padded(flat[ch], n_fft // 2, np.float64 if sliding else flat.dtype)
        if sliding and isinstance(finish, _BandedMagnitude):  # one C call, batch by batch
            finish.of_sliding(padded, n_frames, n_fft, hop, lo, hi, out[ch], divisor)
            continue
        if sliding:
            out[ch] = finish(sliding_band_dft(padded, n_frames, n_fft, hop, lo, hi, out_dtype)
                             @ basis_t).T
            continue
        for first in range(0, n_frames, BLOCK_FRAMES):
            count = min(BLOCK_FRAMES, n_frames - first)
            spec = rfft_frames(padded, first, count, n_fft, hop, window, fft_dtype)[:, lo:hi]
            if isinstance(finish, _BandedMagnitude):
                finish(np.ascontiguousarray(spec, dtype=np.complex64), out[ch], first)
            else:
                out[ch, :, first:first + count] = finish(spec.astype(out_dtype, copy=False) @ basis_t).T
    if into is not None:
        return None
    return out.reshape(*y.shape[:-1], basis.shape[0], n_frames)


def cqt(y: np.ndarray, *, sr: float = 22050, hop_length: int = 512, fmin: Optional[float] = None,
        n_bins: int = 84, bins_per_octave: int = 12, tuning: Optional[float] = 0.0,
        filter_scale: float = 1, norm: float = 1, sparsity: float = 0.01, window: str = "hann",
        scale: bool = True, pad_mode: str = "constant", res_type: str = "soxr_hq",
        dtype: Optional[type] = None) -> np.ndarray:
    """Constant-Q transform equal to ``librosa.cqt`` (docs/maths/features.md §3).

    Supported: librosa's defaults for ``filter_scale`` (any > 0), ``norm=1``,
    ``window="hann"``, ``pad_mode="constant"``, ``res_type="soxr_hq"``.

    Parameters
    ----------
    y : numpy.ndarray
        float32/float64 audio ``(..., n)``.
    sr : float
        Sample rate in Hz.
    hop_length : int
        Hop in samples; must be divisible by ``2**(n_octaves - 1)``.
    fmin : float, optional
        Lowest centre frequency in Hz (default C1 = 32.70 Hz).
    n_bins, bins_per_octave : int
        Number of bins and bins per octave.
    tuning : float or None
        Tuning offset in fractions of a bin; None estimates it
        (:func:`estimate_tuning`).
    filter_scale, norm, sparsity, window, scale, pad_mode, res_type, dtype
        As in librosa (see above for the supported values).

    Returns
    -------
    numpy.ndarray
        complex64 (float32 input) or complex128, shape ``(..., n_bins, frames)``.
    """
    return _constant_q(y, sr=sr, hop_length=hop_length, fmin=fmin, n_bins=n_bins,
                       bins_per_octave=bins_per_octave, tuning=tuning, filter_scale=filter_scale,
                       norm=norm, sparsity=sparsity, window=window, scale=scale, pad_mode=pad_mode,
                       res_type=res_type, dtype=dtype)


def cqt_magnitude(y: np.ndarray, **kwargs) -> np.ndarray:
    """``np.abs(cqt(y, **kwargs))`` without forming the complex transform:
    each octave's filter outputs are reduced to magnitudes as they are made
    (float32 for float32 audio; what :func:`chroma_cqt` needs)."""
    return _constant_q(y, magnitude=True, **kwargs)


def _constant_q(y: np.ndarray, *, sr: float = 22050, hop_length: int = 512, fmin: Optional[float] = None,
                n_bins: int = 84, bins_per_octave: int = 12, tuning: Optional[float] = 0.0,
                filter_scale: float = 1, norm: float = 1, sparsity: float = 0.01, window: str = "hann",
                scale: bool = True, pad_mode: str = "constant", res_type: str = "soxr_hq",
                dtype: Optional[type] = None, magnitude: bool = False,
                checked_padded: Optional[np.ndarray] = None) -> np.ndarray:
    """:func:`cqt` (its magnitude with ``magnitude``). ``checked_padded``:
    ``y`` is already checked and this is ``y`` zero padded by 1024 samples on
    both sides (what the tuning estimate frames), made by the caller."""
    if checked_padded is None:
        y = as_audio(y)
    sr = float(sr)
    if not sr > 0:
        raise ValueError(f"sr must be > 0 Hz, got {sr}")
    hop_length = check_positive_int("hop_length", hop_length)
    n_bins = check_positive_int("n_bins", n_bins)
    bins_per_octave = check_positive_int("bins_per_octave", bins_per_octave)
    if norm != 1 or window != "hann" or pad_mode != "constant" or res_type != "soxr_hq":
        raise ValueError("cqt supports norm=1, window='hann', pad_mode='constant', res_type='soxr_hq'")
    if not filter_scale > 0:
        raise ValueError(f"filter_scale must be > 0, got {filter_scale}")
    n_octaves = int(np.ceil(float(n_bins) / bins_per_octave))
    n_filters = min(bins_per_octave, n_bins)
    if fmin is None:
        fmin = C1_HZ
    if tuning is None:  # y is checked: the estimate's own check is skipped
        tuning = _tuning_of_signal(y, sr, 2048, 0.01, bins_per_octave, checked_padded)
    out_dtype = np.complex64 if y.dtype == np.float32 else np.complex128
    if dtype is not None:
        out_dtype = np.dtype(dtype).type
    fmin = fmin * 2.0 ** (tuning / bins_per_octave)
    freqs = cqt_frequencies(n_bins, fmin, bins_per_octave)
    if n_bins == 1:
        raise ValueError("cqt needs n_bins >= 2")
    alpha = _relative_bandwidth(freqs)
    lengths, cutoff = _wavelet_lengths(freqs, sr, filter_scale, alpha)
    nyquist = sr / 2.0
    if cutoff > nyquist:
        raise ValueError(f"the highest CQT filter ({np.max(freqs[-bins_per_octave:]):.1f} Hz) would "
                         f"exceed the Nyquist frequency {nyquist:g} Hz; use fewer bins")
    # early downsampling (librosa's rule)
    count1 = max(0, int(np.ceil(np.log2(nyquist / cutoff)) - 1) - 1)
    count2 = max(0, _num_two_factors(hop_length) - n_octaves + 1)
    down = min(count1, count2)
    if down > 0:
        factor = 2 ** down
        hop_length //= factor
        if y.shape[-1] < factor:
            raise ValueError(f"signal of {y.shape[-1]} samples is too short for a {n_octaves}-octave CQT")
        y = resample_half(y, factor)
        sr = sr / float(factor)
    complex_name = np.dtype(out_dtype).name
    # each octave's bases, hop and signal length (resample_half: ceil(n / 2))
    octaves = []
    my_sr, my_hop, my_len = sr, hop_length, y.shape[-1]
    for i in range(n_octaves):
        sl = slice(-n_filters, None) if i == 0 else slice(-n_filters * (i + 1), -n_filters * i)
        octaves.append((my_hop, _scaled_octave_basis(
            my_sr, tuple(freqs[sl]), tuple(alpha[sl]), float(filter_scale), float(sparsity),
            complex_name, float(np.sqrt(sr / my_sr)), magnitude), my_len))
        if my_hop % 2 == 0 and i + 1 < n_octaves:  # (librosa also resamples after the last)
            my_hop //= 2
            my_sr /= 2.0
            my_len = -(-my_len // 2)
    V = None
    in_c = all(basis[4] is not None and basis[1] >= 16 for _, basis, _ in octaves)
    if in_c and y.dtype == np.float32 and scale and n_bins % n_filters == 0:
        # the C kernels write each octave's first max_col frames, already divided
        # by sqrt(L_j), into their rows of V: no per-octave arrays to stack
        max_col = min(frame_count(n, basis[1], h, True) for h, basis, n in octaves)
        V = np.empty((*y.shape[:-1], n_bins, max_col), dtype=np.float32)
        V_flat = V.reshape(-1, n_bins, max_col)
        divisor = np.sqrt(_wavelet_lengths(freqs, sr, filter_scale, alpha)[0])
    responses = []
    my_y = y
    for i, (my_hop, (basis, n_fft, lo, hi, banded), _) in enumerate(octaves):
        if V is not None:
            rows = slice(n_bins - (i + 1) * n_filters, n_bins - i * n_filters)
            _octave_response(my_y, n_fft, my_hop, basis, lo, hi, out_dtype, magnitude, banded,
                             into=V_flat[:, rows, :], divisor=np.ascontiguousarray(divisor[rows]))
        else:
            responses.append(_octave_response(my_y, n_fft, my_hop, basis, lo, hi, out_dtype,
                                              magnitude, banded))
        if i + 1 < n_octaves and my_hop % 2 == 0:
            my_y = resample_half(my_y, 2)
    if V is not None:
        return V
    max_col = min(r.shape[-1] for r in responses)
    V = np.empty((*responses[0].shape[:-2], n_bins, max_col), dtype=responses[0].dtype)
    end = n_bins
    for r in responses:
        n_oct = r.shape[-2]
        if end < n_oct:
            V[..., :end, :] = r[..., -end:, :max_col]
        else:
            V[..., end - n_oct:end, :] = r[..., :max_col]
        end -= n_oct
    if scale:
        lengths, _ = _wavelet_lengths(freqs, sr, filter_scale, alpha)
        V /= np.sqrt(lengths)[:, None]
    return V


def _band_rows(sr: float, n_fft: int, n_rows: int, fmin: float, fmax: float) -> tuple[int, int]:
    """Bins ``[k0, k1)`` with ``fmin <= f < min(fmax, sr/2)``."""
    fmax = min(fmax, sr / 2)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)[:n_rows]
    band = np.flatnonzero((max(fmin, 0.0) <= freqs) & (freqs < fmax))
    return (int(band[0]), int(band[-1]) + 1) if len(band) else (0, 0)


def piptrack(S: np.ndarray, sr: float, n_fft: int, fmin: float = 150.0, fmax: float = 4000.0,
             threshold: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """librosa ``piptrack(S=S, ...)`` (magnitude ``S``): instantaneous
    frequencies and magnitudes of spectral peaks, zero elsewhere
    (docs/maths/features.md §4)."""
    pitches = np.zeros_like(S)
    mags = np.zeros_like(S)
    k0, k1 = _band_rows(sr, n_fft, S.shape[-2], fmin, fmax)
    if k1 > k0:
        r0, r1 = max(k0 - 1, 0), min(k1 + 1, S.shape[-2])
        index, peak_pitches, peak_mags = _peaks(S[..., r0:r1, :], r0, S.shape[-2],
                                                np.max(S, axis=-2, keepdims=True), k0, k1, sr,
                                                n_fft, threshold)
        pitches[index] = peak_pitches
        mags[index] = peak_mags
    return pitches, mags


def _peaks(rows: np.ndarray, r0: int, n_total: int, frame_max: np.ndarray, k0: int, k1: int,
           sr: float, n_fft: int, threshold: float) -> tuple[tuple, np.ndarray, np.ndarray]:
    """The peaks of :func:`piptrack` in bins ``[k0, k1)``, from ``rows`` =
    ``S[..., r0:r1, :]`` (covering ``k0 - 1 .. k1`` where they exist) and the
    per-frame maximum of S: (index into S, pitches, mags), with librosa's
    float operations (gradient and parabolic shift along bins, edge rules
    of ``np.gradient`` and ``util.localmax``)."""
    k = np.arange(k0 - 1, k1 + 1)
    ext = rows[..., np.clip(k, 0, n_total - 1) - r0, :]   # S[k], edges repeated
    mid, left, right = ext[..., 1:-1, :], ext[..., :-2, :], ext[..., 2:, :]
    kb = k[1:-1]
    # np.gradient: central differences, one-sided at the two ends
    avg = (right - left) / 2.0
    if kb[0] == 0:
        avg[..., 0, :] = right[..., 0, :] - mid[..., 0, :]
    if kb[-1] == n_total - 1:
        avg[..., -1, :] = mid[..., -1, :] - left[..., -1, :]
    # parabolic shift: sums in S's precision, products with 2 in float64
    # (librosa's Numba stencil); 0 at both ends and where |b| >= |a|
    a = (right + left).astype(np.float64) - 2 * mid.astype(np.float64)
    b = (right - left).astype(np.float64) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a).astype(rows.dtype)
    shift[..., (kb == 0) | (kb == n_total - 1), :] = 0
    ref = threshold * frame_max
    gated = ext * (ext > ref)
    peak = (gated[..., 1:-1, :] > gated[..., :-2, :]) & (gated[..., 1:-1, :] >= gated[..., 2:, :])
    idx = np.nonzero(peak)
    bins = kb[idx[-2]]
    dskew = 0.5 * avg[idx] * shift[idx]
    peak_pitches = ((bins + shift[idx]) * float(sr) / n_fft).astype(rows.dtype)
    peak_mags = mid[idx] + dskew
    return (*idx[:-2], bins, idx[-1]), peak_pitches, peak_mags


def _tuning_peaks_of_signal(y: np.ndarray, sr: float, n_fft: int,
                            padded: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """Peak pitches and magnitudes of librosa's piptrack on ``|stft(y)|``
    (Hann, hop n_fft/4, centred). float32 audio (n_fft a power of two >= 16):
    one C call per channel, ``rtd_tuning_stft_peaks_f32`` (float32 FFTs of
    16 frames per SIMD vector; each frame's maximum and the band's
    magnitudes are formed without storing the spectrum, and the peaks are
    picked with the float operations of :func:`_peaks`;
    docs/maths/features.md §4). Otherwise blocks of float64 (float64 audio:
    librosa's precision) or float32 transforms and :func:`_peaks`."""
    from rtaudio._native import ffi, lib
    hop = n_fft // 4
    n_rows = n_fft // 2 + 1
    k0, k1 = _band_rows(sr, n_fft, n_rows, 150.0, 4000.0)
    if k1 <= k0:
        return np.zeros(0, y.dtype), np.zeros(0, y.dtype)
    r0, r1 = max(k0 - 1, 0), min(k1 + 1, n_rows)
    window = get_window("hann", n_fft, n_fft)
    n_frames = frame_count(y.shape[-1], n_fft, hop, True)
    pitches, mags = [], []
    pad = n_fft // 2
    if y.dtype == np.float32 and n_fft >= 16 and n_fft & (n_fft - 1) == 0:  # lanes_fft.c
        # one C call per channel, on y itself (the kernel pads) or the caller's padded copy
        channels = y.reshape(-1, y.shape[-1]) if padded is None \
            else padded.reshape(-1, y.shape[-1] + 2 * pad)
        capacity = n_frames * ((k1 - k0) // 2 + 1)   # peaks are never adjacent
        scratch = np.empty(lib.rtd_lanes_fft_scratch(n_fft, r1 - r0), dtype=np.float32)
        window32 = window.astype(np.float32)

        def fp(a):
            return ffi.cast("float *", a.ctypes.data)
        for x in channels:
            x = np.ascontiguousarray(x)
            pitch, mag = np.empty(capacity, np.float32), np.empty(capacity, np.float32)
            n = lib.rtd_tuning_stft_peaks_f32(fp(x), len(x), pad if padded is None else 0, n_frames,
                                              n_fft, hop, fp(window32), k0, k1, 0.1, float(sr),
                                              fp(scratch), fp(pitch), fp(mag))
            pitches.append(pitch[:n])
            mags.append(mag[:n])
        return np.concatenate(pitches), np.concatenate(mags)
    padded_channels = (np.pad(channel, pad) for channel in y.reshape(-1, y.shape[-1])) \
        if padded is None else padded.reshape(-1, y.shape[-1] + 2 * pad)
    for padded in padded_channels:
        for first in range(0, n_frames, 512):
            count = min(512, n_frames - first)
            mag = np.abs(rfft_frames(padded, first, count, n_fft, hop, window, y.dtype.type))
            rows = np.ascontiguousarray(mag[:, r0:r1].T)
            _, p, m = _peaks(rows, r0, n_rows, mag.max(axis=1)[None, :], k0, k1, sr, n_fft, 0.1)
            pitches.append(p)
            mags.append(m)
    return np.concatenate(pitches), np.concatenate(mags)


def estimate_tuning(*, y: Optional[np.ndarray] = None, sr: float = 22050, S: Optional[np.ndarray] = None,
                    n_fft: int = 2048, resolution: float = 0.01, bins_per_octave: int = 12,
                    spectrum: Optional[np.ndarray] = None) -> float:
    """Tuning offset in fractions of a bin, equal to ``librosa.estimate_tuning``
    (docs/maths/features.md §4).

    Peaks of the magnitude STFT (n_fft 2048, hop 512, Hann) between 150 and
    4000 Hz whose parabolic-interpolated magnitude reaches the median are
    histogrammed by their deviation from the equal-tempered grid (``resolution``
    of a bin); the most frequent deviation wins.

    Parameters
    ----------
    y : numpy.ndarray, optional
        Audio (or give ``S``).
    sr : float
        Sample rate in Hz.
    S : numpy.ndarray, optional
        Magnitude spectrogram ``(..., 1 + n_fft // 2, frames)`` instead of ``y``.
    n_fft : int
        FFT size for ``y``.
    resolution : float
        Histogram resolution in fractions of a bin.
    bins_per_octave : int
        Bins per octave of the grid.

    Returns
    -------
    float
        In ``[-0.5, 0.5)``.
    """
    if S is None:
        if y is None:
            raise ValueError("estimate_tuning needs y or S")
        return _tuning_of_signal(as_audio(y), float(sr), check_positive_int("n_fft", n_fft, 2),
                                 resolution, bins_per_octave)
    S = np.asarray(S)
    n_fft = 2 * (S.shape[-2] - 1)
    k0, k1 = _band_rows(float(sr), n_fft, S.shape[-2], 150.0, 4000.0)
    if k1 <= k0:
        return 0.0
    r0, r1 = max(k0 - 1, 0), min(k1 + 1, S.shape[-2])
    _, pitch, mag = _peaks(S[..., r0:r1, :], r0, S.shape[-2], np.max(S, axis=-2, keepdims=True),
                           k0, k1, float(sr), n_fft, 0.1)
    return _tuning_of_peaks(pitch, mag, resolution, bins_per_octave)


def _tuning_of_signal(y: np.ndarray, sr: float, n_fft: int, resolution: float,
                      bins_per_octave: int, padded: Optional[np.ndarray] = None) -> float:
    """:func:`estimate_tuning` of checked audio ``y``: float32 transforms for
    float32 audio (the estimate is a histogram mode; docs/maths/features.md §4).
    ``padded``: ``y`` zero padded by ``n_fft // 2`` on both sides, if the
    caller has it."""
    pitch, mag = _tuning_peaks_of_signal(y, float(sr), n_fft, padded)
    return _tuning_of_peaks(pitch, mag, resolution, bins_per_octave)


def _tuning_of_peaks(pitch: np.ndarray, mag: np.ndarray, resolution: float,
                     bins_per_octave: int) -> float:
    """The histogram mode of the peaks' deviations from the grid."""
    pitch_mask = pitch > 0
    threshold = np.median(mag[pitch_mask]) if pitch_mask.any() else 0.0
    frequencies = pitch[(mag >= threshold) & pitch_mask]
    frequencies = frequencies[frequencies > 0]
    if not np.any(frequencies):
        return 0.0
    residual = np.mod(bins_per_octave * hz_to_octs(frequencies), 1.0)
    residual[residual >= 0.5] -= 1.0
    bins = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, edges = np.histogram(residual, bins)
    return float(edges[np.argmax(counts)])
