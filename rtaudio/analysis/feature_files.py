"""Features of one sound file to a ``.npz`` (and CSV tables): the per-file
work of ``rtaudio features``, a plain picklable function that any batch
runner (process pool, Dask) can call (docs/maths/features.md §8)."""
from __future__ import annotations

import csv as csv_module
import io
import json
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union

import numpy as np

from rtaudio.atomicfile import atomic_path
from rtaudio.errors import RtaudioError

__all__ = ["FEATURES", "PITCH_CLASSES", "csv_paths", "features_file", "parse_features"]

#: feature names accepted by :func:`features_file`
FEATURES = ("hpss", "chroma", "chroma_stft", "yin")
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
HOP_LENGTH = 512
FRAME_LENGTH = 2048
CHROMA_OCTAVES = 7
CHROMA_BINS_PER_OCTAVE = 36

PathLike = Union[str, Path]

#: share of a file's time each feature takes (bench_features: hpss 0.44 s,
#: chroma 0.25 s, yin 0.17 s per 3 minutes), for the progress bar
STAGE_WEIGHTS = {"read": 0.05, "hpss": 0.45, "chroma": 0.25, "chroma_stft": 0.1, "yin": 0.17}


def parse_features(text: Union[str, Iterable[str]]) -> tuple[str, ...]:
    """``"hpss,chroma,yin"`` -> ``("hpss", "chroma", "yin")``; ValueError
    naming an unknown feature."""
    names = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = [n for n in names if n not in FEATURES]
    if unknown or not names:
        raise ValueError(f"unknown feature(s) {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(FEATURES)}")
    return tuple(dict.fromkeys(names))


def csv_paths(out_path: PathLike, features: Iterable[str]) -> dict[str, Path]:
    """CSV tables written next to ``out_path`` with ``csv=True`` (named after
    the final output when ``out_path`` is its temporary name: batch runs)."""
    from rtaudio.atomicfile import final_path_of
    out_path = final_path_of(out_path)
    tables = {}
    for name in ("chroma", "chroma_stft", "yin"):
        if name in features:
            tables[name] = out_path.with_name(f"{out_path.stem}.{name}.csv")
    return tables


def chroma_octaves_for(sample_rate: float, n_octaves: int = CHROMA_OCTAVES,
                       bins_per_octave: int = CHROMA_BINS_PER_OCTAVE) -> int:
    """The most octaves, up to ``n_octaves``, whose constant-Q filters stay
    below Nyquist at ``sample_rate`` for any tuning estimate (up to half a
    bin sharp): 7 from C1 needs about 8.4 kHz, so an 8 kHz telephone
    recording gets 6 instead of an error (docs/maths/features.md §8).
    Raises ValueError when not even one octave fits."""
    from rtaudio.analysis.cqt import (_relative_bandwidth, _wavelet_lengths, cqt_frequencies,
                                      note_c1_hz)
    sharpest = note_c1_hz() * 2.0 ** (0.5 / bins_per_octave)
    for octaves in range(int(n_octaves), 0, -1):
        freqs = cqt_frequencies(octaves * bins_per_octave, sharpest, bins_per_octave)
        _, cutoff = _wavelet_lengths(freqs, float(sample_rate), 1.0, _relative_bandwidth(freqs))
        if cutoff <= sample_rate / 2.0:
            return octaves
    raise ValueError(f"no constant-Q octave from C1 fits below the Nyquist frequency "
                     f"{sample_rate / 2.0:g} Hz")


def _frame_rms(y: np.ndarray) -> np.ndarray:
    """librosa ``feature.rms(y=y, frame_length=2048, hop_length=512)``
    (centred, zero padded) of a 1-D signal."""
    padded = np.pad(y, FRAME_LENGTH // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, FRAME_LENGTH)[::HOP_LENGTH]
    rms = np.empty(len(frames))
    for first in range(0, len(frames), 256):  # 4 MB at a time, not frames x 2048
        block = frames[first:first + 256].astype(np.float64)
        rms[first:first + 256] = np.sqrt(np.mean(block * block, axis=1))
    return rms


def _mono(data: np.ndarray) -> np.ndarray:
    """The mean of the channels of ``(frames, channels)`` float32 audio, in
    float64 rounded to float32, without a file-sized float64 temporary."""
    if data.shape[1] == 1:
        return data[:, 0].copy()   # x / 1 in float64 is x
    y = np.empty(len(data), dtype=np.float32)
    for first in range(0, len(data), 1 << 16):
        y[first:first + (1 << 16)] = data[first:first + (1 << 16)].mean(axis=1, dtype=np.float64)
    return y


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with a fixed time stamp on every member, so the
    same features give the same bytes (local and Dask batch runs compare)."""
    import zipfile
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, value in arrays.items():
                member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                member.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(member, "w", force_zip64=True) as handle:
                    np.lib.format.write_array(handle, np.asanyarray(value), allow_pickle=False)


def _write_csv(path: Path, header: list[str], columns: list[np.ndarray]) -> None:
    buffer = io.StringIO()
    writer = csv_module.writer(buffer)
    writer.writerow(header)
    for row in zip(*columns):
        writer.writerow([f"{v:.6g}" for v in row])
    with atomic_path(path) as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")


def features_file(in_path: PathLike, out_path: PathLike, *, features: Iterable[str] = ("hpss", "chroma", "yin"),
                  csv: bool = False, fmin_hz: float = 65.40639132514966,
                  fmax_hz: float = 2093.004522404789, backend: str = "c",
                  progress: Optional[Callable[[str, float], None]] = None) -> dict[str, Any]:
    """Compute features of one sound file and write them to ``out_path`` (.npz).

    The file is mixed to mono (mean of channels). With ``hpss`` among the
    features, ``chroma``/``chroma_stft``/``yin`` are computed on the harmonic
    part (the fingerprint pipeline); otherwise on the signal itself. All
    frames use hop 512 and are centred: frame ``t`` is at ``t * 512 / sr`` s.

    Arrays in the ``.npz``: ``sample_rate``, ``duration_s``,
    ``parameters`` (JSON text); ``harmonic_rms``, ``percussive_rms``,
    ``rms_times_s`` (hpss); ``chroma`` (12, frames) and ``chroma_times_s``
    (chroma: ``chroma_cqt``); ``chroma_stft`` and ``chroma_stft_times_s``;
    ``f0_hz`` and ``f0_times_s`` (yin). With ``csv``, ``<stem>.chroma.csv``
    (time_s and the 12 pitch classes) and ``<stem>.yin.csv`` (time_s,
    f0_hz) are written next to it. Every file is written atomically.

    Parameters
    ----------
    in_path, out_path : path
        Sound file to read; ``.npz`` to write (its folder must exist).
    features : iterable of str
        Names from :data:`FEATURES`.
    csv : bool
        Also write the CSV tables.
    fmin_hz, fmax_hz : float
        YIN search range in Hz.
    backend : {"c", "numba"}
        Kernels.
    progress : callable, optional
        ``progress(stage, fraction_done)`` before each stage ("read",
        "hpss", "chroma", ...) and ``("done", 1.0)`` at the end; the
        fraction weighs the stages by their usual cost.

    Returns
    -------
    dict
        ``in_path``, ``outputs`` (written paths), ``duration_s``,
        ``sample_rate``, ``frames`` (per feature).

    Raises
    ------
    RtaudioError
        Unreadable input, or a signal too short for the features.
    """
    from rtaudio.analysis import features as feat
    from rtaudio.audiofile import read_audio
    from rtaudio.processors.yin import frame_length_for
    names = parse_features(features)
    in_path, out_path = Path(in_path), Path(out_path)
    stages = ["read", *names]
    total_weight = sum(STAGE_WEIGHTS[s] for s in stages)

    def report(stage: str) -> None:
        if progress is not None:
            done = sum(STAGE_WEIGHTS[s] for s in stages[:stages.index(stage)]) if stage in stages \
                else total_weight
            progress(stage, done / total_weight)
    report("read")
    data, sr = read_audio(in_path)
    y = _mono(data)
    del data
    nonfinite = int(np.count_nonzero(~np.isfinite(y)))
    if nonfinite:
        y[~np.isfinite(y)] = 0.0
    # high and low rates: the defaults adapted so that the file can be analysed
    # (docs/maths/features.md §8); the values used are stored in "parameters"
    yin_frame_length = frame_length_for(sr, FRAME_LENGTH)
    try:
        n_octaves = chroma_octaves_for(sr) if "chroma" in names else CHROMA_OCTAVES
    except ValueError as exc:
        raise RtaudioError(f"{in_path}: {exc}") from None
    params = {"features": list(names), "hop_length": HOP_LENGTH, "n_fft": FRAME_LENGTH,
              "mono": "mean of channels", "source": "harmonic" if "hpss" in names else "signal",
              "hpss": {"kernel_size": 31, "power": 2.0, "margin": 1.0},
              "chroma_cqt": {"n_chroma": 12, "n_octaves": n_octaves,
                             "bins_per_octave": CHROMA_BINS_PER_OCTAVE, "tuning": "estimated"},
              "yin": {"fmin_hz": fmin_hz, "fmax_hz": fmax_hz, "frame_length": yin_frame_length},
              "nonfinite_samples_zeroed": nonfinite, "input": in_path.name}
    arrays: dict[str, np.ndarray] = {"sample_rate": np.array(float(sr)),
                                     "duration_s": np.array(len(y) / float(sr))}
    frames: dict[str, int] = {}
    try:
        source = y
        if "hpss" in names:
            report("hpss")
            harmonic, percussive = feat.hpss(y, backend=backend)
            arrays["harmonic_rms"] = _frame_rms(harmonic)
            arrays["percussive_rms"] = _frame_rms(percussive)
            arrays["rms_times_s"] = np.arange(len(arrays["harmonic_rms"])) * HOP_LENGTH / float(sr)
            frames["hpss"] = len(arrays["harmonic_rms"])
            source = harmonic
        if "chroma" in names:
            report("chroma")
            chroma = feat.chroma_cqt(y=source, sr=sr, hop_length=HOP_LENGTH, n_octaves=n_octaves,
                                     bins_per_octave=CHROMA_BINS_PER_OCTAVE)
            arrays["chroma"] = chroma
            arrays["chroma_times_s"] = np.arange(chroma.shape[-1]) * HOP_LENGTH / float(sr)
            frames["chroma"] = chroma.shape[-1]
        if "chroma_stft" in names:
            report("chroma_stft")
            chroma = feat.chroma_stft(y=source, sr=sr, hop_length=HOP_LENGTH)
            arrays["chroma_stft"] = chroma
            arrays["chroma_stft_times_s"] = np.arange(chroma.shape[-1]) * HOP_LENGTH / float(sr)
            frames["chroma_stft"] = chroma.shape[-1]
        if "yin" in names:
            report("yin")
            f0 = feat.yin(source, fmin=fmin_hz, fmax=fmax_hz, sr=sr, frame_length=yin_frame_length,
                          hop_length=HOP_LENGTH, backend=backend)
            arrays["f0_hz"] = f0
            arrays["f0_times_s"] = np.arange(f0.shape[-1]) * HOP_LENGTH / float(sr)
            frames["yin"] = f0.shape[-1]
    except ValueError as exc:
        raise RtaudioError(f"{in_path}: {exc}") from None
    arrays["parameters"] = np.array(json.dumps(params))
    _write_npz(out_path, arrays)
    report("done")
    outputs = [out_path]
    if csv:
        for name, path in csv_paths(out_path, names).items():
            if name == "yin":
                _write_csv(path, ["time_s", "f0_hz"], [arrays["f0_times_s"], arrays["f0_hz"]])
            else:
                table = arrays[name]
                n_chroma = table.shape[0]
                labels = list(PITCH_CLASSES) if n_chroma == 12 else [f"c{i}" for i in range(n_chroma)]
                _write_csv(path, ["time_s", *labels], [arrays[f"{name}_times_s"], *table])
            outputs.append(path)
    return {"in_path": str(in_path), "outputs": [str(p) for p in outputs], "duration_s": len(y) / float(sr),
            "sample_rate": sr, "frames": frames, "nonfinite_count": nonfinite}
