"""Plans, their revisions, drafts and suggestions; the crisis contacts every plan lists, with defaults.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:13:05.364315
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    crisis_contacts = op.create_table(
        "crisis_contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("name_cy", sa.String(length=80), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("detail_en", sa.String(length=160), nullable=False),
        sa.Column("detail_cy", sa.String(length=160), nullable=False),
        sa.CheckConstraint("channel IN ('call', 'text')", name=op.f("ck_crisis_contacts_channel")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_contacts")),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current_number", sa.Integer(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_plans_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("person_id", name=op.f("uq_plans_person_id")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_next_review_on"), ["next_review_on"], unique=False)

    op.create_table(
        "plan_drafts",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("base_number", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_plan_drafts_person_id_people")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_plan_drafts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_drafts")),
        sa.UniqueConstraint("person_id", "user_id", name="uq_plan_drafts_person_id_user_id"),
    )
    with op.batch_alter_table("plan_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_drafts_person_id"), ["person_id"], unique=False)

    op.create_table(
        "plan_revisions",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_role", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("sections_version", sa.Integer(), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("person_took_part", sa.Boolean(), nullable=False),
        sa.Column("carer_took_part", sa.Boolean(), nullable=False),
        sa.Column("advocate_took_part", sa.Boolean(), nullable=False),
        sa.Column("person_agrees", sa.Boolean(), nullable=True),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("participants", sa.LargeBinary(), nullable=True),
        sa.Column("disagreement", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_plan_revisions_author_id_users")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_plan_revisions_person_id_people")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_revisions_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_revisions")),
        sa.UniqueConstraint("plan_id", "number", name="uq_plan_revisions_plan_id_number"),
    )
    with op.batch_alter_table("plan_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_revisions_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_revisions_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_suggestions",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("section_key", sa.String(length=32), nullable=False),
        sa.Column("base_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_number", sa.Integer(), nullable=True),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("answer", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("status IN ('waiting', 'accepted', 'declined')", name=op.f("ck_plan_suggestions_status")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_plan_suggestions_author_id_users")),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_plan_suggestions_decided_by_users")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_plan_suggestions_person_id_people")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_suggestions_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_suggestions")),
    )
    with op.batch_alter_table("plan_suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_suggestions_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_suggestions_plan_id"), ["plan_id"], unique=False)

    # The national defaults; admins can change them (SafetyPlan > Crisis contacts).
    op.bulk_insert(
        crisis_contacts,
        [
            {
                "id": uuid.UUID(int=1),
                "position": 1,
                "name_en": "Samaritans",
                "name_cy": "Y Samariaid",
                "number": "116 123",
                "channel": "call",
                "detail_en": "free, any time, day or night",
                "detail_cy": "am ddim, unrhyw bryd, ddydd neu nos",
            },
            {
                "id": uuid.UUID(int=2),
                "position": 2,
                "name_en": "NHS 111",
                "name_cy": "GIG 111",
                "number": "111",
                "channel": "call",
                "detail_en": "choose option 2 for mental health",
                "detail_cy": "dewiswch opsiwn 2 ar gyfer iechyd meddwl",
            },
            {
                "id": uuid.UUID(int=3),
                "position": 3,
                "name_en": "Shout",
                "name_cy": "Shout",
                "number": "85258",
                "channel": "text",
                "detail_en": "text SHOUT, free, any time",
                "detail_cy": "tecstiwch SHOUT, am ddim, unrhyw bryd",
            },
            {
                "id": uuid.UUID(int=4),
                "position": 4,
                "name_en": "Emergency services",
                "name_cy": "Gwasanaethau brys",
                "number": "999",
                "channel": "call",
                "detail_en": "if you are in danger now",
                "detail_cy": "os ydych mewn perygl nawr",
            },
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("plan_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_suggestions_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_suggestions_person_id"))

    op.drop_table("plan_suggestions")
    with op.batch_alter_table("plan_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_revisions_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_revisions_person_id"))

    op.drop_table("plan_revisions")
    with op.batch_alter_table("plan_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_drafts_person_id"))

    op.drop_table("plan_drafts")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_next_review_on"))

    op.drop_table("plans")
    op.drop_table("crisis_contacts")
