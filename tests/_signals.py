"""Test signals shared by the foundation tests (deterministic)."""
from __future__ import annotations

import numpy as np


def noise(frames: int, channels: int = 1, seed: int = 0, level: float = 0.3) -> np.ndarray:
    """Gaussian noise, float32 (frames, channels)."""
    rng = np.random.default_rng(seed)
    return (level * rng.standard_normal((frames, channels))).astype(np.float32)


def bursts(frames: int, channels: int = 1, seed: int = 1, sample_rate: float = 48000.0) -> np.ndarray:
    """Noise bursts with loud and quiet sections (exercises gate open/hold/close)."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / sample_rate
    envelope = np.where(np.sin(2 * np.pi * 3.0 * t + rng.uniform(0, 6)) > 0.2, 0.5, 0.002)
    x = envelope[:, None] * rng.standard_normal((frames, channels))
    return x.astype(np.float32)


def random_partition(total: int, rng: np.random.Generator, low: int = 1, high: int = 4096) -> list[int]:
    """Block sizes (including 0-length blocks) that add up to ``total``."""
    sizes = []
    remaining = total
    while remaining > 0:
        size = int(min(remaining, rng.integers(low, high + 1)))
        if rng.random() < 0.05:
            sizes.append(0)
        sizes.append(size)
        remaining -= size
    return sizes


def stream(proc, x: np.ndarray, sizes: list[int], sample_rate: float) -> np.ndarray:
    """Run ``proc`` (Processor or Chain) block by block; returns the output."""
    from rtaudio.testing import stream_in_blocks
    return stream_in_blocks(proc, x, sizes, sample_rate)


def speech(fs: int, text: str = "Harmonic and percussive parts of a short spoken sentence.") -> np.ndarray:
    """A real (synthesised) speech recording of ``text`` from espeak-ng at
    ``fs`` Hz, float32 mono; skips the calling test when espeak-ng is missing."""
    import shutil
    import subprocess
    import tempfile

    import pytest
    import soundfile as sf
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/speech.wav"
        subprocess.run([exe, "-w", path, text],
                       check=True, capture_output=True)
        y, rate = sf.read(path, dtype="float32")
    if rate != fs:
        from scipy.signal import resample_poly
        y = resample_poly(y, fs, rate).astype(np.float32)
    return np.ascontiguousarray(y)


def run_virtual_engine(mode: str, chain, callbacks: int = 300, blocksize: int = 64, rate: int = 48000):
    """Run ``chain`` on the virtual device as fast as possible (``speed=0``)
    for ``callbacks`` blocks of 2 channels, capturing the output; returns the
    stopped Engine (``.captured`` holds the output)."""
    from rtaudio.engine import Engine
    eng = Engine(chain, samplerate=rate, blocksize=blocksize, channels=2, mode=mode, backend="virtual",
                 backend_options=dict(output_seconds=callbacks * blocksize / rate, max_callbacks=callbacks,
                                      speed=0))
    eng.start()
    assert eng.wait(60)
    eng.stop()
    return eng
