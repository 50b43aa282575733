"""The ``rtaudio`` command (also ``python -m rtaudio``).

Each subcommand lives in ``rtaudio/commands/<name>.py`` and is imported
only when used, so ``rtaudio --help`` stays fast. User errors
(``RtaudioError``) print one line and exit with status 1; Ctrl-C exits
with status 130.
"""
from __future__ import annotations

import gc
import importlib
import sys
from typing import Optional, Sequence

import click

from rtaudio.errors import RtaudioError

#: subcommand name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("rtaudio.commands.demo", "Render the built-in demo signal through a chain and summarise."),
    "render": ("rtaudio.commands.render", "Process a sound file through a chain (offline)."),
    "devices": ("rtaudio.commands.devices", "List audio devices (index, name, host API, channels, rate)."),
    "live": ("rtaudio.commands.live", "Live audio through a chain with a status line (virtual device if none)."),
    "gui": ("rtaudio.commands.gui", "Live spectrogram viewer with pitch overlay, meters and controls."),
    "latency": ("rtaudio.commands.latency", "Measure callback timing under load and write a latency report."),
    "pitch": ("rtaudio.commands.pitch", "Pitch (f0 per hop) of a sound file as CSV or JSON (streaming YIN)."),
    "spectrogram": ("rtaudio.commands.spectrogram", "Spectrogram images (PNG/JPEG) of a sound file or a folder."),
    "features": ("rtaudio.commands.features", "Music features (HPSS, chroma, YIN) of a file or folder to .npz/CSV."),
    "hpss": ("rtaudio.commands.hpss", "Harmonic and percussive stems of a sound file (librosa-equal HPSS)."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rtaudio")
def cli() -> None:
    """rtaudio: real-time audio effects (gate, low-pass, ring modulator,
    VCS3 filter, YIN pitch) live or on files."""


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point of the ``rtaudio`` script (``argv`` None: this process's
    arguments, and the process ends with the command)."""
    try:
        _run(argv)
    finally:
        if argv is None:
            # the process exits now: its final garbage collection need not scan
            # every object the command's imports made (about 0.1 s with Dask loaded)
            gc.freeze()


def _run(argv: Optional[Sequence[str]]) -> None:
    try:
        # owns_process: this process ends with the command (the rtaudio script)
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="rtaudio",
                        standalone_mode=False, obj={"owns_process": argv is None})
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        click.echo("rtaudio: interrupted", err=True)
        sys.exit(130)
    except RtaudioError as exc:
        click.echo(f"rtaudio: error: {exc}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
