"""Set-password links: single use, 72 hours, only a hash stored, never in a URL the server sees."""

import re
from datetime import timedelta

from sqlalchemy import select, update

from safetyplan.accounts.models import SetPasswordToken
from safetyplan.db import session, transaction, utcnow
from tests.pages import check_page, text_of

NEW_PASSWORD = "lantern meadow copper rain"


def add_account(admin_client, outbox, email="new.carer@example.com", role="carer"):
    admin_client.post_form(
        "/admin/users/new",
        {"display_name": "Nia Newcomer", "email": email, "role": role, "team": "", "language": "en"},
        status=302,
    )
    (message,) = outbox.sent
    assert message.to == email
    token = re.search(r"/set-password#([A-Za-z0-9_-]+)", message.body).group(1)
    return token


def test_an_admin_adds_an_account_and_the_link_sets_its_password(admin_client, outbox, client):
    token = add_account(admin_client, outbox)
    response = client.post_form(
        "/set-password", {"token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, status=302
    )
    assert response.headers["Location"] == "/sign-in?password_set=1"
    signed_in = client.post_form("/sign-in", {"email": "new.carer@example.com", "password": NEW_PASSWORD}, status=302)
    assert signed_in.headers["Location"] == "/home"


def test_the_link_works_once(admin_client, outbox, client):
    token = add_account(admin_client, outbox)
    client.post_form("/set-password", {"token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, status=302)
    again = check_page(
        client.post_form(
            "/set-password", {"token": token, "password": "another long password", "confirm": "another long password"}
        ).data
    )
    assert "This link has expired or has already been used" in text_of(again, ".nhsuk-error-summary")


def test_the_link_expires_after_72_hours(app, admin_client, outbox, client):
    token = add_account(admin_client, outbox)
    with app.app_context(), transaction():
        session.execute(update(SetPasswordToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    page = check_page(
        client.post_form("/set-password", {"token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).data
    )
    assert "This link has expired" in text_of(page, ".nhsuk-error-summary")


def test_only_a_hash_of_the_token_is_stored(app, admin_client, outbox):
    token = add_account(admin_client, outbox)
    with app.app_context(), transaction():
        stored = session.scalars(select(SetPasswordToken.token_hash)).one()
    assert token.encode() not in stored and len(stored) == 32


def test_the_token_travels_after_the_hash_sign_so_no_server_log_sees_it(admin_client, outbox):
    add_account(admin_client, outbox)
    link = re.search(r"\S+/set-password#\S+", outbox.sent[0].body).group(0)
    assert link.startswith("http://127.0.0.1:5000/set-password#")


def test_a_weak_password_is_refused_with_the_reason_and_the_code_kept(admin_client, outbox, client):
    token = add_account(admin_client, outbox)
    page = check_page(
        client.post_form("/set-password", {"token": token, "password": "password1234", "confirm": "password1234"}).data
    )
    assert "Choose a password that is harder to guess" in text_of(page, ".nhsuk-error-summary")
    assert page.select_one("#token")["value"] == token
    mismatch = check_page(
        client.post_form(
            "/set-password", {"token": token, "password": NEW_PASSWORD, "confirm": "different words here"}
        ).data
    )
    assert "The passwords do not match" in text_of(mismatch, ".nhsuk-error-summary")


def test_a_made_up_code_is_refused(client):
    page = check_page(
        client.post_form("/set-password", {"token": "made-up", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).data
    )
    assert "This link has expired or has already been used" in text_of(page, ".nhsuk-error-summary")
