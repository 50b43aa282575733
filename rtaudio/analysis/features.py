"""Music-analysis drop-ins for librosa: HPSS, constant-Q and STFT chroma,
YIN, and a fingerprint pipeline (docs/maths/features.md).

Same names, parameters and defaults as librosa, so replacing
``librosa.effects.hpss`` by ``rtaudio.features.hpss`` (and so on) is the
whole migration:

- :func:`hpss` = ``librosa.effects.hpss``; :func:`hpss_spectrogram` =
  ``librosa.decompose.hpss`` (median filters in C, ``native/kernels/median.c``,
  or Numba: ``backend="numba"``);
- :func:`cqt` = ``librosa.cqt``; :func:`chroma_cqt` =
  ``librosa.feature.chroma_cqt`` (with its tuning estimate);
  :func:`chroma_stft` = ``librosa.feature.chroma_stft``;
- :func:`yin` = ``librosa.yin`` (rtaudio's streaming YIN tracker);
- :func:`fingerprint`: hpss -> chroma_cqt of the harmonic part -> yin.

Audio is ``(..., n)`` float32/float64 (time on the last axis, librosa's
convention); bad input raises ValueError naming the problem.
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence, Union

import numpy as np

from rtaudio.analysis import cqt as _cqt
from rtaudio.analysis.median import apply_mask, median_filter_axis, softmask
from rtaudio.analysis.hpss_blocks import harmonic_signal
from rtaudio.analysis.stft import check_stft_args, as_audio, check_positive_int, frame_count, istft, stft

__all__ = ["chroma_cqt", "chroma_stft", "cqt", "estimate_tuning", "fingerprint", "hpss",
           "hpss_spectrogram", "yin"]

cqt = _cqt.cqt
estimate_tuning = _cqt.estimate_tuning

Pair = Union[float, Sequence[float]]


def _pair(name: str, value: Any) -> tuple[Any, Any]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be a number or a (harmonic, percussive) pair, got {value!r}")
        return value[0], value[1]
    return value, value


def _enhance(mag: np.ndarray, win_harm: int, win_perc: int, backend: str) -> tuple[np.ndarray, np.ndarray]:
    """Median along time (harmonic) and along frequency (percussive) of each
    channel's ``(bins, frames)`` magnitude."""
    if mag.ndim == 2:
        return (median_filter_axis(mag, win_harm, 1, backend=backend),
                median_filter_axis(mag, win_perc, 0, backend=backend))
    harm, perc = np.empty_like(mag), np.empty_like(mag)
    for index in np.ndindex(*mag.shape[:-2]):
        harm[index] = median_filter_axis(mag[index], win_harm, 1, backend=backend)
        perc[index] = median_filter_axis(mag[index], win_perc, 0, backend=backend)
    return harm, perc


def _hpss_parameters(kernel_size: Pair, margin: Pair, power: float) -> tuple[int, int, float, float, float]:
    """Checked ``(win_harm, win_perc, margin_harm, margin_perc, power)``."""
    win_harm, win_perc = (check_positive_int("kernel_size", k) for k in _pair("kernel_size", kernel_size))
    margin_harm, margin_perc = (float(m) for m in _pair("margin", margin))
    if not (1 <= margin_harm < np.inf and 1 <= margin_perc < np.inf):  # NaN fails too
        raise ValueError(f"margins must be finite and >= 1, got {margin!r}")
    power = float(power)
    if not power > 0:
        raise ValueError(f"power must be > 0, got {power}")
    return win_harm, win_perc, margin_harm, margin_perc, power


def hpss_spectrogram(S: np.ndarray, *, kernel_size: Pair = 31, power: float = 2.0,
                     mask: bool = False, margin: Pair = 1.0,
                     backend: str = "c", _enhanced: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Median-filtering harmonic/percussive separation of a spectrogram,
    equal to ``librosa.decompose.hpss`` (docs/maths/features.md §2).

    Parameters
    ----------
    S : numpy.ndarray
        Spectrogram ``(..., bins, frames)``, complex or magnitude.
    kernel_size : int or (int, int)
        Median window in frames (harmonic, along time) and bins
        (percussive, along frequency).
    power : float
        Exponent of the soft masks (> 0; ``inf`` gives hard masks).
    mask : bool
        Return the masks instead of the components.
    margin : float or (float, float)
        Margins (finite, >= 1) of the harmonic and percussive masks; above 1 a
        residual is left in neither component.
    backend : {"c", "numba"}
        Median filter kernel.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Harmonic and percussive components (``S * mask``) or masks.
    """
    S = np.asarray(S)
    if S.ndim < 2:
        raise ValueError(f"S must be a spectrogram (..., bins, frames), got shape {S.shape}")
    if S.size == 0:
        raise ValueError(f"S is empty (shape {S.shape})")
    if not np.all(np.isfinite(S)):
        raise ValueError("S contains NaN or inf")
    win_harm, win_perc, margin_harm, margin_perc, power = _hpss_parameters(kernel_size, margin, power)
    if np.iscomplexobj(S):
        mag = np.abs(S)
        phase: Any = None
    else:
        if S.dtype not in (np.float32, np.float64):
            raise ValueError(f"S must be complex or float32/float64, got dtype {S.dtype}")
        if np.any(S < 0):
            raise ValueError("a real S must be a non-negative magnitude spectrogram")
        mag = S
        phase = 1
    harm, perc = _enhance(mag, win_harm, win_perc, backend)
    if _enhanced:  # hpss: the median-filtered magnitudes, checked arguments
        return harm, perc
    split_zeros = margin_harm == 1 and margin_perc == 1
    if np.isfinite(power):
        mask_harm = softmask(harm, perc, margin_harm, power, split_zeros, backend=backend)
        mask_perc = softmask(perc, harm, margin_perc, power, split_zeros, backend=backend)
    else:  # hard masks
        mask_harm = harm > perc * margin_harm
        mask_perc = perc > harm * margin_perc
    if mask:
        return mask_harm, mask_perc
    if phase is None:
        return apply_mask(S, mask_harm), apply_mask(S, mask_perc)
    return S * mask_harm, S * mask_perc


def hpss(y: np.ndarray, *, kernel_size: Pair = 31, power: float = 2.0, mask: bool = False,
         margin: Pair = 1.0, n_fft: int = 2048, hop_length: Optional[int] = None,
         win_length: Optional[int] = None, window: str = "hann", center: bool = True,
         pad_mode: str = "constant", backend: str = "c") -> tuple[np.ndarray, np.ndarray]:
    """Harmonic and percussive signals, equal to ``librosa.effects.hpss``.

    STFT (:func:`rtaudio.analysis.stft.stft`), :func:`hpss_spectrogram`,
    then two inverse STFTs of the input's length (docs/maths/features.md §2).

    Parameters
    ----------
    y : numpy.ndarray
        float32/float64 audio ``(..., n)``.
    kernel_size, power, mask, margin, backend
        See :func:`hpss_spectrogram`.
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT parameters (librosa's; ``hop_length`` defaults to ``win_length // 4``).
        ``window`` ("hann" or "ones") is used by both transforms; librosa
        0.11's ``effects.hpss`` ignores it and always uses Hann (librosa
        issue #2096), so with "ones" the result equals librosa's
        ``istft(decompose.hpss(stft(y, window="ones")), window="ones")``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Harmonic and percussive signals, same shape and dtype as ``y``.
    """
    y = as_audio(y)
    margins = _pair("margin", margin)
    win_eff = n_fft if win_length is None else win_length
    hop_eff = win_eff // 4 if hop_length is None else hop_length
    if (not mask and window == "hann" and center and np.isfinite(float(power)) and hop_eff <= win_eff // 2
            and float(margins[0]) == 1 and float(margins[1]) == 1 and backend == "c"):
        # the two soft masks add up to 1, and the Hann STFT/ISTFT pair
        # reconstructs y: the percussive signal is y minus the harmonic one
        # (within float rounding; docs/maths/features.md §2). The harmonic
        # signal is made block by block, spectrogram included (bounded memory).
        win_harm, win_perc, _, _, power = _hpss_parameters(kernel_size, margin, power)
        n_fft, hop_eff, win_eff = check_stft_args(n_fft, hop_length, win_length, pad_mode)
        _check_kernel_fits((n_fft // 2 + 1, frame_count(y.shape[-1], n_fft, hop_eff, True)), kernel_size)
        y_harm = harmonic_signal(y, win_harm=win_harm, win_perc=win_perc, power=power, n_fft=n_fft,
                                 hop_length=hop_eff, win_length=win_eff, window=window)
        # float32 - float32 rounds the exact difference once, as the float64
        # difference rounded to float32 would
        return y_harm, y - y_harm
    # float32 transforms for float32 audio: the components stay within 1e-6
    # of librosa's; masks of near-silent bins are sensitive to rounding, so
    # mask=True keeps librosa's float64 transforms (docs/maths/features.md §2)
    fft_dtype = np.float64 if mask else y.dtype.type
    D = stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
             center=center, pad_mode=pad_mode, fft_dtype=fft_dtype)
    _check_kernel_fits(D.shape, kernel_size)
    kw = dict(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
              center=center, dtype=y.dtype, length=y.shape[-1])
    H, P = hpss_spectrogram(D, kernel_size=kernel_size, power=power, mask=mask, margin=margin,
                            backend=backend)
    y_harm = istft(H, **kw)
    return y_harm, istft(P, **kw)


def _check_kernel_fits(shape: tuple[int, ...], kernel_size: Pair) -> None:
    """A kernel longer than twice the signal's frames (or bins) would reflect
    the edges more than once: refuse it as "too short for the kernel".
    ``shape``: the spectrogram's, ``(..., bins, frames)``."""
    win_harm, win_perc = _pair("kernel_size", kernel_size)
    bins, frames = shape[-2:]
    if isinstance(win_harm, numbers.Integral) and win_harm // 2 >= frames:
        raise ValueError(f"signal too short for kernel_size={win_harm}: {frames} STFT frames "
                         f"(need more than {win_harm // 2})")
    if isinstance(win_perc, numbers.Integral) and win_perc // 2 >= bins:
        raise ValueError(f"n_fft too small for percussive kernel_size={win_perc}: {bins} bins")


# --------------------------------------------------------------------------
# chroma (docs/maths/features.md §5)

def normalize(S: np.ndarray, norm: Optional[float] = np.inf, axis: int = -2) -> np.ndarray:
    """``librosa.util.normalize`` with ``threshold=None, fill=None``: divide by
    the ``norm`` of each slice along ``axis``; slices whose norm is below the
    smallest normal float of S's dtype are left as they are."""
    if norm is None:
        return S
    if isinstance(norm, bool) or not isinstance(norm, numbers.Real):
        raise ValueError(f"unsupported norm {norm!r} (a number such as np.inf, 1 or 2, or None)")
    mag = np.abs(S).astype(float)
    if norm == np.inf:
        length = np.max(mag, axis=axis, keepdims=True)
    elif norm == -np.inf:
        length = np.min(mag, axis=axis, keepdims=True)
    elif norm == 0:
        length = np.sum(mag > 0, axis=axis, keepdims=True, dtype=mag.dtype)
    elif norm > 0:
        length = np.sum(mag ** norm, axis=axis, keepdims=True) ** (1.0 / norm)
    else:
        raise ValueError(f"unsupported norm {norm!r}")
    length[length < np.finfo(S.dtype).tiny] = 1.0
    out = np.empty_like(S)
    out[:] = S / length
    return out


def cq_to_chroma(n_input: int, *, bins_per_octave: int = 12, n_chroma: int = 12,
                 fmin: Optional[float] = None, base_c: bool = True) -> np.ndarray:
    """``librosa.filters.cq_to_chroma`` (no window): sums the CQT bins of
    each pitch class, float32 ``(n_chroma, n_input)``."""
    fmin = _cqt.C1_HZ if fmin is None else fmin
    n_merge = float(bins_per_octave) / n_chroma
    if np.mod(n_merge, 1) != 0:
        raise ValueError(f"bins_per_octave={bins_per_octave} must be a multiple of n_chroma={n_chroma}")
    m = np.repeat(np.eye(n_chroma), int(n_merge), axis=1)
    m = np.roll(m, -int(n_merge // 2), axis=1)
    n_octaves = np.ceil(float(n_input) / bins_per_octave)
    m = np.tile(m, int(n_octaves))[:, :n_input]
    midi_0 = np.mod(12 * (np.log2(fmin) - np.log2(440.0)) + 69, 12)
    roll = midi_0 if base_c else midi_0 - 9
    roll = int(np.round(roll * (n_chroma / 12.0)))
    return np.roll(m, roll, axis=0).astype(np.float32)


def chroma_cqt(*, y: Optional[np.ndarray] = None, sr: float = 22050, C: Optional[np.ndarray] = None,
               hop_length: int = 512, fmin: Optional[float] = None, norm: Optional[float] = np.inf,
               threshold: Optional[float] = 0.0, tuning: Optional[float] = None, n_chroma: int = 12,
               n_octaves: int = 7, window: None = None, bins_per_octave: Optional[int] = 36,
               cqt_mode: str = "full") -> np.ndarray:
    """Constant-Q chromagram equal to ``librosa.feature.chroma_cqt``
    (docs/maths/features.md §5).

    ``|cqt(y, n_bins=n_octaves*bins_per_octave, tuning=tuning)|`` (tuning
    estimated when None), summed per pitch class, values below ``threshold``
    zeroed, then normalised per frame (``norm``).

    Parameters
    ----------
    y : numpy.ndarray, optional
        float32/float64 audio ``(..., n)`` (or give ``C``).
    sr : float
        Sample rate in Hz.
    C : numpy.ndarray, optional
        A CQT magnitude ``(..., bins, frames)`` instead of ``y``.
    hop_length, fmin, norm, threshold, tuning, n_chroma, n_octaves, bins_per_octave
        As in librosa (``window=None`` and ``cqt_mode="full"`` only).

    Returns
    -------
    numpy.ndarray
        ``(..., n_chroma, frames)``, float32 for float32 input.
    """
    if window is not None or cqt_mode != "full":
        raise ValueError("chroma_cqt supports window=None and cqt_mode='full'")
    n_chroma = check_positive_int("n_chroma", n_chroma)
    n_octaves = check_positive_int("n_octaves", n_octaves)
    if bins_per_octave is None:
        bins_per_octave = n_chroma
    elif bins_per_octave % n_chroma:
        raise ValueError(f"bins_per_octave={bins_per_octave} must be a multiple of n_chroma={n_chroma}")
    if C is None:
        if y is None:
            raise ValueError("chroma_cqt needs y or C")
        C = _cqt.cqt_magnitude(y, sr=sr, hop_length=hop_length, fmin=fmin,
                               n_bins=n_octaves * bins_per_octave, bins_per_octave=bins_per_octave,
                               tuning=tuning)
    return _chroma_of_cqt(np.asarray(C), bins_per_octave, n_chroma, fmin, threshold, norm)


def _chroma_of_cqt(C: np.ndarray, bins_per_octave: int, n_chroma: int, fmin: Optional[float],
                   threshold: Optional[float], norm: Optional[float]) -> np.ndarray:
    """The chroma of a CQT magnitude (the end of :func:`chroma_cqt`)."""
    cq_to_chr = cq_to_chroma(C.shape[-2], bins_per_octave=bins_per_octave, n_chroma=n_chroma, fmin=fmin)
    chroma = np.matmul(cq_to_chr.astype(C.dtype, copy=False), C)
    if threshold is not None:
        chroma[chroma < threshold] = 0.0
    return normalize(chroma, norm=norm, axis=-2)


def chroma_filterbank(*, sr: float, n_fft: int, n_chroma: int = 12, tuning: float = 0.0,
                      ctroct: float = 5.0, octwidth: Optional[float] = 2, norm: Optional[float] = 2,
                      base_c: bool = True) -> np.ndarray:
    """``librosa.filters.chroma``: Gaussian weights of each FFT bin per pitch
    class, float32 ``(n_chroma, 1 + n_fft // 2)``."""
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    frqbins = n_chroma * _cqt.hz_to_octs(frequencies, tuning=tuning, bins_per_octave=n_chroma)
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    D = np.remainder(D + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * D / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    wts = normalize(wts, norm=norm, axis=0)
    if octwidth is not None:
        wts *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2)), (n_chroma, 1))
    if base_c:
        wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    return np.ascontiguousarray(wts[:, :int(1 + n_fft / 2)], dtype=np.float32)


def chroma_stft(*, y: Optional[np.ndarray] = None, sr: float = 22050, S: Optional[np.ndarray] = None,
                norm: Optional[float] = np.inf, n_fft: int = 2048, hop_length: int = 512,
                win_length: Optional[int] = None, window: str = "hann", center: bool = True,
                pad_mode: str = "constant", tuning: Optional[float] = None, n_chroma: int = 12,
                **kwargs: Any) -> np.ndarray:
    """STFT chromagram equal to ``librosa.feature.chroma_stft``
    (docs/maths/features.md §5).

    Power spectrogram (or ``S``), tuning estimated from it when None,
    :func:`chroma_filterbank` weights (``kwargs``: ``ctroct``, ``octwidth``,
    ``base_c``), normalised per frame (``norm``).

    Returns
    -------
    numpy.ndarray
        ``(..., n_chroma, frames)``.
    """
    if S is None:
        if y is None:
            raise ValueError("chroma_stft needs y or S")
        D = stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                 center=center, pad_mode=pad_mode)
        S = np.abs(D)
        S *= S
    else:
        S = np.asarray(S)
        n_fft = 2 * (S.shape[-2] - 1)
    if tuning is None:
        tuning = estimate_tuning(S=S, sr=sr, bins_per_octave=n_chroma)
    unknown = set(kwargs) - {"ctroct", "octwidth", "base_c"}
    if unknown:
        raise ValueError(f"chroma_stft got unknown argument(s) {sorted(unknown)}")
    chromafb = chroma_filterbank(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=tuning, **kwargs)
    raw = np.matmul(chromafb.astype(S.dtype, copy=False), S)  # float32 bank, S's precision
    return normalize(raw, norm=norm, axis=-2)


# --------------------------------------------------------------------------
# YIN and the fingerprint (docs/maths/features.md §6)

def yin(y: np.ndarray, *, fmin: float, fmax: float, sr: float = 22050, frame_length: int = 2048,
        hop_length: Optional[int] = None, trough_threshold: float = 0.1, center: bool = True,
        pad_mode: str = "constant", backend: str = "c") -> np.ndarray:
    """f0 per frame equal to ``librosa.yin`` (rtaudio's streaming YIN tracker,
    :func:`rtaudio.analysis.pitch.pitch`; docs/maths/features.md §6).

    With ``center`` the signal is padded with ``frame_length // 2`` zeros on
    both sides (librosa's ``pad_mode="constant"``). Samples are rounded to
    float32 like every rtaudio processor; the values equal librosa's on the
    float64 copy of that signal.

    Returns
    -------
    numpy.ndarray
        float64 f0 in Hz, shape ``(..., frames)``.
    """
    y = as_audio(y)
    if pad_mode != "constant":
        raise ValueError(f"pad_mode must be 'constant', got {pad_mode!r}")
    frame_length = check_positive_int("frame_length", frame_length)
    hop = frame_length // 4 if hop_length is None else check_positive_int("hop_length", hop_length)
    if center:
        y = _zero_pad_last(y, frame_length // 2)
    return _yin_of_framed_signal(y, fmin, fmax, sr, frame_length, hop, trough_threshold, backend)


def _zero_pad_last(y: np.ndarray, pad: int) -> np.ndarray:
    """``y`` with ``pad`` zeros before and after along the last axis."""
    return np.pad(y, [(0, 0)] * (y.ndim - 1) + [(pad, pad)])


def _yin_of_framed_signal(y: np.ndarray, fmin: float, fmax: float, sr: float, frame_length: int,
                          hop: int, trough_threshold: float, backend: str) -> np.ndarray:
    """:func:`yin` of checked audio ``y`` already padded as ``center`` asks."""
    from rtaudio.analysis.pitch import pitch
    if y.shape[-1] < frame_length:
        raise ValueError(f"y has {y.shape[-1]} samples, fewer than frame_length={frame_length}")
    lead = y.shape[:-1]
    flat = y.reshape(-1, y.shape[-1])
    track = pitch(np.ascontiguousarray(flat.T), sr, backend=backend, frame_length=frame_length,
                  hop_length=hop, fmin_hz=float(fmin), fmax_hz=float(fmax),
                  trough_threshold=float(trough_threshold))
    f0 = track.f0_hz.reshape(flat.shape[0], -1)
    return f0.reshape(*lead, f0.shape[-1])


def fingerprint(y: np.ndarray, sr: float, *, fmin: float = 65.40639132514966,
                fmax: float = 2093.004522404789, backend: str = "c") -> dict[str, np.ndarray]:
    """Harmonic chroma and pitch of a signal in one pass
    (docs/maths/features.md §6).

    Reproduces exactly these librosa calls (same defaults, 1e-4 tolerances
    of the individual functions)::

        y_harm, _ = librosa.effects.hpss(y)
        chroma = librosa.feature.chroma_cqt(y=y_harm, sr=sr)
        f0 = librosa.yin(y_harm, fmin=fmin, fmax=fmax, sr=sr)

    Work saved over calling the three separately: only the harmonic mask is
    computed, block by block inside the inverse STFT, and the percussive
    signal is never synthesised; the harmonic signal is synthesised into one
    zero-padded buffer framed by both the tuning estimate's STFT and yin
    (called separately, each pads its own copy) and, being finite by
    construction, is not checked again.

    Returns
    -------
    dict
        ``harmonic`` (like ``y``), ``chroma`` ``(..., 12, frames)``,
        ``f0_hz`` ``(..., frames)``, ``chroma_times_s`` and ``f0_times_s``.
    """
    y = as_audio(y)
    _check_kernel_fits((1025, frame_count(y.shape[-1], 2048, 512, True)), 31)
    # only the harmonic mask is needed (librosa's default margins and power)
    kw = dict(dtype=y.dtype, length=y.shape[-1])
    # y_harm is finite by construction, and both analyses frame it centred
    # with 1024 zeros on each side (the tuning estimate's 2048-point STFT and
    # yin's 2048-sample frames): the inverse STFT writes it straight into one
    # such padded buffer that serves both, and nothing is checked again.
    # Same bits as chroma_cqt(y=y_harm, sr=sr) and yin(y_harm, ...).
    if backend == "c":  # spectrogram and mask block by block inside the inverse STFT
        padded = np.zeros((*y.shape[:-1], y.shape[-1] + 2048), dtype=y.dtype)
        y_harm = padded[..., 1024:1024 + y.shape[-1]]
        harmonic_signal(y, win_harm=31, win_perc=31, power=2.0, n_fft=2048, hop_length=512,
                        win_length=2048, out=y_harm)
    else:
        D = stft(y, fft_dtype=y.dtype.type)
        harm, perc = _enhance(np.abs(D), 31, 31, backend)
        y_harm = istft(apply_mask(D, softmask(harm, perc, 1.0, 2.0, True, backend=backend)), **kw)
        padded = _zero_pad_last(y_harm, 1024)
    C = _cqt._constant_q(y_harm, sr=sr, hop_length=512, n_bins=7 * 36, bins_per_octave=36, tuning=None,
                         magnitude=True, checked_padded=padded)
    chroma = _chroma_of_cqt(C, 36, 12, None, 0.0, np.inf)
    f0 = _yin_of_framed_signal(padded, fmin, fmax, sr, 2048, 512, 0.1, backend)
    return {"harmonic": y_harm, "chroma": chroma, "f0_hz": f0,
            "chroma_times_s": np.arange(chroma.shape[-1]) * 512 / float(sr),
            "f0_times_s": np.arange(f0.shape[-1]) * 512 / float(sr)}
