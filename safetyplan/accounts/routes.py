"""Signing in and out, setting a password, the second factor, and the account page."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import segno
from flask import (
    Blueprint,
    Response,
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
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from safetyplan.accounts import credentials, sessions, signin, users
from safetyplan.accounts.errors import AccountError, SignInRefused, Throttled
from safetyplan.accounts.forms import (
    ChangePasswordForm,
    LanguageForm,
    SecondFactorForm,
    SetPasswordForm,
    SetUpAppForm,
    SignInForm,
)
from safetyplan.accounts.login import PENDING, SIGNED_IN_WITH, complete_sign_in
from safetyplan.accounts.models import User
from safetyplan.accounts.passwords import PasswordProblem, verify_password
from safetyplan.accounts.second_factor import enable_totp, new_totp_secret, totp_uri, unused_recovery_codes
from safetyplan.config import IDENTITY_SERVICES, current_settings
from safetyplan.roles import Role
from safetyplan.web.access import public, signed_in
from safetyplan.web.forms import add_error, redisplays_on_refused_token, show_error
from safetyplan.web.locale import remember_choice
from safetyplan.web.session import LAST_SEEN, safe_next

bp = Blueprint("accounts", __name__)

#: The identity services as the app's addresses name them.
SERVICE_PATHS = frozenset(name.replace("_", "-") for name in IDENTITY_SERVICES)

PENDING_SECONDS = 5 * 60
SET_UP_SECONDS = 15 * 60


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = users.get_user(uuid.UUID(pending["user"]))
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
            user = signin.authenticate(form.email.data or "", form.password.data or "", address=request.remote_addr)
        except Throttled as throttled:
            add_error(form, throttled.message, field="email")
        except SignInRefused as refused:
            show_error(form, refused)
        else:
            next_url = request.args.get("next")
            session.clear()
            session[PENDING] = {"user": str(user.id), "at": time.time(), "next": next_url}
            if user.has_second_factor:
                return redirect(url_for("accounts.second_factor"))
            if user.needs_second_factor:
                return redirect(url_for("accounts.set_up_app_at_sign_in"))
            complete_sign_in(by=user)
            return redirect(g.after_sign_in)
    return render_template(
        "accounts/sign_in.html",
        form=form,
        timed_out=request.args.get("timed_out") == "1",
        signed_out=request.args.get("signed_out") == "1",
        signed_out_via=request.args.get("via") if request.args.get("via") in SERVICE_PATHS else None,
        next_url=request.args.get("next"),
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
            signin.check_second_factor(by=user, code=form.code.data or "", address=request.remote_addr)
        except Throttled as throttled:
            add_error(form, throttled.message, field="code")
        except SignInRefused as refused:
            show_error(form, refused)
        else:
            complete_sign_in(by=user)
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
            add_error(
                form, _("Enter your current password to replace your authenticator app"), field="current_password"
            )
        elif secret is None:
            message = _("This page was open for too long. Scan the new QR code and enter a new code")
            add_error(form, message, field="code")
        else:
            try:
                codes = enable_totp(by=user, secret=secret, code=form.code.data or "")
            except AccountError as error:
                show_error(form, error)
            else:
                if at_sign_in:
                    complete_sign_in(by=user)
                    continue_to = g.after_sign_in
                else:
                    continue_to = url_for("accounts.account")
                return render_template("accounts/recovery_codes.html", codes=codes, continue_to=continue_to)
    if secret is None:
        secret = new_totp_secret()
    form.secret.data = signer.dumps([str(user.id), secret])
    qr_code = Markup(
        segno.make(totp_uri(user, secret), error="m").svg_inline(
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
    signed_in_with = session.get(SIGNED_IN_WITH)
    sessions.end_session(by=current_user._get_current_object(), reason="signed_out")
    logout_user()
    session.clear()
    # Signed in through NHS login or CIS2: the sign-in page then offers to sign out of the service too.
    via = signed_in_with if signed_in_with in SERVICE_PATHS else None
    return redirect(url_for("accounts.sign_in", signed_out=1, via=via))


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
            credentials.set_password_with_token(form.token.data or "", form.password.data or "")
        except (AccountError, PasswordProblem) as error:
            show_error(form, error)
        else:
            return redirect(url_for("accounts.sign_in", password_set=1))
    return render_template("accounts/set_password.html", form=form)


@bp.get("/home")
@signed_in()
def home() -> ResponseReturnValue:
    """Where each role starts after signing in."""
    user = current_user._get_current_object()
    if user.role == Role.CLINICIAN:
        return redirect(url_for("plans.caseload"))
    if user.role == Role.ADMIN:
        return redirect(url_for("admin.users"))
    if user.role == Role.AUDITOR:
        return redirect(url_for("assurance.report"))
    if user.role == Role.PERSON:
        return redirect(url_for("plans.my_plan"))
    return redirect(url_for("sharing.shared_home"))


@bp.get("/account")
@signed_in()
def account() -> str:
    """The signed-in user's own account: name, email, language, second factor."""
    user = current_user._get_current_object()
    service = current_settings().identity_service_for(user.role)
    return render_template(
        "accounts/account.html",
        user=user,
        recovery_codes_left=unused_recovery_codes(by=user),
        identity_service=service.path if service else None,
        identity_linked=service is not None and service.name in users.linked_services(by=user),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in()
@redisplays_on_refused_token
def change_password() -> ResponseReturnValue:
    """Change the password; every other session of this account ends."""
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            credentials.change_password(by=user, current=form.current.data or "", new=form.password.data or "")
        except (AccountError, PasswordProblem) as error:
            show_error(form, error)
        else:
            # Every session ended, this one too: start a new one so that this browser stays signed in.
            session.clear()
            sessions.start_session(by=user, address=request.remote_addr)
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
    users.set_language(by=user, language=language, chosen_at=datetime.fromtimestamp(now, UTC))
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
