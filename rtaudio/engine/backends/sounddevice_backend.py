"""sounddevice (PortAudio) backend.

Native mode opens the stream the python-rtmixer way: sounddevice's
``_StreamBase`` receives the CFFI API-mode function pointer of
``rtd_engine_callback`` as its callback (no Python wrapper) and a pointer
to the Python-allocated ``rtd_engine`` struct as ``userdata``. sounddevice
keeps no reference to the userdata, so ``SoundDeviceStream`` holds the
``NativeEngine`` for the stream's lifetime. Python mode uses an ordinary
``sounddevice.Stream`` with a Python callback.

That uses sounddevice names that are not public API: ``_StreamBase`` (with
its ``userdata`` and ``wrap_callback=None`` arguments; CData function
pointers as callbacks since 0.3.7), ``_ffi``, ``_exit_handler`` and
``CallbackFlags._flags``. They are unchanged from 0.3.7 to 0.5.6 (checked
against sounddevice's history); pyproject.toml pins ``SUPPORTED_VERSIONS``
and :func:`check_sounddevice` refuses any other version, or one that lacks
a name, with one clear error before PortAudio is touched.

With ``play`` (``--play FILE``) the stream is output-only and a sound file
is the chain's input (``rtaudio.engine.player``).
"""
from __future__ import annotations

import inspect
import threading
from pathlib import Path
from typing import Any, Optional, Union

from rtaudio.engine.backends import DeviceChoice, shut_down_within
from rtaudio.engine.backends.portaudio_exit import install as install_exit_handler
from rtaudio.engine.devices import check_settings, find_device
from rtaudio.errors import RtaudioError

#: largest block the file player hands to the engine callback at once
PLAYER_MAX_FRAMES = 8192
#: sounddevice releases whose private names this backend uses: [low, high)
SUPPORTED_VERSIONS = ((0, 4, 6), (0, 6))


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):  # "0rc1": stop after the number
            break
    return tuple(parts)


def check_sounddevice(sd: Any = None) -> None:
    """Raise ``RtaudioError`` unless ``sd`` (default: the installed
    sounddevice) is a version with the private names this backend uses.

    Checks the version against ``SUPPORTED_VERSIONS`` and probes every
    private name, so an unsupported sounddevice fails with one line instead
    of misbehaving (or crashing) inside PortAudio.
    """
    if sd is None:
        import sounddevice as sd
    low, high = SUPPORTED_VERSIONS
    version = getattr(sd, "__version__", "unknown")
    fix = (f"install a supported one: pip install 'sounddevice>={'.'.join(map(str, low))},"
           f"<{'.'.join(map(str, high))}'")
    if not low <= _version_tuple(version) < high:
        raise RtaudioError(f"sounddevice {version} is not supported by rtaudio's sounddevice "
                           f"backend; {fix}")
    missing = [name for name in ("_StreamBase", "_ffi", "_exit_handler", "CallbackFlags")
               if not hasattr(sd, name)]
    if not missing:
        try:
            params = inspect.signature(sd._StreamBase.__init__).parameters
        except (TypeError, ValueError):
            params = {}
        missing += [f"_StreamBase({name}=)" for name in ("kind", "callback", "userdata", "wrap_callback")
                    if name not in params]
        if not hasattr(sd.CallbackFlags(), "_flags"):
            missing.append("CallbackFlags._flags")
    if missing:
        raise RtaudioError(f"sounddevice {version} lacks {', '.join(missing)}, which rtaudio's "
                           f"sounddevice backend uses; {fix}")


class SoundDeviceBackend:
    """PortAudio through sounddevice.

    Parameters
    ----------
    play : str or Path, optional
        Play this sound file through the chain to the output device instead
        of taking the device's input (the stream is then output-only).
    loop : bool
        With ``play``: start the file again at its end (otherwise the
        engine stops when the file is over).
    """

    name = "sounddevice"

    def __init__(self, play: Union[str, Path, None] = None, loop: bool = False) -> None:
        install_exit_handler()  # no SIGABRT at exit if the JACK server died meanwhile
        self.play = play
        self.loop = bool(loop)

    def resolve(self, device: Union[int, str, None], samplerate: float, blocksize: int,
                channels: int) -> DeviceChoice:
        """Pick the device and the stream's channel counts (a mono input
        feeds every chain channel; output is limited to what the device has)."""
        info = find_device(device)
        out_channels = min(channels, info.max_output_channels)
        extra: dict[str, Any] = {"describe": info.describe()}
        if self.play is not None:
            from rtaudio.engine.player import load_play_file
            if out_channels < 1:
                raise RtaudioError(f"device {info.describe()} has no output channels to play "
                                   f"{self.play} on")
            data = load_play_file(self.play, samplerate)
            check_settings(info, samplerate, 0, out_channels, blocksize)
            extra.update(play=data, loop=self.loop)
            in_channels = data.shape[1]
        else:
            in_channels = min(channels, info.max_input_channels)
            check_settings(info, samplerate, in_channels, out_channels, blocksize)
        return DeviceChoice(name=info.name, samplerate=float(samplerate), blocksize=int(blocksize),
                            channels=int(channels), in_channels=in_channels,
                            out_channels=out_channels, input_index=info.index,
                            output_index=info.index, extra=extra)

    def open(self, choice: DeviceChoice, native=None, pycallback=None) -> "SoundDeviceStream":
        """Open (not start) a stream around the native or the Python callback."""
        return SoundDeviceStream(choice, native, pycallback)


class SoundDeviceStream:
    """A started/stopped PortAudio stream plus what it must keep alive."""

    def __init__(self, choice: DeviceChoice, native=None, pycallback=None) -> None:
        import sounddevice as sd
        check_sounddevice(sd)
        self.choice = choice
        self.native = native          # owns the engine struct userdata points to
        self.pycallback = pycallback
        self.finished = threading.Event()
        self.player = None
        if "play" in choice.extra:
            from rtaudio.engine.player import FilePlayer
            self.player = FilePlayer(choice.extra["play"], choice.extra["loop"], PLAYER_MAX_FRAMES,
                                     choice.out_channels)
        kind = "duplex" if choice.in_channels and self.player is None else "output"
        if kind == "duplex":
            common: dict[str, Any] = dict(device=(choice.input_index, choice.output_index),
                                          channels=(choice.in_channels, choice.out_channels))
        else:
            common = dict(device=choice.output_index, channels=choice.out_channels)
        common.update(samplerate=choice.samplerate, blocksize=choice.blocksize, dtype="float32",
                      finished_callback=self.finished.set)
        try:
            if native is not None:
                callback, userdata = native.callback_pointer, native.cdata
                if self.player is not None:
                    self.player.attach(callback, userdata)
                    callback, userdata = self.player.callback_pointer, self.player.cdata
                self.stream = _NativeStream(kind, callback, userdata, **common)
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
        indata = self.player.fill(frames) if self.player is not None else None
        self.pycallback(indata, outdata, frames, time_info.inputBufferAdcTime,
                        time_info.currentTime, time_info.outputBufferDacTime, status._flags)

    @property
    def latency(self) -> tuple[float, float]:
        """(input, output) latency in seconds as PortAudio reports it."""
        lat = self.stream.latency
        if isinstance(lat, (tuple, list)):
            return float(lat[0]), float(lat[1])
        return 0.0, float(lat)

    @property
    def input_finished(self) -> bool:
        """With ``play``: True once the file has been played to its end."""
        return self.player is not None and self.player.finished

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

        error = shut_down_within(shut, self.choice.name)
        if error is not None:
            # PortAudio is wedged (e.g. its JACK server vanished): Pa_Terminate
            # at exit would block on the same lock, so skip it and let the
            # process end.
            from rtaudio.engine.backends.portaudio_exit import skip_terminate
            skip_terminate()
        return error


def _native_stream_class():
    import sounddevice as sd

    class NativeStream(sd._StreamBase):
        """A stream whose callback is a C function (``rtd_engine_callback``,
        or ``rtd_player_callback`` in front of it)."""

        def __init__(self, kind: str, callback, userdata, **kwargs: Any) -> None:
            from rtaudio._native import recast
            # sounddevice casts the function pointer into its own FFI; the
            # userdata is passed to Pa_OpenStream as a plain void *.
            userdata = recast(sd._ffi, "void *", userdata)
            super().__init__(kind=kind, callback=callback, userdata=userdata,
                             wrap_callback=None, **kwargs)

    return NativeStream


def _NativeStream(kind: str, callback, userdata, **kwargs: Any):
    return _native_stream_class()(kind, callback, userdata, **kwargs)
