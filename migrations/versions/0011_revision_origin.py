"""A revision's origin: for a plan received on transfer, the sending organisation and its record there (who
wrote each revision, when and why), sealed with the person's data key.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_revisions", schema=None) as batch_op:
        batch_op.drop_column("origin")
