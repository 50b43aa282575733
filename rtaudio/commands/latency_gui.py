"""The ``gui`` load of ``rtaudio latency``: the real viewer in this process.

The viewer window runs on the engine being measured (its QTimer reads the
audio taps, the pitch ring and the statistics at ~30 fps) while a second
timer churns its widgets the way a user dragging controls would: sliders
of the processors move every 40 ms (which sends real parameter changes to
the engine) and the spectrogram's colormap and FFT size change now and
then. Without a display it renders offscreen.
"""
from __future__ import annotations

import os
import time
from typing import Any

from rtaudio.errors import RtaudioError

CHURN_INTERVAL_MS = 40


def run_with_viewer(engine: Any, duration_s: float) -> dict[str, Any]:
    """Run ``engine`` under the viewer for ``duration_s``; returns load info."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from pyqtgraph.Qt import QtCore, QtWidgets
        from rtaudio.gui.app import ensure_qapp
        from rtaudio.gui.engine_source import EngineSource
        from rtaudio.gui.window import ViewerWindow
    except ImportError as exc:
        raise RtaudioError(f"the gui load needs the GUI extra (pip install \"rtaudio[gui]\"): {exc}") from None

    class MeasuredEngineSource(EngineSource):
        """EngineSource around the engine the latency run already built."""

        def __init__(self) -> None:  # noqa: D107 - same attributes as EngineSource
            self.engine = engine
            self.chain = engine.chain
            self.samplerate = engine.samplerate
            self.channels = engine.channels
            self.blocksize = engine.blocksize
            self.mode = engine.mode
            self.backend = engine.backend_name
            self.device = engine.device

    app = ensure_qapp()
    label = f"latency run ({engine.backend_name})"
    window = ViewerWindow(engine.chain, lambda *args: MeasuredEngineSource(),
                          devices=[(label, engine.backend_name, engine.device)], device=engine.device,
                          mode=engine.mode, samplerate=engine.samplerate, autostart=False)
    window.show()
    sliders = [s for s in window.controls.findChildren(QtWidgets.QSlider) if s.isEnabled()]
    combos = window.findChildren(QtWidgets.QComboBox)
    churn = {"events": 0, "frames": 0}

    def move_controls() -> None:
        churn["events"] += 1
        step = churn["events"]
        for i, slider in enumerate(sliders):
            span = max(1, slider.maximum() - slider.minimum())
            phase = ((step * 7 + i * 13) % 100) / 100.0  # a slow back-and-forth sweep
            slider.setValue(slider.minimum() + int(span * (0.3 + 0.4 * abs(2 * phase - 1))))
        if step % 25 == 0:  # now and then change a display setting
            for combo in combos:
                if combo.count() > 1 and combo.objectName() != "device":
                    combo.setCurrentIndex((combo.currentIndex() + 1) % combo.count())
                    break

    if not window.start():
        window.close()
        raise RtaudioError(f"the viewer could not start the engine: {engine.error}")
    started = time.monotonic()
    churn_timer = QtCore.QTimer()
    churn_timer.setInterval(CHURN_INTERVAL_MS)
    churn_timer.timeout.connect(move_controls)
    churn_timer.start()
    QtCore.QTimer.singleShot(int(duration_s * 1000), app.quit)
    app.exec()
    churn_timer.stop()
    churn_timer.timeout.disconnect(move_controls)
    elapsed = time.monotonic() - started
    engine.stop()
    window.close()
    # Destroy the Qt objects now, while the QApplication exists: left to
    # interpreter shutdown, PySide6 can free them in the wrong order.
    window.timer.stop()
    window.deleteLater()
    churn_timer.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    app.processEvents()
    return {"load": "gui", "widget_churn_events": churn["events"], "sliders": len(sliders),
            "elapsed_s": round(elapsed, 3)}
