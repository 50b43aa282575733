"""The declaration of a user effect: parameters, state fields, latency.

Shared by the Numba (``rtaudio.effect``) and C (``rtaudio.c_effect``)
front ends; docs/effects-api.md §2.
"""
from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence, Union

from rtaudio.errors import EffectDefinitionError
from rtaudio.params import Param

StateSize = Union[int, Callable[[float, int, dict], int]]
Latency = Union[int, Callable[[dict, float], int]]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class StateField:
    """One per-channel float64 state field.

    ``size`` is an int (values per channel) or a callable
    ``(sample_rate, max_block, params) -> int``. An int 1 gives the kernel
    an array of shape ``(channels,)``; anything else ``(channels, size)``.
    """

    name: str
    size: StateSize

    @property
    def per_channel_scalar(self) -> bool:
        """True when the kernel sees shape ``(channels,)``."""
        return not callable(self.size) and int(self.size) == 1

    def resolve(self, sample_rate: float, max_block: int, params: dict, effect: str) -> int:
        """Values per channel for these settings (validated)."""
        size = (call_user(self.size, effect, f"the size of state field {self.name!r}", sample_rate, max_block,
                          dict(params)) if callable(self.size) else self.size)
        if isinstance(size, float) and size.is_integer():
            size = int(size)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise EffectDefinitionError(f"effect {effect!r}: state field {self.name!r} has size {size!r}; "
                                        f"a size must be an integer >= 1")
        return size


def call_user(func: Callable, effect: str, what: str, *args: Any) -> Any:
    """``func(*args)`` for a callable of the user's declaration; an exception
    in it becomes one EffectDefinitionError line naming the effect, what was
    computed, the exception and the user's innermost line."""
    try:
        return func(*args)
    except Exception as exc:
        import traceback
        frames = traceback.extract_tb(exc.__traceback__)[1:]  # [0] is this call
        where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        raise EffectDefinitionError(f"effect {effect!r}: {what} ({getattr(func, '__name__', func)!s}) "
                                    f"failed{where}: {type(exc).__name__}: {exc}") from None


def check_name(name: Any, what: str) -> str:
    """Return ``name`` if it is a valid identifier, else raise."""
    if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
        raise EffectDefinitionError(f"{what} {name!r} must be a Python identifier (letters, digits, _)")
    return name


def check_params(effect: str, params: Optional[Sequence[Param]]) -> tuple[Param, ...]:
    """Validate the ``params`` list of an effect declaration."""
    params = tuple(params or ())
    seen = set()
    for p in params:
        if not isinstance(p, Param):
            raise EffectDefinitionError(f"effect {effect!r}: params must be rtaudio.Param objects, got {p!r}")
        check_name(p.name, f"effect {effect!r}: parameter name")
        if p.name in seen:
            raise EffectDefinitionError(f"effect {effect!r}: parameter {p.name!r} declared twice")
        seen.add(p.name)
        if p.name.startswith("_") or _taken_by_processor(p.name):
            # a parameter is an attribute of the generated Processor: it cannot share
            # a name with the Processor's own attributes (channels, state, reset, ...)
            raise EffectDefinitionError(f"effect {effect!r}: parameter name {p.name!r} is reserved (the "
                                        f"processor has an attribute of that name, or it starts with '_'); "
                                        f"choose another name")
        if p.choices is None:
            if p.default is None or isinstance(p.default, str):
                raise EffectDefinitionError(f"effect {effect!r}: parameter {p.name!r} needs a numeric default "
                                            f"(or choices=... for a string parameter)")
            try:
                p.validate(p.default, effect, None)
            except ValueError as exc:
                raise EffectDefinitionError(f"effect {effect!r}: the default of {p.name!r} is not valid: {exc}") \
                    from None
        elif p.default not in p.choices:
            raise EffectDefinitionError(f"effect {effect!r}: default {p.default!r} of {p.name!r} is not one of "
                                        f"its choices {p.choices!r}")
    return params


def _taken_by_processor(name: str) -> bool:
    from rtaudio.effects.user_processor import UserEffect  # it imports this module
    return hasattr(UserEffect, name)


def check_state(effect: str, state: Optional[Mapping[str, StateSize]]) -> tuple[StateField, ...]:
    """Validate the ``state`` mapping of an effect declaration."""
    if state is None:
        return ()
    if not isinstance(state, Mapping):
        raise EffectDefinitionError(f"effect {effect!r}: state must be a dict name -> size, got {state!r}")
    fields = []
    for name, size in state.items():
        check_name(name, f"effect {effect!r}: state field")
        if name.startswith("_"):  # the kernel's `state` is a namedtuple
            raise EffectDefinitionError(f"effect {effect!r}: state field name {name!r} must not start with '_'")
        if not callable(size) and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise EffectDefinitionError(f"effect {effect!r}: state field {name!r} has size {size!r}; use an "
                                        f"integer >= 1 or a callable (sample_rate, max_block, params) -> int")
        fields.append(StateField(name, size))
    return tuple(fields)


def check_latency(effect: str, latency: Latency) -> Latency:
    """Validate ``latency_samples`` (an int >= 0 or a callable)."""
    if callable(latency):
        return latency
    if isinstance(latency, bool) or not isinstance(latency, int) or latency < 0:
        raise EffectDefinitionError(f"effect {effect!r}: latency_samples = {latency!r} must be an integer >= 0 "
                                    f"or a callable (params, sample_rate) -> int")
    return latency


def class_name(name: str) -> str:
    """``"one_pole"`` -> ``"OnePole"``: the generated Processor subclass's name."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part) or "Effect"


def numeric_value(param: Param, value: Any) -> float:
    """The float64 a kernel sees for a parameter value (a choice's index)."""
    if param.choices is not None:
        return float(param.choices.index(value))
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{param.name} = {value!r} is not finite")
    return number
