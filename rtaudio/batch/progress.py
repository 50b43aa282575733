"""Batch progress bar on stderr: files done, failures, throughput, ETA.

The bar is redrawn by the caller (no refresh thread), so a local pool can
fork replacement workers from a single-threaded parent. It is hidden when
stderr is not a terminal.
"""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)


class BatchProgress:
    """``with BatchProgress("spectrogram", total) as bar: bar.advance(failed=False)``."""

    def __init__(self, description: str, total: int, enabled: bool = True) -> None:
        console = Console(stderr=True)
        self.failed = 0
        self._progress = Progress(
            TextColumn(description), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            TaskProgressColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=console, transient=True, auto_refresh=False,
            disable=not (enabled and console.is_terminal))
        self._task = self._progress.add_task(description, total=total, failed=0, rate="")

    def __enter__(self) -> "BatchProgress":
        self._progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._progress.stop()

    def advance(self, failed: bool = False) -> None:
        """One more file finished."""
        self.failed += int(failed)
        self._progress.advance(self._task)
        self.refresh()

    def refresh(self) -> None:
        speed = self._progress.tasks[0].speed
        rate = f"{speed:.2f} files/s" if speed else ""
        self._progress.update(self._task, failed=self.failed, rate=rate)
        self._progress.refresh()
