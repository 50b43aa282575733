"""Local Dask workers forked from a warm fork server (docs/batch.md §6).

A spawned Dask worker starts a fresh interpreter and imports Dask, NumPy,
SciPy and the task's module on its own: about 0.4 s of CPU per worker,
paid again by every restarted worker. ``--scheduler local:N`` starts its
workers from a multiprocessing fork server instead, a process that has
these modules imported once and forks each worker ready to run in a few
milliseconds.

On Linux the fork server is itself forked from the command, while the
command still has a single thread (before Dask starts any): it inherits
everything the command has imported -- NumPy, rtaudio, Dask -- and only
imports what is missing (the task's module, if the command has not
imported it yet), so it is ready at once and costs almost no CPU time. Elsewhere, or when the calling process
already runs other threads (where a lock held by another thread could
hang a forked child), multiprocessing spawns it: a fresh interpreter that
imports everything in the background.

The fork server is single-threaded (a spawned one loads its BLAS/OpenMP
libraries with one thread, the pinning every batch worker gets,
docs/batch.md §3; the workers of a forked one pin the libraries already
loaded with threadpoolctl, as the local pool's workers do), so forking it
is safe, unlike forking the multi-threaded client. The ``local:N``
executor stops it with its cluster (:func:`stop`); it would exit with the
process that started it anyway.
"""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
import socket
import sys
import threading
import traceback
from typing import Iterable

from rtaudio.batch.worker import THREAD_ENV_VARS

#: modules every batch worker needs, imported once in the fork server
WORKER_MODULES = ("distributed", "rtaudio.batch.worker", "rtaudio.batch.dask_executor")


def available() -> bool:
    """True where multiprocessing has a fork server (Linux, macOS)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def start(modules: Iterable[str] = ()) -> bool:
    """Start this process's fork server with :data:`WORKER_MODULES` and
    ``modules`` imported.

    Forked from this process when it has a single thread, on Linux
    (:func:`can_fork_this_process`): Dask is imported here first, so that
    the server inherits it, and the server imports the rest. Otherwise
    spawned (returns at once; the imports run in the server). Does nothing
    where there is no fork server, or when one is running already (its
    imports cannot change then). A module that fails to import is skipped
    by the server and imported by each worker when needed.

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
    if can_fork_this_process():
        from rtaudio.batch.dask_executor import import_distributed
        import_distributed()  # this process needs it next; the server inherits it
        _fork_server(wanted)
        return True
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


def can_fork_this_process() -> bool:
    """True on Linux while this process runs no thread but the main one
    (a native library's idle pool, e.g. BLAS's, is restarted by the
    library after a fork, as for the local pool's workers), and when this
    Python's fork server is the one :func:`_fork_server` was written for."""
    return (sys.platform.startswith("linux") and threading.active_count() == 1
            and _forkserver_internals_known())


def _forkserver_internals_known() -> bool:
    """:func:`_fork_server` repeats what ``multiprocessing.forkserver``'s
    private ``ensure_running`` does in CPython 3.11 (tested). Newer versions
    authenticate the server's clients (an ``authkey`` the server must
    receive), and a server started without it would refuse every worker:
    anything but the known state and ``main`` signature falls back to a
    spawned server."""
    import inspect
    from multiprocessing import forkserver
    server = getattr(forkserver, "_forkserver", None)
    known = ("_forkserver_address", "_forkserver_alive_fd", "_forkserver_pid", "_lock")
    if server is None or not all(hasattr(server, name) for name in known) \
            or any("authkey" in name for name in vars(server)):
        return False
    try:
        params = list(inspect.signature(forkserver.main).parameters)
    except (TypeError, ValueError):
        return False
    return params == ["listener_fd", "alive_r", "preload", "main_path", "sys_path"]


def _fork_server(preload: list[str]) -> None:
    """Fork multiprocessing's fork server from this process (what
    ``forkserver.ensure_running`` does with a fresh interpreter)."""
    from multiprocessing import connection, forkserver, resource_tracker, util
    server = forkserver._forkserver  # not public: the state ensure_running keeps
    with server._lock:
        resource_tracker.ensure_running()
        if server._forkserver_pid is not None:
            pid, _ = os.waitpid(server._forkserver_pid, os.WNOHANG)
            if not pid:
                return  # still running
            os.close(server._forkserver_alive_fd)
            server._forkserver_address = server._forkserver_alive_fd = server._forkserver_pid = None
        with socket.socket(socket.AF_UNIX) as listener:
            address = connection.arbitrary_address("AF_UNIX")
            listener.bind(address)
            if not util.is_abstract_socket_namespace(address):
                os.chmod(address, 0o600)
            listener.listen()
            alive_r, alive_w = os.pipe()  # the server stops when every client closed alive_w
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # else the child would write the buffered text again
                    stream.flush()
            pid = os.fork()
            if pid == 0:  # the fork server: serve until alive_r reaches EOF, never return
                code = 0
                try:
                    os.close(alive_w)
                    server._lock = threading.Lock()  # (held by the parent as it forked)
                    _as_in_a_fresh_interpreter()
                    forkserver.main(listener.fileno(), alive_r, preload)
                except SystemExit:
                    pass
                except BaseException:
                    traceback.print_exc()
                    code = 1
                finally:
                    os._exit(code)  # not this process's atexit handlers or buffers
            os.close(alive_r)
        server._forkserver_address = address
        server._forkserver_alive_fd = alive_w
        server._forkserver_pid = pid


def _as_in_a_fresh_interpreter() -> None:
    """Undo what the forking process enabled that a spawned server would
    not have: a fault handler (pytest's), which would print every crashing
    worker's stack."""
    import faulthandler
    if not (os.environ.get("PYTHONFAULTHANDLER") or "faulthandler" in sys._xoptions):
        faulthandler.disable()


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
