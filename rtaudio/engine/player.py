"""A sound file as the input of a live stream (``--play FILE``).

The device opens an output-only stream. In native mode its callback is the
C function ``rtd_player_callback`` (native/engine/player.c), which feeds the
next frames of the preloaded file to ``rtd_engine_callback`` as if they
were the device's input; in Python mode ``fill`` does the same from the
Python callback. Past the end of the file the input is silence (or the
file starts again with ``loop``) and ``finished`` becomes true.
"""
from __future__ import annotations

from pathlib import Path
from typing import Union

import numpy as np

from rtaudio._native import ffi, lib
from rtaudio.errors import RtaudioError


def load_play_file(path: Union[str, Path], samplerate: float) -> np.ndarray:
    """The whole file as float32 ``(frames, channels)``; its rate must be ``samplerate``."""
    from rtaudio.audiofile import read_audio
    data, rate = read_audio(path)
    if rate != samplerate:
        raise RtaudioError(f"{path} is {rate} Hz but the stream runs at {samplerate:g} Hz; "
                           f"use --samplerate {rate}")
    if len(data) == 0:
        raise RtaudioError(f"{path} has no audio frames")
    return np.ascontiguousarray(data, dtype=np.float32)


class FilePlayer:
    """The C struct ``rtd_player`` and the arrays it points to.

    Parameters
    ----------
    data : numpy.ndarray
        float32 ``(frames, channels)`` audio, kept alive by this object.
    loop : bool
        Start again at the end instead of playing silence.
    max_frames : int
        Largest number of frames one callback asks for.
    out_channels : int
        Output channels of the stream (to step through its buffer).
    """

    def __init__(self, data: np.ndarray, loop: bool, max_frames: int, out_channels: int) -> None:
        self.data = np.ascontiguousarray(data, dtype=np.float32)
        self.channels = self.data.shape[1]
        self.scratch = np.zeros((max(1, int(max_frames)), self.channels), dtype=np.float32)
        p = ffi.new("rtd_player *")
        p.data = ffi.cast("float *", ffi.from_buffer(self.data))
        p.frames = len(self.data)
        p.channels = self.channels
        p.out_channels = int(out_channels)
        p.loop = int(bool(loop))
        p.max_frames = len(self.scratch)
        p.scratch = ffi.cast("float *", ffi.from_buffer(self.scratch))
        p.pos = 0
        p.finished = 0
        self.cdata = p
        self._scratch_pointer = p.scratch

    def attach(self, callback_pointer, userdata) -> None:
        """Chain the engine's C callback behind the player (native mode)."""
        self.cdata.inner = callback_pointer
        self.cdata.inner_userdata = userdata

    @property
    def callback_pointer(self):
        """``rtd_player_callback``, the stream callback of native mode."""
        return ffi.addressof(lib, "rtd_player_callback")

    @property
    def finished(self) -> bool:
        """True once playback passed the end of the file (never with ``loop``)."""
        return bool(self.cdata.finished)

    @property
    def position_frames(self) -> int:
        """The next frame of the file to be played."""
        return int(self.cdata.pos)

    def fill(self, frames: int) -> np.ndarray:
        """The next ``frames`` of input (Python mode): a view of the scratch block."""
        frames = min(int(frames), len(self.scratch))
        lib.rtd_player_fill(self.cdata, self._scratch_pointer, frames)
        return self.scratch[:frames]
