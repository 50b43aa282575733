"""Audio devices as PortAudio (through sounddevice) sees them.

Devices are chosen by index or by a case-insensitive substring of their
name; every failure is an ``RtaudioError`` naming the device and what it
supports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from rtaudio.errors import RtaudioError


class NoAudioDeviceError(RtaudioError):
    """PortAudio lists no device that can play audio."""


@dataclass
class DeviceInfo:
    """One PortAudio device."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool = False
    is_default_output: bool = False

    def describe(self) -> str:
        """``'name' (index i, host API; 2 in / 2 out, default 48000 Hz)``."""
        return (f"{self.name!r} (index {self.index}, {self.hostapi}; {self.max_input_channels} in / "
                f"{self.max_output_channels} out, default {self.default_samplerate:g} Hz)")


def list_devices() -> list[DeviceInfo]:
    """All devices PortAudio reports, with the default input/output marked."""
    import sounddevice as sd
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
    except sd.PortAudioError as exc:  # pragma: no cover - broken PortAudio
        raise RtaudioError(f"cannot list audio devices: {exc}") from None
    default_in, default_out = _default_indices()
    out = []
    for dev in devices:
        out.append(DeviceInfo(
            index=int(dev["index"]), name=str(dev["name"]),
            hostapi=str(hostapis[dev["hostapi"]]["name"]),
            max_input_channels=int(dev["max_input_channels"]),
            max_output_channels=int(dev["max_output_channels"]),
            default_samplerate=float(dev["default_samplerate"]),
            is_default_input=int(dev["index"]) == default_in,
            is_default_output=int(dev["index"]) == default_out))
    return out


def _default_indices() -> tuple[int, int]:
    import sounddevice as sd
    try:
        default_in, default_out = sd.default.device
    except (TypeError, ValueError):  # pragma: no cover
        return -1, -1
    def norm(value: object) -> int:
        try:
            return int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return -1
    return norm(default_in), norm(default_out)


def find_device(spec: Union[int, str, None]) -> DeviceInfo:
    """The device for ``spec``: None (default output device), an index, or a
    case-insensitive substring of the name (preferring devices with outputs).

    Raises
    ------
    NoAudioDeviceError
        If PortAudio lists no output device at all.
    RtaudioError
        If ``spec`` matches no device, or several equally well.
    """
    devices = list_devices()
    playable = [d for d in devices if d.max_output_channels > 0]
    if not playable:
        raise NoAudioDeviceError("no audio output device found (PortAudio lists "
                                 f"{len(devices)} device(s), none with outputs)")
    if spec is None or spec == "":
        for dev in playable:
            if dev.is_default_output:
                return dev
        return playable[0]
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        for dev in devices:
            if dev.index == index:
                return dev
        raise RtaudioError(f"no audio device with index {index}; devices: {_names(devices)}")
    text = str(spec).lower()
    matches = [d for d in devices if text in d.name.lower()]
    if not matches:
        raise RtaudioError(f"no audio device matches {spec!r}; devices: {_names(devices)}")
    with_out = [d for d in matches if d.max_output_channels > 0]
    pick = with_out or matches
    exact = [d for d in pick if d.name.lower() == text]
    if len(exact) == 1:
        return exact[0]
    if len(pick) > 1:
        raise RtaudioError(f"{spec!r} matches several devices: {_names(pick)}; use the index")
    return pick[0]


def _names(devices: list[DeviceInfo]) -> str:
    return ", ".join(f"{d.index}: {d.name!r}" for d in devices) or "(none)"


def device_exists() -> bool:
    """True when PortAudio lists at least one output device."""
    try:
        find_device(None)
    except NoAudioDeviceError:
        return False
    except Exception:  # pragma: no cover - PortAudio missing entirely
        return False
    return True


def check_settings(device: DeviceInfo, samplerate: float, in_channels: int, out_channels: int,
                   blocksize: Optional[int] = None) -> None:
    """Raise ``RtaudioError`` naming the device if it rejects the settings."""
    import sounddevice as sd
    try:
        if out_channels:
            sd.check_output_settings(device=device.index, channels=out_channels,
                                     dtype="float32", samplerate=samplerate)
        if in_channels:
            sd.check_input_settings(device=device.index, channels=in_channels,
                                    dtype="float32", samplerate=samplerate)
    except sd.PortAudioError as exc:
        raise RtaudioError(f"device {device.describe()} rejects samplerate={samplerate:g} Hz, "
                           f"{in_channels} in / {out_channels} out channels"
                           f"{'' if blocksize is None else f', blocksize={blocksize}'}: {exc}") from None


def default_channels(spec: Union[int, str, None], play_file: Union[str, None] = None,
                     cap: Optional[int] = None) -> int:
    """The channel count a live command opens when ``--channels`` is not given.

    The device's own count (the larger of its input and output channels; a
    mono input feeds every channel), or its output count when a file is
    played to it; at most ``cap``.
    """
    info = find_device(spec)
    count = info.max_output_channels if play_file is not None else \
        max(info.max_input_channels, info.max_output_channels)
    count = max(1, count)
    return min(count, cap) if cap is not None else count
