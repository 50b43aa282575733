"""Start the viewer: QApplication, engine factory, window, optional screenshot.

:func:`run` is what ``rtaudio gui`` calls. With ``screenshot`` it renders
for ``duration`` seconds, saves the window as a PNG and quits (works
offscreen and under ``xvfb-run``).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from rtaudio.atomicfile import atomic_path
from rtaudio.chain import Chain
from rtaudio.errors import RtaudioError
from .analysis import SpectrogramSettings
from .source import ViewerSource

VIRTUAL_LABEL = "virtual (demo signal)"


def make_source_factory(samplerate: float = 48000.0, blocksize: int = 256, channels: int = 1,
                        virtual_input: Optional[np.ndarray] = None,
                        backend_options: Optional[dict[str, Any]] = None, reconnect: bool = False):
    """A ``factory(chain, backend, device, mode)`` for :class:`~rtaudio.gui.window.ViewerWindow`
    that builds an :class:`~rtaudio.gui.engine_source.EngineSource` (the real engine).

    Parameters
    ----------
    samplerate, blocksize, channels
        Stream settings.
    virtual_input : numpy.ndarray, optional
        Input of the virtual device (default: the built-in demo signal).
    backend_options : dict, optional
        Options of the backend chosen on the command line (``rtaudio gui
        --input/--play/--loop``): the virtual device's ``input``/``loop``,
        or the sound card's ``play``/``loop``. They apply to that kind of
        device only.
    reconnect : bool
        Sound-card engines wait for a lost JACK server and carry on
        (``Engine(reconnect=True)``, docs/realtime.md §4.1); the virtual
        device cannot be lost.
    """
    given = dict(backend_options or {})
    virtual_options = {k: v for k, v in given.items() if k in ("input", "loop")} \
        if "play" not in given else {}
    device_options = given if "play" in given else {}
    if virtual_input is not None:
        virtual_options["input"] = virtual_input

    def factory(chain: Chain, backend: str, device: Any, mode: str) -> ViewerSource:
        from .engine_source import EngineSource
        options = (virtual_options if backend == "virtual" else device_options) or None
        return EngineSource(chain, device=device, samplerate=samplerate, blocksize=blocksize,
                            channels=channels, mode=mode, backend=backend, backend_options=options,
                            reconnect=reconnect and backend != "virtual")

    return factory


def device_choices(include_hardware: bool = True,
                   virtual_label: str = VIRTUAL_LABEL) -> list[tuple[str, str, Any]]:
    """``(label, backend, device)`` entries of the device box: the virtual
    device first, then every PortAudio device with outputs."""
    choices: list[tuple[str, str, Any]] = [(virtual_label, "virtual", None)]
    if not include_hardware:
        return choices
    try:
        import sounddevice as sd
        hostapis = sd.query_hostapis()
        for dev in sd.query_devices():
            if dev["max_output_channels"] > 0:
                api = hostapis[dev["hostapi"]]["name"]
                choices.append((f"{dev['index']}: {dev['name']} ({api})", "sounddevice", int(dev["index"])))
    except Exception:  # no PortAudio devices: the virtual device still works
        pass
    return choices


def ensure_qapp():
    """The running QApplication, or a new one."""
    from pyqtgraph.Qt import QtWidgets
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1])
        app.setApplicationName("rtaudio viewer")
    return app


def create_window(chain: Chain, *, device: Union[int, str, None] = None, mode: str = "native",
                  virtual: bool = False, samplerate: float = 48000.0, blocksize: int = 256,
                  channels: int = 1, virtual_input: Optional[np.ndarray] = None,
                  settings: SpectrogramSettings = SpectrogramSettings(scale="mel"),
                  autostart: bool = True,
                  backend_options: Optional[dict[str, Any]] = None, reconnect: bool = False):
    """Build the main window (a QApplication must exist).

    ``virtual=True`` selects the virtual device (demo signal or
    ``virtual_input``); otherwise ``device`` (index or name substring, None
    for the default device) on the sounddevice backend. ``backend_options``
    and ``reconnect`` as in :func:`make_source_factory`.
    """
    from .window import ViewerWindow
    factory = make_source_factory(samplerate, blocksize, channels, virtual_input, backend_options,
                                  reconnect)
    virtual_file = (backend_options or {}).get("input")
    label = f"virtual ({Path(virtual_file).name})" if isinstance(virtual_file, (str, Path)) \
        else VIRTUAL_LABEL
    choices = device_choices(virtual_label=label)
    selected: Any = None
    if not virtual:
        if isinstance(device, str) and not device.isdigit():
            matches = [c for c in choices[1:] if device.lower() in c[0].lower()]
            if not matches:
                names = ", ".join(c[0] for c in choices[1:]) or "none"
                raise RtaudioError(f"no audio device matches {device!r}; devices: {names}")
            selected = matches[0][2]
        elif device is not None:
            selected = int(device)
        else:  # the default device: put a "default" entry first
            choices.insert(0, ("default device", "sounddevice", "default"))
            selected = "default"
    if selected is not None and all(c[2] != selected for c in choices):
        choices.append((f"device {selected}", "sounddevice", selected))

    def factory_with_default(chain: Chain, backend: str, dev: Any, engine_mode: str) -> ViewerSource:
        return factory(chain, backend, None if dev == "default" else dev, engine_mode)

    return ViewerWindow(chain, factory_with_default, devices=choices, device=selected, mode=mode,
                        samplerate=samplerate, settings=settings, autostart=autostart)


def save_screenshot(window, path: Union[str, Path]) -> Path:
    """Grab ``window`` into a PNG at ``path`` (written under a temporary name, then renamed)."""
    path = Path(path)
    with atomic_path(path) as temporary:
        if not window.grab().save(str(temporary), "PNG"):
            raise RtaudioError(f"cannot write screenshot {path}")
    return path


def run(chain: Chain, *, device: Union[int, str, None] = None, mode: str = "native",
        virtual: bool = False, samplerate: float = 48000.0, blocksize: int = 256, channels: int = 1,
        screenshot: Union[str, Path, None] = None, duration: Optional[float] = None,
        backend_options: Optional[dict[str, Any]] = None, reconnect: bool = False) -> int:
    """Open the viewer and run the Qt event loop.

    Parameters
    ----------
    chain : Chain
        The processors.
    device, mode, virtual, samplerate, blocksize, channels, backend_options, reconnect
        See :func:`create_window`.
    screenshot : path, optional
        Save a PNG of the window after ``duration`` seconds (default 5) and quit.
    duration : float, optional
        Close the window after this many seconds.

    Returns
    -------
    int
        Exit status (0).
    """
    from pyqtgraph.Qt import QtCore
    app = ensure_qapp()
    window = create_window(chain, device=device, mode=mode, virtual=virtual, samplerate=samplerate,
                           blocksize=blocksize, channels=channels, backend_options=backend_options,
                           reconnect=reconnect)
    window.show()
    failure: list[BaseException] = []
    if screenshot is not None and duration is None:
        duration = 5.0
    if duration is not None:
        def finish() -> None:
            try:
                if screenshot is not None:
                    save_screenshot(window, screenshot)
            except BaseException as exc:  # re-raised after the event loop
                failure.append(exc)
            window.close()
        QtCore.QTimer.singleShot(int(duration * 1000), finish)
    app.exec()
    window.close()
    for gap in window.outages:  # what the status bar said, kept after the window is gone
        print(f"device lost at {gap['lost_at_s']:.1f} s ({gap['reason']}); reconnected at "
              f"{gap['resumed_at_s']:.1f} s: a gap of {gap['gap_s']:.2f} s", file=sys.stderr)
    if failure:
        raise failure[0]
    return 0
