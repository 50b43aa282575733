"""Load the user-effect examples in examples/ (once per test session)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
_loaded: dict[str, object] = {}


def example(name: str):
    """The module examples/<name>.py, imported once (its effects register)."""
    if name not in _loaded:
        spec = importlib.util.spec_from_file_location(f"rtaudio_example_{name}", EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # importable by name: Numba's disk cache needs it
        spec.loader.exec_module(module)
        _loaded[name] = module
    return _loaded[name]
