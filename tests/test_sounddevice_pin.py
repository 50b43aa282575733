"""The sounddevice backend refuses versions outside the pinned range with one
clear error, before PortAudio is touched."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

sd = pytest.importorskip("sounddevice")

from rtaudio.engine.backends import DeviceChoice  # noqa: E402
from rtaudio.engine.backends import sounddevice_backend as sdb  # noqa: E402
from rtaudio.errors import RtaudioError  # noqa: E402

CHOICE = DeviceChoice(name="nowhere", samplerate=48000.0, blocksize=256, channels=1,
                      in_channels=0, out_channels=1, output_index=10_000)


def test_installed_sounddevice_passes_the_check():
    sdb.check_sounddevice(sd)


@pytest.mark.parametrize("version", ["0.4.5", "0.3.7", "0.6.0", "1.0.0", "garbage"])
def test_versions_outside_the_range_fail_with_one_clear_line(monkeypatch, version):
    monkeypatch.setattr(sd, "__version__", version)
    with pytest.raises(RtaudioError, match=rf"sounddevice {re.escape(version)} is not supported.*"
                                           r"pip install 'sounddevice>=0\.4\.6,<0\.6'"):
        sdb.SoundDeviceStream(CHOICE, pycallback=lambda *a: None)   # before any PortAudio call


@pytest.mark.parametrize("name", ["_StreamBase", "_ffi", "_exit_handler"])
def test_a_missing_private_name_fails_clearly(monkeypatch, name):
    monkeypatch.delattr(sd, name)
    with pytest.raises(RtaudioError, match=f"lacks {name}"):
        sdb.check_sounddevice(sd)


def test_a_changed_stream_signature_fails_clearly(monkeypatch):
    class StreamBase:
        def __init__(self, kind, callback=None):  # no userdata / wrap_callback
            pass
    monkeypatch.setattr(sd, "_StreamBase", StreamBase)
    with pytest.raises(RtaudioError, match=r"lacks _StreamBase\(userdata=\), _StreamBase\(wrap_callback=\)"):
        sdb.check_sounddevice(sd)


def test_pyproject_pins_the_checked_range():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    low, high = sdb.SUPPORTED_VERSIONS
    assert f'"sounddevice>={".".join(map(str, low))},<{".".join(map(str, high))}"' in text
