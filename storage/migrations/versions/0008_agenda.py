"""agenda: a meeting's agenda (standing items, placements) and the published notice versions

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-23 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    # storage.case_tables.CaseTime stores UTC; its DDL is a plain timezone-aware DateTime.
    op.create_table(
        "agenda",
        sa.Column("meeting_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("approval_number", sa.Integer(), nullable=False),
        sa.Column("minutes_number", sa.Integer(), nullable=False),
        sa.Column("approval_minutes", sa.Integer(), nullable=False),
        sa.Column("minutes_minutes", sa.Integer(), nullable=False),
        sa.Column("lunch_minutes", sa.Integer(), nullable=True),
        sa.Column("created_by_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["created_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("meeting_id"),
        sa.UniqueConstraint("year", "approval_number", name="uq_agenda_approval_number"),
        sa.UniqueConstraint("year", "minutes_number", name="uq_agenda_minutes_number"),
        sa.CheckConstraint(
            "approval_minutes >= 1 AND approval_minutes <= 240", name="ck_agenda_approval_minutes"
        ),
        sa.CheckConstraint(
            "minutes_minutes >= 1 AND minutes_minutes <= 240", name="ck_agenda_minutes_minutes"
        ),
        sa.CheckConstraint(
            "lunch_minutes IS NULL OR (lunch_minutes >= 0 AND lunch_minutes <= 120)",
            name="ck_agenda_lunch_minutes",
        ),
    )
    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "case_id", name="uq_agenda_item_meeting_case"),
        sa.CheckConstraint(
            "minutes IS NULL OR (minutes >= 1 AND minutes <= 240)", name="ck_agenda_item_minutes"
        ),
    )
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.create_index("ix_agenda_item_meeting", ["meeting_id"], unique=False)
    op.create_table(
        "notice_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", _text(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("document_path", _text(400), nullable=False),
        sa.Column("document_url", sa.Text(), nullable=False),
        sa.Column("document_size", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_person_id", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("case_ids", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["published_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "version", name="uq_notice_version_meeting_version"),
        sa.CheckConstraint("version >= 1", name="ck_notice_version_version"),
    )
    with op.batch_alter_table("notice_version", schema=None) as batch_op:
        batch_op.create_index("ix_notice_version_meeting", ["meeting_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notice_version", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_version_meeting")
    op.drop_table("notice_version")
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_item_meeting")
    op.drop_table("agenda_item")
    op.drop_table("agenda")
