"""Where a live command's audio comes from: the device, a file on the
virtual device (``--input``), or a file played to the device (``--play``).

``rtaudio live`` and ``rtaudio gui`` share these options with the same
names and meaning, and the same channel default: the device's own channel
count (docs/live.md, "Channels").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import click

from rtaudio.errors import RtaudioError

#: channels of the virtual device playing the built-in demo signal
DEMO_CHANNELS = 2
#: sample rate of a live command when neither --samplerate nor a file gives one
DEFAULT_SAMPLERATE = 48000


def source_options(func: Callable) -> Callable:
    """``--virtual``, ``--input``, ``--play``, ``--loop`` and ``--channels``."""
    func = click.option("--channels", type=click.IntRange(1, 64), default=None,
                        help="Channels the chain processes (default: the device's channel count; "
                             "with --input, the file's).")(func)
    func = click.option("--loop", is_flag=True,
                        help="With --input or --play: start the file again at its end "
                             "(default: stop when it is over).")(func)
    func = click.option("--play", "play_path", type=click.Path(dir_okay=False, exists=True),
                        default=None,
                        help="Play this file through the chain to the output device "
                             "(instead of the device's input).")(func)
    func = click.option("--input", "input_path", type=click.Path(dir_okay=False, exists=True),
                        default=None,
                        help="Play this file through the chain on the virtual device, in real "
                             "time (default: the built-in demo signal).")(func)
    func = click.option("--virtual", "force_virtual", is_flag=True,
                        help="Use the virtual device (demo signal or --input) even if a sound "
                             "card exists.")(func)
    return func


@dataclass
class StreamSource:
    """The resolved source: backend name, its options and the channel count."""

    backend: str
    options: dict[str, Any] = field(default_factory=dict)
    channels: int = DEMO_CHANNELS
    samplerate: float = DEFAULT_SAMPLERATE  #: --samplerate, else the file's, else 48 kHz
    notice: Optional[str] = None     #: a line to tell the user (e.g. the fallback)

    @property
    def virtual(self) -> bool:
        return self.backend == "virtual"


def resolve_source(*, device: Optional[str], audio_backend: str, force_virtual: bool,
                   input_path: Optional[str], play_path: Optional[str], loop: bool,
                   channels: Optional[int], samplerate: Optional[float],
                   channel_cap: Optional[int] = None,
                   has_device: Optional[Callable[[], bool]] = None) -> StreamSource:
    """Decide the backend, its options, the channel count and the sample rate
    of a live command (a file given with --input or --play sets the rate
    unless --samplerate does).

    Raises
    ------
    RtaudioError
        For contradictory options (``--input`` with ``--play``, ``--play``
        without an output device, ``--loop`` without a file).
    """
    from rtaudio.engine.devices import default_channels, device_exists
    if input_path is not None and play_path is not None:
        raise RtaudioError("--input (virtual device) and --play (sound card) exclude each other; "
                           "give one")
    if loop and input_path is None and play_path is None:
        raise RtaudioError("--loop needs --input FILE or --play FILE")
    has_device = has_device or device_exists
    use_virtual = force_virtual or input_path is not None
    notice = None
    if not use_virtual and device is None and not has_device():  # a named device never falls back
        if play_path is not None:
            notice = (f"no audio device found: playing {play_path} on the virtual device instead")
            input_path, play_path = play_path, None
        else:
            notice = "no audio device found: running the virtual device with the demo signal instead"
        use_virtual = True
    if use_virtual:
        if play_path is not None:
            raise RtaudioError("--play sends the file to a sound card; with --virtual use --input")
        options: dict[str, Any] = {"input": input_path, "loop": loop or input_path is None}
        if channels is None:
            channels = _file_channels(input_path) if input_path is not None else DEMO_CHANNELS
        backend = "virtual"
    else:
        options = {"play": play_path, "loop": loop} if play_path is not None else {}
        if play_path is not None and audio_backend != "sounddevice":
            raise RtaudioError("--play needs the sounddevice backend")
        if channels is None:
            try:
                channels = default_channels(_device_spec(device), play_path)
            except RtaudioError:  # the engine reports the device problem when it opens it
                channels = DEMO_CHANNELS
        backend = audio_backend
    if channel_cap is not None and channels > channel_cap:
        channels = channel_cap
    if samplerate is None:
        played = input_path if use_virtual else play_path
        samplerate = _file_info(played).samplerate if played is not None else DEFAULT_SAMPLERATE
    return StreamSource(backend=backend, options=options, channels=int(channels), notice=notice,
                        samplerate=samplerate)


def _device_spec(device: Optional[str]):
    return int(device) if device is not None and device.isdigit() else device


def _file_info(path: str):
    import soundfile as sf
    try:
        return sf.info(path)
    except RuntimeError as exc:
        raise RtaudioError(f"cannot read {path}: {exc}") from None


def _file_channels(path: str) -> int:
    return int(_file_info(path).channels)


def describe_opened(eng) -> str:
    """``"2 ch (in 1 / out 2)"``: what the engine really opened."""
    choice = eng.choice
    if choice is None:
        return f"{eng.channels} ch"
    source = "file" if choice.extra.get("play") is not None or eng.backend_name == "virtual" else "in"
    return f"{eng.channels} ch ({source} {choice.in_channels} / out {choice.out_channels})"
