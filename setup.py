"""setuptools entry point: only the CFFI extension lives here (metadata is in pyproject.toml)."""
from setuptools import setup

setup(cffi_modules=["native/build_rtdsp.py:ffibuilder"])
