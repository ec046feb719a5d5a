"""meetings: the meeting table with its stored deadlines

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BODIES = "'SSU', 'STRATEGY', 'PA', 'DIALOG', 'AU'"
_FORMS = "'physical', 'digital', 'hybrid'"
_STATES = (
    "'planned', 'notice_published', 'held', 'protocol_published', 'protocol_signed', 'cancelled'"
)
_INDEXED = ("body", "year", "start_at", "case_submission_at", "notice_at", "protocol_at")


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("form", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("moved_from", sa.Date(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("pattern_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("case_submission_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("protocol_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "body", "pattern_key", name="uq_meeting_year_body_pattern"),
        sa.CheckConstraint(f"body IN ({_BODIES})", name="ck_meeting_body"),
        sa.CheckConstraint(f"form IN ({_FORMS})", name="ck_meeting_form"),
        sa.CheckConstraint(f"state IN ({_STATES})", name="ck_meeting_state"),
        sa.CheckConstraint("end_at > start_at", name="ck_meeting_end_after_start"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        for column in _INDEXED:
            batch_op.create_index(f"ix_meeting_{column}", [column], unique=False)
        batch_op.create_index("ix_meeting_state_start", ["state", "start_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_state_start")
        for column in reversed(_INDEXED):
            batch_op.drop_index(f"ix_meeting_{column}")
    op.drop_table("meeting")
