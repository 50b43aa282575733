"""The built-in demo signal: a synthetic, singing-like voice.

Used when there is no audio device (``rtaudio live`` on the virtual
device), by ``rtaudio demo`` and in tests. It has what the processors and
analysers need to show their work: voiced phrases with a known pitch
contour (notes, glides, vibrato), formant-shaped harmonics, breath noise,
and near-silent gaps between phrases (for the gate).
"""
from __future__ import annotations

import numpy as np

#: (start_s, end_s, start_hz, end_hz) of each voiced phrase in one 4 s cycle
PHRASES = (
    (0.10, 0.90, 220.00, 220.00),   # A3, steady with vibrato
    (1.00, 1.60, 246.94, 329.63),   # glide B3 -> E4
    (1.75, 2.55, 329.63, 293.66),   # E4 -> D4
    (2.70, 3.70, 196.00, 196.00),   # G3
)
CYCLE_S = 4.0
VIBRATO_HZ = 5.5
VIBRATO_SEMITONES = 0.4
FORMANTS_HZ = ((700.0, 130.0), (1220.0, 170.0), (2600.0, 250.0))  # an /a/ vowel
NOISE_FLOOR_DB = -70.0


def demo_pitch_hz(t: np.ndarray) -> np.ndarray:
    """The demo's intended fundamental (Hz) at times ``t`` (s); 0 where silent."""
    local = np.mod(t, CYCLE_S)
    f0 = np.zeros_like(local)
    for start, end, f_start, f_end in PHRASES:
        inside = (local >= start) & (local < end)
        frac = (local[inside] - start) / (end - start)
        glide = f_start * (f_end / f_start) ** frac
        vibrato = 2.0 ** (VIBRATO_SEMITONES / 12.0 * np.sin(2 * np.pi * VIBRATO_HZ * local[inside]))
        f0[inside] = glide * vibrato
    return f0


def demo_signal(sample_rate: float = 48000.0, seconds: float = 8.0, channels: int = 1,
                seed: int = 7) -> np.ndarray:
    """Generate the demo signal.

    Parameters
    ----------
    sample_rate : float
        Sample rate in Hz.
    seconds : float
        Duration in seconds.
    channels : int
        Number of (identical but for the noise) channels.
    seed : int
        Seed of the noise generator (the output is deterministic).

    Returns
    -------
    numpy.ndarray
        float32, shape ``(frames, channels)``, peak about 0.5.
    """
    frames = int(round(seconds * sample_rate))
    t = np.arange(frames) / sample_rate
    f0 = demo_pitch_hz(t)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voice = np.zeros(frames)
    for k in range(1, 40):
        fk = k * f0
        weight = np.zeros(frames)
        for centre, width in FORMANTS_HZ:  # resonance curve of each formant
            weight += 1.0 / (1.0 + ((fk - centre) / width) ** 2)
        weight *= (fk < 0.45 * sample_rate) / k ** 0.7
        voice += weight * np.sin(k * phase)
    envelope = _phrase_envelope(t, sample_rate)
    voice *= envelope
    voice *= 0.5 / max(np.max(np.abs(voice)), 1e-12)
    rng = np.random.default_rng(seed)
    out = np.empty((frames, channels), dtype=np.float32)
    for ch in range(channels):
        breath = 0.02 * envelope * rng.standard_normal(frames)
        floor = 10 ** (NOISE_FLOOR_DB / 20) * rng.standard_normal(frames)
        out[:, ch] = voice + breath + floor
    return out


def _phrase_envelope(t: np.ndarray, sample_rate: float) -> np.ndarray:
    """Smooth on/off envelope (30 ms raised-cosine edges) of the phrases."""
    local = np.mod(t, CYCLE_S)
    env = np.zeros_like(local)
    edge = 0.03
    for start, end, _, _ in PHRASES:
        rise = np.clip((local - start) / edge, 0, 1)
        fall = np.clip((end - local) / edge, 0, 1)
        env = np.maximum(env, 0.5 - 0.5 * np.cos(np.pi * np.minimum(rise, fall)))
    return env


def music_signal(sample_rate: float, seconds: float, seed: int = 1) -> np.ndarray:
    """A deterministic music-like test signal: overlapping notes (8 harmonics,
    decaying envelopes, random pitches over two octaves from 110 Hz) plus a
    little noise, peak 0.5.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(frames,)``.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    out = np.zeros(n)
    note_len = int(0.25 * sample_rate)
    for start in range(0, n, note_len // 2):
        f0 = 110.0 * 2 ** (rng.integers(0, 24) / 12)
        seg = t[: min(note_len, n - start)]
        env = np.exp(-seg * 6.0) * (1 - np.exp(-seg * 400.0))
        tone = sum(np.sin(2 * np.pi * f0 * k * seg + rng.uniform(0, 6.28)) / k for k in range(1, 9))
        out[start:start + len(seg)] += env * tone
    out += 0.01 * rng.standard_normal(n)
    return (0.5 * out / np.abs(out).max()).astype(np.float32)
