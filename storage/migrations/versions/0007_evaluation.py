"""evaluation: self-evaluations, respondents, anonymous answers, question sets per year

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-24 10:00:00

The answer table has no person, conversation or time column and no sequential id: see
storage/evaluation_tables.py.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "evaluation_question_set",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("updated_by_person_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("chat_conversation_id", _text(400), nullable=True),
        sa.Column("opened_by_person_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_person_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["opened_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["closed_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id"),
        sa.CheckConstraint("state IN ('open', 'closed')", name="ck_evaluation_state"),
    )
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_year", ["year"], unique=False)
    op.create_table(
        "evaluation_respondent",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["evaluation_id"], ["evaluation.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("evaluation_id", "person_id"),
    )
    with op.batch_alter_table("evaluation_respondent", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_respondent_person_id", ["person_id"], unique=False)
    op.create_table(
        "evaluation_answer",
        sa.Column("token_hash", _text(64), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("ratings", _text(64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["evaluation_id"], ["evaluation.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("evaluation_answer", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_answer_evaluation_id", ["evaluation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evaluation_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_answer_evaluation_id")
    op.drop_table("evaluation_answer")
    with op.batch_alter_table("evaluation_respondent", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_respondent_person_id")
    op.drop_table("evaluation_respondent")
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_year")
    op.drop_table("evaluation")
    op.drop_table("evaluation_question_set")
