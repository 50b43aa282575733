"""``rtaudio spectrogram IN OUT``: spectrogram images of a file or a folder of files."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from rtaudio.batch.cli import batch_options, run_folder
from rtaudio.errors import RtaudioError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})


def _single_output(in_path: Path, out_path: Path, fmt: Optional[str]) -> tuple[Path, str]:
    """The image a single input file becomes, and its format."""
    if out_path.suffix.lower() in IMAGE_SUFFIXES:
        from rtaudio.analysis.images import image_format_for
        try:
            return out_path, image_format_for(out_path, fmt)
        except ValueError as exc:
            raise RtaudioError(str(exc)) from None
    fmt = fmt or "png"
    return out_path / f"{in_path.stem}.{fmt}", fmt


@click.command("spectrogram")
@click.argument("in_path", metavar="IN", type=click.Path(path_type=Path))
@click.argument("out_path", metavar="OUT", type=click.Path(path_type=Path))
@click.option("--n-fft", type=int, default=None,
              help="FFT size in samples [default: 2048; for --scale mel doubled until every mel "
                   "band holds an FFT bin at the file's rate: 4096 at 192 kHz].")
@click.option("--hop", "hop_length", type=int, default=512, show_default=True, help="Hop in samples.")
@click.option("--scale", type=click.Choice(["mel", "linear"]), default="mel", show_default=True,
              help="Frequency axis.")
@click.option("--n-mels", type=int, default=128, show_default=True, help="Mel bands (--scale mel).")
@click.option("--f-min", "fmin", type=float, default=0.0, show_default=True, help="Lowest frequency in Hz.")
@click.option("--f-max", "fmax", type=float, default=None, help="Highest frequency in Hz [default: sample rate / 2].")
@click.option("--top-db", type=float, default=80.0, show_default=True,
              help="Dynamic range kept below the loudest cell, in dB.")
@click.option("--colormap", default="magma", show_default=True,
              help="matplotlib colormap: viridis, magma, inferno, plasma, gray, ...")
@click.option("--width", type=int, default=None, help="Image width in pixels [default: one per frame].")
@click.option("--height", type=int, default=None, help="Image height in pixels [default: one per band].")
@click.option("--format", "fmt", type=click.Choice(["png", "jpg"]), default=None,
              help="Image format [default: from OUT's suffix, else png].")
@click.option("--axes", is_flag=True, help="Labelled time/frequency axes and a colour bar (not bare).")
@batch_options("rtaudio.analysis.images")
@click.option("--overwrite", is_flag=True, help="Replace existing images (otherwise they are kept/skipped).")
def command(in_path: Path, out_path: Path, n_fft: Optional[int], hop_length: int, scale: str, n_mels: int,
            fmin: float, fmax: Optional[float], top_db: float, colormap: str, width: Optional[int],
            height: Optional[int], fmt: Optional[str], axes: bool, pattern: Optional[str],
            jobs: Optional[int], scheduler: Optional[str], overwrite: bool) -> None:
    """Spectrogram images of IN (a sound file or a folder, searched
    recursively) into OUT (an image file, or a folder mirroring IN's tree).

    Bare images are exactly WIDTH x HEIGHT pixels, low frequencies at the
    bottom, mel power in dB like librosa (power_to_db of melspectrogram);
    multi-channel files are mixed to mono.
    A folder goes through the batch runner (docs/batch.md): images that
    exist and are newer than their input are skipped unless --overwrite;
    each image is written under a temporary name and renamed, so an
    interrupted batch can simply be run again; OUT/manifest.jsonl records
    every file. Unreadable files are reported at the end (exit status 1).
    --scheduler runs the same tasks on Dask distributed.
    """
    from rtaudio.analysis.images import colormap_lut, save_spectrogram
    from rtaudio.analysis.settings import SpectrogramSettings
    try:
        SpectrogramSettings(n_fft=n_fft or 2048, hop_length=hop_length, scale=scale, n_mels=n_mels,
                            fmin_hz=fmin, fmax_hz=fmax, top_db=top_db, colormap=colormap,
                            width_px=width, height_px=height, axes=axes).check()
        lut = colormap_lut(colormap)
    except ValueError as exc:
        raise RtaudioError(str(exc).replace("fmin=", "f_min=").replace("fmax=", "f_max=")) from None
    if not in_path.exists():
        raise RtaudioError(f"input not found: {in_path}")
    if in_path.is_dir():
        if out_path.suffix.lower() in IMAGE_SUFFIXES or out_path.is_file():
            raise RtaudioError(f"IN is a folder, so OUT must be a folder, not a file: {out_path}")
        fmt = fmt or "png"
        params = dict(n_fft=n_fft, hop_length=hop_length, scale=scale, n_mels=n_mels, fmin=fmin,
                      fmax=fmax, top_db=top_db, colormap=colormap, width=width, height=height,
                      image_format=fmt, axes=axes, overwrite=True, lut=lut)
        run_folder("spectrogram", save_spectrogram, in_path, out_path, suffix=f".{fmt}",
                   task_kwargs=params, pattern=pattern, jobs=jobs, scheduler=scheduler,
                   overwrite=overwrite, noun="image")
        return
    target, fmt = _single_output(in_path, out_path, fmt)
    if target.exists() and not overwrite:
        raise RtaudioError(f"output exists (use --overwrite): {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    info = save_spectrogram(in_path, target, n_fft=n_fft, hop_length=hop_length, scale=scale,
                            n_mels=n_mels, fmin=fmin, fmax=fmax, top_db=top_db, colormap=colormap,
                            width=width, height=height, image_format=fmt, axes=axes,
                            overwrite=overwrite, lut=lut)
    message = f"{info['duration_s']:.2f} s -> {info['size'][0]}x{info['size'][1]}"
    if n_fft is None and info["n_fft"] != 2048:
        message += f", n_fft {info['n_fft']} for {n_mels} mel bands at {info['sample_rate']} Hz"
    if info["nonfinite_count"]:
        message += f", {info['nonfinite_count']} non-finite samples replaced by 0"
    click.echo(f"wrote {target} ({message})")
