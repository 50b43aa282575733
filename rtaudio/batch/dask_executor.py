"""Dask executor: the same jobs on a Dask distributed cluster
(docs/batch.md §6).

``tcp://HOST:PORT`` connects to a running scheduler; ``local:N`` starts a
:class:`distributed.LocalCluster` of N single-threaded worker processes on
this machine, forked from a warm fork server (:mod:`rtaudio.batch.fork_server`).
Connecting (and starting a local cluster) runs in the background while the
client plans the batch. Each Dask task runs :func:`rtaudio.batch.worker.run_job`,
the function the local pool runs, on one file -- or on a few consecutive
files when they are short (about :data:`TARGET_TASK_S` of work per task),
so the scheduler's round trip per task does not add up over thousands of
small files. The outputs are identical either way.

Dask reruns the tasks of a worker that dies on another worker; a task whose
workers keep dying (a file that crashes its decoder) ends as
``KilledWorker``. A task of several files is then split into one task per
file; a one-file task is submitted once more as a new task (it may only
have shared a worker with a crashing file), and a second ``KilledWorker``
becomes that file's error.

Workers must see the inputs and outputs at the same paths as the client
(a shared filesystem): a worker that cannot see an input reports it as
that file's error.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import math
import re
import sys
import threading
import uuid
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence

from rtaudio.batch import fork_server
from rtaudio.batch.manifest import FAILED, Record
from rtaudio.batch.plan import Job, partial_files
from rtaudio.batch.worker import run_job
from rtaudio.errors import RtaudioError

#: tasks in flight per worker thread (bounds the client's and scheduler's memory)
IN_FLIGHT_PER_THREAD = 4
#: seconds of work a task of several short files aims at: each task costs
#: Dask about 10 ms of CPU (client, scheduler, worker) and its worker about
#: 4 ms idle waiting for the next one, 1-1.5 % of a second of work (with
#: 0.25 s, an 800-file batch ran 6.9 % slower than the local pool instead
#: of 2.0 %; docs/batch.md §8)
TARGET_TASK_S = 1.0
#: most files in one task (bounds what one crashing file makes rerun)
MAX_FILES_PER_TASK = 64
#: towards the end of a batch a task takes at most 1 / (this x worker threads)
#: of the files left, so that the workers finish together: every task runs in
#: FIFO order, and its last ones hold a file or two each. (It was 8: twice as
#: many tasks for 200 short files, each costing about 10 ms of Dask's CPU.)
TAIL_TASKS_PER_THREAD = 2
#: seconds between heartbeats (the caller refreshes its progress bar)
HEARTBEAT_S = 0.5
CONNECT_TIMEOUT_S = 10


def import_distributed(freeze_imports: bool = False) -> Any:
    """``distributed``, or one clear error line naming the extra to install.

    The first import runs with the cyclic garbage collector paused: Dask's
    400-odd modules would otherwise set off collections that scan every
    object imported so far again and again (the import takes about 0.155 s
    instead of 0.185 s). With ``freeze_imports`` (for a process that ends
    with its command, such as the ``rtaudio`` script's) every object the
    process holds at that point -- Dask's and the command's own imports --
    is then moved out of the collector's reach for good (``gc.freeze``)
    instead of being scanned by the next collections: the
    command's collections in a 200-file ``local:2`` batch took 13–32 ms
    instead of 41–54 ms (docs/batch.md §8). Without it they are collected
    as usual.
    """
    module = sys.modules.get("distributed")
    if module is not None:
        return module
    collecting = gc.isenabled()
    gc.disable()
    try:
        import distributed
    except ImportError:
        raise RtaudioError("--scheduler needs Dask distributed, which is not installed; "
                           "install it with: pip install 'rtaudio[cluster]'") from None
    finally:
        if freeze_imports:
            gc.freeze()
        if collecting:
            gc.enable()
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


def local_worker_config() -> dict[str, Any]:
    """How ``local:N`` starts worker processes: forked from the fork server
    where there is one (:mod:`rtaudio.batch.fork_server`), else spawned."""
    method = "forkserver" if fork_server.available() else "spawn"
    return {"distributed.worker.multiprocessing-method": method}


def quiet_cluster_config() -> dict[str, Any]:
    """What Dask's scheduler and workers need not do for rtaudio's batches,
    which nobody watches on a dashboard (recommended for ``dask scheduler``
    and ``dask worker`` too, docs/batch.md §6):

    - sample the workers' stacks every 10 ms for the dashboard's profile;
    - look for tasks to steal every 100 ms (queued tasks are not stolen);
    - measure each event loop's responsiveness every 20 ms (the ``tick``,
      used for "event loop was unresponsive" warnings): every 1 s;
    - sample each process's CPU, memory and the host's disk I/O every
      0.5 s for the dashboard's charts: every 2 s, without disk I/O (the
      memory limits are watched by their own monitor, unchanged);
    - run the active memory manager every 2 s (it removes replicas of
      results, which rtaudio's small results never have).

    The first two took about 0.1 s of CPU per 2.5 s batch on this
    project's 2-core machine, the others about 0.25 s more
    (docs/batch.md §8).
    """
    return {"distributed.worker.profile.enabled": False,
            "distributed.scheduler.work-stealing": False,
            "distributed.admin.tick.interval": "1s",
            "distributed.admin.system-monitor.interval": "2s",
            "distributed.admin.system-monitor.disk": False,
            "distributed.scheduler.active-memory-manager.start": False}


def local_cluster_config(allowed_failures: int) -> dict[str, Any]:
    """:func:`cluster_config`, :func:`local_worker_config` and
    :func:`quiet_cluster_config`: how ``local:N`` starts its cluster."""
    return {**cluster_config(allowed_failures), **local_worker_config(), **quiet_cluster_config()}


def start_local_cluster(workers: int, allowed_failures: int = 1,
                        log_level: int = logging.CRITICAL,
                        worker_modules: Sequence[str] = ()) -> Any:
    """A ``distributed.LocalCluster`` of ``workers`` single-threaded worker
    processes, as ``--scheduler local:N`` starts it.

    Workers are forked from this process's fork server, which has Dask,
    rtaudio's worker code and ``worker_modules`` imported
    (:mod:`rtaudio.batch.fork_server`: itself forked from this process
    while it had a single thread, else spawned); never forked from this
    process once it runs Dask's threads, where a lock held by another
    thread can hang the child (docs/batch.md §6). Without a fork server
    they are spawned. Workers restarted later are forked too while :func:`local_worker_config`
    is in Dask's configuration (as it is for ``local:N``), else spawned.
    """
    import dask
    distributed = import_distributed()
    fork_server.start(worker_modules)
    # the fork server imports what workers need; Dask need not preload its own list
    # (which would import Dask's optional packages into this process)
    _utils = sys.modules.get("distributed.utils")
    if _utils is not None and hasattr(_utils, "_forkserver_preload_set"):
        _utils._forkserver_preload_set = True
    with dask.config.set(local_cluster_config(allowed_failures)):
        # dashboard on a free port: no warning when 8787 is taken
        return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0", silence_logs=log_level)


class DaskExecutor:
    """Run jobs on Dask distributed.

    :meth:`start` begins connecting (or starting the local cluster) in a
    background thread, :meth:`ready` waits for it, :meth:`close` closes
    what was started; ``with DaskExecutor(...) as executor`` does all three.

    Parameters
    ----------
    scheduler : str or distributed.Client
        ``"tcp://HOST:PORT"`` (a running scheduler), ``"local:N"`` (start a
        local cluster of N worker processes) or an existing ``Client``.
    allowed_failures : int
        Retries of a file whose worker died (clusters started here only).
    worker_modules : sequence of str
        Modules the workers of a ``local:N`` cluster import before their
        first task (the task's own module, :func:`fork_server.task_modules`).
    """

    def __init__(self, scheduler: Any, allowed_failures: int = 1,
                 worker_modules: Sequence[str] = ()) -> None:
        self.scheduler = scheduler
        self.allowed_failures = allowed_failures
        self.worker_modules = tuple(worker_modules)
        local = isinstance(scheduler, str) and scheduler.startswith("local:")
        self._workers = _worker_count(scheduler) if local else 0
        if local:  # (forked after Dask's import, before this process starts any thread)
            fork_server.start(self.worker_modules)
        self.distributed = import_distributed()
        self.client: Any = None
        self._stack = contextlib.ExitStack()
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None

    def describe(self) -> str:
        if isinstance(self.scheduler, str):
            return f"Dask scheduler {self.scheduler}"
        return "Dask client"

    def start(self) -> None:
        """Begin connecting (or starting the local cluster) in the background."""
        if self._thread is None and self.client is None:
            self._thread = threading.Thread(target=self._connect_in_background,
                                            name="rtaudio-batch-connect", daemon=True)
            self._thread.start()

    def ready(self) -> None:
        """Wait until connected; raises what connecting raised."""
        if self._thread is None and self.client is None:
            self._connect()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def close(self) -> None:
        """Close the client and the local cluster (after a background start ends)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._stack.close()

    def __enter__(self) -> "DaskExecutor":
        try:
            self.ready()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect_in_background(self) -> None:
        try:
            self._connect()
        except BaseException as exc:  # re-raised in the caller's thread by ready()
            self._error = exc

    def _connect(self) -> None:
        distributed = self.distributed
        scheduler = self.scheduler
        try:
            if isinstance(scheduler, distributed.Client):
                self.client = scheduler
            elif self._workers:
                import dask
                # this cluster is ours: its expected complaints (a crashing file
                # kills workers) are reported per file, not as log lines
                self._stack.enter_context(_quiet_logger("distributed", logging.CRITICAL))
                # while it runs, restarted workers are forked from the warm server too
                self._stack.enter_context(dask.config.set(local_worker_config()))
                # (callbacks run last first: the fork server stops after the cluster)
                self._stack.callback(fork_server.stop)
                cluster = start_local_cluster(self._workers, self.allowed_failures,
                                              worker_modules=self.worker_modules)
                self._stack.callback(cluster.close)
                # results come straight from the workers (all on this host), not
                # through the scheduler: one hop and the scheduler's CPU less per task
                self.client = distributed.Client(cluster, direct_to_workers=True)
                self._stack.callback(self.client.close)
            elif isinstance(scheduler, str) and "://" in scheduler:
                self._stack.enter_context(_quiet_logger("distributed.client", logging.ERROR))
                self.client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
                self._stack.callback(self.client.close)
            else:
                raise RtaudioError(f"--scheduler {scheduler!r} is not understood "
                                   f"(valid: tcp://HOST:PORT or local:N)")
        except (OSError, TimeoutError) as exc:
            self._stack.close()
            raise RtaudioError(f"cannot connect to the Dask scheduler {scheduler}: {exc}") from None
        except BaseException:
            self._stack.close()
            raise

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
        futures: dict[Any, list[Job]] = {}
        retried: set[Job] = set()
        numbers = itertools.count()
        timed = [0.0, 0]  # task seconds and files seen so far

        def submit(chunk: list[Job]) -> None:
            # a readable, unique key: run, position in the batch, file name(s)
            name = re.sub(r"[^\w.-]", "_", chunk[0].in_path.name)
            more = f"-and-{len(chunk) - 1}-more" if len(chunk) > 1 else ""
            key = f"rtaudio-batch-{run_id}-{next(numbers)}-{name}{more}"
            futures[client.submit(_run_jobs_remote, task, chunk, kwargs, pure=False, key=key)] = chunk

        def next_chunk() -> list[Job]:
            # one file until files are known to be short; then about TARGET_TASK_S
            # of files, fewer towards the end so that the workers finish together
            size = 1
            if timed[1] and timed[0] > 0:
                per_file_s = timed[0] / timed[1]
                size = min(int(TARGET_TASK_S / per_file_s),
                           math.ceil(len(pending) / (TAIL_TASKS_PER_THREAD * threads)),
                           MAX_FILES_PER_TASK)
            return [pending.pop() for _ in range(max(1, min(size, len(pending))))]

        def fill() -> None:
            # until a file has been timed, one single-file task per worker thread
            # (a window of them cost a task each for nothing); then the window
            limit = window if timed[1] else threads
            while pending and len(futures) < limit:
                submit(next_chunk())

        try:
            fill()
            while futures:
                try:
                    distributed.wait(list(futures), timeout=HEARTBEAT_S, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    yield None
                    continue
                for future in [f for f in futures if f.done()]:
                    chunk = futures.pop(future)
                    if future.status == "error" and len(chunk) > 1:
                        # a file of this task crashed its workers: one task per file
                        for job in chunk:
                            submit([job])
                        future.release()  # (after its replacements: see below)
                        continue
                    if _killed_worker(future) and chunk[0] not in retried:
                        # it may only have shared a worker with a crashing file:
                        # once more as a new task, with a fresh failure count
                        retried.add(chunk[0])
                        submit(chunk)
                        future.release()
                        continue
                    records = _records_of(future, chunk)
                    for record in records:
                        timed[0] += record.seconds
                        timed[1] += 1
                    if pending:
                        fill()
                    # released only now, after the next submission: Dask queues
                    # tasks on its scheduler (one per worker at a time, §6's
                    # worker-saturation) only while their task group is large, and
                    # drops the group -- all of this batch's tasks -- when none of
                    # them is held; new tasks would then be sent to busy workers.
                    # (A result held by a worker that dies later is not recomputed.)
                    future.release()
                    yield from records
        finally:
            if futures:  # interrupted: cancel what has not finished
                client.cancel(list(futures), force=True)
                for chunk in futures.values():
                    for job in chunk:
                        for path in partial_files(job):
                            path.unlink(missing_ok=True)


def _run_jobs_remote(task: Callable[..., Any], jobs: list[Job],
                     task_kwargs: Mapping[str, Any]) -> list[Record]:
    return [run_job(task, job, task_kwargs) for job in jobs]


def _killed_worker(future: Any) -> bool:
    return future.status == "error" and type(future.exception()).__name__ == "KilledWorker"


def _records_of(future: Any, chunk: list[Job]) -> list[Record]:
    try:
        return future.result()
    except Exception as exc:  # KilledWorker: the file crashed every worker it was given
        name = type(exc).__name__
        reason = ("worker process died while processing this file (Dask KilledWorker)"
                  if name == "KilledWorker" else f"{name}: {exc}")
        return [Record(input=str(job.in_path), outputs=[str(p) for p in job.outputs],
                       status=FAILED, error=reason) for job in chunk]


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
