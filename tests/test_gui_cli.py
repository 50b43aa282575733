"""``rtaudio gui`` from the command line: screenshot run, missing-extra message, fallback source."""
from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"   # before anything imports Qt

import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytestmark = pytest.mark.gui


def run_cli(args, extra_code="pass", timeout=120):
    code = f"import sys; {extra_code}; from rtaudio.cli import main; main({args!r})"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_gui_without_extra_names_the_extra():
    run = run_cli(["gui", "--virtual"], extra_code="sys.modules['PySide6'] = None")
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert 'pip install "rtaudio[gui]"' in lines[0] and lines[0].startswith("rtaudio: error:")


def test_gui_screenshot_on_virtual_device(tmp_path):
    pytest.importorskip("PySide6")
    from PIL import Image
    shot = tmp_path / "shot.png"
    run = run_cli(["gui", "--virtual", "--screenshot", str(shot), "--duration", "2.5"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"wrote {shot}" in run.stdout
    image = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64)
    assert image.shape[0] >= 600 and image.shape[1] >= 1000
    assert image.std() > 20                      # not a blank window
    assert not list(tmp_path.glob(".*part*"))    # the temporary file was renamed


def test_gui_rejects_unknown_device_in_one_line():
    pytest.importorskip("PySide6")
    run = run_cli(["gui", "--device", "no-such-device-xyz", "--duration", "0.5"])
    assert run.returncode == 1
    assert "no audio device matches 'no-such-device-xyz'" in run.stderr
    assert "Traceback" not in run.stderr


def test_virtual_engine_source_drives_the_window(qtbot):
    """The real engine on the virtual device, fed an exact input signal,
    drives the window: a 1 kHz tone shows at 1 kHz, the pitch at 1 kHz, and
    the health panel gets the engine's statistics."""
    pytest.importorskip("PySide6")
    from rtaudio import Chain, LowPass, YinTracker
    from rtaudio.gui.analysis import SpectrogramSettings
    from rtaudio.gui.app import create_window
    from rtaudio.gui.engine_source import EngineSource
    t = np.arange(48000) / 48000.0
    signal = (0.25 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    window = create_window(Chain([LowPass(cutoff_hz=8000.0), YinTracker()]), virtual=True,
                           virtual_input=signal,
                           settings=SpectrogramSettings(n_fft=2048, scale="linear"))
    qtbot.addWidget(window)
    source = window.source
    try:
        assert isinstance(source, EngineSource) and source.running
        qtbot.waitUntil(lambda: window.view.feed.frames_emitted > 20, timeout=15000)
        rows = window.view.row_frequencies_hz()
        assert abs(rows[np.argmax(window.view.data[-5:].mean(axis=0))] - 1000.0) <= 48000 / 2048
        qtbot.waitUntil(lambda: window.view.last_voiced_hz is not None, timeout=15000)
        assert window.view.last_voiced_hz == pytest.approx(1000.0, rel=0.01)
        window._update_stats(force=True)
        assert window.last_stats["callbacks"] > 0 and window.last_stats["backend"] == "virtual"
    finally:
        window.close()
    assert not source.running
