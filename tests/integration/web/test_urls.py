"""No personal identifier (a name, an email address, an NHS number, a date of birth) ever travels in a URL, where
it would reach access logs, browser history and Referer headers: checked over every route, every form, every query
parameter the app reads, and every link and redirect a crawl of the demo finds. (A one-tap ``tel:`` link holds a
phone number the person chose to list, but it goes to the phone's dialler, never to a server.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyotp
import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

from safetyplan.accounts.users import find_user_by_email
from safetyplan.config import PROJECT_ROOT
from safetyplan.db import session, transaction
from safetyplan.demo import DEMO_PASSWORD, seed
from safetyplan.people.models import Person
from tests.pages import PageClient

#: URL arguments that are not ids: file names of the app's own static files, and a file kind.
FILE_ARGUMENTS = {("web.static", "filename"), ("web.assets", "filename"), ("web.vendor", "kind")}
#: Every query parameter the app may read, none of them personal.
QUERY_PARAMETERS = {
    "lang",
    "next",
    "timed_out",
    "signed_out",
    "password_set",
    "welcome",
    "via",
    "continue",
    "link",  # signing in and language ("via": the identity service signed out of; "continue", "link": 1)
    "sort",
    "team",
    "older_than",
    "from",
    "to",
    "reason",
    "section",
    "revision",
    "v",  # orders, filters, pages, choices
}


def test_every_route_argument_is_an_id_or_a_static_file(app):
    for rule in app.url_map.iter_rules():
        for argument, converter in rule._converters.items():
            if (rule.endpoint, argument) in FILE_ARGUMENTS:
                continue
            # An id, or one of a fixed list of words (such as a language code).
            assert isinstance(converter, (UUIDConverter, IntegerConverter, AnyConverter)), (
                f"{rule.rule}: <{argument}> is not an id"
            )


def test_every_query_parameter_the_app_reads_is_not_personal():
    read = set()
    for source in (PROJECT_ROOT / "safetyplan").rglob("*.py"):
        read |= set(re.findall(r"request\.args\.get\(\s*\"([^\"]+)\"", source.read_text()))
    assert read, "the scan found no query parameters at all"
    assert read <= QUERY_PARAMETERS, f"read from the address and not known to be safe: {read - QUERY_PARAMETERS}"


class _Forms(HTMLParser):
    """The fields of every form that sends by GET (into the address)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth_in_get_form = 0
        self.fields: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.depth_in_get_form = 1 if (values.get("method") or "get").lower() == "get" else 0
        elif self.depth_in_get_form and tag in ("input", "select", "textarea", "button") and values.get("name"):
            self.fields.append(str(values["name"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.depth_in_get_form = 0


def test_every_form_that_sends_by_get_sends_no_personal_field():
    for template in Path(PROJECT_ROOT / "templates").rglob("*.html"):
        parser = _Forms()
        parser.feed(template.read_text())
        macro_fields = (
            re.findall(r"\"name\":\s*\"([^\"]+)\"", template.read_text())
            if 'method="get"' in template.read_text()
            else []
        )
        fields = set(parser.fields) | {name for name in macro_fields if "{{" not in name}
        assert fields <= QUERY_PARAMETERS | {"csrf_token"}, (
            f"{template.name} sends {fields - QUERY_PARAMETERS} in the address"
        )


# A crawl of the demo, as each role ------------------------------------------------------------------------------

ROLES = ["clinician", "person", "carer", "auditor", "admin"]


def _links(html: str) -> list[str]:
    return re.findall(r"(?:href|action|src)=\"([^\"]+)\"", html)


def _identifiers(app) -> set[str]:
    """Every personal identifier in the demo data, in the forms it could take in a URL."""
    found: set[str] = set()
    with app.app_context():
        for person in session.scalars(select(Person)):
            for name in (person.name, person.preferred_name):
                if name:
                    found |= {name, name.split()[0]}
            if person.nhs_number:
                found |= {person.nhs_number, person.nhs_number.replace(" ", "")}
            found.add(person.date_of_birth.isoformat())
    for role in ROLES:
        found.add(f"{role}@safetyplan.example")
    return {value.casefold() for value in found if len(value) >= 4}


def _signed_in(app, role: str) -> PageClient:
    client = PageClient(app.test_client())
    email = f"{role}@safetyplan.example"
    response = client.post_form("/sign-in", {"email": email, "password": DEMO_PASSWORD}, status=302)
    if response.headers["Location"].endswith("/sign-in/code"):
        with app.app_context(), transaction():
            user = find_user_by_email(email)
            user.totp_last_step = None
            code = pyotp.TOTP(str(user.totp_secret)).now()
        client.post_form("/sign-in/code", {"code": code}, status=302)
    return client


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_no_link_or_redirect_a_demo_role_meets_carries_a_personal_identifier(database_url, app, role):
    with app.app_context(), transaction():
        seed()
    identifiers = _identifiers(app)
    client = _signed_in(app, role)
    seen, queue, visited = set(), ["/home"], 0
    while queue and visited < 80:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        visited += 1
        found = [response.headers.get("Location", "")]
        if response.mimetype == "text/html":
            found += _links(response.get_data(as_text=True))
        for link in found:
            address = unquote(link).casefold()
            leaked = [value for value in identifiers if value in address]
            assert not leaked, f"{role}: {link!r} (from {url}) carries {leaked}"
            parts = urlsplit(link)
            internal = link and not parts.netloc and parts.path.startswith("/") and "sign-out" not in parts.path
            asset = parts.path.startswith(("/static/", "/assets/", "/vendor/"))
            if internal and not asset and parts.path not in seen:
                queue.append(link.split("#")[0])
    assert visited > 3  # the crawl went somewhere
