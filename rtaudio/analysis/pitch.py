"""Offline pitch tracking: ``rtaudio.pitch(audio, sample_rate, **params)``.

Runs a :class:`~rtaudio.processors.yin.YinTracker` over a whole signal
(block by block, exactly like the live tracker) and returns the results
as arrays. The f0 values equal ``librosa.yin(y.astype(np.float64), ...,
center=False)`` for the float32-rounded signal (docs/maths/yin.md §5.4).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import numpy as np

from rtaudio.processor import as_offline_audio
from rtaudio.processors.yin import YinTracker

#: samples per channel given to the tracker per call in offline use
OFFLINE_BLOCK = 65536


@dataclass(frozen=True)
class PitchTrack:
    """Pitch per hop (result of :func:`pitch`).

    Attributes
    ----------
    times_s : numpy.ndarray
        float64, shape ``(frames,)``: frame centres ``(t·hop + N/2)/fs``.
    f0_hz : numpy.ndarray
        float64, shape ``(frames,)`` for mono input, ``(channels, frames)``
        otherwise: librosa's YIN estimate (also defined for unvoiced frames).
    voiced : numpy.ndarray
        bool, same shape as ``f0_hz``.
    confidence : numpy.ndarray
        float64 in [0, 1], same shape as ``f0_hz``: ``1 − cmnd`` at the
        chosen lag.
    sample_rate : float
        Sample rate in Hz.
    frame_length, hop_length : int
        Frame and hop in samples.
    """

    times_s: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    confidence: np.ndarray
    sample_rate: float
    frame_length: int
    hop_length: int

    def __len__(self) -> int:
        return int(self.times_s.shape[0])


def ring_capacity_for(block: int, hop: int, channels: int) -> int:
    """A result-ring size that one block of ``block`` samples cannot overflow."""
    return 2 * (block // hop + 2) * channels


def track_blocks(tracker: YinTracker, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Feed float32 ``(frames, channels)`` blocks to a prepared tracker and
    yield the results of each block (structured arrays, see
    :meth:`YinTracker.read_results`).

    Raises
    ------
    RuntimeError
        If results were dropped (the tracker's ring is smaller than one
        block's worth of results).
    """
    for block in blocks:
        block = np.ascontiguousarray(block, dtype=np.float32)
        if not block.flags.writeable:
            block = block.copy()
        tracker.process(block)
        if tracker.dropped_results:
            raise RuntimeError(f"{tracker.dropped_results} pitch results dropped: result_capacity "
                               f"too small for blocks of {len(block)} samples")
        yield tracker.read_results()


def pitch(audio: np.ndarray, sample_rate: float, *, backend: str = "c", **params: Any) -> PitchTrack:
    """Estimate the pitch of a whole signal with the streaming YIN tracker.

    Parameters
    ----------
    audio : numpy.ndarray
        float32 or float64 samples, shape ``(frames,)`` or ``(frames,
        channels)``. Samples are rounded to float32, as for every processor.
    sample_rate : float
        Sample rate in Hz, [8000, 384000].
    backend : {"c", "numba", "reference"}
        Kernel implementation.
    **params
        YinTracker parameters: ``frame_length`` (2048), ``hop_length``
        (frame_length // 4), ``fmin_hz`` (65.40639), ``fmax_hz``
        (2093.0045), ``trough_threshold`` (0.1), ``silence_db`` (-60).

    Returns
    -------
    PitchTrack
        ``1 + (len − frame_length) // hop_length`` frames (0 if the signal
        is shorter than one frame).

    Raises
    ------
    ValueError, TypeError
        Invalid parameters (librosa's checks) or audio (also more channels
        than frames: a channels-first array needs ``.T``).

    Examples
    --------
    >>> track = rtaudio.pitch(y, 22050, fmin_hz=80.0, fmax_hz=1000.0)
    >>> track.f0_hz[track.voiced]
    """
    block, mono = as_offline_audio(audio)
    channels = block.shape[1]
    if channels > len(block):  # librosa's (channels, samples) layout
        raise ValueError(f"audio has shape {np.shape(audio)}: {channels} channels of {len(block)} "
                         "samples; rtaudio.pitch takes (frames, channels), transpose "
                         "channels-first (librosa) arrays")
    probe = YinTracker(backend=backend, **params)
    hop = probe.hop_length
    tracker = YinTracker(backend=backend, result_capacity=ring_capacity_for(OFFLINE_BLOCK, hop, channels),
                         **params)
    tracker.prepare(sample_rate, channels, OFFLINE_BLOCK)
    pieces = (block[start:start + OFFLINE_BLOCK] for start in range(0, len(block), OFFLINE_BLOCK))
    results = [r for r in track_blocks(tracker, pieces) if len(r)]
    return assemble_track(results, channels, mono, tracker)


def assemble_track(results: list, channels: int, mono: bool, tracker: YinTracker) -> PitchTrack:
    """Turn result arrays (frame-major, channel-minor) into a :class:`PitchTrack`."""
    from rtaudio.engine.rings import PITCH_RESULT
    res = np.concatenate(results) if results else np.empty(0, dtype=PITCH_RESULT)
    frames = len(res) // channels
    shape = (frames,) if mono else (channels, frames)

    def column(name: str) -> np.ndarray:
        values = res[name].reshape(frames, channels)
        return np.ascontiguousarray(values[:, 0] if mono else values.T).reshape(shape)

    return PitchTrack(times_s=np.ascontiguousarray(res["time_s"].reshape(frames, channels)[:, 0]),
                      f0_hz=column("f0_hz"), voiced=column("voiced"), confidence=column("confidence"),
                      sample_rate=float(tracker.sample_rate), frame_length=tracker.frame_length,
                      hop_length=tracker.hop_length)
