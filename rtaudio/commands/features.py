"""``rtaudio features IN OUT``: music features (HPSS, chroma, YIN) of a file
or a folder of files, one ``.npz`` per input.

The per-file work is :func:`rtaudio.analysis.feature_files.features_file`
(a plain picklable function); a folder goes through the batch runner
(``rtaudio.batch``: resume, manifest, local pool or Dask; docs/batch.md).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from rtaudio.batch.cli import batch_options, run_folder
from rtaudio.errors import RtaudioError


@click.command("features")
@click.argument("in_path", metavar="IN", type=click.Path(path_type=Path))
@click.argument("out_path", metavar="OUT", type=click.Path(path_type=Path))
@click.option("--features", "feature_list", default="hpss,chroma,yin", show_default=True,
              help="Comma-separated: hpss, chroma (constant-Q), chroma_stft, yin.")
@click.option("--csv", is_flag=True, help="Also write <name>.chroma.csv / <name>.yin.csv tables.")
@click.option("--f-min", "fmin_hz", type=float, default=65.40639132514966, show_default=True,
              help="Lowest pitch searched by YIN, Hz.")
@click.option("--f-max", "fmax_hz", type=float, default=2093.004522404789, show_default=True,
              help="Highest pitch searched by YIN, Hz.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs (otherwise they are skipped).")
@batch_options("rtaudio.analysis.feature_files")
def command(in_path: Path, out_path: Path, feature_list: str, csv: bool, fmin_hz: float, fmax_hz: float,
            overwrite: bool, pattern: Optional[str], jobs: Optional[int], scheduler: Optional[str]) -> None:
    """Music features of IN (a sound file or a folder, searched recursively)
    into OUT (a .npz file, or a folder mirroring IN's tree): one .npz per
    input with the arrays, their frame times (hop 512) and the parameters.

    Equal to librosa: hpss = librosa.effects.hpss (stored as per-frame RMS
    of the harmonic and percussive parts; use `rtaudio hpss` for the
    stems), chroma = librosa.feature.chroma_cqt, chroma_stft, yin =
    librosa.yin. With hpss, chroma and yin are computed on the harmonic
    part. Files are mixed to mono. Every file is written under a temporary
    name and renamed. A folder goes through the batch runner
    (docs/batch.md): outputs newer than their input are skipped unless
    --overwrite, OUT/manifest.jsonl records every file, unreadable files
    are reported at the end (exit status 1), --scheduler runs on Dask.
    """
    from rtaudio.analysis.feature_files import features_file, parse_features
    try:
        names = parse_features(feature_list)
    except ValueError as exc:
        raise RtaudioError(str(exc)) from None
    if not 0 < fmin_hz < fmax_hz:
        raise RtaudioError(f"need 0 < --f-min < --f-max, got {fmin_hz:g} and {fmax_hz:g} Hz")
    params = dict(features=names, csv=csv, fmin_hz=fmin_hz, fmax_hz=fmax_hz)
    if not in_path.exists():
        raise RtaudioError(f"input not found: {in_path}")
    if in_path.is_dir():
        if out_path.suffix.lower() == ".npz":
            raise RtaudioError(f"IN is a folder, so OUT must be a folder, not a file: {out_path}")
        run_folder("features", features_file, in_path, out_path, suffix=".npz", task_kwargs=params,
                   pattern=pattern, jobs=jobs, scheduler=scheduler, overwrite=overwrite)
        return
    target = out_path if out_path.suffix.lower() == ".npz" else out_path / f"{in_path.stem}.npz"
    if target.exists() and not overwrite:
        raise RtaudioError(f"output exists (use --overwrite): {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    from rtaudio.commands.options import progress_bar
    with progress_bar(f"features {in_path.name}", 100.0, unit="%") as bar:
        task = bar.add_task("features", total=100.0)

        def show(stage: str, fraction: float) -> None:
            bar.update(task, completed=100.0 * fraction)
        try:
            info = features_file(in_path, target, progress=show, **params)
        except (OSError, ValueError, RuntimeError) as exc:
            raise RtaudioError(f"{in_path}: {exc}") from None
    frames = ", ".join(f"{k} {v}" for k, v in info["frames"].items())
    message = f"{info['duration_s']:.2f} s -> frames: {frames}"
    if info["nonfinite_count"]:
        message += f", {info['nonfinite_count']} non-finite samples replaced by 0"
    click.echo(f"wrote {target} ({message})")
