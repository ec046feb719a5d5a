"""cases: submitted cases and the per-year case number counter

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'submitted', 'triaged', 'scheduled', 'treated', 'decided', 'closed'"
_CASE_TYPES = "'decision', 'theme', 'report', 'other'"
_IMPACTS = "'none', 'minor', 'major'"
_ROUTES = "'au', 'au_line', 'ssu'"
_SECTIONS = "'decision', 'theme', 'report', 'other'"
_INDEXES = (
    ("ix_case_record_status", ["status"]),
    ("ix_case_record_meeting", ["meeting_id"]),
    ("ix_case_record_submitter_person", ["submitter_person_id"]),
    ("ix_case_record_submitter_aad", ["submitter_aad_id"]),
)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "case_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    # storage.case_tables.CaseTime stores UTC; its DDL is a plain timezone-aware DateTime.
    op.create_table(
        "case_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("submission_key", _text(64), nullable=False),
        sa.Column("title", _text(200), nullable=False),
        sa.Column("submitter_org", _text(200), nullable=False),
        sa.Column("anchored", sa.Boolean(), nullable=False),
        sa.Column("anchored_with", _text(200), nullable=False),
        sa.Column("case_type", _text(16), nullable=False),
        sa.Column("background", sa.Text(), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("economic_impact", _text(8), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("requested_meeting_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("route", _text(8), nullable=True),
        sa.Column("section", _text(16), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("submitter_person_id", sa.Integer(), nullable=True),
        sa.Column("submitter_aad_id", _text(64), nullable=True),
        sa.Column("submitter_name", _text(200), nullable=False),
        sa.Column("submitter_conversation_id", _text(400), nullable=True),
        sa.Column("triaged_by_person_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["requested_meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["submitter_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["triaged_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "number", name="uq_case_record_year_number"),
        sa.UniqueConstraint("submission_key", name="uq_case_record_submission_key"),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="ck_case_record_status"),
        sa.CheckConstraint(f"case_type IN ({_CASE_TYPES})", name="ck_case_record_case_type"),
        sa.CheckConstraint(f"economic_impact IN ({_IMPACTS})", name="ck_case_record_impact"),
        sa.CheckConstraint(f"route IS NULL OR route IN ({_ROUTES})", name="ck_case_record_route"),
        sa.CheckConstraint(
            f"section IS NULL OR section IN ({_SECTIONS})", name="ck_case_record_section"
        ),
        sa.CheckConstraint(
            "minutes IS NULL OR (minutes >= 1 AND minutes <= 240)", name="ck_case_record_minutes"
        ),
        sa.CheckConstraint("number >= 1", name="ck_case_record_number"),
    )
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        for name, columns in _INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        for name, _columns in reversed(_INDEXES):
            batch_op.drop_index(name)
    op.drop_table("case_record")
    op.drop_table("case_counter")
