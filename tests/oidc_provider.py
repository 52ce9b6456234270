"""A real OpenID Connect provider for the tests, served on a loopback port in a thread, shaped like NHS login and CIS2.

It does what the app meets in the services: discovery, a key set, the authorization code flow with PKCE (S256),
``private_key_jwt`` client authentication (it checks the client's signed assertion against the client's public
key), single-use codes, RS512-signed ID tokens, userinfo and an end-session endpoint. Instead of a login page, the
next sign-in is whoever the test put in ``sign_in_as``. ``tamper`` makes the next ID token wrong in one way, to
test that the app refuses it.

The app under test is never changed to suit this provider: where the provider is simpler than the real services,
it is simpler in what it accepts, never in what the app must check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

TAMPER_MODES = (
    "forged_signature",
    "expired",
    "issued_in_the_future",
    "wrong_nonce",
    "no_nonce",
    "wrong_issuer",
    "wrong_audience",
    "alg_none",
    "no_id_token",
)
#: What goes in the ID token; the rest of who signed in (NHS number, email, names, roles) comes from userinfo only,
#: as NHS login and CIS2 send it.
ID_TOKEN_CLAIMS = ("sub", "vot", "acr", "amr", "identity_proofing_level", "authentication_assurance_level")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    claims: dict[str, Any]
    used: bool = False


@dataclass
class Provider:
    """``issuer`` is set once it serves; ``clients`` maps a client id to its public key (a JWK)."""

    issuer: str = ""
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    sign_in_as: dict[str, Any] | None = None
    tamper: str | None = None
    #: Each authorization request's parameters, for the tests to read.
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    #: Why token requests were refused, for the tests to read.
    refusals: list[str] = field(default_factory=list)
    down: bool = False
    #: Userinfo answers about another subject than the ID token's (the app must refuse).
    userinfo_of_someone_else: bool = False
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "provider-1"}))
    grants: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen_assertions: set[str] = field(default_factory=set)

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            # "none" offered on purpose: the app must never accept it, whatever the metadata says.
            "id_token_signing_alg_values_supported": ["RS512", "none"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "code_challenge_methods_supported": ["S256"],
        }

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if self.down:
            response = Response("down", status=503)
        else:
            handler = {
                "/.well-known/openid-configuration": lambda r: _json(self.metadata()),
                "/jwks": lambda r: _json(KeySet([self.key]).as_dict(private=False)),
                "/authorize": self._authorize,
                "/token": self._token,
                "/userinfo": self._userinfo,
                "/logout": lambda r: Response("signed out", status=200),
            }.get(request.path)
            response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    def _authorize(self, request: Request) -> Response:
        params = request.args.to_dict()
        self.authorize_requests.append(params)
        if params.get("response_type") != "code" or params.get("code_challenge_method") != "S256":
            return Response("bad request", status=400)
        if params.get("client_id") not in self.clients or self.sign_in_as is None:
            return Response("unknown client or no one to sign in", status=400)
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            challenge=params["code_challenge"],
            nonce=params.get("nonce"),
            claims=dict(self.sign_in_as),
        )
        query = urlencode({"code": code, "state": params.get("state", "")})
        return Response(status=302, headers={"Location": f"{params['redirect_uri']}?{query}"})

    def _refuse(self, why: str) -> Response:
        self.refusals.append(why)
        return _json({"error": "invalid_grant", "error_description": why}, status=400)

    def _token(self, request: Request) -> Response:
        form = request.form
        grant = self.grants.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None:
            return self._refuse("unknown code")
        if grant.used:
            return self._refuse("code already used")
        grant.used = True
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._refuse("redirect_uri differs")
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant.challenge:
            return self._refuse("PKCE verifier does not match")
        if not self._client_assertion_ok(form.to_dict(), grant.client_id):
            return self._refuse("client assertion refused")
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant.claims
        body: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300}
        tamper, self.tamper = self.tamper, None
        if tamper != "no_id_token":
            body["id_token"] = self._id_token(grant, tamper)
        return _json(body)

    def _client_assertion_ok(self, form: dict[str, str], client_id: str) -> bool:
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return False
        assertion = form.get("client_assertion", "")
        try:
            token = jwt.decode(assertion, RSAKey.import_key(self.clients[client_id]), algorithms=["RS512"])
        except (JoseError, ValueError):
            return False
        claims = token.claims
        fresh = claims.get("jti") not in self.seen_assertions and claims.get("exp", 0) > time.time()
        self.seen_assertions.add(str(claims.get("jti")))
        return bool(
            fresh
            and claims.get("iss") == client_id
            and claims.get("sub") == client_id
            and claims.get("aud") == f"{self.issuer}/token"
        )

    def _id_token(self, grant: Grant, tamper: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            **({"nonce": grant.nonce} if grant.nonce else {}),
            **{name: value for name, value in grant.claims.items() if name in ID_TOKEN_CLAIMS},
        }
        if tamper == "expired":
            claims.update(iat=now - 7200, exp=now - 3600)
        elif tamper == "issued_in_the_future":
            claims.update(iat=now + 3600, exp=now + 7200)
        elif tamper == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-the-app-sent"
        elif tamper == "no_nonce":
            claims.pop("nonce", None)
        elif tamper == "wrong_issuer":
            claims["iss"] = "https://another-issuer.example"
        elif tamper == "wrong_audience":
            claims["aud"] = "another-client"
        if tamper == "alg_none":
            header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        key = self.key
        if tamper == "forged_signature":  # same key id, someone else's key
            key = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})
        return jwt.encode({"alg": "RS512", "kid": "provider-1"}, claims, key, algorithms=["RS512"])

    def _userinfo(self, request: Request) -> Response:
        bearer = request.headers.get("Authorization", "")
        claims = self.access_tokens.get(bearer.removeprefix("Bearer ").strip())
        if claims is None:
            return Response("unauthorised", status=401)
        if self.userinfo_of_someone_else:
            return _json({**claims, "sub": "someone-else"})
        return _json(claims)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


@contextmanager
def running_provider() -> Iterator[Provider]:
    """A provider served on a free loopback port until the block ends."""
    provider = Provider()
    server = make_server("127.0.0.1", 0, provider, threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def client_key_file(directory: Any, name: str) -> tuple[Any, dict[str, Any]]:
    """A new RSA key for a client, written as PEM with mode 0600; returns its path and its public JWK."""
    import os

    key = RSAKey.generate_key(2048)
    path = directory / f"{name}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.as_pem(private=True))
    return path, key.as_dict(private=False)


# Who signs in: fictional people, shaped like what each service sends.


def nhs_login_person(nhs_number: str, *, level: str = "P9", sub: str | None = None) -> dict[str, Any]:
    return {
        "sub": sub or f"nhs-login-{secrets.token_hex(6)}",
        "vot": f"{level}.Cp.Cd",
        "identity_proofing_level": level,
        "nhs_number": nhs_number,
        "email": f"{secrets.token_hex(4)}@person.example",
        "email_verified": True,
        "given_name": "Alex",
        "family_name": "Example",
    }


def nhs_login_carer(email: str, *, level: str = "P5", sub: str | None = None) -> dict[str, Any]:
    return {
        "sub": sub or f"nhs-login-{secrets.token_hex(6)}",
        "vot": f"{level}.Cp.Cd",
        "identity_proofing_level": level,
        "email": email,
        "email_verified": True,
        "given_name": "Sam",
        "family_name": "Carer-Example",
    }


def cis2_user(
    email: str, *, role_codes: tuple[str, ...] = ("R8000",), sub: str | None = None, org_code: str = "XDEV1"
) -> dict[str, Any]:
    return {
        "sub": sub or f"{secrets.randbelow(10**12):012d}",
        "acr": "AAL3_ANY",
        "authentication_assurance_level": "3",
        "amr": ["swk"],
        "email": email,
        "given_name": "Kai",
        "family_name": "Clinician-Example",
        "nhsid_nrbac_roles": [
            {"person_roleid": f"{n:012d}", "org_code": org_code, "role_code": f"S8000:G8000:{code}"}
            for n, code in enumerate(role_codes)
        ],
    }


def identity_services(provider: Provider, directory: Any, **required_role_codes: frozenset[str]) -> tuple[Any, ...]:
    """NHS login and CIS2, both pointed at ``provider``, each with a new client key registered there.

    ``required_role_codes``: for CIS2, the national role codes an app role needs (admin=frozenset({"R8003"}))."""
    from safetyplan.config import IDENTITY_SERVICES, IdentityService

    services = []
    for name, (_, roles) in IDENTITY_SERVICES.items():
        key_file, public_key = client_key_file(directory, name)
        client_id = f"safetyplan-{name}"
        provider.clients[client_id] = public_key
        services.append(
            IdentityService(
                name=name,
                issuer=provider.issuer,
                client_id=client_id,
                key_file=key_file,
                roles=roles,
                required_role_codes=required_role_codes if name == "cis2" else {},
            )
        )
    return tuple(services)


def at_the_provider(start: Any) -> Any:
    """The browser follows ``start`` (the app's redirect to the provider), which answers at once: the address it
    sends the browser back to, split (``.path``, ``.query``)."""
    from urllib.parse import urlsplit

    import requests

    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    return urlsplit(at_provider.headers["Location"])


def link_then_sign_in(client: Any, provider: Provider, path: str, claims: dict[str, Any], account: Any) -> Any:
    """Sign in with the account's password, connect the identity from the account page, sign out, then sign in
    through the service alone (how an account made before the service was configured moves to it)."""

    from tests.pages import check_page

    client.sign_in(account)
    provider.sign_in_as = claims
    csrf = check_page(client.client.get("/account").data).select_one("input[name=csrf_token]")["value"]
    onward = client.client.post(f"/sign-in/{path}/link", data={"csrf_token": csrf})
    assert onward.status_code == 200, onward.status_code
    start = client.client.get(f"/sign-in/{path}?continue=1")
    assert start.status_code == 302 and "prompt=login" in start.headers["Location"], start.headers.get("Location")
    back = at_the_provider(start)
    linked = client.client.get(f"{back.path}?{back.query}")
    assert linked.status_code == 302 and linked.headers["Location"].endswith("/account"), linked.status_code
    csrf = check_page(client.client.get("/account").data).select_one("input[name=csrf_token]")["value"]
    client.client.post("/sign-out", data={"csrf_token": csrf})
    return sign_in_through(client.client, provider, path, claims)


def sign_in_through(
    client: Any, provider: Provider, path: str, claims: dict[str, Any], tamper: str | None = None
) -> Any:
    """With a Flask test client: start at /sign-in/<path>, let the provider answer as ``claims``, and come back;
    returns the response to the callback."""

    provider.sign_in_as, provider.tamper = claims, tamper
    start = client.get(f"/sign-in/{path}")
    assert start.status_code == 302, start.status_code
    back = at_the_provider(start)
    return client.get(f"{back.path}?{back.query}")
