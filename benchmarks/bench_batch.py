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
times to spread the machine's noise. Reported per way: the median and the
fastest wall time, Dask's overhead relative to the local pool (the median
of each round's ratio, so that load which changes between rounds cancels,
and fastest vs fastest), files per second, audio-hours per core-hour
(audio duration / (wall time x worker processes)), the tasks' total CPU
time (from the manifest) and the CPU time of all the command's processes
(less disturbed by other load than wall time). All outputs are checked
byte-identical across the three ways.

``--phases R`` then runs R more alternating rounds of the three ways
through ``benchmarks/batch_phases.py`` and prints when each phase of the
command ended (median over the rounds), from the command's start to its
exit, and how long its tasks took (first to last record): where Dask's
extra seconds go.

``--scale 400,800`` then runs the three ways on larger batches too
(``--scale-repeat`` alternating rounds each) and prints Dask's overhead
against the batch's length: its start-up is paid once per command, its
work per task in proportion to the files.

    .venv/bin/python benchmarks/bench_batch.py [--files 200] [--seconds 15] [--workers 2] [--repeat 5] [--phases 5] [--scale 400,800]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import numpy as np
import soundfile as sf

SR = 22050
IMAGE = ["--width", "512", "--height", "512"]
RTAUDIO = [sys.executable, "-m", "rtaudio"]


def make_signal(seconds: float, seed: int) -> np.ndarray:
    """A chirp plus noise (different per file)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 100 + 50 * (seed % 7)
    chirp = np.sin(2 * np.pi * (f0 * t + 40 * t**2))
    return (0.4 * chirp + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def write_corpus(folder: Path, files: int, seconds: float) -> None:
    """``files`` WAV files of ``seconds`` s under ``folder`` (4 subfolders)."""
    for i in range(files):
        path = folder / f"part{i % 4}" / f"clip{i:04d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, make_signal(seconds, i), SR, subtype="PCM_16")


def checked_outputs(out: Path, files: int, reference: Optional[dict[str, str]],
                    label: str) -> dict[str, str]:
    """SHA-256 of every PNG under ``out``; exits unless there are ``files``
    of them, byte-identical to ``reference`` (when given)."""
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in pngs(out).items()}
    if len(digests) != files:
        sys.exit(f"{label}: expected {files} PNGs, got {len(digests)}")
    if reference is not None and digests != reference:
        sys.exit(f"{label}: outputs differ from the local pool's")
    return digests


def process_cpu_s() -> float:
    """CPU seconds of this process's waited-for descendants, theirs included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time of ``cmd`` and the CPU time of all its processes (workers included)."""
    cpu = process_cpu_s()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return wall, process_cpu_s() - cpu


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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phases", type=int, default=0, metavar="ROUNDS",
                        help="then time the phases of the local pool and local:N (ROUNDS rounds)")
    parser.add_argument("--scale", default="", metavar="FILES,...",
                        help="then the three ways on larger batches of these many files "
                             "(e.g. 400,800): Dask's overhead against the batch's length")
    parser.add_argument("--scale-repeat", type=int, default=3, metavar="ROUNDS",
                        help="alternating rounds per --scale batch")
    args = parser.parse_args()
    scale_sizes = [int(size) for size in args.scale.split(",") if size.strip()]
    from rtaudio.batch.dask_executor import start_local_cluster

    n = args.workers
    times: dict[str, list[float]] = {"local": [], "dask local:N": [], "dask running": []}
    cpu: dict[str, list[float]] = {way: [] for way in times}
    command_cpu: dict[str, list[float]] = {way: [] for way in times}
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        tmp = Path(tmp)
        src = tmp / "wav"
        write_corpus(src, args.files, args.seconds)
        cluster = start_local_cluster(n, allowed_failures=1, log_level=logging.ERROR)
        try:
            warm = tmp / "warm"
            warm.mkdir()
            for p in sorted(src.rglob("*.wav"))[:2]:
                shutil.copy(p, warm / p.name)
            timed([*RTAUDIO, "spectrogram", str(warm), str(tmp / "warm_out"), *IMAGE,
                   "--scheduler", cluster.scheduler_address])
            ways = {"local": ["--jobs", str(n)], "dask local:N": ["--scheduler", f"local:{n}"],
                    "dask running": ["--scheduler", cluster.scheduler_address]}
            reference = None
            for rep in range(args.repeat):
                for way, extra in ways.items():
                    out = tmp / "out"
                    shutil.rmtree(out, ignore_errors=True)
                    wall, all_cpu = timed([*RTAUDIO, "spectrogram", str(src), str(out), *IMAGE, *extra])
                    times[way].append(wall)
                    command_cpu[way].append(all_cpu)
                    cpu[way].append(task_cpu_s(out / "manifest.jsonl"))
                    reference = checked_outputs(out, args.files, reference, way)
            phases = (time_phases(src, tmp, n, args.phases, cluster.scheduler_address)
                      if args.phases else None)
            scaled = {size: time_batch_size(size, args.seconds, tmp, ways, args.scale_repeat)
                      for size in scale_sizes}
        finally:
            cluster.close()

    audio_h = args.files * args.seconds / 3600
    median = {way: statistics.median(t) for way, t in times.items()}
    print(f"{args.files} files x {args.seconds:g} s (22050 Hz mono) -> 512x512 mel PNG with "
          f"`rtaudio spectrogram`, {n} worker processes each way, {args.repeat} alternating rounds; "
          f"outputs byte-identical across all runs")
    print()
    print("| executor | wall, median | fastest | all runs | files/s (median) | "
          "audio-hours per core-hour (median) | overhead vs local pool: median of rounds | "
          "fastest vs fastest | task CPU time (sum, median run) | CPU time of the command, all processes (median) |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for way, label in [("local", f"local pool, `--jobs {n}`"),
                       ("dask local:N", f"Dask, `--scheduler local:{n}` (starts the cluster)"),
                       ("dask running", f"Dask, `--scheduler tcp://...` ({n} workers already running)")]:
        wall = median[way]
        runs = ", ".join(f"{t:.2f}" for t in times[way])
        if way == "local":
            paired = fastest = ""
        else:
            ratios = [d / l for d, l in zip(times[way], times["local"])]
            paired = f"{100 * (statistics.median(ratios) - 1):+.1f} %"
            fastest = f"{100 * (min(times[way]) / min(times['local']) - 1):+.1f} %"
        print(f"| {label} | {wall:.2f} s | {min(times[way]):.2f} s | {runs} | {args.files / wall:.1f} | "
              f"{audio_h / (wall * n / 3600):.0f} | {paired} | {fastest} | "
              f"{statistics.median(cpu[way]):.1f} s | {statistics.median(command_cpu[way]):.2f} s |")
    print()
    print("Task CPU time is what the files cost the workers whatever else the machine did; the "
          "command's CPU time adds start-up, imports, scheduling and shutdown in all its processes "
          "(the running cluster's scheduler and workers, outside the command, are not in it); "
          "wall time also includes waiting for other load on the machine.")
    if phases:
        print_phases(phases, n)
    if scaled:
        print_scaling(scaled, args.files, times, args.seconds, n, args.scale_repeat)


def time_batch_size(files: int, seconds: float, tmp: Path, ways: dict[str, list[str]],
                    rounds: int) -> dict[str, list[float]]:
    """Wall times of each way on a batch of ``files`` files (alternating
    rounds); outputs checked byte-identical across the ways (by digest)."""
    src = tmp / f"wav{files}"
    write_corpus(src, files, seconds)
    times: dict[str, list[float]] = {way: [] for way in ways}
    reference = None
    for _ in range(rounds):
        for way, extra in ways.items():
            out = tmp / "out"
            shutil.rmtree(out, ignore_errors=True)
            wall, _cpu = timed([*RTAUDIO, "spectrogram", str(src), str(out), *IMAGE, *extra])
            times[way].append(wall)
            reference = checked_outputs(out, files, reference, f"{way} ({files} files)")
    shutil.rmtree(src)
    return times


def print_scaling(scaled: dict[int, dict[str, list[float]]], files: int,
                  times: dict[str, list[float]], seconds: float, workers: int, rounds: int) -> None:
    """Dask's overhead against the batch's length (the first row is the main run)."""
    print()
    print(f"Overhead against the batch's length (the first row is the run above; the others "
          f"{rounds} alternating rounds each; overhead = median of each round's ratio to the "
          f"local pool; outputs byte-identical across the ways):")
    print()
    print(f"| files | audio | local pool, `--jobs {workers}` (median) | Dask `local:{workers}` | "
          f"overhead | Dask `tcp://...` (running) | overhead |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for count, run in [(files, times), *sorted(scaled.items())]:
        local = run["local"]
        cells = [f"{count}", f"{count * seconds / 3600:.2f} h", f"{statistics.median(local):.2f} s"]
        for way in ("dask local:N", "dask running"):
            ratios = [d / l for d, l in zip(run[way], local)]
            cells += [f"{statistics.median(run[way]):.2f} s", f"{100 * (statistics.median(ratios) - 1):+.1f} %"]
        print("| " + " | ".join(cells) + " |")


PHASES = ["imports done", "executor made", "inputs planned", "executor ready", "first record",
          "last record", "executor closed", "exit"]


def time_phases(src: Path, tmp: Path, workers: int, rounds: int,
                running: str) -> dict[str, list[dict[str, float]]]:
    """Seconds from each command's start to the end of each phase, per run."""
    tracer = Path(__file__).with_name("batch_phases.py")
    ways = {"local": ["--jobs", str(workers)], "dask local:N": ["--scheduler", f"local:{workers}"],
            "dask running": ["--scheduler", running]}
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    for _ in range(rounds):
        for way, extra in ways.items():
            out, marks = tmp / "phases_out", tmp / "phases.json"
            shutil.rmtree(out, ignore_errors=True)
            start = time.time()
            proc = subprocess.run([sys.executable, str(tracer), str(marks), "spectrogram", str(src),
                                   str(out), *IMAGE, *extra], capture_output=True, text=True)
            end = time.time()
            if proc.returncode != 0:
                sys.exit(f"{way} (phases) failed: {proc.stderr}")
            seen = {name: t - start for name, t in json.loads(marks.read_text()).items()}
            seen["exit"] = end - start
            runs[way].append(seen)
    return runs


def print_phases(runs: dict[str, list[dict[str, float]]], workers: int) -> None:
    print()
    print(f"Phases (seconds from the command's start to the end of each phase, median of "
          f"{len(runs['local'])} alternating rounds; the local pool starts its workers in "
          f"'last record' and has nothing to make ready; 'tasks' is first to last record):")
    print()
    print(f"| phase ends | local pool, `--jobs {workers}` | Dask, `--scheduler local:{workers}` | "
          f"difference | Dask, `--scheduler tcp://...` (running) | difference |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in [*PHASES, "tasks"]:
        values = {}
        for way, seen in runs.items():
            if name == "tasks":
                times = [run["last record"] - run["first record"] for run in seen
                         if "first record" in run and "last record" in run]
            else:
                times = [run[name] for run in seen if name in run]
            values[way] = statistics.median(times) if times else None
        local = values["local"]
        cells = [f"{local:.2f}" if local is not None else ""]
        for way in ("dask local:N", "dask running"):
            value = values[way]
            cells.append(f"{value:.2f}" if value is not None else "")
            cells.append(f"{value - local:+.2f}" if value is not None and local is not None else "")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
