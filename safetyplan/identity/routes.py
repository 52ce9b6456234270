"""Signing in through NHS login and NHS CIS2: going to the service, coming back, and signing out of it too.

Every route answers 404 for a service this trust has not configured, so that the addresses say nothing about it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from safetyplan.accounts import credentials
from safetyplan.accounts.forms import SetPasswordForm
from safetyplan.accounts.login import SIGNED_IN_WITH, complete_sign_in
from safetyplan.accounts.presenters import service_name
from safetyplan.config import IdentityService, current_settings
from safetyplan.identity import services
from safetyplan.identity.forms import LinkForm, SetUpCodeForm
from safetyplan.identity.messages import MESSAGES
from safetyplan.identity.services import IdentityRefused, ServiceUnavailable
from safetyplan.sharing import invitations
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.forms import InvitationAccountForm, InvitationForm
from safetyplan.web.access import public, signed_in
from safetyplan.web.forms import add_error
from safetyplan.web.locale import current_language

bp = Blueprint("identity", __name__)

SERVICE = "<any('nhs-login', 'cis2'):path>"
#: Where to go after the service, and the invitation being accepted, while the browser is away at the service.
PENDING = "identity_pending"


def _service(path: str) -> IdentityService:
    service = services.service_at(path)
    if service is None:
        abort(404)
    return service


def _unavailable(service: IdentityService) -> ResponseReturnValue:
    return render_template("identity/unavailable.html", service=service.path), 503


def _go_on(service: IdentityService, pending: dict[str, str | bool], purpose: str) -> ResponseReturnValue:
    """Keep what the sign-in is for, then go on to the service by a page of ours rather than as the form's
    redirect: the page's form-action rule would stop a form leading to another site (and to every site the service
    passes the browser on to)."""
    session[PENDING] = pending
    return render_template("identity/continue.html", service=service.path, purpose=purpose)


@bp.get(f"/sign-in/{SERVICE}")
@public
def sign_in(path: str) -> ResponseReturnValue:
    """Go to the service to sign in; with ``?continue=1``, for what a form before asked (accepting an invitation,
    connecting the service through a set-password link, or from the account page)."""
    service = _service(path)
    pending = session.get(PENDING) or {}
    again = False
    if request.args.get("continue") == "1" and pending.get("link"):
        if not current_user.is_authenticated or pending.get("link") != str(current_user.id):
            return redirect(url_for("accounts.sign_in"))
        again = True  # the service asks who it is, even if the browser is signed in there
    elif request.args.get("continue") == "1" and (pending.get("invitation") or pending.get("connect")):
        if current_user.is_authenticated:
            return redirect(url_for("accounts.home"))
    elif current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    else:
        session[PENDING] = {"next": request.args.get("next") or ""}
    callback = current_settings().base_url + url_for(".callback", path=path)
    try:
        return services.start(service, redirect_uri=callback, language=current_language(), sign_in_again=again)
    except ServiceUnavailable:
        return _unavailable(service)


@bp.post(f"/sign-in/{SERVICE}/invitation")
@public
def accept_invitation(path: str) -> ResponseReturnValue:
    """A carer accepts the person's invitation with NHS login: the invitation code goes there and back with them."""
    service = _service(path)
    form = InvitationForm()
    if service.name != "nhs_login" or not form.validate_on_submit():
        page = InvitationAccountForm(formdata=None)
        add_error(page, _("Enter the invitation code from your email"), field="token")
        return render_template("sharing/invitation.html", form=page, signed_in_as=None), 400
    invitation = (form.token.data or "").strip()
    try:
        invitations.check_invitation(invitation)
    except SharingError:
        return render_template("sharing/invitation_invalid.html"), 410
    return _go_on(service, {"invitation": invitation}, "invitation")


@bp.post(f"/sign-in/{SERVICE}/connect")
@public
def connect(path: str) -> ResponseReturnValue:
    """Someone with a set-password link connects the service to their account instead of making a password."""
    service = _service(path)
    form = SetUpCodeForm()
    if not form.validate_on_submit() or credentials.user_for_set_password_token(form.token.data or "") is None:
        page = SetPasswordForm(formdata=None)
        add_error(page, str(MESSAGES["link_invalid"]), field="token")
        return render_template("accounts/set_password.html", form=page), 400
    return _go_on(service, {"connect": (form.token.data or "").strip()}, "connect")


@bp.post(f"/sign-in/{SERVICE}/link")
@signed_in()
def link(path: str) -> ResponseReturnValue:
    """From the account page: sign in through the service from now on (the service asks who it is first)."""
    service = _service(path)
    if not LinkForm().validate_on_submit():
        return redirect(url_for("accounts.account"))
    return _go_on(service, {"link": str(current_user.id)}, "link")


@bp.get(f"/sign-in/{SERVICE}/callback")
@public
def callback(path: str) -> ResponseReturnValue:
    """Back from the service: check what it says, then sign in to the account it opens (or accept the invitation,
    or connect the account)."""
    service = _service(path)
    pending = session.pop(PENDING, None) or {}
    invitation, connecting = pending.get("invitation"), pending.get("connect")
    next_url = pending.get("next") or None
    linking = bool(pending.get("link")) and current_user.is_authenticated and pending["link"] == str(current_user.id)
    try:
        vouched = services.finish(service)
        if linking:
            services.link_to_account(vouched, by=current_user._get_current_object())
            flash(_("Done. You can sign in with %(service)s from now on.", service=service_name(path)))
            return redirect(url_for("accounts.account"))
        if invitation:
            user, accepted = services.accept_with_nhs_login(vouched, token=invitation, language=current_language())
            next_url = url_for("sharing.shared_home", welcome=1)
        elif connecting:
            user = services.connect_with_link(vouched, token=connecting)
        else:
            user = services.account_for(vouched)
    except ServiceUnavailable:
        return _unavailable(service)
    except IdentityRefused as refused:
        return render_template("identity/refused.html", service=service.path, message=refused.message), 403
    except SharingError as error:
        if error.code == "wrong_account":
            return render_template("sharing/invitation_wrong_account.html"), 403
        return render_template("sharing/invitation_invalid.html"), 410
    complete_sign_in(by=user, grounds=vouched.grounds, next_url=next_url)
    session[SIGNED_IN_WITH] = path
    if connecting:
        flash(_("Done. You can sign in with %(service)s from now on.", service=service_name(path)))
    if invitation:
        if accepted:
            flash(_("Invitation accepted. You will see what is shared with you once the link is confirmed."))
        else:
            flash(_("You are already linked to this person."))
    return redirect(g.after_sign_in)


@bp.get(f"/sign-out/{SERVICE}")
@public
def sign_out(path: str) -> ResponseReturnValue:
    """Sign out of the service too (SafetyPlan's own session has already ended)."""
    service = _service(path)
    try:
        url = services.end_session_url(
            service, post_logout_redirect_uri=current_settings().base_url + url_for("accounts.sign_in", signed_out=1)
        )
    except ServiceUnavailable:
        return _unavailable(service)
    return redirect(url or url_for("accounts.sign_in", signed_out=1))
