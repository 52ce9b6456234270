"""``safetyplan plans``: a plan as a FHIR document, from the command line (for a transfer, or to check an export)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from safetyplan.db import transaction
from safetyplan.errors import NotFound
from safetyplan.exchange.export import export_fhir
from safetyplan.exchange.pdf import plan_pdf_for_command_line
from safetyplan.people.services import find_person_by_nhs_number


@click.group()
def plans() -> None:
    """Export plans (as FHIR documents and PDFs)."""


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
