"""Plan disagreements: the person saying, from their own account and in their own words (sealed), that they
disagree with their plan or a part of it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:04:59.033404
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_disagreements",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("section_key", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("words", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_plan_disagreements_author_id_users")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_plan_disagreements_person_id_people")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_disagreements_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_disagreements")),
    )
    with op.batch_alter_table("plan_disagreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_disagreements_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_disagreements_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_disagreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_disagreements_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_disagreements_person_id"))

    op.drop_table("plan_disagreements")
