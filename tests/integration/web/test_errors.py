from flask import Blueprint, render_template_string
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired

from safetyplan.web.access import public
from safetyplan.web.forms import BaseForm, redisplays_on_refused_token
from tests.pages import check_page, text_of

saved: list[str] = []


class NoteForm(BaseForm):
    title = StringField("Title")
    note = TextAreaField("Note", validators=[InputRequired(message="Enter a note")])


forms = Blueprint("forms", __name__)

NOTE_PAGE = """{% extends "layout.html" %}
{% from "components/forms.html" import csrf_field %}
{% block title %}Note{% endblock %}
{% block content %}
<h1>Note</h1>
{% for error in form.form_errors %}<p class="form-error">{{ error }}</p>{% endfor %}
<form method="post">{{ csrf_field() }}
{{ form.title(id="title") }}{{ form.note(id="note") }}<button>Save</button></form>
{% endblock %}"""


@forms.route("/test/note", methods=["GET", "POST"])
@public
@redisplays_on_refused_token
def note():
    form = NoteForm()
    if form.validate_on_submit():
        saved.append(form.note.data)
        return "saved"
    return render_template_string(NOTE_PAGE, form=form)


@forms.post("/test/plain-action")
@public
def plain_action():
    saved.append("plain action ran")
    return "done"


def test_not_found_is_the_styled_page(client):
    page = client.get_page("/no-such-page", status=404)
    assert text_of(page, "h1") == "Page not found"
    assert page.select_one("header.nhsuk-header") is not None
    assert page.select_one("footer.nhsuk-footer") is not None


def test_not_found_in_welsh(client):
    page = client.get_page("/no-such-page?lang=cy", status=404)
    assert page.html["lang"] == "cy"
    assert text_of(page, "h1") == "Heb ddod o hyd i'r dudalen"


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.client.put("/healthz")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert text_of(check_page(response.data), "h1") == "Sorry, this page cannot do that"


def test_server_error_page_says_what_to_do_and_hides_the_error(make_app):
    from tests.integration.web.test_security import broken

    app = make_app(broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/test/broken?lang=cy")
    assert response.status_code == 500
    page = check_page(response.data)
    assert text_of(page, "h1") == "Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth"
    assert b"something went wrong" not in response.data
    assert b"Traceback" not in response.data


def test_missing_csrf_token_is_refused_and_shows_what_was_typed(make_app):
    saved.clear()
    client = make_app(forms).test_client()
    response = client.post("/test/plain-action", data={"story": "My words <b>matter</b>", "password": "hunter2hunter2"})
    assert response.status_code == 400
    page = check_page(response.data)
    assert text_of(page, "h1") == "This page was open for too long"
    assert [p.get_text() for p in page.select(".app-kept-text")] == ["My words <b>matter</b>"]
    assert b"<b>matter" not in response.data  # shown as text, never as markup
    assert b"hunter2" not in response.data  # a password is never echoed onto a screen
    assert saved == []


def test_stale_csrf_token_redisplays_the_form_with_the_text_kept(make_app):
    saved.clear()
    client = make_app(forms).test_client()
    client.get("/test/note")
    response = client.post("/test/note", data={"csrf_token": "stale-or-forged", "title": "Sunday", "note": "Walk"})
    assert response.status_code == 400
    page = check_page(response.data)
    assert page.select_one("#title")["value"] == "Sunday"
    assert page.select_one("#note").get_text().lstrip("\r\n") == "Walk"  # HTML drops a leading newline
    assert "This page was open for too long, so nothing was saved." in text_of(page, ".form-error")
    assert saved == []


def test_a_fresh_csrf_token_lets_the_form_save(make_app):
    saved.clear()
    client = make_app(forms).test_client()
    token = check_page(client.get("/test/note").data).select_one("input[name=csrf_token]")["value"]
    response = client.post("/test/note", data={"csrf_token": token, "note": "Walk"})
    assert response.get_data(as_text=True) == "saved"
    assert saved == ["Walk"]


def test_a_csrf_token_from_another_session_is_refused(make_app):
    saved.clear()
    app = make_app(forms)
    someone_else = app.test_client()
    token = check_page(someone_else.get("/test/note").data).select_one("input[name=csrf_token]")["value"]
    response = app.test_client().post("/test/note", data={"csrf_token": token, "note": "Walk"})
    assert response.status_code == 400
    assert saved == []


def test_a_refused_token_on_an_idle_session_signs_out_and_shows_the_words_back(app, make_app):
    saved.clear()
    import time

    from safetyplan.web.session import LAST_SEEN
    from tests.factories import create_account
    from tests.pages import PageClient

    with app.app_context():
        account = create_account("clinician")
    client = PageClient(make_app(forms).test_client())
    client.sign_in(account)
    with client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 16 * 60
    response = client.client.post("/test/note", data={"csrf_token": "stale", "note": "My words from just now"})
    assert response.status_code == 401
    page = check_page(response.data)
    assert text_of(page, "h1") == "You have been signed out"
    assert [p.get_text() for p in page.select(".app-kept-text")] == ["My words from just now"]
    assert page.select_one("main a.nhsuk-button")["href"].startswith("/sign-in?timed_out=1")
    assert saved == []
    assert client.client.get("/home").status_code == 302  # signed out: the session ended


def test_a_refused_token_from_a_role_the_page_refuses_is_a_403_not_a_500(app, make_app):
    from safetyplan.web.access import signed_in

    guarded = Blueprint("guarded", __name__)

    @guarded.route("/test/admins-only", methods=["GET", "POST"])
    @signed_in("admin")
    @redisplays_on_refused_token
    def admins_only():
        return "admins"

    from tests.factories import create_account
    from tests.pages import PageClient

    with app.app_context():
        account = create_account("carer")
    test_app = make_app(guarded)
    test_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = PageClient(test_app.test_client())
    client.sign_in(account)
    assert client.client.post("/test/admins-only", data={"csrf_token": "stale"}).status_code == 403


crashing = Blueprint("crashing", __name__)


@crashing.post("/test/crashing-form")
@public
def crashing_form():
    raise RuntimeError("a bug")


def test_a_server_error_from_a_form_shows_the_words_back(make_app):
    app = make_app(crashing)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post(
        "/test/crashing-form",
        data={"story": "What keeps me going: my niece", "password": "hunter2hunter2", "person_took_part": "y"},
    )
    assert response.status_code == 500
    page = check_page(response.data)
    assert [p.get_text() for p in page.select(".app-kept-text")] == ["What keeps me going: my niece"]
    assert b"hunter2" not in response.data


def test_a_draft_too_long_to_keep_gets_413_with_the_words_back(app, clinician_client, team):
    from tests.factories import create_person

    with app.app_context():
        person = create_person(team, name="Lee Long-Draft")
    token = clinician_client.csrf_token(f"/people/{person.id}/plan/edit")
    words = "I walk by the canal. " * 300
    response = clinician_client.client.post(
        f"/people/{person.id}/plan/draft", data={"csrf_token": token, "base_number": "0", "on_my_own": words}
    )
    assert response.status_code == 413
    assert [p.get_text() for p in check_page(response.data).select(".app-kept-text")] == [words]


def test_a_body_too_large_to_read_says_the_words_are_still_in_the_browser(client):
    response = client.client.post("/sign-in", data={"email": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    page = check_page(response.data)
    assert "too large for us to show it back here" in text_of(page, "main")
    assert "back button" in text_of(page, "main")
