"""``safetyplan assurance``: scan text for risk-stratification language, and check the schema has no place for it."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from safetyplan.assurance.schema_check import check
from safetyplan.db import database
from safetyplan.detector import scan


@click.group()
def assurance() -> None:
    """Show that no one is stratified as low, medium or high risk."""


@assurance.command("scan-text")
@click.option("--lines", is_flag=True, help="Treat each input line as a separate text: one JSON array per line.")
def assurance_scan_text(lines: bool) -> None:
    """Read text from standard input and print its findings as a JSON array (no database or keyring needed)."""
    # Bytes in, replaced where they are not UTF-8: a scan must not fail on a stray byte in an export.
    text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    texts = _lines(text) if lines else [text]
    for each in texts:
        findings = [finding.to_json() for finding in scan(each)]
        click.echo(json.dumps(findings, ensure_ascii=False).encode("utf-8"))


def _lines(text: str) -> list[str]:
    """Lines as `wc -l` counts them: split on newlines, a final newline ends the last line, CRLF is one break."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [part.removesuffix("\r") for part in parts]


@assurance.command("check-schema")
@with_appcontext
def assurance_check_schema() -> None:
    """Check the database schema, the forms and the plan sections; exit 1 naming each place that could hold a risk
    level."""
    offenders = check(database().engine)
    for offender in offenders:
        click.echo(str(offender))
    if offenders:
        click.echo(f"{len(offenders)} place(s) could hold a risk level for a person.", err=True)
        sys.exit(1)
    click.echo("No column, form field, plan section or export could hold a risk level.")
