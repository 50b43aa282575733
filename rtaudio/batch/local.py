"""Local executor: a pool of worker processes that survives worker death
(docs/batch.md §5).

Each worker gets one job at a time through its own pipe, so when a worker
dies (a decoder crash, the OOM killer, a SIGKILL) the parent knows which
file it was processing: that file is retried on a fresh worker up to
``allowed_failures`` times (as Dask does), then reported as failed; the
other files are not affected. On Ctrl-C the workers are asked to stop
(SIGTERM: the task's temporary output is deleted), then killed if they do
not, and any temporary files they left are removed.
"""
from __future__ import annotations

import multiprocessing
import signal
import sys
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

from rtaudio.batch.manifest import FAILED, Record
from rtaudio.batch.plan import Job, partial_files
from rtaudio.batch.worker import run_job, worker_name

#: seconds between heartbeats (the caller refreshes its progress bar)
HEARTBEAT_S = 0.5
#: seconds a worker gets to clean up after SIGTERM before SIGKILL
STOP_GRACE_S = 5.0


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _worker_main(conn: Connection, task: Callable[..., Any], task_kwargs: Mapping[str, Any]) -> None:
    # Ctrl-C in the terminal reaches every process of the group: the parent
    # alone decides, and stops workers with SIGTERM (cleanly, see above).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        while True:
            job = conn.recv()
            if job is None:
                return
            conn.send(run_job(task, job, task_kwargs))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        return


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: Optional[Job] = None


def _death_reason(exitcode: Optional[int]) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


def _died(job: Job, worker: _Worker, times: int) -> Record:
    host = worker_name().rsplit(":", 1)[0]
    return Record(input=str(job.in_path), outputs=[str(p) for p in job.outputs], status=FAILED,
                  worker=f"{host}:{worker.process.pid}",
                  error=(f"worker process died ({_death_reason(worker.process.exitcode)}) while "
                         f"processing this file ({times} time(s))"))


class LocalExecutor:
    """Run jobs on ``workers`` local processes.

    Parameters
    ----------
    workers : int
        Number of worker processes.
    allowed_failures : int
        How many times a file whose worker died is retried on a new worker
        before it is reported as failed.
    """

    def __init__(self, workers: int, allowed_failures: int = 1) -> None:
        self.workers = max(1, int(workers))
        self.allowed_failures = max(0, int(allowed_failures))
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._context = multiprocessing.get_context(method)

    def describe(self) -> str:
        return f"{self.workers} local worker process(es)"

    # workers start with each :meth:`results` call: nothing to connect or close
    def start(self) -> None:
        return None

    def ready(self) -> None:
        return None

    def close(self) -> None:
        return None

    def _start(self, task: Callable[..., Any], task_kwargs: Mapping[str, Any]) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child, task, dict(task_kwargs)),
                                        daemon=True, name="rtaudio-batch-worker")
        process.start()
        child.close()
        return _Worker(process, parent)

    def results(self, task: Callable[..., Any], jobs: Iterable[Job],
                task_kwargs: Mapping[str, Any]) -> Iterator[Optional[Record]]:
        """Yield one :class:`Record` per job as they finish, and ``None``
        every :data:`HEARTBEAT_S` seconds while waiting."""
        queue = deque(jobs)
        if not queue:
            return
        deaths: dict[Job, int] = {}
        pool = [self._start(task, task_kwargs) for _ in range(min(self.workers, len(queue)))]
        busy = 0
        try:
            def assign(worker: _Worker) -> None:
                nonlocal busy
                job = queue.popleft()
                try:
                    worker.conn.send(job)
                except OSError:  # the worker just died: the job goes back, uncounted
                    queue.appendleft(job)
                    return
                worker.job = job
                busy += 1

            while queue or busy:
                for worker in pool:
                    if worker.job is None and queue:
                        assign(worker)
                ready = wait([w.conn for w in pool if w.job is not None]
                             + [w.process.sentinel for w in pool], timeout=HEARTBEAT_S)
                if not ready:
                    yield None
                    continue
                for worker in list(pool):
                    if worker.job is not None and worker.conn.poll():
                        try:
                            record = worker.conn.recv()
                        except (EOFError, OSError):
                            record = None  # died while sending: handled below
                        if record is not None:
                            worker.job = None
                            busy -= 1
                            if queue:  # the next file first, then report this one
                                assign(worker)
                            yield record
                    if worker.process.is_alive() or worker.process.exitcode is None:
                        continue
                    # the worker died: retry its file on a new worker, or report it
                    pool.remove(worker)
                    worker.conn.close()
                    job = worker.job
                    if job is not None:
                        busy -= 1
                        for path in partial_files(job):
                            path.unlink(missing_ok=True)
                        deaths[job] = deaths.get(job, 0) + 1
                        if deaths[job] > self.allowed_failures:
                            yield _died(job, worker, deaths[job])
                        else:
                            queue.appendleft(job)
                    if queue and len(pool) < self.workers:
                        pool.append(self._start(task, task_kwargs))
            for worker in pool:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
            for worker in pool:
                worker.process.join(STOP_GRACE_S)
        finally:
            self._stop(pool)

    def _stop(self, pool: list[_Worker]) -> None:
        """Stop every worker still alive and remove its temporary outputs."""
        alive = [w for w in pool if w.process.is_alive()]
        for worker in alive:
            worker.process.terminate()
        for worker in alive:
            worker.process.join(STOP_GRACE_S)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        for worker in pool:
            if worker.job is not None:
                for path in partial_files(worker.job):
                    path.unlink(missing_ok=True)
            worker.conn.close()
