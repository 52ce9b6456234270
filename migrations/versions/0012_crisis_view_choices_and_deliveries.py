"""Crisis view choices (which sections urgent care may see, kept like carer sharing) and deliveries (documents
waiting to leave for another system, their contents sealed).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:50:18.761080
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("document_id", sa.String(length=80), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('crisis_pointer', 'crisis_withdrawal', 'plan_sent')", name=op.f("ck_deliveries_kind")
        ),
        sa.CheckConstraint("status IN ('waiting', 'sending', 'sent')", name=op.f("ck_deliveries_status")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_deliveries_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_status"), ["status"], unique=False)

    op.create_table(
        "crisis_view_choices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("sections", sa.String(length=400), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_role", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_crisis_view_choices_person_id_people")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_crisis_view_choices_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_view_choices")),
    )
    with op.batch_alter_table("crisis_view_choices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crisis_view_choices_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crisis_view_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crisis_view_choices_person_id"))

    op.drop_table("crisis_view_choices")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_status"))
        batch_op.drop_index(batch_op.f("ix_deliveries_person_id"))
        batch_op.drop_index(batch_op.f("ix_deliveries_document_id"))
        batch_op.drop_index(batch_op.f("ix_deliveries_created_at"))

    op.drop_table("deliveries")
