"""Stratification findings: what the detector found in saved plan text, as metadata for the assurance report.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 07:25:04.317348
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stratification_findings",
        sa.Column("revision_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("matched", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_stratification_findings_person_id_people")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_stratification_findings_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["plan_revisions.id"], name=op.f("fk_stratification_findings_revision_id_plan_revisions")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_stratification_findings_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stratification_findings")),
    )
    with op.batch_alter_table("stratification_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stratification_findings_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stratification_findings_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stratification_findings_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stratification_findings_revision_id"), ["revision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stratification_findings_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stratification_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stratification_findings_team_id"))
        batch_op.drop_index(batch_op.f("ix_stratification_findings_revision_id"))
        batch_op.drop_index(batch_op.f("ix_stratification_findings_plan_id"))
        batch_op.drop_index(batch_op.f("ix_stratification_findings_person_id"))
        batch_op.drop_index(batch_op.f("ix_stratification_findings_created_at"))

    op.drop_table("stratification_findings")
