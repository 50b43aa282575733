"""Helpers shared by the Numba kernels (smoother: docs/maths/conventions.md §0.4; flush: docs/maths/conventions.md §0.6)."""
from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

FLUSH_BELOW = 1e-30


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def flush(v: float) -> float:
    """Spec 0.6: a state variable below 1e-30 in magnitude becomes exactly 0."""
    if abs(v) < FLUSH_BELOW:
        return 0.0
    return v


@njit(nogil=True, cache=True, fastmath=False, inline="always")
def smooth_step(current: float, target: float, s: float) -> float:
    """Spec 0.4: one step of the coefficient smoother with snap-to-target."""
    if current == target:
        return current
    current = target + (current - target) * s
    scale = abs(target) if abs(target) > 1.0 else 1.0
    if abs(current - target) <= 1e-12 * scale:
        current = target
    return current


@intrinsic
def fma(typingctx, a, b, c):
    """``a*b + c`` rounded once (LLVM's ``llvm.fma.f64``), like C's ``fma()``.

    Correctly rounded on every CPU: a hardware FMA where there is one, else
    a libm call; so Numba and C give the same bits.
    """
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, sig, args):
        double = ir.DoubleType()
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(double, [double, double, double]), "llvm.fma.f64")
        return builder.call(function, args)
    return signature, codegen
