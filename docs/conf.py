"""Sphinx configuration of the rtaudio documentation (``make docs``).

Pages are Markdown (MyST-Parser); the API reference comes from the NumPy
docstrings (autodoc + napoleon); the CLI page is generated from the click
commands (sphinx-click). No extension fetches anything from the network, so
the build works offline; equations are rendered in the browser by MathJax.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Importing the GUI modules for autodoc must never open a window.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

project = "rtaudio"
author = "the rtaudio developers"
copyright = "the rtaudio developers"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_click",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "**/_build", "Thumbs.db", ".DS_Store"]

# MyST: $...$ / $$...$$ maths, ::: fences, definition lists, and anchors for
# headings down to ### so that "gate.md#14-per-sample-algorithm" resolves.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference: NumPy docstrings, members in source order, type hints in the
# description rather than in long signatures.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True,
                           # the Parameters section of each processor lists them readably
                           "exclude-members": "PARAMS"}
autodoc_mock_imports: list[str] = []

html_theme = "furo"
html_title = "rtaudio"
html_static_path: list[str] = []


def _escape_stars(app, ctx, lines: list[str]) -> None:
    """CLI help is plain text (e.g. ``--pattern '*.wav'``): keep a ``*`` from
    starting reStructuredText emphasis on the generated CLI page."""
    for i, line in enumerate(lines):
        if not line.lstrip().startswith(".."):
            lines[i] = line.replace("*", r"\*")


def setup(app):
    for event in ("sphinx-click-process-description", "sphinx-click-process-options",
                  "sphinx-click-process-arguments", "sphinx-click-process-epilog"):
        app.connect(event, _escape_stars)
