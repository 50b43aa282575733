"""``rtaudio gui``: the live spectrogram viewer (needs the ``gui`` extra).

The audio options are ``rtaudio live``'s (``--virtual``, ``--input FILE``,
``--play FILE``, ``--loop``, ``--channels``); the viewer opens at most
``VIEWER_MAX_CHANNELS`` channels by default, as many as its meters show.
"""
from __future__ import annotations

from typing import Optional

import click

from rtaudio.commands.options import effects_option
from rtaudio.commands.stream_source import resolve_source, source_options
from rtaudio.errors import RtaudioError

DEFAULT_GUI_CHAIN = "gate(threshold_db=-45) > lowpass(cutoff_hz=3000) > yin"
#: the default channel count is the device's, capped at what the level meters show
VIEWER_MAX_CHANNELS = 2
GUI_EXTRA_HINT = 'the viewer needs the gui extra (PySide6, pyqtgraph): pip install "rtaudio[gui]"'


def check_gui_extra() -> None:
    """Raise ``RtaudioError`` naming the extra to install if Qt or pyqtgraph is missing."""
    try:
        import PySide6.QtWidgets  # noqa: F401
        import pyqtgraph  # noqa: F401
    except ImportError as exc:
        raise RtaudioError(f"{GUI_EXTRA_HINT} ({exc.name or exc} is missing)") from None


#: PySide6 releases whose ``Signal.emit`` drops a reference to True/None on
#: CPython < 3.12 (where those objects are not immortal): every emit leaks
#: one, and the viewer aborts with "deallocating True/None" within minutes.
BROKEN_PYSIDE = ("6.12.0",)


def pyside_warning() -> Optional[str]:
    """A one-line warning if the installed PySide6 is known to crash the viewer."""
    import sys
    import PySide6
    if PySide6.__version__ in BROKEN_PYSIDE and sys.version_info < (3, 12):
        return (f"warning: PySide6 {PySide6.__version__} has a reference-count bug in Signal.emit "
                f"on Python {sys.version_info.major}.{sys.version_info.minor} that aborts the viewer "
                f"after a minute or so; install another release: pip install "
                f"\"PySide6-Essentials!={PySide6.__version__}\"")
    return None


def _has_output_device() -> bool:
    try:
        import sounddevice as sd
        return any(d["max_output_channels"] > 0 for d in sd.query_devices())
    except Exception:
        return False


@click.command("gui")
@click.option("--device", default=None, metavar="D",
              help="Audio device index or name substring (default: the system default).")
@click.option("--mode", type=click.Choice(["native", "python"]), default="native", show_default=True,
              help="Engine mode: C callback without Python (native) or Python callback.")
@click.option("--chain", "chain_text", default=None, metavar="CHAIN",
              help=f'Chain string (default "{DEFAULT_GUI_CHAIN}").')
@click.option("--preset", type=click.Path(dir_okay=False), default=None,
              help="TOML preset file describing the chain.")
@effects_option
@click.option("--samplerate", type=float, default=None,
              help="Sample rate in Hz [default: the file's rate with --input or --play, else 48000].")
@click.option("--blocksize", type=click.IntRange(16, 8192), default=256, show_default=True,
              help="Frames per callback.")
@source_options
@click.option("--screenshot", type=click.Path(dir_okay=False), default=None,
              help="Save a PNG of the window after --duration seconds (default 5) and quit.")
@click.option("--duration", type=click.FloatRange(min=0.1), default=None,
              help="Close the window after this many seconds.")
@click.option("--reconnect", is_flag=True, default=False,
              help="When the JACK server goes away, wait for it and carry on with the same chain "
                   "(rtaudio's own JACK client; docs/realtime.md §4.1).")
def command(device: Optional[str], mode: str, chain_text: Optional[str], preset: Optional[str],
            samplerate: Optional[float], blocksize: int, force_virtual: bool, input_path: Optional[str],
            play_path: Optional[str], loop: bool, channels: Optional[int],
            screenshot: Optional[str], duration: Optional[float], reconnect: bool = False) -> None:
    """Open the live spectrogram viewer: scrolling spectrogram with the YIN
    pitch overlay, level meters, engine health counters and a control for
    every parameter of the chain."""
    check_gui_extra()
    warning = pyside_warning()
    if warning:
        click.echo(f"rtaudio: {warning}", err=True)
    from rtaudio.chain_spec import chain_from_options
    chain = chain_from_options(chain_text, preset, DEFAULT_GUI_CHAIN)
    source = resolve_source(device=device, audio_backend="sounddevice", force_virtual=force_virtual,
                            input_path=input_path, play_path=play_path, loop=loop,
                            channels=channels, samplerate=samplerate,
                            channel_cap=None if channels is not None else VIEWER_MAX_CHANNELS,
                            has_device=_has_output_device)
    if source.notice:
        click.echo(f"rtaudio: {source.notice}", err=True)
    if reconnect and source.virtual:
        raise RtaudioError("--reconnect follows a JACK server, and none answers (the virtual "
                           "device cannot be lost); start JACK or drop --reconnect")
    parsed_device = int(device) if device is not None and device.isdigit() else device
    from rtaudio.gui.app import run
    run(chain, device=parsed_device, mode=mode, virtual=source.virtual, samplerate=source.samplerate,
        blocksize=blocksize, channels=source.channels, screenshot=screenshot, duration=duration,
        backend_options=source.options, reconnect=reconnect)
    if screenshot is not None:
        click.echo(f"wrote {screenshot}")
