"""Browser tests: the app served from this process, driven through Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from safetyplan import create_app, schema
from tests.conftest import empty_all_tables, make_settings

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    browser_dir = Path(__file__).parent
    for item in items:
        if browser_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = chromium_path()
    if executable is None:
        reason = "Chromium is not installed (apt-get install chromium): BROWSER TESTS NOT RUN"
        if os.environ.get("SAFETYPLAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SAFETYPLAN_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@dataclass
class LiveServer:
    url: str
    app: Flask


class WholeBody:
    """Reads each response to the end and closes it before the server writes a byte.

    Werkzeug's development server skips closing a response when Chromium drops the connection mid-write (a page
    closed while its favicon streams), leaving a static file to the garbage collector, whose ResourceWarning then
    fails whichever test is running. Served whole, nothing is open while the server writes."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = self.app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a loopback port, on its own SQLite database, for the whole browser session."""
    instance = tmp_path_factory.mktemp("browser-instance")
    app = create_app(make_settings(f"sqlite:///{instance / 'browser.db'}", instance))
    with app.app_context():
        schema.upgrade()
    server = make_server("127.0.0.1", 0, WholeBody(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright resolves page.goto("/path") against this."""
    return live_server.url


@pytest.fixture(autouse=True)
def _empty_live_database(live_server: LiveServer) -> Iterator[None]:
    yield
    with live_server.app.app_context():
        empty_all_tables()


@pytest.fixture
def demo(live_server: LiveServer) -> LiveServer:
    """The fictional demo data, as `make run` seeds it."""
    from safetyplan.db import transaction
    from safetyplan.demo import seed

    with live_server.app.app_context(), transaction():
        seed()
    return live_server


def current_code(live_server: LiveServer, email: str) -> str:
    import pyotp

    from safetyplan.accounts.users import find_user_by_email
    from safetyplan.db import transaction

    with live_server.app.app_context(), transaction():
        user = find_user_by_email(email)
        assert user is not None
        # A test may sign the same person in twice within one 30-second step; the app refuses a code used twice.
        user.totp_last_step = None
        return pyotp.TOTP(str(user.totp_secret)).now()


def sign_in(page: Any, live_server: LiveServer, email: str) -> None:
    """Sign in through the pages, as a person would, with the demo password and (for staff) the current code."""
    from safetyplan.demo import DEMO_PASSWORD
    from tests.browser.axe import visit

    visit(page, "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if page.url.endswith("/sign-in/code"):
        visit(page, "/sign-in/code")
        page.get_by_label("Code").fill(current_code(live_server, email))
        page.get_by_role("button", name="Continue").click()
