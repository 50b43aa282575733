"""What a folder command needs from the batch runner: the shared options
and one call that runs, reports and sets the exit status (docs/batch.md §7).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import click

from rtaudio.batch.manifest import CANCELLED, FAILED, OK, SKIPPED, Manifest
from rtaudio.batch.runner import BatchInterrupted, run
from rtaudio.errors import RtaudioError


def batch_options(*worker_modules: str) -> Callable[[Callable], Callable]:
    """``--pattern``, ``--jobs`` and ``--scheduler`` (``--overwrite`` is the command's own).

    ``worker_modules`` name the modules the command's task needs. With
    ``--scheduler``, Dask is imported as soon as the option is read; with
    ``local:N`` the fork server then starts and imports those modules the
    command has not imported yet (:func:`rtaudio.batch.fork_server.start`).
    """
    def start_dask_early(ctx: click.Context, param: click.Parameter,
                         value: Optional[str]) -> Optional[str]:
        if value and (value.startswith("local:") or "://" in value):
            from rtaudio.batch.dask_executor import import_distributed
            # the rtaudio script's process ends with the command: Dask's objects
            # can be frozen out of the garbage collector's scans (docs/batch.md §8)
            import_distributed(freeze_imports=bool((ctx.find_root().obj or {}).get("owns_process")))
        if value and value.startswith("local:"):
            from rtaudio.batch import fork_server
            fork_server.start(worker_modules)
        return value

    def decorate(func: Callable) -> Callable:
        func = click.option("--scheduler", default=None, metavar="ADDRESS", callback=start_dask_early,
                            help="Run a folder on Dask: tcp://HOST:8786 (a running scheduler; paths "
                                 "must be visible to every worker) or local:N (N local worker "
                                 "processes). Needs rtaudio[cluster]. [default: local process pool]")(func)
        func = click.option("--jobs", type=click.IntRange(min=1), default=None,
                            help="Local worker processes for a folder [default: number of cores].")(func)
        func = click.option("--pattern", default=None, metavar="GLOB",
                            help="Files to take from an IN folder, e.g. '*.wav' [default: audio suffixes].")(func)
        return func
    return decorate


def run_folder(name: str, task: Callable[..., Any], in_dir: Path, out_dir: Path, *, suffix: Optional[str],
               task_kwargs: Mapping[str, Any], pattern: Optional[str], jobs: Optional[int],
               scheduler: Optional[str], overwrite: bool, noun: str = "file") -> Manifest:
    """Run ``task`` over the folder ``in_dir`` into ``out_dir`` and report.

    Prints ``wrote N noun(s) to OUT``, the skipped count, and every failed
    file with its reason; raises ``RtaudioError`` (exit 1) when any failed.
    """
    if out_dir.suffix and out_dir.is_file():
        raise RtaudioError(f"IN is a folder, so OUT must be a folder, not a file: {out_dir}")
    start = time.perf_counter()
    try:
        manifest = run(task, in_dir, out_dir, scheduler=scheduler, jobs=jobs, suffix=suffix,
                       pattern=pattern, overwrite=overwrite, task_kwargs=task_kwargs, progress=name)
    except BatchInterrupted as stop:
        done = len(stop.manifest.with_status(OK))
        cancelled = len(stop.manifest.with_status(CANCELLED))
        click.echo(f"interrupted: {done} {noun}(s) written, {cancelled} cancelled; run the same "
                   f"command again to resume (manifest: {stop.manifest.path})", err=True)
        raise
    elapsed = time.perf_counter() - start
    wrote, skipped = manifest.with_status(OK), manifest.with_status(SKIPPED)
    failed = manifest.with_status(FAILED)
    summary = f"wrote {len(wrote)} {noun}(s) to {out_dir} in {elapsed:.1f} s"
    if skipped:
        summary += f", skipped {len(skipped)} existing (use --overwrite to replace)"
    click.echo(summary)
    if failed:
        click.echo(f"failed {len(failed)} of {len(manifest)} file(s):", err=True)
        for record in failed:
            message = (record.error or "").removeprefix(f"{record.input}: ")
            click.echo(f"  {record.input}: {message}", err=True)
        raise RtaudioError(f"{len(failed)} of {len(manifest)} file(s) failed (listed above; "
                           f"manifest: {manifest.path})")
    return manifest
