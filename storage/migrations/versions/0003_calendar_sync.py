"""calendar sync: job queue, meeting ↔ event link, embedded local calendar

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 17:00:00.000000

A branch beside 0002 (meetings): ``meeting_id`` is a plain indexed integer here, so this revision
does not depend on the meeting table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendarjob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("transaction_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transaction_id"),
    )
    with op.batch_alter_table("calendarjob", schema=None) as batch_op:
        batch_op.create_index("ix_calendarjob_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendarjob_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "calendarevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=True),
        sa.Column("ical_uid", sa.Text(), nullable=True),
        sa.Column("join_url", sa.Text(), nullable=True),
        sa.Column("web_link", sa.Text(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("sync_state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("calendarevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendarevent_meeting_id"), ["meeting_id"], unique=True)

    op.create_table(
        "localcalendarevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("transaction_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("ical_uid", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transaction_id"),
    )
    with op.batch_alter_table("localcalendarevent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_localcalendarevent_event_id"), ["event_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_localcalendarevent_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_localcalendarevent_start"), ["start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("localcalendarevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_localcalendarevent_start"))
        batch_op.drop_index(batch_op.f("ix_localcalendarevent_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_localcalendarevent_event_id"))
    op.drop_table("localcalendarevent")

    with op.batch_alter_table("calendarevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendarevent_meeting_id"))
    op.drop_table("calendarevent")

    with op.batch_alter_table("calendarjob", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendarjob_meeting_id"))
        batch_op.drop_index("ix_calendarjob_due")
    op.drop_table("calendarjob")
