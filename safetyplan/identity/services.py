"""Signing in through NHS login and NHS CIS2: OpenID Connect through Authlib, and which account a vouched-for
identity opens.

Authlib does the protocol: discovery, the authorization code flow with PKCE (S256), state and nonce kept in the
signed session cookie, ``private_key_jwt`` client authentication (RS512, as NHS login asks), the ID token's
signature against the provider's key set and its claims (issuer, audience, expiry, issued-at, nonce), and userinfo.
This module adds what Authlib leaves to the app: only strong signing algorithms (never ``none``, whatever the
provider's metadata offers), and the rules of who may sign in to what:

- a person's own account needs NHS login proofed to P9, with the NHS number their team recorded, checked again at
  every sign-in;
- a carer needs NHS login proofed to P5 at least, and an account made through the person's invitation;
- staff need NHS CIS2, an account an admin made (found by email on first sign-in, or linked to the CIS2 user id
  beforehand), and, where the trust asks, one of the national role codes configured for the account's role.

Every refusal is audited and raises IdentityRefused; a service that cannot be reached raises ServiceUnavailable, and
never falls back to a weaker sign-in. Tokens live only for the request that receives them: nothing is kept.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from flask import Flask, current_app
from flask.typing import ResponseReturnValue
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from safetyplan.accounts.credentials import use_set_password_token, user_for_set_password_token
from safetyplan.accounts.errors import AccountError
from safetyplan.accounts.models import IdentityLink, User
from safetyplan.accounts.users import create_user, find_user_by_email
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.config import ConfigError, IdentityService, Settings, current_settings
from safetyplan.crypto import vault
from safetyplan.db import session, utcnow
from safetyplan.errors import DomainError
from safetyplan.identity.messages import MESSAGES
from safetyplan.people.identifiers import normalise_nhs_number
from safetyplan.people.models import Person
from safetyplan.people.services import find_person_by_nhs_number
from safetyplan.roles import STAFF_ROLES, Role
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.invitations import accept_invitation, check_invitation, refuse_wrong_account

EXTENSION = "safetyplan.identity"

#: The ID token signing algorithms accepted, whatever a provider's metadata offers: never "none", never HMAC (whose
#: key would be the client's own).
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
#: Seconds of clock difference allowed on the token's times.
LEEWAY = 60
#: Seconds to wait for the provider before saying it cannot be reached.
TIMEOUT = 5

SCOPES = {"nhs_login": "openid profile email", "cis2": "openid profile email nationalrbacaccess"}
#: What each service is asked for: NHS login, a proofed identity (P9 for a person's own plan, P5 at least for a
#: carer: it returns the highest it has); CIS2, authentication at AAL3 (smartcard, Windows Hello, security key).
AUTHORIZE_PARAMS: dict[str, dict[str, str]] = {
    "nhs_login": {"vtr": '["P9.Cp.Cd","P9.Cp.Ck","P9.Cm","P5.Cp.Cd","P5.Cp.Ck","P5.Cm"]'},
    "cis2": {"acr_values": "AAL3_ANY"},
}
PROOFING_LEVELS = ("P0", "P5", "P9")
PROOFED_FOR_CARER = frozenset({"P5", "P9"})
#: What a service may report of the authentication for it to stand in for the second factor.
#: (NHS login's vector of trust is "<proofing>.<authentication>": the proofing level is checked per account below.)
NHS_LOGIN_AUTHENTICATION = frozenset(v.split(".", 1)[1] for v in json.loads(AUTHORIZE_PARAMS["nhs_login"]["vtr"]))
CIS2_ACR = frozenset({"AAL3", "AAL3_ANY"})
ROLE_CODE = re.compile(r"R\d{4,5}")


class IdentityRefused(DomainError):
    """The service vouched for no one we may sign in, or its answer did not check out; ``code`` says which."""

    messages = MESSAGES


class ServiceUnavailable(Exception):
    """The identity service could not be reached, or answered with something other than OpenID Connect."""


@dataclass(frozen=True)
class Vouched:
    """What an identity service said about who signed in, after every check on its tokens."""

    service: IdentityService
    subject: str
    claims: Mapping[str, Any]

    @property
    def acr(self) -> str | None:
        value = self.claims.get("acr") or self.claims.get("vot")
        return str(value) if value else None

    @property
    def amr(self) -> str | None:
        value = self.claims.get("amr")
        return ",".join(str(item) for item in value) if isinstance(value, list) else (str(value) if value else None)

    @property
    def proofing_level(self) -> str | None:
        """P0, P5 or P9: NHS login's own claim, or else the first part of its vector of trust."""
        levels = [str(self.claims.get("identity_proofing_level") or ""), str(self.claims.get("vot") or "")[:2]]
        known = [level for level in levels if level in PROOFING_LEVELS]
        return min(known, key=PROOFING_LEVELS.index) if known else None  # where the two differ, the lower

    @property
    def grounds(self) -> Grounds:
        """What the audit event of the sign-in records: the service and the strength it reports."""
        return Grounds.identity(self.service.name, acr=self.acr, amr=self.amr)

    def refused(self, code: str, *, by: User | None = None) -> IdentityRefused:
        """Audit a refusal of this identity and return the error to raise."""
        grounds = Grounds.identity(self.service.name, refused=code, acr=self.acr)
        record("sign_in.identity_refused", by=by, grounds=grounds, outcome="denied")
        return IdentityRefused(code)


def init_app(app: Flask, settings: Settings) -> None:
    """One Authlib client per configured service, in this app's own registry (tests build many apps)."""
    registry = OAuth(app)
    for service in settings.identity_services:
        key = _client_key(service)
        registry.register(
            name=service.name,
            client_id=service.client_id,
            client_secret=key,
            server_metadata_url=f"{service.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPES[service.name],
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "private_key_jwt",
                "default_timeout": TIMEOUT,
            },
            client_auth_methods=[PrivateKeyJWT(alg="RS512", headers={"kid": key.thumbprint()})],
        )
    app.extensions[EXTENSION] = registry


def _client_key(service: IdentityService) -> RSAKey:
    try:
        return RSAKey.import_key(service.key_file.read_bytes())
    except (OSError, ValueError, JoseError):
        raise ConfigError(f"The key file for {service.name} is not an RSA private key in PEM form.") from None


def public_key_set(service: IdentityService) -> dict[str, Any]:
    """The public half of the client's key, as the JSON Web Key Set a service registers for the client."""
    key = _client_key(service)
    public = RSAKey.import_key(key.as_dict(private=False))
    return {"keys": [{**public.as_dict(private=False), "kid": key.thumbprint(), "use": "sig", "alg": "RS512"}]}


def service_at(path: str) -> IdentityService | None:
    """The configured service whose address part is ``path`` ("nhs-login", "cis2"), if there is one."""
    return next((s for s in current_settings().identity_services if s.path == path), None)


def _client(service: IdentityService) -> Any:
    return cast(OAuth, current_app.extensions[EXTENSION]).create_client(service.name)


#: Held while a provider's discovery document is loaded and cut down, so that no request checks a token against the
#: document as the provider sent it (Authlib loads it once, on first use, into the client all requests share).
_METADATA_LOCKS = {name: threading.Lock() for name in SCOPES}


def _metadata(client: Any) -> dict[str, Any]:
    """The provider's discovery document, with its signing algorithms cut to the strong ones."""
    metadata = cast(dict[str, Any], client.server_metadata)
    if "_loaded_at" in metadata and "_cut" in metadata:
        return metadata  # loaded and cut already: no lock, no network
    with _METADATA_LOCKS[client.name]:
        try:
            metadata = cast(dict[str, Any], client.load_server_metadata())
        except (requests.RequestException, ValueError) as error:
            raise ServiceUnavailable() from error
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        metadata["id_token_signing_alg_values_supported"] = [alg for alg in offered if alg in SIGNING_ALGORITHMS]
        metadata["_cut"] = True
        return metadata


def start(
    service: IdentityService, *, redirect_uri: str, language: str, sign_in_again: bool = False
) -> ResponseReturnValue:
    """Send the browser to the service, with a new state, nonce and PKCE verifier kept in its session cookie;
    ``sign_in_again``: the service must ask who it is even if the browser is signed in there (to link an account)."""
    client = _client(service)
    _metadata(client)
    params = {**AUTHORIZE_PARAMS[service.name], **({"prompt": "login", "max_age": "0"} if sign_in_again else {})}
    try:
        return cast(ResponseReturnValue, client.authorize_redirect(redirect_uri, ui_locales=language, **params))
    except (requests.RequestException, KeyError, RuntimeError) as error:
        raise ServiceUnavailable() from error


def finish(service: IdentityService) -> Vouched:
    """The browser is back from the service: exchange the code, check the ID token and read userinfo.

    Raises IdentityRefused("refused") (audited) for anything that does not check out: a state or nonce that does
    not match (a replayed or forged callback), a code the service refuses, a signature, issuer, audience or time
    that is wrong, an unsigned token; ServiceUnavailable when the service cannot be reached."""
    client = _client(service)
    metadata = _metadata(client)
    claims_options = {
        "iss": {"essential": True, "value": service.issuer},
        "aud": {"essential": True, "value": service.client_id},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=claims_options, leeway=LEEWAY)
        id_claims = token.get("userinfo")
        if not id_claims or not metadata["id_token_signing_alg_values_supported"]:
            raise OAuthError(description="no ID token")
        userinfo = client.userinfo(token=token) if metadata.get("userinfo_endpoint") else {}
    except (requests.ConnectionError, requests.Timeout, RuntimeError) as error:
        raise ServiceUnavailable() from error
    except requests.HTTPError as error:
        if error.response is not None and error.response.status_code >= 500:
            raise ServiceUnavailable() from error  # the service is down, not refusing: nothing to audit as refused
        raise _refused(service, "token", error) from error
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        raise _refused(service, "token", error) from error
    subject = str(id_claims["sub"])
    if userinfo and str(userinfo.get("sub")) != subject:
        raise _refused(service, "userinfo")
    # The signed ID token's claims win over userinfo's where both have one.
    vouched = Vouched(service=service, subject=subject, claims={**dict(userinfo), **dict(id_claims)})
    if not _strong_enough(vouched):
        raise vouched.refused("weak")
    return vouched


def _refused(service: IdentityService, why: str, error: Exception | None = None) -> IdentityRefused:
    """A sign-in whose answer from the service does not check out: logged (the kind of error only) and audited."""
    current_app.logger.warning("Sign-in through %s refused (%s): %s", service.name, why, type(error).__name__)
    grounds = Grounds.identity(service.name, refused=why)
    record("sign_in.identity_refused", by=None, grounds=grounds, outcome="denied")
    return IdentityRefused("refused")


def _strong_enough(vouched: Vouched) -> bool:
    """Whether the authentication the service reports is one SafetyPlan asked for: for CIS2, assurance level 3
    (smartcard, Windows Hello, security key); for NHS login, one of the vectors of trust requested."""
    if vouched.service.name == "cis2":
        level = str(vouched.claims.get("authentication_assurance_level") or "")
        return (vouched.acr or "") in CIS2_ACR or level == "3"
    vector = str(vouched.claims.get("vot") or "")
    return "." in vector and vector.split(".", 1)[1] in NHS_LOGIN_AUTHENTICATION


def end_session_url(service: IdentityService, *, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to sign out of the service too (None if it offers no sign-out)."""
    client = _client(service)
    if not _metadata(client).get("end_session_endpoint"):
        return None
    created = client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, client_id=service.client_id)
    return str(created["url"])


# Which account ------------------------------------------------------------------------------------------------


def _subject_index(service: str, subject: str) -> bytes:
    return vault().blind_index(f"identity:{service}", subject)


def _linked_user(vouched: Vouched) -> User | None:
    return _user_linked_to(vouched.service.name, vouched.subject)


def _user_linked_to(service: str, subject: str) -> User | None:
    return session.scalars(
        select(User)
        .join(IdentityLink, IdentityLink.user_id == User.id)
        .where(IdentityLink.service == service, IdentityLink.subject_index == _subject_index(service, subject))
    ).one_or_none()


def _has_link(user: User, service: str) -> bool:
    found = session.scalars(
        select(IdentityLink.id).where(IdentityLink.user_id == user.id, IdentityLink.service == service)
    ).first()
    return found is not None


def _link(vouched: Vouched, user: User) -> None:
    """Tie this identity to ``user`` for good: from now on it is found by the identity, not by email or NHS number."""
    try:
        with session.begin_nested():
            session.add(
                IdentityLink(
                    service=vouched.service.name,
                    subject_index=_subject_index(vouched.service.name, vouched.subject),
                    user_id=user.id,
                    linked_at=utcnow(),
                )
            )
    except IntegrityError:  # a second tab signing in at the same moment made it first
        if _linked_user(vouched) != user:
            raise vouched.refused("refused", by=user) from None
        return
    record(
        "account.identity_linked",
        by=user,
        grounds=vouched.grounds,
        subject_user_id=user.id,
        person_id=user.person_id,
    )


def _nhs_number(vouched: Vouched) -> str | None:
    value = vouched.claims.get("nhs_number")
    return normalise_nhs_number(str(value)) if value else None


def _verified_email(vouched: Vouched) -> str | None:
    email = vouched.claims.get("email")
    return str(email) if email and vouched.claims.get("email_verified") in (True, "true") else None


def account_for(vouched: Vouched) -> User:
    """The active account this identity opens, linking it on the first sign-in; raises IdentityRefused."""
    if vouched.service.name == "cis2":
        return _staff_account(vouched)
    return _person_or_carer_account(vouched)


def _person_or_carer_account(vouched: Vouched) -> User:
    level = vouched.proofing_level
    user = _linked_user(vouched)
    if user is not None:
        if not user.is_active or user.role not in (Role.PERSON, Role.CARER):
            raise vouched.refused("no_account", by=user)
        if user.role == Role.PERSON:
            if level != "P9":
                raise vouched.refused("not_proofed", by=user)
            person = session.get(Person, user.person_id) if user.person_id else None
            # Checked at every sign-in: a record whose NHS number was corrected stops opening for the old identity.
            if person is None or not person.nhs_number or person.nhs_number != _nhs_number(vouched):
                raise vouched.refused("no_account", by=user)
        elif level not in PROOFED_FOR_CARER:
            raise vouched.refused("not_proofed", by=user)
        return user
    # First sign-in: a person their team has invited (an account for the record with this NHS number).
    nhs_number = _nhs_number(vouched)
    if level == "P9" and nhs_number:
        person = find_person_by_nhs_number(by=None, nhs_number=nhs_number)
        own = (
            session.scalars(select(User).where(User.person_id == person.id, User.role == Role.PERSON)).one_or_none()
            if person is not None
            else None
        )
        if own is not None and own.is_active and not _has_link(own, vouched.service.name):
            _link(vouched, own)
            return own
    # A carer's identity is linked when they accept an invitation, or from their account page, signed in.
    raise vouched.refused("no_account" if level == "P9" else "not_proofed")


def _staff_account(vouched: Vouched) -> User:
    user = _linked_user(vouched)
    linked = user is not None
    if user is None:
        email = vouched.claims.get("email")
        found = find_user_by_email(str(email)) if email else None
        if found is not None and found.role in STAFF_ROLES and found.is_active and not _has_link(found, "cis2"):
            user = found
    if user is None or not user.is_active or user.role not in STAFF_ROLES:
        raise vouched.refused("no_staff_account", by=user)
    _check_staff_roles(vouched, user)
    if not linked:
        _link(vouched, user)
    return user


def _check_staff_roles(vouched: Vouched, user: User) -> None:
    """A CIS2 user must hold a role at this trust (its ODS code), and one of the codes the trust requires for the
    account's role where it names some: a role held at another organisation opens nothing here."""
    here = role_codes(vouched.claims, organisation=current_settings().ods_code)
    required = vouched.service.required_role_codes.get(user.role)
    if not here or (required and not required & here):
        raise vouched.refused("role_missing", by=user)


def link_staff_account(*, by: None, email: str, cis2_user_id: str) -> None:
    """Link a staff account to its CIS2 user id (CIS2's ``sub``) before its first sign-in (the command line only).

    Raises IdentityRefused("no_staff_account") when there is no active staff account with that address, and
    IdentityRefused("already_linked") when the account or the user id is linked already."""
    user = find_user_by_email(email)
    if user is None or user.role not in STAFF_ROLES or not user.is_active:
        raise IdentityRefused("no_staff_account")
    subject = cis2_user_id.strip()
    if not subject or _has_link(user, "cis2") or _user_linked_to("cis2", subject) is not None:
        raise IdentityRefused("already_linked")
    session.add(
        IdentityLink(service="cis2", subject_index=_subject_index("cis2", subject), user_id=user.id, linked_at=utcnow())
    )
    record("account.identity_linked", by=by, grounds=Grounds.COMMAND_LINE, subject_user_id=user.id)


def role_codes(claims: Mapping[str, Any], *, organisation: str) -> frozenset[str]:
    """The national role codes (R8000 ...) the CIS2 user holds at ``organisation`` (an ODS code), from each role in
    ``nhsid_nrbac_roles`` (its "S..:G..:R.." code and its org_code)."""
    roles = claims.get("nhsid_nrbac_roles")
    codes: set[str] = set()
    for role in roles if isinstance(roles, list) else []:
        if not isinstance(role, dict) or str(role.get("org_code") or "").upper() != organisation:
            continue
        codes.update(ROLE_CODE.findall(str(role.get("role_code") or "")))
    return frozenset(codes)


# A carer's invitation -----------------------------------------------------------------------------------------


def accept_with_nhs_login(vouched: Vouched, *, token: str, language: str) -> tuple[User, bool]:
    """A carer opened the person's invitation and signed in with NHS login (P5 at least): link the invitation to
    the account this identity already opens, or to a new carer account made from NHS login's checked email address
    and name. Returns the account, and False if it was linked to the person already.

    The link shows nothing until the person confirms it, as with a password account. An existing account with the
    same email address is never taken over: its owner signs in to it and links NHS login from their account page.
    Raises SharingError("invitation_invalid" | "wrong_account") or IdentityRefused, after auditing."""
    check_invitation(token)
    if vouched.proofing_level not in PROOFED_FOR_CARER:
        raise vouched.refused("not_proofed")
    user = _linked_user(vouched)
    email = _verified_email(vouched)
    if user is not None and (user.role != Role.CARER or not user.is_active):
        refuse_wrong_account(by=user)
        raise SharingError("wrong_account")
    if user is None and email is None:
        raise vouched.refused("no_email")
    if user is None and find_user_by_email(str(email)) is not None:
        raise vouched.refused("email_taken")
    # Refusals are audited above. A late one (a second tab taking the invitation a moment earlier) rolls back the
    # savepoint with what it recorded, so it is recorded again after.
    try:
        with session.begin_nested():
            if user is None:
                name = " ".join(str(vouched.claims.get(part) or "") for part in ("given_name", "family_name"))
                user = create_user(
                    by=None,
                    email=str(email),
                    display_name=name.strip() or str(email),
                    role=Role.CARER,
                    preferred_language=language,
                    grounds=Grounds.INVITATION,
                )
                _link(vouched, user)
            accept_invitation(token=token, by=user)
    except AccountError:  # the address was taken a moment ago, by a second tab
        raise vouched.refused("email_taken") from None
    except SharingError as error:
        if error.code == "already_linked" and user is not None and _linked_user(vouched) == user:
            return user, False
        record("invitation.refused", by=None, grounds=Grounds.INVITATION, outcome="denied")
        raise
    except IdentityRefused as refused:
        raise vouched.refused(refused.code) from None
    return user, True


def link_to_account(vouched: Vouched, *, by: User) -> None:
    """The signed-in user asked to sign in through this service from now on (and signed in there again to say so):
    link the identity to their account, if it may open it. Raises IdentityRefused, after auditing."""
    _link_if_it_may_open(vouched, by)


def connect_with_link(vouched: Vouched, *, token: str) -> User:
    """Someone opened a set-password link an admin sent and chose to connect NHS login or CIS2 instead: link the
    identity to that account, if it may open it, and use the link up. Returns the account; raises IdentityRefused
    ("link_invalid", or as ``link_to_account``), after auditing.

    The link proves what a set-password link always has: that its holder reads the account's email. An account whose
    owner may not make a password (production, a role with a service) moves to the service this way."""
    user = user_for_set_password_token(token)
    if user is None:
        raise vouched.refused("link_invalid")
    _link_if_it_may_open(vouched, user)
    use_set_password_token(token)
    return user


def _link_if_it_may_open(vouched: Vouched, user: User) -> None:
    """Link the identity to ``user`` if it may open the account: a person, P9 and their own NHS number; a carer, P5
    at least; staff, CIS2 with a role at this trust (and any code the trust requires)."""
    linked = _linked_user(vouched)
    if linked is not None or _has_link(user, vouched.service.name):
        if linked == user:
            return
        raise vouched.refused("already_linked", by=user)
    if vouched.service.name == "cis2":
        if user.role not in STAFF_ROLES:
            raise vouched.refused("no_staff_account", by=user)
        _check_staff_roles(vouched, user)
    elif user.role == Role.PERSON:
        person = session.get(Person, user.person_id) if user.person_id else None
        if vouched.proofing_level != "P9":
            raise vouched.refused("not_proofed", by=user)
        if person is None or not person.nhs_number or person.nhs_number != _nhs_number(vouched):
            raise vouched.refused("no_account", by=user)
    elif user.role != Role.CARER:
        raise vouched.refused("no_account", by=user)
    elif vouched.proofing_level not in PROOFED_FOR_CARER:
        raise vouched.refused("not_proofed", by=user)
    _link(vouched, user)
