"""Run an everyday-effect kernel directly (params/state as namedtuples of NumPy arrays).

The kernel signature is the public effect API's ``kernel(block, params,
state, sample_rate)`` (docs/effects-api.md): per-sample float64 parameter
arrays, a choice parameter as its index, per-channel float64 state.
"""
from __future__ import annotations

import collections
import functools

import numba
import numpy as np


@functools.lru_cache(maxsize=None)
def compiled(kernel):
    return numba.njit(nogil=True)(kernel)


class KernelRunner:
    """Streams a signal through ``module``'s kernel in any block partition."""

    def __init__(self, module, kernel, sample_rate: float, channels: int, max_block: int = 8192, **values):
        self.kernel = compiled(kernel)
        self.sample_rate = float(sample_rate)
        self.params = {p.name: (p.default if p.name not in values else values[p.name]) for p in module.PARAMS}
        self.choices = {p.name: p.choices for p in module.PARAMS if p.choices is not None}
        self.names = [p.name for p in module.PARAMS]
        self.ptype = collections.namedtuple("Params", self.names)
        self.stype = collections.namedtuple("State", list(module.STATE))
        fields = []
        for name, size in module.STATE.items():
            n = size(self.sample_rate, max_block, dict(self.params)) if callable(size) else int(size)
            fields.append(np.zeros((channels,) if (not callable(size) and n == 1) else (channels, n)))
        self.state = self.stype(*fields)

    def _value_array(self, name, value, frames):
        if name in self.choices:
            value = float(self.choices[name].index(value))
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (frames,)).copy()

    def run(self, x: np.ndarray, sizes=None, per_sample: dict | None = None) -> np.ndarray:
        """Process ``x`` (float32, (frames, channels)) in blocks ``sizes``; returns a copy."""
        out = np.array(x, dtype=np.float32, order="C", copy=True)
        frames = out.shape[0]
        per_sample = per_sample or {}
        full = {n: (np.asarray(per_sample[n], dtype=np.float64) if n in per_sample
                    else self._value_array(n, self.params[n], frames)) for n in self.names}
        sizes = sizes or [frames]
        start = 0
        for size in sizes:
            params = self.ptype(*[np.ascontiguousarray(full[n][start:start + size]) for n in self.names])
            self.kernel(out[start:start + size], params, self.state, self.sample_rate)
            start += size
        assert start == frames
        return out


def run_kernel(module, kernel, x, sample_rate=48000.0, sizes=None, per_sample=None, **values):
    """One-shot helper: a fresh runner, whole signal."""
    runner = KernelRunner(module, kernel, sample_rate, x.shape[1], **values)
    return runner.run(x, sizes, per_sample)
