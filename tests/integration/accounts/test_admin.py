"""Admins manage accounts and teams; the pages say what went wrong next to the field."""

from tests.pages import check_page, text_of


def test_adding_an_account_needs_a_name_a_valid_email_and_a_role(admin_client, outbox):
    page = check_page(
        admin_client.post_form(
            "/admin/users/new", {"display_name": "", "email": "not-an-email", "team": "", "language": "en"}
        ).data
    )
    assert [a.get_text(strip=True) for a in page.select(".nhsuk-error-summary a")] == [
        "Enter the person's full name",
        "Enter an email address in the correct format, like name@example.com",
        "Select what this account is for",
    ]
    assert page.select_one("#email")["value"] == "not-an-email"
    assert outbox.sent == []


def test_a_clinician_needs_a_team(admin_client):
    page = check_page(
        admin_client.post_form(
            "/admin/users/new",
            {
                "display_name": "Dr New",
                "email": "dr.new@example.com",
                "role": "clinician",
                "team": "",
                "language": "en",
            },
        ).data
    )
    assert "Select the clinician's team" in text_of(page, ".nhsuk-error-summary")


def test_an_email_address_can_only_be_used_once(admin_client, outbox):
    data = {"display_name": "Nia", "email": "nia@example.com", "role": "carer", "team": "", "language": "en"}
    admin_client.post_form("/admin/users/new", data, status=302)
    page = check_page(admin_client.post_form("/admin/users/new", {**data, "email": " NIA@Example.com "}).data)
    assert "An account with this email address already exists" in text_of(page, ".nhsuk-error-summary")
    assert len(outbox.sent) == 1


def test_the_set_password_message_is_in_the_new_users_language(admin_client, outbox):
    admin_client.post_form(
        "/admin/users/new",
        {"display_name": "Elin", "email": "elin@example.com", "role": "carer", "team": "", "language": "cy"},
        status=302,
    )
    assert outbox.sent[0].subject == "Gosodwch eich cyfrinair Cynllun Diogelwch"


def test_accounts_list_shows_names_and_roles(admin_client):
    admin_client.post_form(
        "/admin/users/new",
        {"display_name": "Carys Carer", "email": "carys@example.com", "role": "carer", "team": "", "language": "en"},
        status=302,
    )
    page = admin_client.get_page("/admin/users")
    assert "Account made. We have sent a link to set a password to carys@example.com." in text_of(
        page, ".nhsuk-notification-banner"
    )
    row = next(tr for tr in page.select("tbody tr") if "Carys Carer" in tr.get_text())
    text = " ".join(row.get_text(" ", strip=True).split())
    assert "carys@example.com" in text and "Family member, friend or carer" in text and "Not set up" in text


def test_teams_are_made_and_clinicians_join_them(app, admin_client):
    response = admin_client.post_form(
        "/admin/teams/new", {"name": "Harbour Team", "phone": "01632 960 200"}, status=302
    )
    team_url = response.headers["Location"]
    from tests.factories import create_account

    with app.app_context():
        create_account("clinician", name="Dr Tide")
    page = admin_client.get_page(team_url)
    option = next(o for o in page.select("#clinician option") if o.get_text() == "Dr Tide")
    admin_client.post_form(team_url, {"clinician": option["value"]}, status=302)
    page = admin_client.get_page(team_url)
    assert "Dr Tide" in text_of(page, "main ul")
    duplicate = check_page(admin_client.post_form("/admin/teams/new", {"name": "harbour team"}).data)
    assert "A team with this name already exists" in text_of(duplicate, ".nhsuk-error-summary")


def test_a_persons_own_account_is_linked_to_their_record_by_nhs_number(app, admin_client, outbox, client):
    from tests.factories import create_person, create_team

    with app.app_context():
        create_person(create_team("Linked Team"), name="Linked Person", nhs_number="9990000077")
    data = {
        "display_name": "Linked Person",
        "email": "linked@example.com",
        "role": "person",
        "team": "",
        "language": "en",
    }
    missing = check_page(admin_client.post_form("/admin/users/new", data).data)
    assert "Enter the NHS number of the person's record" in text_of(missing, ".nhsuk-error-summary")
    unknown = check_page(admin_client.post_form("/admin/users/new", {**data, "person_nhs_number": "9990000085"}).data)
    assert "No one with this NHS number is recorded" in text_of(unknown, ".nhsuk-error-summary")
    admin_client.post_form("/admin/users/new", {**data, "person_nhs_number": "999 000 0077"}, status=302)
    again = check_page(
        admin_client.post_form(
            "/admin/users/new", {**data, "email": "other@example.com", "person_nhs_number": "9990000077"}
        ).data
    )
    assert "This person already has an account" in text_of(again, ".nhsuk-error-summary")
    from safetyplan.accounts.users import find_user_by_email
    from safetyplan.db import transaction
    from safetyplan.people.services import find_person_by_nhs_number

    with app.app_context(), transaction():
        assert (
            find_user_by_email("linked@example.com").person_id
            == find_person_by_nhs_number(by=None, nhs_number="9990000077").id
        )


def test_an_admin_puts_a_recorded_person_on_another_teams_caseload(app, admin_client):
    from tests.factories import create_person, create_team

    with app.app_context():
        create_person(create_team("First Team"), name="Moving Person", nhs_number="9990000093")
        second = create_team("Second Team")
    url = f"/admin/teams/{second.id}"
    assert "0 people are on this team's caseload" in text_of(admin_client.get_page(url), "main")
    admin_client.post_form(f"{url}/caseload", {"nhs_number": "999 000 0093"}, from_url=url, status=302)
    page = admin_client.get_page(url)
    assert "Moving Person added to the caseload." in text_of(page, ".nhsuk-notification-banner")
    assert "1 person is on this team's caseload" in text_of(page, "main")
    again = check_page(admin_client.post_form(f"{url}/caseload", {"nhs_number": "9990000093"}, from_url=url).data)
    assert "This person is already on this team's caseload" in text_of(again, ".nhsuk-error-summary")
    unknown = check_page(admin_client.post_form(f"{url}/caseload", {"nhs_number": "9990000107"}, from_url=url).data)
    assert "No one with this NHS number is recorded" in text_of(unknown, ".nhsuk-error-summary")
