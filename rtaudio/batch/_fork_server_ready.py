"""Imported last by the fork server (rtaudio.batch.fork_server): the
objects of the imports done so far are frozen out of the garbage
collector's scans (Python's advice for a process that forks: its children
share these pages instead of copying them when a collection touches them),
which also makes the server's own exit quick."""
import gc

gc.freeze()
