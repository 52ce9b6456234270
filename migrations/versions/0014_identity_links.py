"""identity links

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 02:57:21.053854
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("subject_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("service IN ('nhs_login', 'cis2')", name=op.f("ck_identity_links_service")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_identity_links_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_links")),
        sa.UniqueConstraint("service", "subject_index", name="uq_identity_links_service_subject_index"),
        sa.UniqueConstraint("service", "user_id", name="uq_identity_links_service_user_id"),
    )
    with op.batch_alter_table("identity_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_links_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_links_user_id"))

    op.drop_table("identity_links")
