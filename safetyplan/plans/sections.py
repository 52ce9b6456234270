"""The sections of a safety plan, in one registry with a version.

The method follows the Safety Planning Intervention (Stanley B, Brown GK. Safety Planning Intervention: a brief
intervention to mitigate suicide risk. Cognitive and Behavioral Practice 2012;19:256-264) and UK practice (NICE
NG225, QS34; NHS England "Staying safe from suicide", 2025). The wording is our own. No section, field or answer here
rates, grades or categorises the person (docs/adr/0001-no-risk-levels.md).

A revision stores the registry version it was written with, so that an old revision always renders with the
sections it had. A new version adds an entry to ``REGISTRY``; versions are never edited once released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

SectionKind = Literal["list", "contacts", "helps"]


@dataclass(frozen=True)
class Section:
    """One part of the plan: what it is called, how to ask about it, and what shape its answers take."""

    key: str
    number: int
    title: LazyString
    #: The heading the person reads in their own plan, in the first person.
    heading: LazyString
    #: A plain prompt for the person, in the first person.
    prompt: LazyString
    #: Short guidance for the clinician writing it with them.
    guidance: LazyString
    kind: SectionKind = "list"
    #: Some sections suit a shared copy for a carer (offered as defaults when the person chooses what to share).
    suggested_for_carers: bool = False


SECTIONS_V1: tuple[Section, ...] = (
    Section(
        "reasons",
        1,
        _l("What matters to me"),
        _l("What matters to me and keeps me going"),
        _l("What keeps me going? The people, animals, hopes and plans that matter to me."),
        _l("Start here. Ask what has kept them going until now. Use their words, and include small things."),
    ),
    Section(
        "warning_signs",
        2,
        _l("Signs things are getting harder"),
        _l("Signs that things are getting harder for me"),
        _l("What do I notice when things start to get harder? Thoughts, feelings, situations or things I do."),
        _l("Ask what they notice first, and what others notice. Specific signs are easier to act on."),
        suggested_for_carers=True,
    ),
    Section(
        "on_my_own",
        3,
        _l("Things I can do on my own"),
        _l("Things I can do on my own to get through"),
        _l("What can I do by myself that helps, even a little?"),
        _l("Look for things that need no one else and that they have done before. Check each one feels doable."),
    ),
    Section(
        "distraction",
        4,
        _l("People and places that take my mind off things"),
        _l("People and places that help take my mind off things"),
        _l("Who can I be with, or where can I go, to take my mind off things? I do not have to talk about how I feel."),
        _l("These are for company and distraction, not for talking about the crisis: a café, a friend, a walk."),
    ),
    Section(
        "people_to_ask",
        5,
        _l("People I can ask for help"),
        _l("People I can ask for help"),
        _l("Who can I ask for help when I need it? Add their phone numbers so I can call them straight away."),
        _l("Ask who they would be willing to contact, and check the numbers now, together."),
        kind="contacts",
        suggested_for_carers=True,
    ),
    Section(
        "services",
        6,
        _l("Services I can contact"),
        _l("Services and professionals I can contact"),
        _l("Which services and professionals can I contact, day or night?"),
        _l("Your team's number and the national helplines are shown already. Add anyone else who helps."),
        kind="contacts",
        suggested_for_carers=True,
    ),
    Section(
        "safer_surroundings",
        7,
        _l("Making my surroundings safer"),
        _l("Making my surroundings safer"),
        _l("What can I, or someone with me, do to make where I am safer? Who will help with each step?"),
        _l("Agree steps together, such as who will keep medicines. Record who will help and by when."),
    ),
    Section(
        "how_others_help",
        8,
        _l("How others can help me"),
        _l("How others can help me when I am distressed, and what does not help"),
        _l("What helps me when I am very distressed, and what makes things worse? What helps me feel safe on a ward?"),
        _l(
            "Ask about calming and de-escalation that avoid restraint and seclusion, who they prefer to give "
            "personal care, and what helps them feel safe, including sexual safety."
        ),
        kind="helps",
        suggested_for_carers=True,
    ),
    Section(
        "carers_will_do",
        9,
        _l("What my family, friends or carers will do"),
        _l("What my family, friends or carers will do"),
        _l("What will the people close to me do to help?"),
        _l("Carers can add what they will do. The person decides what goes in."),
    ),
)

REGISTRY: dict[int, tuple[Section, ...]] = {1: SECTIONS_V1}
CURRENT_VERSION = max(REGISTRY)

#: Why a revision was made. There is no reason based on a risk level; a review is never triggered by one.
REASONS: dict[str, LazyString] = {
    "first_plan": _l("First plan"),
    "scheduled_review": _l("Scheduled review"),
    "after_incident": _l("After an incident"),
    "admission": _l("At admission"),
    "discharge": _l("At discharge"),
    "transfer": _l("On transfer"),
    "person_request": _l("At the person's request"),
    "suggestion_accepted": _l("A suggestion was accepted"),
    "restored": _l("An earlier revision was restored"),
}
#: The reasons a clinician picks when saving; the last two are set by the app itself.
CHOSEN_REASONS = tuple(key for key in REASONS if key not in ("suggestion_accepted", "restored"))


def sections(version: int = CURRENT_VERSION) -> tuple[Section, ...]:
    return REGISTRY[version]


def section(key: str, version: int = CURRENT_VERSION) -> Section:
    for candidate in REGISTRY[version]:
        if candidate.key == key:
            return candidate
    raise KeyError(key)
