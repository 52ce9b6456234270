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


# What a route calls --------------------------------------------------------------------------------------------

#: Functions a route may call that take no acting user, each for a reason a reviewer can check. Everything else a
#: route calls from a domain package takes ``by=``, keyword-only, so that the service checks access for the object
#: asked for. (Helpers of the web layer itself, forms, presenters, sections and content shapes are not services.)
NO_ACTOR = {
    # No one is signed in yet: the caller is who the credentials say, and the service checks them.
    "safetyplan.accounts.signin.authenticate",
    "safetyplan.accounts.users.get_user",  # the account waiting for its second factor, from the signed session
    "safetyplan.accounts.credentials.set_password_with_token",
    "safetyplan.sharing.invitations.create_carer_account",
    "safetyplan.sharing.invitations.check_invitation",
    # An NHS identity service vouches for who is signing in; the service checks its tokens, then finds the account.
    "safetyplan.identity.services.service_at",
    "safetyplan.identity.services.start",
    "safetyplan.identity.services.finish",
    "safetyplan.identity.services.account_for",
    "safetyplan.identity.services.accept_with_nhs_login",
    "safetyplan.identity.services.end_session_url",
    "safetyplan.identity.services.connect_with_link",
    # The holder of a set-password link, before any sign-in: the link's code is the credential.
    "safetyplan.accounts.credentials.user_for_set_password_token",
    # Pure: reads nothing, or only what is not anyone's (a new secret, a QR code, a file's kind, a suggested date).
    "safetyplan.accounts.second_factor.new_totp_secret",
    "safetyplan.accounts.second_factor.totp_uri",
    "safetyplan.assurance.documents.kind_of",
    "safetyplan.plans.reviews.suggested_review_date",
    "safetyplan.sharing.consent.suggested_sections",
    "safetyplan.assurance.runchart.describe",
    "safetyplan.assurance.runchart.svg",
    "safetyplan.exchange.questionnaires.questionnaire",  # the questions of a registry version: no one's data
    "safetyplan.health.check",
    # The device asks by its own random id, signed in or not: it learns only whether to keep its copy.
    "safetyplan.offline.devices.device_status",
    # The national crisis lines on the offline page, which is public and the same for everyone.
    "safetyplan.offline.devices.offline_page_crisis_lines",
}
NOT_SERVICES = (
    "forms",
    "presenters",
    "access",
    "locale",
    "session",
    "navigation",
    "security",
    "errors",
    "config",
    "content",
    "sections",
    "identifiers",
    "wording",
    "passwords",
    "templating",
    "messages",
    "uploads",  # a decorator on a view: how large a body the page takes
    "measures",  # counts over a team, never a person: the auditor-only route policy is their check
    "metrics",  # counts over the service, never a person: the metrics token is their check
)


def functions_routes_call() -> dict[str, set[str]]:
    """Dotted name of each module-level function of safetyplan a route calls -> the route modules calling it."""
    import importlib
    import inspect

    calls: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("routes.py")):
        tree = ast.parse(path.read_text())
        names = {
            alias.asname or alias.name: (node.module, alias.name)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("safetyplan")
            for alias in node.names
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in names:
                module, attribute = names[func.value.id]
                target = (f"{module}.{attribute}", func.attr)
            elif isinstance(func, ast.Name) and func.id in names:
                target = names[func.id]
            else:
                continue
            try:
                owner = importlib.import_module(target[0])
            except ImportError:
                continue
            function = getattr(owner, target[1], None)
            if inspect.isfunction(function) and not target[1].startswith("_"):
                dotted = f"{function.__module__}.{function.__name__}"
                calls.setdefault(dotted, set()).add(str(path.relative_to(PACKAGE)))
    return calls


def test_every_service_a_route_calls_takes_the_acting_user_keyword_only():
    import importlib
    import inspect

    wrong = []
    for dotted, callers in sorted(functions_routes_call().items()):
        module_name, _, name = dotted.rpartition(".")
        if module_name.rpartition(".")[2] in NOT_SERVICES or dotted in NO_ACTOR:
            continue
        parameter = inspect.signature(getattr(importlib.import_module(module_name), name)).parameters.get("by")
        if parameter is None or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            wrong.append(f"{dotted} (called from {', '.join(sorted(callers))})")
    assert wrong == []


def test_the_route_walk_sees_the_services_routes_call():
    calls = functions_routes_call()
    assert "safetyplan.plans.revisions.view_plan" in calls
    assert "safetyplan.sharing.invitations.invite" in calls
