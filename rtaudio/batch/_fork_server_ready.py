"""Imported last by the fork server (rtaudio.batch.fork_server), after the
workers' modules.

- The objects those imports made are frozen out of the garbage collector's
  scans (Python's advice for a process that forks: its children share these
  pages instead of copying them when a collection touches them), which also
  makes the server's own exit quick (0.25 s less).
- Ctrl-C in the terminal reaches every process of the command; the workers
  forked from here ignore it, as the local pool's do (docs/batch.md §5): the
  command cancels their tasks and stops the cluster, instead of each worker
  dying with a traceback.
"""
import gc
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
gc.freeze()
