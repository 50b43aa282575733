"""Float64 reference of the compressor (docs/maths/everyday-effects.md §6)."""
from __future__ import annotations

import math

import numpy as np


def gain_computer_db(x_db: float, threshold_db: float, ratio: float, knee_db: float) -> float:
    """Static curve with a quadratic soft knee (Giannoulis, Massberg & Reiss 2012, eq. 4)."""
    if 2.0 * (x_db - threshold_db) < -knee_db:
        return x_db
    if 2.0 * abs(x_db - threshold_db) <= knee_db:
        return x_db + (1.0 / ratio - 1.0) * (x_db - threshold_db + knee_db / 2.0) ** 2 / (2.0 * knee_db)
    return threshold_db + (x_db - threshold_db) / ratio


def compressor_reference(x: np.ndarray, sample_rate: float, threshold_db: float, ratio: float, attack_ms: float,
                         release_ms: float, knee_db: float, makeup_db: float) -> np.ndarray:
    """Stereo-linked feed-forward compressor with constant parameters, whole signal."""
    x = np.asarray(x, dtype=np.float64)
    alpha_a = math.exp(-1.0 / (attack_ms / 1000.0 * sample_rate))
    alpha_r = math.exp(-1.0 / (release_ms / 1000.0 * sample_rate))
    env = 0.0
    y = np.empty_like(x)
    for n in range(x.shape[0]):
        peak = float(np.max(np.abs(x[n])))
        x_db = 20.0 * math.log10(peak) if peak > 0.0 else -math.inf
        reduction = 0.0 if x_db == -math.inf else x_db - gain_computer_db(x_db, threshold_db, ratio, knee_db)
        alpha = alpha_a if reduction > env else alpha_r
        env = alpha * env + (1.0 - alpha) * reduction
        y[n] = x[n] * 10.0 ** ((makeup_db - env) / 20.0)
    return y
