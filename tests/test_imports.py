"""Import hygiene: every module imports alone, and no import cycles at import time.

The graph is built from the module-level ``import`` statements (``ast``;
imports inside functions and under ``if TYPE_CHECKING`` do not run at import
time and are left out). The viewer's sources (``gui/``) are the subpackage
``rtaudio.gui``.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = {"rtaudio": ROOT / "rtaudio", "rtaudio.gui": ROOT / "gui"}
#: old import paths (rtaudio/_moved.py) are aliases, not modules of their own
SKIP = {"rtaudio.__main__"}


def module_files() -> dict[str, Path]:
    """``{dotted module name: file}`` for every module of the package."""
    modules = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join([package, *parts])
            if name not in SKIP and not (package == "rtaudio" and parts[:1] == ["gui"]):
                modules[name] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_level_imports(tree: ast.Module):
    """Import nodes that run when the module is imported (not in functions)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                stack.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            stack.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                stack.extend(handler.body)
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            stack.extend(node.body)
        elif isinstance(node, ast.ClassDef):
            stack.extend(node.body)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Edges module -> rtaudio modules it imports at import time."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = []
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]):
    """One import cycle as a list of modules, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_graph_finds_a_cycle_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_relative_and_package_imports_resolve(tmp_path):
    modules = module_files()
    graph = import_graph(modules)
    assert "rtaudio.engine.rings" in graph["rtaudio.engine.monitor"]
    assert "rtaudio.gui.source" in graph["rtaudio.gui.engine_source"]   # `from .source import`


def test_no_import_cycles_among_rtaudio_modules():
    cycle = find_cycle(import_graph(module_files()))
    assert cycle is None, " -> ".join(cycle)


def test_python_mode_and_the_recorder_do_not_need_the_native_engine():
    graph = import_graph(module_files())
    for start in ("rtaudio.engine.pycallback", "rtaudio.engine.recorder", "rtaudio.engine.monitor"):
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(graph[node])
        assert "rtaudio.engine.native" not in seen, start


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")

    def import_alone(name: str):
        run = subprocess.run([sys.executable, "-W", "error::DeprecationWarning:rtaudio",
                              "-c", f"import {name}"],
                             capture_output=True, text=True, env=env, timeout=300)
        return name, run.returncode, run.stderr.strip().splitlines()[-1:] or [""]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(import_alone, sorted(module_files())))
    failed = [f"{name}: {err[0]}" for name, code, err in results if code != 0]
    assert not failed, "\n".join(failed)
