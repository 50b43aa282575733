"""One control panel per processor, generated from its ``PARAMS``.

Continuous parameters get a slider (logarithmic when ``Param.log_scale``)
with the value and unit next to it; integer parameters a spin box;
string choices a combo box; every processor a bypass check box. Changes
are emitted as signals; the window applies them through the engine's
thread-safe set path. Parameters whose change re-allocates the processor
(integers, choices, and the names a processor lists as structural) can
only be changed while the engine is stopped.
"""
from __future__ import annotations

import math
import sys
from typing import Any, Optional

from pyqtgraph.Qt import QtCore, QtWidgets

from rtaudio.chain import Chain
from rtaudio.params import Param
from rtaudio.processor import Processor
from .source import processor_keys

#: slider resolution (steps over the whole range)
SLIDER_STEPS = 1000
#: lowest frequency of a log-scale Hz slider whose range starts at 0
LOG_MIN_HZ = 20.0
#: fraction of the range kept away from an open bound
OPEN_MARGIN = 1e-4


def structural_params(proc: Processor) -> set[str]:
    """Parameters of ``proc`` that cannot change while the engine runs.

    Integer and choice parameters (they re-allocate state), plus the names
    a processor class or its module lists in ``STRUCTURAL``/``_STRUCTURAL``.
    """
    names = {p.name for p in proc.PARAMS if p.integer or p.choices is not None}
    module = sys.modules.get(type(proc).__module__)
    for holder in (type(proc), module):
        for attr in ("STRUCTURAL", "_STRUCTURAL"):
            names.update(getattr(holder, attr, ()) or ())
    return names


def slider_range(param: Param, sample_rate: Optional[float]) -> tuple[float, float]:
    """The ``(low, high)`` a slider for ``param`` covers (finite, inside open bounds)."""
    low, high = param.bounds(sample_rate)
    nyquist = sample_rate / 2.0 if sample_rate else 24000.0
    if high is None:
        high = nyquist if param.unit == "Hz" else (0.0 if param.unit == "dB" else
                                                   max(1.0, 10.0 * abs(float(param.default or 1.0))))
    if low is None:
        low = -140.0 if param.unit == "dB" else 0.0
    low, high = float(low), float(high)
    if param.log_scale and low <= 0.0:
        low = min(LOG_MIN_HZ if param.unit == "Hz" else high * 1e-4, high / 2.0)
    elif param.low_open:
        low += (high - low) * OPEN_MARGIN
    if param.high_open:
        high = high * (1.0 - OPEN_MARGIN) if param.log_scale else high - (high - low) * OPEN_MARGIN
    return low, high


def format_value(value: Any, unit: str) -> str:
    """Short display text of a parameter value with its unit."""
    if value is None:
        return "auto"
    if isinstance(value, str):
        return value
    value = float(value)
    if not math.isfinite(value):
        text = "∞" if value > 0 else "-∞"
    elif abs(value) >= 1000:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


class ParamControl(QtWidgets.QWidget):
    """The widget of one parameter; emits ``changed(name, value)`` on user edits."""

    changed = QtCore.Signal(str, object)

    def __init__(self, param: Param, value: Any, sample_rate: Optional[float],
                 parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.param = param
        self.sample_rate = sample_rate
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        unit = f" [{param.unit}]" if param.unit else ""
        self.name_label = QtWidgets.QLabel(param.display_name)
        self.name_label.setToolTip(param.doc)
        self.name_label.setToolTip(f"{param.doc}{unit}; valid {param.describe_range(sample_rate)}")
        self.name_label.setMinimumWidth(110)
        layout.addWidget(self.name_label)
        self.slider: Optional[QtWidgets.QSlider] = None
        self.spin: Optional[QtWidgets.QSpinBox] = None
        self.combo: Optional[QtWidgets.QComboBox] = None
        self.value_label = QtWidgets.QLabel()
        self.value_label.setMinimumWidth(80)
        if param.choices is not None:
            self.combo = QtWidgets.QComboBox()
            self.combo.addItems(list(param.choices))
            self.combo.currentTextChanged.connect(lambda text: self.changed.emit(param.name, text))
            layout.addWidget(self.combo, 1)
        elif param.integer:
            self.spin = QtWidgets.QSpinBox()
            low, high = slider_range(param, sample_rate)
            self.spin.setRange(int(math.ceil(low)), int(min(high, 2**31 - 1)))
            if param.unit:
                self.spin.setSuffix(f" {param.unit}")
            self.spin.valueChanged.connect(lambda v: self.changed.emit(param.name, int(v)))
            layout.addWidget(self.spin, 1)
        else:
            self.low, self.high = slider_range(param, sample_rate)
            self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
            self.slider.setRange(0, SLIDER_STEPS)
            self.slider.setObjectName(f"slider_{param.name}")
            self.slider.valueChanged.connect(self._slider_moved)
            layout.addWidget(self.slider, 1)
            layout.addWidget(self.value_label)
        self.set_value(value)

    # slider position <-> value (linear or logarithmic over [low, high])
    def value_at(self, position: int) -> float:
        """Parameter value at slider ``position`` (0 .. SLIDER_STEPS)."""
        t = position / SLIDER_STEPS
        if self.param.log_scale:
            return self.low * (self.high / self.low) ** t
        return self.low + (self.high - self.low) * t

    def position_of(self, value: float) -> int:
        """Slider position closest to ``value`` (clamped to the range)."""
        if value is None or not math.isfinite(value):
            return SLIDER_STEPS if value is not None and value > 0 else 0
        value = min(max(float(value), self.low), self.high)
        if self.param.log_scale:
            t = math.log(value / self.low) / math.log(self.high / self.low)
        else:
            t = (value - self.low) / (self.high - self.low) if self.high > self.low else 0.0
        return int(round(t * SLIDER_STEPS))

    def _slider_moved(self, position: int) -> None:
        value = self.value_at(position)
        self.value_label.setText(format_value(value, self.param.unit))
        self.changed.emit(self.param.name, value)

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting ``changed``."""
        widget = self.slider or self.spin or self.combo
        blocked = widget.blockSignals(True)
        try:
            if self.combo is not None:
                self.combo.setCurrentText(str(value))
            elif self.spin is not None:
                self.spin.setValue(int(value) if value is not None else self.spin.minimum())
            else:
                self.slider.setValue(self.position_of(value))
                self.value_label.setText(format_value(value, self.param.unit))
        finally:
            widget.blockSignals(blocked)


class ProcessorPanel(QtWidgets.QGroupBox):
    """Controls of one processor: a bypass check box and one row per parameter.

    Signals
    -------
    param_changed(key, name, value)
    bypass_changed(key, bypass)
    """

    param_changed = QtCore.Signal(str, str, object)
    bypass_changed = QtCore.Signal(str, bool)

    def __init__(self, key: str, proc: Processor, sample_rate: Optional[float],
                 parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(f"{key}  ({type(proc).__name__})", parent)
        self.key = key
        self.proc = proc
        self.structural = structural_params(proc)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        self.bypass_box = QtWidgets.QCheckBox("bypass")
        self.bypass_box.setChecked(bool(proc.bypass))
        self.bypass_box.toggled.connect(lambda on: self.bypass_changed.emit(self.key, bool(on)))
        layout.addWidget(self.bypass_box)
        self.controls: dict[str, ParamControl] = {}
        for param in proc.PARAMS:
            control = ParamControl(param, getattr(proc, param.name), sample_rate)
            control.changed.connect(lambda name, value: self.param_changed.emit(self.key, name, value))
            if param.name in self.structural:
                control.setToolTip("changing this re-allocates the processor: stop the engine first")
            self.controls[param.name] = control
            layout.addWidget(control)

    def refresh(self) -> None:
        """Show the processor's current values (e.g. a derived parameter after an edit)."""
        for name, control in self.controls.items():
            control.set_value(getattr(self.proc, name))
        blocked = self.bypass_box.blockSignals(True)
        self.bypass_box.setChecked(bool(self.proc.bypass))
        self.bypass_box.blockSignals(blocked)

    def set_running(self, running: bool) -> None:
        """Enable structural parameters only while the engine is stopped."""
        for name in self.structural:
            if name in self.controls:
                self.controls[name].setEnabled(not running)


class ControlsPanel(QtWidgets.QScrollArea):
    """A scrollable column of :class:`ProcessorPanel`, one per processor of a chain."""

    param_changed = QtCore.Signal(str, str, object)
    bypass_changed = QtCore.Signal(str, bool)

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.panels: dict[str, ProcessorPanel] = {}
        self.setWidget(QtWidgets.QWidget())

    def rebuild(self, chain: Chain, sample_rate: Optional[float]) -> None:
        """Replace the panels with new ones for ``chain``."""
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        self.panels = {}
        for key, proc in zip(processor_keys(chain), chain):
            panel = ProcessorPanel(key, proc, sample_rate)
            panel.param_changed.connect(self.param_changed)
            panel.bypass_changed.connect(self.bypass_changed)
            self.panels[key] = panel
            layout.addWidget(panel)
        layout.addStretch(1)
        self.setWidget(body)

    def refresh(self, key: Optional[str] = None) -> None:
        """Re-read values from the processors (one panel or all)."""
        for name, panel in self.panels.items():
            if key is None or name == key:
                panel.refresh()

    def set_running(self, running: bool) -> None:
        """See :meth:`ProcessorPanel.set_running`."""
        for panel in self.panels.values():
            panel.set_running(running)
