"""offline devices

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:21:09.815450
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offline_devices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_offline_devices_person_id_people")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_offline_devices_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_devices")),
    )
    with op.batch_alter_table("offline_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offline_devices_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offline_devices_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("offline_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offline_devices_user_id"))
        batch_op.drop_index(batch_op.f("ix_offline_devices_person_id"))

    op.drop_table("offline_devices")
