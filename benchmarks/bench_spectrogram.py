"""Benchmark: ``rtaudio spectrogram`` vs librosa + matplotlib (one run).

Generates ``--files`` WAV files of ``--seconds`` s (22050 Hz, mono, 16-bit)
in a temporary folder and turns them into 512x512 mel-spectrogram PNGs
(n_fft 2048, hop 512, 128 mels, power_to_db top_db 80, magma) twice:

- ``rtaudio spectrogram IN OUT --width 512 --height 512 --jobs N``
- a librosa + matplotlib script (``librosa.load``, ``feature.melspectrogram``,
  ``power_to_db``, ``display.specshow`` on a borderless 5.12 x 5.12 inch
  figure at 100 dpi, ``savefig``) over a ``multiprocessing.Pool(N)``, once
  as is and once with ``OPENBLAS_NUM_THREADS=1`` (rtaudio limits BLAS to
  one thread per worker, so this is the like-for-like comparison).

Both run as fresh processes (start-up and imports included) with the same
worker count; wall time and CPU time (user + system of all their processes:
the fair measure on a shared machine) are reported. Then one ``--long-minutes`` file is rendered by each tool
alone, and one ``--huge-hours`` file by rtaudio alone (wall time and peak
memory: the chunked path). Prints numbers and ratios measured in this run.

    .venv/bin/python benchmarks/bench_spectrogram.py [--files 100] [--seconds 15] [--jobs N]
        [--sample-rate 22050] [--long-minutes 10] [--huge-hours 2]

The issue's target (40 recordings of 15 s at 48 kHz, >= 4x librosa +
matplotlib with the same pool size):

    .venv/bin/python benchmarks/bench_spectrogram.py --files 40 --seconds 15 --sample-rate 48000 \
        --long-minutes 0 --huge-hours 0
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050  # default; --sample-rate sets it
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

LIBROSA_SCRIPT = textwrap.dedent("""
    import os, sys
    from multiprocessing import Pool
    from pathlib import Path
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import librosa
    import librosa.display

    def render(job):
        src, dst = job
        y, sr = librosa.load(src, sr=None, mono=True)
        S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=512, n_mels=128)
        S_db = librosa.power_to_db(S, ref=1.0, top_db=80.0)
        fig = plt.figure(figsize=(5.12, 5.12), dpi=100)
        ax = fig.add_axes([0, 0, 1, 1])
        ax.set_axis_off()
        librosa.display.specshow(S_db, sr=sr, hop_length=512, ax=ax, cmap="magma")
        fig.savefig(dst, dpi=100)
        plt.close(fig)

    if __name__ == "__main__":
        src_dir, out_dir, jobs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
        files = sorted(src_dir.rglob("*.wav")) if src_dir.is_dir() else [src_dir]
        out_dir.mkdir(parents=True, exist_ok=True)
        work = [(str(f), str(out_dir / (f.stem + ".png"))) for f in files]
        if jobs > 1:
            with Pool(jobs) as pool:
                pool.map(render, work, chunksize=1)
        else:
            for job in work:
                render(job)
""")


def make_signal(seconds: float, seed: int) -> np.ndarray:
    """A chirp, a few tones with vibrato, and noise bursts (float32) at SR."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = rng.uniform(80, 400)
    y = 0.2 * np.sin(2 * np.pi * (f0 * t + rng.uniform(5, 200) * t * t))
    for _ in range(3):
        f = rng.uniform(100, 4000)
        y += 0.1 * np.sin(2 * np.pi * f * t + 3 * np.sin(2 * np.pi * 5 * t))
    envelope = (np.sin(2 * np.pi * rng.uniform(0.2, 2) * t) > 0.5).astype(float)
    y += 0.05 * envelope * rng.standard_normal(len(t))
    return (0.8 * y / np.max(np.abs(y))).astype(np.float32)


#: CPU seconds (user + system, the process and all its workers) of each run()
CPU_S: dict[str, float] = {}


def run(cmd: list[str], env: dict[str, str] | None = None, label: str = "") -> float:
    """Wall time of ``cmd``; its CPU time (with its worker processes) goes to CPU_S[label]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    CPU_S[label] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed


def peak_rss_mb(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd`` in a helper process; its wall time and the child's peak RSS in MB."""
    helper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
              "rc = subprocess.run(sys.argv[1:]).returncode; t = time.perf_counter() - t; "
              "print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", helper, *cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    wall, rss = proc.stdout.split()[-2:]
    return float(wall), float(rss)


def write_long(path: Path, minutes: float) -> None:
    """A long WAV written one minute at a time (bounded memory)."""
    total = int(minutes * 60 * SR)
    with sf.SoundFile(path, "w", samplerate=SR, channels=1, subtype="PCM_16") as sink:
        done, k = 0, 0
        while done < total:
            piece = make_signal(60.0, 1000 + k)[:total - done]
            sink.write(piece)
            done, k = done + len(piece), k + 1


def check_pngs(folder: Path, expected: int) -> tuple[int, float]:
    import matplotlib.image
    pngs = sorted(folder.rglob("*.png"))
    if len(pngs) != expected:
        sys.exit(f"{folder}: expected {expected} PNGs, found {len(pngs)}")
    shape = matplotlib.image.imread(pngs[0]).shape
    if shape[:2] != (512, 512):
        sys.exit(f"{pngs[0]}: expected 512x512, got {shape}")
    return len(pngs), sum(p.stat().st_size for p in pngs) / 1e6


def sp_frames(n_samples: float) -> int:
    return 1 + int(n_samples) // 512  # centred frames, hop 512


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample-rate", type=int, default=22050,
                        help="sample rate of the generated files in Hz (e.g. 48000)")
    parser.add_argument("--huge-hours", type=float, default=2.0,
                        help="also render one file this long (rtaudio only) and report peak memory; 0 skips")
    args = parser.parse_args()
    global SR
    SR = args.sample_rate
    bindir = Path(sys.executable).parent
    rtaudio_cmd = [str(bindir / "rtaudio")] if (bindir / "rtaudio").exists() else [sys.executable, "-m", "rtaudio"]
    size = ["--width", "512", "--height", "512", "--n-fft", "2048", "--hop", "512", "--n-mels", "128",
            "--top-db", "80", "--colormap", "magma"]
    with tempfile.TemporaryDirectory(prefix="bench_spectrogram_") as tmp:
        tmp = Path(tmp)
        src = tmp / "wav"
        src.mkdir()
        for i in range(args.files):
            sf.write(src / f"clip{i:03d}.wav", make_signal(args.seconds, i), SR, subtype="PCM_16")
        long_wav = tmp / "long.wav"
        if args.long_minutes > 0:
            write_long(long_wav, args.long_minutes)
        script = tmp / "librosa_matplotlib.py"
        script.write_text(LIBROSA_SCRIPT)

        t_rt = run([*rtaudio_cmd, "spectrogram", str(src), str(tmp / "out_rt"), *size, "--jobs", str(args.jobs)],
                   label="rt")
        n_rt, mb_rt = check_pngs(tmp / "out_rt", args.files)
        t_lr = run([sys.executable, str(script), str(src), str(tmp / "out_lr"), str(args.jobs)], label="lr")
        n_lr, mb_lr = check_pngs(tmp / "out_lr", args.files)
        # rtaudio limits BLAS to one thread per worker; give librosa the same chance
        t_l1 = run([sys.executable, str(script), str(src), str(tmp / "out_l1"), str(args.jobs)], ONE_THREAD,
                   label="l1")
        check_pngs(tmp / "out_l1", args.files)

        if args.long_minutes > 0:
            tl_rt = run([*rtaudio_cmd, "spectrogram", str(long_wav), str(tmp / "long_rt.png"), *size])
            tl_lr = run([sys.executable, str(script), str(long_wav), str(tmp / "long_lr"), "1"])
            tl_l1 = run([sys.executable, str(script), str(long_wav), str(tmp / "long_l1"), "1"], ONE_THREAD)
            check_pngs(tmp / "long_lr", 1)
            long_wav.unlink()

        huge = None
        if args.huge_hours > 0:  # bounded memory: rtaudio only (librosa would hold the whole STFT)
            huge_wav = tmp / "huge.wav"
            write_long(huge_wav, args.huge_hours * 60)
            huge = peak_rss_mb([*rtaudio_cmd, "spectrogram", str(huge_wav), str(tmp / "huge.png"), *size])
            full_stft_mb = sp_frames(args.huge_hours * 3600 * SR) * 1025 * 16 / 1e6

    print(f"batch: {args.files} files x {args.seconds:g} s ({SR} Hz mono) -> 512x512 mel PNG, "
          f"{args.jobs} worker process(es), one run; cores: {os.cpu_count()}")
    print()
    print("| job | rtaudio spectrogram | librosa + matplotlib | speed-up | librosa + matplotlib, "
          "1 BLAS thread | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| batch of {args.files} x {args.seconds:g} s, wall time | {t_rt:.2f} s | {t_lr:.2f} s | "
          f"{t_lr / t_rt:.1f}x | {t_l1:.2f} s | {t_l1 / t_rt:.1f}x |")
    print(f"| batch, files per second | {n_rt / t_rt:.1f} | {n_lr / t_lr:.1f} | | {n_lr / t_l1:.1f} | |")
    c_rt, c_lr, c_l1 = CPU_S["rt"], CPU_S["lr"], CPU_S["l1"]
    print(f"| batch, CPU time (all processes) | {c_rt:.2f} s | {c_lr:.2f} s | {c_lr / c_rt:.1f}x | "
          f"{c_l1:.2f} s | {c_l1 / c_rt:.1f}x |")
    print(f"| batch, total PNG size | {mb_rt:.1f} MB | {mb_lr:.1f} MB | | | |")
    if args.long_minutes > 0:
        print(f"| one {args.long_minutes:g}-minute file, wall time | {tl_rt:.2f} s | {tl_lr:.2f} s | "
              f"{tl_lr / tl_rt:.1f}x | {tl_l1:.2f} s | {tl_l1 / tl_rt:.1f}x |")
    if huge is not None:
        print()
        print(f"{args.huge_hours:g}-hour file -> 512x512 with rtaudio spectrogram: {huge[0]:.1f} s wall, "
              f"peak RSS {huge[1]:.0f} MB (its complex STFT alone would be {full_stft_mb:.0f} MB)")


if __name__ == "__main__":
    main()
