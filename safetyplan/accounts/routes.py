"""Signing in and out, setting a password, the second factor, the account page, and the admin pages."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from safetyplan.accounts import services
from safetyplan.accounts.forms import (
    CODE_REFUSED,
    PASSWORD_PROBLEMS,
    SIGN_IN_REFUSED,
    AddMemberForm,
    AddTeamForm,
    AddToCaseloadForm,
    AddUserForm,
    ChangePasswordForm,
    LanguageForm,
    SecondFactorForm,
    SetPasswordForm,
    SetUpAppForm,
    SignInForm,
)
from safetyplan.accounts.models import User
from safetyplan.accounts.passwords import PasswordProblem, verify_password
from safetyplan.config import Settings
from safetyplan.people import services as people
from safetyplan.web.access import public, signed_in
from safetyplan.web.forms import options, redisplays_on_refused_token
from safetyplan.web.locale import remember_choice, remembered_choice
from safetyplan.web.session import LAST_SEEN, safe_next

bp = Blueprint("accounts", __name__)
admin = Blueprint("admin", __name__, url_prefix="/admin")

PENDING = "pending_sign_in"  # the first factor passed; waiting for the second
PENDING_SECONDS = 5 * 60
SET_UP_SECONDS = 15 * 60


def _address() -> str | None:
    return request.remote_addr


def _throttled_message(minutes: int) -> str:
    return ngettext(
        "You have tried to sign in too many times. Try again in %(num)d minute.",
        "You have tried to sign in too many times. Try again in %(num)d minutes.",
        minutes,
    )


def _settings() -> Settings:
    return current_app.extensions["safetyplan.settings"]  # type: ignore[no-any-return]


def complete_sign_in(user: User) -> None:
    """Both factors passed: a fresh cookie (the old session id is dropped) tied to a new server-side session."""
    next_url = session.get(PENDING, {}).get("next")
    session.clear()
    services.start_session(user, address=_address())
    login_user(user)
    session[LAST_SEEN] = int(time.time())
    remembered = remembered_choice()
    browser_choice = (remembered[0], datetime.fromtimestamp(remembered[1], UTC)) if remembered else None
    language, chosen_at = services.settle_language(user, browser_choice)  # the later explicit choice wins
    remember_choice(language, int(chosen_at.timestamp()) if chosen_at else 0)
    g.after_sign_in = safe_next(next_url, url_for("accounts.home"))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = services.get_user(uuid.UUID(pending["user"]))
    return user if user is not None and user.is_active else None


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@redisplays_on_refused_token
def sign_in() -> ResponseReturnValue:
    """Sign in with an email address and password (then a code, where the account has a second factor)."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data or "", form.password.data or "", address=_address())
        except services.Throttled as throttled:
            form.email.errors.append(_throttled_message(throttled.minutes))
        except services.SignInRefused:
            form.email.errors.append(str(SIGN_IN_REFUSED))
        else:
            next_url = request.args.get("next")
            session.clear()
            session[PENDING] = {"user": str(user.id), "at": time.time(), "next": next_url}
            if user.has_second_factor:
                return redirect(url_for("accounts.second_factor"))
            if user.needs_second_factor:
                return redirect(url_for("accounts.set_up_app_at_sign_in"))
            complete_sign_in(user)
            return redirect(g.after_sign_in)
    return render_template(
        "accounts/sign_in.html",
        form=form,
        timed_out=request.args.get("timed_out") == "1",
        signed_out=request.args.get("signed_out") == "1",
        password_set=request.args.get("password_set") == "1",
    )


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@redisplays_on_refused_token
def second_factor() -> ResponseReturnValue:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None or not user.has_second_factor:
        return redirect(url_for("accounts.sign_in"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            services.check_second_factor(user, form.code.data or "", address=_address())
        except services.Throttled as throttled:
            form.code.errors.append(_throttled_message(throttled.minutes))
        except services.SignInRefused:
            form.code.errors.append(str(CODE_REFUSED))
        else:
            complete_sign_in(user)
            return redirect(g.after_sign_in)
    return render_template("accounts/second_factor.html", form=form)


def _enrolment_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="safetyplan.totp-set-up")


def _set_up_app(user: User, form: SetUpAppForm, *, at_sign_in: bool) -> ResponseReturnValue:
    """Show a new secret as a QR code; once the app shows a matching code, turn it on and show recovery codes.

    The secret travels in the form, signed and time-limited, so that showing the page stores nothing.
    """
    signer = _enrolment_signer()
    secret: str | None = None
    if form.is_submitted():
        try:
            owner, secret = signer.loads(form.secret.data or "", max_age=SET_UP_SECONDS)
            if owner != str(user.id):
                secret = None
        except BadSignature:  # changed, or older than 15 minutes
            secret = None
    replacing = user.has_second_factor and not at_sign_in
    if form.validate_on_submit():
        if replacing and not verify_password(user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append(_("Enter your current password to replace your authenticator app"))
        elif secret is None:
            form.code.errors.append(_("This page was open for too long. Scan the new QR code and enter a new code"))
        else:
            try:
                codes = services.enable_totp(user, secret, form.code.data or "")
            except services.AccountError:
                form.code.errors.append(str(CODE_REFUSED))
            else:
                if at_sign_in:
                    complete_sign_in(user)
                    continue_to = g.after_sign_in
                else:
                    continue_to = url_for("accounts.account")
                return render_template("accounts/recovery_codes.html", codes=codes, continue_to=continue_to)
    if secret is None:
        secret = services.new_totp_secret()
    form.secret.data = signer.dumps([str(user.id), secret])
    qr_code = Markup(
        segno.make(services.totp_uri(user, secret), error="m").svg_inline(
            scale=4, title=_("QR code for your authenticator app"), svgclass="app-qr-code"
        )
    )
    return render_template(
        "accounts/set_up_app.html",
        form=form,
        qr_code=qr_code,
        secret=secret,
        at_sign_in=at_sign_in,
        replacing=replacing,
    )


@bp.route("/sign-in/set-up-app", methods=["GET", "POST"])
@public
def set_up_app_at_sign_in() -> ResponseReturnValue:
    """Staff accounts must add an authenticator app before they can go further."""
    user = _pending_user()
    if user is None or user.has_second_factor:
        return redirect(url_for("accounts.sign_in"))
    return _set_up_app(user, SetUpAppForm(), at_sign_in=True)


@bp.post("/sign-out")
@signed_in()
def sign_out() -> ResponseReturnValue:
    """End this session on the server, so that a copy of the cookie stops working too."""
    services.end_session(current_user._get_current_object(), reason="signed_out")
    logout_user()
    session.clear()
    return redirect(url_for("accounts.sign_in", signed_out=1))


@bp.post("/session/keep-alive")
@signed_in()
def keep_alive() -> Response:
    """Called by the "stay signed in" button: the request itself resets the idle clock."""
    return Response(status=204)


@bp.route("/set-password", methods=["GET", "POST"])
@public
@redisplays_on_refused_token
def set_password() -> ResponseReturnValue:
    """Set a password with the code from a set-password link (the link puts it in the form)."""
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_with_token(form.token.data or "", form.password.data or "")
        except services.AccountError:
            form.token.errors.append(
                _("This link has expired or has already been used. Ask your care team or admin for a new one")
            )
        except PasswordProblem as problem:
            form.password.errors.append(str(PASSWORD_PROBLEMS[problem.code]))
        else:
            return redirect(url_for("accounts.sign_in", password_set=1))
    return render_template("accounts/set_password.html", form=form)


@bp.get("/home")
@signed_in()
def home() -> ResponseReturnValue:
    """Where each role starts after signing in."""
    user = current_user._get_current_object()
    if user.role == "clinician":
        return redirect(url_for("people.caseload"))
    if user.role == "admin":
        return redirect(url_for("admin.users"))
    if user.role == "auditor":
        return redirect(url_for("assurance.report"))
    if user.role == "person":
        return redirect(url_for("plans.my_plan"))
    return redirect(url_for("sharing.shared_home"))


@bp.get("/account")
@signed_in()
def account() -> str:
    """The signed-in user's own account: name, email, language, second factor."""
    user = current_user._get_current_object()
    return render_template("accounts/account.html", user=user, recovery_codes_left=services.unused_recovery_codes(user))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in()
@redisplays_on_refused_token
def change_password() -> ResponseReturnValue:
    """Change the password; every other session of this account ends."""
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, current=form.current.data or "", new=form.password.data or "")
        except services.AccountError:
            form.current.errors.append(_("Your current password is not correct"))
        except PasswordProblem as problem:
            form.password.errors.append(str(PASSWORD_PROBLEMS[problem.code]))
        else:
            # Every session ended, this one too: start a new one so that this browser stays signed in.
            session.clear()
            services.start_session(user, address=_address())
            login_user(user)
            session[LAST_SEEN] = int(time.time())
            flash(_("Your password has been changed. You have been signed out everywhere else."))
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/language", methods=["GET", "POST"])
@signed_in()
def change_language() -> ResponseReturnValue:
    """The language SafetyPlan uses with this account, including its messages."""
    user = current_user._get_current_object()
    form = LanguageForm(language=user.preferred_language)
    if form.validate_on_submit():
        _choose_language(user, form.language.data or "en")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/change_language.html", form=form)


def _choose_language(user: User, language: str) -> None:
    now = int(time.time())
    services.set_language(user, language, chosen_at=datetime.fromtimestamp(now, UTC))
    remember_choice(language, now)


@bp.post("/language")
@signed_in()
def switch_language() -> ResponseReturnValue:
    """The language links in the page header, for a signed-in user: the choice is saved to the account too, so that
    it holds on their next sign-in and their messages follow it."""
    form = LanguageForm()
    if form.validate_on_submit():
        _choose_language(current_user._get_current_object(), form.language.data or "en")
    return redirect(safe_next(request.form.get("next"), url_for("accounts.home")))


@bp.route("/account/authenticator-app", methods=["GET", "POST"])
@signed_in()
def set_up_app() -> ResponseReturnValue:
    """Add (or replace) an authenticator app: required for staff, offered to people and carers."""
    return _set_up_app(current_user._get_current_object(), SetUpAppForm(), at_sign_in=False)


# Admin -------------------------------------------------------------------------------------------------------------

ACCOUNT_ERRORS = {
    "email_taken": _l("An account with this email address already exists"),
    "team_name_taken": _l("A team with this name already exists"),
    "already_a_member": _l("This clinician is already in the team"),
    "not_a_clinician": _l("Only clinicians can join a team"),
    "person_has_account": _l("This person already has an account"),
}
NO_SUCH_PERSON = _l("No one with this NHS number is recorded. Add them to a caseload first")

SET_PASSWORD_SUBJECT = _l("Set your SafetyPlan password")
SET_PASSWORD_BODY = _l(
    "Hello %(name)s,\n\nAn account has been made for you on SafetyPlan. Open this link to set your password. "
    "It works once, for 72 hours:\n\n{link}\n\nIf you did not expect this message, you can ignore it."
)


@admin.get("/users")
@signed_in("admin")
def users() -> str:
    """Every account, with its role."""
    return render_template("admin/users.html", users=services.list_users(by=current_user._get_current_object()))


@admin.route("/users/new", methods=["GET", "POST"])
@signed_in("admin")
@redisplays_on_refused_token
def add_user() -> ResponseReturnValue:
    """Make an account and send its set-password link."""
    by = current_user._get_current_object()
    teams = services.list_teams()
    form = AddUserForm(team_choices=[(str(team.id), team.name) for team in teams])
    if form.validate_on_submit():
        person = None
        if form.role.data == "person":
            person = people.find_person_by_nhs_number(form.person_nhs_number.data or "")
            if person is None:
                form.person_nhs_number.errors.append(str(NO_SUCH_PERSON))
        if not form.person_nhs_number.errors:
            try:
                user = services.create_user(
                    by=by,
                    email=form.email.data or "",
                    display_name=form.display_name.data or "",
                    role=form.role.data or "",
                    team_id=uuid.UUID(form.team.data) if form.role.data == "clinician" and form.team.data else None,
                    person_id=person.id if person else None,
                    preferred_language=form.language.data or "en",
                )
            except services.AccountError as error:
                field = form.person_nhs_number if error.code == "person_has_account" else form.email
                field.errors.append(str(ACCOUNT_ERRORS[error.code]))
            else:
                link = services.issue_set_password_link(user, by=by, base_url=_settings().base_url)
                with force_locale(user.preferred_language):  # the message is in the new user's language
                    body = str(SET_PASSWORD_BODY) % {"name": user.display_name}
                    services.send_set_password_link(user, link, str(SET_PASSWORD_SUBJECT), body)
                flash(_("Account made. We have sent a link to set a password to %(email)s.", email=user.email))
                return redirect(url_for("admin.users"))
    return render_template("admin/add_user.html", form=form)


@admin.get("/teams")
@signed_in("admin")
def teams() -> str:
    """Every team, with how many clinicians and people it has."""
    return render_template("admin/teams.html", teams=services.list_teams())


@admin.route("/teams/new", methods=["GET", "POST"])
@signed_in("admin")
@redisplays_on_refused_token
def add_team() -> ResponseReturnValue:
    form = AddTeamForm()
    if form.validate_on_submit():
        try:
            team = services.create_team(
                by=current_user._get_current_object(), name=form.name.data or "", phone=form.phone.data or None
            )
        except services.AccountError as error:
            form.name.errors.append(str(ACCOUNT_ERRORS[error.code]))
        else:
            flash(_("Team %(name)s made.", name=team.name))
            return redirect(url_for("admin.team", team_id=team.id))
    return render_template("admin/add_team.html", form=form)


def _team_page(team_id: uuid.UUID, member_form: AddMemberForm, caseload_form: AddToCaseloadForm) -> str:
    found = services.get_team(team_id)
    if found is None:
        abort(404)
    summary = next(t for t in services.list_teams() if t.id == team_id)
    return render_template(
        "admin/team.html",
        team=found,
        summary=summary,
        members=services.team_members(team_id),
        form=member_form,
        caseload_form=caseload_form,
    )


def _clinicians_to_add(by: User, team_id: uuid.UUID) -> list[User]:
    members = {member.id for member in services.team_members(team_id)}
    return [user for user in services.list_users(by=by) if user.role == "clinician" and user.id not in members]


@admin.route("/teams/<uuid:team_id>", methods=["GET", "POST"])
@signed_in("admin")
@redisplays_on_refused_token
def team(team_id: uuid.UUID) -> ResponseReturnValue:
    """A team: its clinicians (add one here), and its caseload (add a person already recorded)."""
    by = current_user._get_current_object()
    if services.get_team(team_id) is None:
        abort(404)
    candidates = _clinicians_to_add(by, team_id)
    form = AddMemberForm()
    form.clinician.choices = options(
        [("", _("Select a clinician"))] + [(str(u.id), str(u.display_name)) for u in candidates]
    )
    if form.validate_on_submit():
        chosen = next((u for u in candidates if str(u.id) == form.clinician.data), None)
        if chosen is None:
            form.clinician.errors.append(_("Select a clinician from the list"))
        else:
            try:
                services.add_team_member(by=by, team_id=team_id, user=chosen)
            except services.AccountError as error:
                form.clinician.errors.append(str(ACCOUNT_ERRORS[error.code]))
            else:
                flash(_("%(name)s added to the team.", name=chosen.display_name))
                return redirect(url_for("admin.team", team_id=team_id))
    return _team_page(team_id, form, AddToCaseloadForm(formdata=None))


@admin.post("/teams/<uuid:team_id>/caseload")
@signed_in("admin")
@redisplays_on_refused_token
def add_to_caseload(team_id: uuid.UUID) -> ResponseReturnValue:
    """Put a person who is already recorded on this team's caseload too (for example on transfer)."""
    by = current_user._get_current_object()
    if services.get_team(team_id) is None:
        abort(404)
    form = AddToCaseloadForm()
    if form.validate_on_submit():
        person = people.find_person_by_nhs_number(form.nhs_number.data or "")
        if person is None:
            form.nhs_number.errors.append(str(NO_SUCH_PERSON))
        else:
            try:
                people.add_to_caseload(by=by, person_id=person.id, team_id=team_id)
            except people.PersonError:
                form.nhs_number.errors.append(_("This person is already on this team's caseload"))
            else:
                flash(_("%(name)s added to the caseload.", name=person.name))
                return redirect(url_for("admin.team", team_id=team_id))
    member_form = AddMemberForm(formdata=None)
    member_form.clinician.choices = options(
        [("", _("Select a clinician"))] + [(str(u.id), str(u.display_name)) for u in _clinicians_to_add(by, team_id)]
    )
    return _team_page(team_id, member_form, form)
