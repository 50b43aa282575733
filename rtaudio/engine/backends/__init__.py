"""Audio backends of the Engine: sounddevice (default), PyAudio, virtual.

A backend first ``resolve``s the device for the requested settings (a
``DeviceChoice``: channel counts the stream will really have), then
``open``s a stream around either the native C callback (``NativeEngine``)
or the Python callback (``PythonCallback``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

BACKEND_NAMES = ("sounddevice", "pyaudio", "virtual")


@dataclass
class DeviceChoice:
    """The device and stream layout a backend resolved."""

    name: str
    samplerate: float
    blocksize: int
    channels: int          #: channels the chain processes
    in_channels: int       #: stream input channels (0: output only)
    out_channels: int      #: stream output channels
    input_index: Optional[int] = None
    output_index: Optional[int] = None
    extra: dict[str, Any] = field(default_factory=dict)


def make_backend(name: str, **options: Any):
    """The backend object called ``name`` (options go to its constructor)."""
    if name == "sounddevice":
        from rtaudio.engine.backends.sounddevice_backend import SoundDeviceBackend
        return SoundDeviceBackend(**options)
    if name == "pyaudio":
        from rtaudio.engine.backends.pyaudio_backend import PyAudioBackend
        return PyAudioBackend(**options)
    if name == "virtual":
        from rtaudio.engine.backends.virtual import VirtualBackend
        return VirtualBackend(**options)
    raise ValueError(f"backend = {name!r} is not valid: expected one of "
                     f"{', '.join(map(repr, BACKEND_NAMES))}")
