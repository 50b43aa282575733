"""The everyday effects in the live viewer's control panel (offscreen Qt, virtual device)."""
from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"   # before anything imports Qt

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from rtaudio.chain_spec import parse_chain_string  # noqa: E402
from rtaudio.gui.analysis import SpectrogramSettings  # noqa: E402
from rtaudio.gui.app import create_window  # noqa: E402

pytestmark = pytest.mark.gui
RATE = 48000.0
CHAIN = ("gain > pan > biquad(type=highpass, freq_hz=80) > eq > delay > compressor > limiter > drive > reverb")


def test_every_parameter_has_a_control_and_sliders_reach_the_effect(qtbot):
    t = np.arange(int(2 * RATE)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)[:, None]
    window = create_window(parse_chain_string(CHAIN), virtual=True, mode="native", samplerate=RATE,
                           blocksize=256, channels=1, virtual_input=tone,
                           settings=SpectrogramSettings.from_overlap(n_fft=2048, overlap=0.75))
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.running
        for key, proc in zip(window.controls.panels, window.chain):
            controls = window.controls.panels[key].controls
            assert set(controls) == {p.name for p in proc.PARAMS}
            for p in proc.PARAMS:
                kind = controls[p.name]
                assert (kind.combo is not None) if p.choices else (kind.spin is not None) if p.integer \
                    else (kind.slider is not None)
        control = window.controls.panels["biquad"].controls["freq_hz"]
        biquad = window.chain["biquad"]
        control.slider.setValue(300)
        assert biquad.freq_hz == pytest.approx(control.value_at(300), rel=1e-12)
        assert biquad.freq_hz != pytest.approx(80.0)
        room = window.controls.panels["reverb"].controls["room_size"]
        room.slider.setValue(900)
        assert window.chain["reverb"].room_size == pytest.approx(0.9, abs=1e-3)
    finally:
        window.close()
