"""PyAudio backend (Python mode only).

PyAudio opens one stream with the same channel count for input and output
and hands the callback ``bytes``; the callback returns ``bytes``, so each
block allocates one output ``bytes`` object inside PyAudio's protocol (the
chain itself still works on the preallocated buffer). Native mode needs a
C callback, which PyAudio cannot take: use the sounddevice backend.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from rtaudio.engine.backends import DeviceChoice, shut_down_within
from rtaudio.errors import RtaudioError



class PyAudioBackend:
    """PortAudio through PyAudio."""

    name = "pyaudio"

    def __init__(self) -> None:
        try:
            import pyaudio
        except ImportError:  # pragma: no cover
            raise RtaudioError("the pyaudio backend needs PyAudio: pip install pyaudio") from None
        self._pyaudio = pyaudio
        self._pa = None

    def _instance(self):
        if self._pa is None:
            self._pa = self._pyaudio.PyAudio()
        return self._pa

    def release(self) -> None:
        """Terminate PyAudio's PortAudio session (after the stream closed)."""
        if self._pa is not None:
            self._pa.terminate()
            self._pa = None

    def resolve(self, device: Union[int, str, None], samplerate: float, blocksize: int,
                channels: int) -> DeviceChoice:
        """Pick a device by index or name substring (PyAudio's own list)."""
        pa = self._instance()
        infos = [pa.get_device_info_by_index(i) for i in range(pa.get_device_count())]
        outs = [d for d in infos if d["maxOutputChannels"] > 0]
        if not outs:
            from rtaudio.engine.devices import NoAudioDeviceError
            raise NoAudioDeviceError("no audio output device found (PyAudio)")
        if device is None:
            try:
                info = pa.get_default_output_device_info()
            except (IOError, OSError):
                info = outs[0]
        elif isinstance(device, int) or str(device).isdigit():
            matches = [d for d in infos if d["index"] == int(device)]
            if not matches:
                raise RtaudioError(f"no PyAudio device with index {device}")
            info = matches[0]
        else:
            matches = [d for d in outs if str(device).lower() in d["name"].lower()]
            if len(matches) != 1:
                names = ", ".join(f"{d['index']}: {d['name']!r}" for d in infos)
                raise RtaudioError(f"{device!r} matches {len(matches)} PyAudio output devices; "
                                   f"devices: {names}")
            info = matches[0]
        out_ch = min(channels, int(info["maxOutputChannels"]))
        in_ch = min(out_ch, int(info["maxInputChannels"]))
        if in_ch:
            out_ch = in_ch  # one channel count for both directions
        describe = (f"{info['name']!r} (PyAudio index {info['index']}; {info['maxInputChannels']} in / "
                    f"{info['maxOutputChannels']} out, default {info['defaultSampleRate']:g} Hz)")
        try:
            ok = pa.is_format_supported(samplerate, output_device=info["index"], output_channels=out_ch,
                                        output_format=self._pyaudio.paFloat32)
        except ValueError as exc:
            raise RtaudioError(f"device {describe} rejects samplerate={samplerate:g} Hz, "
                               f"{out_ch} channels: {exc}") from None
        if not ok:  # pragma: no cover
            raise RtaudioError(f"device {describe} rejects samplerate={samplerate:g} Hz")
        return DeviceChoice(name=str(info["name"]), samplerate=float(samplerate), blocksize=int(blocksize),
                            channels=int(channels), in_channels=in_ch, out_channels=out_ch,
                            input_index=int(info["index"]), output_index=int(info["index"]),
                            extra={"describe": describe})

    def open(self, choice: DeviceChoice, native=None, pycallback=None) -> "PyAudioStream":
        """Open (not start) a PyAudio stream around the Python callback."""
        if native is not None:
            raise RtaudioError("native mode needs a C callback, which PyAudio cannot take; "
                               "use the sounddevice backend (or python mode)")
        return PyAudioStream(self, choice, pycallback)


class PyAudioStream:
    """One PyAudio stream."""

    def __init__(self, backend: PyAudioBackend, choice: DeviceChoice, pycallback) -> None:
        pyaudio = backend._pyaudio
        self.choice = choice
        self.backend = backend
        self.pycallback = pycallback
        self._continue = pyaudio.paContinue
        self._out = np.zeros((choice.blocksize, choice.out_channels), dtype=np.float32)
        self._silence_in: Optional[np.ndarray] = None
        try:
            self.stream = backend._instance().open(
                rate=int(choice.samplerate), channels=choice.out_channels, format=pyaudio.paFloat32,
                input=choice.in_channels > 0, output=True,
                input_device_index=choice.input_index if choice.in_channels else None,
                output_device_index=choice.output_index, frames_per_buffer=choice.blocksize,
                stream_callback=self._callback, start=False)
        except (IOError, OSError, ValueError) as exc:
            raise RtaudioError(f"cannot open device {choice.extra['describe']} with samplerate="
                               f"{choice.samplerate:g} Hz, blocksize={choice.blocksize}: {exc}") from None

    def _callback(self, in_data, frame_count, time_info, status):
        out = self._out if frame_count == len(self._out) else np.zeros(
            (frame_count, self.choice.out_channels), dtype=np.float32)
        indata = None
        if in_data is not None and self.choice.in_channels:
            indata = np.frombuffer(in_data, dtype=np.float32).reshape(frame_count, self.choice.in_channels)
        self.pycallback(indata, out, frame_count, time_info.get("input_buffer_adc_time", 0.0),
                        time_info.get("current_time", 0.0), time_info.get("output_buffer_dac_time", 0.0),
                        int(status))
        return out.tobytes(), self._continue

    @property
    def latency(self) -> tuple[float, float]:
        """(input, output) latency in seconds as PortAudio reports it."""
        return float(self.stream.get_input_latency()), float(self.stream.get_output_latency())

    @property
    def active(self) -> bool:
        """True while the stream runs."""
        try:
            return bool(self.stream.is_active())
        except Exception:
            return False

    def start(self) -> None:
        """Start the stream."""
        try:
            self.stream.start_stream()
        except (IOError, OSError) as exc:
            raise RtaudioError(f"cannot start device {self.choice.name!r}: {exc}") from None

    def close(self) -> Optional[str]:
        """Stop and close; returns an error message if PortAudio hangs."""
        def shut() -> None:
            try:
                self.stream.stop_stream()
                self.stream.close()
                self.backend.release()
            except Exception:
                pass

        return shut_down_within(shut, self.choice.name)
