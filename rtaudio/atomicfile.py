"""Atomic output files: write under a temporary name, rename when complete.

Every file rtaudio writes (sound files, images, CSV/JSON, presets,
screenshots) goes through :func:`atomic_path`, so an error or Ctrl-C never
leaves a half-written file under the final name.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

from rtaudio.errors import RtaudioError


def temporary_sibling(out_path: Path) -> Path:
    """The temporary name used for ``out_path`` (hidden, same folder and suffix)."""
    return out_path.with_name(f".{out_path.stem}.partial-{os.getpid()}{out_path.suffix}")


def final_path_of(path: Union[str, os.PathLike]) -> Path:
    """The final name of a :func:`temporary_sibling` (any other path unchanged):
    a task handed the temporary name can name its side files after the output."""
    path = Path(path)
    match = re.fullmatch(r"\.(.+)\.partial-\d+", path.stem)
    return path.with_name(match[1] + path.suffix) if match else path


@contextmanager
def atomic_path(out_path: Union[str, os.PathLike]) -> Iterator[Path]:
    """Yield a temporary path next to ``out_path``; on success rename it over
    ``out_path``, on any exception delete it.

    Raises
    ------
    RtaudioError
        If the folder does not exist, or writing/renaming fails with an
        ``OSError`` (the message names the path and the reason).
    """
    out_path = Path(out_path)
    if out_path.is_dir():
        raise RtaudioError(f"output is a directory: {out_path}")
    if not out_path.parent.is_dir():
        raise RtaudioError(f"output directory does not exist: {out_path.parent}")
    tmp = temporary_sibling(out_path)
    try:
        yield tmp
        os.replace(tmp, out_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RtaudioError(f"cannot write {out_path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
