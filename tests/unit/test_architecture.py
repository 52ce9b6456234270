"""The structure the import contracts in pyproject.toml do not see: imports hidden inside functions.

An import inside a function hides a dependency from lint-imports' reading of each module's top, and is the usual
way to dodge a cycle the layers should have removed. One is allowed only as a real lazy load, with a comment on
the line above that starts "Imported here because" and says why.
"""

from __future__ import annotations

import ast
from pathlib import Path

import safetyplan

PACKAGE = Path(safetyplan.__file__).parent
REASON = "# Imported here because"
#: Each allowed import inside a function, by module: a new one needs a reason in the code and a line here.
ALLOWED = {"safetyplan/__init__.py": 1, "safetyplan/exchange/pdf.py": 1}


def imports_inside_functions(source: str) -> list[int]:
    """The line numbers of the imports that sit inside a function in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.extend(inner.lineno for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom))
    return sorted(set(found))


def has_reason(lines: list[str], lineno: int) -> bool:
    """Whether the comment just above the import (one or more comment lines) starts with the reason."""
    above = lineno - 2
    while above >= 0 and lines[above].strip().startswith("#"):
        if lines[above].strip().startswith(REASON):
            return True
        above -= 1
    return False


def test_imports_inside_functions_are_only_the_counted_lazy_loads():
    counts: dict[str, int] = {}
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE.parent).as_posix()
        lines = source.splitlines()
        for lineno in imports_inside_functions(source):
            counts[name] = counts.get(name, 0) + 1
            if not has_reason(lines, lineno):
                unexplained.append(f"{name}:{lineno}")
    assert not unexplained, f"imports inside functions without a '{REASON} ...' comment: {unexplained}"
    assert counts == ALLOWED


def test_the_count_sees_an_import_inside_a_function_and_its_reason():
    source = (
        "import os\n\ndef f():\n    # Imported here because it is slow to load.\n    import json\n\n"
        "def g():\n    import re\n"
    )
    assert imports_inside_functions(source) == [5, 8]
    lines = source.splitlines()
    assert has_reason(lines, 5) and not has_reason(lines, 8)
