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


def check_stft_args(n_fft: int, hop_length: Optional[int], win_length: Optional[int],
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
    n_fft, hop_length, win_length = check_stft_args(n_fft, hop_length, win_length, pad_mode)
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
    denominator = WindowSumSquare(window_arr, n_frames, hop_length)
    # the overlap-add runs in a buffer of one block plus the overlap: after
    # each block the samples no later frame touches are divided and written
    # out, so the memory does not grow with the signal (docs/maths/features.md §1)
    capacity = BLOCK_FRAMES * hop_length + n_fft
    end = start + out_len
    for ch in range(n_channels):
        res = out[ch]
        acc = np.zeros(capacity, dtype=np.float64)
        base = 0      # signal position of acc[0]
        done = start  # first position not yet written out
        for first in range(0, n_frames, BLOCK_FRAMES):
            count = min(BLOCK_FRAMES, n_frames - first)
            block = get_block(ch, first, count)
            frames = fft_module(block.dtype).irfft(block, n=n_fft, axis=-1)
            frames = frames * window_arr.astype(frames.dtype) if frames.dtype == np.float32 \
                else frames * window_arr
            _overlap_add(acc, frames, first * hop_length - base, hop_length)
            last = first + count >= n_frames
            final = full if last else (first + count) * hop_length  # later frames start here
            upto = min(final, end)
            if upto > done:
                denominator.divide(acc[done - base:upto - base], res[done - start:upto - start],
                                   done, tiny)
                done = upto
            if not last:  # keep the tail the next frames add to
                shift = final - base
                tail = acc[shift:shift + n_fft].copy()
                acc[:] = 0.0
                acc[:n_fft] = tail
                base = final
        res[max(done, start) - start:] = 0  # past the last frame (a longer `length`)
    return out.reshape(*lead, out_len) if result is None else result


class WindowSumSquare:
    """The inverse STFT's denominator ``Σ_t w[j − t h]²`` at any signal
    position ``j`` (docs/maths/features.md §1), bit for bit the
    signal-length sum :func:`_window_sumsquare`.

    When the hop divides the window and there are at least ``q = N / h``
    frames, the middle (every frame overlapping) is the ``h``-periodic
    pattern and the first and last ``q − 1`` hops are those of the sum over
    ``q`` frames: nothing of the signal's length is stored. Otherwise (a
    hop not dividing the window, very short signals) the whole sum is
    formed once."""

    def __init__(self, window: np.ndarray, n_frames: int, hop_length: int) -> None:
        n_fft = len(window)
        self.hop, self.n_frames = hop_length, n_frames
        self.full = n_fft + hop_length * (n_frames - 1)
        q = n_fft // hop_length if n_fft % hop_length == 0 else 0
        self.whole: Optional[np.ndarray] = None
        if q and n_frames >= q:
            pattern = np.zeros(hop_length)
            for part in (window * window).reshape(q, hop_length):
                pattern += part   # the overlap-add's order of additions
            if np.all(pattern > np.finfo(np.float64).tiny):
                self.q, self.pattern = q, pattern
                self.small = _window_sumsquare(window, q, hop_length, n_fft + hop_length * (q - 1))
                self._tiles: dict[int, np.ndarray] = {}
                return
        self.whole = _window_sumsquare(window, n_frames, hop_length, self.full)

    def _edges(self, a: int, b: int) -> np.ndarray:
        """The denominator at positions ``a .. b-1`` outside the middle."""
        if self.whole is not None:
            wss = np.zeros(b - a)
            part = self.whole[a:b]
            wss[:len(part)] = part
            return wss
        x = np.arange(a, b)
        wss = np.zeros(b - a)
        head = x < (self.q - 1) * self.hop
        tail = (x >= self.n_frames * self.hop) & (x < self.full)
        wss[head] = self.small[x[head]]
        wss[tail] = self.small[x[tail] - (self.n_frames - self.q) * self.hop]
        return wss

    def divide(self, seg: np.ndarray, res: np.ndarray, position: int, tiny: float) -> None:
        """``res = seg / wss`` where ``wss > tiny``, else ``seg`` (cast to
        res' dtype), for ``seg`` holding signal positions ``position ..``."""
        a, b = position, position + len(seg)
        lo, hi = a, a   # the middle part of [a, b)
        if self.whole is None:
            lo = min(max(a, (self.q - 1) * self.hop), b)
            hi = max(min(b, self.n_frames * self.hop), lo)
        for u, v in ((a, lo), (hi, b)):
            if v > u:
                wss = self._edges(u, v)
                nonzero = wss > tiny
                with np.errstate(divide="ignore", invalid="ignore"):  # the masked-out lanes
                    np.divide(seg[u - a:v - a], wss, out=res[u - a:v - a], where=nonzero,
                              casting="unsafe")
                np.copyto(res[u - a:v - a], seg[u - a:v - a], where=~nonzero, casting="unsafe")
        if hi > lo:
            phase = lo % self.hop
            tiled = self._tiles.get(phase)
            if tiled is None:
                tiled = self._tiles[phase] = np.tile(np.roll(self.pattern, -phase), 64)
            for u in range(lo, hi, len(tiled)):
                v = min(hi, u + len(tiled))
                np.divide(seg[u - a:v - a], tiled[:v - u], out=res[u - a:v - a], casting="unsafe")


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
