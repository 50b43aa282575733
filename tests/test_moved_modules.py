"""Old import paths of moved modules keep working for one release, with a
DeprecationWarning naming the new path, and give the very same module."""
from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

from rtaudio._moved import MOVED_MODULES


@pytest.mark.parametrize("old,new", sorted(MOVED_MODULES.items()))
def test_old_path_is_the_new_module_with_a_warning(old, new):
    # a fresh interpreter: the warning is raised once per process, at first import
    parent = old.rpartition(".")[0]
    code = (
        "import warnings, importlib, sys\n"
        "import rtaudio\n"
        + (f"warnings.simplefilter('ignore')\nimportlib.import_module({parent!r})\n"
           if parent in MOVED_MODULES else "")
        + "warnings.simplefilter('error', DeprecationWarning)\n"
        + f"try:\n    importlib.import_module({old!r})\nexcept DeprecationWarning as w:\n"
        "    print('WARNED', w)\n"
        + "warnings.simplefilter('ignore')\n"
        + f"a = importlib.import_module({old!r}); b = importlib.import_module({new!r})\n"
        + "print('SAME', a is b, a.__name__, a.__spec__.name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"WARNED {old} moved to {new}" in out.stdout
    assert f"SAME True {new} {new}" in out.stdout


def test_from_import_of_an_old_path_gives_the_same_objects():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from rtaudio.backends.virtual import VirtualBackend as old_class
    from rtaudio.engine.backends.virtual import VirtualBackend
    assert old_class is VirtualBackend


def test_unknown_old_names_are_not_invented():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("rtaudio.no_such_module")
