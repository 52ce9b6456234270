"""Involvement and sharing: the people a person wants involved, what each carer sees, invitations, conversations.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:36:29.304554
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "involved_people",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("relationship", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("email", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('family', 'friend', 'carer', 'advocate')", name=op.f("ck_involved_people_kind")),
        sa.ForeignKeyConstraint(["added_by"], ["users.id"], name=op.f("fk_involved_people_added_by_users")),
        sa.ForeignKeyConstraint(["confirmed_by"], ["users.id"], name=op.f("fk_involved_people_confirmed_by_users")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_involved_people_person_id_people")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_involved_people_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_involved_people")),
    )
    with op.batch_alter_table("involved_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_involved_people_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_involved_people_user_id"), ["user_id"], unique=False)

    op.create_table(
        "involvement_conversations",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("own_words", sa.Boolean(), nullable=False),
        sa.Column("agreed", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_involvement_conversations_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_involvement_conversations_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_involvement_conversations")),
    )
    with op.batch_alter_table("involvement_conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_involvement_conversations_person_id"), ["person_id"], unique=False)

    op.create_table(
        "carer_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("involved_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_carer_invitations_created_by_users")),
        sa.ForeignKeyConstraint(
            ["involved_id"], ["involved_people.id"], name=op.f("fk_carer_invitations_involved_id_involved_people")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_carer_invitations_person_id_people")),
        sa.ForeignKeyConstraint(["used_by"], ["users.id"], name=op.f("fk_carer_invitations_used_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carer_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_carer_invitations_token_hash")),
    )
    with op.batch_alter_table("carer_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carer_invitations_involved_id"), ["involved_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_carer_invitations_person_id"), ["person_id"], unique=False)

    op.create_table(
        "sharing_choices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("involved_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("sections", sa.String(length=400), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_role", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["involved_id"], ["involved_people.id"], name=op.f("fk_sharing_choices_involved_id_involved_people")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_sharing_choices_person_id_people")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_sharing_choices_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_choices")),
    )
    with op.batch_alter_table("sharing_choices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_choices_involved_id"), ["involved_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sharing_choices_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sharing_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_choices_person_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_choices_involved_id"))

    op.drop_table("sharing_choices")
    with op.batch_alter_table("carer_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carer_invitations_person_id"))
        batch_op.drop_index(batch_op.f("ix_carer_invitations_involved_id"))

    op.drop_table("carer_invitations")
    with op.batch_alter_table("involvement_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_involvement_conversations_person_id"))

    op.drop_table("involvement_conversations")
    with op.batch_alter_table("involved_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_involved_people_user_id"))
        batch_op.drop_index(batch_op.f("ix_involved_people_person_id"))

    op.drop_table("involved_people")
