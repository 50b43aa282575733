"""Dask executor: the same jobs on a Dask distributed cluster
(docs/batch.md §6).

``tcp://HOST:PORT`` connects to a running scheduler; ``local:N`` starts a
:class:`distributed.LocalCluster` of N single-threaded worker processes on
this machine. Each job is one Dask task running
:func:`rtaudio.batch.worker.run_job`, the function the local pool runs, so
the outputs are identical. Dask reruns the tasks of a worker that dies on
another worker; a task whose workers keep dying (a file that crashes its
decoder) ends as ``KilledWorker``; it is then submitted once more as a new
task (it may only have shared a worker with a crashing file), and a second
``KilledWorker`` becomes that file's error.

Workers must see the inputs and outputs at the same paths as the client
(a shared filesystem): a worker that cannot see an input reports it as
that file's error.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import re
import sys
import uuid
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

from rtaudio.batch.manifest import FAILED, Record
from rtaudio.batch.plan import Job, partial_files
from rtaudio.batch.worker import run_job
from rtaudio.errors import RtaudioError

#: tasks in flight per worker thread (bounds the client's and scheduler's memory)
IN_FLIGHT_PER_THREAD = 4
#: seconds between heartbeats (the caller refreshes its progress bar)
HEARTBEAT_S = 0.5
CONNECT_TIMEOUT_S = 10


def import_distributed() -> Any:
    """``distributed``, or one clear error line naming the extra to install."""
    try:
        import distributed
    except ImportError:
        raise RtaudioError("--scheduler needs Dask distributed, which is not installed; "
                           "install it with: pip install 'rtaudio[cluster]'") from None
    return distributed


def cluster_config(allowed_failures: int) -> dict[str, Any]:
    """Scheduler settings rtaudio uses for the clusters it starts
    (``local:N``; recommended for ``dask scheduler`` too, docs/batch.md §6).

    ``allowed-failures``: a file whose worker died is retried this many
    times. ``worker-saturation`` 1.0: a worker holds only the task it runs,
    so a crashing file never takes a queued neighbour down with it.
    """
    return {"distributed.scheduler.allowed-failures": int(allowed_failures),
            "distributed.scheduler.worker-saturation": 1.0}


def start_local_cluster(workers: int, allowed_failures: int = 1,
                        log_level: int = logging.CRITICAL) -> Any:
    """A ``distributed.LocalCluster`` of ``workers`` single-threaded worker
    processes, as ``--scheduler local:N`` starts it.

    Workers are spawned (Dask's default), never forked from this
    multi-threaded process, where a lock held by another thread can hang
    the child (docs/batch.md §6).
    """
    import dask
    distributed = import_distributed()
    with dask.config.set(cluster_config(allowed_failures)):
        # dashboard on a free port: no warning when 8787 is taken
        return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0", silence_logs=log_level)


class DaskExecutor:
    """Run jobs on Dask distributed.

    Parameters
    ----------
    scheduler : str or distributed.Client
        ``"tcp://HOST:PORT"`` (a running scheduler), ``"local:N"`` (start a
        local cluster of N worker processes) or an existing ``Client``.
    allowed_failures : int
        Retries of a file whose worker died (clusters started here only).
    """

    def __init__(self, scheduler: Any, allowed_failures: int = 1) -> None:
        self.distributed = import_distributed()
        self.scheduler = scheduler
        self.allowed_failures = allowed_failures
        self.client: Any = None
        self._stack = contextlib.ExitStack()

    def describe(self) -> str:
        if isinstance(self.scheduler, str):
            return f"Dask scheduler {self.scheduler}"
        return "Dask client"

    def __enter__(self) -> "DaskExecutor":
        distributed = self.distributed
        scheduler = self.scheduler
        try:
            if isinstance(scheduler, distributed.Client):
                self.client = scheduler
            elif isinstance(scheduler, str) and scheduler.startswith("local:"):
                count = _worker_count(scheduler)
                # this cluster is ours: its expected complaints (a crashing file
                # kills workers) are reported per file, not as log lines
                self._stack.enter_context(_quiet_logger("distributed", logging.CRITICAL))
                cluster = self._stack.enter_context(start_local_cluster(count, self.allowed_failures))
                self.client = self._stack.enter_context(distributed.Client(cluster))
            elif isinstance(scheduler, str) and "://" in scheduler:
                self._stack.enter_context(_quiet_logger("distributed.client", logging.ERROR))
                self.client = self._stack.enter_context(
                    distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S))
            else:
                raise RtaudioError(f"--scheduler {scheduler!r} is not understood "
                                   f"(valid: tcp://HOST:PORT or local:N)")
        except (OSError, TimeoutError) as exc:
            self._stack.close()
            raise RtaudioError(f"cannot connect to the Dask scheduler {scheduler}: {exc}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def results(self, task: Callable[..., Any], jobs: Iterable[Job],
                task_kwargs: Mapping[str, Any]) -> Iterator[Optional[Record]]:
        """Yield one :class:`Record` per job as they finish, and ``None``
        every :data:`HEARTBEAT_S` seconds while waiting."""
        distributed = self.distributed
        client = self.client
        pending = list(jobs)
        pending.reverse()  # pop() from the end takes them in order
        if not pending:
            return
        threads = max(1, sum(client.nthreads().values()) or 1)
        window = max(2, IN_FLIGHT_PER_THREAD * threads)
        run_id = uuid.uuid4().hex[:8]
        kwargs = dict(task_kwargs)
        futures: dict[Any, Job] = {}

        retried: set[Job] = set()
        numbers = itertools.count()

        def submit(job: Job) -> None:
            # a readable, unique key: run, position in the batch, file name
            name = re.sub(r"[^\w.-]", "_", job.in_path.name)
            key = f"rtaudio-batch-{run_id}-{next(numbers)}-{name}"
            futures[client.submit(_run_job_remote, task, job, kwargs, pure=False, key=key)] = job

        try:
            while pending and len(futures) < window:
                submit(pending.pop())
            while futures:
                try:
                    distributed.wait(list(futures), timeout=HEARTBEAT_S, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    yield None
                    continue
                for future in [f for f in futures if f.done()]:
                    job = futures.pop(future)
                    if _killed_worker(future) and job not in retried:
                        # it may only have shared a worker with a crashing file:
                        # once more as a new task, with a fresh failure count
                        retried.add(job)
                        future.release()
                        submit(job)
                        continue
                    record = _record_of(future, job)
                    future.release()  # a result held by a worker that dies later is not recomputed
                    if pending:
                        submit(pending.pop())
                    yield record
        finally:
            if futures:  # interrupted: cancel what has not finished
                client.cancel(list(futures), force=True)
                for job in futures.values():
                    for path in partial_files(job):
                        path.unlink(missing_ok=True)


def _run_job_remote(task: Callable[..., Any], job: Job, task_kwargs: Mapping[str, Any]) -> Record:
    return run_job(task, job, task_kwargs)


def _killed_worker(future: Any) -> bool:
    return future.status == "error" and type(future.exception()).__name__ == "KilledWorker"


def _record_of(future: Any, job: Job) -> Record:
    try:
        return future.result()
    except Exception as exc:  # KilledWorker: the file crashed every worker it was given
        name = type(exc).__name__
        reason = ("worker process died while processing this file (Dask KilledWorker)"
                  if name == "KilledWorker" else f"{name}: {exc}")
        return Record(input=str(job.in_path), outputs=[str(p) for p in job.outputs],
                      status=FAILED, error=reason)


def _worker_count(scheduler: str) -> int:
    try:
        count = int(scheduler.split(":", 1)[1])
    except ValueError:
        count = 0
    if count < 1:
        raise RtaudioError(f"--scheduler {scheduler!r}: N in local:N must be a whole number >= 1")
    return count


@contextlib.contextmanager
def _quiet_logger(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)
