"""All the example effects in one module: ``--effects examples/my_effects.py``."""
import importlib.util
import sys
from pathlib import Path

for name in ("tremolo", "echo", "softclip"):
    spec = importlib.util.spec_from_file_location(f"rtaudio_example_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # importable by name, so Numba can cache the kernel
    spec.loader.exec_module(module)
