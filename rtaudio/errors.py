"""Exceptions that carry a message meant for the user."""
from __future__ import annotations


class RtaudioError(Exception):
    """A user-facing error (bad file, bad chain string, missing device).

    The CLI prints its message on one line and exits non-zero, without a
    traceback.
    """


class ChainSyntaxError(RtaudioError, ValueError):
    """A chain string or preset could not be parsed."""


class ChainConfigError(RtaudioError, ValueError):
    """A chain cannot run with the requested settings (e.g. a cutoff above
    Nyquist at this sample rate). A ``ValueError`` for API users; one line
    for CLI users."""


class EffectDefinitionError(RtaudioError, ValueError):
    """A user effect (``rtaudio.effect``, ``rtaudio.c_effect``) is declared
    wrongly, cannot be compiled (the message quotes Numba's or the C
    compiler's reason and line) or its module cannot be loaded."""
