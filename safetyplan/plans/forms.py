"""The plan editor (built from the section registry), recording a declined offer, suggestions and decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from safetyplan.people.forms import PHONE_INVALID
from safetyplan.people.identifiers import normalise_phone
from safetyplan.plans.content import Content, section_content
from safetyplan.plans.sections import CHOSEN_REASONS, CURRENT_VERSION, REASONS, sections
from safetyplan.web.forms import BaseForm, DateParts, DateRequired, limit, options

SECTION_LIMIT = 4000
CONTACT_ROWS_SPARE = 2


class ContactForm(Form):
    # No Optional() where an inline check must run on an empty field: it would stop the chain first.
    name = StringField(validators=[limit(80)])
    relationship = StringField(validators=[Optional(), limit(60)])
    phone = StringField(validators=[Optional(), limit(32)])

    def validate_phone(self, field: StringField) -> None:
        if field.data and normalise_phone(field.data) is None:
            raise ValidationError(PHONE_INVALID)

    def validate_name(self, field: StringField) -> None:
        if not (field.data or "").strip() and (
            (self.phone.data or "").strip() or (self.relationship.data or "").strip()
        ):
            raise ValidationError(_l("Enter who this is"))


def _future(form: Any, field: DateParts) -> None:
    if field.data is not None and field.data <= date.today():
        raise ValidationError(_l("Enter a review date in the future"))


class MeetingForm(BaseForm):
    """Who took part, whether the person agrees, and when to review: recorded with every revision."""

    #: The revision the typed text started from. It stays so until the user has seen any newer revision beside
    #: their text: a reloaded draft then shows the conflict again, instead of quietly saving over the newer one.
    base_number = HiddenField()
    #: The newer revision the user was shown beside their text (the conflict view), which a save may build on.
    merge_with = HiddenField()
    #: Set once the clinician has been shown that some wording reads as a risk level: a save then keeps it.
    wording_checked = HiddenField()
    reason = RadioField(validators=[InputRequired(_l("Select why the plan is being written or reviewed"))])
    person_took_part = BooleanField()
    carer_took_part = BooleanField()
    carer_names = StringField(validators=[Optional(), limit(200)])
    advocate_took_part = BooleanField()
    advocate_name = StringField(validators=[Optional(), limit(120)])
    # No Optional(): it would stop the chain before validate_person_agrees, which needs person_took_part.
    person_agrees = RadioField(
        choices=options([("yes", _l("Yes, they agree with it")), ("no", _l("No, they do not agree with all of it"))]),
        validate_choice=False,
    )
    disagreement = TextAreaField(validators=[limit(2000)])
    next_review_on = DateParts(
        validators=[DateRequired(), _future],
        missing=_l("Enter the date of the next review"),
        invalid=_l("The review date must be a real date, like 27 3 2027"),
    )

    def __init__(self, *args: Any, reasons: tuple[str, ...] = CHOSEN_REASONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = options([(key, REASONS[key]) for key in reasons])

    def validate_person_agrees(self, field: RadioField) -> None:
        if field.data not in (None, "", "yes", "no"):
            raise ValidationError(_l("Select whether the person agrees with the plan"))
        if self.person_took_part.data and not field.data:
            raise ValidationError(_l("Select whether the person agrees with the plan"))

    def validate_disagreement(self, field: TextAreaField) -> None:
        if self.person_agrees.data == "no" and not (field.data or "").strip():
            raise ValidationError(_l("Write why the person does not agree, in their words"))

    def participants(self) -> dict[str, str]:
        found = {"carers": self.carer_names.data or "", "advocate": self.advocate_name.data or ""}
        return {key: value.strip() for key, value in found.items() if value and value.strip()}

    def agrees(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.person_agrees.data or "")


def plan_form_class(version: int = CURRENT_VERSION) -> type[MeetingForm]:
    """The editor for a registry version: a field per section (a line per item), a table of contacts."""
    attributes: dict[str, Any] = {}
    for part in sections(version):
        if part.kind == "contacts":
            attributes[part.key] = FieldList(FormField(ContactForm), min_entries=CONTACT_ROWS_SPARE)
        elif part.kind == "helps":
            attributes[part.key] = TextAreaField(validators=[Optional(), limit(SECTION_LIMIT)])
            attributes[f"{part.key}_not"] = TextAreaField(validators=[Optional(), limit(SECTION_LIMIT)])
        else:
            attributes[part.key] = TextAreaField(validators=[Optional(), limit(SECTION_LIMIT)])
        attributes[f"{part.key}_own_words"] = BooleanField()
    return type(f"PlanFormV{version}", (MeetingForm,), attributes)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def content_from_form(form: MeetingForm, version: int = CURRENT_VERSION) -> tuple[Content, set[str]]:
    """The sections as typed, and which the clinician marked as the person's own words."""
    content: Content = {}
    own_words = set()
    for part in sections(version):
        if part.kind == "contacts":
            rows = []
            for row in getattr(form, part.key).entries:
                name, relationship, phone = (
                    (row.form[f].data or "").strip() for f in ("name", "relationship", "phone")
                )
                if name or phone:
                    rows.append({"name": name, "relationship": relationship, "phone": normalise_phone(phone) or phone})
            content[part.key] = {"contacts": rows}
        elif part.kind == "helps":
            content[part.key] = {
                "helps": _lines(getattr(form, part.key).data),
                "does_not_help": _lines(getattr(form, f"{part.key}_not").data),
            }
        else:
            content[part.key] = {"items": _lines(getattr(form, part.key).data)}
        if getattr(form, f"{part.key}_own_words").data:
            own_words.add(part.key)
    return content, own_words


def form_data(content: Content | None, version: int = CURRENT_VERSION) -> dict[str, Any]:
    """A revision's sections as the editor's starting values."""
    data: dict[str, Any] = {}
    for part in sections(version):
        value = section_content(content, part)
        if part.kind == "contacts":
            data[part.key] = [*value["contacts"], *({} for _ in range(CONTACT_ROWS_SPARE))]
        elif part.kind == "helps":
            data[part.key] = "\n".join(value["helps"])
            data[f"{part.key}_not"] = "\n".join(value["does_not_help"])
        else:
            data[part.key] = "\n".join(value["items"])
        data[f"{part.key}_own_words"] = bool(value.get("own_words"))
    return data


class DeclinedForm(BaseForm):
    """A plan offered and declined is recorded: an honest count, not a missing record."""

    base_number = HiddenField()
    note = TextAreaField(validators=[Optional(), limit(2000)])
    next_review_on = DateParts(
        validators=[DateRequired(), _future],
        missing=_l("Enter when to offer a plan again"),
        invalid=_l("The date must be a real date, like 27 3 2027"),
    )


class SuggestionForm(BaseForm):
    section = RadioField(validators=[InputRequired(_l("Select the part of your plan you want to change"))])
    text = TextAreaField(validators=[InputRequired(_l("Write your suggestion")), limit(2000)])

    def __init__(self, *args: Any, version: int = CURRENT_VERSION, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section.choices = options([(part.key, part.heading) for part in sections(version)])


WHOLE_PLAN = "whole_plan"


class DisagreementForm(BaseForm):
    """The person saying, in their own words, that they disagree with their plan or a part of it."""

    part = RadioField(validators=[InputRequired(_l("Select what you disagree with"))])
    words = TextAreaField(
        validators=[InputRequired(_l("Write what you disagree with, in your own words")), limit(2000)]
    )

    def __init__(self, *args: Any, version: int = CURRENT_VERSION, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.part.choices = options(
            [(WHOLE_PLAN, _l("The whole plan"))] + [(part.key, part.heading) for part in sections(version)]
        )

    def validate_words(self, field: TextAreaField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Write what you disagree with, in your own words"))

    def section_key(self) -> str | None:
        return None if self.part.data == WHOLE_PLAN else self.part.data


class DecisionForm(BaseForm):
    decision = RadioField(
        choices=options([("accept", _l("Add it to the plan")), ("decline", _l("Do not add it now"))]),
        validators=[InputRequired(_l("Select whether to add it to the plan"))],
    )
    answer = TextAreaField(validators=[limit(1000)])

    def validate_answer(self, field: TextAreaField) -> None:
        if self.decision.data == "decline" and not (field.data or "").strip():
            raise ValidationError(_l("Say why, in words the person will read"))


class PersonDecisionForm(DecisionForm):
    """The person deciding what a carer suggested: saying why not is up to them."""

    def validate_answer(self, field: TextAreaField) -> None:
        return None


class RestoreForm(BaseForm):
    base_number = IntegerField(validators=[InputRequired()])


class CrisisContactForm(BaseForm):
    name_en = StringField(validators=[InputRequired(_l("Enter the name in English")), limit(80)])
    name_cy = StringField(validators=[InputRequired(_l("Enter the name in Welsh")), limit(80)])
    number = StringField(validators=[InputRequired(_l("Enter the number")), limit(32)])
    channel = RadioField(
        choices=options(
            [("call", _l("People call this number")), ("text", _l("People send a text message to this number"))]
        ),
        validators=[InputRequired(_l("Select how people contact this service"))],
    )
    detail_en = StringField(validators=[limit(160)])
    detail_cy = StringField(validators=[limit(160)])

    def validate_number(self, field: StringField) -> None:
        if normalise_phone(field.data or "") is None:
            raise ValidationError(PHONE_INVALID)
