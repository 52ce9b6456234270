"""Small pieces of account pages and of every page's layout."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from safetyplan.accounts.forms import ROLE_CHOICES
from safetyplan.accounts.messages import SERVICE_NAMES
from safetyplan.accounts.sessions import idle_limit_minutes
from safetyplan.config import IDENTITY_SERVICES, current_settings
from safetyplan.roles import Role
from safetyplan.web.session import idle_seconds_left

#: Who signs in through each service, as the sign-in page says it.
SERVICE_FOR = {
    "nhs_login": _l("For people and their carers"),
    "cis2": _l("For staff, with a smartcard or security key"),
}


@dataclass(frozen=True)
class SignInOption:
    """A "Continue with ..." button on the sign-in page."""

    path: str
    name: str
    hint: str


def role_label(role: str) -> str:
    """A role as people read it ("Clinician", "Carer or family member")."""
    return str(dict(ROLE_CHOICES)[role])


def idle_seconds() -> int:
    """How long this user may leave the app alone before being signed out (for the page's warning, after a request
    the page makes itself, which moves the idle clock)."""
    return idle_limit_minutes(current_user) * 60


def idle_seconds_now() -> int:
    """How long, from this page, before an idle sign-out: the idle clock may have moved a little before it."""
    return idle_seconds_left(idle_seconds())


def sign_in_options() -> list[SignInOption]:
    """The identity services configured here, in the order the sign-in page offers them."""
    return [
        SignInOption(path=service.path, name=str(SERVICE_NAMES[service.name]), hint=str(SERVICE_FOR[service.name]))
        for name in IDENTITY_SERVICES
        for service in current_settings().identity_services
        if service.name == name
    ]


def password_sign_in_shown() -> bool:
    """The email and password form shows unless every role signs in through an identity service only."""
    return any(current_settings().password_sign_in_allowed(role) for role in Role)


def service_name(path: str) -> str:
    """An identity service's name from its path in the app's addresses ("nhs-login": "NHS login")."""
    return str(SERVICE_NAMES.get(path.replace("-", "_"), ""))


def password_sign_in_allowed(role: str) -> bool:
    return current_settings().password_sign_in_allowed(role)


GLOBALS = {
    "password_sign_in_allowed": password_sign_in_allowed,
    "role_label": role_label,
    "idle_seconds": idle_seconds,
    "idle_seconds_now": idle_seconds_now,
    "sign_in_options": sign_in_options,
    "password_sign_in_shown": password_sign_in_shown,
    "service_name": service_name,
}
