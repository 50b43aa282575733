"""User effects: kernels written in Python (Numba) or C that run in the
native audio callback without Python or the GIL.

- ``rtaudio.effect`` (``effects.effect``): decorate a Numba-compilable
  block function;
- ``rtaudio.c_effect``: compile C source against ``rtaudio_effect.h``
  (``include_dir()``);
- ``load_effects_file``: import a module of effects (the CLI's ``--effects``);
- ``fma(a, b, c)``: ``a*b + c`` rounded once, for Numba kernels (a recursive
  filter's loop-carried chain is then one instruction; what the built-ins use).

Guide: docs/effects-api.md.
"""
from rtaudio.effects.api import c_effect, effect
from rtaudio.effects.c_build import include_dir
from rtaudio.effects.cache import cache_dir
from rtaudio.effects.loader import load_effects_file
from rtaudio.effects.user_processor import UserEffect

__all__ = ["effect", "c_effect", "include_dir", "cache_dir", "load_effects_file", "UserEffect", "fma"]


def __getattr__(name: str):
    # fma needs Numba: imported on first use so that `import rtaudio` stays light
    if name == "fma":
        from rtaudio.kernels.numba.common import fma
        return fma
    raise AttributeError(f"module 'rtaudio.effects' has no attribute {name!r}")
