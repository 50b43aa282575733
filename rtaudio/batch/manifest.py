"""The batch manifest: one JSON line per input (docs/batch.md §4).

Each record is appended, flushed and ``fsync``-ed as soon as its file is
finished, so the manifest is complete up to the last finished file even if
the run is interrupted or the machine stops.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Optional, Union

#: record status values
OK, FAILED, SKIPPED, CANCELLED = "ok", "failed", "skipped", "cancelled"


@dataclass
class Record:
    """What happened to one input.

    Attributes
    ----------
    input : str
        Input path.
    outputs : list of str
        Output paths (written, or already up to date when skipped).
    status : {"ok", "failed", "skipped", "cancelled"}
        ``skipped``: outputs were up to date; ``cancelled``: the run was
        interrupted before the file was reported finished (no output
        written, except by a task a Dask worker was already running, which
        finishes its output atomically; the next run skips it).
    error : str or None
        One-line reason for ``failed``.
    seconds : float
        Wall time of the task on its worker.
    cpu_seconds : float
        CPU time of the task's thread (unaffected by other load on the machine).
    bytes : int
        Total size of the outputs.
    input_bytes : int
        Size of the input.
    worker : str or None
        Where the task ran (``host:pid`` locally, the Dask worker address).
    info : Any
        What the task returned (JSON-able summary), if anything.
    """

    input: str
    outputs: list[str]
    status: str
    error: Optional[str] = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    bytes: int = 0
    input_bytes: int = 0
    worker: Optional[str] = None
    info: Any = field(default=None)

    @property
    def ok(self) -> bool:
        return self.status in (OK, SKIPPED)


class ManifestWriter:
    """Appends records to ``path`` (truncated when opened: one run per manifest)."""

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: Optional[IO[str]] = open(self.path, "w", encoding="utf-8")

    def write(self, record: Record) -> None:
        """Append one record and force it to disk."""
        assert self._handle is not None, "manifest closed"
        self._handle.write(json.dumps(asdict(record), default=str) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> "ManifestWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Manifest:
    """The records of one run, in completion order, and where they are stored."""

    path: Path
    records: list[Record]

    def with_status(self, status: str) -> list[Record]:
        return [r for r in self.records if r.status == status]

    @property
    def failed(self) -> list[Record]:
        return self.with_status(FAILED)

    @property
    def ok(self) -> bool:
        """True when no file failed or was cancelled."""
        return all(r.ok for r in self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def read_manifest(path: Union[str, os.PathLike]) -> Manifest:
    """Read a manifest written by :class:`ManifestWriter` (a torn last line,
    from a machine that stopped mid-write, is ignored)."""
    path = Path(path)
    records = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                records.append(Record(**json.loads(line)))
            except (json.JSONDecodeError, TypeError):
                continue
    return Manifest(path, records)
