"""``safetyplan identity``: what to register with NHS login and CIS2, and linking a staff account to a CIS2 user id."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from safetyplan.config import current_settings
from safetyplan.db import transaction
from safetyplan.identity import services

#: What the command says for each refusal (in English: the command line has no language of its own).
CLI_MESSAGES = {
    "no_staff_account": "there is no active staff account with this email address",
    "already_linked": "this account, or this CIS2 user id, is linked already",
}


@click.group()
def identity() -> None:
    """NHS login and NHS CIS2."""


@identity.command("public-keys")
@with_appcontext
def public_keys() -> None:
    """Print, for each configured service, its redirect URI and the client's public key set (JSON) to register."""
    settings = current_settings()
    if not settings.identity_services:
        raise click.ClickException("no identity service is configured: see docs/identity-services.md")
    for service in settings.identity_services:
        click.echo(f"{service.name}: redirect URI {settings.base_url}/sign-in/{service.path}/callback")
        click.echo(json.dumps(services.public_key_set(service), indent=2))


@identity.command("link-cis2")
@click.argument("email")
@click.argument("cis2_user_id")
@with_appcontext
def link_cis2(email: str, cis2_user_id: str) -> None:
    """Link the staff account EMAIL to a CIS2 user id, so that CIS2 opens it whatever email CIS2 holds."""
    with transaction():
        try:
            services.link_staff_account(by=None, email=email, cis2_user_id=cis2_user_id)
        except services.IdentityRefused as refused:
            raise click.ClickException(CLI_MESSAGES[refused.code]) from None
    click.echo(f"Linked {email} to CIS2 user {cis2_user_id}.")
