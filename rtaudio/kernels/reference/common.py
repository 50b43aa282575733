"""Helpers shared by the reference kernels (smoother: docs/maths/conventions.md §0.4; flush: docs/maths/conventions.md §0.6)."""
from __future__ import annotations

import math

FLUSH_BELOW = 1e-30


def flush(v: float) -> float:
    """Spec 0.6: a state variable below 1e-30 in magnitude becomes exactly 0."""
    return 0.0 if abs(v) < FLUSH_BELOW else v


def smooth_step(current: float, target: float, s: float) -> float:
    """Spec 0.4: ``c[n] = c_t + (c[n-1] - c_t)·s``, snapping when within 1e-12."""
    if current == target:
        return current
    current = target + (current - target) * s
    if abs(current - target) <= 1e-12 * max(1.0, abs(target)):
        current = target
    return current


def sanitize(x: float) -> tuple[float, bool]:
    """Spec 0.5: non-finite input becomes 0.0; returns (value, was_bad)."""
    if math.isfinite(x):
        return x, False
    return 0.0, True
