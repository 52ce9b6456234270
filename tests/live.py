"""Real servers for tests that need them: gunicorn serving the app (with the project's deploy/gunicorn.conf.py), and a
client that behaves like a browser without one (it keeps cookies, sends forms with their CSRF token, and never
follows a redirect, so that a save's 302 is seen as the acknowledgement it is)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from safetyplan.config import Settings
from tests.conftest import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Visitor:
    """A browser-like client of one base URL, with a cookie jar of its own (or one shared with another Visitor)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    def __init__(self, base: str, cookies: http.cookiejar.CookieJar | None = None) -> None:
        self.base = base
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect())
        #: Headers of the last answer.
        self.headers: Mapping[str, str] = {}

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        asked = urllib.request.Request(self.base + path, data=body, headers=dict(headers or {}))
        try:
            with self.opener.open(asked, timeout=60) as response:
                self.headers = response.headers
                return response.status, response.read().decode()
        except urllib.error.HTTPError as answer:
            self.headers = answer.headers
            return answer.code, answer.read().decode()

    def form(self, path: str, headers: Mapping[str, str] | None = None) -> dict[str, str]:
        status, page = self.request(path, headers=headers)
        assert status == 200, (path, status)
        return form_fields(page)


def form_fields(page: str) -> dict[str, str]:
    """The CSRF token of a page's form, and the revision it is based on if it is the plan editor."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the page has no form"
    fields = {"csrf_token": token.group(1)}
    base = re.search(r'name="base_number" type="hidden" value="(\d+)"', page)
    if base:
        fields["base_number"] = base.group(1)
    return fields


def app_environment(settings: Settings, instance: Path, **more: str) -> dict[str, str]:
    """The environment of an app server on the tests' database and keyring, with an instance folder of its own.

    Not "test": there Flask passes errors on to the server instead of answering them, and a commit that a busy
    database refused would be a 500 from gunicorn rather than the app's 503 (and a run again)."""
    return {
        **os.environ,
        "SAFETYPLAN_ENV": "development",
        "SAFETYPLAN_DATABASE_URL": settings.database_url,
        "SAFETYPLAN_SECRET_KEY": TEST_SECRET_KEY,
        "SAFETYPLAN_KEYRING": str(settings.keyring_path),
        "SAFETYPLAN_INSTANCE_PATH": str(instance),
        **more,
    }


@dataclass
class Server:
    """A gunicorn serving the app: its base URL, its process, and (once stopped) what it wrote to standard error."""

    base: str
    process: subprocess.Popen[str]
    errors: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.errors.append(self.process.communicate(timeout=30)[1])


@contextmanager
def gunicorn(environment: Mapping[str, str], *, workers: int = 2, threads: int = 4) -> Iterator[Server]:
    """Serve the app with gunicorn on a free port until the block ends (or it is stopped)."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", str(workers)]
    command += ["--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(
        [*command, "safetyplan:create_app()"],
        cwd=ROOT,
        env=dict(environment),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_answering(server.base + "/livez", process)
        yield server
    finally:
        server.stop()


def wait_until_answering(url: str, process: subprocess.Popen[str], attempts: int = 600) -> None:
    """Ask ``url`` until the server answers (any status), at most ``attempts`` times a tenth of a second apart."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            assert process.poll() is None, f"{process.args[:4]} stopped: {process.communicate()[1][-3000:]}"
            time.sleep(0.1)
    pytest.fail(f"{url} did not answer after {attempts} attempts")
