"""Signing in: one generic failure, the same work for unknown accounts, throttling, sessions, timeouts."""

import re
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update

from safetyplan.accounts.models import UserSession
from safetyplan.db import transaction, utcnow
from safetyplan.web.session import LAST_SEEN
from tests.factories import create_account, get_user
from tests.pages import PageClient, check_page, text_of

REFUSED = "The email address or password is not correct"


def attempt(client, email, password="wrong password entirely"):
    return client.post_form("/sign-in", {"email": email, "password": password}, status=200)


def test_a_person_without_an_app_signs_in_with_a_password(app, client):
    from tests.factories import create_person, create_team

    with app.app_context():
        account = create_account("person", person=create_person(create_team("Sign-in Team")))
    response = client.sign_in(account)
    assert response.headers["Location"] == "/home"
    assert client.get("/home").headers["Location"] == "/my-plan"
    assert text_of(client.get_page("/my-plan"), "h1") == "Your safety plan"


def test_staff_sign_in_needs_the_code_from_their_app(app, client):
    with app.app_context():
        account = create_account("auditor")
    response = client.post_form("/sign-in", {"email": account.email, "password": account.password}, status=302)
    assert response.headers["Location"] == "/sign-in/code"
    assert client.get("/account").status_code == 302  # not signed in until the code is given
    wrong = client.post_form("/sign-in/code", {"code": "000000"}, status=200)
    assert "The code is not correct" in wrong.get_data(as_text=True)


def test_unknown_and_known_accounts_get_identical_answers_after_the_same_work(app, client, monkeypatch):
    with app.app_context():
        known = create_account("person")
    calls = []
    original = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, *args: calls.append(1) or original(self, *args))

    def answer(email):
        calls.clear()
        response = attempt(client, email)
        # Tokens differ by design: the nonce, and the CSRF token, whose signature carries the second it was made.
        body = re.sub(r'(nonce|value|name="csrf-token" content)="[^"]*"', "", response.get_data(as_text=True))
        return response.status_code, body.replace(email, "EMAIL"), len(calls)

    assert answer(known.email) == answer("nobody-here@example.com")
    assert answer(known.email)[2] == 1
    page = check_page(attempt(client, "nobody-here@example.com").data)
    assert text_of(page, ".nhsuk-error-summary") == f"There is a problem {REFUSED}"


def test_a_wrong_password_keeps_the_email_and_never_the_password(app, client):
    with app.app_context():
        account = create_account("person")
    page = check_page(attempt(client, account.email, "my secret attempt 123").data)
    assert page.select_one("#email")["value"] == account.email
    assert page.select_one("#password").get("value", "") == ""
    assert "my secret attempt" not in str(page)


def test_five_failures_lock_the_account_for_a_while_even_with_the_right_password(app, client):
    with app.app_context():
        account = create_account("person")
    for _ in range(5):
        attempt(client, account.email)
    body = attempt(client, account.email, account.password).get_data(as_text=True)
    assert re.search(r"You have tried to sign in too many times\. Try again in 1[45] minutes\.", body)


def test_throttling_holds_across_two_app_instances_on_one_database(app, make_app):
    with app.app_context():
        account = create_account("person")
    first, second = PageClient(app.test_client()), PageClient(make_app().test_client())
    for client in (first, second, first, second, first):
        attempt(client, account.email)
    assert "too many times" in attempt(second, account.email, account.password).get_data(as_text=True)


def test_unknown_accounts_are_throttled_like_known_ones(client):
    for _ in range(5):
        attempt(client, "nobody@example.com")
    assert "too many times" in attempt(client, "nobody@example.com").get_data(as_text=True)


def test_many_failures_from_one_address_are_throttled(app, client):
    for n in range(20):
        attempt(client, f"guess-{n}@example.com")
    with app.app_context():
        account = create_account("person")
    assert "too many times" in attempt(client, account.email, account.password).get_data(as_text=True)


def test_the_session_cookie_changes_at_sign_in(app, client):
    with app.app_context():
        account = create_account("person")
    client.get("/sign-in")
    before = client.client.get_cookie("safetyplan_session").value
    client.sign_in(account)
    after = client.client.get_cookie("safetyplan_session").value
    assert before != after
    other = PageClient(app.test_client())
    other.sign_in(account)
    with client.client.session_transaction() as mine, other.client.session_transaction() as theirs:
        assert mine["_user_id"] != theirs["_user_id"]  # each sign-in has its own server-side session


def copy_of_cookie(source: PageClient, app) -> PageClient:
    thief = PageClient(app.test_client())
    thief.client.set_cookie("safetyplan_session", source.client.get_cookie("safetyplan_session").value)
    return thief


def test_a_copied_cookie_stops_working_after_sign_out(app, person_client):
    thief = copy_of_cookie(person_client, app)
    assert thief.get("/account").status_code == 200
    person_client.post_form("/sign-out", {}, from_url="/account", status=302)
    assert thief.get("/account").status_code == 302
    assert person_client.get("/account").status_code == 302


def test_a_password_change_ends_every_other_session(app, person_client):
    thief = copy_of_cookie(person_client, app)
    account = person_client.account
    response = person_client.post_form(
        "/account/password",
        {"current": account.password, "password": "new orchard kettle words", "confirm": "new orchard kettle words"},
        status=302,
    )
    assert response.headers["Location"] == "/account"
    assert "You have been signed out everywhere else" in person_client.get("/account").get_data(as_text=True)
    assert thief.get("/account").status_code == 302


def test_idle_staff_are_signed_out_after_15_minutes(clinician_client):
    with clinician_client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 15 * 60 - 5
    response = clinician_client.get("/caseload")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?timed_out=1&next=/caseload"
    page = clinician_client.get_page("/sign-in?timed_out=1")
    assert "You were signed out because you had not done anything for a while" in text_of(page, "main")


def test_a_session_at_exactly_its_idle_limit_is_signed_out(clinician_client):
    """The page's own timer sends it to sign in at the limit: that request must not find the session still live."""
    with clinician_client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 15 * 60
    assert clinician_client.get("/caseload").status_code == 302


def test_people_may_stay_idle_for_30_minutes(person_client):
    with person_client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 20 * 60
    assert person_client.get("/account").status_code == 200
    with person_client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 31 * 60
    assert person_client.get("/account").status_code == 302


def test_a_session_ends_after_12_hours_whatever_happens(app, person_client):
    with app.app_context(), transaction() as db:
        db.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert person_client.get("/account").status_code == 302


def test_a_page_moves_the_idle_clock_only_once_it_is_a_minute_old_and_says_the_time_really_left(person_client):
    """Moving the clock re-signs the cookie: a page read within a minute of the last move leaves it, a form moves it."""
    with person_client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = moved = int(time.time()) - 40
    page = person_client.get("/account").get_data(as_text=True)
    with person_client.client.session_transaction() as cookie:
        assert cookie[LAST_SEEN] == moved
    left = int(re.search(r'data-idle-seconds-now="(\d+)"', page).group(1))
    assert 30 * 60 - 45 <= left <= 30 * 60 - 40  # the page warns when the server will sign out, not later
    assert 'data-idle-seconds="1800"' in page
    with person_client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 61
    person_client.get("/account")
    with person_client.client.session_transaction() as cookie:
        assert int(time.time()) - cookie[LAST_SEEN] < 5
    with person_client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 10
    token = person_client.csrf_token("/account/password")
    assert person_client.client.post("/session/keep-alive", headers={"X-CSRFToken": token}).status_code == 204
    with person_client.client.session_transaction() as cookie:
        assert int(time.time()) - cookie[LAST_SEEN] < 5


def test_the_keep_alive_button_resets_the_idle_clock(person_client):
    with person_client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 25 * 60
    token = person_client.csrf_token("/account/password")
    response = person_client.client.post("/session/keep-alive", headers={"X-CSRFToken": token})
    assert response.status_code == 204
    with person_client.client.session_transaction() as cookie:
        assert int(time.time()) - cookie[LAST_SEEN] < 5


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("/account", "/account"), ("//evil.example/x", "/home"), ("https://evil.example/", "/home"), ("/\\evil", "/home")],
)
def test_after_sign_in_next_goes_only_to_this_site(app, client, next_url, lands_on):
    with app.app_context():
        account = create_account("person")
    response = client.post_form(
        f"/sign-in?next={next_url}",
        {"email": account.email, "password": account.password},
        from_url="/sign-in",
        status=302,
    )
    assert response.headers["Location"] == lands_on


def test_signing_in_remembers_the_accounts_language(app, client):
    with app.app_context():
        account = create_account("person", language="cy")
    client.sign_in(account)
    page = client.get_page("/account")
    assert page.html["lang"] == "cy"


def test_a_next_address_with_a_line_break_is_ignored(app, client):
    with app.app_context():
        account = create_account("carer")
    response = client.post_form(
        "/sign-in?next=/account%0d%0aX-Injected:%201",
        {"email": account.email, "password": account.password},
        from_url="/sign-in",
        status=302,
    )
    assert response.headers["Location"] == "/home"


def test_a_language_chosen_on_the_sign_in_page_wins_and_is_saved_to_the_account(app, client):
    with app.app_context():
        account = create_account("person", language="en")
    client.get("/sign-in?lang=cy")  # chosen after the account's language was set
    client.sign_in(account)
    assert client.get_page("/account").html["lang"] == "cy"
    with app.app_context():
        assert get_user(account).preferred_language == "cy"  # so messages are in Welsh too


def test_a_language_chosen_in_the_browser_long_ago_loses_to_the_accounts_newer_choice(app, client):
    client.client.set_cookie("lang", "cy.1000000000")  # chosen in 2001, say
    with app.app_context():
        account = create_account("person", language="en")  # chosen now
    client.sign_in(account)
    assert client.get_page("/account").html["lang"] == "en"
    with app.app_context():
        assert get_user(account).preferred_language == "en"


def test_switching_language_when_signed_in_is_saved_to_the_account(app, person_client):
    page = person_client.get_page("/account?x=1")
    switch = page.select_one(".app-language-switch form")
    assert switch["method"] == "post"
    assert switch.select_one("input[name=next]")["value"] == "/account?x=1"
    response = person_client.post_form(
        switch["action"], {"language": "cy", "next": "/account?x=1"}, from_url="/account", status=302
    )
    assert response.headers["Location"] == "/account?x=1"
    assert person_client.get_page("/account").html["lang"] == "cy"
    with app.app_context():
        assert get_user(person_client.account).preferred_language == "cy"
    person_client.post_form("/sign-out", {}, from_url="/account", status=302)
    person_client.client.delete_cookie("lang")  # another browser
    person_client.sign_in(person_client.account)
    assert person_client.get_page("/account").html["lang"] == "cy"


def test_the_switch_goes_back_only_to_this_site(app, person_client):
    response = person_client.post_form(
        "/language", {"language": "cy", "next": "https://elsewhere.example/"}, from_url="/account", status=302
    )
    assert response.headers["Location"] == "/home"
