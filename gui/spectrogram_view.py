"""Scrolling spectrogram (pyqtgraph ImageItem) with Hz axis, colour bar and pitch overlay.

Coordinates of the plot: x is time in seconds relative to the newest
spectrogram frame (negative = past); y is frequency in Hz for the linear
scale and Slaney mel for the mel scale, whose axis is labelled in Hz.
The image array is ``(columns, rows)`` (pyqtgraph's default column-major
order): column ``j`` is one STFT frame, oldest first; row ``k`` one FFT
bin or mel band, lowest frequency at the bottom.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtWidgets

from rtaudio.analysis import spectrogram as sp
from .analysis import SpectrogramFeed, SpectrogramSettings, check_live_settings, note_of

#: colormaps offered in the window (all ship with pyqtgraph)
COLORMAPS = ("inferno", "magma", "viridis", "plasma", "cividis", "turbo", "CET-L1")
#: Hz values that get a labelled tick on the mel axis (those below Nyquist)
MEL_TICKS_HZ = (50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 8000, 10000, 16000, 20000)
#: seconds of pitch history drawn after the tracker last reported a voiced hop
NOTE_HOLD_S = 0.3


def hz_label(f_hz: float) -> str:
    """``"500"``, ``"1k"``, ``"2.5k"``: short tick label of a frequency in Hz."""
    if f_hz >= 1000.0:
        text = f"{f_hz / 1000.0:.1f}".rstrip("0").rstrip(".")
        return text + "k"
    return f"{f_hz:g}"


class SpectrogramView(QtWidgets.QWidget):
    """Scrolling dB spectrogram, its colour bar, the f0 overlay and the note label.

    Parameters
    ----------
    sample_rate : float
        Sample rate of the audio pushed in, Hz.
    settings : SpectrogramSettings
        Initial FFT size, overlap and frequency scale.
    history_s : float
        Seconds of audio shown across the plot.
    parent : QWidget, optional
    """

    def __init__(self, sample_rate: float, settings: SpectrogramSettings = SpectrogramSettings(scale="linear"),
                 history_s: float = 6.0, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.sample_rate = float(sample_rate)
        self.history_s = float(history_s)
        self.db_range = (-100.0, 0.0)
        self.colormap_name = COLORMAPS[0]
        self.note_label = QtWidgets.QLabel("no pitch", self)
        self.note_label.setObjectName("noteLabel")
        self.note_label.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "time", units="s")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot.addItem(self.image)
        self.pitch_curve = pg.PlotDataItem(pen=pg.mkPen((0, 255, 255), width=2), connect="finite")
        self.plot.addItem(self.pitch_curve)
        self.colorbar = pg.ColorBarItem(values=self.db_range, colorMap=pg.colormap.get(self.colormap_name),
                                        label="dB re full-scale sine", interactive=False, width=15)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note_label)
        layout.addWidget(self.graphics, 1)
        self._pitch_t = np.zeros(0)
        self._pitch_f = np.zeros(0)
        self.last_voiced_hz: Optional[float] = None
        self._last_voiced_time = -math.inf
        self.configure(settings)

    # ---------------------------------------------------------- configuration
    def configure(self, settings: SpectrogramSettings, sample_rate: Optional[float] = None) -> None:
        """Apply new FFT size / overlap / scale (clears the image, keeps the time)."""
        if sample_rate is not None:
            self.sample_rate = float(sample_rate)
        origin = getattr(self, "_stream_frames", 0)
        self.settings = check_live_settings(settings)
        self.feed = SpectrogramFeed(self.sample_rate, settings)
        self._feed_origin = origin        # stream frame at which the feed started
        self._stream_frames = origin
        hop_s = settings.hop_length / self.sample_rate
        self.columns = max(8, int(round(self.history_s / hop_s)))
        self.data = np.full((self.columns, self.feed.rows), self.db_range[0], dtype=np.float32)
        self._rows_hz = self.feed.row_frequencies_hz()
        nyquist = self.sample_rate / 2.0
        if settings.scale == "mel":
            edges = sp.hz_to_mel(self.feed.mel_edges_hz())
            step = float(edges[1] - edges[0])
            y0, height = float(edges[1]) - step / 2.0, step * self.feed.n_mels
            ticks = [(float(sp.hz_to_mel(f)), hz_label(f)) for f in MEL_TICKS_HZ
                     if settings.fmin_hz <= f <= nyquist]
            self.plot.getAxis("left").setTicks([ticks, []])
            self.plot.setLabel("left", "frequency (Hz, mel scale)", units=None)
        else:
            step = self.sample_rate / settings.n_fft
            y0, height = -step / 2.0, step * self.feed.rows
            self.plot.getAxis("left").setTicks(None)
            self.plot.setLabel("left", "frequency", units="Hz")
        self._y_range = (y0, y0 + height)
        self.image.setImage(self.data, autoLevels=False, levels=self.db_range)
        self.image.setRect(QtCore.QRectF(-self.columns * hop_s, y0, self.columns * hop_s, height))
        self.plot.setXRange(-self.columns * hop_s, 0.0, padding=0)
        self.plot.setYRange(y0, y0 + height, padding=0)
        self._redraw_pitch()

    def set_colormap(self, name: str) -> None:
        """Use pyqtgraph colormap ``name`` for the image and the colour bar."""
        if name not in COLORMAPS:
            raise ValueError(f"colormap = {name!r} is not valid: expected one of {', '.join(COLORMAPS)}")
        self.colormap_name = name
        self.colorbar.setColorMap(pg.colormap.get(name))

    def set_db_range(self, low_db: float, high_db: float) -> None:
        """Colour scale limits in dB (``low_db < high_db``)."""
        if not low_db < high_db:
            raise ValueError(f"dB range ({low_db:g}, {high_db:g}) is empty: the low limit must be "
                             f"below the high limit")
        self.db_range = (float(low_db), float(high_db))
        self.colorbar.setLevels(self.db_range)
        self.image.setLevels(self.db_range)

    def reset(self) -> None:
        """Forget all audio and pitch (a new stream starts at time 0)."""
        self._stream_frames = 0
        self._pitch_t = np.zeros(0)
        self._pitch_f = np.zeros(0)
        self.last_voiced_hz = None
        self._last_voiced_time = -math.inf
        self.note_label.setText("no pitch")
        self.configure(self.settings)

    # ------------------------------------------------------------------ data
    def row_frequencies_hz(self) -> np.ndarray:
        """Centre frequency in Hz of every image row."""
        return self._rows_hz

    @property
    def newest_frame_time_s(self) -> float:
        """Stream time (s) at the centre of the newest spectrogram frame."""
        emitted = self.feed.frames_emitted
        return (self._feed_origin + max(emitted - 1, 0) * self.feed.hop_length) / self.sample_rate

    def push_audio(self, mono: np.ndarray, skipped_frames: int = 0) -> int:
        """Add mono samples; scroll the image. Returns the number of new columns.

        Parameters
        ----------
        mono : numpy.ndarray
            1-D samples that follow the previous call's.
        skipped_frames : int
            Frames the tap dropped before these samples (keeps the time axis
            aligned with the pitch tracker's clock).
        """
        self._stream_frames += int(skipped_frames)
        self._feed_origin += int(skipped_frames)
        columns = self.feed.push(mono)
        self._stream_frames += len(mono)
        n = len(columns)
        if n:
            if n >= self.columns:
                self.data[:] = columns[-self.columns:]
            else:
                self.data[:-n] = self.data[n:]
                self.data[-n:] = columns
            self.image.setImage(self.data, autoLevels=False, levels=self.db_range)
        return n

    def add_pitch(self, results: np.ndarray, channel: int = 0) -> None:
        """Add YinTracker results (``read_results`` rows); draws voiced hops only."""
        if len(results):
            mine = results[results["channel"] == channel]
            if len(mine):
                f0 = np.where(mine["voiced"], mine["f0_hz"], np.nan)
                self._pitch_t = np.concatenate([self._pitch_t, mine["time_s"]])
                self._pitch_f = np.concatenate([self._pitch_f, f0])
                voiced = mine[mine["voiced"]]
                if len(voiced):
                    self.last_voiced_hz = float(voiced["f0_hz"][-1])
                    self._last_voiced_time = float(voiced["time_s"][-1])
                last_time = float(mine["time_s"][-1])
                if last_time - self._last_voiced_time > NOTE_HOLD_S:
                    self.last_voiced_hz = None
        self._redraw_pitch()
        self._update_note()

    def pitch_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The overlay's ``(x_s, y)`` plot coordinates of the voiced points shown."""
        x, y = self.pitch_curve.getData()
        if x is None:
            return np.zeros(0), np.zeros(0)
        keep = np.isfinite(y)
        return x[keep], y[keep]

    def frequency_to_y(self, f_hz: np.ndarray) -> np.ndarray:
        """Plot y coordinate of frequencies in Hz (Hz, or mel on the mel scale)."""
        f_hz = np.asarray(f_hz, dtype=np.float64)
        return sp.hz_to_mel(f_hz) if self.settings.scale == "mel" else f_hz

    def _redraw_pitch(self) -> None:
        if not hasattr(self, "feed"):
            return
        now = self.newest_frame_time_s
        keep = self._pitch_t >= now - self.history_s - 1.0
        self._pitch_t, self._pitch_f = self._pitch_t[keep], self._pitch_f[keep]
        x = self._pitch_t - now
        y = np.full(len(x), np.nan)
        finite = np.isfinite(self._pitch_f)
        y[finite] = self.frequency_to_y(self._pitch_f[finite])
        if np.any(finite):
            self.pitch_curve.setData(x, y, connect="finite")
        else:
            self.pitch_curve.setData([], [])

    def _update_note(self) -> None:
        if self.last_voiced_hz is None:
            self.note_label.setText("no pitch")
            return
        name, cents = note_of(self.last_voiced_hz)
        self.note_label.setText(f"{name} {cents:+d} cents   {self.last_voiced_hz:.1f} Hz")
