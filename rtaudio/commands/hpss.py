"""``rtaudio hpss IN --harmonic H.wav --percussive P.wav``: harmonic and
percussive stems of a sound file (``rtaudio.features.hpss``, equal to
``librosa.effects.hpss``; docs/maths/features.md §2)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
import numpy as np

from rtaudio.errors import RtaudioError


def _pair(text: str, name: str, cast: type) -> object:
    parts = [p for p in text.split(",") if p.strip()]
    try:
        values = [cast(p) for p in parts]
    except ValueError:
        raise RtaudioError(f"--{name} must be a number or two numbers 'H,P', got {text!r}") from None
    if len(values) not in (1, 2):
        raise RtaudioError(f"--{name} must be a number or two numbers 'H,P', got {text!r}")
    return values[0] if len(values) == 1 else tuple(values)


@click.command("hpss")
@click.argument("in_path", metavar="IN", type=click.Path(path_type=Path))
@click.option("--harmonic", "harmonic_path", type=click.Path(path_type=Path), default=None,
              help="Output file for the harmonic stem.")
@click.option("--percussive", "percussive_path", type=click.Path(path_type=Path), default=None,
              help="Output file for the percussive stem.")
@click.option("--kernel-size", default="31", show_default=True,
              help="Median window: frames (harmonic) and bins (percussive), e.g. 31 or 31,17.")
@click.option("--margin", default="1", show_default=True, help="Mask margin(s) >= 1, e.g. 1 or 2,3.")
@click.option("--power", type=float, default=2.0, show_default=True, help="Soft-mask exponent.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
def command(in_path: Path, harmonic_path: Optional[Path], percussive_path: Optional[Path],
            kernel_size: str, margin: str, power: float, overwrite: bool) -> None:
    """Split IN into harmonic and percussive stems (same sample rate,
    channels and, where the container allows, sample format; each channel
    separated on its own). Outputs are written under a temporary name and
    renamed when complete."""
    from rtaudio.analysis.features import hpss
    from rtaudio.audiofile import atomic_output, open_input, output_subtype
    if harmonic_path is None and percussive_path is None:
        raise RtaudioError("give --harmonic and/or --percussive output files")
    outputs = [p for p in (harmonic_path, percussive_path) if p is not None]
    for path in outputs:
        if path.exists() and not overwrite:
            raise RtaudioError(f"output exists (use --overwrite): {path}")
    kernel = _pair(kernel_size, "kernel-size", int)
    margins = _pair(margin, "margin", float)
    with open_input(in_path) as handle:
        data = handle.read(dtype="float32", always_2d=True)
        sr, channels = handle.samplerate, handle.channels
        subtypes = [output_subtype(p, handle) for p in outputs]
    if not np.all(np.isfinite(data)):
        raise RtaudioError(f"{in_path} contains NaN or inf samples")
    try:
        stems = hpss(np.ascontiguousarray(data.T), kernel_size=kernel, margin=margins, power=power)
    except ValueError as exc:
        raise RtaudioError(f"{in_path}: {exc}") from None
    named = {harmonic_path: stems[0], percussive_path: stems[1]}
    for path, subtype in zip(outputs, subtypes):
        with atomic_output(path, sr, channels, subtype) as sink:
            sink.write(np.ascontiguousarray(named[path].T))
        click.echo(f"wrote {path} ({data.shape[0] / sr:.2f} s, {channels} channel(s), {sr} Hz)")
