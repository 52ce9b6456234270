"""Plan pages: the clinician's view and editor, history and comparison, print and pocket card, the person's own
plan and suggestions, reviews due, and the crisis contacts every plan lists."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from safetyplan.accounts.models import User
from safetyplan.config import current_settings
from safetyplan.detector import Finding
from safetyplan.errors import NotFound
from safetyplan.plans import caseload as caseload_of
from safetyplan.plans import contacts, disagreements, drafts, editor, revisions, suggestions
from safetyplan.plans.content import compare, compare_section, lines_of, section_content
from safetyplan.plans.errors import Conflict, PlanError
from safetyplan.plans.forms import (
    CrisisContactForm,
    DecisionForm,
    DeclinedForm,
    DisagreementForm,
    MeetingForm,
    PersonDecisionForm,
    RestoreForm,
    SuggestionForm,
    content_from_form,
    form_data,
    plan_form_class,
)
from safetyplan.plans.models import PlanRevision
from safetyplan.plans.reviews import SuggestedReview, reviews_due, suggested_review_date
from safetyplan.plans.revisions import PlanView, RevisionInput
from safetyplan.plans.sections import CURRENT_VERSION, REASONS, sections
from safetyplan.roles import Role
from safetyplan.web.access import signed_in
from safetyplan.web.forms import add_error, keeps_words_when_signed_out, redisplays_on_refused_token, show_error
from safetyplan.web.locale import current_language

bp = Blueprint("plans", __name__)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _view(person_id: uuid.UUID, action: str = "plan.viewed") -> PlanView:
    try:
        return revisions.view_plan(by=_me(), person_id=person_id, action=action)
    except NotFound:
        abort(404)


def _plan_context(view: PlanView) -> dict[str, object]:
    """What the plan component needs to show a revision: its sections, the contacts every plan lists, and what the
    person has said they disagree with."""
    return {
        "person": view.person,
        "revision": view.current,
        "crisis_contacts": contacts.crisis_contacts(by=_me()),
        "team_phones": contacts.team_phones_in(by=_me(), view=view),
        "disagreements": disagreements.disagreements_on(by=_me(), view=view),
    }


@bp.route("/caseload", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN)
def caseload() -> str:
    """The people on the clinician's teams, by name; search by name or NHS number.

    The search is sent as a form (POST): a name or an NHS number in the address would reach access logs and
    browser history. The order alone (nothing personal) may be in the address.
    """
    sent = request.form if request.method == "POST" else request.args
    search = request.form.get("q", "")[:100] if request.method == "POST" else ""
    sort = sent.get("sort", "name")
    if sort not in caseload_of.SORTS:
        sort = "name"
    rows = caseload_of.caseload(by=current_user._get_current_object(), search=search, sort=sort)
    return render_template("plans/caseload.html", rows=rows, search=search, sort=sort)


@bp.get("/people/<uuid:person_id>/plan")
@signed_in(Role.CLINICIAN)
def plan(person_id: uuid.UUID) -> str:
    """The person's current plan, suggestions waiting, and what to do next."""
    view = _view(person_id)
    waiting = suggestions.waiting_on(by=_me(), view=view)
    return render_template(
        "plans/plan.html",
        **_plan_context(view),
        plan=view.plan,
        waiting=waiting,
        decision_forms={s.id: DecisionForm(prefix=f"s{s.id.hex[:8]}", formdata=None) for s in waiting},
        has_draft=drafts.draft_for(by=_me(), person_id=person_id) is not None,
    )


def _editor(
    view: PlanView,
    form: MeetingForm,
    *,
    conflict: object = None,
    status: int = 200,
    draft_at: object = None,
    flagged: dict[str, list[Finding]] | None = None,
    review_hint: str | None = None,
) -> ResponseReturnValue:
    return (
        render_template(
            "plans/edit.html",
            review_hint=review_hint,
            person=view.person,
            form=form,
            sections=sections(CURRENT_VERSION),
            current=view.current,
            conflict=conflict,
            draft_at=draft_at,
            flagged=flagged or {},
            crisis_contacts=contacts.crisis_contacts(by=_me()),
            team_phones=contacts.team_phones_in(by=_me(), view=view),
            disagreements=disagreements.disagreements_on(by=_me(), view=view),
        ),
        status,
    )


def _review_hint(suggested: SuggestedReview) -> str:
    when = format_date(suggested.on, "d MMMM yyyy")
    if suggested.agreed_before:
        return str(
            _("We have filled in %(date)s, the date agreed last time. Change it if you agree a new one.", date=when)
        )
    if suggested.weeks_as_before is not None:
        return str(
            ngettext(
                "We have filled in %(date)s: %(num)d week from today, the same gap as last time. "
                "Change it to the date you agree together.",
                "We have filled in %(date)s: %(num)d weeks from today, the same gap as last time. "
                "Change it to the date you agree together.",
                suggested.weeks_as_before,
                date=when,
            )
        )
    return str(
        _("We have filled in %(date)s: 3 months from today. Change it to the date you agree together.", date=when)
    )


def _keep_as_draft(owner: User, person_id: uuid.UUID) -> bool:
    """The clinician's session ended before this arrived: keep what they typed as their draft (with the same checks
    as any draft), so that the editor offers it back once they sign in again."""
    fields = _draft_fields()
    number = _number_or_none(request.form.get("base_number") or 0)
    if fields is None or number is None:
        return False
    try:
        drafts.save_draft(by=owner, person_id=person_id, base_number=number, fields=fields)
    except NotFound:
        return False
    return True


@bp.route("/people/<uuid:person_id>/plan/edit", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN)
@redisplays_on_refused_token
@keeps_words_when_signed_out(_keep_as_draft)
def edit(person_id: uuid.UUID) -> ResponseReturnValue:
    """Write or review the plan with the person. Drafts keep what is typed; a save never overwrites another."""
    me = _me()
    view = _view(person_id, action="plan.editor_opened")
    form_class = plan_form_class(CURRENT_VERSION)
    draft = drafts.draft_for(by=me, person_id=person_id)
    if request.method == "GET":
        if draft is not None:
            form = form_class(formdata=MultiDict(draft.fields or {}))
            form.base_number.data = str(draft.base_number)
            if draft.base_number < view.number:
                # Someone saved after this draft began: show their text beside it again before any save.
                form.merge_with.data = str(view.number)
                assert view.current is not None  # a later revision exists
                return _editor(view, form, conflict=_conflict_view(view.current, content_from_form(form)[0]))
            return _editor(view, form, draft_at=draft.updated_at)
        starting = form_data(view.current.content if view.current else None)
        suggested = suggested_review_date(view.current, today=date.today())
        form = form_class(
            data={
                **starting,
                "reason": request.args.get("reason") or ("scheduled_review" if view.current else "first_plan"),
                "next_review_on": suggested.on,
            }
        )
        form.base_number.data = str(view.number)
        return _editor(view, form, review_hint=_review_hint(suggested))

    form = form_class()
    if not form.validate_on_submit():
        return _editor(view, form)
    content, own_words = content_from_form(form)
    submission = editor.Submission(
        revision=RevisionInput(
            content=content,
            own_words=own_words,
            reason=form.reason.data or "",
            person_took_part=bool(form.person_took_part.data),
            carer_took_part=bool(form.carer_took_part.data),
            advocate_took_part=bool(form.advocate_took_part.data),
            participants=form.participants(),
            person_agrees=form.agrees(),
            disagreement=form.disagreement.data,
            next_review_on=form.next_review_on.data,
        ),
        base_number=_number(form.base_number.data),
        typed=_typed(),
        merge_with=_number(form.merge_with.data) if form.merge_with.data else None,
        wording_checked=bool(form.wording_checked.data),
    )
    try:
        outcome = editor.submit(by=me, person_id=person_id, submission=submission)
    except NotFound:  # their access ended while they wrote (the draft kept by autosave stays theirs)
        abort(404)
    except PlanError as error:
        if error.code == "base":
            abort(400)
        show_error(form, error)
        return _editor(view, form)
    if isinstance(outcome, editor.Flagged):
        # A gentle note beside each such section; saving again keeps the wording. Nothing is blocked.
        form.wording_checked.data = "1"
        return _editor(view, form, flagged=outcome.flags)
    if isinstance(outcome, editor.Conflicted):
        # Their text beside ours; ours stays in the form (and the draft).
        form.merge_with.data = str(outcome.current.number)
        return _editor(view, form, conflict=_conflict_view(outcome.current, content), status=409)
    flash(_("Plan saved."))
    if outcome.revision.reason in ("discharge", "transfer"):
        # Plans are lost at these moments: offer to send this one on to the GP practice or the team taking over.
        return redirect(url_for("exchange.send_plan", person_id=person_id))
    return redirect(url_for("plans.plan", person_id=person_id))


#: Revision numbers are small; anything outside this is not one (and would overflow the database's integers).
MAX_NUMBER = 2**31 - 1


def _number(value: object) -> int:
    """A revision number from a form or query, or a 400 for anything that is not one."""
    number = _number_or_none(value)
    if number is None:
        abort(400)
    return number


def _number_or_none(value: object) -> int | None:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_NUMBER else None


def _typed() -> dict[str, str]:
    return {key: value for key, value in request.form.items() if key != "csrf_token"}


def _conflict_view(theirs: PlanRevision, ours: Mapping[str, object]) -> dict[str, object]:
    """For each section where the saved text and the typed text differ, both, word by word, with what differs
    marked; and who saved theirs (it may have been the same clinician, in another tab)."""
    differing = {}
    for part in sections(CURRENT_VERSION):
        saved = section_content(theirs.content, part)
        typed = section_content(ours, part)  # type: ignore[arg-type]
        if lines_of(saved, part) != lines_of(typed, part):
            differing[part.key] = compare_section(typed, saved, part)
    return {
        "revision": theirs,
        "by_me": theirs.author_id == _me().id,
        "author": revisions.author_name(by=_me(), revision=theirs),
        "sections": differing,
    }


MAX_DRAFT_FIELDS = 200
MAX_DRAFT_FIELD = 5000


def _draft_fields() -> dict[str, str] | None:
    """The editor's fields as a draft keeps them, or None when there are too many or one is too long."""
    fields = _typed()
    if len(fields) > MAX_DRAFT_FIELDS or any(len(value) > MAX_DRAFT_FIELD for value in fields.values()):
        return None
    fields.pop("merge_with", None)  # a draft never carries a claim to have seen a newer revision
    fields.pop("wording_checked", None)  # nor that the clinician has seen the notes about its wording
    return fields


@bp.post("/people/<uuid:person_id>/plan/draft")
@signed_in(Role.CLINICIAN)
@keeps_words_when_signed_out(_keep_as_draft)
def save_draft(person_id: uuid.UUID) -> Response:
    """Called as the clinician types: keeps the form, sealed, so that nothing is lost."""
    fields = _draft_fields()
    if fields is None:
        abort(413)
    try:
        drafts.save_draft(
            by=_me(), person_id=person_id, base_number=_number(request.form.get("base_number") or 0), fields=fields
        )
    except NotFound:
        abort(404)
    return Response(status=204)


@bp.post("/people/<uuid:person_id>/plan/draft/discard")
@signed_in(Role.CLINICIAN)
def discard_draft(person_id: uuid.UUID) -> ResponseReturnValue:
    try:
        drafts.discard_draft(by=_me(), person_id=person_id)
    except NotFound:
        abort(404)
    flash(_("Your unsaved changes were discarded."))
    return redirect(url_for("plans.edit", person_id=person_id))


@bp.route("/people/<uuid:person_id>/plan/declined", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN)
@redisplays_on_refused_token
def declined(person_id: uuid.UUID) -> ResponseReturnValue:
    """Record that a plan was offered and the person did not want one now."""
    view = _view(person_id, action="plan.editor_opened")
    form = DeclinedForm()
    if request.method == "GET":
        form.base_number.data = str(view.number)
    if form.validate_on_submit():
        try:
            revisions.save_revision(
                by=_me(),
                person_id=person_id,
                base_number=_number(form.base_number.data or 0),
                revision=RevisionInput(
                    content=view.current.content if view.current else {},
                    reason="scheduled_review" if view.current else "first_plan",
                    person_took_part=True,
                    participants={"note": (form.note.data or "").strip()} if (form.note.data or "").strip() else {},
                    next_review_on=form.next_review_on.data,
                    declined=True,
                ),
            )
        except Conflict:
            add_error(form, _("Someone else saved this plan a moment ago. Check it, then record this again."))
            form.base_number.data = str(_view(person_id).number)
        except PlanError as error:
            show_error(form, error)
        else:
            flash(_("Recorded that a plan was offered and declined."))
            return redirect(url_for("plans.plan", person_id=person_id))
    return render_template("plans/declined.html", person=view.person, form=form)


@bp.get("/people/<uuid:person_id>/plan/history")
@signed_in(Role.CLINICIAN, Role.PERSON)
def history(person_id: uuid.UUID) -> str:
    """Every revision: who saved it, when, why, who took part; pick two to compare."""
    try:
        person, every = revisions.history(by=_me(), person_id=person_id)
    except NotFound:
        abort(404)
    return render_template(
        "plans/history.html",
        person=person,
        revisions=every,
        reasons=REASONS,
        disagreements=disagreements.disagreements_in_history(by=_me(), person=person),
    )


@bp.get("/people/<uuid:person_id>/plan/revisions/<int(max=2147483647):number>")
@signed_in(Role.CLINICIAN, Role.PERSON)
def revision(person_id: uuid.UUID, number: int) -> str:
    """One revision in full, with the sections it was written with."""
    try:
        person, found = revisions.get_revision(by=_me(), person_id=person_id, number=number)
    except NotFound:
        abort(404)
    newest = revisions.current_number(by=_me(), person_id=person_id)
    return render_template(
        "plans/revision.html",
        person=person,
        revision=found,
        current_number=newest,
        reasons=REASONS,
        crisis_contacts=contacts.crisis_contacts(by=_me()),
        team_phones=contacts.team_phones(by=_me(), person_id=person_id),
        restore_form=RestoreForm(formdata=None, base_number=newest),
    )


@bp.get("/people/<uuid:person_id>/plan/compare")
@signed_in(Role.CLINICIAN, Role.PERSON)
def compare_revisions(person_id: uuid.UUID) -> str:
    """Two revisions side by side, section by section, word by word."""
    first, second = _number(request.args.get("from", "")), _number(request.args.get("to", ""))
    first, second = min(first, second), max(first, second)
    try:
        person, before = revisions.get_revision(by=_me(), person_id=person_id, number=first, action="plan.compared")
        _person, after = revisions.get_revision(by=_me(), person_id=person_id, number=second, action="plan.compared")
    except NotFound:
        abort(404)
    differences = compare(before.content, before.sections_version, after.content, after.sections_version)
    return render_template("plans/compare.html", person=person, before=before, after=after, differences=differences)


@bp.post("/people/<uuid:person_id>/plan/revisions/<int(max=2147483647):number>/restore")
@signed_in(Role.CLINICIAN)
def restore(person_id: uuid.UUID, number: int) -> ResponseReturnValue:
    """Make a new revision from an earlier one; nothing in the history is lost."""
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        saved = revisions.restore(
            by=_me(), person_id=person_id, number=number, base_number=_number(form.base_number.data or 0)
        )
    except NotFound:
        abort(404)
    except Conflict:
        flash(_("Someone else saved this plan a moment ago, so nothing was restored. Check the newest revision first."))
        return redirect(url_for("plans.history", person_id=person_id))
    flash(_("Revision %(old)d restored as revision %(new)d.", old=number, new=saved.number))
    return redirect(url_for("plans.plan", person_id=person_id))


@bp.post("/suggestions/<uuid:suggestion_id>/decision")
@signed_in(Role.CLINICIAN, Role.PERSON)
def decide(suggestion_id: uuid.UUID) -> ResponseReturnValue:
    """Add a suggestion to the plan in its author's words, or say why not. The person decides what a carer
    suggests; a clinician decides the person's suggestions (or records the person's decision on a carer's)."""
    found = suggestions.suggestion_or_none(by=_me(), suggestion_id=suggestion_id)
    if found is None:
        abort(404)
    own = _me().role == Role.PERSON
    back = url_for("plans.my_plan") if own else url_for("plans.plan", person_id=found.person_id)
    form = (PersonDecisionForm if own else DecisionForm)(prefix=f"s{suggestion_id.hex[:8]}")
    if form.validate_on_submit():
        try:
            if form.decision.data == "accept":
                suggestions.accept_suggestion(by=_me(), suggestion_id=suggestion_id)
                flash(_("It was added to the plan, in their words."))
            else:
                suggestions.decline_suggestion(by=_me(), suggestion_id=suggestion_id, answer=form.answer.data or "")
                flash(_("The plan was left as it is. They will see your answer."))
        except PlanError:
            flash(_("This suggestion was already answered."))
        except NotFound:
            abort(404)
        return redirect(back)
    if own:
        return _my_plan_page(form_for={suggestion_id: form}), 400
    view = _view(found.person_id)
    waiting = suggestions.suggestions(by=_me(), person_id=found.person_id, status="waiting")
    forms = {
        s.id: (form if s.id == suggestion_id else DecisionForm(prefix=f"s{s.id.hex[:8]}", formdata=None))
        for s in waiting
    }
    return (
        render_template(
            "plans/plan.html",
            **_plan_context(view),
            plan=view.plan,
            waiting=waiting,
            decision_forms=forms,
            has_draft=False,
        ),
        400,
    )


def _printable(person_id: uuid.UUID, template: str, **extra: object) -> str:
    view = _view(person_id, action="plan.printed")
    if view.current is None:
        abort(404)
    return render_template(template, **_plan_context(view), **extra)


def _plan_address_qr() -> Markup:
    """A QR code of the address of "Your safety plan": the same for everyone, so it holds no personal data. On a
    phone that keeps the plan, it opens even with no signal."""
    address = current_settings().base_url.rstrip("/") + url_for("plans.my_plan")
    return Markup(
        segno.make(address, error="m").svg_inline(
            scale=2, border=1, title=_("QR code: scan it to open your plan"), svgclass="app-card__qr-code"
        )
    )


@bp.get("/people/<uuid:person_id>/plan/print")
@signed_in(Role.CLINICIAN, Role.PERSON)
def print_plan(person_id: uuid.UUID) -> str:
    """The current plan on one or two A4 pages."""
    return _printable(person_id, "plans/print.html")


@bp.get("/people/<uuid:person_id>/plan/card")
@signed_in(Role.CLINICIAN, Role.PERSON)
def card(person_id: uuid.UUID) -> str:
    """A pocket card: the first steps and the numbers to call, folded to wallet size."""
    return _printable(person_id, "plans/card.html", plan_qr=_plan_address_qr())


# The person's own plan -------------------------------------------------------------------------------------------


def _own_person_id() -> uuid.UUID:
    me = _me()
    if me.person_id is None:
        abort(404)
    return me.person_id


def _my_plan_page(form_for: dict[uuid.UUID, DecisionForm] | None = None) -> str:
    me = _me()
    person_id = _own_person_id()
    view = _view(person_id)
    every = suggestions.suggestions(by=me, person_id=person_id)
    from_carers = [s for s in every if s.author_role == Role.CARER and s.status == "waiting"]
    forms = form_for or {}
    return render_template(
        "plans/my_plan.html",
        **_plan_context(view),
        plan=view.plan,
        suggestions=[s for s in every if s.author_id == me.id],
        from_carers=from_carers,
        decision_forms={
            s.id: forms.get(s.id) or PersonDecisionForm(prefix=f"s{s.id.hex[:8]}", formdata=None) for s in from_carers
        },
    )


@bp.get("/my-plan")
@signed_in(Role.PERSON)
def my_plan() -> str:
    """The person's current plan, in their language, with their suggestions and the answers to them, and what
    the people close to them have suggested."""
    return _my_plan_page()


@bp.route("/my-plan/suggest", methods=["GET", "POST"])
@signed_in(Role.PERSON)
@redisplays_on_refused_token
def suggest() -> ResponseReturnValue:
    """Suggest a change in your own words; your care team adds it or tells you why not."""
    person_id = _own_person_id()
    view = _view(person_id, action="plan.viewed")
    if view.current is None:
        abort(404)
    form = SuggestionForm(version=view.current.sections_version, section=request.args.get("section"))
    if form.validate_on_submit():
        try:
            suggestions.suggest(by=_me(), section_key=form.section.data or "", text=form.text.data or "")
        except (PlanError, KeyError):
            abort(400)
        flash(_("Thank you. Your care team will see your suggestion and answer it."))
        return redirect(url_for("plans.my_plan"))
    return render_template("plans/suggest.html", form=form)


@bp.route("/my-plan/disagree", methods=["GET", "POST"])
@signed_in(Role.PERSON)
@redisplays_on_refused_token
def disagree() -> ResponseReturnValue:
    """Say that you disagree with your plan, or a part of it, in your own words. Your care team sees it, and it is
    kept with your plan's history; you can take it back."""
    view = _view(_own_person_id(), action="plan.viewed")
    if view.current is None:
        abort(404)
    form = DisagreementForm(version=view.current.sections_version, part=request.args.get("section"))
    if form.validate_on_submit():
        try:
            disagreements.record_disagreement(by=_me(), section_key=form.section_key(), words=form.words.data or "")
        except PlanError:
            abort(400)  # only forged input gets here: the form checks the part and the words
        flash(_("Thank you. Your care team will see what you said, and talk with you about it."))
        return redirect(url_for("plans.my_plan"))
    return render_template("plans/disagree.html", form=form)


@bp.post("/my-plan/disagreements/<uuid:disagreement_id>/withdraw")
@signed_in(Role.PERSON)
def withdraw_disagreement(disagreement_id: uuid.UUID) -> ResponseReturnValue:
    """Take back what you said you disagree with. It stays in your plan's history, marked as taken back."""
    try:
        disagreements.withdraw_disagreement(by=_me(), disagreement_id=disagreement_id)
    except NotFound:
        abort(404)
    except PlanError as error:
        if error.code != "withdrawn":
            abort(404)  # not a person's own account: nothing of theirs to take back
        flash(_("You had already taken that back."))
        return redirect(url_for("plans.my_plan"))
    flash(_("You have taken that back. Your care team will see that you did."))
    return redirect(url_for("plans.my_plan"))


# Reviews ---------------------------------------------------------------------------------------------------------


@bp.get("/reviews")
@signed_in(Role.CLINICIAN)
def reviews() -> str:
    """People on the clinician's teams by review date: overdue first. Dates only, never a judgement of the person."""
    return render_template("plans/reviews.html", rows=reviews_due(by=_me()))


# Crisis contacts (admins) ------------------------------------------------------------------------------------------


@bp.get("/admin/crisis-contacts")
@signed_in(Role.ADMIN)
def crisis_contacts() -> str:
    """The services every plan lists, in English and Welsh."""
    return render_template("admin/crisis_contacts.html", contacts=contacts.crisis_contacts(by=_me()))


@bp.route("/admin/crisis-contacts/<uuid:contact_id>", methods=["GET", "POST"])
@signed_in(Role.ADMIN)
@redisplays_on_refused_token
def crisis_contact(contact_id: uuid.UUID) -> ResponseReturnValue:
    contact = contacts.get_crisis_contact(by=_me(), contact_id=contact_id)
    if contact is None:
        abort(404)
    form = CrisisContactForm(obj=contact)
    if form.validate_on_submit():
        contacts.update_crisis_contact(
            by=_me(), contact_id=contact_id, values={f.name: f.data or "" for f in form if f.name != "csrf_token"}
        )
        flash(
            _(
                "%(name)s changed. Every plan shows the new details now.",
                name=form.name_en.data if current_language() != "cy" else form.name_cy.data,
            )
        )
        return redirect(url_for("plans.crisis_contacts"))
    return render_template("admin/crisis_contact.html", form=form, contact=contact)
