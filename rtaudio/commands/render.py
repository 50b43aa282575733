"""``rtaudio render IN OUT``: run a chain over a sound file, block by block."""
from __future__ import annotations

import click
import numpy as np

from rtaudio.audiofile import atomic_output, open_input, output_subtype
from rtaudio.chain_spec import chain_from_options
from rtaudio.commands.options import DEFAULT_CHAIN, chain_options, effects_option, progress_bar
from rtaudio.errors import RtaudioError
from rtaudio.levels import LevelTrace

READ_BLOCK = 65536


@click.command("render")
@click.argument("in_path", metavar="IN")
@click.argument("out_path", metavar="OUT")
@effects_option
@chain_options
@click.option("--compensate-latency/--no-compensate-latency", default=True, show_default=True,
              help="Shift the output back by the chain's latency so it lines up with the input.")
@click.option("--overwrite/--no-overwrite", default=True, show_default=True,
              help="Replace OUT if it exists.")
def command(in_path: str, out_path: str, chain_text: str, preset: str, backend: str,
            compensate_latency: bool, overwrite: bool) -> None:
    """Process IN through a chain and write OUT (same sample rate and channels).

    The file is streamed through the chain in blocks, so memory stays small
    for long files; the result equals processing the whole signal at once.
    OUT is written under a temporary name and renamed when complete.
    """
    import os
    if os.path.abspath(in_path) == os.path.abspath(out_path):
        raise RtaudioError("OUT must be a different file from IN")
    if not overwrite and os.path.exists(out_path):
        raise RtaudioError(f"output exists (use --overwrite): {out_path}")
    chain = chain_from_options(chain_text, preset, DEFAULT_CHAIN, backend)
    with open_input(in_path) as source:
        rate, channels, total = source.samplerate, source.channels, source.frames
        chain.prepare(rate, channels, READ_BLOCK)
        levels = LevelTrace(chain)
        skip = chain.latency_samples if compensate_latency else 0
        peak = 0.0
        subtype = output_subtype(out_path, source)
        with atomic_output(out_path, rate, channels, subtype) as sink, \
                progress_bar(f"render {os.path.basename(in_path)}", total / rate) as bar:
            task = bar.add_task("render", total=total / rate)
            done = 0
            for block in source.blocks(blocksize=READ_BLOCK, dtype="float32", always_2d=True):
                block = np.ascontiguousarray(block)
                levels.process(block)
                if skip:
                    drop = min(skip, len(block))
                    block, skip = block[drop:], skip - drop
                peak = max(peak, float(np.max(np.abs(block), initial=0.0)))
                sink.write(block)
                done += READ_BLOCK
                bar.update(task, completed=min(done, total) / rate)
            subtype = sink.subtype
            tail = chain.latency_samples if compensate_latency else 0
            if tail:  # flush the delayed samples with silence
                block = np.zeros((tail, channels), dtype=np.float32)
                chain.process(block)
                sink.write(block)
    summary = f"wrote {out_path}: {total / rate:.2f} s, {channels} ch, {rate} Hz, peak {20 * np.log10(max(peak, 1e-12)):.1f} dBFS"
    if chain.nonfinite_count:
        summary += f", {chain.nonfinite_count} non-finite input samples replaced by 0"
    click.echo(summary)
    warning = levels.silence_warning()
    if warning:
        click.echo(warning, err=True)
    if peak > 1.0 and subtype.startswith("PCM"):
        click.echo("warning: output peaks above 0 dBFS and will clip in this integer format", err=True)
