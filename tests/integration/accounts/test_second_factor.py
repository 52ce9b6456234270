"""The authenticator app: enrolment at first sign-in for staff, codes used once, recovery codes used once."""

import re

import pyotp
from sqlalchemy import select

from safetyplan.accounts.models import RecoveryCode
from safetyplan.db import session, transaction
from tests.factories import create_account
from tests.pages import check_page, text_of


def test_staff_without_an_app_must_set_one_up_before_going_further(app, client):
    with app.app_context():
        account = create_account("clinician", with_app=False)
    response = client.post_form("/sign-in", {"email": account.email, "password": account.password}, status=302)
    assert response.headers["Location"] == "/sign-in/set-up-app"
    assert client.get("/home").status_code == 302  # not signed in yet

    page = client.get_page("/sign-in/set-up-app")
    svg = page.select_one(".app-qr svg")
    assert svg is not None and svg.find("title").get_text() == "QR code for your authenticator app"
    secret = text_of(page, ".app-secret-key").replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    wrong = check_page(
        client.post_form(
            "/sign-in/set-up-app", {"secret": page.select_one("#secret")["value"], "code": "123456"}, status=200
        ).data
    )
    assert "The code is not correct" in text_of(wrong, ".nhsuk-error-summary")

    signed_secret = wrong.select_one("#secret")["value"]
    done = check_page(
        client.post_form(
            "/sign-in/set-up-app", {"secret": signed_secret, "code": pyotp.TOTP(secret).now()}, status=200
        ).data
    )
    assert text_of(done, "h1") == "Save your recovery codes"
    codes = [code.get_text() for code in done.select(".app-recovery-codes li")]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/home").status_code == 302 and client.get("/caseload").status_code == 200  # signed in now


def test_a_tampered_secret_is_refused(app, client):
    with app.app_context():
        account = create_account("admin", with_app=False)
    client.post_form("/sign-in", {"email": account.email, "password": account.password}, status=302)
    secret = pyotp.random_base32()
    page = check_page(
        client.post_form(
            "/sign-in/set-up-app", {"secret": f'["{account.id}", "{secret}"]', "code": pyotp.TOTP(secret).now()}
        ).data
    )
    assert "This page was open for too long" in text_of(page, ".nhsuk-error-summary")


def test_a_code_cannot_be_used_twice(app, make_app):
    with app.app_context():
        account = create_account("auditor")
    code = pyotp.TOTP(account.totp_secret).now()
    from tests.pages import PageClient

    first, second = PageClient(app.test_client()), PageClient(make_app().test_client())
    for client in (first, second):
        client.post_form("/sign-in", {"email": account.email, "password": account.password}, status=302)
    assert first.post_form("/sign-in/code", {"code": code}, status=302).headers["Location"] == "/home"
    assert "The code is not correct" in second.post_form("/sign-in/code", {"code": code}, status=200).get_data(
        as_text=True
    )


def test_recovery_codes_work_once_and_are_stored_hashed(app, client):
    with app.app_context():
        account = create_account("admin", with_app=False)
    client.post_form("/sign-in", {"email": account.email, "password": account.password}, status=302)
    page = client.get_page("/sign-in/set-up-app")
    secret = text_of(page, ".app-secret-key").replace(" ", "")
    done = check_page(
        client.post_form(
            "/sign-in/set-up-app", {"secret": page.select_one("#secret")["value"], "code": pyotp.TOTP(secret).now()}
        ).data
    )
    code = done.select_one(".app-recovery-codes li").get_text()
    client.post_form("/sign-out", {}, from_url="/account", status=302)

    with app.app_context(), transaction():
        stored = b"".join(session.scalars(select(RecoveryCode.code_hash)))
    assert code.replace("-", "").encode() not in stored

    client.post_form("/sign-in", {"email": account.email, "password": account.password}, status=302)
    assert client.post_form("/sign-in/code", {"code": code.upper()}, status=302).headers["Location"] == "/home"
    client.post_form("/sign-out", {}, from_url="/account", status=302)
    client.post_form("/sign-in", {"email": account.email, "password": account.password}, status=302)
    assert "The code is not correct" in client.post_form("/sign-in/code", {"code": code}, status=200).get_data(
        as_text=True
    )


def test_people_are_offered_an_app_from_their_account_page(person_client):
    page = person_client.get_page("/account")
    assert "Not set up" in text_of(page, ".nhsuk-summary-list")
    assert person_client.get_page("/account/authenticator-app").select_one(".app-qr svg") is not None


def test_replacing_an_app_needs_the_current_password(auditor_client):
    page = auditor_client.get_page("/account/authenticator-app")
    secret = text_of(page, ".app-secret-key").replace(" ", "")
    data = {
        "secret": page.select_one("#secret")["value"],
        "code": pyotp.TOTP(secret).now(),
        "current_password": "wrong one",
    }
    refused = check_page(auditor_client.post_form("/account/authenticator-app", data).data)
    assert "Enter your current password to replace your authenticator app" in text_of(refused, ".nhsuk-error-summary")
    data["current_password"] = auditor_client.account.password
    data["secret"] = refused.select_one("#secret")["value"]
    secret = text_of(refused, ".app-secret-key").replace(" ", "")
    data["code"] = pyotp.TOTP(secret).now()
    done = check_page(auditor_client.post_form("/account/authenticator-app", data).data)
    assert text_of(done, "h1") == "Save your recovery codes"


def test_the_key_to_type_is_shown_in_groups_of_four_and_not_as_code(app, client):
    """32 letters in one red string are hard to copy by hand: groups of four, in the page's own colour."""
    with app.app_context():
        account = create_account("clinician", with_app=False)
    client.post_form("/sign-in", {"email": account.email, "password": account.password}, status=302)
    page = client.get_page("/sign-in/set-up-app")
    key = page.select_one(".app-secret-key")
    groups = [group.get_text() for group in key.select(".app-secret-key__group")]
    assert len(groups) == 8 and all(re.fullmatch(r"[A-Z2-7]{4}", group) for group in groups)
    assert text_of(page, ".app-secret-key") == " ".join(groups)
    assert key.find("code") is None  # the NHS.UK frontend colours code red, as if it were an error
