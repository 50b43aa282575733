"""Preset files for the viewer: the same TOML format as the CLI's ``--preset``.

Saving writes :func:`rtaudio.chain_spec.preset_text` under a temporary
name in the target folder and renames it, so an existing preset is never
left half-written; loading is :func:`rtaudio.chain_spec.load_preset`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Union

from rtaudio.atomicfile import atomic_path
from rtaudio.chain import Chain
from rtaudio.chain_spec import load_preset, preset_text

PRESET_FILTER = "rtaudio presets (*.toml);;All files (*)"


def save_preset(chain: Chain, path: Union[str, Path]) -> Path:
    """Write ``chain`` as a TOML preset to ``path`` (atomically); returns the path.

    Raises
    ------
    RtaudioError
        If the file cannot be written (names the path and the reason).
    """
    path = Path(path)
    if path.suffix == "":
        path = path.with_suffix(".toml")
    text = preset_text(chain)
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return path


def open_preset(path: Union[str, Path], backend: str = "c") -> Chain:
    """Read a preset file into a new chain (``RtaudioError`` on a bad file)."""
    return load_preset(path, backend=backend)
