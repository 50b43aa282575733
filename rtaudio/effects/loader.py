"""Import a user's module of effects (``rtaudio live --effects my_effects.py``)."""
from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

from rtaudio.errors import EffectDefinitionError, RtaudioError


def load_effects_file(path: os.PathLike | str) -> list[str]:
    """Import the Python file ``path`` so the effects it defines register.

    Returns the chain names of the user effects it defined. Any failure
    (missing file, syntax error, exception at import, an effect that does
    not compile) raises ``rtaudio.errors.RtaudioError`` with one line that
    names the file and the reason (the CLI prints it and exits 1).
    """
    from rtaudio.effects.user_processor import UserEffect
    from rtaudio.processor import Processor

    file = Path(path)
    if not file.is_file():
        raise RtaudioError(f"--effects {str(file)!r}: no such file")
    before = {name: cls for name, cls in Processor._registry.items()}
    module_name = "rtaudio_user_effects_" + re.sub(r"\W", "_", file.resolve().stem)
    spec = importlib.util.spec_from_file_location(module_name, file)
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except EffectDefinitionError as exc:
        sys.modules.pop(module_name, None)
        raise RtaudioError(f"--effects {str(file)!r}: {exc}") from None
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise RtaudioError(f"--effects {str(file)!r}: syntax error at line {exc.lineno}: {exc.msg}") from None
    except BaseException as exc:  # the user's module may raise anything at import
        sys.modules.pop(module_name, None)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        line = _user_line(exc, file)
        raise RtaudioError(f"--effects {str(file)!r}: import failed{line}: {type(exc).__name__}: {exc}") from None
    return [name for name, cls in Processor._registry.items()
            if issubclass(cls, UserEffect) and before.get(name) is not cls and name == cls.chain_name]


def _user_line(exc: BaseException, file: Path) -> str:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve() == file.resolve():
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" at line {line}" if line else ""


def ensure_effects_loaded(paths: "tuple[str, ...] | list[str]") -> None:
    """``load_effects_file`` for each path not imported yet in this process
    (batch workers: the files named by ``--effects`` on the command line)."""
    for path in paths:
        module_name = "rtaudio_user_effects_" + re.sub(r"\W", "_", Path(path).resolve().stem)
        if module_name not in sys.modules:
            load_effects_file(path)
