"""Running the ``rtaudio`` CLI in-process from tests."""
from __future__ import annotations

import pytest

from rtaudio.cli import main


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``rtaudio ARGS``; returns (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err
