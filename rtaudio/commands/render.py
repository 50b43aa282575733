"""``rtaudio render IN OUT``: run a chain over a sound file (or a folder of
files), block by block."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Optional, Union

import click
import numpy as np

from rtaudio.audiofile import atomic_output, open_input, output_subtype
from rtaudio.batch.cli import batch_options, run_folder
from rtaudio.batch.plan import AUDIO_SUFFIXES
from rtaudio.chain_spec import chain_from_options
from rtaudio.commands.options import DEFAULT_CHAIN, chain_options, effects_option, progress_bar
from rtaudio.errors import RtaudioError
from rtaudio.levels import LevelTrace

READ_BLOCK = 65536


def render_file(in_path: Union[str, os.PathLike], out_path: Union[str, os.PathLike], *,
                chain_text: Optional[str] = None, preset: Optional[str] = None, backend: str = "c",
                compensate_latency: bool = True, effects_files: tuple[str, ...] = (),
                progress: Optional[Callable[[float, float], None]] = None) -> dict[str, Any]:
    """Process one sound file through a chain into ``out_path`` (written atomically).

    The file is streamed in blocks (memory stays small for long files); the
    result equals processing the whole signal at once. This is the per-file
    task of ``rtaudio render IN_DIR OUT_DIR``. ``progress(done_s, total_s)``
    is called after each block. ``effects_files`` are user-effect modules
    (``--effects``) to import first, for worker processes.

    Returns
    -------
    dict
        ``duration_s``, ``channels``, ``sample_rate``, ``peak_dbfs``,
        ``nonfinite_count``, ``subtype`` of the output, and
        ``silence_warning`` (a line naming the processor that removed the
        signal, or None; docs/live.md).
    """
    if effects_files:
        from rtaudio.effects.loader import ensure_effects_loaded
        ensure_effects_loaded(effects_files)
    chain = chain_from_options(chain_text, preset, DEFAULT_CHAIN, backend)
    with open_input(in_path) as source:
        rate, channels, total = source.samplerate, source.channels, source.frames
        chain.prepare(rate, channels, READ_BLOCK)
        levels = LevelTrace(chain)
        skip = chain.latency_samples if compensate_latency else 0
        peak = 0.0
        subtype = output_subtype(out_path, source)
        with atomic_output(out_path, rate, channels, subtype) as sink:
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
                if progress is not None:
                    progress(min(done, total) / rate, total / rate)
            subtype = sink.subtype
            tail = chain.latency_samples if compensate_latency else 0
            if tail:  # flush the delayed samples with silence
                block = np.zeros((tail, channels), dtype=np.float32)
                chain.process(block)
                sink.write(block)
    return {"duration_s": total / rate, "channels": channels, "sample_rate": rate,
            "peak_dbfs": float(20 * np.log10(max(peak, 1e-12))),
            "nonfinite_count": int(chain.nonfinite_count), "subtype": subtype,
            "silence_warning": levels.silence_warning()}


@click.command("render")
@click.argument("in_path", metavar="IN")
@click.argument("out_path", metavar="OUT")
@effects_option
@chain_options
@click.option("--compensate-latency/--no-compensate-latency", default=True, show_default=True,
              help="Shift the output back by the chain's latency so it lines up with the input.")
@click.option("--overwrite/--no-overwrite", default=None,
              help="Replace OUT if it exists [default: yes for a file; for a folder, outputs "
                   "newer than their input are skipped].")
@batch_options("rtaudio.commands.render")
def command(in_path: str, out_path: str, chain_text: str, preset: str, backend: str,
            compensate_latency: bool, overwrite: Optional[bool], pattern: Optional[str],
            jobs: Optional[int], scheduler: Optional[str]) -> None:
    """Process IN through a chain and write OUT (same sample rate and channels).

    The file is streamed through the chain in blocks, so memory stays small
    for long files; the result equals processing the whole signal at once.
    OUT is written under a temporary name and renamed when complete.

    IN may be a folder: every audio file under it (recursively) is rendered
    to the same relative path under the folder OUT, through the batch runner
    (docs/batch.md: resume, manifest, --jobs, --scheduler for Dask).
    """
    if os.path.isdir(in_path):
        if Path(out_path).suffix.lower() in AUDIO_SUFFIXES and not os.path.isdir(out_path):
            raise RtaudioError(f"IN is a directory, so OUT must be a folder, not a sound file: {out_path}")
        chain_from_options(chain_text, preset, DEFAULT_CHAIN, backend)  # chain errors: one line, now
        run_folder("render", render_file, Path(in_path), Path(out_path), suffix=None,
                   task_kwargs=dict(chain_text=chain_text,
                                    preset=os.path.abspath(preset) if preset else None,
                                    backend=backend, compensate_latency=compensate_latency,
                                    effects_files=click.get_current_context().meta.get(
                                        "rtaudio.effects_files", ())),
                   pattern=pattern, jobs=jobs, scheduler=scheduler, overwrite=bool(overwrite))
        return
    if os.path.abspath(in_path) == os.path.abspath(out_path):
        raise RtaudioError("OUT must be a different file from IN")
    if overwrite is False and os.path.exists(out_path):
        raise RtaudioError(f"output exists (use --overwrite): {out_path}")
    chain_from_options(chain_text, preset, DEFAULT_CHAIN, backend)
    with open_input(in_path) as source:
        total_s = source.frames / source.samplerate
    with progress_bar(f"render {os.path.basename(in_path)}", total_s) as bar:
        task = bar.add_task("render", total=total_s)
        info = render_file(in_path, out_path, chain_text=chain_text, preset=preset, backend=backend,
                           compensate_latency=compensate_latency,
                           progress=lambda done, _: bar.update(task, completed=done))
    summary = (f"wrote {out_path}: {info['duration_s']:.2f} s, {info['channels']} ch, "
               f"{info['sample_rate']} Hz, peak {info['peak_dbfs']:.1f} dBFS")
    if info["nonfinite_count"]:
        summary += f", {info['nonfinite_count']} non-finite input samples replaced by 0"
    click.echo(summary)
    if info["silence_warning"]:
        click.echo(info["silence_warning"], err=True)
    if info["peak_dbfs"] > 0.0 and info["subtype"].startswith("PCM"):
        click.echo("warning: output peaks above 0 dBFS and will clip in this integer format", err=True)
