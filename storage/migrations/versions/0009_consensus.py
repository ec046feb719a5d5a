"""consensus: rounds on decision cases, members' answers, observers' input

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-23 19:00:00

Depends on 0005 (case_record) as well: a round belongs to a case, so the cases branch must be
applied first whatever order Alembic walks the branches in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0005"

_OPEN = sa.text("status = 'open'")


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    # storage.case_tables.CaseTime stores UTC; its DDL is a plain timezone-aware DateTime.
    op.create_table(
        "consensus_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("status", _text(8), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("decision_text", sa.Text(), nullable=False),
        sa.Column("major_economic", sa.Boolean(), nullable=False),
        sa.Column("chair_person_id", sa.Integer(), nullable=True),
        sa.Column("started_by_person_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", _text(400), nullable=True),
        sa.Column("activity_id", _text(200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_person_id", sa.Integer(), nullable=True),
        sa.Column("outcome", _text(16), nullable=True),
        sa.Column("quorum_present", sa.Integer(), nullable=True),
        sa.Column("quorum_total", sa.Integer(), nullable=True),
        sa.Column("quorum_required", sa.Integer(), nullable=True),
        sa.Column("quorum_reached", sa.Boolean(), nullable=True),
        sa.Column("eligible_count", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"]),
        sa.ForeignKeyConstraint(["chair_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["started_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["closed_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_consensus_round_status"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('consensus', 'no_consensus')",
            name="ck_consensus_round_outcome",
        ),
        sa.CheckConstraint(
            "(status = 'open') = (outcome IS NULL)", name="ck_consensus_round_outcome_when_closed"
        ),
    )
    with op.batch_alter_table("consensus_round", schema=None) as batch_op:
        batch_op.create_index("ix_consensus_round_meeting", ["meeting_id"], unique=False)
        batch_op.create_index("ix_consensus_round_case", ["case_id"], unique=False)
        batch_op.create_index(
            "uq_consensus_round_open_case",
            ["case_id"],
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )

    op.create_table(
        "consensus_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seat_member_id", sa.Integer(), nullable=False),
        sa.Column("person_name", _text(200), nullable=False),
        sa.Column("seat_member_name", _text(200), nullable=False),
        sa.Column("position", _text(8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["consensus_round.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["seat_member_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "person_id", name="uq_consensus_answer_round_person"),
        sa.CheckConstraint(
            "position IN ('agree', 'object', 'abstain')", name="ck_consensus_answer_position"
        ),
    )
    with op.batch_alter_table("consensus_answer", schema=None) as batch_op:
        batch_op.create_index("ix_consensus_answer_round", ["round_id"], unique=False)

    op.create_table(
        "consensus_input",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("person_name", _text(200), nullable=False),
        sa.Column("organisation", _text(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["consensus_round.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "person_id", name="uq_consensus_input_round_person"),
    )
    with op.batch_alter_table("consensus_input", schema=None) as batch_op:
        batch_op.create_index("ix_consensus_input_round", ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consensus_input", schema=None) as batch_op:
        batch_op.drop_index("ix_consensus_input_round")
    op.drop_table("consensus_input")
    with op.batch_alter_table("consensus_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_consensus_answer_round")
    op.drop_table("consensus_answer")
    with op.batch_alter_table("consensus_round", schema=None) as batch_op:
        batch_op.drop_index("uq_consensus_round_open_case")
        batch_op.drop_index("ix_consensus_round_case")
        batch_op.drop_index("ix_consensus_round_meeting")
    op.drop_table("consensus_round")
