"""Benchmark: the batch runner on the local process pool vs Dask (one run).

Writes ``--files`` WAV files of ``--seconds`` s (22050 Hz, mono, 16-bit) and
turns them into 512x512 mel-spectrogram PNGs with ``rtaudio spectrogram IN
OUT`` (a fresh process each time, start-up and imports included), with the
same number of worker processes each way:

- local pool: ``--jobs N``
- Dask, cluster started by the command: ``--scheduler local:N``
  (includes starting the scheduler and N worker processes)
- Dask, a cluster already running (the ``dask scheduler`` / ``dask worker``
  set-up of docs/batch.md): ``--scheduler tcp://...`` to a LocalCluster of
  N worker processes started (and warmed up on 2 files) before timing

The runs alternate (local, Dask, Dask running, local, ...) ``--repeat``
times to spread the machine's noise; the fastest of each is reported, with
Dask's overhead relative to the local pool, files per second,
audio-hours per core-hour (audio duration / (wall time x worker processes))
and the tasks' total CPU time (from the manifest).
All outputs are checked byte-identical across the three ways.

    .venv/bin/python benchmarks/bench_batch.py [--files 200] [--seconds 15] [--workers 2] [--repeat 2]
"""
from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050
IMAGE = ["--width", "512", "--height", "512"]


def make_signal(seconds: float, seed: int) -> np.ndarray:
    """A chirp plus noise (different per file)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 100 + 50 * (seed % 7)
    chirp = np.sin(2 * np.pi * (f0 * t + 40 * t**2))
    return (0.4 * chirp + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return wall


def task_cpu_s(manifest: Path) -> float:
    """Total CPU time of the tasks of one run, from its manifest."""
    from rtaudio.batch import read_manifest
    return sum(record.cpu_seconds for record in read_manifest(manifest))


def pngs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.png"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from rtaudio.batch.dask_executor import start_local_cluster

    rtaudio = [sys.executable, "-m", "rtaudio"]
    n = args.workers
    times: dict[str, list[float]] = {"local": [], "dask local:N": [], "dask running": []}
    cpu: dict[str, list[float]] = {way: [] for way in times}
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        tmp = Path(tmp)
        src = tmp / "wav"
        for i in range(args.files):
            path = src / f"part{i % 4}" / f"clip{i:03d}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, make_signal(args.seconds, i), SR, subtype="PCM_16")
        cluster = start_local_cluster(n, allowed_failures=1, log_level=logging.ERROR)
        try:
            warm = tmp / "warm"
            warm.mkdir()
            for p in sorted(src.rglob("*.wav"))[:2]:
                shutil.copy(p, warm / p.name)
            timed([*rtaudio, "spectrogram", str(warm), str(tmp / "warm_out"), *IMAGE,
                   "--scheduler", cluster.scheduler_address])
            ways = {"local": ["--jobs", str(n)], "dask local:N": ["--scheduler", f"local:{n}"],
                    "dask running": ["--scheduler", cluster.scheduler_address]}
            reference = None
            for rep in range(args.repeat):
                for way, extra in ways.items():
                    out = tmp / "out"
                    shutil.rmtree(out, ignore_errors=True)
                    times[way].append(timed([*rtaudio, "spectrogram", str(src), str(out), *IMAGE, *extra]))
                    cpu[way].append(task_cpu_s(out / "manifest.jsonl"))
                    images = pngs(out)
                    if len(images) != args.files:
                        sys.exit(f"{way}: expected {args.files} PNGs, got {len(images)}")
                    if reference is None:
                        reference = images
                    elif images != reference:
                        sys.exit(f"{way}: outputs differ from the local pool's")
        finally:
            cluster.close()

    audio_h = args.files * args.seconds / 3600
    best_local = min(times["local"])
    print(f"{args.files} files x {args.seconds:g} s (22050 Hz mono) -> 512x512 mel PNG with "
          f"`rtaudio spectrogram`, {n} worker processes each way, {args.repeat} alternating runs "
          f"(fastest shown); outputs byte-identical across all runs")
    print()
    print("| executor | wall (fastest) | all runs | files/s | audio-hours per core-hour | "
          "overhead vs local pool | task CPU time (sum, fastest run) |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for way, label in [("local", f"local pool, --jobs {n}"),
                       ("dask local:N", f"Dask, --scheduler local:{n} (starts the cluster)"),
                       ("dask running", f"Dask, --scheduler tcp://... ({n} workers already running)")]:
        best = min(range(len(times[way])), key=times[way].__getitem__)
        wall = times[way][best]
        runs = ", ".join(f"{t:.2f}" for t in times[way])
        overhead = "" if way == "local" else f"{100 * (wall - best_local) / best_local:+.1f} %"
        print(f"| {label} | {wall:.2f} s | {runs} | {args.files / wall:.2f} | "
              f"{audio_h / (wall * n / 3600):.0f} | {overhead} | {cpu[way][best]:.1f} s |")
    print()
    print("Task CPU time is what the files cost the workers whatever else the machine did; "
          "wall time includes start-up, imports, scheduling and other load on the machine.")

if __name__ == "__main__":
    main()
