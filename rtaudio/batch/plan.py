"""Input discovery and output planning for a batch (docs/batch.md §2).

Inputs are found recursively under a folder (audio suffixes, or a glob
``pattern``); each input gets one output path that mirrors its place in the
input tree under the output folder. An output that exists and is at least
as new as its input is up to date and skipped, which is how an interrupted
batch resumes.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from rtaudio.errors import RtaudioError

PathLike = Union[str, os.PathLike]

#: file suffixes taken from a folder when no pattern is given
AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff",
                            ".aifc", ".mp3", ".au", ".snd", ".caf", ".w64", ".rf64"})


@dataclass(frozen=True)
class Job:
    """One input file and the output it becomes (both absolute paths)."""

    in_path: Path
    out_path: Path

    @property
    def outputs(self) -> tuple[Path, ...]:
        """Every file the job writes."""
        return (self.out_path,)


def discover_inputs(in_dir: PathLike, pattern: Optional[str] = None,
                    exclude: Optional[PathLike] = None) -> list[Path]:
    """Files under ``in_dir`` (recursive, sorted): those matching the glob
    ``pattern``, or with an audio suffix when ``pattern`` is None.
    Files inside ``exclude`` (an output folder nested in the input) are left out.
    """
    in_dir = Path(in_dir)
    if pattern:
        files = [p for p in in_dir.rglob(pattern) if p.is_file()]
    else:
        files = [p for p in in_dir.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
    if exclude is not None:
        skip = Path(exclude).resolve()
        files = [p for p in files if skip not in p.resolve().parents]
    return sorted(files)


def plan_jobs(inputs: Sequence[PathLike], in_root: PathLike, out_dir: PathLike,
              suffix: Optional[str] = None) -> list[Job]:
    """One :class:`Job` per input: ``out_dir / (input relative to in_root)``
    with its suffix replaced by ``suffix`` (kept when None).

    Two inputs that would map to the same output (``a.wav`` and ``a.flac``
    to ``a.png``) keep their full names instead (``a.wav.png``).
    """
    in_root, out_dir = Path(in_root).resolve(), Path(out_dir).resolve()
    sources = [Path(p).resolve() for p in inputs]
    targets = []
    for src in sources:
        try:
            rel = src.relative_to(in_root)
        except ValueError:
            raise RtaudioError(f"input {src} is not inside {in_root}") from None
        targets.append(out_dir / (rel.with_suffix(suffix) if suffix else rel))
    seen: dict[Path, int] = {}
    for target in targets:
        seen[target] = seen.get(target, 0) + 1
    jobs = []
    for src, target in zip(sources, targets):
        if seen[target] > 1 and suffix:
            target = target.with_name(f"{src.name}{suffix}")
        if target == src:
            raise RtaudioError(f"output would overwrite its input: {src} (choose another output folder)")
        jobs.append(Job(src, target))
    return jobs


def is_up_to_date(job: Job) -> bool:
    """True when every output exists and is at least as new as the input."""
    try:
        in_mtime = job.in_path.stat().st_mtime_ns
        return all(out.stat().st_mtime_ns >= in_mtime for out in job.outputs)
    except OSError:
        return False


def split_up_to_date(jobs: Iterable[Job], overwrite: bool) -> tuple[list[Job], list[Job]]:
    """``(todo, up_to_date)``; with ``overwrite`` everything is to do."""
    todo, done = [], []
    for job in jobs:
        (done if not overwrite and is_up_to_date(job) else todo).append(job)
    return todo, done


def partial_files(job: Job) -> list[Path]:
    """Temporary files an interrupted writer of ``job`` may have left
    (the names :func:`rtaudio.atomicfile.temporary_sibling` gives)."""
    found = []
    for out in job.outputs:
        if out.parent.is_dir():
            # ".*" also matches a writer's own temporary inside the runner's one
            found += out.parent.glob(f".*{glob.escape(out.stem)}.partial-*{glob.escape(out.suffix)}")
    return found
