"""Spectrogram images: resampling, colormaps, chunked files, atomic writes.

The maths (STFT, mel, dB) is :mod:`rtaudio.analysis.spectrogram`; this module turns
a dB spectrogram into an RGB image (low frequencies at the bottom) and
sound files into PNG/JPEG files.

Resampling to exactly ``width x height`` pixels uses, per axis, an
area-averaging (box) filter when shrinking -- every input cell contributes
in proportion to its overlap with the output pixel, which is the
anti-aliasing filter for a piecewise-constant image -- and linear
interpolation between cell centres when enlarging. Colormaps are
matplotlib's tables (``rtaudio[report]`` extra); PNG files are encoded
here (zlib), JPEG files with Pillow (a matplotlib dependency).

Long files: for a bare image of fixed width, the mel spectrogram is
computed chunk by chunk (with the frame overlap carried between chunks)
and reduced to the output width as it goes, so memory depends on the
image size, not the file length. ``top_db`` needs the global maximum, so
when the spectrogram does not fit in ``memory_budget_bytes`` the file is
read twice (pass 1 finds the maximum, pass 2 reduces). The result equals
the one-shot ``render_image(power_to_db(melspectrogram(y)), ...)``.
"""
from __future__ import annotations

import functools
import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import numpy as np

from rtaudio.analysis import spectrogram as sp
from rtaudio.analysis.settings import SpectrogramSettings, check_size_px
from rtaudio.atomicfile import atomic_path
from rtaudio.errors import RtaudioError

__all__ = ["FORMATS", "SpectrogramSettings", "colormap_lut", "file_db_image", "image_format_for",
           "png_bytes", "render_image", "render_rgb", "resample_matrix", "save_spectrogram",
           "write_image"]

PathLike = Union[str, Path]

#: image format name -> (Pillow format, file suffixes)
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "png": ("PNG", (".png",)),
    "jpg": ("JPEG", (".jpg", ".jpeg")),
}

#: PNG zlib level: 1 encodes ~4x faster than 6; spectrogram images
#: (noise-like texture) are only ~8% larger.
PNG_COMPRESS_LEVEL = 1
JPEG_QUALITY = 95
#: Keep the whole (reduced-rows) dB spectrogram in memory up to this size;
#: longer files take the two-pass chunked route.
MEMORY_BUDGET_BYTES = 64 * 2**20
#: Columns of the dB image drawn by ``axes=True`` when the file has more frames.
AXES_MAX_COLUMNS = 4096
_EXTRA_HINT = "install the report extra: pip install 'rtaudio[report]'"


# --------------------------------------------------------------------------
# colormaps

def colormap_lut(name: str) -> np.ndarray:
    """RGB lookup table of a matplotlib colormap, ``(N, 3)`` uint8.

    Entry ``i`` is ``matplotlib.colormaps[name](i, bytes=True)[:3]``; a value
    ``t`` in [0, 1] maps to entry ``min(int(t N), N - 1)``, as matplotlib does.
    The common colormaps come from stored copies of those tables
    (:mod:`rtaudio.analysis.colormap_data`), the others from matplotlib.

    Raises
    ------
    RtaudioError
        matplotlib is missing (names the extra to install).
    ValueError
        Unknown colormap name.
    """
    from rtaudio.analysis.colormap_data import LUTS_BASE64
    if name in LUTS_BASE64:  # stored copies of common ones: no matplotlib import at start-up
        import base64
        raw = base64.b64decode("".join(LUTS_BASE64[name]))
        return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).copy()
    try:
        import matplotlib
    except ImportError:
        raise RtaudioError(f"spectrogram images need matplotlib for colormaps; {_EXTRA_HINT}") from None
    try:
        cmap = matplotlib.colormaps[name]
    except (KeyError, ValueError):
        common = "viridis, magma, inferno, plasma, cividis, gray, gray_r, turbo"
        raise ValueError(f"colormap={name!r} is unknown (valid: any matplotlib colormap, "
                         f"e.g. {common})") from None
    return np.ascontiguousarray(cmap(np.arange(cmap.N), bytes=True)[:, :3])


# --------------------------------------------------------------------------
# resampling

def resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Weights ``(n_out, n_in)`` that resample one axis of an image.

    Output pixel ``j`` covers input coordinates ``[j s, (j+1) s)`` with
    ``s = n_in / n_out``. Shrinking (``s > 1``): weight = overlap of that
    interval with input cell ``[i, i+1)``, divided by ``s`` (area average).
    Enlarging (``s <= 1``): linear interpolation at the pixel centre
    ``x = (j + 0.5) s - 0.5``, clamped to ``[0, n_in - 1]``. Rows sum to 1.
    """
    if n_in < 1 or n_out < 1:
        raise ValueError(f"resample sizes must be >= 1, got n_in={n_in}, n_out={n_out}")
    weights = np.zeros((n_out, n_in), dtype=np.float64)
    j = np.arange(n_out)
    if n_out < n_in:
        lo = j * n_in / n_out
        hi = (j + 1) * n_in / n_out
        cells = np.arange(n_in)
        overlap = np.minimum(hi[:, None], cells[None, :] + 1.0) - np.maximum(lo[:, None], cells[None, :])
        weights = np.maximum(overlap, 0.0) * (n_out / n_in)
    else:
        x = np.clip((j + 0.5) * n_in / n_out - 0.5, 0.0, n_in - 1.0)
        left = np.minimum(np.floor(x).astype(np.int64), n_in - 1)
        frac = x - left
        right = np.minimum(left + 1, n_in - 1)
        weights[j, left] += 1.0 - frac
        weights[j, right] += frac
    return weights


class _AreaReducer:
    """Area-average ``n_in`` columns down to ``n_out`` (``n_out < n_in``),
    fed progressively with blocks of columns in order.

    The integral of the piecewise-constant input over each output interval
    is built from the running sum (``cumsum``) of each block plus the
    fractional cells at the interval edges; memory is ``rows x n_out``.
    """

    def __init__(self, rows: int, n_in: int, n_out: int) -> None:
        self.rows, self.n_in, self.n_out = rows, n_in, n_out
        self.acc = np.zeros((rows, n_out), dtype=np.float64)
        self.pos = 0

    def add(self, block: np.ndarray) -> None:
        count = block.shape[1]
        a, b = self.pos, self.pos + count
        if b > self.n_in:
            raise ValueError(f"reducer fed {b} columns, expected {self.n_in}")
        j0 = (a * self.n_out) // self.n_in
        j1 = min(self.n_out - 1, -((-b * self.n_out) // self.n_in) - 1)
        edges = np.arange(j0, j1 + 2) * self.n_in / self.n_out
        local = np.clip(edges, a, b) - a
        cum = np.zeros((self.rows, count + 1), dtype=np.float64)
        np.cumsum(block, axis=1, out=cum[:, 1:])
        cell = np.minimum(np.floor(local).astype(np.int64), count - 1)
        frac = local - cell
        integral = cum[:, cell] + frac * block[:, cell]
        self.acc[:, j0:j1 + 1] += np.diff(integral, axis=1)
        self.pos = b

    def result(self) -> np.ndarray:
        if self.pos != self.n_in:
            raise ValueError(f"reducer got {self.pos} of {self.n_in} columns")
        return self.acc * (self.n_out / self.n_in)


def _reduce_time(blocks: Iterator[np.ndarray], rows: int, n_in: int,
                 width: Optional[int]) -> np.ndarray:
    """Resample a stream of column blocks (``CHUNK_FRAMES`` grid) to ``width`` columns."""
    if width is None or width >= n_in:
        full = np.concatenate(list(blocks), axis=1)
        if width is None or width == n_in:
            return full
        return full @ resample_matrix(n_in, width).T
    reducer = _AreaReducer(rows, n_in, width)
    for block in blocks:
        reducer.add(block)
    return reducer.result()


def _blocks_of(array: np.ndarray) -> Iterator[np.ndarray]:
    for first in range(0, array.shape[1], sp.CHUNK_FRAMES):
        yield array[:, first:first + sp.CHUNK_FRAMES]


def render_rgb(D: np.ndarray, lut: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """Colour an already resampled dB array (row 0 = lowest frequency) into an
    RGB uint8 image with the lowest frequency in the bottom row."""
    n = len(lut)
    span = vmax - vmin
    if span > 0:
        t = (D - vmin) * (1.0 / span)
    else:
        t = np.zeros_like(D)
    t *= n
    np.clip(t, 0, n - 1, out=t)  # also maps NaN-free out-of-range values to the ends
    index = t[::-1].astype(np.intp)
    return np.take(lut, index, axis=0)


def render_image(S_db: np.ndarray, colormap: str = "magma", width: Optional[int] = None,
                 height: Optional[int] = None, vmin: Optional[float] = None,
                 vmax: Optional[float] = None, top_db: Optional[float] = None) -> np.ndarray:
    """Render a dB spectrogram as an RGB image, low frequencies at the bottom.

    The ``(rows, frames)`` array is resampled to ``height x width`` pixels
    (area average when shrinking, linear interpolation when enlarging, per
    axis; see :func:`resample_matrix`), mapped linearly from
    ``[vmin, vmax]`` to the colormap (values outside are clipped) and
    flipped so row 0 of ``S_db`` (lowest frequency) is the bottom row.

    Parameters
    ----------
    S_db : numpy.ndarray
        Spectrogram in dB, shape ``(rows, frames)``, row 0 = lowest frequency
        (e.g. ``power_to_db(melspectrogram(y, sr))``).
    colormap : str
        matplotlib colormap name (``magma``, ``viridis``, ``gray``, ...).
    width, height : int, optional
        Output size in pixels; default the input's ``frames`` and ``rows``.
    vmin, vmax : float, optional
        dB values mapped to the first and last colour; default the maximum of
        ``S_db`` for ``vmax`` and its minimum for ``vmin``.
    top_db : float, optional
        If given (and ``vmin`` is not), ``vmin = vmax - top_db``.

    Returns
    -------
    numpy.ndarray
        uint8, shape ``(height, width, 3)``.
    """
    S_db = np.asarray(S_db, dtype=np.float64)
    if S_db.ndim != 2 or S_db.size == 0:
        raise ValueError(f"S_db must be a non-empty 2-D array (rows, frames), got shape {S_db.shape}")
    if not np.all(np.isfinite(S_db)):
        raise ValueError("S_db contains NaN or inf; use power_to_db (it clamps with amin)")
    width, height = check_size_px("width", width), check_size_px("height", height)
    lut = colormap_lut(colormap)
    vmax = float(S_db.max()) if vmax is None else float(vmax)
    if vmin is None:
        vmin = vmax - float(top_db) if top_db is not None else float(S_db.min())
    rows, frames = S_db.shape
    reduced = _reduce_time(_blocks_of(S_db), rows, frames, width)
    return render_rgb(_resample_rows(reduced, height), lut, float(vmin), vmax)


def _resample_rows(D: np.ndarray, height: Optional[int]) -> np.ndarray:
    rows = D.shape[0]
    if height is None or height == rows:
        return D
    if height < rows:
        return resample_matrix(rows, height) @ D
    # enlarging: the two-tap linear interpolation of resample_matrix, gathered
    j = np.arange(height)
    x = np.clip((j + 0.5) * rows / height - 0.5, 0.0, rows - 1.0)
    left = np.minimum(np.floor(x).astype(np.int64), rows - 1)
    right = np.minimum(left + 1, rows - 1)
    frac = (x - left)[:, None]
    return D[left] * (1.0 - frac) + D[right] * frac


# --------------------------------------------------------------------------
# writing

def write_image(rgb: np.ndarray, out_path: PathLike, image_format: Optional[str] = None,
                overwrite: bool = False) -> Path:
    """Write an RGB uint8 image atomically (temporary name, then ``os.replace``).

    Parameters
    ----------
    rgb : numpy.ndarray
        uint8 ``(height, width, 3)``.
    out_path : str or Path
        Destination; its folder must exist.
    image_format : {"png", "jpg"}, optional
        Default from the suffix of ``out_path``.
    overwrite : bool
        Replace an existing file (otherwise ``RtaudioError``).
    """
    out_path = Path(out_path)
    fmt = image_format_for(out_path, image_format)
    _check_destination(out_path, overwrite)
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must have shape (height, width, 3), got {rgb.shape}")
    if fmt == "png":
        data = png_bytes(rgb)
        with atomic_path(out_path) as tmp:
            tmp.write_bytes(data)
        return out_path
    try:
        from PIL import Image
    except ImportError:
        raise RtaudioError(f"writing JPEG images needs Pillow; {_EXTRA_HINT}") from None
    with atomic_path(out_path) as tmp:
        Image.fromarray(rgb, mode="RGB").save(tmp, format=FORMATS[fmt][0], quality=JPEG_QUALITY)
    return out_path


def png_bytes(rgb: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """Encode an RGB uint8 ``(height, width, 3)`` image as a PNG file (8-bit
    truecolour, scanline filter 0, zlib at ``compress_level``).

    Kept instead of Pillow because it is measurably better on spectrogram
    images: Pillow's PNG writer (``compress_level=1``; its per-row adaptive
    filtering cannot be turned off) took 2.0-3.0 times as long on 2000 x 512
    and 4096 x 1024 spectrograms and wrote files 15-29 % larger
    (``benchmarks/bench_png.py``, docs/architecture.md §Hand-written code).
    Decoded by Pillow and matplotlib in the tests.
    """
    height, width, _ = rgb.shape
    raw = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    raw[:, 0] = 0  # filter type "None" for every scanline
    raw[:, 1:] = rgb.reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", header),
                     _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), compress_level)),
                     _png_chunk(b"IEND", b"")])


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def image_format_for(out_path: PathLike, image_format: Optional[str] = None) -> str:
    """The image format (``"png"``/``"jpg"``) for ``out_path``, checking that an
    explicit ``image_format`` agrees with the suffix."""
    suffix = Path(out_path).suffix.lower()
    by_suffix = next((name for name, (_, sfx) in FORMATS.items() if suffix in sfx), None)
    if image_format is not None:
        image_format = image_format.lower().replace("jpeg", "jpg")
        if image_format not in FORMATS:
            raise ValueError(f"image_format={image_format!r} is unknown (valid: png, jpg)")
        if suffix and by_suffix != image_format:
            raise ValueError(f"output {out_path} has suffix {suffix!r} but the format is "
                             f"{image_format} (use a {FORMATS[image_format][1][0]} file name)")
        return image_format
    if by_suffix is None:
        raise ValueError(f"cannot tell the image format of {out_path} from its suffix "
                         f"(use .png, .jpg or .jpeg)")
    return by_suffix


def _check_destination(out_path: Path, overwrite: bool) -> None:
    if out_path.exists() and not overwrite:
        raise RtaudioError(f"output exists (use --overwrite): {out_path}")
    if not out_path.parent.is_dir():
        raise RtaudioError(f"output directory does not exist: {out_path.parent}")


# --------------------------------------------------------------------------
# files

@dataclass
class _Plan:
    """Per-file derived quantities."""

    sample_rate: int
    n_samples: int
    n_frames: int
    fmax: float
    basis: Optional[np.ndarray]   # mel basis, or None for linear
    bins: slice                   # FFT bins kept for the linear scale
    nonfinite: int = 0            # NaN/inf input samples replaced by 0.0 (docs/maths/conventions.md §0.5)


@functools.lru_cache(maxsize=8)
def _mel_weights_cached(sample_rate: float, n_fft: int, n_mels: int, fmin: float,
                        fmax: float) -> tuple[np.ndarray, int]:
    sp._check_mel(sample_rate, n_mels, fmin, fmax)
    weights, empty = sp._mel_weights(sample_rate, n_fft, n_mels, fmin, fmax)
    weights.setflags(write=False)
    return weights, empty


def _plan(settings: SpectrogramSettings, sample_rate: int, n_samples: int) -> _Plan:
    nyquist = sample_rate / 2.0
    fmax = nyquist if settings.fmax_hz is None else float(settings.fmax_hz)
    if not settings.fmin_hz < fmax:
        raise ValueError(f"f_min={settings.fmin_hz:g} Hz must be below f_max={fmax:g} Hz")
    if fmax > nyquist:
        raise ValueError(f"f_max={fmax:g} Hz is above the Nyquist frequency {nyquist:g} Hz "
                         f"of this {sample_rate} Hz file")
    if n_samples < settings.n_fft:
        raise ValueError(f"too short: {n_samples} samples is less than one analysis window "
                         f"(n_fft={settings.n_fft}); use a smaller --n-fft")
    n_frames = sp.frame_count(n_samples, settings.n_fft, settings.hop_length, True)
    basis, bins = None, slice(None)
    if settings.scale == "mel":
        basis, empty = _mel_weights_cached(float(sample_rate), settings.n_fft, settings.n_mels,
                                           settings.fmin_hz, fmax)
        if empty:
            raise ValueError(f"n_mels={settings.n_mels} is too large for n_fft={settings.n_fft} at "
                             f"{sample_rate} Hz ({empty} mel bands contain no FFT bin); "
                             f"use fewer mels or a larger n_fft")
    else:
        freqs = sp.fft_frequencies(sample_rate, settings.n_fft)
        keep = np.nonzero((freqs >= settings.fmin_hz) & (freqs <= fmax))[0]
        if len(keep) < 1:
            raise ValueError(f"no FFT bin between f_min={settings.fmin_hz:g} Hz and f_max={fmax:g} Hz "
                             f"with n_fft={settings.n_fft}")
        bins = slice(int(keep[0]), int(keep[-1]) + 1)
    return _Plan(sample_rate, n_samples, n_frames, fmax, basis, bins)


def _padded_chunks(source: Any, plan: _Plan, settings: SpectrogramSettings,
                   count_nonfinite: bool = True) -> Iterator[tuple[int, np.ndarray, int]]:
    """Read a sound file sequentially and yield ``(first_frame, padded, count)``
    for the ``CHUNK_FRAMES`` grid: ``padded`` holds exactly the samples of the
    centre-padded mono signal that frames ``first .. first+count-1`` need."""
    import soundfile as sf
    n_fft, hop = settings.n_fft, settings.hop_length
    pad = n_fft // 2
    source.seek(0)
    buf = np.zeros(pad, dtype=np.float64)   # padded samples from index buf_start
    buf_start = 0
    file_done = False
    for first in range(0, plan.n_frames, sp.CHUNK_FRAMES):
        count = min(sp.CHUNK_FRAMES, plan.n_frames - first)
        start = first * hop
        end = start + (count - 1) * hop + n_fft
        while buf_start + len(buf) < end:
            if file_done:
                buf = np.concatenate([buf, np.zeros(end - buf_start - len(buf))])
                break
            want = max(end - buf_start - len(buf), 65536)
            try:
                data = source.read(want, dtype="float64", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise RtaudioError(f"cannot decode {source.name}: {exc}") from None
            if len(data) < want:
                file_done = True
            mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1)
            finite = np.isfinite(mono)
            if not finite.all():  # as the processors do (docs/maths/conventions.md §0.5): replace by 0.0, count
                mono = np.where(finite, mono, 0.0)
                if count_nonfinite:
                    plan.nonfinite += int(np.count_nonzero(~finite))
            buf = np.concatenate([buf, mono])
        yield first, buf[start - buf_start:end - buf_start], count
        next_start = start + count * hop
        if next_start > buf_start:
            buf = buf[next_start - buf_start:]
            buf_start = next_start


def _value_chunks(source: Any, plan: _Plan, settings: SpectrogramSettings,
                  first_pass: bool = True) -> Iterator[np.ndarray]:
    """Power blocks ``(rows, frames)``: mel (``basis @ |X|^2``) or linear bins."""
    window = sp.hann_window(settings.n_fft)
    for first, padded, count in _padded_chunks(source, plan, settings, count_nonfinite=first_pass):
        for block in sp.iter_mel_chunks(padded, count, plan.basis, n_fft=settings.n_fft,
                                        hop_length=settings.hop_length, window=window,
                                        power=2.0, first_frame=first):
            yield block if plan.basis is not None else block[plan.bins]


def _db_blocks(blocks: Iterator[np.ndarray], top: float, top_db: Optional[float]) -> Iterator[np.ndarray]:
    # power_to_db (docs/maths/spectrogram.md §6.3) block by block, with the global maximum known
    ref_db = 10.0 * np.log10(np.maximum(1e-10, 1.0))
    for block in blocks:
        log_spec = 10.0 * np.log10(np.maximum(1e-10, block))
        log_spec -= ref_db
        if top_db is not None:
            log_spec = np.maximum(log_spec, top - top_db)
        yield log_spec


def file_db_image(in_path: PathLike, settings: SpectrogramSettings, width: Optional[int],
                  memory_budget_bytes: int = MEMORY_BUDGET_BYTES, shrink_only: bool = False) -> tuple[np.ndarray, float, float, _Plan]:
    """dB spectrogram of a file, resampled in time to ``width`` columns.

    Returns ``(D, vmin, vmax, plan)`` where ``D`` has shape ``(rows,
    width or n_frames)`` (row 0 = lowest frequency), ``vmin``/``vmax`` are
    the minimum/maximum of the full-resolution dB spectrogram (after
    ``top_db``). Equals resampling ``power_to_db(melspectrogram(y))`` with
    :func:`render_image`'s time filter, ``y`` the file mixed to mono.
    With ``shrink_only`` a ``width`` above the frame count keeps the frames.
    """
    from rtaudio.audiofile import open_input
    with open_input(in_path) as source:
        plan = _plan(settings, source.samplerate, source.frames)
        if shrink_only and width is not None and width >= plan.n_frames:
            width = None
        rows = plan.basis.shape[0] if plan.basis is not None else len(range(*plan.bins.indices(settings.n_fft // 2 + 1)))
        # pass 1: global max/min of the power (top_db needs the maximum);
        # keep the blocks if they fit in the budget.
        cached: Optional[list[np.ndarray]] = []
        p_max, p_min, kept = -np.inf, np.inf, 0
        for block in _value_chunks(source, plan, settings):
            p_max, p_min = max(p_max, float(block.max())), min(p_min, float(block.min()))
            if cached is not None:
                kept += block.nbytes
                if kept <= memory_budget_bytes:
                    cached.append(block)
                else:
                    cached = None
        ref_db = 10.0 * np.log10(np.maximum(1e-10, 1.0))
        top = float(10.0 * np.log10(np.maximum(1e-10, p_max)) - ref_db)
        low = float(10.0 * np.log10(np.maximum(1e-10, p_min)) - ref_db)
        if settings.top_db is not None:
            low = max(low, top - settings.top_db)
        blocks = iter(cached) if cached is not None else _value_chunks(source, plan, settings, False)
        D = _reduce_time(_db_blocks(blocks, top, settings.top_db), rows, plan.n_frames, width)
    return D, low, top, plan


def _axes_figure(D: np.ndarray, vmin: float, vmax: float, plan: _Plan,
                 settings: SpectrogramSettings) -> Any:
    """A labelled matplotlib Figure: time in s, frequency in Hz (mel-spaced
    for the mel scale), colour bar in dB."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import FixedLocator, FuncFormatter
    except ImportError:
        raise RtaudioError(f"--axes needs matplotlib; {_EXTRA_HINT}") from None
    dpi = 100
    size = ((settings.width_px or 1000) / dpi, (settings.height_px or 400) / dpi)
    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    frame_s = settings.hop_length / plan.sample_rate
    n_cols = D.shape[1]
    t0, t1 = -0.5 * frame_s, (plan.n_frames - 0.5) * frame_s
    if plan.basis is not None:
        lo_mel, hi_mel = float(sp.hz_to_mel(settings.fmin_hz)), float(sp.hz_to_mel(plan.fmax))
        step = (hi_mel - lo_mel) / (settings.n_mels + 1)
        y0, y1 = lo_mel + 0.5 * step, hi_mel - 0.5 * step   # band centres at lo + (i+1) step
        nice = [f for f in (0, 128, 256, 512, 1000, 2000, 4000, 8000, 16000, 32000, 64000)
                if settings.fmin_hz <= f <= plan.fmax]
        ax.yaxis.set_major_locator(FixedLocator([float(sp.hz_to_mel(f)) for f in nice]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda m, _: _hz_label(float(sp.mel_to_hz(m)))))
        ax.set_ylabel("frequency (Hz, mel scale)")
    else:
        freqs = sp.fft_frequencies(plan.sample_rate, settings.n_fft)[plan.bins]
        df = plan.sample_rate / settings.n_fft
        y0, y1 = freqs[0] - 0.5 * df, freqs[-1] + 0.5 * df
        ax.yaxis.set_major_formatter(FuncFormatter(lambda f, _: _hz_label(f)))
        ax.set_ylabel("frequency (Hz)")
    image = ax.imshow(D, origin="lower", aspect="auto", cmap=settings.colormap, vmin=vmin,
                      vmax=vmax, extent=(t0, t1, y0, y1), interpolation="antialiased")
    ax.set_ylim(y0, y1)
    ax.set_xlabel("time (s)")
    colorbar = fig.colorbar(image, ax=ax, format="%+.0f dB")
    colorbar.set_label("level (dB)")
    if n_cols < plan.n_frames:
        ax.set_title(f"{plan.n_frames} frames shown as {n_cols} columns", fontsize="small")
    return fig


def _hz_label(f: float) -> str:
    return f"{f / 1000:g}k" if f >= 1000 else f"{f:.0f}"


def n_fft_for_mels(sample_rate: float, n_mels: int, fmin: float = 0.0, fmax: Optional[float] = None,
                   base: int = 2048, largest: int = 65536) -> int:
    """``base`` doubled until each of ``n_mels`` mel bands holds an FFT bin
    (at most ``largest``): 2048 for 128 bands up to 96 kHz, 4096 at 192 kHz.
    What the commands use when no FFT size is given, so high-rate
    recordings get an image instead of an error (docs/maths/spectrogram.md)."""
    n_fft = int(base)
    while n_fft < largest:
        _, empty = _mel_weights_cached(float(sample_rate), n_fft, n_mels, float(fmin),
                                       sample_rate / 2.0 if fmax is None else float(fmax))
        if not empty:
            break
        n_fft *= 2
    return n_fft


def save_spectrogram(in_path: PathLike, out_path: PathLike, *, n_fft: Optional[int] = 2048,
                     hop_length: int = 512, scale: str = "mel", n_mels: int = 128,
                     fmin: float = 0.0, fmax: Optional[float] = None,
                     top_db: Optional[float] = 80.0, colormap: str = "magma",
                     width: Optional[int] = None, height: Optional[int] = None,
                     image_format: Optional[str] = None, axes: bool = False,
                     overwrite: bool = False, lut: Optional[np.ndarray] = None,
                     memory_budget_bytes: int = MEMORY_BUDGET_BYTES) -> dict[str, Any]:
    """Render a sound file's spectrogram to a PNG or JPEG image.

    The file is mixed to mono (mean of the channels); the spectrogram is
    ``power_to_db(melspectrogram(y, sr, n_fft, hop_length, n_mels=n_mels,
    fmin=fmin, fmax=fmax), top_db=top_db)`` for ``scale="mel"`` or
    ``power_to_db(stft_power(y))`` restricted to ``[fmin, fmax]`` for
    ``scale="linear"``, coloured from its minimum to its maximum. Without
    ``axes`` the image is bare and exactly ``width x height`` pixels
    (:func:`render_image`); with ``axes`` it is a matplotlib figure of that
    size with a time axis, a frequency axis in Hz and a colour bar. Long
    files are processed in chunks (see the module docstring). The image is
    written under a temporary name and renamed.

    Parameters
    ----------
    in_path, out_path : str or Path
        Sound file to read; image to write (its folder must exist).
    n_fft, hop_length : int
        STFT size and hop in samples; ``n_fft=None``: 2048, or with
        ``scale="mel"`` the size :func:`n_fft_for_mels` gives at the file's
        rate.
    scale : {"mel", "linear"}
        Frequency axis.
    n_mels : int
        Mel bands (``scale="mel"``).
    fmin, fmax : float
        Frequency range in Hz; ``fmax`` default ``sample_rate / 2``.
    top_db : float or None
        Dynamic range below the maximum, in dB.
    colormap : str
        matplotlib colormap name.
    width, height : int, optional
        Image size in pixels (default one pixel per frame and per band; for
        ``axes``, 1000 x 400).
    image_format : {"png", "jpg"}, optional
        Default from the suffix of ``out_path``.
    axes : bool
        Draw axes and a colour bar.
    overwrite : bool
        Replace an existing ``out_path``; otherwise ``RtaudioError``.
    lut : numpy.ndarray, optional
        Precomputed :func:`colormap_lut` (batch workers skip matplotlib).

    Returns
    -------
    dict
        ``path``, ``sample_rate``, ``duration_s``, ``frames``, ``size``
        (width, height), ``n_fft`` (the size used) and ``nonfinite_count``
        (NaN/inf input samples, replaced by 0.0).

    Raises
    ------
    RtaudioError
        Unreadable/empty/too-short input, bad parameter combination, output
        exists, cannot write.
    """
    out_path = Path(out_path)
    if n_fft is None:
        n_fft = 2048
        if scale == "mel":
            from rtaudio.audiofile import open_input
            with open_input(in_path) as source:
                rate = source.samplerate
            try:
                n_fft = n_fft_for_mels(rate, n_mels, fmin, fmax)
            except ValueError:  # bad fmin/fmax: the settings' check below names it
                pass
    try:
        settings = SpectrogramSettings(
            n_fft=n_fft, hop_length=hop_length, scale=scale, n_mels=n_mels, fmin_hz=float(fmin),
            fmax_hz=None if fmax is None else float(fmax),
            top_db=None if top_db is None else float(top_db), colormap=colormap,
            width_px=width, height_px=height, axes=axes).check()
        fmt = image_format_for(out_path, image_format)
        if lut is None and not axes:
            lut = colormap_lut(colormap)
        elif axes:
            colormap_lut(colormap)
    except ValueError as exc:
        raise RtaudioError(str(exc)) from None
    _check_destination(out_path, overwrite)
    columns = min(settings.width_px or AXES_MAX_COLUMNS, AXES_MAX_COLUMNS) if axes else settings.width_px
    try:
        D, vmin, vmax, plan = file_db_image(in_path, settings, columns, memory_budget_bytes,
                                            shrink_only=axes)
    except ValueError as exc:
        raise RtaudioError(f"{in_path}: {exc}") from None
    if axes:
        fig = _axes_figure(D, vmin, vmax, plan, settings)
        with atomic_path(out_path) as tmp:
            fig.savefig(tmp, format="jpeg" if fmt == "jpg" else fmt, dpi=fig.dpi)
        size = (settings.width_px or 1000, settings.height_px or 400)
    else:
        rgb = render_rgb(_resample_rows(D, settings.height_px), lut, vmin, vmax)
        write_image(rgb, out_path, fmt, overwrite=True)
        size = (rgb.shape[1], rgb.shape[0])
    return {"path": out_path, "sample_rate": plan.sample_rate,
            "duration_s": plan.n_samples / plan.sample_rate, "frames": plan.n_frames, "size": size,
            "n_fft": settings.n_fft, "nonfinite_count": plan.nonfinite}
