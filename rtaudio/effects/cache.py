"""Where compiled user effects are kept between runs (docs/effects-api.md §8)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: bump when the generated code or the ABI changes: old cache entries are then ignored
CACHE_FORMAT = 1


def cache_dir() -> Path:
    """The on-disk cache of compiled user effects.

    ``$RTAUDIO_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/rtaudio`` or
    ``~/.cache/rtaudio``. Deleting it is always safe (effects are then
    compiled again).
    """
    explicit = os.environ.get("RTAUDIO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rtaudio"


def writable_dir(preferred: Path) -> tuple[Path, bool]:
    """``preferred`` (created if needed) and True, or a fresh temporary
    folder and False when ``preferred`` cannot be written (a read-only home:
    effects then compile on every run)."""
    try:
        preferred.mkdir(parents=True, exist_ok=True)
        probe = preferred / f".probe.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return preferred, True
    except OSError:
        import atexit
        import shutil
        import tempfile
        folder = tempfile.mkdtemp(prefix="rtaudio-effects-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return Path(folder), False


def digest(*parts: object) -> str:
    """Hex SHA-256 of the parts (each as its ``repr``), with the cache format."""
    h = hashlib.sha256(repr(CACHE_FORMAT).encode())
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so
    that a concurrent reader sees the old or the whole new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
