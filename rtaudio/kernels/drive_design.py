"""Filters and shaper constants of the ``drive`` effect (docs/maths/everyday-effects.md §8).

Cascaded 2x stages (§8.2), all linear phase, designed with SciPy's Parks–McClellan
``remez`` (tests/test_fx_drive_reverb.py regenerates them):

- **stage 1 up** (fs → 2·fs): a 51-tap half-band low-pass, pass band 0–20 kHz,
  stop band from 28 kHz (≥ 68 dB; the images of 0–20 kHz lie there):
  ``remez(51, [0, 20000, 28000, 48000], [1, 0], fs=96000)``;
- **stage 1 down** (2·fs → fs): a 73-tap low-pass, pass band 0–20 kHz, stop band
  from 24.5 kHz (≥ 76 dB), so that harmonics just above Nyquist do not fold back:
  ``remez(73, [0, 20000, 24500, 48000], [1, 0], weight=[1, 30], fs=96000)``, scaled to sum 1;
- **stage 2** (2·fs ↔ 4·fs, both ways): a 15-tap half-band, pass band 0–24.5 kHz,
  stop band from 71.5 kHz (≥ 64 dB): ``remez(15, [0, 24500, 71500, 96000], [1, 0], fs=192000)``.

A half-band filter of ``4K − 1`` taps keeps only its ``K`` distinct side taps
``h[0], h[2], …, h[2K − 2]`` (mirrored), its centre ``h[2K − 1] = 0.5`` and zeros at the
other odd indices; the side taps are scaled to sum 0.25 (unit DC gain). Delays:
25 samples at 2·fs (stage 1 up), 36 at 2·fs (stage 1 down), 7 + 7 at 4·fs (stage 2).

``tanh`` is the rational function ``x·P(x²)/Q(x²)`` of x clamped to
±``TANH_CLAMP``, coefficients ``TANH_P`` / ``TANH_Q`` (lowest degree first),
within 3.6e-8 of tanh everywhere (a weighted least-squares fit, §8.1); it
vectorises, unlike libm's tanh, and the float64 reference evaluates the same
formula.
"""
from __future__ import annotations

import numpy as np

#: stage-1 interpolator (half-band, 51 taps at 2·fs): h[0], h[2], …, h[24]
UP1_SIDE_TAPS = np.array([
    0.0003058345246184317, -0.0007003596558300612, 0.0014441332758655502,
    -0.0026535643277985576, 0.004495994401381724, -0.007200483028755151,
    0.011062102238470577, -0.01654616487365283, 0.02444898691746387,
    -0.0364539532822251, 0.05691057056782333, -0.1019066697010469,
    0.3167935729436851,
])
#: stage-1 decimator (low-pass at 2·fs, 73 taps, symmetric, sum 1)
DOWN1_TAPS = np.array([
    -0.00041677648026754405, -0.0012484259262925796, -0.0012000410321442855,
    0.00021905771639721625, 0.0014001132203525042, 0.00019809706328450716,
    -0.0018213321390621665, -0.0009903330942404502, 0.00213084760093125,
    0.0021536336681758144, -0.00207368345100538, -0.0036441174364673003,
    0.0014446792968291794, 0.005305847754471768, -3.921768603379651e-05,
    -0.006899422654312839, -0.0022882398931276895, 0.00809247064851184,
    0.005618386974402432, -0.00846308400578642, -0.009917622008894232,
    0.007525919606334611, 0.015043426232586494, -0.0047233815827671215,
    -0.020736892066660535, -0.0006156289536169916, 0.026638955607703418,
    0.009430774150168391, -0.03232397525321351, -0.023436834425199397,
    0.03734541612386479, 0.04692895269586768, -0.04128514148196321,
    -0.09587307701132604, 0.04379923609435856, 0.3160046029288074,
    0.45743361839866703, 0.3160046029288074, 0.04379923609435856,
    -0.09587307701132604, -0.04128514148196321, 0.04692895269586768,
    0.03734541612386479, -0.023436834425199397, -0.03232397525321351,
    0.009430774150168391, 0.026638955607703418, -0.0006156289536169916,
    -0.020736892066660535, -0.0047233815827671215, 0.015043426232586494,
    0.007525919606334611, -0.009917622008894232, -0.00846308400578642,
    0.005618386974402432, 0.00809247064851184, -0.0022882398931276895,
    -0.006899422654312839, -3.921768603379651e-05, 0.005305847754471768,
    0.0014446792968291794, -0.0036441174364673003, -0.00207368345100538,
    0.0021536336681758144, 0.00213084760093125, -0.0009903330942404502,
    -0.0018213321390621665, 0.00019809706328450716, 0.0014001132203525042,
    0.00021905771639721625, -0.0012000410321442855, -0.0012484259262925796,
    -0.00041677648026754405,
])
#: stage-2 half-band (15 taps at 4·fs): h[0], h[2], h[4], h[6]
HALFBAND2_SIDE_TAPS = np.array([
    -0.003926318700556576, 0.02104321844675864, -0.07291340378026215, 0.30579650403406006,
])


def halfband_taps(side: np.ndarray) -> np.ndarray:
    """All ``4K − 1`` taps of a half-band filter from its ``K`` side taps."""
    count = 4 * side.size - 1
    h = np.zeros(count)
    for i, tap in enumerate(side):
        h[2 * i] = tap
        h[count - 1 - 2 * i] = tap
    h[(count - 1) // 2] = 0.5
    return h


#: abs(x) beyond which the tanh approximation is held (tanh(9) = 1 − 3e-8)
TANH_CLAMP = 9.0
#: numerator P(x²), lowest degree first
TANH_P = np.array([0.9999999178987199, 0.13380245770466978, 0.0034949031676780513, 2.0606783996111584e-05,
                   1.3367422978758568e-08])
#: denominator Q(x²), lowest degree first
TANH_Q = np.array([1.0, 0.4671354680633559, 0.02587376386930609, 0.0003284908813125614, 7.778452696110866e-07])
