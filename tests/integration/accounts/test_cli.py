"""``safetyplan users add``, ``teams add`` and ``demo``."""

import re

from safetyplan.cli import cli
from safetyplan.db import transaction


def invoke(app, *args, input=None):
    result = app.test_cli_runner().invoke(cli, list(args), input=input)
    return result.exit_code, result.output


def test_users_add_prints_a_set_password_link(app, team):
    code, output = invoke(
        app,
        "users",
        "add",
        "dr.cli@example.com",
        "--role",
        "clinician",
        "--team",
        "Riverside Test Team",
        "--name",
        "Dr Cli",
    )
    assert code == 0, output
    assert output.startswith("Added clinician dr.cli@example.com.\nSet-password link (works once, for 72 hours): ")
    assert re.search(r"http://127\.0\.0\.1:5000/set-password#[A-Za-z0-9_-]{40,}", output)
    from safetyplan.accounts.teams import team_ids_of
    from safetyplan.accounts.users import find_user_by_email

    with app.app_context(), transaction():
        user = find_user_by_email("DR.CLI@example.com")
        assert user.display_name == "Dr Cli" and team_ids_of(user) == [team.id]


def test_users_add_can_read_a_password_from_standard_input(app):
    code, output = invoke(
        app,
        "users",
        "add",
        "p@example.com",
        "--role",
        "carer",
        "--password-stdin",
        input="kettle orchard violet sunrise\n",
    )
    assert (code, output) == (0, "Added carer p@example.com.\n")
    code, output = invoke(app, "users", "add", "q@example.com", "--role", "carer", "--password-stdin", input="short\n")
    assert code == 1 and "the password was refused (too short)" in output


def test_a_persons_account_is_linked_to_their_record(app, team):
    from safetyplan.accounts.users import find_user_by_email
    from tests.factories import create_person

    with app.app_context():
        person = create_person(team, name="Linked", nhs_number="9990000115")
    assert "needs --person" in invoke(app, "users", "add", "linked@example.com", "--role", "person")[1]
    code, output = invoke(app, "users", "add", "linked@example.com", "--role", "person", "--person", "999 000 0115")
    assert code == 0, output

    with app.app_context(), transaction():
        assert find_user_by_email("linked@example.com").person_id == person.id
    assert (
        "this person already has an account"
        in invoke(app, "users", "add", "x@example.com", "--role", "person", "--person", "9990000115")[1]
    )


def test_users_add_refuses_a_duplicate_or_an_unknown_team(app):
    invoke(app, "users", "add", "same@example.com", "--role", "carer")
    assert invoke(app, "users", "add", "Same@example.com", "--role", "carer")[1].endswith(
        "an account with this email address already exists\n"
    )
    code, output = invoke(app, "users", "add", "x@example.com", "--role", "clinician", "--team", "Nowhere")
    assert code == 1 and "there is no team called 'Nowhere'" in output


def test_teams_add(app):
    assert invoke(app, "teams", "add", "Harbour Team", "--phone", "01632 960 300") == (0, "Added team Harbour Team.\n")
    assert invoke(app, "teams", "add", "harbour team")[0] == 1


def test_demo_seeds_once_and_prints_the_sign_ins(app, outbox):
    code, output = invoke(app, "demo")
    assert outbox.sent == []  # the made-up people's invitations were kept, not sent
    assert code == 0, output
    assert output.startswith("Added the demo data. Demo sign-ins")
    for role in ("clinician", "person", "carer", "auditor", "admin"):
        assert f"{role}@safetyplan.example" in output
    code, again = invoke(app, "demo")
    assert again.startswith("The demo data is already there.")
    code, totp = invoke(app, "demo", "code", "clinician@safetyplan.example")
    assert code == 0 and re.fullmatch(r"\d{6}\n", totp)
    assert invoke(app, "demo", "code", "nobody@example.com")[0] == 1


def test_demo_refuses_to_run_in_production(make_app):
    app = make_app(env="production")
    code, output = invoke(app, "demo")
    assert code == 1 and "the demo data is for development only" in output


def test_demo_people_are_obviously_fictional(app):
    invoke(app, "demo")
    from safetyplan.demo import ACCOUNTS, PEOPLE

    assert all(account.email.endswith("@safetyplan.example") for account in ACCOUNTS)
    assert all(person.nhs_number.replace(" ", "").startswith("999") for person in PEOPLE)
