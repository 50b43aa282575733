"""Per-file tasks used by tests/test_batch.py (module-level, so local and
Dask workers can run them)."""
from __future__ import annotations

import json
import os
import signal
import time

from rtaudio.analysis.images import save_spectrogram

#: a file starting with these bytes makes crashing_spectrogram crash its worker
CRASH_MAGIC = b"CRASH"


def crashing_spectrogram(in_path, out_path, **kwargs):
    """save_spectrogram, except that a file starting with CRASH_MAGIC kills
    its worker process with SIGSEGV, as a crashing native decoder would."""
    with open(in_path, "rb") as handle:
        if handle.read(len(CRASH_MAGIC)) == CRASH_MAGIC:
            os.kill(os.getpid(), signal.SIGSEGV)
    return save_spectrogram(in_path, out_path, **kwargs)


def slow_spectrogram(in_path, out_path, delay_s=0.3, **kwargs):
    """save_spectrogram after a pause, so a test can act while tasks run."""
    time.sleep(delay_s)
    return save_spectrogram(in_path, out_path, **kwargs)


def blas_threads(in_path, out_path):
    """Writes the thread counts of the BLAS/OpenMP pools loaded in this worker."""
    import numpy  # noqa: F401  (loads its BLAS)
    from threadpoolctl import threadpool_info
    with open(out_path, "w") as handle:
        json.dump([pool["num_threads"] for pool in threadpool_info()], handle)
