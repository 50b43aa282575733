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

#: glibc mallopt parameters and the values set in worker processes
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_BYTES = 32 * 2**20
TRIM_THRESHOLD_BYTES = 64 * 2**20

_PREPARED = False


def prepare_worker_process() -> None:
    """Once per worker process: one BLAS/OpenMP thread, and a malloc that
    keeps large NumPy buffers (docs/batch.md §3).

    Each worker already uses one core; a multi-threaded BLAS in every worker
    oversubscribes the machine (its threads spin while waiting). The
    environment variables cover libraries loaded later; threadpoolctl
    limits the ones already loaded.

    glibc returns every freed block above 128 KiB to the system and maps it
    again on the next allocation (a page fault per 4 KiB) until its
    adaptive threshold has grown; Dask's nanny even pins the trim threshold
    at 64 KiB, which disables that adaptation. The per-chunk spectrogram
    buffers are MBs, so a worker spent about half of its CPU time in page
    faults. Setting the thresholds to glibc's own adaptive maxima (32 MiB
    mmap, 64 MiB trim) removes them; memory stays bounded by the chunk size.
    """
    global _PREPARED
    if _PREPARED:
        return
    _PREPARED = True
    for name in THREAD_ENV_VARS:
        if name != "NUMBA_NUM_THREADS" or "numba" not in sys.modules:
            os.environ[name] = "1"
    _tune_malloc()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1)


def _tune_malloc() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    except (OSError, AttributeError):  # not glibc: keep its defaults
        pass


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
    prepare_worker_process()
    start, start_cpu = time.perf_counter(), time.thread_time()
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
    record.cpu_seconds = time.thread_time() - start_cpu
    return record
