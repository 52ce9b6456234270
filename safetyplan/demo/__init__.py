"""``safetyplan demo``: fictional teams, staff, people and carers, so that a newcomer can try every role.

Everyone here is made up, and obviously so: names say "Demo" or "Example", email addresses end in
.example (a domain reserved for examples), and NHS numbers are in the 999 range kept for testing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import click
import pyotp
from flask.cli import with_appcontext
from sqlalchemy import func, select, update

from safetyplan.accounts import credentials, second_factor, teams, users
from safetyplan.accounts.models import User
from safetyplan.config import current_settings
from safetyplan.db import session, transaction, utcnow
from safetyplan.demo import transfers
from safetyplan.demo.history import seed_history
from safetyplan.exchange.deliveries import routes_for, send_due
from safetyplan.offline import devices
from safetyplan.outbox import kept
from safetyplan.people import services as people
from safetyplan.plans import disagreements, revisions, suggestions
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.content import Content
from safetyplan.plans.models import Plan
from safetyplan.plans.revisions import RevisionInput
from safetyplan.roles import Role
from safetyplan.sharing import carers, consent, invitations, involvement
from safetyplan.sharing.involvement import InvolvedDetails

#: Every demo account uses this password (development only: demo refuses to run in production).
DEMO_PASSWORD = "river stones and tea"
DOMAIN = "safetyplan.example"


@dataclass(frozen=True)
class DemoPerson:
    name: str
    preferred_name: str | None
    pronouns: str | None
    born: date
    nhs_number: str
    phone: str | None
    teams: tuple[str, ...]


TEAMS = {
    "Riverside Community Mental Health Team (demo)": "01632 960 100",
    "Hafan Crisis Team (demo)": "029 2018 0100",
}
RIVERSIDE, HAFAN = TEAMS

PEOPLE = [
    DemoPerson("Alex Demo", "Alex", "they/them", date(1994, 5, 17), "999 000 0018", "07700 900 101", (RIVERSIDE,)),
    DemoPerson("Samira Example", "Sam", "she/her", date(1988, 11, 2), "999 000 0026", "07700 900 102", (RIVERSIDE,)),
    DemoPerson("Ffion Enghraifft", None, "hi/ei", date(2001, 3, 9), "999 000 0034", "07700 900 103", (HAFAN,)),
    DemoPerson("Chris Placeholder", "Chris", "he/him", date(1976, 8, 23), "999 000 0042", None, (RIVERSIDE, HAFAN)),
    DemoPerson("Jordan Sample", None, None, date(1999, 1, 30), "999 000 0050", "07700 900 105", (HAFAN,)),
    DemoPerson("Robin Fictional", "Rob", "he/him", date(1965, 6, 12), "999 000 0069", "07700 900 106", (RIVERSIDE,)),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    team: str | None = None
    person: str | None = None
    language: str = "en"


ACCOUNTS = [
    DemoAccount(f"clinician@{DOMAIN}", "Dr Kai Example", "clinician", team=RIVERSIDE),
    DemoAccount(f"clinician.cy@{DOMAIN}", "Nyrs Elin Enghraifft", "clinician", team=HAFAN, language="cy"),
    DemoAccount(f"person@{DOMAIN}", "Alex Demo", "person", person="Alex Demo"),
    DemoAccount(f"carer@{DOMAIN}", "Pat Demo-Carer", "carer"),
    DemoAccount(f"auditor@{DOMAIN}", "Lee Example-Auditor", "auditor"),
    DemoAccount(f"admin@{DOMAIN}", "Mo Example-Admin", "admin"),
]


def seed() -> None:
    """Make the demo data (in the current transaction)."""
    team_ids = {name: teams.create_team(by=None, name=name, phone=phone).id for name, phone in TEAMS.items()}
    session.flush()
    person_ids: dict[str, uuid.UUID] = {}
    for demo in PEOPLE:
        person = people.create_person(
            by=None,
            team_id=team_ids[demo.teams[0]],
            details=people.PersonDetails(
                name=demo.name,
                preferred_name=demo.preferred_name,
                pronouns=demo.pronouns,
                date_of_birth=demo.born,
                nhs_number=demo.nhs_number,
                phone=demo.phone,
                address="1 Example Street\nDemotown\nAB1 2CD",
            ),
        )
        for extra in demo.teams[1:]:
            people.add_to_caseload(by=None, person_id=person.id, team_id=team_ids[extra])
        person_ids[demo.name] = person.id
    for demo_account in ACCOUNTS:
        user = users.create_user(
            by=None,
            email=demo_account.email,
            display_name=demo_account.name,
            role=demo_account.role,
            team_id=team_ids[demo_account.team] if demo_account.team else None,
            person_id=person_ids[demo_account.person] if demo_account.person else None,
            preferred_language=demo_account.language,
        )
        credentials.set_password_directly(user, DEMO_PASSWORD)
        if user.needs_second_factor:
            secret = pyotp.random_base32()
            second_factor.enable_totp(by=user, secret=secret, code=pyotp.TOTP(secret).now())
            user.totp_last_step = None  # let the first demo sign-in use the current code
    session.flush()
    seed_plans(person_ids)
    seed_sharing(person_ids)
    seed_assurance(person_ids, team_ids)
    transfers.seed_crisis_view(_user(f"clinician@{DOMAIN}"), person_ids["Alex Demo"])
    transfers.seed_transfer(team_ids[RIVERSIDE], current_settings().instance_path)
    transfers.seed_discharge(_user(f"clinician@{DOMAIN}"), person_ids["Chris Placeholder"])
    # So that "Devices with my plan" has one to show (and forget). A real phone adds itself from "Your safety plan".
    devices.keep_on_device(
        by=_user(f"person@{DOMAIN}"), person_id=person_ids["Alex Demo"], name="Alex's old phone (demo)"
    )


def _user(email: str) -> User:
    found = users.find_user_by_email(email)
    assert found is not None
    return found


# Fictional plans, in the people's own (made-up) words.
ALEX_FIRST: Content = {
    "reasons": {"items": ["My cat, Pickle", "Finishing my art course", "My brother's wedding in the spring"]},
    "warning_signs": {
        "items": [
            "I stop answering messages",
            "Staying in bed past midday",
            "Thinking everyone is better off without me",
        ]
    },
    "on_my_own": {
        "items": ["Put on my headphones and play the calm playlist", "Hold an ice cube", "Draw for ten minutes"]
    },
    "distraction": {
        "items": ["The café on the corner", "Walking Pickle round the park", "Texting my cousin Dee about football"]
    },
    "people_to_ask": {
        "contacts": [
            {"name": "Dee", "relationship": "cousin", "phone": "07700 900 201"},
            {"name": "Sam", "relationship": "best friend", "phone": "07700 900 202"},
        ]
    },
    "services": {
        "contacts": [{"name": "GP surgery", "relationship": "Riverside Medical Centre", "phone": "01632 960 300"}]
    },
    "safer_surroundings": {"items": ["Dee keeps my spare tablets at hers", "Only a week's supply at home"]},
    "how_others_help": {
        "helps": ["Speak quietly and give me space", "Ask me before touching me", "A woman to help with personal care"],
        "does_not_help": ["Lots of people talking at once", "Being told to calm down"],
    },
    "carers_will_do": {"items": ["Dee will call me every Sunday evening"]},
}


def seed_plans(person_ids: dict[str, uuid.UUID]) -> None:
    """Plans with several revisions, a suggestion waiting, reviews soon and overdue, and an offer declined."""

    today = date.today()
    kai, elin, alex_account = _user(f"clinician@{DOMAIN}"), _user(f"clinician.cy@{DOMAIN}"), _user(f"person@{DOMAIN}")

    def save(by: User, name: str, content: Content, reason: str, review_in: int, **extra: Any) -> None:
        person_id = person_ids[name]
        revisions.save_revision(
            by=by,
            person_id=person_id,
            base_number=unchecked_plans.current_number(person_id),
            revision=RevisionInput(
                content=content,
                reason=reason,
                next_review_on=today + timedelta(days=review_in),
                **extra,
            ),
        )

    # Alex: three revisions and a suggestion of their own waiting for their clinician.
    save(
        kai,
        "Alex Demo",
        ALEX_FIRST,
        "first_plan",
        28,
        person_took_part=True,
        person_agrees=True,
        own_words={"reasons", "warning_signs", "on_my_own", "how_others_help"},
    )
    second = {
        **ALEX_FIRST,
        "on_my_own": {"items": [*ALEX_FIRST["on_my_own"]["items"], "Have a shower and change my clothes"]},
    }
    save(
        kai,
        "Alex Demo",
        second,
        "after_incident",
        14,
        person_took_part=True,
        carer_took_part=True,
        participants={"carers": "Dee (cousin)"},
        person_agrees=True,
    )
    third = {**second, "distraction": {"items": [*second["distraction"]["items"], "The library on Saturdays"]}}
    save(
        kai,
        "Alex Demo",
        third,
        "scheduled_review",
        5,
        person_took_part=True,
        person_agrees=False,
        disagreement="I don't want Dee told everything, only the warning signs.",
    )
    suggestions.suggest(
        by=alex_account, section_key="on_my_own", text="Message the Shout text line if it's late at night"
    )

    # Samira: a plan whose review date has passed.
    save(
        kai,
        "Samira Example",
        {
            "reasons": {"items": ["My daughter", "Getting back to swimming"]},
            "warning_signs": {"items": ["Not eating", "Cancelling plans"]},
            "on_my_own": {"items": ["Swim, or a hot bath if the pool is shut"]},
            "people_to_ask": {"contacts": [{"name": "Aunt Ros", "relationship": "aunt", "phone": "07700 900 301"}]},
        },
        "first_plan",
        1,
        person_took_part=True,
        person_agrees=True,
    )
    session.execute(
        update(Plan)
        .where(Plan.person_id == person_ids["Samira Example"])
        .values(next_review_on=today - timedelta(days=3))
    )

    # Ffion (Hafan, Welsh-speaking clinician): a plan written in Welsh.
    save(
        elin,
        "Ffion Enghraifft",
        {
            "reasons": {"items": ["Fy nain", "Canu yn y côr"]},
            "on_my_own": {"items": ["Mynd am dro ar y traeth", "Gwrando ar gerddoriaeth"]},
            "people_to_ask": {"contacts": [{"name": "Nain", "relationship": "nain", "phone": "07700 900 401"}]},
        },
        "first_plan",
        21,
        person_took_part=True,
        person_agrees=True,
        own_words={"reasons", "on_my_own"},
    )

    # Robin: offered a plan and declined it for now.
    save(
        kai,
        "Robin Fictional",
        {},
        "first_plan",
        10,
        person_took_part=True,
        declined=True,
        participants={"note": "Would like to talk again after his new job starts."},
    )


def seed_sharing(person_ids: dict[str, uuid.UUID]) -> None:
    """Alex involves Pat (linked, confirmed, seeing two sections, with a suggestion waiting for Alex) and Dee
    (invited, not yet accepted), after a conversation with their clinician about involvement."""

    alex_id = person_ids["Alex Demo"]
    kai, alex, pat = _user(f"clinician@{DOMAIN}"), _user(f"person@{DOMAIN}"), _user(f"carer@{DOMAIN}")
    base_url = current_settings().base_url
    involvement.record_conversation(
        by=kai,
        person_id=alex_id,
        held_on=date.today() - timedelta(days=20),
        agreed="I want Pat to know my warning signs and how to help me. Dee can know the warning signs only. "
        "Kai explained that the team would share information without asking me only to keep me or someone else safe.",
        own_words=True,
    )
    pat_involved = involvement.add_involved(
        by=alex,
        person_id=alex_id,
        details=InvolvedDetails("Pat Demo-Carer", "carer", "my partner", "07700 900 203", f"carer@{DOMAIN}"),
    )
    link = invitations.invite(by=alex, person_id=alex_id, involved_id=pat_involved.id, base_url=base_url)
    invitations.accept_invitation(token=link.split("#", 1)[1], by=pat)
    invitations.confirm_link(by=alex, person_id=alex_id, involved_id=pat_involved.id)
    consent.choose_sections(
        by=alex, person_id=alex_id, involved_id=pat_involved.id, keys={"warning_signs", "how_others_help"}
    )
    carers.carer_suggest(
        by=pat,
        person_id=alex_id,
        section_key="carers_will_do",
        text="I will keep the spare key and check in after your late shifts",
    )
    dee = involvement.add_involved(
        by=kai,
        person_id=alex_id,
        details=InvolvedDetails("Dee Example", "family", "cousin", "07700 900 201", f"dee@{DOMAIN}"),
    )
    consent.choose_sections(
        by=kai,
        person_id=alex_id,
        involved_id=dee.id,
        keys={"warning_signs"},
        decided_on=date.today() - timedelta(days=20),
    )
    invitations.invite(by=kai, person_id=alex_id, involved_id=dee.id, base_url=base_url)
    # Alex, in their own account, says a part of the plan is not right for them: Kai sees it on the plan page.

    disagreements.record_disagreement(
        by=alex,
        section_key="safer_surroundings",
        words="I do not want Dee to keep my spare tablets at hers. I would rather Pat looks after them at home.",
    )


def seed_assurance(person_ids: dict[str, uuid.UUID], team_ids: dict[str, uuid.UUID]) -> None:
    """A year of fictional history for the quality measures' run charts, and a few reviews in which clinicians
    wrote wording that reads as stratification (kept as they chose to), for the auditors' assurance report."""

    kai, elin = _user(f"clinician@{DOMAIN}"), _user(f"clinician.cy@{DOMAIN}")
    seed_history(team_ids, clinician_by_team={RIVERSIDE: kai, HAFAN: elin}, domain=DOMAIN)

    def review(by: User, name: str, section: str, line: str) -> None:
        person_id = person_ids[name]
        current = unchecked_plans.revision_content(person_id, unchecked_plans.current_number(person_id)) or {}
        part = dict(current.get(section) or {"items": []})
        part["items"] = [*part.get("items", []), line]
        revisions.save_revision(
            by=by,
            person_id=person_id,
            base_number=unchecked_plans.current_number(person_id),
            revision=RevisionInput(
                content={**current, section: part},
                reason="scheduled_review" if current else "first_plan",
                person_took_part=True,
                person_agrees=True,
                next_review_on=date.today() + timedelta(days=30),
            ),
        )

    # Old habits, written into free text by clinicians; the detector finds them for the report.
    review(kai, "Samira Example", "warning_signs", "Judged to be low risk at the last review")
    review(kai, "Samira Example", "safer_surroundings", "RAG rated amber by the crisis team")
    review(elin, "Ffion Enghraifft", "warning_signs", "Risg: isel yn ôl yr asesiad")
    # Samira's review stays overdue (the reviews-due list shows one), as seed_plans left it.

    session.execute(
        update(Plan)
        .where(Plan.person_id == person_ids["Samira Example"])
        .values(next_review_on=date.today() - timedelta(days=3))
    )


def demo_sign_ins() -> str:
    lines = [
        "Demo sign-ins (fictional people; every password is: " + DEMO_PASSWORD + ")",
    ]
    for demo_account in ACCOUNTS:
        staff = demo_account.role in (Role.CLINICIAN, Role.AUDITOR, Role.ADMIN)
        note = f"  then the code from: .venv/bin/safetyplan demo code {demo_account.email}" if staff else ""
        lines.append(f"  {demo_account.role:<10} {demo_account.email}{note}")
    instance = current_settings().instance_path
    lines.append(
        f"A plan from another (fictional) trust to import, with a risk level: {instance / transfers.TRANSFER_FILE}"
    )
    lines.append(f"Alex's crisis view for urgent care, as sent to the National Record Locator: {instance / 'outbox'}")
    sent = instance / "outbox" / "sent" / transfers.CHRIS_GP.ods_code
    lines.append(f"Chris's plan, sent to his (fictional) GP at discharge: {sent}")
    return "\n".join(lines)


def _refuse_in_production() -> None:
    if current_settings().is_production:
        raise click.ClickException("the demo data is for development only; SAFETYPLAN_ENV is production")


@click.group(invoke_without_command=True)
@click.option("--people", type=int, default=0, help="Also add this many fictional people in teams of 300 (load tests).")
@click.option(
    "--revisions-each", type=int, default=10, show_default=True, help="Plan revisions for each of those people."
)
@click.pass_context
@with_appcontext
def demo(context: click.Context, people: int, revisions_each: int) -> None:
    """Add fictional demo data (once, to an empty database) and print the demo sign-ins."""
    if context.invoked_subcommand is not None:
        return
    _refuse_in_production()
    with transaction():
        empty = not session.scalar(select(func.count()).select_from(User))
        if empty:
            with kept():  # the made-up people's invitations go nowhere
                seed()
    if empty:  # Alex's crisis view and Chris's plan sent at discharge, to instance/outbox/ (or the endpoints)
        send_due(routes_for(current_settings()))
    if people:
        with click.progressbar(length=1, label=f"Adding {people:,} people with {revisions_each} revisions each") as bar:
            seed_load(people, revisions_each)
            bar.update(1)
    click.echo(("Added the demo data. " if empty else "The demo data is already there. ") + demo_sign_ins())


@demo.command("code")
@click.argument("email")
@with_appcontext
def demo_code(email: str) -> None:
    """Print the current authenticator code of a demo account (development only)."""
    _refuse_in_production()
    with transaction():
        user = users.find_user_by_email(email)
        if user is None or not user.totp_secret or not str(user.email).endswith("@" + DOMAIN):
            raise click.ClickException("that is not a demo account with an authenticator app")
        click.echo(pyotp.TOTP(str(user.totp_secret)).at(utcnow()))


def seed_load(people: int, revisions_each: int, team_size: int = 300) -> list[tuple[str, str]]:
    """Many fictional people in teams of ``team_size``, each with ``revisions_each`` plan revisions, for load
    tests. Returns each team's clinician (email, authenticator secret). Commits as it goes."""

    today = date.today()
    clinicians: list[tuple[str, str]] = []
    for team_number in range((people + team_size - 1) // team_size):
        with transaction():
            team = teams.create_team(by=None, name=f"Load Test Team {team_number + 1} (demo)", phone="01632 960 999")
            session.flush()
            email = f"load.clinician.{team_number + 1}@{DOMAIN}"
            clinician = users.create_user(
                by=None,
                email=email,
                display_name=f"Load Clinician {team_number + 1}",
                role="clinician",
                team_id=team.id,
            )
            credentials.set_password_directly(clinician, DEMO_PASSWORD)
            secret = pyotp.random_base32()
            second_factor.enable_totp(by=clinician, secret=secret, code=pyotp.TOTP(secret).now())
            clinician.totp_last_step = None
            clinicians.append((email, secret))
        count = min(team_size, people - team_number * team_size)
        for start in range(0, count, 50):
            with transaction():
                for n in range(start, min(start + 50, count)):
                    number = team_number * team_size + n + 1
                    person = people_services_create(team.id, number)
                    for revision in range(revisions_each):
                        content = {
                            **ALEX_FIRST,
                            "reasons": {
                                "items": [f"Reason {revision + 1} of person {number}", *ALEX_FIRST["reasons"]["items"]]
                            },
                        }
                        revisions.save_revision(
                            by=clinician,
                            person_id=person,
                            base_number=revision,
                            revision=RevisionInput(
                                content=content,
                                reason="first_plan" if revision == 0 else "scheduled_review",
                                person_took_part=True,
                                person_agrees=True,
                                next_review_on=today + timedelta(days=1 + (number * 7 + revision) % 90),
                            ),
                        )
    return clinicians


def people_services_create(team_id: uuid.UUID, number: int) -> uuid.UUID:
    person = people.create_person(
        by=None,
        team_id=team_id,
        details=people.PersonDetails(
            name=f"Load Person {number:05d}",
            date_of_birth=date(1960 + number % 40, 1 + number % 12, 1 + number % 28),
            phone="07700 900 500",
        ),
    )
    return person.id
