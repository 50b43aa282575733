"""The documentation builds without warnings, and every citation of a docs
page in the code points at a page and section that exist.

Code comments cite the maths as ``docs/maths/gate.md §1.4``: the page must
exist and have a heading numbered 1.4 (docs/contributing.md, "Where the maths
lives").
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CODE_DIRS = ("rtaudio", "native", "gui", "tests", "benchmarks", "tools")
CODE_SUFFIXES = {".py", ".c", ".h", ".sh", ".toml"}

#: ``docs/<page>.md`` optionally followed by ``§1.4`` or a range ``§5.2–5.3``
CITATION = re.compile(r"docs/([\w./-]+?\.md)(?:\s*§\s*([0-9]+(?:\.[0-9]+[a-z]?)*)"
                      r"(?:\s*[–-]\s*([0-9]+(?:\.[0-9]+[a-z]?)*))?)?")


def _code_files() -> list[Path]:
    files = []
    for top in CODE_DIRS:
        files += [p for p in (ROOT / top).rglob("*")
                  if p.suffix in CODE_SUFFIXES and p.is_file() and "_build" not in p.parts]
    return files


def _citations() -> dict[tuple[str, str], list[str]]:
    """(page, section or "") -> ["file:line", ...]"""
    found: dict[tuple[str, str], list[str]] = {}
    for path in _code_files():
        if path == Path(__file__):
            continue
        for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for match in CITATION.finditer(line):
                page, first, last = match.groups()
                where = f"{path.relative_to(ROOT)}:{lineno}"
                for section in filter(None, (first, last)) if first else ("",):
                    found.setdefault((page, section), []).append(where)
    return found


def _section_numbers(page: Path) -> set[str]:
    """Numbers that start a Markdown heading: '## 1.4 Per-sample' -> '1.4'."""
    numbers = set()
    for line in page.read_text().splitlines():
        match = re.match(r"#{1,6}\s+§?([0-9]+(?:\.[0-9]+[a-z]?)*)\.?\s", line)
        if match:
            numbers.add(match.group(1))
    return numbers


def test_citation_pattern_reads_the_documented_forms():
    line = "x  # docs/maths/gate.md §1.4; docs/maths/yin.md §5.2–5.3, docs/benchmarks.md"
    got = [m.groups() for m in CITATION.finditer(line)]
    assert got == [("maths/gate.md", "1.4", None), ("maths/yin.md", "5.2", "5.3"),
                   ("benchmarks.md", None, None)]


def test_code_cites_no_file_outside_the_repository():
    outside = re.compile(r"specs/effects\.md|shared/DESIGN|\.\./shared/")
    bad = [f"{p.relative_to(ROOT)}:{n}" for p in _code_files()
           for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
           if outside.search(line) and p != Path(__file__)]
    # Files being rewritten on other branches are converted when they land.
    pending = ("native/kernels/vcf.c", "native/kernels/ringmod.c", "rtaudio/processors/vcf.py",
               "rtaudio/processors/ringmod.py", "rtaudio/kernels/reference/vcf.py",
               "rtaudio/kernels/reference/ringmod.py", "rtaudio/kernels/numba/vcf.py",
               "rtaudio/kernels/numba/ringmod.py")
    bad = [b for b in bad if not b.startswith(pending)]
    assert not bad, "cite docs/ instead: " + ", ".join(bad)


def test_every_cited_docs_section_exists():
    citations = _citations()
    assert citations, "no docs/ citation found in the code: the pattern is wrong"
    missing_pages: dict[str, list[str]] = {}
    missing_sections = []
    for (page, section), where in sorted(citations.items()):
        path = DOCS / page
        if not path.is_file():
            missing_pages.setdefault(page, []).extend(where)
        elif section and section not in _section_numbers(path):
            missing_sections.append(f"docs/{page} §{section} (cited at {', '.join(where)})")
    assert not missing_sections, "; ".join(missing_sections)
    if missing_pages:  # a page another branch is writing: checked once it lands
        pytest.skip("pages not in this tree yet: " + "; ".join(
            f"docs/{p} (cited at {', '.join(w[:2])})" for p, w in missing_pages.items()))


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx", reason="the docs extra is not installed")
    pytest.importorskip("myst_parser", reason="the docs extra is not installed")
    out = tmp_path / "html"
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert build.returncode == 0, (build.stdout + build.stderr)[-5000:]
    for page in ("index", "maths/gate", "maths/yin", "api/processors", "api/cli"):
        assert (out / f"{page}.html").is_file(), page
    # the CLI page is generated from the click commands: every subcommand is there
    cli_page = (out / "api" / "cli.html").read_text()
    from rtaudio.cli import COMMANDS
    missing = [name for name in COMMANDS if f'id="rtaudio-{name}"' not in cli_page]
    assert not missing, missing


def test_documented_modules_export_what_their_all_names():
    """autodoc silently skips a name in ``__all__`` that the module lacks, so a
    stale ``__all__`` would drop functions from the API reference unnoticed
    (and break ``from module import *``)."""
    import importlib
    modules = sorted({m for page in (DOCS / "api").glob("*.md")
                      for m in re.findall(r"^\.\. automodule:: ([\w.]+)", page.read_text(), re.M)})
    assert "rtaudio.processors.gate" in modules, modules
    missing = {}
    for name in modules:
        module = importlib.import_module(name)
        absent = [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
        if absent:
            missing[name] = absent
    assert not missing, missing
