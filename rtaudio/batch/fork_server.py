"""Local Dask workers forked from a warm fork server (docs/batch.md §6).

A spawned Dask worker starts a fresh interpreter and imports Dask, NumPy,
SciPy and the task's module on its own: about 0.4 s of CPU per worker,
paid again by every restarted worker. ``--scheduler local:N`` starts its
workers from a multiprocessing fork server instead: one process that does
these imports once -- in the background, while the client is still
importing and planning -- and then forks each worker ready to run in a few
milliseconds.

The fork server is single-threaded (its BLAS/OpenMP libraries are loaded
with one thread, the pinning every batch worker gets, docs/batch.md §3),
so forking it is safe, unlike forking the multi-threaded client. The
``local:N`` executor stops it with its cluster (:func:`stop`); it would
exit with the process that started it anyway.
"""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
from typing import Iterable

from rtaudio.batch.worker import THREAD_ENV_VARS

#: modules every batch worker needs, imported once in the fork server
WORKER_MODULES = ("distributed", "rtaudio.batch.worker")


def available() -> bool:
    """True where multiprocessing has a fork server (Linux, macOS)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def start(modules: Iterable[str] = ()) -> bool:
    """Start this process's fork server with :data:`WORKER_MODULES` and
    ``modules`` imported (returns at once; the imports run in the server).

    Does nothing where there is no fork server, or when one is running
    already (its imports cannot change then). A module that fails to import
    is skipped by the server and imported by each worker when needed.

    Returns
    -------
    bool
        True when a fork server is running.
    """
    if not available() or importlib.util.find_spec("distributed") is None:
        return False  # (no Dask: no worker to start)
    from multiprocessing import forkserver
    wanted = list(dict.fromkeys([*WORKER_MODULES, *modules, "rtaudio.batch._fork_server_ready"]))
    forkserver.set_forkserver_preload(wanted)
    # the server inherits the environment: its BLAS starts with one thread
    saved = {name: os.environ.get(name) for name in THREAD_ENV_VARS}
    try:
        os.environ.update({name: "1" for name in THREAD_ENV_VARS})
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return True


def task_modules(task: object) -> list[str]:
    """The module defining ``task`` when it is one of rtaudio's (a folder
    command's task). Other modules are imported by each worker as the task
    arrives, as a spawned worker would: an import error of theirs stays that
    task's error instead of stopping the fork server."""
    module = getattr(task, "__module__", None) or ""
    return [module] if module.startswith("rtaudio.") else []


def stop() -> None:
    """Stop this process's fork server, if one runs, and wait for it to exit
    (a later :func:`start` or Dask worker launches a new one)."""
    if not available():
        return
    from multiprocessing import forkserver
    server = getattr(forkserver, "_forkserver", None)
    stop_server = getattr(server, "_stop", None)  # not public; absent: it exits with this process
    if stop_server is not None and getattr(server, "_forkserver_pid", None) is not None:
        stop_server()
