"""`rtaudio live` and `rtaudio devices` as a user runs them (subprocesses)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import soundfile as sf

RTAUDIO = [sys.executable, "-m", "rtaudio"]


def no_jack_env() -> dict:
    env = dict(os.environ)
    env["JACK_DEFAULT_SERVER"] = f"rtaudio-no-such-server-{os.getpid()}"
    env["JACK_NO_START_SERVER"] = "1"
    return env


def test_live_without_device_falls_back_to_virtual(tmp_path):
    proc = subprocess.run(RTAUDIO + ["live", "--duration", "1.5", "--blocksize", "128"], cwd=tmp_path,
                          env=no_jack_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "no audio device found" in proc.stderr
    assert "out/live_virtual.wav" in proc.stderr
    assert "Violations (%)" in proc.stdout and "callbacks:" in proc.stdout
    data, rate = sf.read(tmp_path / "out" / "live_virtual.wav", dtype="float32")
    assert rate == 48000 and data.shape[1] == 2
    assert 1.0 * 48000 < len(data) < 2.5 * 48000
    assert np.abs(data).max() > 0.05


def test_devices_without_device():
    proc = subprocess.run(RTAUDIO + ["devices"], env=no_jack_env(), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0
    assert "no audio devices found" in proc.stdout


def test_live_ctrl_c_leaves_a_valid_recording(tmp_path):
    out = tmp_path / "take.wav"
    proc = subprocess.Popen(RTAUDIO + ["live", "--virtual", "--mode", "python", "--record", str(out),
                                       "--chain", "gate > lowpass > yin"],
                            env=no_jack_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for two status lines (running for ~1 s)
        line = proc.stderr.readline()
        seen.append(line)
        if sum(" s | in " in item for item in seen) >= 2 or not line:
            break
    proc.send_signal(signal.SIGINT)
    stdout, rest = proc.communicate(timeout=30)
    stderr = "".join(seen) + rest
    assert proc.returncode == 0, stderr
    assert "pitch" in stderr  # the status line shows the YIN tracker's pitch
    info = sf.info(str(out))
    assert info.frames > 0.5 * 48000 and info.samplerate == 48000
    assert f"recorded {info.frames} frames" in stdout
    assert "0 frames dropped" in stdout


def test_cli_on_jack(jack_servers):
    jack_servers.use(256)
    listing = subprocess.run(RTAUDIO + ["devices"], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0
    assert "system" in listing.stdout and "JACK" in listing.stdout
    live = subprocess.run(RTAUDIO + ["live", "--duration", "1", "--device", "system"],
                          capture_output=True, text=True, timeout=60)
    assert live.returncode == 0, live.stderr
    assert "device: system (sounddevice, native mode)" in live.stdout
    bad = subprocess.run(RTAUDIO + ["live", "--duration", "1", "--device", "nosuchcard"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.strip().count("\n") == 0
    assert "no audio device matches 'nosuchcard'" in bad.stderr
