"""``safetyplan plans``: a plan as a FHIR document or a PDF, from the command line, and a plan received on transfer
taken in."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from safetyplan.accounts.teams import find_team
from safetyplan.config import current_settings
from safetyplan.db import transaction
from safetyplan.errors import NotFound
from safetyplan.exchange.deliveries import routes_for, send_due
from safetyplan.exchange.everything import everything_for_command_line
from safetyplan.exchange.export import export_fhir
from safetyplan.exchange.imports import ImportReport, import_fhir
from safetyplan.exchange.messages import REFUSALS
from safetyplan.exchange.pdf import plan_pdf_for_command_line
from safetyplan.exchange.reading import MAX_BYTES, ImportRefused
from safetyplan.people.services import find_person_by_nhs_number
from safetyplan.plans.sections import section


@click.group()
def plans() -> None:
    """Export plans (as FHIR documents and PDFs), and import them (FHIR documents)."""


@plans.command("export-fhir")
@click.option("--nhs-number", required=True, help="The NHS number of the person whose plan to export.")
@click.option("--revision", type=click.IntRange(min=1), default=None, help="A revision number (default: the newest).")
@with_appcontext
def plans_export_fhir(nhs_number: str, revision: int | None) -> None:
    """Print the person's plan as a FHIR R4 document (a Bundle), as JSON. The export is audited."""
    with transaction():  # a refused export is audited too, so its event must commit: raise after
        person = find_person_by_nhs_number(by=None, nhs_number=nhs_number)
        try:
            exported = export_fhir(by=None, person_id=person.id, number=revision) if person else None
        except NotFound:
            exported = None
    if person is None:
        raise click.ClickException("no one with this NHS number is recorded")
    if exported is None:
        raise click.ClickException(
            "this person has no plan yet" if revision is None else f"this plan has no revision {revision}"
        )
    click.echo(json.dumps(exported.bundle, ensure_ascii=False, indent=2))


@plans.command("export-pdf")
@click.option("--nhs-number", required=True, help="The NHS number of the person whose plan to export.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["en", "cy"]), default="en", show_default=True)
@with_appcontext
def plans_export_pdf(nhs_number: str, output: Path, language: str) -> None:
    """Write the person's current plan as a PDF to OUTPUT (readable by you only). The export is audited."""
    with transaction():
        person = find_person_by_nhs_number(by=None, nhs_number=nhs_number)
        try:
            made = plan_pdf_for_command_line(person_id=person.id, language=language) if person else None
        except NotFound:
            made = None
    if person is None:
        raise click.ClickException("no one with this NHS number is recorded")
    if made is None:
        raise click.ClickException("this person has no plan yet")
    output.touch(mode=0o600)
    output.write_bytes(made.data)
    click.echo(f"Wrote revision {made.revision_number} to {output}.")


@plans.command("import-fhir")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--team", required=True, help="The receiving team (by name): the person joins its caseload.")
@with_appcontext
def plans_import_fhir(file: Path, team: str) -> None:
    """Take in the plan in FILE (a FHIR document from another trust) as a new revision, "on transfer". Prints what
    was taken and what was refused. Nothing is stored when the file is refused."""
    found = find_team(team)
    if found is None:
        raise click.ClickException(f"there is no team called {team!r}")
    with file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    refused: ImportRefused | None = None
    with transaction():  # a refused import is audited too, so its event must commit: raise after
        try:
            report = import_fhir(by=None, team_id=found.id, data=data)
        except ImportRefused as error:
            refused = error
    with force_locale("en"):  # the command line speaks English, like the rest of the CLI
        if refused is not None:
            details = "".join(f"\n  at {where}" for where in refused.details)
            raise click.ClickException(f"nothing was imported. {refused.message}.{details}")
        _echo_report(report)


def _echo_report(report: ImportReport) -> None:
    sender = report.organisation or "an organisation the file does not name"
    if report.already:
        click.echo(f"Already imported: revision {report.revision_number} holds this document. Nothing new stored.")
    else:
        added = " (added to the caseload)" if report.person_added else ""
        click.echo(f"Imported from {sender} as revision {report.revision_number}{added}.")
        if report.involved_added:
            click.echo(f"People involved, with what each sees: {report.involved_added}.")
    for refusal in report.refused:
        detail = f" ({refusal.detail})" if refusal.detail else ""
        click.echo(f"Refused: {refusal.what}{detail}. {REFUSALS[refusal.reason]}.")
    for flag in report.flagged:
        title = section(flag.section).title
        click.echo(
            f"Flagged in {title!s}: {flag.words!r} reads as a risk level ({flag.category}). Imported as written."
        )


@click.group()
def deliveries() -> None:
    """Send documents waiting in the outbox (crisis-view pointers, plans sent at discharge or on transfer)."""


@deliveries.command("send")
@with_appcontext
def deliveries_send() -> None:
    """Send every delivery that is due: crisis-view pointers to SAFETYPLAN_NRL_URL (unset: instance/outbox/), plans
    sent at discharge or on transfer to SAFETYPLAN_SEND_URL (unset: instance/outbox/sent/). Run it every minute (a
    timer or cron): a failed send is tried again later, waiting longer each time."""
    report = send_due(routes_for(current_settings()))
    click.echo(f"Sent {report.sent}; {report.failed} failed and will be tried again.")


@click.group("people")
def people_group() -> None:
    """A person's own copy of everything held about them."""


@people_group.command("export")
@click.option("--nhs-number", required=True, help="The NHS number of the person asking for their copy.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["en", "cy"]), default="en", show_default=True)
@with_appcontext
def people_export(nhs_number: str, output: Path, language: str) -> None:
    """Write everything held about the person to OUTPUT, a zip (readable by you only), to give them. Audited."""
    with transaction():
        person = find_person_by_nhs_number(by=None, nhs_number=nhs_number)
        made = everything_for_command_line(person_id=person.id, language=language) if person else None
    if made is None:
        raise click.ClickException("no one with this NHS number is recorded")
    output.touch(mode=0o600)
    output.write_bytes(made.data)
    click.echo(f"Wrote everything held about them to {output}.")
