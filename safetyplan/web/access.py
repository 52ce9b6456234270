"""Route access policies: every route declares exactly one, and a route without one is refused.

A policy answers "may this kind of user reach this kind of page at all?". Whether a user may see *this* person
or *this* plan is decided in the services, for the object asked for. Both fail closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.roles import Role

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class AccessPolicy:
    """A named rule run before the view. ``enforce`` aborts, or returns a response (a redirect to sign in),
    when the rule is not met."""

    name: str
    enforce: Callable[[], ResponseReturnValue | None]
    roles: frozenset[str] = frozenset()


def declare(policy: AccessPolicy) -> Callable[[View], View]:
    """Attach ``policy`` to a view; a view can carry only one."""

    def decorate(view: View) -> View:
        existing = getattr(view, "access_policy", None)
        if existing is not None:
            raise TypeError(f"{view.__qualname__} already declares the access policy {existing.name!r}")
        view.access_policy = policy  # type: ignore[attr-defined]
        return view

    return decorate


def _anyone() -> None:
    return None


#: Reachable by anyone, signed in or not: pages that show nothing personal.
public = declare(AccessPolicy("public", _anyone))


def signed_in(*roles: Role) -> Callable[[View], View]:
    """Reachable only when signed in (both factors), and only by these roles (any role when none are named)."""
    allowed = frozenset(roles)

    def enforce() -> ResponseReturnValue | None:
        if not current_user.is_authenticated:
            unauthorized: ResponseReturnValue = current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            return unauthorized
        if allowed and current_user.role not in allowed:
            record(
                "access.denied",
                by=current_user,
                grounds=Grounds.NONE,
                outcome="denied",
            )
            abort(403)
        return None

    name = f"signed_in({', '.join(sorted(allowed)) or 'any role'})"
    return declare(AccessPolicy(name, enforce, allowed))


def policy_of(endpoint: str, app: Flask | None = None) -> AccessPolicy | None:
    view = (app or current_app).view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def init_app(app: Flask) -> None:
    @app.before_request
    def enforce_access_policy() -> ResponseReturnValue | None:
        if request.endpoint is None:  # no route matched: the 404 or 405 handler answers
            return None
        policy = policy_of(request.endpoint)
        if policy is None:
            # A route without a policy is a programming error; refuse rather than guess.
            app.logger.error("Route %s declares no access policy; refused", request.endpoint)
            abort(403)
        return policy.enforce()
