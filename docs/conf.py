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


#: Reading order of the pages in the side bar. A page listed here appears only
#: once it exists (others write some of them); a page not listed still appears,
#: after these, in alphabetical order. index.md has the placeholders.
PAGE_ORDER = {
    "%%MATHS%%": ["maths/conventions", "maths/gate", "maths/lowpass", "maths/ringmod",
                  "maths/vcf", "maths/yin", "maths/spectrogram", "maths/features",
                  "maths/everyday-effects"],
    "%%GUIDES%%": ["usage", "effects-api", "realtime", "batch", "architecture", "paper",
                   "benchmarks", "latency", "mirrors", "contributing"],
}
#: folders whose pages are listed by a toctree of their own (api/index.md, latency.md)
_OWN_TOCTREE = ("api/", "latency/", "_build/")


def _ordered_pages(placeholder: str) -> list[str]:
    """Every docs/**/*.md page for this toctree: maths/** for the maths, all
    others (outside the folders with their own toctree) for the guides."""
    here = Path(__file__).resolve().parent
    pages = [p.relative_to(here).with_suffix("").as_posix() for p in here.rglob("*.md")]
    pages = [name for name in pages if name != "index" and not name.startswith(_OWN_TOCTREE)]
    in_maths = placeholder == "%%MATHS%%"
    found = sorted(name for name in pages if name.startswith("maths/") == in_maths)
    first = [name for name in PAGE_ORDER[placeholder] if name in found]
    return first + [name for name in found if name not in first]


def _fill_toctrees(app, docname: str, source: list[str]) -> None:
    if docname == "index":
        for placeholder in PAGE_ORDER:
            source[0] = source[0].replace(placeholder, "\n".join(_ordered_pages(placeholder)))


def setup(app):
    app.connect("source-read", _fill_toctrees)
    # index.md lists the pages that exist: re-read it on every build
    app.connect("env-get-outdated", lambda app, env, added, changed, removed: ["index"])
    for event in ("sphinx-click-process-description", "sphinx-click-process-options",
                  "sphinx-click-process-arguments", "sphinx-click-process-epilog"):
        app.connect(event, _escape_stars)
