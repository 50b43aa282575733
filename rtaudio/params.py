"""Typed, validated processor parameters (docs/maths/conventions.md §0.2)."""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

Bound = Union[float, Callable[[float], float], None]


@dataclass(frozen=True)
class Param:
    """Description of one processor parameter.

    Parameters
    ----------
    name : str
        Attribute name, with its unit as suffix (``cutoff_hz``).
    unit : str
        Unit shown in messages, GUI labels and docs ("Hz", "dB", "ms", "").
    default : float or str
        Default value.
    low, high : float, callable or None
        Valid range. A callable takes the sample rate in Hz and returns the
        bound (for ranges such as ``(0, fs/2)``); it is checked once a sample
        rate is known.
    low_open, high_open : bool
        Whether the range is open at that end.
    integer : bool
        Integral parameter: non-integral floats are rejected.
    choices : tuple of str, optional
        For string-valued parameters, the accepted values.
    log_scale : bool
        Hint for GUIs: show a logarithmic slider.
    doc : str
        One-line description.
    label : str, optional
        Display name for GUIs when the bare name could mislead (default:
        the name), e.g. "attack_ms (closing)" for the gate.
    smoothed : bool
        Numeric parameters of user effects (``rtaudio.effect``): True to
        reach a new value through the 10 ms one-pole smoother, per sample;
        False for a value that jumps at the next block (steps, modes, and
        structural parameters that size the state). See
        docs/effects-api.md §3.
    """

    name: str
    unit: str
    default: Any
    low: Bound = None
    high: Bound = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    choices: Optional[tuple] = None
    log_scale: bool = False
    doc: str = ""
    label: str = ""
    smoothed: bool = True

    @property
    def display_name(self) -> str:
        """``label`` if given, else ``name``."""
        return self.label or self.name

    def bounds(self, sample_rate: Optional[float]) -> tuple[Optional[float], Optional[float]]:
        """The numeric bounds, resolving sample-rate dependent ones.

        A bound that needs a sample rate is ``None`` when none is known yet.
        """
        def resolve(bound: Bound) -> Optional[float]:
            if callable(bound):
                return None if sample_rate is None else float(bound(sample_rate))
            return bound
        return resolve(self.low), resolve(self.high)

    def describe_range(self, sample_rate: Optional[float]) -> str:
        """Human-readable valid range, e.g. ``(0, 24000) Hz``."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        low, high = self.bounds(sample_rate)
        left = "(" if self.low_open else "["
        right = ")" if self.high_open or high is None else "]"
        low_s = "-inf" if low is None else f"{low:g}"
        high_s = "inf" if high is None else f"{high:g}"
        unit = f" {self.unit}" if self.unit else ""
        extra = ""
        if sample_rate is not None and (callable(self.low) or callable(self.high)):
            extra = f" at sample_rate {sample_rate:g} Hz"
        kind = "integer in " if self.integer else ""
        return f"{kind}{left}{low_s}, {high_s}{right}{unit}{extra}"

    def validate(self, value: Any, owner: str, sample_rate: Optional[float]) -> Any:
        """Return the value converted to its type, or raise ``ValueError``.

        The message names the processor, the parameter, the rejected value
        and the valid range.
        """
        where = f"{owner}.{self.name}"
        if self.choices is not None:
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(f"{where} = {value!r} is not valid: expected "
                                 f"{self.describe_range(sample_rate)}")
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{where} = {value!r} is not a real number; valid range is "
                             f"{self.describe_range(sample_rate)}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{where} = {value!r} is not finite; valid range is "
                             f"{self.describe_range(sample_rate)}")
        if self.integer and number != math.floor(number):
            raise ValueError(f"{where} = {value!r} must be an integer; valid range is "
                             f"{self.describe_range(sample_rate)}")
        low, high = self.bounds(sample_rate)
        too_low = low is not None and (number <= low if self.low_open else number < low)
        too_high = high is not None and (number >= high if self.high_open else number > high)
        if too_low or too_high:
            raise ValueError(f"{where} = {value!r} is out of range; valid range is "
                             f"{self.describe_range(sample_rate)}")
        return int(number) if self.integer else number
