"""Conventions the type checker does not hold: roles are named through the Role enum, never as bare strings."""

from __future__ import annotations

import ast
from pathlib import Path

import safetyplan
from safetyplan.roles import Role

PACKAGE = Path(safetyplan.__file__).parent
ROLE_NAMES = {role.value for role in Role}


def _names_a_role(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name == "role" or name.endswith("_role") or (name == "data" and "role" in ast.unparse(node))


def bare_role_strings(source: str) -> list[str]:
    """Each comparison of a role with a string literal, and each access policy given a literal, in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            literals = [
                element
                for side in sides
                for element in (side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side])
                if isinstance(element, ast.Constant) and element.value in ROLE_NAMES
            ]
            if literals and any(_names_a_role(side) for side in sides):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        is_policy = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "signed_in"
        if is_policy and any(isinstance(arg, ast.Constant) for arg in node.args):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_check_sees_a_bare_role_string():
    assert bare_role_strings('if user.role == "clinician": pass') != []
    assert bare_role_strings('if by.role in ("person", "carer"): pass') != []
    assert bare_role_strings('@signed_in("admin")\ndef f(): pass') != []
    assert bare_role_strings("if user.role == Role.CLINICIAN: pass") == []


def test_no_role_is_compared_with_a_bare_string():
    found = {
        str(path.relative_to(PACKAGE)): hits
        for path in sorted(PACKAGE.rglob("*.py"))
        if (hits := bare_role_strings(path.read_text()))
    }
    assert found == {}, "Use safetyplan.roles.Role: " + repr(found)
