"""Compile a user's C kernel with CFFI at run time, cached by a hash.

The source gets a prelude (``#include <rtaudio_effect.h>``, one
``#define PARAM_<name> i`` / ``STATE_<name> j`` per declaration) and a
``#line 1`` directive, so compiler messages give the line in the user's
own file. The build is cached under ``cache_dir()/c/`` by a hash of the
source, the header, the prelude and the compiler flags
(docs/effects-api.md §8).
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence, Union

from rtaudio.effects.cache import cache_dir, digest, writable_dir
from rtaudio.effects.spec import StateField
from rtaudio.errors import EffectDefinitionError
from rtaudio.params import Param

#: rtaudio's flags for user C kernels: optimised, IEEE arithmetic (no fast-math)
C_FLAGS = ("-O3", "-std=gnu11", "-fno-fast-math", "-ffp-contract=off", "-fno-math-errno", "-fPIC",
           "-Wall", "-Wno-unused-parameter", "-Wno-unused-function")
_MAX_MESSAGE_LINES = 12
#: the signatures the shim calls (docs/effects-api.md §6); the block pointer may omit `const`
PROCESS_SIGNATURE = "void {name}(const rtd_effect_block *b, float *buf, int frames, int channels)"
RESET_SIGNATURE = "void {name}(const rtd_effect_block *b)"
_SIGNATURE_ORIGIN = "<rtaudio signature check>"
_TEXT_ORIGIN = "<c_effect source>"  # compiler messages' name for source given as text
#: part of the cache key: bumped when the checks a build must pass change,
#: so that builds made without them are checked again
_BUILD_CHECKS = 2


def include_dir() -> str:
    """The folder holding ``rtaudio_effect.h`` (pass it as ``-I`` to compile a C effect yourself)."""
    return str(Path(__file__).resolve().parent / "include")


def header_text() -> str:
    """The text of ``rtaudio_effect.h``."""
    return (Path(include_dir()) / "rtaudio_effect.h").read_text(encoding="utf-8")


def _read_source(source: Union[str, os.PathLike]) -> tuple[str, str]:
    """(text, origin shown in compiler messages)."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                           and source.strip().endswith((".c", ".h"))):
        path = Path(source)
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise EffectDefinitionError(f"cannot read C source {str(path)!r}: {exc.strerror}") from None
    if not isinstance(source, str):
        raise EffectDefinitionError(f"source must be C source text or a path, got {type(source).__name__}")
    return source, _TEXT_ORIGIN


_QUOTED_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)


def _local_headers(text: str, folder: Path, seen: Optional[set] = None) -> list[tuple[str, str]]:
    """(path, text) of the headers the source includes with quotes from its
    own folder, transitively: part of the cache key, so editing one rebuilds."""
    seen = set() if seen is None else seen
    found = []
    for name in _QUOTED_INCLUDE.findall(text):
        path = (folder / name).resolve()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        header = path.read_text(encoding="utf-8", errors="replace")
        found.append((str(path), header))
        found += _local_headers(header, path.parent, seen)
    return found


def _prelude(params: Sequence[Param], state: Sequence[StateField], origin: str) -> str:
    lines = ["#include <stdint.h>", "#include <math.h>", "#include \"rtaudio_effect.h\""]
    lines += [f"#define PARAM_{p.name} {i}" for i, p in enumerate(params)]
    lines += [f"#define STATE_{f.name} {j}" for j, f in enumerate(state)]
    origin_c = origin.replace("\\", "\\\\").replace('"', '\\"')
    lines.append(f'#line 1 "{origin_c}"')
    return "\n".join(lines) + "\n"


def _compiler() -> list[str]:
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return cc.split()


def _signature_check(function: str, reset_function: Optional[str]) -> str:
    """C appended to the source for the syntax check only: each named
    function must exist with the signature the shim calls it with (CFFI's
    build would otherwise fail with its own generated code's messages, or,
    for a wrong pointer type, succeed and misread the buffer)."""
    lines = [f'#line 1 "{_SIGNATURE_ORIGIN}"']
    for name, args in ((function, "rtd_effect_block *, float *, int, int"),
                       (reset_function, "rtd_effect_block *")):
        if name:
            lines.append(f"_Static_assert(__builtin_types_compatible_p(__typeof__(&{name}), void (*)(const {args}))"
                         f" || __builtin_types_compatible_p(__typeof__(&{name}), void (*)({args})),"
                         f' "rtaudio-signature:{name}");')
    return "\n".join(lines) + "\n"


def _signature_problems(errors: Sequence[str], function: str, reset_function: Optional[str]) -> list[str]:
    """What the signature check's compiler errors mean, in words."""
    problems = []
    for name, signature in ((function, PROCESS_SIGNATURE), (reset_function, RESET_SIGNATURE)):
        if not name:
            continue
        if any("undeclared" in line and f"'{name}'" in line for line in errors):
            problems.append(f"the source defines no function {name!r}")
        elif any(re.search(rf"rtaudio-signature:{name}(?!\w)", line) for line in errors):  # gcc quotes it, clang not
            problems.append(f"{name}() must be {signature.format(name=name)}")
    return problems


def _check_syntax(effect: str, text: str, origin: str, flags: Sequence[str], function: str,
                  reset_function: Optional[str], include_dirs: Sequence[str]) -> None:
    """Run the compiler once on the source to get its own messages (CFFI's
    build would bury them in a traceback), and check the functions'
    signatures."""
    with tempfile.TemporaryDirectory(prefix="rtfx-") as tmp:
        src = Path(tmp) / "effect.c"
        src.write_text(text + _signature_check(function, reset_function), encoding="utf-8")
        includes = [arg for folder in include_dirs for arg in ("-I", folder)]
        cmd = [*_compiler(), *flags, *includes, "-fsyntax-only", str(src)]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                                    env=dict(os.environ, LC_ALL="C"))  # plain ASCII quotes
        except FileNotFoundError:
            raise EffectDefinitionError(f"effect {effect!r}: no C compiler found ({cmd[0]!r}); install one "
                                        f"(e.g. gcc) or set CC") from None
        if result.returncode != 0:
            messages = [line for line in result.stderr.splitlines()
                        if re.search(r"(error|warning):", line) or line.startswith(" ")]
            errors = [line for line in messages if "error:" in line] or messages or [result.stderr.strip()]
            own = [line for line in errors if not line.startswith(_SIGNATURE_ORIGIN)]
            problems = [] if own else _signature_problems(errors, function, reset_function)
            if problems:
                raise EffectDefinitionError(f"effect {effect!r}: {'; '.join(problems)}")
            text = " | ".join(line.strip() for line in (own or errors)[:_MAX_MESSAGE_LINES])
            raise EffectDefinitionError(f"effect {effect!r}: the C compiler rejected the source: {text}")


class CompiledCKernel:
    """A loaded CFFI extension module and the addresses of its functions."""

    def __init__(self, module, function: str, reset_function: Optional[str], seconds: float,
                 cached: bool) -> None:
        self.module = module
        ffi, lib = module.ffi, module.lib
        self.address = int(ffi.cast("uintptr_t", ffi.addressof(lib, function)))
        self.reset_address = (int(ffi.cast("uintptr_t", ffi.addressof(lib, reset_function)))
                              if reset_function else 0)
        self.seconds = seconds
        self.cached = cached


def _load_extension(module_name: str, path: Path):
    if module_name in sys.modules:
        return sys.modules[module_name]
    loader = importlib.machinery.ExtensionFileLoader(module_name, str(path))
    spec = importlib.util.spec_from_file_location(module_name, str(path), loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[module_name] = module
    return module


def compile_c_kernel(effect: str, source: Union[str, os.PathLike], function: str,
                     reset_function: Optional[str], params: Sequence[Param], state: Sequence[StateField],
                     extra_flags: Sequence[str] = ()) -> CompiledCKernel:
    """Build (or load from the cache) the CFFI module of a C effect."""
    import cffi

    start = time.perf_counter()
    text, origin = _read_source(source)
    flags = (*C_FLAGS, *extra_flags)
    full = _prelude(params, state, origin) + text + "\n"
    # a source file's own folder is searched for its "headers" (after rtaudio's)
    include_dirs = [include_dir()] + ([str(Path(origin).resolve().parent)] if origin != _TEXT_ORIGIN else [])
    headers = _local_headers(text, Path(include_dirs[-1])) if len(include_dirs) > 1 else []
    key = digest(full, header_text(), headers, flags, function, reset_function, cffi.__version__,
                 sysconfig.get_config_var("EXT_SUFFIX"), _compiler(), _BUILD_CHECKS)[:20]
    slug = re.sub(r"\W", "_", effect)
    module_name = f"_rtfx_c_{slug}_{key}"
    folder, _ = writable_dir(cache_dir() / "c")
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    target = folder / f"{module_name}{suffix}"
    cached = target.exists()
    if not cached:
        _check_syntax(effect, full, origin, flags, function, reset_function, include_dirs)
        ffi = cffi.FFI()
        decls = ["typedef struct rtd_effect_block rtd_effect_block;",
                 PROCESS_SIGNATURE.format(name=function) + ";"]
        if reset_function:
            decls.append(RESET_SIGNATURE.format(name=reset_function) + ";")
        ffi.cdef("\n".join(decls))
        ffi.set_source(module_name, full, include_dirs=include_dirs, extra_compile_args=list(flags),
                       libraries=["m"])
        with tempfile.TemporaryDirectory(prefix="rtfx-build-", dir=folder) as tmp:
            try:
                built = ffi.compile(tmpdir=tmp, verbose=False)
            except Exception as exc:  # cffi.VerificationError, distutils/setuptools errors
                raise EffectDefinitionError(f"effect {effect!r}: building the C effect failed: "
                                            f"{str(exc).strip().splitlines()[-1]}") from None
            staged = folder / f".{module_name}.{os.getpid()}.tmp"
            shutil.copy2(built, staged)
            os.replace(staged, target)
    try:
        module = _load_extension(module_name, target)
        compiled = CompiledCKernel(module, function, reset_function, time.perf_counter() - start, cached)
    except (ImportError, AttributeError) as exc:
        raise EffectDefinitionError(f"effect {effect!r}: cannot load the compiled C effect: {exc}") from None
    return compiled
