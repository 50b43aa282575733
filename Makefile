# rtaudio: set-up, run, test, benchmark.  `make run` and `make test` work on a
# fresh machine: they install system packages (as root), create .venv and
# pip-install the project with its extras.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.rtaudio-installed
EXTRAS ?= all

.PHONY: setup system-deps run test bench build docs clean

setup: system-deps $(STAMP)

system-deps:
	@bash tools/system-deps.sh

$(STAMP): pyproject.toml setup.py native/kernels/*.c native/engine/*.c native/*.h native/python/*.c native/build_rtdsp.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q -e ".[$(EXTRAS)]"
	@touch $(STAMP)

## The main job (see README).
run: setup
	$(VENV)/bin/rtaudio live --duration 10

## The whole test suite (what CI runs).
test: setup
	$(PY) -m pytest -q $(PYTEST_ARGS)

## Kernel benchmarks (prints tables; see docs/benchmarks.md).
bench: setup
	$(PY) benchmarks/bench_kernels.py

## Rebuild the C extensions in place after editing native/ (serialised with flock).
build:
	flock /tmp/rtaudio-build.lock $(PY) setup.py -q build_ext --inplace

## The documentation (Sphinx + MyST): HTML in docs/_build/html; any warning is an error.
docs: setup
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

clean:
	rm -rf build dist docs/_build *.egg-info rtaudio/_rtdsp*.so rtaudio/_rtdsp.c rtaudio/_blockcall*.so
