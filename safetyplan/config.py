"""Typed settings, read once from the environment.

Production refuses to start without its secrets: a default that silently stands in for a missing secret key or
keyring is how health data ends up protected by a value printed in a README. Development keeps its defaults
under ``instance/`` (git-ignored), created on first use.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from flask import current_app

Environment = Literal["development", "test", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")

#: The checkout that holds templates/, static/, translations/, migrations/ and node_modules/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """The environment cannot start SafetyPlan. The message is one line that names the variable to set."""


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id cost. The defaults are OWASP's; the test settings are cheap so the suite is not spent hashing."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4


@dataclass(frozen=True)
class IdentityService:
    """An OpenID Connect provider the NHS runs, as configured for this trust (docs/identity-services.md)."""

    #: "nhs_login" (people and carers) or "cis2" (staff).
    name: str
    issuer: str
    client_id: str
    #: The client's private key (PEM), for ``private_key_jwt``; readable by the app's user only (mode 0600).
    key_file: Path
    #: The app roles it signs in.
    roles: tuple[str, ...]
    #: For each app role, the national role codes of which the token must hold at least one (none: any).
    required_role_codes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """How the service appears in the app's addresses: /sign-in/nhs-login, /sign-in/cis2."""
        return self.name.replace("_", "-")


#: The identity services the app knows: the environment prefix of each, and the roles it signs in.
IDENTITY_SERVICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "nhs_login": ("SAFETYPLAN_NHS_LOGIN", ("person", "carer")),
    "cis2": ("SAFETYPLAN_CIS2", ("clinician", "auditor", "admin")),
}


@dataclass(frozen=True)
class Settings:
    """Everything SafetyPlan reads from its environment, checked and typed."""

    env: Environment
    database_url: str
    secret_key: str
    keyring_path: Path
    instance_path: Path
    password_hashing: PasswordHashing = field(default_factory=PasswordHashing)
    #: Where people reach the app; links in messages (set-password, invitations) start with it.
    base_url: str = "http://127.0.0.1:5000"
    #: smtp://user:password@host:port (STARTTLS) or smtps://...; unset outside production: messages are printed.
    smtp_url: str | None = None
    mail_from: str = "SafetyPlan <no-reply@safetyplan.invalid>"
    #: How many reverse proxies sit in front of the app and set X-Forwarded-For (0: none).
    trusted_proxies: int = 0
    #: The organisation that holds the plans, as exports name it (a FHIR document's custodian, the sender on
    #: transfer), and its ODS code (the National Record Locator's custodian).
    organisation: str = "SafetyPlan (development)"
    ods_code: str = "XDEV1"
    #: The FHIR endpoint the National Record Locator pointers go to; unset outside production: they are written
    #: to ``instance/outbox/``.
    nrl_url: str | None = None
    #: The FHIR endpoint plans sent on discharge or transfer go to (in production, a gateway to GP Connect Send
    #: Document over MESH); unset outside production: they are written to ``instance/outbox/sent/``.
    send_url: str | None = None
    #: Where ``audit checkpoint --to`` keeps checkpoints by default, and ``audit verify`` finds the newest.
    audit_checkpoints: Path | None = None
    #: Where this server's reads keep their audit events while the database cannot be written
    #: (safetyplan/audit/spool.py); local to the server, never on the database's storage.
    audit_spool: Path | None = None
    #: How the app logs: ``json`` (one object per line, with a line per request) or ``text``.
    log_format: str = "text"
    #: A PostgreSQL read replica: when the database cannot be written (or cannot be reached), reads come from it.
    database_replica_url: str | None = None
    #: The backup catalogue (safetyplan/crypto/catalogue.py); unset: ``keyring.backups.json`` beside the keyring.
    backup_catalogue: Path | None = None
    #: The bearer token Prometheus sends for ``/metrics``; unset: there is no metrics page.
    metrics_token: str | None = None
    #: NHS login and NHS CIS2, where configured; none in development unless set.
    identity_services: tuple[IdentityService, ...] = ()

    def identity_service_for(self, role: str) -> IdentityService | None:
        """The identity service that signs in accounts of ``role``, if one is configured."""
        return next((service for service in self.identity_services if role in service.roles), None)

    def password_sign_in_allowed(self, role: str) -> bool:
        """In production, an account whose role has an identity service signs in only through it."""
        return not (self.is_production and self.identity_service_for(role) is not None)

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (the process environment by default).

        Raises ConfigError, naming the variable, when production lacks a secret or a value is not allowed.
        """
        environ = os.environ if environ is None else environ
        _refuse_trailing_comments(environ)
        env = _environment(environ.get("SAFETYPLAN_ENV", "development"))
        instance_path = Path(environ.get("SAFETYPLAN_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()

        if env == "production":
            database_url = _required(environ, "SAFETYPLAN_DATABASE_URL")
            secret_key = _required(environ, "SAFETYPLAN_SECRET_KEY")
            keyring_path = Path(_required(environ, "SAFETYPLAN_KEYRING"))
            base_url = _required(environ, "SAFETYPLAN_BASE_URL")
            smtp_url: str | None = _required(environ, "SAFETYPLAN_SMTP_URL")
            if len(secret_key) < 32:
                raise ConfigError("SAFETYPLAN_SECRET_KEY must be at least 32 characters long.")
            if not base_url.startswith("https://"):
                raise ConfigError("SAFETYPLAN_BASE_URL must start with https:// in production.")
        else:
            database_url = environ.get("SAFETYPLAN_DATABASE_URL") or f"sqlite:///{instance_path / 'safetyplan.db'}"
            secret_key = environ.get("SAFETYPLAN_SECRET_KEY") or _development_secret_key(instance_path)
            keyring_path = Path(environ.get("SAFETYPLAN_KEYRING") or instance_path / "keyring.json")
            base_url = environ.get("SAFETYPLAN_BASE_URL") or "http://127.0.0.1:5000"
            smtp_url = environ.get("SAFETYPLAN_SMTP_URL") or None

        return cls(
            env=env,
            database_url=database_url,
            secret_key=secret_key,
            keyring_path=keyring_path,
            instance_path=instance_path,
            base_url=base_url.rstrip("/"),
            smtp_url=smtp_url,
            mail_from=environ.get("SAFETYPLAN_MAIL_FROM") or cls.mail_from,
            trusted_proxies=_whole_number(environ, "SAFETYPLAN_TRUSTED_PROXIES", 0),
            organisation=environ.get("SAFETYPLAN_ORGANISATION", "").strip() or cls.organisation,
            ods_code=_ods_code(environ, production=env == "production"),
            nrl_url=environ.get("SAFETYPLAN_NRL_URL", "").strip() or None,
            send_url=environ.get("SAFETYPLAN_SEND_URL", "").strip() or None,
            identity_services=_identity_services(environ, production=env == "production"),
            audit_checkpoints=Path(environ.get("SAFETYPLAN_AUDIT_CHECKPOINTS") or instance_path / "audit-checkpoints"),
            audit_spool=Path(environ.get("SAFETYPLAN_AUDIT_SPOOL") or instance_path / "audit-spool.jsonl"),
            log_format=_log_format(environ, production=env == "production"),
            database_replica_url=environ.get("SAFETYPLAN_DATABASE_REPLICA_URL", "").strip() or None,
            metrics_token=_metrics_token(environ),
            backup_catalogue=Path(environ["SAFETYPLAN_BACKUP_CATALOGUE"])
            if environ.get("SAFETYPLAN_BACKUP_CATALOGUE")
            else None,
        )


#: Whitespace, then "#": a comment after a value. A shell drops it, but systemd's EnvironmentFile= keeps it in the
#: value, so that the app server and the command line would read different settings from one file.
_TRAILING_COMMENT = re.compile(r"\s#")


def _refuse_trailing_comments(environ: Mapping[str, str]) -> None:
    for name, value in environ.items():
        if name.startswith("SAFETYPLAN_") and _TRAILING_COMMENT.search(value):
            raise ConfigError(
                f"{name} holds a comment after its value, which systemd keeps as part of the value: put comments on "
                "lines of their own."  # the value is not shown: it may be a secret
            )


def _metrics_token(environ: Mapping[str, str]) -> str | None:
    value = environ.get("SAFETYPLAN_METRICS_TOKEN", "").strip()
    if value and len(value) < 32:
        raise ConfigError("SAFETYPLAN_METRICS_TOKEN must be at least 32 characters long (or unset, for no metrics).")
    return value or None


def _log_format(environ: Mapping[str, str], *, production: bool) -> str:
    value = environ.get("SAFETYPLAN_LOG_FORMAT", "").strip() or ("json" if production else "text")
    if value not in ("json", "text"):
        raise ConfigError(f"SAFETYPLAN_LOG_FORMAT must be json or text (it is {value!r}).")
    return value


def _environment(value: str) -> Environment:
    if value not in ENVIRONMENTS:
        raise ConfigError(f"SAFETYPLAN_ENV must be one of {', '.join(ENVIRONMENTS)} (it is {value!r}).")
    return value


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: production needs it. See 'Configuration' in README.md.")
    return value


def _ods_code(environ: Mapping[str, str], *, production: bool) -> str:
    value = environ.get("SAFETYPLAN_ODS_CODE", "").strip().upper()
    if not value:
        if production:
            raise ConfigError("SAFETYPLAN_ODS_CODE must be set in production (the trust's ODS code).")
        return Settings.ods_code
    if not re.fullmatch(r"[A-Z0-9]{3,10}", value):
        raise ConfigError("SAFETYPLAN_ODS_CODE must be 3 to 10 letters and digits, like RX4.")
    return value


def _whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number (it is {value!r}).")
    return int(value)


def _identity_services(environ: Mapping[str, str], *, production: bool) -> tuple[IdentityService, ...]:
    """NHS login and CIS2 from ``<PREFIX>_ISSUER``, ``_CLIENT_ID`` and ``_KEY_FILE``: all three, or none."""
    services = []
    for name, (prefix, roles) in IDENTITY_SERVICES.items():
        values = {part: environ.get(f"{prefix}_{part}", "").strip() for part in ("ISSUER", "CLIENT_ID", "KEY_FILE")}
        if not any(values.values()):
            continue
        missing = [f"{prefix}_{part}" for part, value in values.items() if not value]
        if missing:
            raise ConfigError(f"{missing[0]} is not set: {prefix}_ISSUER, _CLIENT_ID and _KEY_FILE go together.")
        issuer = values["ISSUER"].rstrip("/")
        if production and not issuer.startswith("https://"):
            raise ConfigError(f"{prefix}_ISSUER must start with https:// in production.")
        key_file = Path(values["KEY_FILE"])
        try:
            mode = key_file.stat().st_mode
        except OSError:
            raise ConfigError(f"{prefix}_KEY_FILE names a file that cannot be read ({key_file}).") from None
        if stat.S_IMODE(mode) & 0o077:
            raise ConfigError(f"{prefix}_KEY_FILE must be readable by its owner only: chmod 600 {key_file}")
        required_role_codes = _role_codes(environ, f"{prefix}_ROLES", roles)
        if production and name == "cis2" and "admin" not in required_role_codes:
            # CIS2 is matched to an account by email on its first sign-in: the admin role must also need a code.
            raise ConfigError(f"{prefix}_ROLES must name the role codes an admin needs in production (admin=...).")
        services.append(
            IdentityService(
                name=name,
                issuer=issuer,
                client_id=values["CLIENT_ID"],
                key_file=key_file,
                roles=roles,
                required_role_codes=required_role_codes,
            )
        )
    return tuple(services)


def _role_codes(environ: Mapping[str, str], name: str, roles: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """``clinician=R8000,R8001;admin=R8003``: for each app role, the national role codes that may hold it."""
    mapping: dict[str, frozenset[str]] = {}
    for part in environ.get(name, "").split(";"):
        if not part.strip():
            continue
        role, _, codes = part.partition("=")
        role = role.strip()
        wanted = frozenset(code.strip() for code in codes.split(",") if code.strip())
        if role not in roles or not wanted:
            raise ConfigError(
                f"{name} must be like 'clinician=R8000,R8001;admin=R8003', with roles from {', '.join(roles)}."
            )
        mapping[role] = wanted
    return mapping


def _development_secret_key(instance_path: Path) -> str:
    """A per-checkout random key, so development sessions survive a restart without a key in the repository."""
    key_file = instance_path / "secret-key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


#: Where the app factory keeps the settings it was built with.
SETTINGS_KEY = "safetyplan.settings"


def current_settings() -> Settings:
    """The settings of the app handling this request or command."""
    return cast(Settings, current_app.extensions[SETTINGS_KEY])
