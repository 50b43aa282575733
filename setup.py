"""setuptools entry point: the CFFI extension and the package layout (metadata is in pyproject.toml)."""
from setuptools import find_packages, setup

# The viewer's sources live in the top-level folder gui/ but are installed as
# rtaudio.gui, for wheels and editable installs alike.
PACKAGES = find_packages(include=["rtaudio", "rtaudio.*"]) + ["rtaudio.gui"]

setup(cffi_modules=["native/build_rtdsp.py:ffibuilder"],
      packages=PACKAGES, package_dir={"rtaudio.gui": "gui"})
