"""The viewer's main window: spectrogram, meters, health, controls, toolbar.

A ``QTimer`` (``FPS`` per second) drives every update: it drains the
engine's audio taps and the pitch ring, scrolls the spectrogram, sets the
meters and, every ``STATS_EVERY`` ticks, shows the monitor's running
statistics (O(1) in the run's length: totals and a latency histogram kept
as the monitor drains its ring).
Reading a ring never waits for the audio thread, so a slow or stalled
window only makes the taps drop samples for the display; the audio itself
is untouched.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Optional, Sequence

from pyqtgraph.Qt import QtCore, QtWidgets

from rtaudio.chain import Chain
from rtaudio.errors import RtaudioError
from .analysis import FFT_SIZES, OVERLAPS, SpectrogramSettings, level_dbfs
from .controls import ControlsPanel
from .meters import HealthPanel, LevelMeter
from .presets import PRESET_FILTER, open_preset, save_preset
from .source import ViewerSource
from .spectrogram_view import COLORMAPS, SpectrogramView

#: display refresh rate (timer ticks per second)
FPS = 40
#: the health panel's statistics are refreshed every this many ticks (4 Hz)
STATS_EVERY = 10

#: factory(chain, backend, device, mode) -> ViewerSource
SourceFactory = Callable[[Chain, str, Any, str], ViewerSource]


class _Running:
    """What must be stopped if the window goes away without a close event
    (its Python wrapper collected, e.g. after a test): the source. Called
    by ``weakref.finalize``; stopping twice is harmless."""

    def __init__(self) -> None:
        self.source: Optional[ViewerSource] = None

    def stop(self, *_: Any) -> None:
        if self.source is not None:
            self.source.close()


class ViewerWindow(QtWidgets.QMainWindow):
    """The live spectrogram viewer.

    Parameters
    ----------
    chain : Chain
        The processors (the controls are generated from them).
    source_factory : callable
        ``factory(chain, backend, device, mode)`` returning a
        :class:`~rtaudio.gui.source.ViewerSource`; called on start after
        the device, mode or chain changed.
    devices : sequence of (label, backend, device)
        Choices of the device box; the first is selected unless ``device``
        matches another one.
    device : optional
        Initially selected device value.
    mode : {"native", "python"}
        Initially selected engine mode.
    samplerate : float
        Sample rate of the stream in Hz (for axes and control ranges).
    settings : SpectrogramSettings
        Initial spectrogram settings.
    autostart : bool
        Start the engine as soon as the window is constructed.
    """

    def __init__(self, chain: Chain, source_factory: SourceFactory,
                 devices: Sequence[tuple[str, str, Any]] = (("virtual (demo signal)", "virtual", None),),
                 device: Any = None, mode: str = "native", samplerate: float = 48000.0,
                 settings: SpectrogramSettings = SpectrogramSettings(scale="linear"), autostart: bool = True,
                 parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("rtaudio live viewer")
        self.chain = chain
        self.source_factory = source_factory
        self.samplerate = float(samplerate)
        self.source: Optional[ViewerSource] = None
        self._devices = list(devices)
        self._ticks = 0
        self._last_dropped = 0
        self.last_stats: dict[str, Any] = {}
        self.spectrum_source = "output"

        self.view = SpectrogramView(self.samplerate, settings)
        self.meter_in = LevelMeter("in")
        self.meter_out = LevelMeter("out")
        self.health = HealthPanel()
        self.controls = ControlsPanel()
        self.controls.param_changed.connect(self.apply_param)
        self.controls.bypass_changed.connect(self.apply_bypass)
        self.controls.rebuild(chain, self.samplerate)

        left = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 4, 4)
        left_layout.addWidget(self._build_spectrogram_bar())
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.meter_in)
        left_layout.addWidget(self.meter_out)
        right = QtWidgets.QWidget()
        right_layout = QtWidgets.QVBoxLayout(right)
        right_layout.setContentsMargins(4, 4, 4, 4)
        right_layout.addWidget(self.health)
        right_layout.addWidget(self.controls, 1)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.addToolBar(self._build_engine_bar(device, mode))
        self.statusBar().showMessage("stopped")
        self.resize(1280, 800)

        self._running = _Running()
        self._was_reconnecting = False   # for the status bar (reconnect)
        #: device outages the engine survived (``reconnect``), as Engine.stats()["gaps"]
        self.outages: list[dict] = []
        weakref.finalize(self, self._running.stop)   # the callback must not reference self
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(int(1000 / FPS))
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        if autostart:
            self.start()

    # ------------------------------------------------------------------ bars
    def _build_engine_bar(self, device: Any, mode: str) -> QtWidgets.QToolBar:
        bar = QtWidgets.QToolBar("engine")
        bar.setMovable(False)
        bar.addWidget(QtWidgets.QLabel(" device "))
        self.device_box = QtWidgets.QComboBox()
        for label, backend, value in self._devices:
            self.device_box.addItem(label, (backend, value))
        for i, (_, backend, value) in enumerate(self._devices):
            if device is not None and value == device:
                self.device_box.setCurrentIndex(i)
        self.device_box.currentIndexChanged.connect(self._engine_choice_changed)
        bar.addWidget(self.device_box)
        bar.addWidget(QtWidgets.QLabel(" mode "))
        self.mode_box = QtWidgets.QComboBox()
        self.mode_box.addItems(["native", "python"])
        self.mode_box.setCurrentText(mode)
        self.mode_box.currentIndexChanged.connect(self._engine_choice_changed)
        bar.addWidget(self.mode_box)
        bar.addSeparator()
        self.start_button = QtWidgets.QPushButton("Start")
        self.start_button.setCheckable(True)
        self.start_button.clicked.connect(self._start_clicked)
        bar.addWidget(self.start_button)
        bar.addSeparator()
        load = QtWidgets.QPushButton("Load preset…")
        load.clicked.connect(self._load_preset_dialog)
        save = QtWidgets.QPushButton("Save preset…")
        save.clicked.connect(self._save_preset_dialog)
        bar.addWidget(load)
        bar.addWidget(save)
        return bar

    def _build_spectrogram_bar(self) -> QtWidgets.QWidget:
        bar = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        settings = self.view.settings

        def add(label: str, widget: QtWidgets.QWidget) -> None:
            row.addWidget(QtWidgets.QLabel(label))
            row.addWidget(widget)

        self.source_box = QtWidgets.QComboBox()
        self.source_box.addItems(["output", "input"])
        self.source_box.currentTextChanged.connect(self.set_spectrum_source)
        add("source", self.source_box)
        self.scale_box = QtWidgets.QComboBox()
        self.scale_box.addItems(["linear", "mel"])
        self.scale_box.setCurrentText(settings.scale)
        self.scale_box.currentTextChanged.connect(self._spectrogram_settings_changed)
        add("axis", self.scale_box)
        self.fft_box = QtWidgets.QComboBox()
        self.fft_box.addItems([str(n) for n in FFT_SIZES])
        self.fft_box.setCurrentText(str(settings.n_fft))
        self.fft_box.currentTextChanged.connect(self._spectrogram_settings_changed)
        add("FFT", self.fft_box)
        self.overlap_box = QtWidgets.QComboBox()
        for overlap in OVERLAPS:
            self.overlap_box.addItem(f"{100 * overlap:g} %", overlap)
        self.overlap_box.setCurrentIndex(OVERLAPS.index(settings.overlap) if settings.overlap in OVERLAPS else 0)
        self.overlap_box.currentIndexChanged.connect(self._spectrogram_settings_changed)
        add("overlap", self.overlap_box)
        self.db_low = QtWidgets.QSpinBox()
        self.db_low.setRange(-160, -10)
        self.db_low.setSuffix(" dB")
        self.db_low.setValue(int(self.view.db_range[0]))
        self.db_high = QtWidgets.QSpinBox()
        self.db_high.setRange(-100, 20)
        self.db_high.setSuffix(" dB")
        self.db_high.setValue(int(self.view.db_range[1]))
        self.db_low.valueChanged.connect(self._db_range_changed)
        self.db_high.valueChanged.connect(self._db_range_changed)
        add("range", self.db_low)
        add("to", self.db_high)
        self.cmap_box = QtWidgets.QComboBox()
        self.cmap_box.addItems(list(COLORMAPS))
        self.cmap_box.currentTextChanged.connect(self.view.set_colormap)
        add("colours", self.cmap_box)
        row.addStretch(1)
        return bar

    # --------------------------------------------------------------- settings
    def set_spectrum_source(self, which: str) -> None:
        """Show the chain's ``"input"`` or ``"output"`` in the spectrogram."""
        if which not in ("input", "output"):
            raise ValueError(f"spectrogram source = {which!r} is not valid: expected 'input' or 'output'")
        self.spectrum_source = which
        if self.source_box.currentText() != which:
            self.source_box.setCurrentText(which)

    def _spectrogram_settings_changed(self, *_: Any) -> None:
        settings = SpectrogramSettings.from_overlap(
            n_fft=int(self.fft_box.currentText()), overlap=float(self.overlap_box.currentData()),
            scale=self.scale_box.currentText())
        self.view.configure(settings)

    def _db_range_changed(self, *_: Any) -> None:
        low, high = self.db_low.value(), self.db_high.value()
        if low < high:
            self.view.set_db_range(low, high)
        else:
            self.statusBar().showMessage(f"dB range {low}..{high} is empty: the low limit must be "
                                         f"below the high limit", 4000)

    # ----------------------------------------------------------------- engine
    @property
    def selected_mode(self) -> str:
        return self.mode_box.currentText()

    @property
    def selected_device(self) -> tuple[str, Any]:
        """``(backend, device)`` of the device box."""
        return self.device_box.currentData()

    def start(self) -> bool:
        """Start the engine (creating it for the current device, mode and chain).

        Returns False (and says why in the status bar) if it cannot start.
        """
        if self.source is not None and self.source.running:
            return True
        try:
            if self.source is None:
                backend, device = self.selected_device
                self.source = self.source_factory(self.chain, backend, device, self.selected_mode)
            self.source.read_pitch()      # results of a previous run (times restart at 0)
            self.source.start()
        except Exception as exc:  # a device or driver error must not take the window down
            if self.source is not None:
                self.source.close()
            self.source = None
            self._show_running(False)
            self.statusBar().showMessage(f"cannot start: {exc}")
            return False
        self.view.reset()
        self.health.reset()
        self._last_dropped = 0
        self._running.source = self.source
        self._show_running(True)
        self.controls.refresh()
        self.statusBar().showMessage(f"running: {self.source.description}")
        return True

    def stop(self) -> None:
        """Stop the engine and its stream (the last statistics stay shown)."""
        if self.source is not None:
            self.source.stop()
            self._update_stats(force=True)
        self._show_running(False)
        self.statusBar().showMessage("stopped")

    @property
    def running(self) -> bool:
        return self.source is not None and self.source.running

    def _show_running(self, running: bool) -> None:
        self.start_button.blockSignals(True)
        self.start_button.setChecked(running)
        self.start_button.setText("Stop" if running else "Start")
        self.start_button.blockSignals(False)
        self.controls.set_running(running)

    def _start_clicked(self, checked: bool) -> None:
        if checked:
            self.start()
        else:
            self.stop()

    def _engine_choice_changed(self, *_: Any) -> None:
        """Device or mode changed: rebuild the engine (restart if it ran)."""
        was_running = self.running
        self._drop_source()
        if was_running:
            self.start()

    def _drop_source(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None
        self._show_running(False)

    def set_chain(self, chain: Chain) -> None:
        """Replace the chain (e.g. from a preset): new controls, engine restarted if it ran."""
        was_running = self.running
        self._drop_source()
        self.chain = chain
        self.controls.rebuild(chain, self.samplerate)
        if was_running:
            self.start()

    # ---------------------------------------------------------------- control
    def apply_param(self, key: str, name: str, value: Any) -> None:
        """Set a parameter: through the running engine's thread-safe path, or
        directly on the processor while stopped."""
        try:
            if self.running:
                self.source.set_param(key, name, value)
            else:
                setattr(self.chain[key], name, value)
        except (ValueError, KeyError, RtaudioError) as exc:
            self.statusBar().showMessage(str(exc.args[0] if exc.args else exc), 5000)
        self.controls.refresh(key)

    def apply_bypass(self, key: str, bypass: bool) -> None:
        """Bypass or re-enable a processor."""
        if self.running:
            self.source.set_bypass(key, bypass)
        else:
            self.chain[key].bypass = bypass

    # ---------------------------------------------------------------- presets
    def save_preset(self, path: str) -> None:
        """Save the chain as a TOML preset (status bar reports the result)."""
        try:
            written = save_preset(self.chain, path)
        except RtaudioError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self.statusBar().showMessage(f"preset saved to {written}", 5000)

    def load_preset(self, path: str) -> bool:
        """Load a TOML preset and switch to its chain; False (with a message) on error."""
        try:
            chain = open_preset(path)
        except RtaudioError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return False
        self.set_chain(chain)
        self.statusBar().showMessage(f"preset loaded from {path}", 5000)
        return True

    def _save_preset_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save preset", "preset.toml", PRESET_FILTER)
        if path:
            self.save_preset(path)

    def _load_preset_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Load preset", "", PRESET_FILTER)
        if path:
            self.load_preset(path)

    # ------------------------------------------------------------------ timer
    def tick(self) -> None:
        """One display update: drain the rings, draw, and refresh the health panel."""
        source = self.source
        if source is None:
            self.health.refresh_alarms()
            return
        if source.running:
            self._show_reconnect(source.reconnecting)
            inp, out = source.read_taps()
            if len(inp):
                self.meter_in.set_levels(*level_dbfs(inp))
            if len(out):
                self.meter_out.set_levels(*level_dbfs(out))
            frames = out if self.spectrum_source == "output" else inp
            # samples the taps dropped while the window was slow: the input and
            # output taps drop together, so half of them, in frames, is the gap
            dropped = source.tap_dropped()
            skipped = (dropped - self._last_dropped) // max(1, 2 * source.channels)
            self._last_dropped = dropped
            if len(frames) or skipped:
                self.view.push_audio(frames.mean(axis=1) if frames.shape[1] > 1 else frames[:, 0],
                                     skipped_frames=skipped)
            self.view.add_pitch(source.read_pitch())
        elif source.error and self.start_button.isChecked():
            self._show_running(False)
            self._update_stats(force=True)
            self.statusBar().showMessage(f"engine stopped: {source.error}")
        self._update_stats()
        self.health.refresh_alarms()

    def _show_reconnect(self, reconnecting: bool) -> None:
        """Status bar while the device is lost (``--reconnect``) and once it is back."""
        if reconnecting == self._was_reconnecting:
            return
        self._was_reconnecting = reconnecting
        if reconnecting:
            self.statusBar().showMessage("device lost: waiting for it to come back (reconnect); "
                                         "the chain and its settings are kept")
        else:
            gaps = self.source.stats().get("gaps", []) if self.source is not None else []
            gap = ""
            if gaps:
                self.outages.append(gaps[-1])
                gap = f" after a gap of {gaps[-1]['gap_s']:.2f} s"
            self.statusBar().showMessage(f"reconnected{gap}: {self.source.description}")

    def _update_stats(self, force: bool = False) -> None:
        """Show the source's statistics every ``STATS_EVERY`` ticks, or now
        with ``force`` (once the engine stopped: its final summary)."""
        self._ticks += 1
        if self.source is None or not (force or self._ticks % STATS_EVERY == 0):
            return
        stats = self.source.stats()
        if stats:
            self.last_stats = stats
            self.health.update_stats(stats)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        """Stop the timer, the engine and its stream before the window goes."""
        self.timer.stop()
        self._drop_source()
        super().closeEvent(event)
