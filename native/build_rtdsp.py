"""CFFI (API mode) build script for rtaudio's native kernels.

setuptools runs it at ``pip install`` through ``cffi_modules`` in setup.py;
``python native/build_rtdsp.py`` builds the extension in place for
development (``make build``).

The cdef is the header ``native/rtdsp.h`` read as-is. Sources:
``native/kernels/*.c`` (one file per kernel, plus ``common.c``) and
``native/engine/*.c`` (the native callback, the rings, the virtual clock);
the headers stay in ``native/``.
"""
from __future__ import annotations

import glob
import os
import sys

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# -O3 without fast-math; no FMA contraction so C, Numba and the float64
# reference follow the same operation order (docs/maths/conventions.md §0.8).
COMPILE_ARGS = ["-O3", "-std=gnu11", "-fno-fast-math", "-ffp-contract=off",
                "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"]




def make_builder(absolute_paths: bool) -> FFI:
    """FFI builder; setuptools wants source paths relative to the project root."""
    def path(p: str) -> str:
        return p if absolute_paths else os.path.relpath(p, ROOT)

    with open(os.path.join(HERE, "rtdsp.h"), encoding="utf-8") as header:
        builder = FFI()
        builder.cdef(header.read())
    builder.set_source(
        "rtaudio._rtdsp",
        "#include <stdint.h>\n#include \"rtdsp.h\"\n",
        sources=sorted(path(p) for sub in ("kernels", "engine")
                        for p in glob.glob(os.path.join(HERE, sub, "*.c"))),
        include_dirs=[path(HERE)],
        extra_compile_args=COMPILE_ARGS,
        libraries=["m"],
    )
    return builder


ffibuilder = make_builder(absolute_paths=False)

if __name__ == "__main__":
    target = make_builder(absolute_paths=True).compile(tmpdir=os.path.join(ROOT, "build", "cffi"), verbose="-v" in sys.argv)
    # compile() leaves the module under build/cffi/rtaudio/; put it in the package.
    import shutil
    dest = os.path.join(ROOT, "rtaudio", os.path.basename(target))
    shutil.copy2(target, dest + ".tmp")
    os.replace(dest + ".tmp", dest)
    for stale in glob.glob(os.path.join(ROOT, "rtaudio", "_rtdsp.*.so")):
        if os.path.abspath(stale) != os.path.abspath(dest):
            os.remove(stale)  # e.g. the abi3 build of `pip install -e .`
    print(f"built {os.path.relpath(dest, ROOT)}")
