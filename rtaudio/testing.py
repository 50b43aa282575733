"""Checks for processors, for users' own test suites: ``check_processor``.

``check_processor(proc)`` runs the properties every rtaudio processor must
have (docs/effects-api.md §11) and returns a report; it
raises ``ProcessorCheckError`` with a readable list of what failed::

    from rtaudio.testing import check_processor

    def test_my_tremolo():
        report = check_processor(Tremolo(rate_hz=3.0))
        print(report)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from rtaudio.params import Param
from rtaudio.processor import Processor

__all__ = ["check_processor", "CheckReport", "CheckResult", "ProcessorCheckError", "stream_in_blocks"]

SWEEP_BLOCK = 64
JUMP_BLOCKS = 16
_HELD_POINTS = (0.0, 0.25, 0.5, 0.75, 1.0)


class ProcessorCheckError(AssertionError):
    """A processor failed ``check_processor``; the message lists every failed
    check with what was expected and what was measured. ``report`` holds
    the whole ``CheckReport``."""

    def __init__(self, report: "CheckReport") -> None:
        super().__init__(report.failure_message())
        self.report = report


@dataclass
class CheckResult:
    """One check: its name, the channel count, pass/fail and the measurement."""

    name: str
    channels: int
    passed: bool
    detail: str


@dataclass
class CheckReport:
    """What ``check_processor`` ran and found."""

    processor: str
    sample_rate: float
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        """The failed checks."""
        return [r for r in self.results if not r.passed]

    def failure_message(self) -> str:
        lines = [f"{self.processor} failed {len(self.failures)} of {len(self.results)} checks "
                 f"(sample rate {self.sample_rate:g} Hz):"]
        lines += [f"  - {r.name} [{r.channels} ch]: {r.detail}" for r in self.failures]
        return "\n".join(lines)

    def __str__(self) -> str:
        width = max([len(r.name) for r in self.results] + [5])
        lines = [f"check_processor({self.processor}) at {self.sample_rate:g} Hz: "
                 f"{'all passed' if self.ok else f'{len(self.failures)} FAILED'}"]
        for r in self.results:
            lines.append(f"  {'ok  ' if r.passed else 'FAIL'} {r.name:<{width}} {r.channels:>2} ch  {r.detail}")
        return "\n".join(lines)


# ------------------------------------------------------------------- signals
def test_signal(frames: int, channels: int, sample_rate: float, seed: int) -> np.ndarray:
    """Deterministic programme material: a sine per channel, noise bursts
    with loud and quiet sections, an impulse and a stretch of silence."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / sample_rate
    x = np.empty((frames, channels))
    for c in range(channels):
        envelope = np.where(np.sin(2 * np.pi * 3.0 * t + rng.uniform(0, 6)) > 0.0, 0.3, 0.003)
        x[:, c] = (0.25 * np.sin(2 * np.pi * (220.0 * (c + 1)) * t)
                   + envelope * rng.standard_normal(frames))
    x[frames // 3] = 0.9
    x[int(frames * 0.8):int(frames * 0.9)] = 0.0
    return x.astype(np.float32)


def sweep_signal(frames: int, channels: int, sample_rate: float) -> np.ndarray:
    """A smooth input for the parameter sweep (sines at 110·(c+1) Hz, 0.25
    full scale): its own sample-to-sample steps are small (< 0.004 at
    48 kHz), so a parameter that jumps instead of gliding shows."""
    t = np.arange(frames) / sample_rate
    x = np.stack([0.25 * np.sin(2 * np.pi * 110.0 * (c + 1) * t + c) for c in range(channels)], axis=1)
    return x.astype(np.float32)


def _random_partition(total: int, rng: np.random.Generator, high: int = 4096) -> list[int]:
    sizes = []
    while total > 0:
        size = int(min(total, rng.integers(1, high + 1)))
        sizes.append(size)
        total -= size
    return sizes


def _fresh(proc: Processor) -> Processor:
    """A new processor of the same type, backend and parameter values."""
    return type(proc)(backend=proc.backend, **proc.get_params())


def stream_in_blocks(proc: Processor, x: np.ndarray, sizes: Sequence[int], sample_rate: float,
                     max_block: Optional[int] = None) -> np.ndarray:
    """Prepare ``proc`` (a Processor or a Chain) and run a copy of ``x``
    through it in blocks of the given ``sizes``; returns the float32 output."""
    out = np.array(x, dtype=np.float32, order="C", copy=True)
    proc.prepare(sample_rate, out.shape[1], max_block or max(max(sizes), 1))
    start = 0
    for size in sizes:
        block = np.ascontiguousarray(out[start:start + size])
        proc.process(block)
        out[start:start + size] = block
        start += size
    return out


def _max_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return math.inf
    with np.errstate(invalid="ignore"):
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    d[np.isnan(a) & np.isnan(b)] = 0.0
    return float(np.nanmax(d, initial=0.0)) if not np.isnan(d).any() else math.inf


# -------------------------------------------------------------------- sweeps
def _sweep_range(param: Param, value: Any, sample_rate: float) -> Optional[tuple[float, float]]:
    """The values a sweep of ``param`` covers, or None when it is not swept
    (choices, integers, unsmoothed/structural parameters, no value)."""
    if param.choices is not None or param.integer or not param.smoothed or value is None:
        return None
    low, high = param.bounds(sample_rate)
    if low is None and high is None:
        return None
    if high is None:
        high = max(abs(float(value)) * 4.0, 1.0) + (low or 0.0)
    if low is None:
        low = float(value) - (high - float(value)) if high > float(value) else high - 1.0
    if param.log_scale and low <= 0.0:
        low = high * 1e-3
    margin = 1e-3 * (high - low)
    low, high = low + margin * param.low_open, high - margin * param.high_open
    return (low, high) if high > low else None


def _accepted(proc: Processor, name: str, value: float, sample_rate: float) -> bool:
    probe = _fresh(proc)
    try:
        setattr(probe, name, value)
        probe.prepare(sample_rate, 2, SWEEP_BLOCK)
    except ValueError:
        return False
    return True


def _accepted_span(proc: Processor, param: Param, span: tuple[float, float],
                   sample_rate: float) -> tuple[float, float]:
    """Narrow ``span`` until both ends are accepted by the processor (ranges
    that depend on other parameters, e.g. a cutoff limited by oversampling)."""
    lo, hi = span
    current = float(getattr(proc, param.name))
    for _ in range(30):
        if _accepted(proc, param.name, hi, sample_rate):
            break
        hi = current + 0.5 * (hi - current)
    for _ in range(30):
        if _accepted(proc, param.name, lo, sample_rate):
            break
        lo = current + 0.5 * (lo - current)
    return lo, hi


def _sweep_values(param: Param, lo: float, hi: float, count: int) -> np.ndarray:
    """One value per block: a ramp from ``lo`` to ``hi`` over the first half,
    then jumps between ``hi`` and ``lo`` every ``JUMP_BLOCKS`` blocks (what
    a GUI slider or a MIDI controller does; smoothing must turn each jump
    into a glide)."""
    half = count // 2
    ramp = np.linspace(0.0, 1.0, half)
    jumps = 1.0 - ((np.arange(count - half) // JUMP_BLOCKS) % 2)
    position = np.concatenate([ramp, jumps])
    if param.log_scale and lo > 0.0:
        return lo * (hi / lo) ** position
    return lo + (hi - lo) * position


def _max_step(y: np.ndarray) -> float:
    return float(np.abs(np.diff(y.astype(np.float64), axis=0)).max(initial=0.0))


def check_processor(proc: Processor, sample_rate: float = 48000.0, *, channels: Sequence[int] = (1, 2, 8),
                    seconds: float = 0.5, partitions: int = 3, seed: int = 0, atol: float = 0.0,
                    step_factor: float = 2.0, step_floor: float = 1e-3,
                    sweep: Optional[dict[str, tuple[float, float]]] = None,
                    raise_on_failure: bool = True) -> CheckReport:
    """Check the properties every rtaudio processor must have.

    For each channel count: (1) **block-size invariance**: streaming in
    random block sizes 1…4096 (``partitions`` different partitions) gives the
    whole-signal output within ``atol`` (default: exactly); (2) **reset
    equality**: after ``reset()`` the same input gives the same output;
    (3) **non-finite input**: a burst of NaN/±Inf samples gives finite
    output throughout and afterwards. Then, at 2 channels, (4) a
    **parameter sweep while streaming** for each smoothed numeric parameter
    (set every 64-frame block, across its range over ``seconds``): the
    output stays finite and no sample-to-sample step exceeds
    ``step_factor`` × the largest step the processor makes with the
    parameter held at 5 points of the same range, plus ``step_floor``
    (full scale) — an unsmoothed jump shows as a larger step.

    Parameters
    ----------
    proc : Processor
        The processor to check; it is not modified (fresh instances with
        its parameter values and backend are used).
    sample_rate : float
        Sample rate in Hz.
    channels : sequence of int
        Channel counts to test.
    seconds : float
        Length of the test signal.
    partitions : int
        Random block partitions tried per channel count.
    seed : int
        Seed of the test signal and the partitions (the check is deterministic).
    atol : float
        Tolerance of the block-size and reset comparisons.
    step_factor, step_floor : float
        The sweep's step bound (see above).
    sweep : dict of str to (low, high), optional
        Override the swept range of parameters (or exclude one with ``None``).
    raise_on_failure : bool
        Raise ``ProcessorCheckError`` if a check fails (default), else just
        return the report.

    Returns
    -------
    CheckReport
        Every check with its measurement; ``str(report)`` is a table.

    Raises
    ------
    ProcessorCheckError
        If a check failed and ``raise_on_failure``; its message names each
        failed check and what was measured.
    """
    rng = np.random.default_rng(seed)
    frames = max(int(seconds * sample_rate), 64)
    report = CheckReport(repr(proc), float(sample_rate))
    add = report.results.append

    for ch in channels:
        x = test_signal(frames, ch, sample_rate, seed + ch)
        whole = _fresh(proc)
        whole.prepare(sample_rate, ch, 8192)
        reference = np.array(x, copy=True)
        whole.process(reference)
        if not np.all(np.isfinite(reference)):
            add(CheckResult("finite output", ch, False, "non-finite samples for a finite input"))
        worst, worst_sizes = 0.0, []
        for _ in range(partitions):
            sizes = _random_partition(frames, rng)
            diff = _max_diff(stream_in_blocks(_fresh(proc), x, sizes, sample_rate, 4096), reference)
            if diff > worst or not worst_sizes:
                worst, worst_sizes = diff, sizes
        shown = ", ".join(map(str, worst_sizes[:6])) + (", ..." if len(worst_sizes) > 6 else "")
        add(CheckResult("block-size invariance", ch, worst <= atol,
                        f"max |streamed - whole| = {worst:.3g} (allowed {atol:g}) over {partitions} random "
                        f"partitions 1..4096 (worst: {shown})"))

        again = np.array(x, copy=True)
        whole.reset()
        whole.process(again)
        diff = _max_diff(again, reference)
        add(CheckResult("reset equality", ch, diff <= atol,
                        f"max |after reset - first run| = {diff:.3g} (allowed {atol:g})"))

        bad = np.array(x, copy=True)
        start = frames // 4
        burst = np.array([np.nan, np.inf, -np.inf, np.nan], dtype=np.float32)
        bad[start:start + 256] = np.resize(burst, (256, 1)) if ch else bad[start:start + 256]
        nf = _fresh(proc)
        out = stream_in_blocks(nf, bad, [256] * (frames // 256) + [frames % 256], sample_rate, 256)
        tail = out[start + 256:]
        during = out[:start + 256]
        finite_after = bool(np.all(np.isfinite(tail)))
        # analysers pass audio through unchanged, the burst included
        finite_during = bool(np.all(np.isfinite(during))) or proc.is_analyser
        alive = bool(np.abs(tail).max(initial=0.0) > 0.0) or not np.abs(reference[start + 256:]).max() > 0.0
        ok = finite_after and finite_during and alive
        add(CheckResult("non-finite input burst", ch, ok,
                        f"256 samples of NaN/+Inf/-Inf at frame {start}: output "
                        f"{'finite' if finite_during else 'NOT finite'} up to the burst's end"
                        f"{' (passed through: analyser)' if proc.is_analyser else ''}, "
                        f"{'finite' if finite_after else 'NOT finite'} afterwards"
                        f"{'' if alive else ', but silent ever after (state poisoned?)'}"))

    _sweep_params(proc, sample_rate, frames, seed, step_factor, step_floor, sweep or {}, add)
    if raise_on_failure and not report.ok:
        raise ProcessorCheckError(report)
    return report


def _sweep_params(proc: Processor, sample_rate: float, frames: int, seed: int, step_factor: float,
                  step_floor: float, overrides: dict, add) -> None:
    ch = 2
    x = sweep_signal(frames, ch, sample_rate)
    blocks = frames // SWEEP_BLOCK
    values = proc.get_params()
    for param in type(proc).PARAMS:
        if param.name in overrides:
            if overrides[param.name] is None:
                continue
            span = tuple(map(float, overrides[param.name]))
        else:
            span = _sweep_range(param, values.get(param.name, getattr(proc, param.name, None)), sample_rate)
            if span is None:
                continue
        lo, hi = _accepted_span(proc, param, span, sample_rate)
        held_steps = []
        try:
            for point in _HELD_POINTS:
                held = _fresh(proc)
                setattr(held, param.name, lo + (hi - lo) * point if not param.log_scale or lo <= 0
                        else lo * (hi / lo) ** point)
                held_steps.append(_max_step(stream_in_blocks(held, x, [SWEEP_BLOCK] * blocks, sample_rate)))
            swept = _fresh(proc)
            setattr(swept, param.name, lo)
            out = np.array(x[:blocks * SWEEP_BLOCK], copy=True)
            swept.prepare(sample_rate, ch, SWEEP_BLOCK)
            for k, value in enumerate(_sweep_values(param, lo, hi, blocks)):
                setattr(swept, param.name, float(value))
                swept.process(out[k * SWEEP_BLOCK:(k + 1) * SWEEP_BLOCK])
        except ValueError as exc:
            add(CheckResult(f"sweep {param.name}", ch, True, f"skipped: {exc}"))
            continue
        finite = bool(np.all(np.isfinite(out)))
        step = _max_step(out) if finite else math.inf
        bound = step_factor * max(held_steps) + step_floor
        add(CheckResult(f"sweep {param.name}", ch, finite and step <= bound,
                        f"ramp {lo:g} -> {hi:g}, then jumps every {JUMP_BLOCKS} blocks of {SWEEP_BLOCK}: "
                        f"max step {step:.3g} "
                        f"(bound {step_factor:g} x held max {max(held_steps):.3g} + {step_floor:g} = "
                        f"{bound:.3g}){'' if finite else ', output NOT finite'}"))
