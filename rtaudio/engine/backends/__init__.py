"""Audio backends of the Engine: sounddevice (default), PyAudio, virtual,
and rtaudio's own JACK client (``jack``, used by ``reconnect=True``).

A backend first ``resolve``s the device for the requested settings (a
``DeviceChoice``: channel counts the stream will really have), then
``open``s a stream around either the native C callback (``NativeEngine``)
or the Python callback (``PythonCallback``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

BACKEND_NAMES = ("sounddevice", "pyaudio", "virtual", "jack")
#: seconds a stream may take to stop before it is abandoned
STOP_TIMEOUT_S = 3.0


def shut_down_within(shut: Callable[[], None], name: str,
                     timeout_s: float = STOP_TIMEOUT_S) -> Optional[str]:
    """Run ``shut`` (stop and close a stream) in a daemon thread and wait at
    most ``timeout_s``; returns an error message naming device ``name`` if
    it did not finish (PortAudio wedged), else None."""
    worker = threading.Thread(target=shut, name="rtaudio-close", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        return f"device {name!r} did not stop within {timeout_s:g} s; abandoned it"
    return None


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
    if name == "jack":
        from rtaudio.engine.backends.jack_backend import JackBackend
        return JackBackend(**options)
    if name == "virtual":
        from rtaudio.engine.backends.virtual import VirtualBackend
        return VirtualBackend(**options)
    raise ValueError(f"backend = {name!r} is not valid: expected one of "
                     f"{', '.join(map(repr, BACKEND_NAMES))}")
