"""``rtaudio features IN OUT``: music features (HPSS, chroma, YIN) of a file
or a folder of files, one ``.npz`` per input.

The per-file work is :func:`rtaudio.analysis.feature_files.features_file`
(a plain picklable function); this module only plans the jobs and runs
them in a process pool, like ``rtaudio spectrogram``.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, Optional

import click

from rtaudio.commands.spectrogram import AUDIO_SUFFIXES, Job, _limit_blas_threads
from rtaudio.errors import RtaudioError


def plan_jobs(in_path: Path, out_path: Path, pattern: Optional[str]) -> list[Job]:
    """Input files and their ``.npz`` outputs (a folder mirrors IN's tree)."""
    if not in_path.exists():
        raise RtaudioError(f"input not found: {in_path}")
    if in_path.is_file():
        if out_path.suffix.lower() == ".npz":
            return [Job(in_path, out_path)]
        return [Job(in_path, out_path / f"{in_path.stem}.npz")]
    if out_path.suffix.lower() == ".npz" or out_path.is_file():
        raise RtaudioError(f"IN is a folder, so OUT must be a folder, not a file: {out_path}")
    if pattern:
        files = [p for p in in_path.rglob(pattern) if p.is_file()]
    else:
        files = [p for p in in_path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
    out_abs = out_path.resolve()
    files = sorted(p for p in files if out_abs not in p.resolve().parents)
    if not files:
        what = f"matching {pattern!r}" if pattern else "with an audio suffix (.wav, .flac, .ogg, ...)"
        raise RtaudioError(f"no files {what} in {in_path}")
    targets = [out_path / p.relative_to(in_path).with_suffix(".npz") for p in files]
    seen: dict[Path, int] = {}
    for t in targets:
        seen[t] = seen.get(t, 0) + 1
    return [Job(src, t.with_name(f"{src.name}.npz") if seen[t] > 1 else t) for src, t in zip(files, targets)]


def _work(job: Job, params: dict[str, Any]) -> tuple[bool, str]:
    """Worker: one file. Returns (ok, message); never raises for a bad file."""
    from rtaudio.analysis.feature_files import features_file
    _limit_blas_threads()
    try:
        info = features_file(job.in_path, job.out_path, **params)
    except RtaudioError as exc:
        return False, str(exc)
    except MemoryError:
        return False, "out of memory"
    except Exception as exc:  # keep the batch going; report it
        return False, f"{type(exc).__name__}: {exc}"
    frames = ", ".join(f"{k} {v}" for k, v in info["frames"].items())
    message = f"{info['duration_s']:.2f} s -> frames: {frames}"
    if info["nonfinite_count"]:
        message += f", {info['nonfinite_count']} non-finite samples replaced by 0"
    return True, message


def _progress(total: int) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    console = Console(stderr=True)
    return Progress(TextColumn("features"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                    TimeRemainingColumn(), console=console, transient=True,
                    disable=not console.is_terminal)


def run_jobs(jobs: list[Job], params: dict[str, Any], workers: int) -> list[tuple[Job, bool, str]]:
    """Run :func:`_work` over the jobs (process pool when workers > 1)."""
    results: list[tuple[Job, bool, str]] = []
    if workers <= 1 or len(jobs) <= 1:
        with _progress(len(jobs)) as bar:
            task = bar.add_task("files", total=len(jobs))
            for job in jobs:
                results.append((job, *_work(job, params)))
                bar.advance(task)
        return results
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        pending: dict[Future, Job] = {pool.submit(_work, job, params): job for job in jobs}
        try:
            with _progress(len(jobs)) as bar:
                task = bar.add_task("files", total=len(jobs))
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        job = pending.pop(future)
                        try:
                            results.append((job, *future.result()))
                        except Exception as exc:  # worker died
                            results.append((job, False, f"worker failed: {type(exc).__name__}: {exc}"))
                        bar.advance(task)
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


@click.command("features")
@click.argument("in_path", metavar="IN", type=click.Path(path_type=Path))
@click.argument("out_path", metavar="OUT", type=click.Path(path_type=Path))
@click.option("--features", "feature_list", default="hpss,chroma,yin", show_default=True,
              help="Comma-separated: hpss, chroma (constant-Q), chroma_stft, yin.")
@click.option("--csv", is_flag=True, help="Also write <name>.chroma.csv / <name>.yin.csv tables.")
@click.option("--f-min", "fmin_hz", type=float, default=65.40639132514966, show_default=True,
              help="Lowest pitch searched by YIN, Hz.")
@click.option("--f-max", "fmax_hz", type=float, default=2093.004522404789, show_default=True,
              help="Highest pitch searched by YIN, Hz.")
@click.option("--pattern", default=None, metavar="GLOB",
              help="Files to take from an IN folder, e.g. '*.wav' [default: audio suffixes].")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for a folder [default: number of cores].")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs (otherwise they are skipped).")
def command(in_path: Path, out_path: Path, feature_list: str, csv: bool, fmin_hz: float, fmax_hz: float,
            pattern: Optional[str], jobs: Optional[int], overwrite: bool) -> None:
    """Music features of IN (a sound file or a folder, searched recursively)
    into OUT (a .npz file, or a folder mirroring IN's tree): one .npz per
    input with the arrays, their frame times (hop 512) and the parameters.

    Equal to librosa: hpss = librosa.effects.hpss (stored as per-frame RMS
    of the harmonic and percussive parts; use `rtaudio hpss` for the
    stems), chroma = librosa.feature.chroma_cqt, chroma_stft, yin =
    librosa.yin. With hpss, chroma and yin are computed on the harmonic
    part. Files are mixed to mono. Existing outputs are skipped unless
    --overwrite; every file is written under a temporary name and renamed.
    Unreadable files are reported at the end (exit status 1).
    """
    from rtaudio.analysis.feature_files import csv_paths, parse_features
    try:
        names = parse_features(feature_list)
    except ValueError as exc:
        raise RtaudioError(str(exc)) from None
    if not 0 < fmin_hz < fmax_hz:
        raise RtaudioError(f"need 0 < --f-min < --f-max, got {fmin_hz:g} and {fmax_hz:g} Hz")
    job_list = plan_jobs(in_path, out_path, pattern)
    params = dict(features=names, csv=csv, fmin_hz=fmin_hz, fmax_hz=fmax_hz)
    single = in_path.is_file()
    if single:
        target = job_list[0].out_path
        if target.exists() and not overwrite:
            raise RtaudioError(f"output exists (use --overwrite): {target}")

    def done(job: Job) -> bool:
        wanted = [job.out_path, *(csv_paths(job.out_path, names).values() if csv else [])]
        return all(p.exists() for p in wanted)

    todo = [job for job in job_list if overwrite or not done(job)]
    skipped = len(job_list) - len(todo)
    for folder in sorted({job.out_path.parent for job in todo}):
        folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results = run_jobs(todo, params, jobs or os.cpu_count() or 1)
    elapsed = time.perf_counter() - start
    failed = [(job, message) for job, ok, message in results if not ok]
    if single:
        if failed:
            raise RtaudioError(failed[0][1])
        click.echo(f"wrote {job_list[0].out_path} ({results[0][2]})")
        return
    wrote = len(results) - len(failed)
    summary = f"wrote features of {wrote} file(s) to {out_path} in {elapsed:.1f} s"
    if skipped:
        summary += f", skipped {skipped} existing (use --overwrite to replace)"
    click.echo(summary)
    if failed:
        click.echo(f"failed {len(failed)} of {len(job_list)} file(s):", err=True)
        for job, message in failed:
            message = message.removeprefix(f"{job.in_path}: ")
            click.echo(f"  {job.in_path}: {message}", err=True)
        raise RtaudioError(f"{len(failed)} of {len(job_list)} file(s) failed (listed above)")
