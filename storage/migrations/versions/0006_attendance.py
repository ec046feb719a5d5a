"""attendance: who attends each meeting, and the meeting as it really happened

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-23 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'present', 'absent', 'called_in'"
_SOURCES = "'self', 'secretariat', 'absence'"


def upgrade() -> None:
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("replaces_person_id", sa.Integer(), nullable=True),
        sa.Column("absence_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["replaces_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["updated_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "person_id", name="uq_attendance_meeting_person"),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="ck_attendance_status"),
        sa.CheckConstraint(f"source IN ({_SOURCES})", name="ck_attendance_source"),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index("ix_attendance_meeting_id", ["meeting_id"], unique=False)
        batch_op.create_index("ix_attendance_person_id", ["person_id"], unique=False)
        batch_op.create_index(
            "ix_attendance_meeting_status", ["meeting_id", "status"], unique=False
        )

    op.create_table(
        "meetingcontext",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("teams_meeting_id", sa.Text(), nullable=True),
        sa.Column("join_thread", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_by_person_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["opened_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["closed_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meetingcontext", schema=None) as batch_op:
        batch_op.create_index("ix_meetingcontext_meeting_id", ["meeting_id"], unique=True)
        batch_op.create_index(
            "ix_meetingcontext_conversation_id", ["conversation_id"], unique=False
        )
        batch_op.create_index("ix_meetingcontext_join_thread", ["join_thread"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meetingcontext", schema=None) as batch_op:
        batch_op.drop_index("ix_meetingcontext_join_thread")
        batch_op.drop_index("ix_meetingcontext_conversation_id")
        batch_op.drop_index("ix_meetingcontext_meeting_id")
    op.drop_table("meetingcontext")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_meeting_status")
        batch_op.drop_index("ix_attendance_person_id")
        batch_op.drop_index("ix_attendance_meeting_id")
    op.drop_table("attendance")
