"""``rtaudio pitch IN``: f0 per hop of a sound file as CSV or JSON.

The file is streamed through a :class:`~rtaudio.processors.yin.YinTracker`
in blocks (memory stays small for long files); rows are written as they
come. With ``-o OUT`` the output goes to a temporary file renamed to OUT
when complete, so OUT is never left half written.
"""
from __future__ import annotations

import json
import math
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Optional, Union

import click
import numpy as np
import soundfile as sf

from rtaudio.atomicfile import atomic_path
from rtaudio.audiofile import open_input
from rtaudio.batch.cli import batch_options, run_folder
from rtaudio.commands.options import progress_bar
from rtaudio.errors import RtaudioError
from rtaudio.processor import BACKENDS

READ_BLOCK = 65536


@contextmanager
def atomic_text_output(out_path: Optional[str]) -> Iterator[IO[str]]:
    """stdout, or a text file written under a temporary name then renamed."""
    if out_path is None or out_path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_path(out_path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        yield handle


def _number(value: float) -> str:
    """Shortest text that reads back as the same float64."""
    return repr(float(value)) if math.isfinite(value) else "null"


class RowWriter:
    """Writes result rows as CSV or JSON (streamed)."""

    def __init__(self, out: IO[str], fmt: str, multichannel: bool, header: dict) -> None:
        self.out, self.fmt, self.multichannel, self.rows = out, fmt, multichannel, 0
        names = (["channel"] if multichannel else []) + ["time_s", "f0_hz", "voiced", "confidence"]
        if fmt == "csv":
            out.write(",".join(names) + "\n")
        else:
            head = json.dumps(header)
            out.write(head[:-1] + ', "columns": ' + json.dumps(names) + ', "rows": [')

    def write(self, results: np.ndarray) -> None:
        lines = []
        for row in results:
            fields = [_number(row["time_s"]), _number(row["f0_hz"]),
                      "1" if row["voiced"] else "0", _number(row["confidence"])]
            if self.fmt == "json":
                fields[2] = "true" if row["voiced"] else "false"
            if self.multichannel:
                fields.insert(0, str(int(row["channel"])))
            if self.fmt == "csv":
                lines.append(",".join(fields) + "\n")
            else:
                lines.append(("\n  " if self.rows == 0 and not lines else ",\n  ")
                             + "[" + ", ".join(fields) + "]")
        self.rows += len(results)
        self.out.write("".join(lines))

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]}\n" if self.rows else "]}\n")


def write_pitch(in_path: str, out: IO[str], fmt: str = "csv", backend: str = "c",
                progress: Optional[Callable[[float, float], None]] = None,
                **params: Any) -> dict[str, Any]:
    """Stream ``in_path`` through a YIN tracker and write its rows to ``out``.

    ``progress(done_s, total_s)`` is called after each block. Returns
    ``rows``, ``nonfinite_count`` and ``warnings`` (messages for the user).
    Raises ``RtaudioError`` for an unreadable file or bad parameters.
    """
    from rtaudio.analysis.pitch import ring_capacity_for
    from rtaudio.processors.yin import YinTracker, frame_length_for

    notes: list[str] = []
    with open_input(in_path) as source:
        rate, channels, total = source.samplerate, source.channels, source.frames
        if params.get("frame_length") is None:  # docs/maths/yin.md §5.1
            params = {**params, "frame_length": frame_length_for(rate)}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                probe = YinTracker(backend=backend, **params)
                tracker = YinTracker(backend=backend, **params, result_capacity=ring_capacity_for(
                    READ_BLOCK, probe.hop_length, channels))
                tracker.prepare(rate, channels, READ_BLOCK)
            except (ValueError, TypeError) as exc:
                raise RtaudioError(f"invalid pitch parameters for {in_path} ({rate} Hz): {exc}") from None
        notes += [str(warning.message) for warning in caught]
        if total < tracker.frame_length:
            notes.append(f"{in_path} has {total} samples, fewer than frame_length = "
                         f"{tracker.frame_length}: no frames")
        header = {"file": os.path.basename(in_path), "sample_rate": rate, "channels": channels,
                  **{k: getattr(tracker, k) for k in params}, "kernels": backend}
        writer = RowWriter(out, fmt, channels > 1, header)
        done = 0
        blocks = source.blocks(blocksize=READ_BLOCK, dtype="float32", always_2d=True)
        while True:
            try:
                block = next(blocks)
            except StopIteration:
                break
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise RtaudioError(f"cannot decode {in_path}: {exc}") from None
            block = np.ascontiguousarray(block)
            tracker.process(block)
            writer.write(tracker.read_results())
            done += len(block)
            if progress is not None:
                progress(min(done, total) / rate, total / rate)
        writer.close()
    if tracker.nonfinite_count:
        notes.append(f"{tracker.nonfinite_count} non-finite samples analysed as 0")
    return {"rows": writer.rows, "nonfinite_count": int(tracker.nonfinite_count), "warnings": notes}


def pitch_file(in_path: Union[str, os.PathLike], out_path: Union[str, os.PathLike], *,
               fmt: str = "csv", backend: str = "c", **params: Any) -> dict[str, Any]:
    """Pitch track of one sound file into a CSV/JSON file (written atomically);
    the per-file task of ``rtaudio pitch IN_DIR OUT_DIR``. Returns :func:`write_pitch`'s summary."""
    with atomic_text_output(str(out_path)) as out:
        return write_pitch(str(in_path), out, fmt, backend, **params)


@click.command("pitch")
@click.argument("in_path", metavar="IN", type=click.Path())
@click.argument("out_dir", metavar="[OUT_DIR]", required=False, default=None, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="Output format: one row per hop (and channel).")
@click.option("-o", "--output", "out_path", default=None, metavar="OUT",
              help="Write to OUT (atomically) instead of standard output.")
@click.option("--frame-length", type=int, default=None,
              help="Frame length N in samples [default: 2048, doubled until two periods of C2 fit "
                   "at the file's rate: 4096 at 96 kHz, 8192 at 192 kHz].")
@click.option("--hop-length", type=int, default=None, help="Hop in samples [default: frame_length // 4].")
@click.option("--fmin", "fmin_hz", type=float, default=65.40639, show_default=True, help="Lowest f0 (Hz).")
@click.option("--fmax", "fmax_hz", type=float, default=2093.0045, show_default=True, help="Highest f0 (Hz).")
@click.option("--trough-threshold", type=float, default=0.1, show_default=True,
              help="YIN absolute threshold, (0, 1].")
@click.option("--silence-db", type=float, default=-60.0, show_default=True,
              help="Frames at or below this RMS (dBFS) are unvoiced.")
@click.option("--kernels", "backend", type=click.Choice(BACKENDS), default="c", show_default=True,
              help="Kernel implementation.")
@batch_options("rtaudio.commands.pitch", "rtaudio.processors.yin")
@click.option("--overwrite", is_flag=True, help="Folder: recompute outputs that are up to date.")
def command(in_path: str, out_dir: Optional[str], fmt: str, out_path: Optional[str],
            frame_length: Optional[int],
            hop_length: Optional[int], fmin_hz: float, fmax_hz: float, trough_threshold: float,
            silence_db: float, backend: str, pattern: Optional[str], jobs: Optional[int],
            scheduler: Optional[str], overwrite: bool) -> None:
    """Track the pitch of IN with streaming YIN (equal to librosa.yin, center=False).

    Prints one row per hop: time_s (frame centre), f0_hz, voiced (1/0),
    confidence; multichannel files get a leading channel column.

    IN may be a folder: every audio file under it (recursively) becomes
    OUT_DIR/<same relative path>.csv (or .json) through the batch runner
    (docs/batch.md: resume, manifest, --jobs, --scheduler for Dask).
    """
    params = dict(frame_length=frame_length, hop_length=hop_length, fmin_hz=fmin_hz, fmax_hz=fmax_hz,
                  trough_threshold=trough_threshold, silence_db=silence_db)
    if os.path.isdir(in_path):
        target = out_dir or out_path
        if target is None:
            raise RtaudioError(f"IN is a directory: give an output folder, rtaudio pitch {in_path} OUT_DIR")
        _check_parameters(backend, params)
        run_folder("pitch", pitch_file, Path(in_path), Path(target), suffix=f".{fmt}",
                   task_kwargs=dict(fmt=fmt, backend=backend, **params), pattern=pattern, jobs=jobs,
                   scheduler=scheduler, overwrite=overwrite, noun="pitch track")
        return
    if out_dir is not None:
        if out_path is not None:
            raise RtaudioError("give the output either as OUT_DIR or with -o, not both")
        out_path = out_dir
    total_s = _duration_s(in_path)
    with atomic_text_output(out_path) as out, \
            progress_bar(f"pitch {os.path.basename(in_path)}", total_s) as bar:
        task = bar.add_task("pitch", total=total_s)
        summary = write_pitch(in_path, out, fmt, backend,
                              progress=lambda done, _: bar.update(task, completed=done), **params)
    for note in summary["warnings"]:
        click.echo(f"warning: {note}", err=True)
    if out_path not in (None, "-"):
        click.echo(f"wrote {out_path}: {summary['rows']} rows ({fmt})", err=True)


def _duration_s(in_path: str) -> float:
    with open_input(in_path) as source:
        return source.frames / source.samplerate


def _check_parameters(backend: str, params: dict[str, Any]) -> None:
    """Parameter errors that do not depend on a file: one line before a batch starts."""
    from rtaudio.processors.yin import YinTracker
    try:
        YinTracker(backend=backend, **{**params, "frame_length": params["frame_length"] or 2048})
    except (ValueError, TypeError) as exc:
        raise RtaudioError(f"invalid pitch parameters: {exc}") from None
