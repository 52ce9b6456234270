"""``safetyplan assurance scan-text`` and ``check-schema``, and the rules behind check-schema."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import CheckConstraint, Column, DateTime, Enum, Integer, MetaData, String, Table, create_engine

from safetyplan.assurance.schema_check import EXPORT_SHAPES, Offender, check, name_reason, values_reason
from safetyplan.cli import cli
from safetyplan.db import database
from safetyplan.detector import CATEGORIES
from safetyplan.exchange.fhir import sample_bundle
from safetyplan.plans.sections import REGISTRY, Section


def scan_text(*args: str, input: bytes) -> tuple[int, str]:
    """Run scan-text with no app at all: it needs no database, keyring or instance folder."""
    result = CliRunner().invoke(cli, ["assurance", "scan-text", *args], input=input)
    return result.exit_code, result.output


def check_schema(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(cli, ["assurance", "check-schema"])
    return result.exit_code, result.output


# --- scan-text -----------------------------------------------------------------------------------------------------


def test_scan_text_prints_the_findings_as_a_json_array():
    code, output = scan_text(input=b"Seen today. Risk: high. RAG rated red.\n")
    assert code == 0, output
    assert json.loads(output) == [
        {"category": "level-label", "start": 12, "end": 22, "matched": "Risk: high"},
        {"category": "colour-rating", "start": 24, "end": 37, "matched": "RAG rated red"},
    ]


def test_scan_text_prints_an_empty_array_when_nothing_is_found():
    assert scan_text(input=b"I feel low on Sundays") == (0, "[]\n")
    assert scan_text(input=b"") == (0, "[]\n")


def test_scan_text_with_lines_prints_one_array_per_line_in_order():
    text = "Assessed as high risk\n\nI feel low on Sundays\r\nsgôr risg 6\nRAG rated red"
    code, output = scan_text("--lines", input=text.encode())
    assert code == 0, output
    arrays = [json.loads(line) for line in output.splitlines()]
    assert arrays == [
        [{"category": "level-label", "start": 12, "end": 21, "matched": "high risk"}],
        [],
        [],
        [{"category": "numeric-score", "start": 0, "end": 11, "matched": "sgôr risg 6"}],
        [{"category": "colour-rating", "start": 0, "end": 13, "matched": "RAG rated red"}],
    ]


def test_scan_text_replaces_bytes_that_are_not_utf8():
    code, output = scan_text(input=b"Risk: low \xff\xfe\n")
    assert code == 0
    assert json.loads(output) == [{"category": "level-label", "start": 0, "end": 9, "matched": "Risk: low"}]


def test_echo_assessed_as_high_risk_into_the_command_prints_a_finding(tmp_path):
    safetyplan = os.path.join(os.path.dirname(sys.executable), "safetyplan")
    env = {"PATH": os.environ["PATH"], "SAFETYPLAN_INSTANCE_PATH": str(tmp_path / "nothing-here")}
    result = subprocess.run(
        [safetyplan, "assurance", "scan-text"],
        input=b"Assessed as high risk\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"category": "level-label", "start": 12, "end": 21, "matched": "high risk"}]
    assert not (tmp_path / "nothing-here").exists()  # no instance folder, keyring or database was made


# --- check-schema --------------------------------------------------------------------------------------------------


def test_check_schema_passes_on_the_migrated_database(app):
    code, output = check_schema(app)
    assert (code, output) == (0, "No column, form field, plan section or export could hold a risk level.\n")


@pytest.fixture
def extra_tables(app):
    """Tables made for one test in the test database (kept off the app's metadata), dropped afterwards."""
    metadata = MetaData()
    yield metadata
    with app.app_context():
        metadata.drop_all(database().engine)


def test_check_schema_fails_naming_a_risk_level_column(app, extra_tables):
    Table("test_assessments", extra_tables, Column("id", Integer, primary_key=True), Column("risk_level", String(10)))
    with app.app_context():
        extra_tables.create_all(database().engine)
    code, output = check_schema(app)
    assert code == 1
    assert (
        "column test_assessments.risk_level: the name pairs 'risk' with 'level', so it could hold a risk level\n"
        in output
    )


def test_check_schema_fails_on_an_enum_or_check_of_low_medium_high(app, extra_tables):
    Table(
        "test_answers",
        extra_tables,
        Column("id", Integer, primary_key=True),
        # A native enum type on PostgreSQL; a CHECK constraint on SQLite.
        Column("answer", Enum("low", "medium", "high", name="test_answer_scale", create_constraint=True)),
        Column("band", String(10)),
        CheckConstraint("band IN ('red', 'amber', 'green')", name="ck_test_answers_band"),
    )
    with app.app_context():
        extra_tables.create_all(database().engine)
    code, output = check_schema(app)
    assert code == 1
    lines = output.splitlines()
    assert any("test_answer" in line and "ordinal scale (high, low, medium)" in line for line in lines), output
    assert "check test_answers.ck_test_answers_band: its values are RAG colours (amber, green, red)" in output


def test_check_does_not_flag_a_table_of_findings_about_text(app, tmp_path):
    # The planned table that records detector findings: a category of *language*, never a level of a person.
    engine = create_engine(f"sqlite:///{tmp_path / 'planned.db'}")
    metadata = MetaData()
    Table(
        "stratification_findings",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("revision_id", Integer),
        Column("plan_id", Integer),
        Column("team_id", Integer),
        Column("section", String(40)),
        Column("category", String(20)),
        Column("author_role", String(20)),
        Column("created_at", DateTime),
        CheckConstraint(f"category IN ({', '.join(repr(c) for c in CATEGORIES)})", name="category"),
        CheckConstraint("author_role IN ('clinician', 'person', 'carer')", name="author_role"),
    )
    metadata.create_all(engine)
    with app.app_context():
        assert check(engine) == []
    engine.dispose()


def test_check_names_a_form_field_and_choices_that_could_hold_a_risk_level(app):
    from wtforms import RadioField, StringField

    from safetyplan.web.forms import BaseForm, options

    class TestReviewForm(BaseForm):
        risk_band = StringField()
        outcome = RadioField(choices=options([("low", "Low"), ("medium", "Medium"), ("high", "High")]))

    try:
        with app.app_context():
            offenders = check(database().engine)
    finally:
        del TestReviewForm  # so that no later check finds it among BaseForm's subclasses
        gc.collect()
    assert (
        Offender("form TestReviewForm.risk_band", "the name pairs 'risk' with 'band', so it could hold a risk level")
        in offenders
    )
    assert (
        Offender(
            "form TestReviewForm.outcome choices",
            "its values are an ordinal scale (high, low, medium), so it could hold a risk level",
        )
        in offenders
    )


def test_check_names_a_plan_section_that_could_hold_a_risk_level(app, monkeypatch):
    section = Section("risk_rating", 1, "Risk rating", "Risk rating", "My risk level: high", "Rate the risk as RAG.")
    monkeypatch.setitem(REGISTRY, 99, (section,))
    with app.app_context():
        offenders = {str(offender) for offender in check(database().engine)}
    assert (
        "section risk_rating (version 99): the name pairs 'risk' with 'rating', so it could hold a risk level"
        in offenders
    )
    assert (
        "section risk_rating (version 99) prompt: its text reads as stratification: 'risk level: high' (level-label)"
        in offenders
    )
    assert any(line.startswith("form PlanFormV99.risk_rating:") for line in offenders)


# --- The rules behind check-schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "risk_level",
        "risk",
        "risk_score",
        "rag_status",
        "rag_rating",
        "risk_band",
        "risk_category",
        "triage_category",
        "suicide_risk",
        "lethality_score",
        "danger_tier",
        "RiskLevel",
        "RAGStatus",
        "overall_risk",
        "Risk level",
        "stratification_level",
        "lefel_risg",
        "risks",
    ],
)
def test_a_name_that_could_hold_a_risk_level_is_named(name):
    assert name_reason(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "stratification_findings",
        "category",
        "author_role",
        "section",
        "status",
        "level",
        "score",
        "revision_id",
        "person_agrees",
        "next_review_on",
        "risk_notes",
        "risk_assessment",
        "storage",
        "drag_handle",
        "outcome",
        "preferred_language",
        "safer_surroundings",
        "warning_signs",
    ],
)
def test_an_ordinary_name_is_not_named(name):
    assert name_reason(name) is None


def test_a_plain_scale_word_is_named_only_in_a_table_about_risk():
    assert name_reason("level", table="risk_assessments") is not None
    assert name_reason("score", table="rag_reviews") is not None
    assert name_reason("category", table="stratification_findings") is None
    assert name_reason("level", table="crisis_contacts") is None


@pytest.mark.parametrize(
    "values",
    [
        ["low", "medium", "high"],
        ["LOW_RISK", "HIGH_RISK"],
        ["very low", "low", "moderate"],
        ["red", "amber", "green"],
        ["coch", "ambr", "gwyrdd"],
        ["isel", "canolig", "uchel"],
        ["high_risk", "other"],
    ],
)
def test_values_that_look_like_a_risk_scale_are_named(values):
    assert values_reason(values) is not None


@pytest.mark.parametrize(
    "values",
    [
        ["allowed", "denied", "failed"],
        ["en", "cy"],
        ["yes", "no"],
        list(CATEGORIES),
        ["low"],
        ["call", "text"],
        ["waiting", "accepted", "declined"],
    ],
)
def test_ordinary_values_are_not_named(values):
    assert values_reason(values) is None


def test_check_schema_names_a_risk_level_added_to_an_export(app, monkeypatch):
    def with_a_level():
        bundle = sample_bundle()
        care_plan = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")
        care_plan["extension"].append({"url": "https://example.org/StructureDefinition/risk-level", "valueCode": "x"})
        care_plan["category"].append({"coding": [{"system": "http://loinc.org", "code": "93374-7"}]})
        care_plan["note"] = [{"text": "Assessed as high risk"}]
        return bundle

    monkeypatch.setitem(app.extensions, EXPORT_SHAPES, {"FHIR plan document": with_a_level})
    code, output = check_schema(app)
    assert code == 1
    assert "extension https://example.org/StructureDefinition/risk-level" in output
    assert "the code http://loinc.org|93374-7 is a risk level" in output
    assert "'high risk' (level-label)" in output


def test_check_schema_reads_the_crisis_pointer_and_names_a_level_added_to_it(app, monkeypatch):
    from safetyplan.exchange.crisis import sample_pointer

    assert "Crisis view pointer (National Record Locator)" in app.extensions[EXPORT_SHAPES]  # checked every run

    def with_a_level():
        pointer = sample_pointer()
        pointer["category"].append({"coding": [{"system": "http://loinc.org", "code": "93374-7"}]})
        return pointer

    monkeypatch.setitem(app.extensions, EXPORT_SHAPES, {"Crisis view pointer (National Record Locator)": with_a_level})
    code, output = check_schema(app)
    assert code == 1
    assert "the code http://loinc.org|93374-7 is a risk level" in output
