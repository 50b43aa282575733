"""PNG encoding of spectrogram images: Pillow versus a plain zlib encoder, same run.

For each image size, a real spectrogram image (mel power in dB of a chirp
plus noise, magma colours, resampled to exactly that size) is encoded by

* ``pillow``: ``PIL.Image.save(format="PNG", compress_level=1)`` (what
  ``rtaudio.analysis.images.png_bytes`` uses);
* ``zlib-none``: ``rtaudio.analysis.images.png_bytes``, unfiltered
  scanlines + ``zlib.compress(level=1)``;

printing the median of ``--repeats`` runs, the file size and the ratio
pillow / zlib-none of both; then the whole ``save_spectrogram`` of a 30 s
WAV file to a 2000 x 512 PNG with each encoder (what a user waits for).
Usage: ``.venv/bin/python benchmarks/bench_png.py``.
"""
from __future__ import annotations

import argparse
import io
import time
import timeit

import numpy as np

from rtaudio.analysis import images
from rtaudio.analysis import spectrogram as sp
from rtaudio.analysis.images import colormap_lut, render_image


def zlib_none_png(rgb: np.ndarray) -> bytes:
    """rtaudio's encoder: unfiltered scanlines, zlib level 1."""
    return images.png_bytes(rgb)


def pillow_png(rgb: np.ndarray, level: int = 1) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(out, format="PNG", compress_level=level)
    return out.getvalue()


def spectrogram_rgb(width: int, height: int, seconds: float = 30.0, rate: int = 22050) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * rate)) / rate
    y = 0.5 * np.sin(2 * np.pi * (100 + 150 * t) * t) + 0.05 * rng.standard_normal(len(t))
    S = sp.power_to_db(sp.melspectrogram(y, rate, n_fft=2048, hop_length=256, n_mels=256))
    colormap_lut("magma")
    return render_image(S, "magma", width=width, height=height, top_db=80.0)


def median_time(fn, rgb, repeats: int) -> float:
    return float(np.median(timeit.repeat(lambda: fn(rgb), number=1, repeat=repeats)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print("| image | encoder | median ms | size KiB |")
    print("|---|---|---:|---:|")
    for width, height in ((2000, 512), (4096, 1024)):
        rgb = spectrogram_rgb(width, height)
        results = {}
        for name, fn in (("pillow", pillow_png), ("zlib-none", zlib_none_png)):
            fn(rgb)  # warm-up
            results[name] = (median_time(fn, rgb, args.repeats), len(fn(rgb)))
            print(f"| {width}x{height} | {name} | {1e3 * results[name][0]:.1f} | {results[name][1] / 1024:.0f} |")
        t_ratio = results["pillow"][0] / results["zlib-none"][0]
        s_ratio = results["pillow"][1] / results["zlib-none"][1]
        print(f"| {width}x{height} | pillow / zlib-none | x{t_ratio:.2f} time | x{s_ratio:.2f} size |")
    whole_file(args.repeats)


def whole_file(repeats: int) -> None:
    import tempfile
    from pathlib import Path
    import soundfile as sf
    rate = 22050
    t = np.arange(30 * rate) / rate
    y = (0.5 * np.sin(2 * np.pi * (100 + 150 * t) * t)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "a.wav"
        sf.write(wav, y, rate)
        own = images.png_bytes
        times = {}
        for name, encoder in (("pillow", pillow_png), ("zlib-none", own)):
            images.png_bytes = encoder
            try:
                runs = []
                for i in range(repeats):
                    began = time.perf_counter()
                    images.save_spectrogram(wav, Path(tmp) / f"{name}{i}.png", width=2000, height=512)
                    runs.append(time.perf_counter() - began)
            finally:
                images.png_bytes = own
            times[name] = float(np.median(runs))
    print(f"| 30 s file -> 2000x512 PNG | pillow {1e3 * times['pillow']:.0f} ms, zlib-none "
          f"{1e3 * times['zlib-none']:.0f} ms | x{times['pillow'] / times['zlib-none']:.2f} time | |")


if __name__ == "__main__":
    main()
