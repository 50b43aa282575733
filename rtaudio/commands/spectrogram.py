"""``rtaudio spectrogram IN OUT``: spectrogram images of a file or a folder of files."""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import click

from rtaudio.errors import RtaudioError

#: file suffixes taken from a folder when no --pattern is given
AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff",
                            ".aifc", ".mp3", ".au", ".snd", ".caf", ".w64", ".rf64"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})


@dataclass(frozen=True)
class Job:
    """One input file and the image it becomes."""

    in_path: Path
    out_path: Path


def _plan_jobs(in_path: Path, out_path: Path, fmt: Optional[str],
               pattern: Optional[str]) -> tuple[list[Job], str]:
    """Input files and output paths; the image format."""
    if not in_path.exists():
        raise RtaudioError(f"input not found: {in_path}")
    if in_path.is_file():
        if out_path.suffix.lower() in IMAGE_SUFFIXES:
            from rtaudio.analysis.images import image_format_for
            try:
                fmt = image_format_for(out_path, fmt)
            except ValueError as exc:
                raise RtaudioError(str(exc)) from None
            return [Job(in_path, out_path)], fmt
        fmt = fmt or "png"
        return [Job(in_path, out_path / f"{in_path.stem}.{fmt}")], fmt
    if out_path.suffix.lower() in IMAGE_SUFFIXES or out_path.is_file():
        raise RtaudioError(f"IN is a folder, so OUT must be a folder, not a file: {out_path}")
    fmt = fmt or "png"
    if pattern:
        files = [p for p in in_path.rglob(pattern) if p.is_file()]
    else:
        files = [p for p in in_path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
    out_abs = out_path.resolve()
    files = sorted(p for p in files if out_abs not in p.resolve().parents)
    if not files:
        what = f"matching {pattern!r}" if pattern else "with an audio suffix (.wav, .flac, .ogg, ...)"
        raise RtaudioError(f"no files {what} in {in_path}")
    targets = [out_path / p.relative_to(in_path).with_suffix(f".{fmt}") for p in files]
    clashes = {t for t in targets if targets.count(t) > 1} if len(set(targets)) < len(targets) else set()
    jobs = []
    for src, target in zip(files, targets):
        if target in clashes:  # a.wav and a.flac: keep the full name, a.wav.png
            target = target.with_name(f"{src.name}.{fmt}")
        jobs.append(Job(src, target))
    return jobs, fmt


_BLAS_LIMITED = False


def _limit_blas_threads() -> None:
    """One BLAS thread per worker process (once per process).

    The mel product is a small matrix product per chunk; a multi-threaded
    BLAS in every worker oversubscribes the cores (its threads spin while
    waiting), which made batches ~3x slower on a busy 2-core machine.
    Uses threadpoolctl (``rtaudio[report]``) when installed.
    """
    global _BLAS_LIMITED
    if _BLAS_LIMITED:
        return
    _BLAS_LIMITED = True
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1, user_api="blas")


def _render(job: Job, params: dict[str, Any]) -> tuple[bool, str]:
    """Worker: render one file. Returns (ok, message); never raises for a bad file."""
    from rtaudio.analysis.images import save_spectrogram
    _limit_blas_threads()
    try:
        info = save_spectrogram(job.in_path, job.out_path, **params)
    except RtaudioError as exc:
        return False, str(exc)
    except MemoryError:
        return False, "out of memory"
    except Exception as exc:  # keep the batch going; report it
        return False, f"{type(exc).__name__}: {exc}"
    message = f"{info['duration_s']:.2f} s -> {info['size'][0]}x{info['size'][1]}"
    if info["nonfinite_count"]:
        message += f", {info['nonfinite_count']} non-finite samples replaced by 0"
    return True, message


def _progress(total: int) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    console = Console(stderr=True)
    return Progress(TextColumn("spectrogram"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                    TimeRemainingColumn(), console=console, transient=True,
                    disable=not console.is_terminal)


def _run_batch(jobs: list[Job], params: dict[str, Any], workers: int) -> list[tuple[Job, bool, str]]:
    results: list[tuple[Job, bool, str]] = []
    if workers <= 1 or len(jobs) == 1:
        with _progress(len(jobs)) as bar:
            task = bar.add_task("files", total=len(jobs))
            for job in jobs:
                results.append((job, *_render(job, params)))
                bar.advance(task)
        return results
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        # submit everything before the progress bar starts its thread, so the
        # worker processes are forked from a single-threaded parent
        pending: dict[Future, Job] = {pool.submit(_render, job, params): job for job in jobs}
        try:
            with _progress(len(jobs)) as bar:
                task = bar.add_task("files", total=len(jobs))
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        job = pending.pop(future)
                        try:
                            results.append((job, *future.result()))
                        except Exception as exc:  # worker died (e.g. killed by the OOM killer)
                            results.append((job, False, f"worker failed: {type(exc).__name__}: {exc}"))
                        bar.advance(task)
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


@click.command("spectrogram")
@click.argument("in_path", metavar="IN", type=click.Path(path_type=Path))
@click.argument("out_path", metavar="OUT", type=click.Path(path_type=Path))
@click.option("--n-fft", type=int, default=2048, show_default=True, help="FFT size in samples.")
@click.option("--hop", "hop_length", type=int, default=512, show_default=True, help="Hop in samples.")
@click.option("--scale", type=click.Choice(["mel", "linear"]), default="mel", show_default=True,
              help="Frequency axis.")
@click.option("--n-mels", type=int, default=128, show_default=True, help="Mel bands (--scale mel).")
@click.option("--f-min", "fmin", type=float, default=0.0, show_default=True, help="Lowest frequency in Hz.")
@click.option("--f-max", "fmax", type=float, default=None, help="Highest frequency in Hz [default: sample rate / 2].")
@click.option("--top-db", type=float, default=80.0, show_default=True,
              help="Dynamic range kept below the loudest cell, in dB.")
@click.option("--colormap", default="magma", show_default=True,
              help="matplotlib colormap: viridis, magma, inferno, plasma, gray, ...")
@click.option("--width", type=int, default=None, help="Image width in pixels [default: one per frame].")
@click.option("--height", type=int, default=None, help="Image height in pixels [default: one per band].")
@click.option("--format", "fmt", type=click.Choice(["png", "jpg"]), default=None,
              help="Image format [default: from OUT's suffix, else png].")
@click.option("--axes", is_flag=True, help="Labelled time/frequency axes and a colour bar (not bare).")
@click.option("--pattern", default=None, metavar="GLOB",
              help="Files to take from an IN folder, e.g. '*.wav' [default: audio suffixes].")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for a folder [default: number of cores].")
@click.option("--overwrite", is_flag=True, help="Replace existing images (otherwise they are kept/skipped).")
def command(in_path: Path, out_path: Path, n_fft: int, hop_length: int, scale: str, n_mels: int,
            fmin: float, fmax: Optional[float], top_db: float, colormap: str, width: Optional[int],
            height: Optional[int], fmt: Optional[str], axes: bool, pattern: Optional[str],
            jobs: Optional[int], overwrite: bool) -> None:
    """Spectrogram images of IN (a sound file or a folder, searched
    recursively) into OUT (an image file, or a folder mirroring IN's tree).

    Bare images are exactly WIDTH x HEIGHT pixels, low frequencies at the
    bottom, mel power in dB like librosa (power_to_db of melspectrogram);
    multi-channel files are mixed to mono.
    Existing images are skipped unless --overwrite; each image is written
    under a temporary name and renamed, so an interrupted batch can simply
    be run again. Unreadable files are reported at the end (exit status 1).
    """
    from rtaudio.analysis.images import colormap_lut
    from rtaudio.analysis.settings import SpectrogramSettings
    try:
        SpectrogramSettings(n_fft=n_fft, hop_length=hop_length, scale=scale, n_mels=n_mels,
                            fmin_hz=fmin, fmax_hz=fmax, top_db=top_db, colormap=colormap,
                            width_px=width, height_px=height, axes=axes).check()
        lut = colormap_lut(colormap)
    except ValueError as exc:
        raise RtaudioError(str(exc).replace("fmin=", "f_min=").replace("fmax=", "f_max=")) from None
    job_list, fmt = _plan_jobs(in_path, out_path, fmt, pattern)
    params = dict(n_fft=n_fft, hop_length=hop_length, scale=scale, n_mels=n_mels, fmin=fmin,
                  fmax=fmax, top_db=top_db, colormap=colormap, width=width, height=height,
                  image_format=fmt, axes=axes, overwrite=overwrite, lut=lut)
    single = in_path.is_file()
    if single:
        target = job_list[0].out_path
        if target.exists() and not overwrite:
            raise RtaudioError(f"output exists (use --overwrite): {target}")
        target.parent.mkdir(parents=True, exist_ok=True)
    todo = [job for job in job_list if overwrite or not job.out_path.exists()]
    skipped = len(job_list) - len(todo)
    for folder in sorted({job.out_path.parent for job in todo}):
        folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results = _run_batch(todo, params, jobs or os.cpu_count() or 1)
    elapsed = time.perf_counter() - start
    failed = [(job, message) for job, ok, message in results if not ok]
    if single:
        if failed:
            raise RtaudioError(failed[0][1])
        click.echo(f"wrote {job_list[0].out_path} ({results[0][2]})")
        return
    wrote = len(results) - len(failed)
    summary = f"wrote {wrote} image(s) to {out_path} in {elapsed:.1f} s"
    if skipped:
        summary += f", skipped {skipped} existing (use --overwrite to replace)"
    click.echo(summary)
    if failed:
        click.echo(f"failed {len(failed)} of {len(job_list)} file(s):", err=True)
        for job, message in failed:
            message = message.removeprefix(f"{job.in_path}: ")
            click.echo(f"  {job.in_path}: {message}", err=True)
        raise RtaudioError(f"{len(failed)} of {len(job_list)} file(s) failed (listed above)")
