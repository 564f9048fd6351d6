"""The layers stay as drawn (import-linter): commands over services over adapters, and
inside the services the nouns in their order; and no module imports itself back."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_layer_contract_is_kept():
    script = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("import-linter is not installed")
    done = subprocess.run([script, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def _cycles(graph) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    """Imports inside functions count too: a cycle hidden in a function is still one
    module needing the other both ways round."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("medisup", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle():
    class Graph:
        modules = {"a", "b", "c"}

        @staticmethod
        def find_modules_directly_imported_by(module):
            return {"a": {"b"}, "b": {"a"}, "c": {"a"}}[module]

    assert _cycles(Graph()) == [["a", "b"]]


def test_long_modules_say_why():
    """A module of more than ~400 lines states at its top why it is one module."""
    import ast

    unexplained = []
    for path in sorted((ROOT / "medisup").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= 410:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if not any(phrase in doc for phrase in ("Over 400 lines", "Over 600 lines",
                                                 "Longer than most modules")):
            unexplained.append(str(path.relative_to(ROOT)))
    assert unexplained == []
