"""``rtaudio demo``: render the built-in demo signal through a chain, offline."""
from __future__ import annotations

import time
from pathlib import Path

import click
import numpy as np

from rtaudio.audiofile import atomic_output
from rtaudio.chain_spec import chain_from_options
from rtaudio.commands.options import DEFAULT_CHAIN, chain_options
from rtaudio.demo import demo_signal


def _db(value: float) -> str:
    return f"{20 * np.log10(max(value, 1e-12)):6.1f} dBFS"


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="out", show_default=True,
              help="Folder for demo_input.wav and demo_output.wav.")
@click.option("--seconds", type=click.FloatRange(0.1, 3600), default=8.0, show_default=True)
@click.option("--samplerate", type=click.IntRange(8000, 384000), default=48000, show_default=True)
@click.option("--channels", type=click.IntRange(1, 64), default=2, show_default=True)
@chain_options
def command(out_dir: str, seconds: float, samplerate: int, channels: int,
            chain_text: str, preset: str, backend: str) -> None:
    """Generate the demo voice, process it through the chain, write both WAVs
    and print a summary (levels, speed)."""
    chain = chain_from_options(chain_text, preset, DEFAULT_CHAIN, backend)
    x = demo_signal(samplerate, seconds, channels)
    start = time.perf_counter()
    y = chain(x, samplerate)
    elapsed = time.perf_counter() - start
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("demo_input.wav", x), ("demo_output.wav", y)):
        with atomic_output(folder / name, samplerate, channels, "FLOAT") as sink:
            sink.write(data)
    click.echo(f"chain: {' > '.join(p.chain_name for p in chain)} (kernels: {backend})")
    click.echo(f"signal: {seconds:g} s, {channels} ch, {samplerate} Hz")
    click.echo(f"input : peak {_db(float(np.max(np.abs(x))))}, rms {_db(float(np.sqrt(np.mean(x ** 2))))}")
    click.echo(f"output: peak {_db(float(np.max(np.abs(y))))}, rms {_db(float(np.sqrt(np.mean(y ** 2))))}")
    click.echo(f"speed : {seconds / elapsed:,.0f}x real time ({elapsed * 1e3:.1f} ms)")
    click.echo(f"wrote : {folder / 'demo_input.wav'}, {folder / 'demo_output.wav'}")
