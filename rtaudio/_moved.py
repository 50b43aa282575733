"""Old import paths of modules that moved into subpackages (kept for one release).

``import rtaudio.monitor`` still works and returns the very module object
``rtaudio.engine.monitor``, with a :class:`DeprecationWarning` naming the new
path. The table is the whole record of the move (docs/architecture.md).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import Optional, Sequence

MOVED_MODULES = {
    "rtaudio.native_engine": "rtaudio.engine.native",
    "rtaudio.pycallback": "rtaudio.engine.pycallback",
    "rtaudio.recorder": "rtaudio.engine.recorder",
    "rtaudio.monitor": "rtaudio.engine.monitor",
    "rtaudio.devices": "rtaudio.engine.devices",
    "rtaudio.worker": "rtaudio.engine.worker",
    "rtaudio.backends": "rtaudio.engine.backends",
    "rtaudio.backends.pyaudio_backend": "rtaudio.engine.backends.pyaudio_backend",
    "rtaudio.backends.sounddevice_backend": "rtaudio.engine.backends.sounddevice_backend",
    "rtaudio.backends.virtual": "rtaudio.engine.backends.virtual",
    "rtaudio.spectrogram": "rtaudio.analysis.spectrogram",
    "rtaudio.spectrogram_image": "rtaudio.analysis.images",
    "rtaudio.pitchtrack": "rtaudio.analysis.pitch",
    "rtaudio.loads": "rtaudio.bench.loads",
    "rtaudio.report": "rtaudio.bench.report",
    "rtaudio.jackserver": "rtaudio.bench.jackserver",
    "rtaudio.processors.yin_ring": "rtaudio.engine.rings",
}


class _AliasLoader(importlib.abc.Loader):
    """Hands out the already imported new module under its old name."""

    def __init__(self, new_name: str) -> None:
        self.new_name = new_name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.new_name)
        self._own = {key: getattr(module, key) for key in ("__name__", "__spec__", "__loader__",
                                                           "__package__", "__file__", "__path__")
                     if hasattr(module, key)}
        return module

    def exec_module(self, module: ModuleType) -> None:
        # the import system stamped the alias spec on the module; give it its own back
        for key, value in self._own.items():
            setattr(module, key, value)


class _MovedModuleFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None,
                  target: Optional[ModuleType] = None) -> Optional[importlib.machinery.ModuleSpec]:
        new_name = MOVED_MODULES.get(fullname)
        if new_name is None:
            return None
        warnings.warn(f"{fullname} moved to {new_name}; the old path will be removed "
                      f"in the next release", DeprecationWarning, stacklevel=2)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(new_name),
                                              is_package=new_name.endswith("backends"))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedModuleFinder())
