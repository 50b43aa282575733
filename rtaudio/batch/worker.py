"""What runs on a worker for one file (docs/batch.md §3): the same function
for the local pool and for Dask, so both give identical outputs.

The task writes into a temporary sibling of its output, renamed when the task
returns (:func:`rtaudio.atomicfile.atomic_path`): an error, a Ctrl-C or a
killed worker never leaves a partial file under the final name. Every
failure of the file becomes a ``failed`` record; nothing is raised.
"""
from __future__ import annotations

import os
import socket
import sys
import time
from typing import Any, Callable, Mapping

from rtaudio.atomicfile import atomic_path
from rtaudio.batch.manifest import FAILED, OK, Record
from rtaudio.batch.plan import Job
from rtaudio.errors import RtaudioError

#: environment variables read by BLAS/OpenMP libraries when they start
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")

_THREADS_LIMITED = False


def limit_threads() -> None:
    """One BLAS/OpenMP thread in this worker process (once per process).

    Each worker already uses one core; a multi-threaded BLAS in every worker
    oversubscribes the machine (its threads spin while waiting). The
    environment variables cover libraries loaded later; threadpoolctl
    limits the ones already loaded.
    """
    global _THREADS_LIMITED
    if _THREADS_LIMITED:
        return
    _THREADS_LIMITED = True
    for name in THREAD_ENV_VARS:
        if name != "NUMBA_NUM_THREADS" or "numba" not in sys.modules:
            os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1)


def worker_name() -> str:
    """The Dask worker address inside a Dask worker, else ``host:pid``."""
    if "distributed" in sys.modules:
        try:
            from distributed import get_worker
            return str(get_worker().address)
        except (ValueError, ImportError):
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, RtaudioError):
        return text.splitlines()[-1] if text else "error"
    text = text.splitlines()[-1] if text else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_job(task: Callable[..., Any], job: Job, task_kwargs: Mapping[str, Any]) -> Record:
    """Run ``task(job.in_path, temporary_out_path, **task_kwargs)`` and
    publish the output atomically; returns the file's :class:`Record`."""
    limit_threads()
    start = time.perf_counter()
    record = Record(input=str(job.in_path), outputs=[str(p) for p in job.outputs], status=FAILED,
                    worker=worker_name())
    try:
        record.input_bytes = job.in_path.stat().st_size
    except OSError:
        record.error = (f"input not visible on worker {record.worker}: {job.in_path} (inputs and "
                        f"outputs must be on a filesystem shared by all workers, at the same path)")
        return record
    try:
        job.out_path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(job.out_path) as tmp:
            info = task(job.in_path, tmp, **task_kwargs)
            if not tmp.exists():
                raise RtaudioError(f"the task wrote no output for {job.in_path}")
        if isinstance(info, dict):  # a summary naming the temporary file names the output
            info = {k: (str(job.out_path) if str(v) == str(tmp) else v) for k, v in info.items()}
        record.info = info
        record.bytes = sum(p.stat().st_size for p in job.outputs)
        record.status = OK
    except MemoryError:
        record.error = "out of memory"
    except Exception as exc:  # a bad file fails alone; the batch goes on
        record.error = _one_line(exc)
    record.seconds = time.perf_counter() - start
    return record
