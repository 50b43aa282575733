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
