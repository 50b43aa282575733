"""``rtaudio.batch.run``: plan, skip what is up to date, execute, record
(docs/batch.md)."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Union

from rtaudio.batch.manifest import CANCELLED, FAILED, OK, SKIPPED, Manifest, ManifestWriter, Record
from rtaudio.batch.plan import Job, PathLike, discover_inputs, plan_jobs, split_up_to_date
from rtaudio.batch.progress import BatchProgress
from rtaudio.errors import RtaudioError

MANIFEST_NAME = "manifest.jsonl"


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`run`: running tasks were cancelled, their
    partial outputs removed and the manifest flushed (``.manifest``)."""

    def __init__(self, manifest: Manifest) -> None:
        super().__init__()
        self.manifest = manifest


def plan(inputs: Union[PathLike, Iterable[PathLike]], out_dir: PathLike, *,
         suffix: Optional[str] = None, pattern: Optional[str] = None) -> list[Job]:
    """Jobs for ``inputs``: a folder (searched recursively, ``pattern`` or
    audio suffixes), a single file, or a list of files; outputs mirror the
    input tree under ``out_dir`` with ``suffix`` (the input's when None)."""
    out_dir = Path(out_dir)
    if isinstance(inputs, (str, os.PathLike)):
        root = Path(inputs)
        if not root.exists():
            raise RtaudioError(f"input not found: {root}")
        if root.is_dir():
            files = discover_inputs(root, pattern, exclude=out_dir)
            if not files:
                what = f"matching {pattern!r}" if pattern else "with an audio suffix (.wav, .flac, .ogg, ...)"
                raise RtaudioError(f"no files {what} in the directory {root}")
        else:
            files, root = [root], root.parent
    else:
        files = [Path(p) for p in inputs]
        if not files:
            raise RtaudioError("no input files given")
        missing = [p for p in files if not p.exists()]
        if missing:
            raise RtaudioError(f"input not found: {missing[0]}")
        root = Path(os.path.commonpath([str(p.resolve().parent) for p in files]))
    if out_dir.exists() and not out_dir.is_dir():
        raise RtaudioError(f"the output folder is a file: {out_dir}")
    return plan_jobs(files, root, out_dir, suffix)


def make_executor(scheduler: Any, jobs: Optional[int], allowed_failures: int,
                  task: Optional[Callable[..., Any]] = None) -> Any:
    """The local pool (``scheduler`` None) or the Dask executor (whose
    ``local:N`` workers import ``task``'s module before their first task)."""
    if scheduler is None:
        from rtaudio.batch.local import LocalExecutor
        return LocalExecutor(jobs or os.cpu_count() or 1, allowed_failures)
    from rtaudio.batch import fork_server
    from rtaudio.batch.dask_executor import DaskExecutor
    return DaskExecutor(scheduler, allowed_failures, fork_server.task_modules(task))


def run(task: Callable[..., Any], inputs: Union[PathLike, Iterable[PathLike]], out_dir: PathLike,
        scheduler: Any = None, jobs: Optional[int] = None, *, suffix: Optional[str] = None,
        pattern: Optional[str] = None, overwrite: bool = False,
        task_kwargs: Optional[Mapping[str, Any]] = None, allowed_failures: int = 1,
        progress: Union[bool, str] = True,
        on_record: Optional[Callable[[Record], None]] = None) -> Manifest:
    """Run ``task`` on every input file, locally or on Dask.

    ``task(in_path, out_path, **task_kwargs)`` must write ``out_path``
    (any return value that JSON can store goes into the manifest's
    ``info``). It is given a temporary path next to the planned output,
    renamed to the output when the task returns, so outputs are written
    atomically whatever the task does.

    Parameters
    ----------
    task : callable
        Per-file function (module-level, so Dask and spawned workers can
        import it).
    inputs : path or list of paths
        A folder (searched recursively), a file, or a list of files.
    out_dir : path
        Output folder; outputs mirror the input tree; the manifest is
        ``out_dir/manifest.jsonl``.
    scheduler : str or distributed.Client, optional
        None: local process pool. ``"tcp://HOST:PORT"``: a running Dask
        scheduler. ``"local:N"``: a Dask ``LocalCluster`` of N processes.
    jobs : int, optional
        Local worker processes (default: number of cores).
    suffix : str, optional
        Output suffix, e.g. ``".png"`` (default: the input's).
    pattern : str, optional
        Glob for a folder's files (default: audio suffixes).
    overwrite : bool
        Recompute outputs that are up to date (exist and are newer than
        their input), which are otherwise skipped.
    task_kwargs : mapping, optional
        Keyword arguments of every task call (must pickle).
    allowed_failures : int
        Retries of a file whose worker process died.
    progress : bool or str
        Show a progress bar (on a terminal); a string names the bar.
    on_record : callable, optional
        Called in this process with each :class:`Record` as it is written.

    Returns
    -------
    Manifest
        One record per input: ``ok``, ``failed`` (with the error),
        ``skipped`` (up to date).

    Raises
    ------
    RtaudioError
        Nothing to do (no inputs), bad scheduler, Dask missing.
    BatchInterrupted
        Ctrl-C; a ``KeyboardInterrupt`` carrying the partial manifest.
    """
    started_ns = time.time_ns()
    executor = make_executor(scheduler, jobs, allowed_failures, task)
    manifest = Manifest(Path(out_dir) / MANIFEST_NAME, [])
    finished: set[Path] = set()

    def keep(record: Record, writer: ManifestWriter) -> None:
        writer.write(record)
        manifest.records.append(record)
        if on_record is not None:
            on_record(record)

    description = progress if isinstance(progress, str) else "batch"
    executor.start()  # a cluster connects (or starts) while the inputs are planned
    try:
        job_list = plan(inputs, out_dir, suffix=suffix, pattern=pattern)
        todo, up_to_date = split_up_to_date(job_list, overwrite)
        executor.ready()  # before the manifest: a bad scheduler leaves none behind
        with ManifestWriter(manifest.path) as writer:
            for job in up_to_date:
                keep(_skipped(job), writer)
            results = executor.results(task, todo, task_kwargs or {})
            try:
                with BatchProgress(description, len(todo), enabled=bool(progress)) as bar:
                    for record in results:
                        if record is None:
                            bar.refresh()
                            continue
                        finished.add(Path(record.input))
                        keep(record, writer)
                        bar.advance(failed=record.status == FAILED)
            except KeyboardInterrupt:
                results.close()  # cancel running tasks, remove their partial outputs
                for job in todo:
                    if job.in_path not in finished:
                        keep(_completed_meanwhile(job, started_ns)
                             or Record(input=str(job.in_path), outputs=[str(p) for p in job.outputs],
                                       status=CANCELLED), writer)
                raise BatchInterrupted(manifest) from None
            finally:
                results.close()
    finally:
        executor.close()
    return manifest


#: file timestamps come from a coarse kernel clock, a few ms behind time.time_ns()
MTIME_SLACK_NS = 50_000_000


def _completed_meanwhile(job: Job, started_ns: int) -> Optional[Record]:
    """An ``ok`` record for a job whose report was lost to Ctrl-C although
    its task had finished: every output exists, complete (outputs are
    renamed into place only when written), and was written during this run.
    Without it the manifest would call a finished file ``cancelled``
    (docs/batch.md §5)."""
    try:
        in_stat = job.in_path.stat()
        stats = [out.stat() for out in job.outputs]
    except OSError:
        return None
    if not stats or any(st.st_mtime_ns < max(in_stat.st_mtime_ns, started_ns - MTIME_SLACK_NS)
                        for st in stats):
        return None
    return Record(input=str(job.in_path), outputs=[str(p) for p in job.outputs], status=OK,
                  bytes=sum(st.st_size for st in stats), input_bytes=in_stat.st_size,
                  info={"note": "finished as the run was interrupted; its timing was not received"})


def _skipped(job: Job) -> Record:
    return Record(input=str(job.in_path), outputs=[str(p) for p in job.outputs], status=SKIPPED,
                  bytes=sum(p.stat().st_size for p in job.outputs),
                  input_bytes=job.in_path.stat().st_size)

