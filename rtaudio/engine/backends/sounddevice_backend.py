"""sounddevice (PortAudio) backend.

Native mode opens the stream the python-rtmixer way: sounddevice's
``_StreamBase`` receives the CFFI API-mode function pointer of
``rtd_engine_callback`` as its callback (no Python wrapper) and a pointer
to the Python-allocated ``rtd_engine`` struct as ``userdata``. sounddevice
keeps no reference to the userdata, so ``SoundDeviceStream`` holds the
``NativeEngine`` for the stream's lifetime. Python mode uses an ordinary
``sounddevice.Stream`` with a Python callback.
"""
from __future__ import annotations

import threading
from typing import Any, Optional, Union

from rtaudio.engine.backends import DeviceChoice
from rtaudio.engine.backends.portaudio_exit import install as install_exit_handler
from rtaudio.engine.devices import check_settings, find_device
from rtaudio.errors import RtaudioError

STOP_TIMEOUT_S = 3.0


class SoundDeviceBackend:
    """PortAudio through sounddevice."""

    name = "sounddevice"

    def __init__(self) -> None:
        install_exit_handler()  # no SIGABRT at exit if the JACK server died meanwhile

    def resolve(self, device: Union[int, str, None], samplerate: float, blocksize: int,
                channels: int) -> DeviceChoice:
        """Pick the device and the stream's channel counts (a mono input
        feeds every chain channel; output is limited to what the device has)."""
        info = find_device(device)
        in_channels = min(channels, info.max_input_channels)
        out_channels = min(channels, info.max_output_channels)
        check_settings(info, samplerate, in_channels, out_channels, blocksize)
        return DeviceChoice(name=info.name, samplerate=float(samplerate), blocksize=int(blocksize),
                            channels=int(channels), in_channels=in_channels,
                            out_channels=out_channels, input_index=info.index,
                            output_index=info.index, extra={"describe": info.describe()})

    def open(self, choice: DeviceChoice, native=None, pycallback=None) -> "SoundDeviceStream":
        """Open (not start) a stream around the native or the Python callback."""
        return SoundDeviceStream(choice, native, pycallback)


class SoundDeviceStream:
    """A started/stopped PortAudio stream plus what it must keep alive."""

    def __init__(self, choice: DeviceChoice, native=None, pycallback=None) -> None:
        import sounddevice as sd
        self.choice = choice
        self.native = native          # owns the engine struct userdata points to
        self.pycallback = pycallback
        self.finished = threading.Event()
        kind = "duplex" if choice.in_channels else "output"
        if kind == "duplex":
            common: dict[str, Any] = dict(device=(choice.input_index, choice.output_index),
                                          channels=(choice.in_channels, choice.out_channels))
        else:
            common = dict(device=choice.output_index, channels=choice.out_channels)
        common.update(samplerate=choice.samplerate, blocksize=choice.blocksize, dtype="float32",
                      finished_callback=self.finished.set)
        try:
            if native is not None:
                self.stream = _NativeStream(kind, native, **common)
            else:
                self.stream = sd.Stream(callback=self._py_duplex, **common) if kind == "duplex" \
                    else sd.OutputStream(callback=self._py_output, **common)
        except sd.PortAudioError as exc:
            raise RtaudioError(f"cannot open device {choice.extra.get('describe', choice.name)} with "
                               f"samplerate={choice.samplerate:g} Hz, blocksize={choice.blocksize}, "
                               f"{choice.in_channels} in / {choice.out_channels} out: {exc}") from None

    # Python-mode callbacks (sounddevice's array wrapper)
    def _py_duplex(self, indata, outdata, frames, time_info, status) -> None:
        self.pycallback(indata, outdata, frames, time_info.inputBufferAdcTime,
                        time_info.currentTime, time_info.outputBufferDacTime, status._flags)

    def _py_output(self, outdata, frames, time_info, status) -> None:
        self.pycallback(None, outdata, frames, time_info.inputBufferAdcTime,
                        time_info.currentTime, time_info.outputBufferDacTime, status._flags)

    @property
    def latency(self) -> tuple[float, float]:
        """(input, output) latency in seconds as PortAudio reports it."""
        lat = self.stream.latency
        if isinstance(lat, (tuple, list)):
            return float(lat[0]), float(lat[1])
        return 0.0, float(lat)

    @property
    def active(self) -> bool:
        """True while PortAudio runs the stream."""
        try:
            return bool(self.stream.active) and not self.finished.is_set()
        except Exception:
            return False

    def start(self) -> None:
        """Start the stream."""
        import sounddevice as sd
        try:
            self.stream.start()
        except sd.PortAudioError as exc:
            raise RtaudioError(f"cannot start device {self.choice.name!r}: {exc}") from None

    def close(self) -> Optional[str]:
        """Abort and close the stream; never blocks longer than a few seconds.

        Returns an error message if PortAudio did not respond in time.
        """
        def shut() -> None:
            try:
                self.stream.abort(ignore_errors=True)
                self.stream.close(ignore_errors=True)
            except Exception:
                pass

        worker = threading.Thread(target=shut, name="rtaudio-close", daemon=True)
        worker.start()
        worker.join(STOP_TIMEOUT_S)
        if worker.is_alive():
            # PortAudio is wedged (e.g. its JACK server vanished): Pa_Terminate
            # at exit would block on the same lock, so skip it and let the
            # process end.
            import atexit
            import sounddevice as sd
            atexit.unregister(sd._exit_handler)
            return f"device {self.choice.name!r} did not stop within {STOP_TIMEOUT_S:g} s; abandoned it"
        return None


def _native_stream_class():
    import sounddevice as sd

    class NativeStream(sd._StreamBase):
        """A stream whose callback is the C function ``rtd_engine_callback``."""

        def __init__(self, kind: str, native, **kwargs: Any) -> None:
            from rtaudio._native import ffi
            # sounddevice casts the function pointer into its own FFI; the
            # userdata is passed to Pa_OpenStream as a plain void *.
            userdata = sd._ffi.cast("void *", int(ffi.cast("uintptr_t", native.cdata)))
            super().__init__(kind=kind, callback=native.callback_pointer, userdata=userdata,
                             wrap_callback=None, **kwargs)

    return NativeStream


def _NativeStream(kind: str, native, **kwargs: Any):
    return _native_stream_class()(kind, native, **kwargs)
