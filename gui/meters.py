"""Level meters (peak/RMS in dBFS) and the engine health panel.

The health panel shows the monitor's counters (xruns, late callbacks,
overruns, dropped callbacks) and the DSP load; a counter turns red for
``ALARM_S`` seconds each time it increases, so a glitch is visible even
after the fact.
"""
from __future__ import annotations

import time
from typing import Any, Optional

from pyqtgraph.Qt import QtCore, QtGui, QtWidgets

#: bottom of the meter scale, dBFS
METER_FLOOR_DB = -72.0
#: peak-hold fall rate of the meter, dB per second
PEAK_FALL_DB_PER_S = 20.0
#: how long a counter stays red after it increased, seconds
ALARM_S = 3.0
#: counters shown by the health panel: stats key -> label
COUNTERS = (("xruns", "xruns"), ("late", "late"), ("overruns", "overruns"), ("dropped", "dropped"))
ALARM_STYLE = "color: white; background-color: #c0392b; font-weight: bold; padding: 1px 4px;"
NORMAL_STYLE = "padding: 1px 4px;"


class LevelMeter(QtWidgets.QWidget):
    """Horizontal meter: RMS bar, peak-hold tick and the numbers in dBFS.

    Parameters
    ----------
    title : str
        Text drawn on the left ("in", "out").
    """

    def __init__(self, title: str, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.title = title
        self.peak_db = METER_FLOOR_DB
        self.rms_db = METER_FLOOR_DB
        self.hold_db = METER_FLOOR_DB
        self._hold_time = time.monotonic()
        self.setMinimumSize(320, 22)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)

    def set_levels(self, peak_db: float, rms_db: float) -> None:
        """Show a new block's peak and RMS (dBFS); the peak tick holds and falls slowly."""
        now = time.monotonic()
        fallen = self.hold_db - PEAK_FALL_DB_PER_S * (now - self._hold_time)
        self._hold_time = now
        self.peak_db = max(METER_FLOOR_DB, peak_db)
        self.rms_db = max(METER_FLOOR_DB, rms_db)
        self.hold_db = max(self.peak_db, fallen, METER_FLOOR_DB)
        self.setToolTip(f"{self.title}: peak {self.peak_db:.1f} dBFS, RMS {self.rms_db:.1f} dBFS")
        self.update()

    @staticmethod
    def _fraction(db: float) -> float:
        return min(1.0, max(0.0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB))

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QtGui.QPainter(self)
        rect = self.rect().adjusted(0, 0, -1, -1)
        painter.fillRect(rect, QtGui.QColor(30, 30, 30))
        label_w, text_w = 34, 200
        bar = QtCore.QRect(rect.left() + label_w, rect.top() + 3,
                           max(10, rect.width() - label_w - text_w - 4), rect.height() - 6)
        painter.fillRect(bar, QtGui.QColor(55, 55, 55))
        peak_w = int(bar.width() * self._fraction(self.peak_db))
        painter.fillRect(QtCore.QRect(bar.left(), bar.top(), peak_w, bar.height()),
                         QtGui.QColor(40, 120, 60))
        rms_w = int(bar.width() * self._fraction(self.rms_db))
        color = QtGui.QColor(70, 200, 90) if self.peak_db < -6.0 else QtGui.QColor(230, 180, 40)
        if self.peak_db >= -0.1:
            color = QtGui.QColor(220, 50, 40)
        painter.fillRect(QtCore.QRect(bar.left(), bar.top(), rms_w, bar.height()), color)
        hold_x = bar.left() + int(bar.width() * self._fraction(self.hold_db))
        painter.setPen(QtGui.QPen(QtGui.QColor(255, 255, 255), 2))
        painter.drawLine(hold_x, bar.top(), hold_x, bar.bottom())
        painter.setPen(QtGui.QColor(230, 230, 230))
        painter.drawText(QtCore.QRect(rect.left() + 3, rect.top(), label_w, rect.height()),
                         QtCore.Qt.AlignmentFlag.AlignVCenter, self.title)
        text_box = QtCore.QRect(bar.right() + 4, rect.top(), rect.right() - bar.right() - 6,
                                rect.height())
        painter.drawText(text_box,
                         QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignRight,
                         f"peak {self.peak_db:5.1f}  RMS {self.rms_db:5.1f} dBFS")
        painter.end()


class HealthPanel(QtWidgets.QGroupBox):
    """DSP load and the monitor's violation counters.

    Call :meth:`update_stats` with ``Engine.stats()`` dictionaries.
    """

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__("engine health", parent)
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        self.load_label = QtWidgets.QLabel("DSP load: -")
        self.load_bar = QtWidgets.QProgressBar()
        self.load_bar.setRange(0, 100)
        self.load_bar.setFormat("%p %")
        self.load_bar.setMaximumHeight(16)
        grid.addWidget(self.load_label, 0, 0, 1, 2)
        grid.addWidget(self.load_bar, 0, 2, 1, 2)
        self.counter_labels: dict[str, QtWidgets.QLabel] = {}
        for column, (key, text) in enumerate(COUNTERS):
            label = QtWidgets.QLabel(f"{text}: 0")
            label.setObjectName(f"counter_{key}")
            label.setStyleSheet(NORMAL_STYLE)
            label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.counter_labels[key] = label
            grid.addWidget(label, 1, column)
        self.callbacks_label = QtWidgets.QLabel("callbacks: 0")
        grid.addWidget(self.callbacks_label, 2, 0, 1, 4)
        self.values: dict[str, int] = {key: 0 for key, _ in COUNTERS}
        self._alarm_until: dict[str, float] = {key: 0.0 for key, _ in COUNTERS}

    def reset(self) -> None:
        """Forget previous counts (a new engine run starts from zero)."""
        for key, _ in COUNTERS:
            self.values[key] = 0
            self._alarm_until[key] = 0.0
        self.refresh_alarms()

    def alarmed(self, key: str) -> bool:
        """True while counter ``key`` is shown red."""
        return time.monotonic() < self._alarm_until[key]

    def update_stats(self, stats: dict[str, Any]) -> None:
        """Show a statistics dict (``callbacks``, ``xruns``, ``late``, ``dsp_load``, ...)."""
        if not stats:
            return
        now = time.monotonic()
        for key, text in COUNTERS:
            value = int(stats.get(key, 0) or 0)
            if value > self.values[key]:
                self._alarm_until[key] = now + ALARM_S
            self.values[key] = value
            self.counter_labels[key].setText(f"{text}: {value}")
        load = stats.get("dsp_load") or {}
        mean, peak = float(load.get("mean", 0.0)), float(load.get("max", 0.0))
        self.load_label.setText(f"DSP load: mean {100 * mean:.1f} %, p99 "
                                f"{100 * float(load.get('p99', 0.0)):.1f} %, max {100 * peak:.1f} %")
        self.load_bar.setValue(int(round(min(1.0, mean) * 100)))
        self.callbacks_label.setText(
            f"callbacks: {int(stats.get('callbacks', 0))} "
            f"(expected {int(stats.get('expected_callbacks', 0))}), mode "
            f"{stats.get('mode', '?')}, block {stats.get('blocksize', '?')}")
        self.refresh_alarms()

    def refresh_alarms(self) -> None:
        """Set each counter's colour from its alarm deadline (call periodically)."""
        for key, _ in COUNTERS:
            self.counter_labels[key].setStyleSheet(ALARM_STYLE if self.alarmed(key) else NORMAL_STYLE)
