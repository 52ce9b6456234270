"""One way to fetch a page in a test: check its status, parse it, and check what every page must have."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class PageError(AssertionError):
    pass


def check_page(html: str | bytes) -> BeautifulSoup:
    """Parse a page and assert the invariants of every page the app serves."""
    soup = BeautifulSoup(html, "html.parser")
    root = soup.find("html")
    if root is None or root.get("lang") not in ("en", "cy"):
        raise PageError("<html> must carry lang='en' or lang='cy'")
    title = soup.find("title")
    if title is None or not title.get_text(strip=True):
        raise PageError("the page has no <title>")
    headings = soup.find_all("h1")
    if len(headings) != 1:
        raise PageError(f"the page must have exactly one <h1>, it has {len(headings)}")
    duplicates = [i for i, n in Counter(el["id"] for el in soup.find_all(id=True)).items() if n > 1]
    if duplicates:
        raise PageError(f"duplicate ids: {duplicates}")
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() == "post":
            token = form.find("input", attrs={"name": "csrf_token"})
            if token is None or not token.get("value"):
                raise PageError(f"a POST form to {form.get('action')!r} has no CSRF token")
    return soup


def text_of(soup: BeautifulSoup, selector: str) -> str:
    element = soup.select_one(selector)
    if element is None:
        raise PageError(f"nothing matches {selector!r}")
    return " ".join(element.get_text(" ", strip=True).split())


class PageClient:
    """Wraps Flask's test client: ``get_page`` and ``post_form`` check the status and parse the page."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._totp_steps: dict[str, int] = {}

    def sign_in(self, account: Any, *, password: str | None = None) -> TestResponse:
        """Sign in through the real pages: email and password, then the authenticator code if there is one.

        Each sign-in uses a later time step's code (the app accepts one step either side), because a code
        that was used once is refused.
        """
        response = self.post_form(
            "/sign-in", {"email": account.email, "password": password or account.password}, status=302
        )
        if response.headers["Location"].endswith("/sign-in/code"):
            import pyotp

            from safetyplan.db import utcnow

            offset = self._totp_steps.get(account.totp_secret, -2) + 1
            if offset > 1:
                raise AssertionError("signed in as this account three times in 30 seconds: no code left to use")
            self._totp_steps[account.totp_secret] = offset
            totp = pyotp.TOTP(account.totp_secret)
            now = utcnow()
            left_in_step = totp.interval - now.timestamp() % totp.interval
            if left_in_step < 3:
                # A code one step back, made just before a step ends, is two steps back by the time a slow machine
                # checks it, and refused: wait for the next step first (once; the clock may be a test's fixed one).
                time.sleep(left_in_step + 0.05)
                now = utcnow()
            code = totp.generate_otp(totp.timecode(now) + offset)
            response = self.post_form("/sign-in/code", {"code": code}, status=302)
        return response

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def get_page(self, url: str, status: int = 200, **kwargs: Any) -> BeautifulSoup:
        return self._page(self.client.get(url, **kwargs), status, f"GET {url}")

    def csrf_token(self, url: str) -> str:
        """The CSRF token from the first POST form on ``url``, as a person's browser would have it."""
        soup = self.get_page(url)
        token = soup.select_one("form[method=post] input[name=csrf_token]")
        if token is None:
            raise PageError(f"{url} has no POST form with a CSRF token")
        return str(token["value"])

    def post_form(
        self, url: str, data: dict[str, Any], status: int = 200, from_url: str | None = None, **kwargs: Any
    ) -> TestResponse:
        """Submit a form as the page at ``from_url`` (default: ``url``) would, CSRF token included."""
        token = self.csrf_token(from_url or url)
        return self._check(self.client.post(url, data={"csrf_token": token, **data}, **kwargs), status, url)

    def post_page(self, url: str, data: dict[str, Any], status: int = 200, **kwargs: Any) -> BeautifulSoup:
        response = self.post_form(url, data, status=status, **kwargs)
        return check_page(response.data)

    def _check(self, response: TestResponse, status: int, what: str) -> TestResponse:
        if response.status_code != status:
            raise PageError(f"{what}: expected status {status}, got {response.status_code}")
        return response

    def _page(self, response: TestResponse, status: int, what: str) -> BeautifulSoup:
        return check_page(self._check(response, status, what).data)
