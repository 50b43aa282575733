"""setuptools entry point: the native extensions and the package layout (metadata is in pyproject.toml).

- ``rtaudio._rtdsp``: the C kernels, CFFI API mode (``native/build_rtdsp.py``).
- ``rtaudio._blockcall``: the per-block call into those kernels from Python
  (``native/python/blockcall.c``, CPython + NumPy C API).
"""
import numpy
from setuptools import Extension, find_packages, setup

# The viewer's sources live in the top-level folder gui/ but are installed as
# rtaudio.gui, for wheels and editable installs alike.
PACKAGES = find_packages(include=["rtaudio", "rtaudio.*"]) + ["rtaudio.gui"]

BLOCKCALL = Extension(
    "rtaudio._blockcall",
    sources=["native/python/blockcall.c"],
    include_dirs=[numpy.get_include()],
    extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wextra"],
)

setup(cffi_modules=["native/build_rtdsp.py:ffibuilder"], ext_modules=[BLOCKCALL],
      packages=PACKAGES, package_dir={"rtaudio.gui": "gui"},
      # the C header of user effects (rtaudio.effects.include_dir())
      package_data={"rtaudio.effects": ["include/*.h"]})
