"""Reading and writing sound files with clear errors and atomic outputs."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Union

import numpy as np
import soundfile as sf

from rtaudio.atomicfile import atomic_path
from rtaudio.errors import RtaudioError

PathLike = Union[str, Path]


def open_input(path: PathLike) -> sf.SoundFile:
    """Open a sound file for reading, or raise ``RtaudioError`` naming the problem."""
    path = Path(path)
    if not path.exists():
        raise RtaudioError(f"input file not found: {path}")
    if path.is_dir():
        raise RtaudioError(f"input is a directory, not a sound file: {path}")
    try:
        handle = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise RtaudioError(f"cannot read {path} as audio: {_reason(exc)}") from None
    if handle.frames == 0:
        handle.close()
        raise RtaudioError(f"input file has no audio frames: {path}")
    return handle


def read_audio(path: PathLike) -> tuple[np.ndarray, int]:
    """Read a whole file as float32 ``(frames, channels)`` plus its sample rate."""
    with open_input(path) as handle:
        try:
            data = handle.read(dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise RtaudioError(f"cannot decode {path}: {_reason(exc)}") from None
        return data, handle.samplerate


def output_subtype(out_path: PathLike, like: Optional[sf.SoundFile] = None) -> Optional[str]:
    """Subtype for an output file: the input's when the container is the same
    and supports it, otherwise the container's default."""
    fmt = _format_for(out_path)
    if like is not None and like.format == fmt and sf.check_format(fmt, like.subtype):
        return like.subtype
    return None


def _format_for(path: PathLike) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    formats = {name.lower(): name for name in sf.available_formats()}
    aliases = {"aif": "AIFF", "aiff": "AIFF", "oga": "OGG", "ogg": "OGG"}
    fmt = aliases.get(suffix) or formats.get(suffix)
    if fmt is None:
        raise RtaudioError(f"cannot tell the audio format of {path} from its extension "
                           f"(use e.g. .wav, .flac, .ogg, .aiff)")
    return fmt


@contextmanager
def atomic_output(out_path: PathLike, sample_rate: int, channels: int,
                  subtype: Optional[str] = None) -> Iterator[sf.SoundFile]:
    """Write a sound file under a temporary name and rename it when done.

    If the block inside raises (or is interrupted), the temporary file is
    removed and ``out_path`` is left untouched: no half-written output.
    The same audio always gives the same bytes (float files carry no
    time-stamped PEAK chunk).
    """
    fmt = _format_for(out_path)
    with atomic_path(out_path) as tmp:
        try:
            handle = sf.SoundFile(str(tmp), "w", samplerate=int(sample_rate), channels=channels,
                                  format=fmt, subtype=subtype)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise RtaudioError(f"cannot write {out_path}: {_reason(exc)}") from None
        _without_peak_chunk(handle)
        with handle:
            yield handle


#: libsndfile command: write a PEAK chunk in float WAV/AIFF files (or not)
_SFC_SET_ADD_PEAK_CHUNK = 0x1050


def _without_peak_chunk(handle: sf.SoundFile) -> None:
    """No PEAK chunk in float files: libsndfile stamps it with the wall-clock
    time, so the same render written twice would differ byte for byte
    (docs/batch.md §3). Must be called before any frame is written."""
    snd, ffi = getattr(sf, "_snd", None), getattr(sf, "_ffi", None)
    if snd is not None and ffi is not None and hasattr(handle, "_file"):
        snd.sf_command(handle._file, _SFC_SET_ADD_PEAK_CHUNK, ffi.NULL, 0)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text.replace("Error opening", "").strip(" :")
