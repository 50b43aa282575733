"""Exceptions that carry a message meant for the user."""
from __future__ import annotations


class RtaudioError(Exception):
    """A user-facing error (bad file, bad chain string, missing device).

    The CLI prints its message on one line and exits non-zero, without a
    traceback.
    """


class ChainSyntaxError(RtaudioError, ValueError):
    """A chain string or preset could not be parsed."""
