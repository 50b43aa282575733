"""Complex STFT and inverse STFT shared by the music features and the
spectrogram exporter (docs/maths/features.md §1).

:func:`stft` equals ``librosa.stft`` (window ``"hann"`` or ``"ones"``,
``pad_mode="constant"``): frames are windowed in float64 and transformed
with ``numpy.fft`` (float64 bits identical to those of ``scipy.fft``,
librosa's FFT library), then stored as complex64 for float32
input (complex128 for float64), so the result is the same bit for bit.
float32 transforms (``fft_dtype=np.float32``) use ``scipy.fft``, whose
pocketfft transforms float32 blocks of frames in float32 (numpy.fft's
are slower there); for float64 the two give identical bits, and numpy.fft
keeps ``scipy`` out of the spectrogram exporter's start-up.
:func:`istft` equals ``librosa.istft`` within float rounding. Frames are
transformed in blocks, so memory stays bounded for long signals.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Optional

import numpy as np


def fft_module(dtype: Any) -> Any:
    """``numpy.fft`` for float64/complex128 data, ``scipy.fft`` (imported on
    first use; numpy.fft without scipy) for float32/complex64."""
    if np.dtype(dtype) in (np.float64, np.complex128):
        return np.fft
    try:
        import scipy.fft
    except ImportError:  # pragma: no cover - rtaudio[features] installs scipy
        return np.fft
    return scipy.fft

__all__ = ["as_audio", "frame_count", "get_window", "istft", "istft_blocks", "rfft_frames", "stft"]

#: frames per FFT block (bounded memory for long signals)
BLOCK_FRAMES = 2048


def check_positive_int(name: str, value: Any, low: int = 1) -> int:
    """``value`` as an int >= ``low``, else ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def as_audio(y: Any, name: str = "y") -> np.ndarray:
    """Check an audio signal in librosa's convention (time on the last axis).

    Returns ``y`` as a float32 or float64 array; raises ValueError naming
    the problem for another dtype, no samples, or NaN/inf.
    """
    y = np.asarray(y)
    if y.dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64 audio, got dtype {y.dtype}")
    if y.ndim < 1 or y.shape[-1] == 0:
        raise ValueError(f"{name} has no samples (shape {y.shape}); time is the last axis")
    # NaN propagates through min and max, so both are finite iff every
    # sample is (two reductions, no boolean array of the signal's size)
    if y.size and not (np.isfinite(y.min()) and np.isfinite(y.max())):
        raise ValueError(f"{name} contains NaN or inf samples")
    return y


def get_window(window: str, win_length: int, n_fft: int) -> np.ndarray:
    """Periodic ``"hann"`` or rectangular ``"ones"`` window of ``win_length``
    samples centred in ``n_fft`` zeros (float64), as librosa pads it."""
    if window == "hann":
        n = np.arange(win_length, dtype=np.float64)
        w = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / win_length)
    elif window in ("ones", "boxcar", "rect"):
        w = np.ones(win_length)
    else:
        raise ValueError(f"window must be 'hann' or 'ones', got {window!r}")
    out = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    out[left:left + win_length] = w
    return out


def frame_count(n_samples: int, n_fft: int, hop_length: int, center: bool = True) -> int:
    """STFT frames of a signal of ``n_samples`` (librosa's count)."""
    padded = n_samples + (2 * (n_fft // 2) if center else 0)
    return 0 if padded < n_fft else 1 + (padded - n_fft) // hop_length


def rfft_frames(padded: np.ndarray, first: int, count: int, n_fft: int, hop_length: int,
                window: Optional[np.ndarray], fft_dtype: type = np.float64) -> np.ndarray:
    """``rfft(window * frame)`` of frames ``first .. first+count-1`` of a 1-D
    padded signal whose frame 0 starts at sample 0; shape ``(count, bins)``.
    ``fft_dtype`` float64 (librosa's precision) or float32 (faster);
    ``window=None`` is the rectangular window."""
    start = first * hop_length
    span = padded[start:start + (count - 1) * hop_length + n_fft]
    frames = np.lib.stride_tricks.sliding_window_view(span, n_fft)[::hop_length][:count]
    fftlib = fft_module(fft_dtype)
    if window is None:  # rectangular
        return fftlib.rfft(frames if frames.dtype == fft_dtype else frames.astype(fft_dtype), axis=-1)
    windowed = np.empty(frames.shape, dtype=fft_dtype)
    if fft_dtype == np.float32:  # float32 samples times the float32-rounded window
        np.multiply(frames if frames.dtype == np.float32 else frames.astype(np.float32),
                    window.astype(np.float32), out=windowed)
    else:
        np.multiply(frames, window, out=windowed)
    if fftlib is np.fft:  # pragma: no cover - without scipy
        return fftlib.rfft(windowed, axis=-1)
    return fftlib.rfft(windowed, axis=-1, overwrite_x=True)  # a temporary: no extra copy


def _check_stft_args(n_fft: int, hop_length: Optional[int], win_length: Optional[int],
                     pad_mode: str) -> tuple[int, int, int]:
    n_fft = check_positive_int("n_fft", n_fft, 2)
    win_length = n_fft if win_length is None else check_positive_int("win_length", win_length)
    if win_length > n_fft:
        raise ValueError(f"win_length={win_length} must be <= n_fft={n_fft}")
    hop_length = win_length // 4 if hop_length is None else hop_length
    hop_length = check_positive_int("hop_length", hop_length)
    if pad_mode != "constant":
        raise ValueError(f"pad_mode must be 'constant' (zero padding), got {pad_mode!r}")
    return n_fft, hop_length, win_length


def stft(y: np.ndarray, *, n_fft: int = 2048, hop_length: Optional[int] = None,
         win_length: Optional[int] = None, window: str = "hann", center: bool = True,
         pad_mode: str = "constant", fft_dtype: type = np.float64) -> np.ndarray:
    """Complex STFT equal to ``librosa.stft`` (docs/maths/features.md §1).

    Parameters
    ----------
    y : numpy.ndarray
        float32/float64 audio, shape ``(..., n)``.
    n_fft, hop_length, win_length, window, center, pad_mode
        As in librosa (``hop_length`` defaults to ``win_length // 4``;
        ``window`` "hann" or "ones"; ``pad_mode`` "constant").
    fft_dtype : type
        Precision of the transforms: float64 (librosa's, default) or float32.

    Returns
    -------
    numpy.ndarray
        complex64 for float32 input, complex128 for float64; shape
        ``(..., 1 + n_fft // 2, n_frames)``.
    """
    y = as_audio(y)
    n_fft, hop_length, win_length = _check_stft_args(n_fft, hop_length, win_length, pad_mode)
    n_frames = frame_count(y.shape[-1], n_fft, hop_length, center)
    if n_frames < 1:
        raise ValueError(f"y has {y.shape[-1]} samples, fewer than n_fft={n_fft} (center=False)")
    out_dtype = np.complex64 if y.dtype == np.float32 else np.complex128
    window_arr = get_window(window, win_length, n_fft)
    lead = y.shape[:-1]
    flat = y.reshape(-1, y.shape[-1])
    out = np.empty((flat.shape[0], n_frames, n_fft // 2 + 1), dtype=out_dtype)
    pad = n_fft // 2 if center else 0
    for ch in range(flat.shape[0]):
        padded = np.pad(flat[ch], pad) if pad else flat[ch]
        for first in range(0, n_frames, BLOCK_FRAMES):
            count = min(BLOCK_FRAMES, n_frames - first)
            out[ch, first:first + count] = rfft_frames(padded, first, count, n_fft, hop_length,
                                                       window_arr, fft_dtype)
    return np.swapaxes(out, -1, -2).reshape(*lead, n_fft // 2 + 1, n_frames)


def istft(stft_matrix: np.ndarray, *, hop_length: Optional[int] = None,
          win_length: Optional[int] = None, n_fft: Optional[int] = None, window: str = "hann",
          center: bool = True, dtype: Optional[type] = None,
          length: Optional[int] = None) -> np.ndarray:
    """Inverse STFT equal to ``librosa.istft`` (weighted overlap-add divided
    by the summed squared window where it exceeds the smallest normal
    float; docs/maths/features.md §1).

    Parameters
    ----------
    stft_matrix : numpy.ndarray
        shape ``(..., 1 + n_fft // 2, n_frames)``, complex (or real).
    hop_length, win_length, n_fft, window, center, dtype, length
        As in librosa.

    Returns
    -------
    numpy.ndarray
        Real signal of shape ``(..., length)`` (or the full overlap-add
        length), ``dtype`` float32 for complex64 input unless given.
    """
    stft_matrix = np.asarray(stft_matrix)
    flat = stft_matrix.reshape(-1, *stft_matrix.shape[-2:])
    return istft_blocks(lambda ch, first, count: flat[ch][:, first:first + count].T,
                        stft_matrix.shape, stft_matrix.dtype, hop_length=hop_length,
                        win_length=win_length, n_fft=n_fft, window=window, center=center,
                        dtype=dtype, length=length)


def istft_blocks(get_block: Any, shape: tuple[int, ...], in_dtype: Any, *,
                 hop_length: Optional[int] = None, win_length: Optional[int] = None,
                 n_fft: Optional[int] = None, window: str = "hann", center: bool = True,
                 dtype: Optional[type] = None, length: Optional[int] = None,
                 out: Optional[np.ndarray] = None) -> np.ndarray:
    """:func:`istft` of a spectrogram of ``shape`` and ``in_dtype`` handed
    over in blocks: ``get_block(channel, first, count)`` returns frames
    ``first .. first+count-1`` of flattened channel ``channel`` as
    ``(count, bins)`` (e.g. masked on the fly, without a full-size copy).
    ``out``: an array of the result's shape and dtype to write into (e.g. a
    view into a larger buffer); it is returned."""
    n_fft = 2 * (shape[-2] - 1) if n_fft is None else n_fft
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    if dtype is None:
        dtype = np.float32 if in_dtype in (np.complex64, np.float32) else np.float64
    n_frames = shape[-1]
    if length:
        padded_length = length + (2 * (n_fft // 2) if center else 0)
        n_frames = min(n_frames, int(math.ceil(padded_length / hop_length)))
    window_arr = get_window(window, win_length, n_fft)
    lead = shape[:-2]
    n_channels = int(np.prod(lead, dtype=np.int64))
    full = n_fft + hop_length * (n_frames - 1)
    start = n_fft // 2 if center else 0
    if length:
        out_len = length
    else:
        out_len = full - (2 * (n_fft // 2) if center else 0)
    tiny = np.finfo(dtype).tiny
    result = out
    if out is None:
        out = np.empty((n_channels, out_len), dtype=dtype)
    else:  # a view (setting .shape refuses what would need a copy)
        out = out.view()
        out.shape = (n_channels, out_len)
    for ch in range(n_channels):
        y = np.zeros(full + n_fft, dtype=np.float64)
        for first in range(0, n_frames, BLOCK_FRAMES):
            count = min(BLOCK_FRAMES, n_frames - first)
            block = get_block(ch, first, count)
            frames = fft_module(block.dtype).irfft(block, n=n_fft, axis=-1)
            frames = frames * window_arr.astype(frames.dtype) if frames.dtype == np.float32 \
                else frames * window_arr
            _overlap_add(y, frames, first * hop_length, hop_length)
        seg = y[start:start + out_len]
        res = out[ch]
        res[len(seg):] = 0
        _divide_by_window_sumsquare(seg, res[:len(seg)], window_arr, n_frames, hop_length, start, tiny)
    return out.reshape(*lead, out_len) if result is None else result


def _divide_by_window_sumsquare(seg: np.ndarray, res: np.ndarray, window: np.ndarray, n_frames: int,
                                hop_length: int, start: int, tiny: float) -> None:
    """``res = seg / wss`` where ``wss > tiny``, else ``seg`` (cast to res'
    dtype); ``wss`` = :func:`_window_sumsquare` from sample ``start`` on.

    When the hop divides the window, the sum is the same hop-periodic
    pattern wherever every frame overlaps (the same additions in the same
    order as :func:`_overlap_add`, so the same bits): only the edges are
    formed sample by sample, the middle divides by the repeated pattern,
    without a signal-length sum (docs/maths/features.md §1)."""
    n_fft = len(window)
    q = n_fft // hop_length if n_fft % hop_length == 0 else 0
    full = n_fft + hop_length * (n_frames - 1)
    lo = (q - 1) * hop_length - start   # interior: every frame overlaps
    hi = min(len(seg), n_frames * hop_length - start)
    if q == 0 or lo < 0 or hi - lo < 4 * hop_length:
        wss = _window_sumsquare(window, n_frames, hop_length, full)[start:start + len(seg)]
        wss_full = np.zeros(len(seg))
        wss_full[:len(wss)] = wss
        nonzero = wss_full > tiny
        np.divide(seg, wss_full, out=res, where=nonzero, casting="unsafe")
        np.copyto(res, seg, where=~nonzero, casting="unsafe")
        return
    parts = (window * window).reshape(q, hop_length)
    pattern = np.zeros(hop_length)
    for part in parts:
        pattern += part
    if not np.all(pattern > tiny):  # pragma: no cover - a window with zeros on the hop grid
        lo = hi = 0
    # edges: those of the sum over q frames (blocks with the same frames,
    # added in the same order)
    small = _window_sumsquare(window, q, hop_length, n_fft + hop_length * (q - 1))
    shift = (n_frames - q) * hop_length
    for a, b in ((0, lo), (hi, len(seg))):
        if b <= a:
            continue
        x = np.arange(start + a, start + b)
        wss = np.zeros(b - a)
        head, tail = x < (q - 1) * hop_length, (x >= n_frames * hop_length) & (x < full)
        wss[head] = small[x[head]]
        wss[tail] = small[x[tail] - shift]
        nonzero = wss > tiny
        np.divide(seg[a:b], wss, out=res[a:b], where=nonzero, casting="unsafe")
        np.copyto(res[a:b], seg[a:b], where=~nonzero, casting="unsafe")
    # interior, in chunks of whole periods
    phase = (start + lo) % hop_length
    tiled = np.tile(np.roll(pattern, -phase), 64)
    for a in range(lo, hi, len(tiled)):
        b = min(hi, a + len(tiled))
        np.divide(seg[a:b], tiled[:b - a], out=res[a:b], casting="unsafe")


def _overlap_add(y: np.ndarray, frames: np.ndarray, offset: int, hop_length: int) -> None:
    """``y[offset + t hop : ... + n_fft] += frames[t]`` for every frame."""
    count, n_fft = frames.shape
    if n_fft % hop_length == 0:
        q = n_fft // hop_length
        view = y[offset:offset + (count - 1 + q) * hop_length].reshape(-1, hop_length)
        for part in range(q):
            view[part:part + count] += frames[:, part * hop_length:(part + 1) * hop_length]
    else:
        for t in range(count):
            y[offset + t * hop_length:offset + t * hop_length + n_fft] += frames[t]


def _window_sumsquare(window: np.ndarray, n_frames: int, hop_length: int, n: int) -> np.ndarray:
    out = np.zeros(n + len(window))
    _overlap_add(out, np.broadcast_to(window * window, (n_frames, len(window))), 0, hop_length)
    return out[:n]
