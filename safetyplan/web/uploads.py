"""Pages that take a file larger than the app's usual limit (``MAX_CONTENT_LENGTH``): each says so on its view.

The limit is raised before any other hook reads the body (the CSRF check reads the form first), and only for a
signed-in account: no one signed out can send a large body to anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_login import current_user

View = TypeVar("View", bound=Callable[..., Any])

ATTRIBUTE = "safetyplan_max_body"


def takes_files_up_to(limit: int) -> Callable[[View], View]:
    """Let this page's requests carry up to ``limit`` bytes."""

    def mark(view: View) -> View:
        setattr(view, ATTRIBUTE, limit)
        return view

    return mark


def _raise_the_limit_where_a_page_allows() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, ATTRIBUTE, None)
    if limit is not None and current_user.is_authenticated:
        request.max_content_length = limit


def init_app(app: Flask) -> None:
    """Call before the CSRF check is installed, so that this hook runs before it reads the form."""
    app.before_request(_raise_the_limit_where_a_page_allows)
