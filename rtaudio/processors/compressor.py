"""Feed-forward compressor, stereo-linked (docs/maths/everyday-effects.md §6).

Gain computer with a quadratic soft knee and a branching peak detector
smoothing the gain reduction in dB (Giannoulis, Massberg & Reiss 2012).
"""
from __future__ import annotations

import math

from numba import njit

from rtaudio.effects.api import effect
from rtaudio.params import Param

#: level (dBFS) used for an all-zero sample instead of -inf
FLOOR_DB = -400.0
#: the detector state is set to 0.0 below this (denormal rule, §0)
FLUSH = 1e-30

PARAMS = [
    Param("threshold_db", "dB", -20.0, -80.0, 0.0, doc="level above which the gain is reduced (dBFS)"),
    Param("ratio", "", 4.0, 1.0, 50.0, log_scale=True, doc="input dB change per output dB change above threshold"),
    Param("attack_ms", "ms", 10.0, 0.01, 500.0, log_scale=True, doc="time constant of rising gain reduction"),
    Param("release_ms", "ms", 100.0, 1.0, 5000.0, log_scale=True, doc="time constant of falling gain reduction"),
    Param("knee_db", "dB", 6.0, 0.0, 36.0, doc="width of the soft knee centred on the threshold"),
    Param("makeup_db", "dB", 0.0, -24.0, 36.0, doc="gain added after compression"),
]
# env (row 0): smoothed gain reduction in dB (>= 0);
# cache (row 0): [valid, attack_ms, release_ms, alpha_a, alpha_r, threshold_db, knee_db, knee_low_lin,
#                 env of the cached gain, makeup_db, linear gain]
STATE = {"env": 1, "cache": 11}
LATENCY_SAMPLES = 0


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def static_curve_db(x_db, threshold_db, ratio, knee_db):
    """Output level in dB of the soft-knee gain computer for input level ``x_db`` (§6.1)."""
    over = x_db - threshold_db
    if 2.0 * over < -knee_db:
        return x_db
    if knee_db > 0.0 and 2.0 * abs(over) <= knee_db:
        t = over + knee_db / 2.0
        return x_db + (1.0 / ratio - 1.0) * t * t / (2.0 * knee_db)
    return threshold_db + over / ratio


@njit(nogil=True, cache=True, fastmath=False, error_model="numpy")
def time_coefficient(time_ms, sample_rate):
    """One-pole coefficient exp(−1/(τ·fs)) for the time constant τ = time_ms (§6.2)."""
    return math.exp(-1000.0 / (time_ms * sample_rate))


def compressor_kernel(block, params, state, sample_rate):
    """Per sample: level = max over channels of ``|x|``; reduction = level − curve(level) in dB;
    env follows it (attack when rising, release when falling); gain = makeup − env (§6)."""
    frames = block.shape[0]
    channels = block.shape[1]
    k = state.cache[0]
    env = state.env[0]
    for n in range(frames):
        attack_ms = params.attack_ms[n]
        release_ms = params.release_ms[n]
        threshold_db = params.threshold_db[n]
        knee_db = params.knee_db[n]
        makeup_db = params.makeup_db[n]
        if k[0] == 0.0 or attack_ms != k[1]:
            k[1] = attack_ms
            k[3] = time_coefficient(attack_ms, sample_rate)
        if k[0] == 0.0 or release_ms != k[2]:
            k[2] = release_ms
            k[4] = time_coefficient(release_ms, sample_rate)
        if k[0] == 0.0 or threshold_db != k[5] or knee_db != k[6]:
            k[5] = threshold_db
            k[6] = knee_db
            k[7] = math.pow(10.0, (threshold_db - knee_db / 2.0) / 20.0)
        peak = 0.0
        for c in range(channels):
            a = abs(float(block[n, c]))
            if a > peak:
                peak = a
        reduction = 0.0
        if peak > k[7]:  # below the knee the curve is the identity: no log needed
            x_db = 20.0 * math.log10(peak)
            reduction = x_db - static_curve_db(x_db, threshold_db, params.ratio[n], knee_db)
        if reduction > env:
            env = k[3] * env + (1.0 - k[3]) * reduction
        else:
            env = k[4] * env + (1.0 - k[4]) * reduction
        if env < FLUSH:
            env = 0.0
        if k[0] == 0.0 or env != k[8] or makeup_db != k[9]:
            k[8] = env
            k[9] = makeup_db
            k[10] = math.pow(10.0, (makeup_db - env) / 20.0)
        k[0] = 1.0
        g = k[10]
        for c in range(channels):
            block[n, c] = block[n, c] * g
    state.env[0] = env


#: the ``compressor`` processor, built with the public effect API (docs/effects-api.md)
Compressor = effect(name="compressor", params=PARAMS, state=STATE, latency_samples=LATENCY_SAMPLES)(compressor_kernel)
