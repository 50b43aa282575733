"""Options and helpers shared by several subcommands."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from rtaudio.processor import BACKENDS

DEFAULT_CHAIN = "gate(threshold_db=-45) > lowpass(cutoff_hz=3000)"


def chain_options(func: Callable) -> Callable:
    """``--chain``, ``--preset`` and ``--kernels`` options."""
    func = click.option("--kernels", "backend", type=click.Choice(BACKENDS), default="c", show_default=True,
                        help="Kernel implementation of every processor.")(func)
    func = click.option("--preset", type=click.Path(dir_okay=False), default=None,
                        help="TOML preset file describing the chain.")(func)
    func = click.option("--chain", "chain_text", default=None, metavar="CHAIN",
                        help=f'Chain string, e.g. "{DEFAULT_CHAIN}".')(func)
    return func


def _load_effects(ctx: click.Context, param: click.Parameter, paths: tuple[str, ...]) -> tuple[str, ...]:
    from rtaudio.effects import load_effects_file
    for path in paths:
        load_effects_file(path)  # RtaudioError: one line, exit 1 (rtaudio.cli.main)
    # folder commands hand the same files to their worker processes
    ctx.meta["rtaudio.effects_files"] = tuple(str(Path(p).resolve()) for p in paths)
    return paths


def effects_option(func: Callable) -> Callable:
    """``--effects FILE`` (repeatable): import user effects before the chain is built."""
    return click.option("--effects", "effects_files", multiple=True, type=click.Path(dir_okay=False),
                        callback=_load_effects, expose_value=False, metavar="FILE.py",
                        help="Python file defining user effects (rtaudio.effect / rtaudio.c_effect); "
                             "their names can then be used in --chain and presets. Repeatable.")(func)


def progress_bar(description: str, total: float, unit: str = "s") -> Progress:
    """A rich progress bar on stderr (hidden automatically when not a terminal)."""
    from rich.console import Console
    console = Console(stderr=True)
    return Progress(TextColumn(description), BarColumn(),
                    TextColumn("{task.completed:.1f}/{task.total:.1f} " + unit),
                    TimeRemainingColumn(), console=console, transient=True,
                    disable=not console.is_terminal)
