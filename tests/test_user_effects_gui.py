"""User effects in the live viewer: the control panel builds sliders from
their Param declarations and a slider move reaches the native chain."""
from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"   # before anything imports Qt

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from rtaudio import Chain, YinTracker  # noqa: E402
from rtaudio._native import lib  # noqa: E402
from rtaudio.gui.app import create_window  # noqa: E402

from _examples import example  # noqa: E402

pytestmark = pytest.mark.gui
RATE = 48000.0


def test_user_effect_sliders_drive_the_native_chain(qtbot):
    tremolo = example("tremolo").tremolo(rate_hz=3.0)
    echo = example("echo").echo(max_time_ms=100.0)
    t = np.arange(int(2 * RATE)) / RATE
    window = create_window(Chain([tremolo, echo, YinTracker()]), virtual=True, mode="native", samplerate=RATE,
                           blocksize=256, channels=1,
                           virtual_input=(0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[:, None])
    qtbot.addWidget(window)
    try:
        window.show()
        assert window.running
        panel = window.controls.panels["tremolo"]
        assert set(panel.controls) == {"rate_hz", "depth"}
        assert set(window.controls.panels["echo"].controls) == {"time_ms", "feedback", "mix", "max_time_ms"}
        depth = panel.controls["depth"]
        depth.slider.setValue(depth.position_of(0.9))
        assert tremolo.depth == pytest.approx(depth.value_at(depth.position_of(0.9)))
        # the target the native shim reads (index 1 = depth) holds the new value
        assert lib.rtd_param_load(tremolo._cself.targets, 1) == pytest.approx(tremolo.depth)
        assert 0.85 < tremolo.depth < 0.95
    finally:
        window.close()
